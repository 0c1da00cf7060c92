//! `clusterlab fit bgmm` end to end: the registry's flags reach the Bayesian
//! mixture, and its JSON holds scikit-learn's numbers (the fixture of
//! `crates/em/scripts/make_fixtures_bgmm.py`, started from the same labels).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clusterlab"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run clusterlab")
}

fn floats(v: &Value) -> Vec<f64> {
    match v {
        Value::Number(n) => vec![n.as_f64().unwrap()],
        Value::Array(a) => a.iter().flat_map(floats).collect(),
        other => panic!("not numbers: {other}"),
    }
}

fn fixture() -> Value {
    let text = std::fs::read_to_string(repo().join("crates/em/tests/fixtures/sklearn_bgmm.json"))
        .expect("the bgmm fixture");
    serde_json::from_str(&text).unwrap()
}

/// Old Faithful from scikit-learn's start: every fixture case on it (both
/// weight priors, the four covariance types, 30 iterations, tol 0) gives
/// scikit-learn's lower bounds (1e-6 relative), weights and means (1e-4).
#[test]
fn fit_bgmm_json_matches_scikit_learn() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let labels = floats(&f["datasets"]["faithful"]["labels"]);
    let text: String = labels
        .iter()
        .map(|l| format!("{}\n", *l as usize))
        .collect();
    let path = dir.path().join("labels.txt");
    std::fs::write(&path, format!("label\n{text}")).unwrap();
    let mut checked = 0;
    for case in f["cases"].as_array().unwrap() {
        if case["dataset"] != "faithful"
            || case["max_iter"] != 30
            || !case["weight_concentration"].is_null()
        {
            continue;
        }
        let ty = case["covariance_type"].as_str().unwrap();
        let prior = case["weight_prior"].as_str().unwrap().replace('_', "-");
        let o = run(&[
            "fit",
            "bgmm",
            "datasets/faithful.csv",
            "--k",
            "5",
            "--json",
            "--covariance",
            ty,
            "--weight-prior",
            &prior,
            "--tol",
            "0",
            "--max-iter",
            "30",
            "--init-labels",
            path.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let out: Value = serde_json::from_slice(&o.stdout).unwrap();
        let b = &out["bgmm"];
        assert_eq!(out["params"]["init"], "labels");
        assert_eq!(b["n_iter"], 30);
        assert_eq!(b["converged"], false);
        let sk = &case["sklearn"];
        let (ours, theirs) = (floats(&b["lower_bounds"]), floats(&sk["lower_bounds"]));
        assert_eq!(ours.len(), 30);
        for (a, t) in ours.iter().zip(&theirs) {
            assert!(
                (a - t).abs() <= 1e-6 * t.abs(),
                "{ty}/{prior}: bound {a} vs {t}"
            );
        }
        for key in ["weights", "means"] {
            for (a, t) in floats(&b[key]).iter().zip(floats(&sk[key])) {
                assert!((a - t).abs() <= 1e-4, "{ty}/{prior}: {key} {a} vs {t}");
            }
        }
        let w = floats(&b["weights"]);
        let kept = w.iter().filter(|v| **v > 1.0 / 500.0).count();
        assert_eq!(b["effective_components"], kept as u64);
        checked += 1;
    }
    assert_eq!(checked, 8);
}

/// Bad input is one line naming the flag or the file and line.
#[test]
fn bad_input_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labels.txt");
    std::fs::write(&path, "0\n1\n7\n").unwrap();
    let p = path.to_str().unwrap();
    for (args, needle) in [
        (
            vec!["--weight-concentration", "0"],
            "--weight-concentration",
        ),
        (vec!["--weight-prior", "beta"], "--weight-prior"),
        (vec!["--init-labels", p], "line 3"),
    ] {
        let mut all = vec!["fit", "bgmm", "datasets/faithful.csv", "--k", "5"];
        all.extend(args);
        let o = run(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && !err.contains("panicked"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err}");
    }
}
