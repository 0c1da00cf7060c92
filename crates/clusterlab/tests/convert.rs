//! `clusterlab convert` end to end: a CSV becomes `.npy` files that NumPy's
//! layout describes, and `fit` reads them with the same result as the CSV.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clusterlab"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .expect("run clusterlab")
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn convert_then_fit_reads_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("pts.csv");
    std::fs::write(&csv, "a,label,b\n1.5,0,-2\n0.25,1,3e-3\n-7,-1,4\n").unwrap();
    let npy: PathBuf = dir.path().join("pts.npy");
    let o = run(&["convert", csv.to_str().unwrap(), npy.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&npy).unwrap();
    // Header: magic, version 1.0, a 64-byte-aligned dict, then the values row by row.
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    assert!(String::from_utf8_lossy(&bytes[10..128])
        .starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }"));
    let values: Vec<f64> = bytes[128..]
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(values, [1.5, -2.0, 0.25, 3e-3, -7.0, 4.0]);
    let labels = std::fs::read(dir.path().join("pts.labels.npy")).unwrap();
    let labels: Vec<i64> = labels[128..]
        .chunks_exact(8)
        .map(|b| i64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(labels, [0, 1, -1]);

    // The same fit from either file.
    let fit = |p: &Path| {
        json(&run(&[
            "fit",
            "kmeans",
            p.to_str().unwrap(),
            "--k",
            "2",
            "--json",
        ]))
    };
    let (a, b) = (fit(&csv), fit(&npy));
    assert_eq!(a["kmeans"], b["kmeans"]);
    assert_eq!(a["labels"], b["labels"]);
    assert_eq!(a["ari"], b["ari"]);
    assert_eq!(b["dataset"], "pts");
}

#[test]
fn convert_errors_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.npy");
    let o = run(&["convert", "no/such.csv", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("no/such.csv: no such file"), "{err}");
    assert!(!out.exists());
    let o = run(&["convert", "datasets/iris.csv", "iris.bin"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("iris.bin: the output must end in .npy"));
}
