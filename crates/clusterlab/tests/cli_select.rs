//! `clusterlab select` end to end: the JSON contract, one plan with `fit
//! gmm`, failed fits as rows, and bad flags.

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

fn json_of(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("one JSON object")
}

fn assert_one_line_error(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "expected failure; stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err:?}");
    assert!(err.contains(needle), "{err:?} does not mention {needle:?}");
}

/// Off a terminal, one line for the start and one per fit as it finishes
/// (counted); `--quiet` prints nothing; stdout is the same either way.
#[test]
fn progress_is_a_line_per_fit_off_a_terminal_and_nothing_with_quiet() {
    let args = [
        "select",
        "datasets/iris.csv",
        "--models",
        "VVV,EII",
        "--k",
        "1..3",
        "--json",
    ];
    let shown = run(&args);
    let err = String::from_utf8_lossy(&shown.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 7, "{err}");
    assert_eq!(lines[0], "clusterlab: select · 6 fits (2 models × 3 k) …");
    for (i, line) in lines[1..].iter().enumerate() {
        assert!(line.starts_with("clusterlab: select · "), "{line}");
        assert!(
            line.contains(&format!(" ({} of 6) done in ", i + 1)),
            "{line}"
        );
    }
    for fit in ["VVV, k = 1", "VVV, k = 3", "EII, k = 2"] {
        assert_eq!(
            lines.iter().filter(|l| l.contains(fit)).count(),
            1,
            "{fit}: {err}"
        );
    }
    let quiet = run(&[&args[..], &["--quiet"]].concat());
    assert!(quiet.status.success());
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    let (a, b) = (json_of(&shown), json_of(&quiet));
    assert_eq!(a["table"], b["table"]);
    assert_eq!(a["best"], b["best"]);
}

#[test]
fn the_table_is_fit_gmms_fits_and_best_is_sorted() {
    let sel = json_of(&run(&[
        "select",
        "datasets/faithful.csv",
        "--models",
        "VVV,tied",
        "--k",
        "1..3",
        "--json",
    ]));
    let keys: Vec<&String> = sel.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["best", "criterion", "fit_seconds", "table"]);
    assert_eq!(sel["criterion"], "bic");
    assert!(sel["fit_seconds"].as_f64().unwrap() > 0.0);
    let table = sel["table"].as_array().unwrap();
    assert_eq!(table.len(), 6);
    let n = 272.0f64;
    for r in table {
        let row: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(
            row,
            [
                "bic",
                "error",
                "icl",
                "k",
                "log_likelihood",
                "model",
                "n_parameters"
            ]
        );
        assert!(["VVV", "EEE"].contains(&r["model"].as_str().unwrap()));
        // BIC = −2 ln L + p ln n, with L the total log-likelihood; ICL ≥ BIC.
        let (ll, p, bic) = (
            r["log_likelihood"].as_f64().unwrap(),
            r["n_parameters"].as_f64().unwrap(),
            r["bic"].as_f64().unwrap(),
        );
        assert!(
            (bic - (-2.0 * ll + p * n.ln())).abs() < 1e-6 * bic.abs(),
            "{r}"
        );
        assert!(r["icl"].as_f64().unwrap() >= bic - 1e-9);
        assert!(r["error"].is_null());
    }
    // Free parameters by hand (d = 2): VVV k = 3: 6 means + 9 + 2 weights; EEE k = 3: 6 + 3 + 2.
    let p_of = |m: &str, k: u64| {
        table
            .iter()
            .find(|r| r["model"] == m && r["k"] == k)
            .unwrap()["n_parameters"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        (p_of("VVV", 3), p_of("EEE", 3), p_of("VVV", 1)),
        (17, 11, 5)
    );
    let best = sel["best"].as_array().unwrap();
    assert_eq!(best.len(), 3);
    let b: Vec<f64> = best.iter().map(|b| b["bic"].as_f64().unwrap()).collect();
    assert!(b.windows(2).all(|w| w[0] <= w[1]));
    let lowest = table
        .iter()
        .map(|r| r["bic"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(b[0], lowest);
    // One plan: the chosen row is `fit gmm` at that model and k, same flags.
    let (m, k) = (best[0]["model"].as_str().unwrap(), best[0]["k"].to_string());
    let fit = json_of(&run(&[
        "fit",
        "gmm",
        "datasets/faithful.csv",
        "--k",
        &k,
        "--covariance",
        m,
        "--json",
    ]));
    let their = fit["gmm"]["bic"].as_f64().unwrap();
    assert!(
        (their - b[0]).abs() <= 1e-9 * b[0].abs(),
        "{their} against {}",
        b[0]
    );
}

#[test]
fn a_model_that_cannot_be_fitted_is_a_row_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("four.csv");
    std::fs::write(&csv, "x,y\n0,0\n1,0.5\n5,5\n6,5.2\n").unwrap();
    let sel = json_of(&run(&[
        "select",
        csv.to_str().unwrap(),
        "--models",
        "VII",
        "--k",
        "1..6",
        "--json",
    ]));
    let table = sel["table"].as_array().unwrap();
    assert_eq!(table.len(), 6);
    for r in table {
        let k = r["k"].as_u64().unwrap();
        if k > 4 {
            let e = r["error"].as_str().unwrap();
            assert!(e.contains(&format!("k = {k}")), "{e}");
            assert!(r["bic"].is_null() && r["log_likelihood"].is_null());
        }
    }
    assert!(table.iter().any(|r| r["error"].is_null()));
}

/// Eight rows in ten dimensions lie on a 7-d plane: every model free to
/// turn its components has no maximum likelihood there (mclust: NA), at
/// every k and without a fit; the diagonal and spherical ones are fitted,
/// and a prior bounds the likelihood again.
#[test]
fn a_model_with_no_maximum_likelihood_is_na_at_every_k() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("wide.csv");
    let header: Vec<String> = (0..10).map(|j| format!("x{j}")).collect();
    let mut text = header.join(",") + "\n";
    for i in 0..8 {
        let row: Vec<String> = (0..10)
            .map(|j| {
                format!(
                    "{}",
                    ((i * 10 + j) as f64 * 0.77).sin() + 3.0 * (i % 2) as f64
                )
            })
            .collect();
        text += &(row.join(",") + "\n");
    }
    std::fs::write(&csv, text).unwrap();
    let f = csv.to_str().unwrap();
    let sel = json_of(&run(&[
        "select",
        f,
        "--models",
        "EII,VVI,EVE,VVV",
        "--k",
        "1..2",
        "--json",
    ]));
    for r in sel["table"].as_array().unwrap() {
        let model = r["model"].as_str().unwrap();
        if model == "EVE" || model == "VVV" {
            let e = r["error"].as_str().unwrap();
            assert!(
                e.starts_with("no maximum likelihood (mclust: NA)")
                    && e.contains("8 rows span at most 7 of its 10 dimensions"),
                "{e}"
            );
            assert!(r["bic"].is_null());
        } else {
            assert!(r["error"].is_null() && r["bic"].as_f64().unwrap().is_finite());
        }
    }
    // The summary says it once per model, with the k it holds at.
    let o = run(&["select", f, "--models", "EII,VVI,EVE,VVV", "--k", "1..2"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("\n  EVE, k = 1, 2: no maximum likelihood"),
        "{text}"
    );
    assert!(
        text.contains("\n  VVV, k = 1, 2: no maximum likelihood"),
        "{text}"
    );
    let prior = json_of(&run(&[
        "select", f, "--models", "VVV", "--k", "1", "--prior", "--json",
    ]));
    assert!(prior["table"][0]["bic"].as_f64().unwrap().is_finite());
    // `fit gmm` fits it (held up by the ridge, as scikit-learn's full) and
    // gives the same reason among its warnings.
    let fit = json_of(&run(&[
        "fit",
        "gmm",
        f,
        "--k",
        "2",
        "--covariance",
        "VVV",
        "--json",
    ]));
    let warned = fit["warnings"].as_array().unwrap().iter().any(|w| {
        w.as_str().unwrap().starts_with(
            "no maximum likelihood (mclust: NA): the data's 8 rows span at most 7 of its 10 \
             dimensions",
        )
    });
    assert!(warned, "{}", fit["warnings"]);
}

#[test]
fn bad_flags_are_one_line_errors() {
    let f = "datasets/iris.csv";
    assert_one_line_error(&run(&["select", f, "--models", "XYZ"]), "XYZ");
    assert_one_line_error(&run(&["select", f, "--k", "0..3"]), "--k");
    assert_one_line_error(&run(&["select", f, "--k", "5..2"]), "--k");
    assert_one_line_error(&run(&["select", f, "--criterion", "aic"]), "aic");
    assert_one_line_error(&run(&["select", f, "--tol", "-1"]), "tol");
    assert_one_line_error(&run(&["select", "no-such.csv"]), "no-such.csv");
}
