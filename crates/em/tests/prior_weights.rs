//! The conjugate prior (`--prior`, mclust's `defaultPrior`) with sample
//! weights. Row `i` counts `w_i` times (frequency weights): the prior's mean
//! and scale are the weighted mean and the weighted sample covariance
//! `Σ w_i (x_i − x̄)(x_i − x̄)ᵀ / (Σ w_i − 1)`, and E's `n` is `Σ w_i`. So a fit
//! with integer weights must equal the unweighted fit of the data with each
//! row repeated `w_i` times, which is checked here for the 12 models with a
//! prior on iris and for E and V (with and without the noise component) on
//! faithful's eruptions; the unweighted fits are the ones
//! `mclust_agreement.rs` checks against R mclust.
//!
//! mclust's own weighted EM, `me.weighted(data, modelName, z, weights,
//! prior)`, is no reference here: it rescales the weights to a maximum of 1,
//! takes the prior from the unweighted rows, and its M-step is `mstep`'s
//! (Fortran `ms*p`), whose denominators differ from `me`'s (`me*p`): with
//! unit weights it does not reproduce `me(..., prior = priorControl())` for
//! EEI, VEI, EVI, VVI, EEE, EEV and VEV on iris (log-likelihoods differ by
//! 0.07 to 1.3), and with `Vinv` it stops with an R error.

mod common;
use clusterlab_em::{CovarianceModel, Engine, GaussianMixture, GmmFit, Init};
use common::matrix;
use ndarray::{Array1, Array2, Axis};
use serde_json::Value;

fn fixture() -> Value {
    common::read_fixture("mclust_models.json", "scripts/make_fixtures_mclust.R")
}

/// The labels of the fixture's first case on `dataset`.
fn labels(f: &Value, dataset: &str) -> Vec<i64> {
    let case = f["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["dataset"] == dataset)
        .expect("a case on the dataset");
    case["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_f64().unwrap() as i64)
        .collect()
}

fn fit(
    engine: Engine,
    model: CovarianceModel,
    k: usize,
    x: &Array2<f64>,
    w: Option<&Array1<f64>>,
    init: Init,
    noise: bool,
) -> GmmFit {
    GaussianMixture::params(k)
        .model(model)
        .prior(true)
        .noise(noise)
        .init(init)
        .reg_covar(0.0)
        .tol(1e-13)
        .max_iter(20_000)
        .inner_control(1e-13, 10_000)
        .engine(engine)
        .check()
        .unwrap()
        .fit(x.view(), w.map(|w| w.view()))
        .unwrap_or_else(|e| panic!("{model}: {e}"))
}

/// Fits `x` with weights 1, 2, 3, 1, 2, 3, … and the data with each row
/// repeated that often, and checks that they are the same fit.
fn weighted_equals_repeated(model: CovarianceModel, x: &Array2<f64>, labels: &[i64], noise: bool) {
    for engine in Engine::ALL {
        weighted_equals_repeated_on(engine, model, x, labels, noise);
    }
}

fn weighted_equals_repeated_on(
    engine: Engine,
    model: CovarianceModel,
    x: &Array2<f64>,
    labels: &[i64],
    noise: bool,
) {
    let name = format!(
        "{model}{} ({engine})",
        if noise { " with noise" } else { "" }
    );
    let n = x.nrows();
    let w = Array1::from_shape_fn(n, |i| (1 + i % 3) as f64);
    let repeat: Vec<usize> = (0..n).flat_map(|i| vec![i; 1 + i % 3]).collect();
    let xr = x.select(Axis(0), &repeat);
    let lr: Vec<i64> = repeat.iter().map(|i| labels[*i]).collect();
    let k = labels.iter().copied().max().unwrap() as usize + 1;
    let init = |l: Vec<i64>| {
        if noise {
            Init::LabelsWithNoise(l)
        } else {
            Init::Labels(l.iter().map(|v| *v as usize).collect())
        }
    };
    let a = fit(engine, model, k, x, Some(&w), init(labels.to_vec()), noise);
    let b = fit(engine, model, k, &xr, None, init(lr), noise);
    assert!(a.converged && b.converged, "{name}: not converged");
    let close = |p: f64, q: f64, what: &str| {
        assert!(
            (p - q).abs() <= 1e-8 * (1.0 + q.abs()),
            "{name}: {what} {p} (weighted) vs {q} (repeated rows)"
        );
    };
    close(a.log_likelihood, b.log_likelihood, "mean log-likelihood");
    for (p, q) in a.model.weights().iter().zip(b.model.weights()) {
        close(*p, *q, "weight");
    }
    for (p, q) in a.model.means().iter().zip(b.model.means()) {
        close(*p, *q, "mean");
    }
    let d = x.ncols();
    for j in 0..k {
        let (p, q) = (
            a.model.covariances().component_matrix(j, d),
            b.model.covariances().component_matrix(j, d),
        );
        for (p, q) in p.iter().zip(q.iter()) {
            close(*p, *q, "covariance");
        }
    }
    match (a.model.noise(), b.model.noise()) {
        (Some(p), Some(q)) => {
            close(p.proportion, q.proportion, "noise proportion");
            close(p.log_volume, q.log_volume, "ln V");
        }
        (None, None) => assert!(!noise),
        _ => panic!("{name}: one fit has noise"),
    }
}

#[test]
fn integer_weights_equal_repeated_rows_under_the_prior() {
    let f = fixture();
    let iris = matrix(&f["data"]["iris"]);
    let species = labels(&f, "iris");
    for model in CovarianceModel::ALL {
        if model.has_prior() && !model.is_univariate() {
            weighted_equals_repeated(model, &iris, &species, false);
        }
    }
    let eruptions = matrix(&f["data"]["eruptions"]);
    let long = labels(&f, "eruptions");
    let with_noise = labels(&f, "eruptions-noise");
    for model in [CovarianceModel::E, CovarianceModel::V] {
        weighted_equals_repeated(model, &eruptions, &long, false);
        weighted_equals_repeated(model, &eruptions, &with_noise, true);
    }
}

#[test]
fn unit_weights_are_the_unweighted_prior() {
    let f = fixture();
    let x = matrix(&f["data"]["iris"]);
    let l: Vec<usize> = labels(&f, "iris").iter().map(|v| *v as usize).collect();
    let ones = Array1::from_elem(x.nrows(), 1.0);
    for model in [CovarianceModel::VVV, CovarianceModel::EEI] {
        let a = fit(
            Engine::Fast,
            model,
            3,
            &x,
            Some(&ones),
            Init::Labels(l.clone()),
            false,
        );
        let b = fit(
            Engine::Fast,
            model,
            3,
            &x,
            None,
            Init::Labels(l.clone()),
            false,
        );
        assert!(
            (a.log_likelihood - b.log_likelihood).abs() < 1e-12,
            "{model}"
        );
        for (p, q) in a.model.means().iter().zip(b.model.means()) {
            assert!((p - q).abs() < 1e-12, "{model}: mean {p} vs {q}");
        }
    }
}
