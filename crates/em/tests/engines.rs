//! The fast engine against the reference engine over whole fits.
//!
//! For each covariance type, both engines run 50 iterations with `tol = 0`
//! from the same `Init::Model` start on the same data (2-D and 4-D blobs,
//! unweighted and weighted). The contract: the final log-likelihood and
//! every lower bound equal within 1e-9 relative; weights, means and
//! covariances within 1e-7 (relative to the value, or absolute below 1);
//! responsibilities within 1e-7; the same labels, warnings and `n_iter`.
//! The model's scoring through either engine agrees the same way.

use clusterlab_em::{CovarianceType, Covariances, Engine, GaussianMixture, GmmFit, GmmModel, Init};
use ndarray::{Array1, Array2, Array3};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const LL_TOL: f64 = 1e-9;
const PARAM_TOL: f64 = 1e-7;
const ITERATIONS: usize = 50;

/// `n` points around three centres, with unequal spreads per feature.
fn blobs(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let centres = Array2::from_shape_fn((3, d), |_| rng.gen_range(-5.0..5.0));
    Array2::from_shape_fn((n, d), |(i, a)| {
        let u1: f64 = 1.0 - rng.gen::<f64>();
        let u2: f64 = rng.gen();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        centres[[i % 3, a]] + (0.6 + 0.3 * ((i + a) % 3) as f64) * z
    })
}

/// Means at three spread-out rows, equal weights, covariances 2·I of the type.
fn start(x: &Array2<f64>, ty: CovarianceType) -> GmmModel {
    let (n, d) = x.dim();
    let k = 3;
    let means = Array2::from_shape_fn((k, d), |(j, a)| x[[j * (n / k) + j, a]]);
    let cov = match ty {
        CovarianceType::Full => Covariances::Full(Array3::from_shape_fn((k, d, d), |(_, a, b)| {
            if a == b {
                2.0
            } else {
                0.1
            }
        })),
        CovarianceType::Diag => Covariances::Diag(Array2::from_elem((k, d), 2.0)),
        CovarianceType::Spherical => Covariances::Spherical(Array1::from_elem(k, 2.0)),
        CovarianceType::Tied => Covariances::Tied(Array2::eye(d) * 2.0),
    };
    GmmModel::new(Array1::from_elem(k, 1.0 / k as f64), means, cov).expect("a valid start")
}

fn fit(engine: Engine, x: &Array2<f64>, w: Option<&Array1<f64>>, init: &GmmModel) -> GmmFit {
    GaussianMixture::params(init.n_components())
        .covariance_type(init.covariance_type())
        .init(Init::Model(Box::new(init.clone())))
        .tol(0.0)
        .max_iter(ITERATIONS)
        .engine(engine)
        .check()
        .expect("valid parameters")
        .fit(x.view(), w.map(|w| w.view()))
        .expect("the fit succeeds")
}

fn flat_covariances(c: &Covariances) -> Vec<f64> {
    match c {
        Covariances::Full(a) => a.iter().copied().collect(),
        Covariances::Diag(a) | Covariances::Tied(a) => a.iter().copied().collect(),
        Covariances::Spherical(a) => a.to_vec(),
    }
}

fn assert_close(got: f64, want: f64, rel: f64, what: &str) {
    assert!(
        (got - want).abs() <= rel * want.abs().max(1.0),
        "{what}: fast {got} vs reference {want} (difference {:e})",
        got - want
    );
}

fn assert_fits_agree(fast: &GmmFit, reference: &GmmFit, what: &str) {
    assert_eq!(fast.n_iter, ITERATIONS, "{what}");
    assert_eq!(reference.n_iter, ITERATIONS, "{what}");
    assert_eq!(fast.warnings, reference.warnings, "{what}");
    assert_close(
        fast.log_likelihood,
        reference.log_likelihood,
        LL_TOL,
        &format!("{what} log_likelihood"),
    );
    for (i, (f, r)) in fast
        .lower_bounds
        .iter()
        .zip(&reference.lower_bounds)
        .enumerate()
    {
        assert_close(*f, *r, LL_TOL, &format!("{what} lower bound {i}"));
    }
    let (f, r) = (&fast.model, &reference.model);
    for (a, b) in f.weights().iter().zip(r.weights()) {
        assert_close(*a, *b, PARAM_TOL, &format!("{what} weight"));
    }
    for (a, b) in f.means().iter().zip(r.means()) {
        assert_close(*a, *b, PARAM_TOL, &format!("{what} mean"));
    }
    let (cf, cr) = (
        flat_covariances(f.covariances()),
        flat_covariances(r.covariances()),
    );
    assert_eq!(cf.len(), cr.len());
    for (a, b) in cf.iter().zip(&cr) {
        assert_close(*a, *b, PARAM_TOL, &format!("{what} covariance"));
    }
    for (a, b) in fast
        .responsibilities
        .iter()
        .zip(&reference.responsibilities)
    {
        assert!(
            (a - b).abs() <= PARAM_TOL,
            "{what} responsibility {a} vs {b}"
        );
    }
    assert_eq!(fast.labels, reference.labels, "{what} labels");
}

#[test]
fn fifty_iterations_agree_for_every_covariance_type() {
    for (n, d, seed) in [(600, 2, 1), (900, 4, 2)] {
        let x = blobs(n, d, seed);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed + 10);
        let w = Array1::from_shape_fn(n, |_| rng.gen_range(0.2..2.0));
        for ty in CovarianceType::ALL {
            let init = start(&x, ty);
            for weights in [None, Some(&w)] {
                let what = format!("{ty}, {n} × {d}, weighted = {}", weights.is_some());
                let fast = fit(Engine::Fast, &x, weights, &init);
                let reference = fit(Engine::Reference, &x, weights, &init);
                assert_fits_agree(&fast, &reference, &what);
            }
        }
    }
}

#[test]
fn scoring_agrees_between_engines() {
    let x = blobs(500, 3, 5);
    for ty in CovarianceType::ALL {
        let model = fit(Engine::Fast, &x, None, &start(&x, ty)).model;
        let (f, r) = (
            model.score_samples_with(Engine::Fast, x.view()).unwrap(),
            model
                .score_samples_with(Engine::Reference, x.view())
                .unwrap(),
        );
        for (a, b) in f.iter().zip(&r) {
            assert_close(*a, *b, 1e-12, &format!("{ty} score_samples"));
        }
        assert_close(
            model.score_with(Engine::Fast, x.view()).unwrap(),
            model.score_with(Engine::Reference, x.view()).unwrap(),
            1e-12,
            &format!("{ty} score"),
        );
        let (f, r) = (
            model.predict_proba_with(Engine::Fast, x.view()).unwrap(),
            model
                .predict_proba_with(Engine::Reference, x.view())
                .unwrap(),
        );
        for (a, b) in f.iter().zip(&r) {
            assert!((a - b).abs() <= 1e-13, "{ty} predict_proba {a} vs {b}");
        }
        assert_eq!(model.score_samples(x.view()).unwrap(), f_scores(&model, &x));
    }
}

/// The default scoring is the fast engine's.
fn f_scores(model: &GmmModel, x: &Array2<f64>) -> Array1<f64> {
    model.score_samples_with(Engine::Fast, x.view()).unwrap()
}

#[test]
fn the_engine_is_a_parameter() {
    let p = GaussianMixture::params(2).check().unwrap();
    assert_eq!(p.engine(), Engine::Fast);
    let p = GaussianMixture::params(2)
        .engine(Engine::Reference)
        .check()
        .unwrap();
    assert_eq!(p.engine(), Engine::Reference);
    assert_eq!(Engine::ALL, [Engine::Fast, Engine::Reference]);
    assert_eq!("reference".parse::<Engine>().unwrap(), Engine::Reference);
    let err = "simd".parse::<Engine>().unwrap_err().to_string();
    assert!(
        err.contains("engine") && err.contains("fast") && err.contains("reference"),
        "{err}"
    );
}
