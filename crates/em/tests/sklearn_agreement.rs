//! Agreement with scikit-learn 1.9.1's `GaussianMixture`, run for run.
//!
//! `tests/fixtures/sklearn_gmm.json` is written by
//! `scripts/make_sklearn_fixtures.py`: for five datasets (the seed's six 1-D
//! points, 2-D and 3-D blobs with unequal covariances, iris, Old Faithful),
//! the four covariance types and 1, 5 or 25 iterations, scikit-learn was
//! started from a fixed model (`weights_init`, `means_init`, `precisions_init`
//! = inverse start covariances) with `tol = 0`, `reg_covar = 1e-6`. We start
//! from the same model with `Init::Model`: both runs' first E-step uses the
//! start exactly, so every later number must agree to rounding.
//!
//! Checked per case: the final mean log-likelihood (sklearn's `score(X)`) and
//! every lower bound to 1e-6; weights, means, covariances and responsibilities
//! (`predict_proba`) to 1e-4; `n_iter == max_iter` and `converged == false`.
//! Run with `--nocapture` to see the largest differences per covariance type.

mod common;
use common::{floats, matrix};
use std::collections::BTreeMap;
use std::sync::OnceLock;

use clusterlab_em::{CovarianceType, Covariances, GaussianMixture, GmmModel, Init};
use ndarray::Array2;
use serde_json::Value;

const LL_TOL: f64 = 1e-6;
const PARAM_TOL: f64 = 1e-4;
const EXPECTED_CASES: usize = 60;

fn fixture() -> &'static Value {
    static F: OnceLock<Value> = OnceLock::new();
    F.get_or_init(|| common::read_fixture("sklearn_gmm.json", "scripts/make_sklearn_fixtures.py"))
}

fn flat_covariances(c: &Covariances) -> Vec<f64> {
    match c {
        Covariances::Full(a) => a.iter().copied().collect(),
        Covariances::Diag(a) | Covariances::Tied(a) => a.iter().copied().collect(),
        Covariances::Spherical(a) => a.to_vec(),
    }
}

/// Largest absolute difference; panics on a length mismatch.
fn max_diff(ours: &[f64], theirs: &[f64], what: &str, case: &str) -> f64 {
    assert_eq!(ours.len(), theirs.len(), "{case}: {what} lengths differ");
    ours.iter()
        .zip(theirs)
        .map(|(a, b)| {
            assert!(a.is_finite(), "{case}: {what} has {a}");
            (a - b).abs()
        })
        .fold(0.0, f64::max)
}

#[derive(Default, Debug, Clone, Copy)]
struct Worst {
    cases: usize,
    log_likelihood: f64,
    lower_bounds: f64,
    weights: f64,
    means: f64,
    covariances: f64,
    responsibilities: f64,
}

/// Runs every fixture case of one covariance type and checks it.
fn check_type(ty: CovarianceType) -> Worst {
    let fx = fixture();
    let cases = fx["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), EXPECTED_CASES, "fixture case count");
    assert_eq!(fx["reg_covar"].as_f64(), Some(1e-6));
    let mut datasets: BTreeMap<&str, Array2<f64>> = BTreeMap::new();
    let mut worst = Worst::default();
    for case in cases.iter().filter(|c| c["covariance_type"] == ty.name()) {
        let name = case["name"].as_str().expect("name");
        let ds = case["dataset"].as_str().expect("dataset");
        let x = datasets
            .entry(ds)
            .or_insert_with(|| matrix(&fx["datasets"][ds]))
            .clone();
        let k = case["k"].as_u64().expect("k") as usize;
        let m = case["max_iter"].as_u64().expect("max_iter") as usize;
        let start: GmmModel =
            serde_json::from_value(case["start"].clone()).expect("start model parses");
        assert_eq!(start.covariance_type(), ty);
        let sk = &case["sklearn"];

        let fit = GaussianMixture::params(k)
            .covariance_type(ty)
            .init(Init::Model(Box::new(start)))
            .tol(0.0)
            .max_iter(m)
            .reg_covar(1e-6)
            .check()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .fit(x.view(), None)
            .unwrap_or_else(|e| panic!("{name}: {e}"));

        assert_eq!(fit.n_iter, m, "{name}: n_iter");
        assert!(!fit.converged, "{name}: converged with tol 0");
        assert!(
            fit.warnings.is_empty(),
            "{name}: unexpected warnings {:?}",
            fit.warnings
        );

        let ll = (fit.log_likelihood - sk["score"].as_f64().unwrap()).abs();
        assert!(ll <= LL_TOL, "{name}: log-likelihood differs by {ll:e}");
        let lb = max_diff(
            &fit.lower_bounds,
            &floats(&sk["lower_bounds"]),
            "lower bounds",
            name,
        );
        assert!(lb <= LL_TOL, "{name}: a lower bound differs by {lb:e}");

        let w = max_diff(
            fit.model.weights().as_slice().unwrap(),
            &floats(&sk["weights"]),
            "weights",
            name,
        );
        let mu = max_diff(
            &fit.model.means().iter().copied().collect::<Vec<_>>(),
            &floats(&sk["means"]),
            "means",
            name,
        );
        let cov = max_diff(
            &flat_covariances(fit.model.covariances()),
            &floats(&sk["covariances"]),
            "covariances",
            name,
        );
        let r = max_diff(
            &fit.responsibilities.iter().copied().collect::<Vec<_>>(),
            &floats(&sk["predict_proba"]),
            "responsibilities",
            name,
        );
        assert!(w <= PARAM_TOL, "{name}: weights differ by {w:e}");
        assert!(mu <= PARAM_TOL, "{name}: means differ by {mu:e}");
        assert!(cov <= PARAM_TOL, "{name}: covariances differ by {cov:e}");
        assert!(r <= PARAM_TOL, "{name}: responsibilities differ by {r:e}");

        worst.cases += 1;
        worst.log_likelihood = worst.log_likelihood.max(ll);
        worst.lower_bounds = worst.lower_bounds.max(lb);
        worst.weights = worst.weights.max(w);
        worst.means = worst.means.max(mu);
        worst.covariances = worst.covariances.max(cov);
        worst.responsibilities = worst.responsibilities.max(r);
    }
    println!("{ty}: {worst:?}");
    // Five datasets × three iteration counts per type.
    assert_eq!(worst.cases, 15, "{ty}: number of cases");
    worst
}

#[test]
fn full_agrees_with_sklearn() {
    check_type(CovarianceType::Full);
}

#[test]
fn diag_agrees_with_sklearn() {
    check_type(CovarianceType::Diag);
}

#[test]
fn spherical_agrees_with_sklearn() {
    check_type(CovarianceType::Spherical);
}

#[test]
fn tied_agrees_with_sklearn() {
    check_type(CovarianceType::Tied);
}

/// The fixture's first lower bound is the log-likelihood of the start model
/// itself: ours must equal it without any fitting (the start is used exactly,
/// with no reg_covar added).
#[test]
fn start_model_scores_as_sklearn_first_lower_bound() {
    let fx = fixture();
    let mut checked = 0;
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x = matrix(&fx["datasets"][case["dataset"].as_str().unwrap()]);
        let start: GmmModel = serde_json::from_value(case["start"].clone()).unwrap();
        let first = case["sklearn"]["lower_bounds"][0].as_f64().unwrap();
        let score = start.score(x.view()).unwrap();
        assert!(
            (score - first).abs() <= 1e-9,
            "{name}: start scores {score}, sklearn's first lower bound is {first}"
        );
        checked += 1;
    }
    assert_eq!(checked, EXPECTED_CASES);
}
