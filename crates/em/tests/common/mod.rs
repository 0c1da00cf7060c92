//! What the agreement tests share: a JSON fixture written by one of the
//! scripts in `crates/em/scripts/`, and its numbers as arrays.
#![allow(dead_code)]

use ndarray::Array2;
use serde_json::Value;

/// `crates/em/tests/fixtures/FILE`, parsed; the panic names the script that writes it.
pub fn read_fixture(file: &str, script: &str) -> Value {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("run {script}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// Every number of a (nested) JSON array, in order.
pub fn floats(v: &Value) -> Vec<f64> {
    match v {
        Value::Number(n) => vec![n.as_f64().expect("a float")],
        Value::Array(a) => a.iter().flat_map(floats).collect(),
        other => panic!("not a number or array: {other}"),
    }
}

/// A JSON array of rows as a matrix.
pub fn matrix(v: &Value) -> Array2<f64> {
    let rows = v.as_array().expect("rows");
    let ncols = rows[0].as_array().expect("a row").len();
    Array2::from_shape_vec((rows.len(), ncols), floats(v)).expect("rectangular")
}
