//! Shared helpers for the integration tests: fixture loading and the
//! adjusted Rand index.
#![allow(dead_code)]

use std::collections::HashMap;

use ndarray::Array2;
use serde_json::Value;

/// A fixture written by `scripts/make_fixtures.py`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

pub const DATASETS: [&str; 4] = ["blobs_noise_2d", "moons", "varied_3d", "grid"];

pub fn data(fx: &Value) -> Array2<f64> {
    let rows = fx["x"].as_array().unwrap();
    let d = rows[0].as_array().unwrap().len();
    let flat: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
        .collect();
    Array2::from_shape_vec((rows.len(), d), flat).unwrap()
}

pub fn i64s(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

pub fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

/// Floats with `null` meaning +∞.
pub fn f64s_inf(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::INFINITY))
        .collect()
}

fn comb2(n: usize) -> f64 {
    let n = n as f64;
    n * (n - 1.0) / 2.0
}

/// Adjusted Rand index (Hubert & Arabie), noise (−1) counted as one more
/// label, as scikit-learn's `adjusted_rand_score` does.
pub fn ari(a: &[i64], b: &[i64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let n = a.len();
    let mut table: HashMap<(i64, i64), usize> = HashMap::new();
    let mut ca: HashMap<i64, usize> = HashMap::new();
    let mut cb: HashMap<i64, usize> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *table.entry((x, y)).or_default() += 1;
        *ca.entry(x).or_default() += 1;
        *cb.entry(y).or_default() += 1;
    }
    let index: f64 = table.values().map(|&v| comb2(v)).sum();
    let sa: f64 = ca.values().map(|&v| comb2(v)).sum();
    let sb: f64 = cb.values().map(|&v| comb2(v)).sum();
    let expected = sa * sb / comb2(n);
    let max = (sa + sb) / 2.0;
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

/// The two labelings define the same partition (noise kept as noise).
pub fn same_partition(a: &[i64], b: &[i64]) -> bool {
    let mut ab: HashMap<i64, i64> = HashMap::new();
    let mut ba: HashMap<i64, i64> = HashMap::new();
    a.iter().zip(b).all(|(&x, &y)| {
        (x == -1) == (y == -1) && *ab.entry(x).or_insert(y) == y && *ba.entry(y).or_insert(x) == x
    })
}

#[test]
fn ari_by_hand() {
    // Identical partitions up to renaming.
    assert_eq!(ari(&[0, 0, 1, 1], &[1, 1, 0, 0]), 1.0);
    // scikit-learn: adjusted_rand_score([0, 0, 1, 2], [0, 0, 1, 1]) = 0.5714285714285714
    assert!((ari(&[0, 0, 1, 2], &[0, 0, 1, 1]) - 0.571_428_571_428_571_4).abs() < 1e-12);
    assert!(same_partition(&[0, 0, -1, 1], &[3, 3, -1, 2]));
    assert!(!same_partition(&[0, 0, -1, 1], &[3, 3, 2, 2]));
}
