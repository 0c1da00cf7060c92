//! Agreement with scikit-learn 1.9.1's `BayesianGaussianMixture`, run for run.
//!
//! `tests/fixtures/sklearn_bgmm.json` is written by
//! `scripts/make_fixtures_bgmm.py`: for three datasets (2-D blobs, iris, Old
//! Faithful), both weight priors, the four covariance types and 1 or 30
//! iterations, scikit-learn was started from the one-hot responsibilities of
//! fixed labels with its default priors and `tol = 0` (plus two runs per
//! dataset with a given weight concentration). We start from the same labels
//! (`BgmmInit::Labels`), so every number must agree to rounding.
//!
//! Checked per case: every lower bound (scikit-learn's units: the total bound)
//! to 1e-6 relative; weights and means to 1e-4; covariances, `β` and `ν` to
//! 1e-4 relative; `n_iter == max_iter`, not converged; the same labels.

mod common;
use common::{floats, matrix};
use std::sync::OnceLock;

use clusterlab_em::bayes::{BayesianMixture, BgmmInit, WeightPrior};
use clusterlab_em::{CovarianceType, Covariances};
use serde_json::Value;

const BOUND_TOL: f64 = 1e-6;
const PARAM_TOL: f64 = 1e-4;
const EXPECTED_CASES: usize = 54;

fn fixture() -> &'static Value {
    static F: OnceLock<Value> = OnceLock::new();
    F.get_or_init(|| common::read_fixture("sklearn_bgmm.json", "scripts/make_fixtures_bgmm.py"))
}

fn covariance_values(c: &Covariances) -> Vec<f64> {
    match c {
        Covariances::Full(a) => a.iter().copied().collect(),
        Covariances::Diag(a) => a.iter().copied().collect(),
        Covariances::Spherical(a) => a.to_vec(),
        Covariances::Tied(a) => a.iter().copied().collect(),
    }
}

/// Largest |a − b| / max(1, |b|) over two equal-length lists.
fn worst(name: &str, ours: &[f64], theirs: &[f64]) -> f64 {
    assert_eq!(ours.len(), theirs.len(), "{name}: lengths");
    ours.iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
        .fold(0.0, f64::max)
}

#[test]
fn every_case_agrees_with_scikit_learn() {
    let f = fixture();
    let cases = f["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), EXPECTED_CASES);
    let mut worst_bound = 0.0f64;
    let mut worst_param = 0.0f64;
    for case in cases {
        let ds = &f["datasets"][case["dataset"].as_str().unwrap()];
        let x = matrix(&ds["x"]);
        let k = ds["k"].as_u64().unwrap() as usize;
        let labels: Vec<usize> = floats(&ds["labels"]).iter().map(|v| *v as usize).collect();
        let ty: CovarianceType = case["covariance_type"].as_str().unwrap().parse().unwrap();
        let prior: WeightPrior = case["weight_prior"].as_str().unwrap().parse().unwrap();
        let m = case["max_iter"].as_u64().unwrap() as usize;
        let name = format!(
            "{}/{}/{}/{}/{}",
            case["dataset"], prior, ty, m, case["weight_concentration"]
        );
        let mut p = BayesianMixture::params(k)
            .covariance_type(ty)
            .weight_prior(prior)
            .init(BgmmInit::Labels(labels))
            .tol(0.0)
            .max_iter(m);
        if let Some(g) = case["weight_concentration"].as_f64() {
            p = p.weight_concentration(g);
        }
        let fit = p.check().unwrap().fit(x.view()).unwrap();
        let sk = &case["sklearn"];
        assert_eq!(fit.n_iter, m, "{name}");
        assert!(!fit.converged, "{name}");
        let theirs = floats(&sk["lower_bounds"]);
        let rel = fit
            .lower_bounds
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs() / b.abs())
            .fold(0.0, f64::max);
        assert_eq!(fit.lower_bounds.len(), theirs.len(), "{name}");
        assert!(
            rel < BOUND_TOL,
            "{name}: lower bound off by {rel:e} relative"
        );
        worst_bound = worst_bound.max(rel);
        for (what, ours, theirs) in [
            ("weights", fit.weights.to_vec(), floats(&sk["weights"])),
            (
                "means",
                fit.means.iter().copied().collect(),
                floats(&sk["means"]),
            ),
            (
                "covariances",
                covariance_values(&fit.covariances),
                floats(&sk["covariances"]),
            ),
            (
                "mean_precision",
                fit.mean_precision.to_vec(),
                floats(&sk["mean_precision"]),
            ),
        ] {
            let e = worst(what, &ours, &theirs);
            assert!(e < PARAM_TOL, "{name}: {what} off by {e:e}");
            worst_param = worst_param.max(e);
        }
        let nu = floats(&sk["degrees_of_freedom"]);
        let e = worst("dof", &fit.degrees_of_freedom.to_vec()[..nu.len()], &nu);
        assert!(e < PARAM_TOL, "{name}: degrees of freedom off by {e:e}");
        let want: Vec<usize> = floats(&sk["labels"]).iter().map(|v| *v as usize).collect();
        assert_eq!(fit.labels.to_vec(), want, "{name}: labels");
    }
    println!("worst lower bound {worst_bound:e} relative, worst parameter {worst_param:e}");
}

/// The default priors switch components off: on the blobs (three groups,
/// k_max = 6) the Dirichlet process keeps three components above 1/(100 k).
#[test]
fn unneeded_components_switch_off() {
    let f = fixture();
    let x = matrix(&f["datasets"]["blobs2d"]["x"]);
    let fit = BayesianMixture::params(6)
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    assert!(fit.converged);
    assert_eq!(fit.effective_components(), 3, "weights {}", fit.weights);
    assert_eq!(fit.weights_history.len(), fit.n_iter + 1);
    // The bound never decreases (up to rounding).
    for w in fit.lower_bounds.windows(2) {
        assert!(w[1] >= w[0] - 1e-9 * w[0].abs(), "{w:?}");
    }
}

/// Bad settings and bad labels are errors naming the parameter.
#[test]
fn errors_name_the_parameter() {
    let e = BayesianMixture::params(2)
        .weight_concentration(0.0)
        .check()
        .unwrap_err();
    assert!(e.to_string().contains("weight-concentration"), "{e}");
    let e = BayesianMixture::params(0).check().unwrap_err();
    assert!(e.to_string().contains('k'), "{e}");
    let x = ndarray::array![[0.0], [1.0], [2.0]];
    let p = BayesianMixture::params(2)
        .init(BgmmInit::Labels(vec![0, 1]))
        .check()
        .unwrap();
    let e = p.fit(x.view()).unwrap_err().to_string();
    assert!(
        e.contains("init-labels") && e.contains("2 labels for 3"),
        "{e}"
    );
    let p = BayesianMixture::params(2)
        .init(BgmmInit::Labels(vec![0, 1, 2]))
        .check()
        .unwrap();
    let e = p.fit(x.view()).unwrap_err().to_string();
    assert!(e.contains("row 3"), "{e}");
    let e = BayesianMixture::params(1)
        .check()
        .unwrap()
        .fit(ndarray::array![[1.0]].view());
    assert!(e.unwrap_err().to_string().contains("at least 2 points"));
}
