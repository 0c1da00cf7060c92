//! One plan: `clusterlab fit ALGO` and `clusterlab compare --algorithms ALGO`
//! resolve the same parameters (every default, the data-driven ones
//! included, as the number used) and give the same labels, z-scored and raw.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_clusterlab"))
        .args(args)
        .output()
        .expect("run clusterlab")
}

/// Three clusters of different spreads plus a few far points, in units far
/// from 1 so that z-scoring matters.
fn write_csv(dir: &Path) -> String {
    let p = dir.join("spread.csv");
    let mut s = String::from("x,y,label\n");
    let mut state: u64 = 7;
    let mut unif = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let centres = [[0.0, 0.0], [40.0, 5.0], [10.0, 60.0]];
    let spread = [3.0, 9.0, 5.0];
    for i in 0..240 {
        let c = i % 3;
        let gx: f64 = (0..6).map(|_| unif()).sum::<f64>() - 3.0;
        let gy: f64 = (0..6).map(|_| unif()).sum::<f64>() - 3.0;
        s.push_str(&format!(
            "{:.5},{:.5},{c}\n",
            centres[c][0] + spread[c] * gx,
            100.0 * (centres[c][1] + spread[c] * gy)
        ));
    }
    for j in 0..6 {
        s.push_str(&format!(
            "{},{},-1\n",
            90.0 + j as f64,
            -9000.0 + 500.0 * j as f64
        ));
    }
    std::fs::write(&p, s).unwrap();
    p.display().to_string()
}

fn json_of(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn check(algorithm: &str, standardize: bool, extra: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_csv(tmp.path());
    let needs_k = matches!(algorithm, "kmeans" | "kmedoids" | "gmm" | "bgmm");
    let mut fit_args = vec!["fit", algorithm, data.as_str(), "--json"];
    if standardize {
        fit_args.push("--standardize");
    }
    if needs_k {
        fit_args.extend(["--k", "3"]);
    }
    fit_args.extend(extra);
    let fit = json_of(&run(&fit_args));

    let out = tmp.path().join("report");
    let out_s = out.display().to_string();
    let mut cmp_args = vec![
        "compare",
        data.as_str(),
        "--algorithms",
        algorithm,
        "--k",
        "3",
        "--out",
        out_s.as_str(),
        "--quiet",
    ];
    if !standardize {
        cmp_args.push("--raw");
    }
    let prefixed: Vec<String> = extra
        .iter()
        .map(|a| match a.strip_prefix("--") {
            Some(flag) => format!("--{algorithm}-{flag}"),
            None => a.to_string(),
        })
        .collect();
    cmp_args.extend(prefixed.iter().map(String::as_str));
    let o = run(&cmp_args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let metrics: Value =
        serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    let row = metrics["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["algorithm"] == algorithm)
        .unwrap();
    let what = format!("{algorithm} (standardize {standardize}, {extra:?})");
    assert_eq!(fit["params"], row["params"], "{what}: params differ");
    assert!(
        fit["params"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| !v.is_null()),
        "{what}: a null parameter in {}",
        fit["params"]
    );
    assert_eq!(fit["labels"], row["labels"], "{what}: labels differ");
    assert_eq!(fit["n_clusters"], row["clusters"], "{what}");
}

#[test]
fn fit_and_compare_resolve_the_same_plan() {
    for standardize in [true, false] {
        for algorithm in ["kmeans", "kmedoids", "dbscan", "optics", "hdbscan", "gmm"] {
            check(algorithm, standardize, &[]);
        }
    }
    // Given values reach both the same way.
    check("dbscan", true, &["--min-samples", "7"]);
    check(
        "optics",
        true,
        &["--min-cluster-size", "0.05", "--xi", "0.05"],
    );
    check("hdbscan", false, &["--min-cluster-size", "12"]);
    check("gmm", true, &["--covariance", "diag", "--n-init", "2"]);
    check("kmeans", true, &["--init", "random", "--n-init", "3"]);
    // The Bayesian mixture as a metrics row (compare fits it when listed).
    check("bgmm", true, &["--weight-prior", "dirichlet-distribution"]);
}

#[test]
fn data_driven_defaults_are_the_numbers_used() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_csv(tmp.path());
    let v = json_of(&run(&["fit", "dbscan", &data, "--standardize", "--json"]));
    let p = &v["params"];
    // 246 points in 2-D: min_samples = max(2·2, 10) = 10, capped at n/10 = 24.
    assert_eq!(p["min_samples"], 10);
    let eps = p["eps"].as_f64().unwrap();
    assert!(eps > 0.0 && eps < 2.0, "{eps}");
    // The eps shown is the eps used: giving it explicitly changes nothing.
    let w = json_of(&run(&[
        "fit",
        "dbscan",
        &data,
        "--standardize",
        "--json",
        "--eps",
        &eps.to_string(),
    ]));
    assert_eq!(v["labels"], w["labels"]);
    let v = json_of(&run(&["fit", "optics", &data, "--json"]));
    assert_eq!(v["params"]["min_cluster_size"], 24);
    assert_eq!(v["params"]["xi"], 0.1);
    assert_eq!(v["params"]["max_eps"], "inf");
    let v = json_of(&run(&["fit", "hdbscan", &data, "--json"]));
    // 3% of 246 = 7.38 → 7; min_samples = min(7, 5).
    assert_eq!(v["params"]["min_cluster_size"], 7);
    assert_eq!(v["params"]["min_samples"], 5);
}

/// `--engine reference` runs the equations as plain functions; from the
/// same start, 50 iterations with tol 0 agree with the fast engine for every
/// covariance type.
#[test]
fn reference_and_fast_engines_agree_from_the_same_model() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_csv(tmp.path());
    for cov in ["full", "diag", "spherical", "tied"] {
        let start = json_of(&run(&[
            "fit",
            "gmm",
            &data,
            "--standardize",
            "--k",
            "3",
            "--covariance",
            cov,
            "--json",
            "--max-iter",
            "2",
        ]));
        let model = tmp.path().join(format!("{cov}.json"));
        std::fs::write(&model, serde_json::to_vec(&start["gmm"]).unwrap()).unwrap();
        let fit = |engine: &str| {
            json_of(&run(&[
                "fit",
                "gmm",
                &data,
                "--standardize",
                "--k",
                "3",
                "--init-model",
                model.to_str().unwrap(),
                "--tol",
                "0",
                "--rtol",
                "0",
                "--max-iter",
                "50",
                "--engine",
                engine,
                "--json",
            ]))
        };
        let (f, r) = (fit("fast"), fit("reference"));
        assert_eq!(f["params"]["engine"], "fast");
        assert_eq!(r["params"]["engine"], "reference");
        assert_eq!(r["gmm"]["n_iter"], 50);
        let (lf, lr) = (
            f["gmm"]["log_likelihood"].as_f64().unwrap(),
            r["gmm"]["log_likelihood"].as_f64().unwrap(),
        );
        assert!(
            (lf - lr).abs() <= 1e-9 * lf.abs(),
            "{cov}: log-likelihood {lf} against {lr}"
        );
        fn flat(v: &Value, out: &mut Vec<f64>) {
            match v {
                Value::Array(a) => a.iter().for_each(|x| flat(x, out)),
                Value::Number(n) => out.push(n.as_f64().unwrap()),
                _ => panic!("not numeric: {v}"),
            }
        }
        for key in ["weights", "means", "covariances"] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            flat(&f["gmm"][key], &mut a);
            flat(&r["gmm"][key], &mut b);
            assert_eq!(a.len(), b.len(), "{cov} {key}");
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() <= 1e-7, "{cov} {key}: {x} against {y}");
            }
        }
    }
}

/// A parameter of the other OPTICS extraction method is an error naming
/// the flag as written, not silently ignored.
#[test]
fn optics_refuses_the_other_methods_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_csv(tmp.path());
    for (args, flag) in [
        (vec!["--eps", "0.5"], "--eps"),
        (vec!["--cluster-method", "dbscan", "--xi", "0.2"], "--xi"),
        (
            vec!["--cluster-method", "dbscan", "--min-cluster-size", "9"],
            "--min-cluster-size",
        ),
    ] {
        let mut a = vec!["fit", "optics", data.as_str()];
        a.extend(args);
        let o = run(&a);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(flag), "{err}");
    }
    let o = run(&[
        "fit",
        "optics",
        &data,
        "--cluster-method",
        "dbscan",
        "--eps",
        "0.5",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Messages that say what is allowed and what went wrong: a size of 1.0 is
/// the count 1 (refused as below 2, without claiming 1 is allowed), an
/// empty config value names what the parser expected.
#[test]
fn messages_say_what_is_allowed() {
    let o = run(&["fit", "hdbscan", "blobs", "--min-cluster-size", "1.0"]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        e.contains("(0, 1)") && e.contains("--min-cluster-size"),
        "{e}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("k.toml");
    std::fs::write(&cfg, "k=\n").unwrap();
    let out = tmp.path().join("out");
    let o = run(&[
        "compare",
        "blobs",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("line 1") && e.contains("expected"), "{e}");
    assert!(!out.exists());
}
