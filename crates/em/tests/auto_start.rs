//! The default start (`Init::Auto`) and mclust's relative tolerance (`rtol`).

use clusterlab_em::{
    screen_sample, CovarianceModel, Covariances, GaussianMixture, Init, AUTO_SCREEN_ROWS,
    AUTO_SHORT_ITER,
};
use ndarray::{Array2, Axis};
use rand::{Rng, SeedableRng};

/// Three 2-D groups of 100 points with unequal spreads.
fn data() -> Array2<f64> {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
    let centres = [[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]];
    Array2::from_shape_fn((300, 2), |(i, j)| {
        let g = i % 3;
        centres[g][j] + (0.5 + 0.4 * g as f64) * (rng.gen::<f64>() + rng.gen::<f64>() - 1.0) * 2.0
    })
}

/// k-means++ and random points name k rows (one-hot at them). With a tied
/// covariance the start's scatter is those rows' (none: `reg_covar`·I), not
/// every row's divided by k, which made a covariance n/k times the data's and
/// merged all components into one within a step (equal weights, equal
/// means): these starts were wasted in every tied `auto` fit.
#[test]
fn a_tied_start_at_k_points_takes_its_scatter_from_those_points() {
    let x = data();
    let one_gaussian = GaussianMixture::params(1)
        .model(CovarianceModel::EEE)
        .check()
        .unwrap()
        .fit(x.view(), None)
        .unwrap()
        .log_likelihood;
    for init in [Init::KMeansPlusPlus, Init::RandomFromData] {
        for seed in 0..4 {
            let fit = GaussianMixture::params(3)
                .model(CovarianceModel::EEE)
                .init(init.clone())
                .n_init(1)
                .seed(seed)
                .check()
                .unwrap()
                .fit(x.view(), None)
                .unwrap();
            let Covariances::Tied(c) = fit.initial_model.covariances() else {
                panic!("EEE is stored tied");
            };
            for a in 0..2 {
                for b in 0..2 {
                    let want = if a == b { 1e-6 } else { 0.0 };
                    assert!((c[[a, b]] - want).abs() < 1e-12, "{init:?} {seed}: {c}");
                }
            }
            // Merged, the three components would be one Gaussian.
            assert!(
                fit.log_likelihood > one_gaussian + 0.1,
                "{init:?} {seed}: {} vs one Gaussian's {one_gaussian}",
                fit.log_likelihood
            );
        }
    }
}

/// With one start, `auto` is the hierarchical start: its short run and the
/// continuation make one seamless EM run, iteration for iteration.
#[test]
fn auto_with_one_start_is_the_hc_run() {
    let x = data();
    let fit = |init: Init| {
        GaussianMixture::params(3)
            .model(CovarianceModel::VVV)
            .init(init)
            .n_init(1)
            .tol(0.0)
            .rtol(0.0)
            .max_iter(60)
            .check()
            .unwrap()
            .fit(x.view(), None)
            .unwrap()
    };
    let (a, h) = (fit(Init::Auto), fit(Init::Hc));
    assert_eq!((a.n_iter, h.n_iter), (60, 60));
    const { assert!(60 > AUTO_SHORT_ITER) };
    assert_eq!(a.lower_bounds, h.lower_bounds);
    assert_eq!(a.initial_model.means(), h.initial_model.means());
}

/// With four starts the run stops by mclust's test: |ΔL| ≤ rtol (1 + |L|) on the total L
/// at the last iteration and at no earlier one.
#[test]
fn rtol_stops_where_mclusts_test_first_holds() {
    let x = data();
    let n = x.nrows() as f64;
    let rtol = 1e-6;
    let f = GaussianMixture::params(3)
        .model(CovarianceModel::VVV)
        .init(Init::Auto)
        .n_init(4)
        .tol(0.0)
        .rtol(rtol)
        .max_iter(1000)
        .check()
        .unwrap()
        .fit(x.view(), None)
        .unwrap();
    assert!(f.converged);
    let lb = &f.lower_bounds;
    let holds = |i: usize| (lb[i] - lb[i - 1]).abs() * n <= rtol * (1.0 + (lb[i] * n).abs());
    let last = lb.len() - 1;
    assert!(holds(last));
    // The bounds are the chosen start's alone (its short run, then its
    // continuation), all under the same test: no earlier iteration passed it.
    for i in 1..last {
        assert!(!holds(i), "iteration {} already passed the test", i + 1);
    }
    // EM never lowers the likelihood (to rounding).
    assert!(lb.windows(2).all(|w| w[1] >= w[0] - 1e-9));
}

/// Above `AUTO_SCREEN_ROWS` rows the starts are made and screened on
/// `screen_sample`'s rows and only the best goes on, on all rows: the fit
/// equals EM on the sample from the sample's start (at most `AUTO_SHORT_ITER`
/// iterations), then EM on all rows from the model that reached;
/// `lower_bounds` are the latter's.
#[test]
fn above_the_screening_size_the_starts_run_on_a_sample() {
    let n = AUTO_SCREEN_ROWS + 1500;
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
    // One feature: auto's hierarchical start is then mclust's quantile classes (fast in a debug build).
    let x = Array2::from_shape_fn((n, 1), |(i, _)| {
        let g = (i % 3) as f64;
        3.0 * g + (0.4 + 0.3 * g) * (rng.gen::<f64>() + rng.gen::<f64>() - 1.0) * 2.0
    });
    let params = |init: Init, max_iter: usize| {
        GaussianMixture::params(3)
            .model(CovarianceModel::V)
            .init(init)
            .n_init(1)
            .seed(5)
            .max_iter(max_iter)
            .check()
            .unwrap()
    };
    let auto = params(Init::Auto, 1000).fit(x.view(), None).unwrap();
    let rows = screen_sample(n, 5).expect("n is above the screening size");
    assert_eq!(rows.len(), AUTO_SCREEN_ROWS);
    let sample = x.select(Axis(0), &rows);
    // Auto's one start is the hierarchical one, made on the sample from the same stream.
    let start = params(Init::Hc, 1)
        .fit(sample.view(), None)
        .unwrap()
        .initial_model;
    let screened = params(Init::Model(Box::new(start)), AUTO_SHORT_ITER)
        .fit(sample.view(), None)
        .unwrap();
    // The run on all rows (the fit's initial model, bounds and iterations)
    // starts where the screening ended.
    let gap = (screened.model.means() - auto.initial_model.means())
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(gap <= 1e-10, "{gap}");
    let on = params(Init::Model(Box::new(screened.model.clone())), 1000)
        .fit(x.view(), None)
        .unwrap();
    assert_eq!(auto.n_iter, on.n_iter);
    assert_eq!(auto.lower_bounds.len(), auto.n_iter);
    for (a, b) in auto.lower_bounds.iter().zip(&on.lower_bounds) {
        assert!((a - b).abs() <= 1e-10, "{a} vs {b}");
    }
    assert!((auto.log_likelihood - on.log_likelihood).abs() <= 1e-10);
    // The sample's fit is not the whole data's: the screening did move the start.
    assert!((screened.log_likelihood - auto.log_likelihood).abs() > 1e-6);
    assert!(auto.converged);
}

/// With a noise start above `AUTO_SCREEN_ROWS` rows the starts are made from
/// all the rows that do not start as noise and screened on the sample; the
/// fit is still EM on all rows from its `initial_model`.
#[test]
fn a_noise_start_above_the_screening_size_goes_on_from_the_initial_model() {
    let n = AUTO_SCREEN_ROWS + 500;
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
    let noise_rows: Vec<bool> = (0..n).map(|i| i % 10 == 0).collect();
    let x = Array2::from_shape_fn((n, 1), |(i, _)| {
        if noise_rows[i] {
            rng.gen::<f64>() * 30.0 - 10.0
        } else {
            let g = (i % 3) as f64;
            3.0 * g + 0.5 * (rng.gen::<f64>() + rng.gen::<f64>() - 1.0)
        }
    });
    let params = |init: Init| {
        GaussianMixture::params(3)
            .model(CovarianceModel::V)
            .init(init)
            .n_init(2)
            .seed(8)
            .noise(true)
            .noise_start(Some(clusterlab_em::NoiseStart {
                rows: noise_rows.clone(),
                source: "every tenth row".into(),
            }))
            .check()
            .unwrap()
    };
    let auto = params(Init::Auto).fit(x.view(), None).unwrap();
    assert!(auto.converged);
    assert_eq!(auto.lower_bounds.len(), auto.n_iter);
    let share = auto.model.noise().expect("a noise component").proportion;
    assert!((share - 0.1).abs() < 0.03, "noise proportion {share}");
    let on = params(Init::Model(Box::new(auto.initial_model.clone())))
        .fit(x.view(), None)
        .unwrap();
    assert_eq!(auto.n_iter, on.n_iter);
    for (a, b) in auto.lower_bounds.iter().zip(&on.lower_bounds) {
        assert!((a - b).abs() <= 1e-10, "{a} vs {b}");
    }
}
