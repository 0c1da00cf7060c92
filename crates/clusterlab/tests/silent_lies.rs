//! Results that would silently mislead say so: an empty cluster, a constant
//! feature and EM's underflowed densities are warnings in `fit`'s summary,
//! its JSON `warnings` and `compare`'s rows and page, or errors naming what
//! went wrong.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clusterlab"))
        .args(args)
        .output()
        .expect("run clusterlab")
}

fn ok_stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// 50 copies of (0, 0) and 50 of (1, 1), a constant third column: two
/// distinct points, so k = 3 must leave a cluster empty.
fn two_points(dir: &Path) -> String {
    let mut s = String::from("x,y,c\n");
    for i in 0..100 {
        let v = if i < 50 { 0 } else { 1 };
        s.push_str(&format!("{v},{v},7\n"));
    }
    let p = dir.join("dup.csv");
    std::fs::write(&p, s).unwrap();
    p.to_str().unwrap().to_string()
}

const EMPTY: &str = "cluster 2 is empty: 3 clusters were asked for but only 2 have points";
const CONSTANT: &str = "feature 'c' is constant (every value 7)";

#[test]
fn empty_clusters_and_constant_features_are_warnings_of_fit() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = two_points(tmp.path());
    for algo in ["kmeans", "gmm"] {
        let o = run(&["fit", algo, &csv, "--k", "3", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&ok_stdout(&o)).unwrap();
        let w: Vec<&str> = v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect();
        // k-means empties its last cluster; which of EM's components ends empty
        // depends on its start (the best of several), so any one may.
        let empty = |w: &&str| match algo {
            "kmeans" => w.starts_with(EMPTY),
            _ => w.starts_with("cluster ") && w.contains(&EMPTY["cluster 2".len()..]),
        };
        assert!(w.iter().any(empty), "{algo}: {w:?}");
        assert!(w.iter().any(|w| w.starts_with(CONSTANT)), "{algo}: {w:?}");
    }
    let text = ok_stdout(&run(&["fit", "kmeans", &csv, "--k", "3"]));
    assert!(text.contains("3 clusters, 0 noise points"), "{text}");
    assert!(text.contains("cluster sizes: 50, 50, 0\n"), "{text}");
    assert!(text.contains(&format!("warning: {EMPTY}")), "{text}");
    // z-scored, the constant column is 0 and still constant.
    let text = ok_stdout(&run(&["fit", "kmeans", &csv, "--k", "2", "--standardize"]));
    assert!(
        text.contains("warning: feature 'c' is constant (every value 0)"),
        "{text}"
    );
    assert!(!text.contains("is empty"), "{text}");
}

#[test]
fn warnings_reach_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = two_points(tmp.path());
    let out = tmp.path().join("out");
    let o = run(&[
        "compare",
        &csv,
        "--k",
        "3",
        "--algorithms",
        "kmeans",
        "--raw",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    ok_stdout(&o);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    let w = m["rows"][0]["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w[0].as_str().unwrap().starts_with(EMPTY), "{w:?}");
    assert!(
        w[1].as_str()
            .unwrap()
            .starts_with("feature column 3 is constant (every value 7)"),
        "{w:?}"
    );
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        html.contains(&format!("warning: {EMPTY}")),
        "no warning on the page"
    );
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains(&format!("warning: {EMPTY}")), "{md}");
}

#[test]
fn a_model_that_underflows_everywhere_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = two_points(tmp.path());
    let model = tmp.path().join("far.json");
    std::fs::write(
        &model,
        r#"{"weights":[0.5,0.5],"means":[[1e200,0,0],[-1e200,0,0]],
            "covariances":[[[1,0,0],[0,1,0],[0,0,1]],[[1,0,0],[0,1,0],[0,0,1]]],
            "covariance_type":"full"}"#,
    )
    .unwrap();
    for cmd in [&["fit", "gmm"][..], &["trace", "--dataset"][..]] {
        let mut args = cmd.to_vec();
        args.extend_from_slice(&[&csv, "--k", "2", "--init-model", model.to_str().unwrap()]);
        let o = run(&args);
        assert!(!o.status.success(), "{cmd:?} succeeded");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains("init-model") && err.contains("row 1") && err.contains("underflows"),
            "{err}"
        );
    }
}

/// A uniform noise density 1/V needs the rows to fill a volume. On rows
/// spanning fewer dimensions than the data has, mclust's hypervolume is 0
/// but for rounding (50 × 60 points gave ln V = −272 and a "noise" of 96 %
/// of the points, exit 0): `fit` and `select` refuse `--noise` in one line
/// naming it, and `compare` keeps the error in EM's row.
#[test]
fn a_noise_component_needs_the_rows_to_fill_a_volume() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = two_points(tmp.path());
    let why = "V is 0 here: the data's rows span only 1 of its 3 dimensions";
    for args in [
        &["fit", "gmm", &csv, "--k", "2", "--noise"][..],
        &[
            "fit",
            "gmm",
            &csv,
            "--k",
            "2",
            "--covariance",
            "EII",
            "--noise",
            "--json",
        ][..],
        &["select", &csv, "--k", "1..2", "--noise"][..],
    ] {
        let o = run(args);
        assert!(!o.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains("noise") && err.contains(why), "{err}");
        assert!(o.stdout.is_empty());
    }
    let out = tmp.path().join("report");
    let o = run(&[
        "compare",
        &csv,
        "--algorithms",
        "gmm",
        "--k",
        "2",
        "--gmm-noise",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let said = ok_stdout(&o);
    assert!(
        said.contains("1 fit failed (errors in metrics.json"),
        "{said}"
    );
    let metrics = std::fs::read_to_string(out.join("metrics.json")).unwrap();
    assert!(metrics.contains(why), "{metrics}");
}

/// A reader that goes away (`| head`) ends the command quietly: exit 0 and
/// nothing on stderr, for the JSON of every command that prints one (it
/// said "error: Broken pipe" with exit 1 when the JSON was large). The pipe's
/// reading end is closed before the command writes, so every write fails.
#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::process::Stdio;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for args in [
        &[
            "fit",
            "gmm",
            "datasets/iris.csv",
            "--k",
            "3",
            "--json",
            "--proba",
        ][..],
        &["fit", "gmm", "datasets/iris.csv", "--k", "3"][..],
        &["fit", "hdbscan", "datasets/iris.csv", "--json"][..],
        &[
            "select",
            "datasets/iris.csv",
            "--k",
            "1..2",
            "--json",
            "--quiet",
        ][..],
        &["starts", "datasets/iris.csv", "--k", "3", "--json"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clusterlab"))
            .args(args)
            .current_dir(&repo)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success() && err.is_empty(),
            "{args:?}: {:?} {err}",
            o.status
        );
    }
}
