//! A start from a hard partition (`Init::Labels`, `fit gmm --init-labels`)
//! against scikit-learn 1.9.1 started the same way.
//!
//! `tests/fixtures/sklearn_init_labels.json` is written by
//! `scripts/make_fixtures_init_labels.py`: for iris (k = 3) and Old Faithful
//! (k = 2), a fixed partition; scikit-learn's `_initialize(X, resp)` on its
//! one-hot responsibilities (the first M-step), then `tol = 0` runs of
//! exactly M = 1 and 10 E+M iterations. We fit with `Init::Labels` and the
//! same settings, on both engines, and check: the model of the first M-step
//! (`initial_model`) to 1e-10; every lower bound and the final mean
//! log-likelihood to 1e-6 relative; weights, means and covariances to 1e-4;
//! `n_iter == M`.

mod common;
use clusterlab_em::{CovarianceType, Covariances, Engine, GaussianMixture, GmmModel, Init};
use common::{floats, matrix};
use serde_json::Value;

fn fixture() -> Value {
    common::read_fixture(
        "sklearn_init_labels.json",
        "scripts/make_fixtures_init_labels.py",
    )
}

fn flat(c: &Covariances) -> Vec<f64> {
    match c {
        Covariances::Full(a) => a.iter().copied().collect(),
        Covariances::Diag(a) | Covariances::Tied(a) => a.iter().copied().collect(),
        Covariances::Spherical(a) => a.to_vec(),
    }
}

fn assert_close(ours: &[f64], theirs: &[f64], tol: f64, what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths differ");
    for (a, b) in ours.iter().zip(theirs) {
        assert!((a - b).abs() <= tol, "{what}: {a} vs {b}");
    }
}

fn assert_model(model: &GmmModel, want: &Value, tol: f64, what: &str) {
    assert_close(
        model.weights().as_slice().unwrap(),
        &floats(&want["weights"]),
        tol,
        &format!("{what} weights"),
    );
    assert_close(
        &model.means().iter().copied().collect::<Vec<_>>(),
        &floats(&want["means"]),
        tol,
        &format!("{what} means"),
    );
    assert_close(
        &flat(model.covariances()),
        &floats(&want["covariances"]),
        tol,
        &format!("{what} covariances"),
    );
}

#[test]
fn a_start_from_labels_matches_scikit_learn() {
    let f = fixture();
    let cases = f["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 16);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let x = matrix(&f["datasets"][case["dataset"].as_str().unwrap()]);
        let k = case["k"].as_u64().unwrap() as usize;
        let m = case["max_iter"].as_u64().unwrap() as usize;
        let ty: CovarianceType = case["covariance_type"].as_str().unwrap().parse().unwrap();
        let labels: Vec<usize> = case["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_u64().unwrap() as usize)
            .collect();
        let sk = &case["sklearn"];
        for engine in Engine::ALL {
            let what = format!("{name} ({engine})");
            let fit = GaussianMixture::params(k)
                .covariance_type(ty)
                .init(Init::Labels(labels.clone()))
                .tol(0.0)
                .max_iter(m)
                .reg_covar(1e-6)
                .engine(engine)
                .check()
                .unwrap()
                .fit(x.view(), None)
                .unwrap();
            assert_eq!(fit.n_iter, m, "{what}");
            assert_model(&fit.initial_model, &case["first"], 1e-10, &what);
            let lbs = floats(&sk["lower_bounds"]);
            assert_eq!(fit.lower_bounds.len(), lbs.len(), "{what}");
            for (a, b) in fit.lower_bounds.iter().zip(&lbs) {
                assert!(
                    (a - b).abs() <= 1e-6 * b.abs(),
                    "{what} lower bound {a} vs {b}"
                );
            }
            let score = sk["score"].as_f64().unwrap();
            assert!(
                (fit.log_likelihood - score).abs() <= 1e-6 * score.abs(),
                "{what} log-likelihood {} vs {score}",
                fit.log_likelihood
            );
            assert_model(&fit.model, sk, 1e-4, &what);
        }
    }
}

#[test]
fn fit_from_labels_is_the_labels_start() {
    let x = ndarray::array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]];
    let p = GaussianMixture::params(2)
        .tol(0.0)
        .max_iter(3)
        .check()
        .unwrap();
    let fit = p.fit_from_labels(x.view(), &[0, 0, 0, 1, 1, 1]).unwrap();
    // The first M-step by hand: weights ½, means 1.1 and 5.1, variances
    // (0.09 + 0 + 0.09)/3 = 0.06 and (0.16 + 0 + 0.16)/3 + reg.
    let first = &fit.initial_model;
    assert_close(
        first.weights().as_slice().unwrap(),
        &[0.5, 0.5],
        1e-12,
        "weights",
    );
    assert_close(
        first.means().as_slice().unwrap(),
        &[1.1, 5.1],
        1e-12,
        "means",
    );
    assert_close(
        &flat(first.covariances()),
        &[0.06 + 1e-6, 0.32 / 3.0 + 1e-6],
        1e-12,
        "variances",
    );
    assert_eq!(fit.n_iter, 3);
    assert_eq!(fit.labels.to_vec(), vec![0, 0, 0, 1, 1, 1]);
}

#[test]
fn bad_labels_name_the_row_or_the_count() {
    let x = ndarray::array![[0.0], [1.0], [2.0]];
    let e = GaussianMixture::params(2)
        .init(Init::Labels(vec![0, 2, 1]))
        .check()
        .unwrap_err();
    assert!(
        e.to_string().contains("row 2: label 2 is outside 0..1"),
        "{e}"
    );
    let e = GaussianMixture::params(2)
        .check()
        .unwrap()
        .fit_from_labels(x.view(), &[0, 1])
        .unwrap_err();
    assert!(e.to_string().contains("2 labels for 3 data rows"), "{e}");
}
