//! The default start (`Init::Auto`) and mclust's relative tolerance (`rtol`).

use clusterlab_em::{CovarianceModel, GaussianMixture, Init, AUTO_SHORT_ITER};
use ndarray::Array2;
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
