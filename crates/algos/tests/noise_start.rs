//! EM's default noise start (`fit gmm --noise` without `--noise-init`):
//! DBSCAN's noise points under the data-driven defaults of `fit dbscan`.
//!
//! The fixture is `crates/em/tests/fixtures/mclust_models.json`
//! (`dbscan_noise_cases`, written by `crates/em/scripts/make_fixtures_mclust.R`):
//! R computes DBSCAN's eps, min_samples and noise points from their
//! definitions, mclust's `hc` on the other rows starts the clusters, and
//! `me(model, data, z, Vinv = hypvol)` fits. Here the plan must find the same
//! eps, min_samples and noise points, its start must be exactly the
//! `--noise-init FILE` start of the fixture's labels, and the fit mclust's.

use clusterlab_algos::{plan, Algorithm, Context, Settings};
use ndarray::Array2;
use serde_json::{json, Value};

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../em/tests/fixtures/mclust_models.json"
    );
    let text = std::fs::read_to_string(path).expect("run crates/em/scripts/make_fixtures_mclust.R");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    match v {
        Value::Number(n) => vec![n.as_f64().expect("a float")],
        Value::Array(a) => a.iter().flat_map(floats).collect(),
        other => panic!("not a number or array: {other}"),
    }
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows = v.as_array().expect("rows");
    let ncols = rows[0].as_array().expect("a row").len();
    Array2::from_shape_vec((rows.len(), ncols), floats(v)).expect("rectangular")
}

/// The settings of an agreement run: noise, hc, no ridge, tight tolerances.
fn settings(model: &str) -> Settings {
    let mut s = Settings::new();
    for (name, v) in [
        ("noise", json!(true)),
        ("init", json!("hc")),
        ("covariance", json!(model.to_ascii_lowercase())),
        ("reg_covar", json!(0.0)),
        ("tol", json!(1e-13)),
        ("rtol", json!(0.0)),
        ("max_iter", json!(20_000)),
    ] {
        s.set(name, v, format!("--{name}"));
    }
    s
}

#[test]
fn the_default_noise_start_is_dbscans_noise_and_matches_mclust() {
    let f = fixture();
    let cases = f["dbscan_noise_cases"]
        .as_array()
        .expect("dbscan_noise_cases");
    assert_eq!(cases.len(), 11);
    let dir = std::env::temp_dir().join(format!("clusterlab-noise-start-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for case in cases {
        let dataset = case["dataset"].as_str().unwrap();
        let model = case["model"].as_str().unwrap();
        let name = format!("{dataset}/{model}");
        let x = matrix(&f["data"][dataset]);
        let n = x.nrows();
        let k = case["k"].as_u64().unwrap() as usize;
        let labels: Vec<i64> = floats(&case["labels"]).iter().map(|l| *l as i64).collect();
        let ctx = Context::new(x.view(), Some(k), 0);
        // DBSCAN's defaults and noise points are R's.
        let d = ctx.dbscan_noise().unwrap();
        assert_eq!(d.eps, case["eps"].as_f64().unwrap(), "{name}: eps");
        assert_eq!(
            d.min_samples,
            case["min_samples"].as_u64().unwrap() as usize,
            "{name}: min_samples"
        );
        let noise: Vec<bool> = labels.iter().map(|l| *l < 0).collect();
        assert_eq!(d.start.rows, noise, "{name}: DBSCAN's noise points");
        // …and are `fit dbscan`'s own with no settings.
        let db = plan(Algorithm::Dbscan, &Settings::new(), &ctx).unwrap();
        assert_eq!(db.params["eps"], json!(d.eps), "{name}");
        let db_noise: Vec<bool> = db
            .fit(x.view())
            .unwrap()
            .labels
            .iter()
            .map(|l| *l < 0)
            .collect();
        assert_eq!(db_noise, noise, "{name}");

        let p = plan(Algorithm::Gmm, &settings(model), &ctx).unwrap();
        assert_eq!(p.params["noise_init"], json!("dbscan"), "{name}");
        assert_eq!(p.params["noise_init_eps"], json!(d.eps), "{name}");
        assert_eq!(
            p.params["noise_init_min_samples"],
            json!(d.min_samples),
            "{name}"
        );
        let m = noise.iter().filter(|r| **r).count();
        assert_eq!(p.params["noise_init_points"], json!(m), "{name}");
        let params = p
            .gmm()
            .unwrap()
            .to_builder()
            .inner_control(1e-13, 10_000)
            .check()
            .unwrap();
        let fit = params.fit(x.view(), None).unwrap();

        // The same start from the file of the labels: noise -1, the hc classes else.
        let file = dir.join(format!("{dataset}-{model}.txt"));
        let text: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        std::fs::write(&file, format!("label\n{}\n", text.join("\n"))).unwrap();
        let s = settings(model).without("init").with(
            "noise_init",
            json!(file.display().to_string()),
            "--noise-init",
        );
        let q = plan(Algorithm::Gmm, &s, &ctx).unwrap();
        assert_eq!(q.params["noise_init"], json!("labels"), "{name}");
        let from_file = q
            .gmm()
            .unwrap()
            .to_builder()
            .inner_control(1e-13, 10_000)
            .check()
            .unwrap()
            .fit(x.view(), None)
            .unwrap();
        assert_eq!(fit.initial_model, from_file.initial_model, "{name}: start");
        assert_eq!(fit.log_likelihood, from_file.log_likelihood, "{name}");

        // The fit is mclust's.
        assert!(fit.converged, "{name}");
        let ll = case["loglik"].as_f64().unwrap() / n as f64;
        assert!(
            (fit.log_likelihood - ll).abs() <= 1e-6 * ll.abs(),
            "{name}: mean log-likelihood {} vs mclust {ll}",
            fit.log_likelihood
        );
        let pro = floats(&case["pro"]);
        let nz = fit.model.noise().unwrap();
        assert!(
            (nz.proportion - pro[k]).abs() <= 1e-4,
            "{name}: noise proportion {} vs {}",
            nz.proportion,
            pro[k]
        );
        let bic = fit.bic(x.view()).unwrap();
        let want = -case["bic"].as_f64().unwrap();
        assert!(
            (bic - want).abs() <= 1e-6 * want.abs(),
            "{name}: BIC {bic} vs {want}"
        );
    }
}

/// With the default init (auto) the noise start is DBSCAN's too, and the
/// points DBSCAN calls background mostly stay noise: the sheared set's 30
/// uniform background points.
#[test]
fn the_default_start_with_auto_init() {
    let f = fixture();
    let x = matrix(&f["data"]["sheared-noise"]);
    let n = x.nrows();
    let ctx = Context::new(x.view(), Some(3), 0);
    let mut s = Settings::new();
    s.set("noise", json!(true), "--noise");
    let p = plan(Algorithm::Gmm, &s, &ctx).unwrap();
    assert_eq!(p.params["init"], json!("auto"));
    assert_eq!(p.params["noise_init"], json!("dbscan"));
    assert_eq!(p.params["noise_init_points"], json!(5));
    let c = p.fit(x.view()).unwrap();
    let noise: Vec<usize> = (0..n).filter(|&i| c.labels[i] == -1).collect();
    let background = noise.iter().filter(|&&i| i >= n - 30).count();
    assert!(
        background >= 12,
        "{background} of 30 background points are noise: {noise:?}"
    );
    assert!(noise.len() - background <= 10, "{noise:?}");
    assert_eq!(c.n_noise, noise.len());
}
