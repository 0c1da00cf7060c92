//! The `clusterlab` binary end to end: `fit gmm`, `trace`, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clusterlab"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run clusterlab")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failing run: non-zero exit, exactly one line on stderr containing `needle`, no panic.
fn assert_one_line_error(o: &Output, needle: &str) {
    let err = stderr(o);
    assert!(
        !o.status.success(),
        "expected failure, got success; stderr: {err}"
    );
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err:?}");
    assert!(err.contains(needle), "{err:?} does not mention {needle:?}");
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn trace_replays_the_seed_table() {
    let o = run(&["trace"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // First E-step: r₁(0.80) = 1/(1 + e^−6.16) = 0.998, r₁(4.70) = 1/(1 + e^4.76) = 0.008.
    assert!(out.contains("| x1 | 0.80 | 0.998 | 0.002 |"), "{out}");
    assert!(out.contains("| x4 | 4.70 | 0.008 | 0.992 |"), "{out}");
    // First M-step: μ₁ = 1.1144, μ₂ = 5.0777 (hand computation in crates/em/tests/seed.rs).
    assert!(out.contains("means:     1.1144, 5.0777"), "{out}");
    assert!(out.contains("Converged after"), "{out}");
}

#[test]
fn fit_gmm_json_has_the_documented_shape() {
    let o = run(&[
        "fit",
        "gmm",
        "datasets/faithful.csv",
        "--k",
        "2",
        "--json",
        "--proba",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["algorithm"], "gmm");
    assert_eq!(v["dataset"], "faithful");
    assert_eq!(v["n"], 272);
    assert_eq!(v["d"], 2);
    assert!(v["ari"].is_null() && v["nmi"].is_null());
    assert_eq!(v["labels"].as_array().unwrap().len(), 272);
    let g = &v["gmm"];
    assert_eq!(g["covariance_type"], "full");
    let w: Vec<f64> = serde_json::from_value(g["weights"].clone()).unwrap();
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    let cov: Vec<Vec<Vec<f64>>> = serde_json::from_value(g["covariances"].clone()).unwrap();
    assert_eq!((cov.len(), cov[0].len(), cov[0][0].len()), (2, 2, 2));
    let lb: Vec<f64> = serde_json::from_value(g["lower_bounds"].clone()).unwrap();
    assert_eq!(lb.len(), g["n_iter"].as_u64().unwrap() as usize);
    assert!(lb.windows(2).all(|p| p[1] >= p[0] - 1e-9));
    // BIC = −2·n·ll + p·ln n with p = 2·2 + 2·3 + 1 = 11.
    let ll = g["log_likelihood"].as_f64().unwrap();
    let bic = -2.0 * 272.0 * ll + 11.0 * (272f64).ln();
    assert!((g["bic"].as_f64().unwrap() - bic).abs() < 1e-8);
    let r: Vec<Vec<f64>> = serde_json::from_value(v["responsibilities"].clone()).unwrap();
    assert_eq!(r.len(), 272);
    assert!(r
        .iter()
        .all(|row| (row.iter().sum::<f64>() - 1.0).abs() < 1e-12));
}

#[test]
fn a_fit_seeds_another_and_iris_reports_ari() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[
        "fit",
        "gmm",
        "datasets/iris.csv",
        "--k",
        "3",
        "--covariance",
        "diag",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(first["ari"].as_f64().unwrap() > 0.5);
    let model = write(dir.path(), "model.json", &first["gmm"].to_string());
    let o = run(&[
        "fit",
        "gmm",
        "datasets/iris.csv",
        "--k",
        "3",
        "--covariance",
        "diag",
        "--init-model",
        &model,
        "--json",
        "--max-iter",
        "1",
        "--tol",
        "0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let second: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // The first E-step of the second fit is an E-step from exactly the first model.
    let lb0 = second["gmm"]["lower_bounds"][0].as_f64().unwrap();
    let ll = first["gmm"]["log_likelihood"].as_f64().unwrap();
    assert!((lb0 - ll).abs() < 1e-12, "{lb0} vs {ll}");
}

#[test]
fn bad_data_files_give_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases = [
        (write(d, "empty.csv", ""), "empty.csv"),
        (write(d, "header.csv", "a,b\n"), "header.csv"),
        (write(d, "ragged.csv", "a,b\n1,2\n3\n"), "ragged.csv"),
        (write(d, "text.csv", "a,b\n1,2\n3,x\n"), "text.csv"),
        (write(d, "nan.csv", "a,b\n1,2\n3,NaN\n"), "nan.csv"),
        (write(d, "inf.csv", "a,b\n1,2\n3,inf\n"), "inf.csv"),
        (
            d.join("missing.csv").to_string_lossy().into_owned(),
            "missing.csv",
        ),
    ];
    for (path, needle) in &cases {
        let o = run(&["fit", "gmm", path, "--k", "1"]);
        assert_one_line_error(&o, needle);
    }
}

#[test]
fn bad_parameters_give_one_line_errors() {
    let f = "datasets/faithful.csv";
    assert_one_line_error(&run(&["fit", "gmm", f, "--k", "0"]), "k");
    assert_one_line_error(&run(&["fit", "gmm", "seed-1d", "--k", "7"]), "k = 7");
    assert_one_line_error(&run(&["fit", "gmm", f, "--k", "2", "--tol", "-1"]), "tol");
    assert_one_line_error(
        &run(&["fit", "gmm", f, "--k", "2", "--reg-covar", "-0.5"]),
        "reg_covar",
    );
    assert_one_line_error(
        &run(&["fit", "gmm", f, "--k", "2", "--max-iter", "0"]),
        "max_iter",
    );
    assert_one_line_error(
        &run(&["fit", "gmm", f, "--k", "2", "--covariance", "round"]),
        "round",
    );
    assert_one_line_error(
        &run(&["fit", "gmm", f, "--k", "2", "--init", "magic"]),
        "magic",
    );
    assert_one_line_error(&run(&["fit", "gmm", f, "--k", "2", "--eps", "1"]), "--eps");
}

#[test]
fn bad_models_give_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let f = "datasets/faithful.csv";
    let shape = write(
        d,
        "shape.json",
        r#"{"covariance_type":"full","weights":[0.5,0.5],"means":[[1,2],[3,4]],"covariances":[[1,0],[0,1]]}"#,
    );
    let sum = write(
        d,
        "sum.json",
        r#"{"covariance_type":"spherical","weights":[0.5,0.6],"means":[[1,2],[3,4]],"covariances":[1,1]}"#,
    );
    let pd = write(
        d,
        "pd.json",
        r#"{"covariance_type":"full","weights":[0.5,0.5],"means":[[1,2],[3,4]],"covariances":[[[1,2],[2,1]],[[1,0],[0,1]]]}"#,
    );
    let dims = write(
        d,
        "dims.json",
        r#"{"covariance_type":"spherical","weights":[0.5,0.5],"means":[[1],[3]],"covariances":[1,1]}"#,
    );
    for (m, needle, cov) in [
        (&shape, "shape.json", "full"),
        (&sum, "sum to", "spherical"),
        (&pd, "not positive definite", "full"),
        (&dims, "features", "spherical"),
    ] {
        let o = run(&[
            "fit",
            "gmm",
            f,
            "--k",
            "2",
            "--covariance",
            cov,
            "--init-model",
            m,
        ]);
        assert_one_line_error(&o, needle);
    }
}

fn fit_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["fit"];
    all.extend_from_slice(args);
    all.push("--json");
    let o = run(&all);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

#[test]
fn every_algorithm_prints_the_same_envelope_and_its_own_object() {
    let cases: [(&[&str], &str, &[&str]); 5] = [
        (
            &["kmeans", "blobs", "--k", "3"],
            "kmeans",
            &["centroids", "inertia", "n_iter"],
        ),
        (
            &["kmedoids", "blobs", "--k", "3"],
            "kmedoids",
            &["medoids", "loss"],
        ),
        (
            &["dbscan", "blobs", "--eps", "0.8", "--min-samples", "5"],
            "dbscan",
            &["core_points"],
        ),
        (
            &["optics", "blobs", "--min-samples", "20"],
            "optics",
            &["ordering", "reachability", "core_distances"],
        ),
        (
            &["hdbscan", "blobs", "--min-cluster-size", "15"],
            "hdbscan",
            &["probabilities", "outlier_scores"],
        ),
    ];
    for (args, name, keys) in cases {
        let v = fit_json(args);
        assert_eq!(v["algorithm"], name);
        assert_eq!(v["dataset"], "blobs");
        for key in [
            "n",
            "d",
            "params",
            "fit_seconds",
            "labels",
            "n_clusters",
            "noise",
            "ari",
            "nmi",
        ] {
            assert!(v.get(key).is_some(), "{name}: no {key}");
        }
        assert_eq!(
            v["labels"].as_array().unwrap().len(),
            v["n"].as_u64().unwrap() as usize
        );
        for key in keys {
            assert!(v[name].get(*key).is_some(), "{name}: no {name}.{key}");
        }
        // The built-in blobs are three well separated clusters: every method finds them.
        assert!(v["ari"].as_f64().unwrap() > 0.9, "{name}: ARI {}", v["ari"]);
    }
}

#[test]
fn optics_reports_undefined_reachability_as_null() {
    let v = fit_json(&["optics", "blobs", "--min-samples", "10"]);
    let reach = v["optics"]["reachability"].as_array().unwrap();
    let ordering = v["optics"]["ordering"].as_array().unwrap();
    // The first point of the ordering starts an expansion: its reachability is ∞ (null).
    let first = ordering[0].as_u64().unwrap() as usize;
    assert!(reach[first].is_null());
    assert_eq!(ordering.len(), reach.len());
}

#[test]
fn kmeans_inertia_is_a_sum_of_squared_distances() {
    let v = fit_json(&["kmeans", "seed-1d", "--k", "2"]);
    // Groups {0.8, 1.1, 1.4} and {4.7, 5.1, 5.5}: 0.09 + 0 + 0.09 + 0.16 + 0 + 0.16 = 0.5.
    assert!(
        (v["kmeans"]["inertia"].as_f64().unwrap() - 0.5).abs() < 1e-12,
        "{}",
        v["kmeans"]["inertia"]
    );
}

#[test]
fn out_of_range_parameters_give_one_line_errors() {
    let b = "blobs";
    assert_one_line_error(&run(&["fit", "dbscan", b, "--eps", "0"]), "eps");
    assert_one_line_error(&run(&["fit", "dbscan", b, "--eps", "-1"]), "eps");
    assert_one_line_error(
        &run(&["fit", "dbscan", b, "--min-samples", "0"]),
        "min_samples",
    );
    assert_one_line_error(&run(&["fit", "optics", b, "--xi", "1.5"]), "xi");
    assert_one_line_error(&run(&["fit", "optics", b, "--xi", "0"]), "xi");
    assert_one_line_error(
        &run(&["fit", "optics", b, "--cluster-method", "magic"]),
        "magic",
    );
    assert_one_line_error(&run(&["fit", "kmeans", "seed-1d", "--k", "7"]), "7");
    assert_one_line_error(&run(&["fit", "kmedoids", "seed-1d", "--k", "0"]), "k");
    assert_one_line_error(
        &run(&["fit", "hdbscan", b, "--min-cluster-size", "0"]),
        "min_cluster_size",
    );
    // A parameter the algorithm does not take.
    assert_one_line_error(
        &run(&["fit", "kmeans", b, "--k", "3", "--eps", "1"]),
        "--eps",
    );
    assert_one_line_error(&run(&["fit", "dbscan", b, "--k", "3"]), "--k");
}

/// `fit hdbscan --membership-vectors`: n rows × clusters, each row summing
/// to the chance of being in some cluster (at most 1), the largest entry
/// in the point's own cluster for nearly every clustered point. (The values
/// themselves are checked against the hdbscan library in
/// crates/algos/tests/hdbscan_soft.rs.)
#[test]
fn hdbscan_membership_vectors_have_one_row_per_point() {
    let j = fit_json(&[
        "hdbscan",
        "blobs",
        "--min-cluster-size",
        "15",
        "--membership-vectors",
    ]);
    let labels: Vec<i64> = j["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let k = labels.iter().copied().max().unwrap() + 1;
    let v = j["hdbscan"]["membership_vectors"].as_array().unwrap();
    assert_eq!(v.len(), labels.len());
    let (mut clustered, mut agree) = (0, 0);
    for (row, &l) in v.iter().zip(&labels) {
        let row: Vec<f64> = row
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_f64().unwrap())
            .collect();
        assert_eq!(row.len() as i64, k);
        let s: f64 = row.iter().sum();
        assert!((0.0..=1.0 + 1e-9).contains(&s), "row sums to {s}");
        if l >= 0 {
            clustered += 1;
            let am = (0..row.len()).fold(0, |b, t| if row[t] > row[b] { t } else { b });
            agree += usize::from(am as i64 == l);
        }
    }
    assert!(
        agree as f64 >= 0.95 * clustered as f64,
        "{agree} of {clustered}"
    );
    let o = run(&["fit", "hdbscan", "blobs", "--membership-vectors"]);
    assert!(
        stdout(&o).contains("membership vectors: mean chance"),
        "{}",
        stdout(&o)
    );
}

/// `clusterlab starts --json`: the documented shape; the default start is
/// exactly `fit gmm` (same data, k and seed), so no optimum found is worse
/// than what `fit gmm` returns; every start counted in one optimum.
#[test]
fn starts_json_holds_the_default_fit_and_its_optima() {
    let o = run(&["starts", "overlap", "--k", "3", "--starts", "20", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let starts = j["starts"].as_array().unwrap();
    assert_eq!(starts.len(), 20);
    let fit = fit_json(&["gmm", "overlap", "--k", "3"]);
    let ll = fit["gmm"]["log_likelihood"].as_f64().unwrap();
    let default = starts.iter().find(|s| s["method"] == "default").unwrap();
    assert_eq!(default["log_likelihood"].as_f64().unwrap(), ll);
    let optima = j["optima"].as_array().unwrap();
    assert!(optima[0]["log_likelihood"].as_f64().unwrap() >= ll);
    let counted: u64 = optima.iter().map(|o| o["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, 20);
    for m in ["kmeans-labels", "kmedoids-labels", "hdbscan-labels"] {
        let s = starts
            .iter()
            .find(|s| s["method"] == m)
            .unwrap_or_else(|| panic!("no {m}"));
        assert!(s["seed"].is_null());
    }
    // 20 − 4 = 16 seeded starts, 4 per init method.
    for m in ["kmeans", "kmeans++", "random", "random-from-data"] {
        assert_eq!(starts.iter().filter(|s| s["method"] == m).count(), 4, "{m}");
        let share = j["best_share_by_method"][m].as_f64().unwrap();
        let hit = starts
            .iter()
            .filter(|s| s["method"] == m && s["optimum"] == 0)
            .count();
        assert_eq!(share, hit as f64 / 4.0);
    }
}

#[test]
fn starts_bad_arguments_give_one_line_errors() {
    assert_one_line_error(
        &run(&["starts", "overlap", "--k", "3", "--starts", "3"]),
        "--starts: at least 8",
    );
    assert_one_line_error(&run(&["starts", "overlap", "--k", "0"]), "--k");
    assert_one_line_error(
        &run(&["starts", "overlap", "--k", "3", "--covariance", "foo"]),
        "--covariance",
    );
    assert_one_line_error(
        &run(&["starts", "no-such-file.csv", "--k", "3"]),
        "no-such-file.csv",
    );
}

/// The seed's six points, as a CSV in a fresh folder.
fn seed_csv(dir: &Path) -> String {
    write(dir, "six.csv", "x\n0.80\n1.10\n1.40\n4.70\n5.10\n5.50\n")
}

#[test]
fn gmm_starts_from_labels_with_any_model_prior_or_noise() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = seed_csv(dir);
    let labels = write(dir, "labels.txt", "label\n0\n0\n0\n1\n1\n1\n");
    let json = |args: &[&str]| -> serde_json::Value {
        let o = run(args);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str(&stdout(&o)).expect("JSON")
    };
    // A partition start, model V (one feature), one E+M iteration after the first M-step.
    let v = json(&[
        "fit",
        "gmm",
        &data,
        "--k",
        "2",
        "--covariance",
        "v",
        "--init-labels",
        &labels,
        "--reg-covar",
        "0",
        "--tol",
        "0",
        "--max-iter",
        "1",
        "--json",
    ]);
    let g = &v["gmm"];
    assert_eq!(v["params"]["init"], "labels");
    assert_eq!(v["params"]["covariance"], "V");
    assert_eq!(
        (g["model"].as_str(), g["covariance_type"].as_str()),
        (Some("V"), Some("V"))
    );
    assert_eq!(g["n_iter"], 1);
    // 2 means + 2 variances + 1 weight; BIC = −2 ln L + 5 ln 6; mclust's BIC is its negative.
    assert_eq!(g["n_parameters"], 5);
    let ll = g["log_likelihood"].as_f64().unwrap() * 6.0;
    let bic = g["bic"].as_f64().unwrap();
    assert!((bic - (-2.0 * ll + 5.0 * 6f64.ln())).abs() < 1e-9);
    assert!((g["mclust_bic"].as_f64().unwrap() + bic).abs() < 1e-12);
    // Well separated: every point is sure, so ICL ≈ BIC (and never below it).
    let icl = g["icl"].as_f64().unwrap();
    assert!(icl >= bic && icl - bic < 1e-3, "{icl} {bic}");
    // The covariances of a model scikit-learn lacks are k × d × d.
    assert_eq!(g["covariances"].as_array().unwrap().len(), 2);
    assert_eq!(g["covariances"][0][0].as_array().unwrap().len(), 1);

    // The prior, and a model mclust has none for.
    let p = json(&[
        "fit",
        "gmm",
        &data,
        "--k",
        "2",
        "--covariance",
        "E",
        "--prior",
        "--json",
    ]);
    assert_eq!(p["params"]["prior"], true);
    let o = run(&[
        "fit",
        "gmm",
        &data,
        "--k",
        "2",
        "--covariance",
        "EVV",
        "--prior",
    ]);
    assert_one_line_error(&o, "no conjugate prior for EVV");

    // Noise from a start where the far point 5.50 is noise.
    let noisy = write(dir, "noise.txt", "0\n0\n0\n1\n1\n-1\n");
    let n = json(&[
        "fit",
        "gmm",
        &data,
        "--k",
        "2",
        "--covariance",
        "E",
        "--noise-init",
        &noisy,
        "--json",
        "--proba",
    ]);
    assert_eq!(n["params"]["noise"], true);
    let share = n["gmm"]["noise_proportion"].as_f64().unwrap();
    assert!((0.0..1.0).contains(&share));
    assert_eq!(n["responsibilities"][0].as_array().unwrap().len(), 3);
    assert_eq!(n["gmm"]["n_parameters"], 1 + 2 + 1 + 2);
    // The prior and the noise together reach the fit: the CLI's answer is
    // the library's with both (mclust's me(prior, Vinv), checked against R
    // in clusterlab-em's mclust_agreement.rs), and not the noise fit alone.
    let args = |prior: bool| {
        let mut a = vec![
            "fit",
            "gmm",
            &data,
            "--k",
            "2",
            "--covariance",
            "E",
            "--noise-init",
            &noisy,
            "--reg-covar",
            "0",
            "--tol",
            "1e-12",
            "--rtol",
            "0",
            "--max-iter",
            "5000",
            "--json",
        ];
        if prior {
            a.push("--prior");
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let cli = |prior: bool| {
        let a = args(prior);
        json(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let pn = cli(true);
    assert_eq!(pn["params"]["prior"], true);
    assert_eq!(pn["params"]["noise"], true);
    let x = ndarray::array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]];
    let lib = clusterlab_em::GaussianMixture::params(2)
        .model(clusterlab_em::CovarianceModel::E)
        .prior(true)
        .noise(true)
        .init(clusterlab_em::Init::LabelsWithNoise(vec![
            0, 0, 0, 1, 1, -1,
        ]))
        .reg_covar(0.0)
        .tol(1e-12)
        .max_iter(5000)
        .check()
        .unwrap()
        .fit(x.view(), None)
        .unwrap();
    let ll = pn["gmm"]["log_likelihood"].as_f64().unwrap();
    assert!(
        (ll - lib.log_likelihood).abs() < 1e-9,
        "{ll} vs {}",
        lib.log_likelihood
    );
    let share = pn["gmm"]["noise_proportion"].as_f64().unwrap();
    let want = lib.model.noise().unwrap().proportion;
    assert!((share - want).abs() < 1e-9, "{share} vs {want}");
    let plain = cli(false)["gmm"]["log_likelihood"].as_f64().unwrap();
    assert!(
        (plain - ll).abs() > 1e-6,
        "the prior changed nothing: {plain}"
    );
    let o = run(&[
        "fit",
        "gmm",
        &data,
        "--k",
        "2",
        "--noise-init",
        &labels,
        "--init",
        "kmeans",
    ]);
    assert_one_line_error(&o, "cannot be used together");
    let bad = write(dir, "bad.txt", "0\n0\n0\n1\n1\n-2\n");
    let o = run(&["fit", "gmm", &data, "--k", "2", "--noise-init", &bad]);
    assert_one_line_error(&o, "line 6: label -2 is outside -1..1");
}

/// A fit that takes under a second says nothing on stderr (progress shows
/// only past a second); `--quiet` and `-q` are accepted by every algorithm.
#[test]
fn a_quick_fit_is_silent_and_every_fit_takes_quiet() {
    let o = run(&["fit", "gmm", "datasets/iris.csv", "--k", "3"]);
    assert!(o.status.success());
    assert_eq!(stderr(&o), "");
    for alg in [
        "kmeans", "kmedoids", "dbscan", "optics", "hdbscan", "gmm", "bgmm",
    ] {
        let mut args = vec!["fit", alg, "datasets/iris.csv", "--quiet"];
        if !matches!(alg, "dbscan" | "optics" | "hdbscan") {
            args.extend(["--k", "3"]);
        }
        let o = run(&args);
        assert!(o.status.success(), "{alg}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{alg}");
        args[3] = "-q";
        let o = run(&args);
        assert!(o.status.success(), "{alg} -q: {}", stderr(&o));
    }
}
