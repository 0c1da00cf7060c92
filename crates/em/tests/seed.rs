//! The seed's trace lab, checked against a hand computation.
//!
//! Six points x = 0.80, 1.10, 1.40, 4.70, 5.10, 5.50; two components with
//! means 1.60 and 4.40, variances 1, weights ½. With equal weights and
//! variances, the responsibility of Gaussian 1 is
//!
//!   r₁(x) = 1 / (1 + exp(−[(x − 4.4)² − (x − 1.6)²] / 2)) = 1 / (1 + exp(−2.8 (3 − x)))
//!
//! because (x − 4.4)² − (x − 1.6)² = 16.8 − 5.6x. Numerically:
//!   x = 0.80: 1/(1 + e^−6.16)  = 0.997892199
//!   x = 1.10: 1/(1 + e^−5.32)  = 0.995131069
//!   x = 1.40: 1/(1 + e^−4.48)  = 0.988793594
//!   x = 4.70: 1/(1 + e^+4.76)  = 0.008492863
//!   x = 5.10: 1/(1 + e^+5.88)  = 0.002786996
//!   x = 5.50: 1/(1 + e^+7.00)  = 0.000911051
//! M-step: N₁ = Σ r₁ = 2.994007772, N₂ = 6 − N₁ = 3.005992228,
//!   μ₁ = Σ r₁x / N₁ = 1.114362466,  μ₂ = Σ r₂x / N₂ = 5.077721084,
//!   σ₁² = Σ r₁(x − μ₁)² / N₁ = 0.117060988 (+ reg 1e-6),
//!   σ₂² = Σ r₂(x − μ₂)² / N₂ = 0.195374821 (+ reg 1e-6),
//!   π₁ = N₁ / 6 = 0.499001295.
//! Mean log-likelihood at the start: (1/6) Σ ln(½N(x; 1.6, 1) + ½N(x; 4.4, 1)) = −1.833670379.

use clusterlab_em::{CovarianceType, Covariances, GaussianMixture, GmmModel, Init};
use ndarray::{array, Array1, Array2};

fn seed_start(ty: CovarianceType) -> GmmModel {
    let cov = match ty {
        CovarianceType::Full => Covariances::Full(
            Array1::from(vec![1.0, 1.0])
                .into_shape_with_order((2, 1, 1))
                .unwrap(),
        ),
        CovarianceType::Diag => Covariances::Diag(array![[1.0], [1.0]]),
        CovarianceType::Spherical => Covariances::Spherical(array![1.0, 1.0]),
        CovarianceType::Tied => Covariances::Tied(array![[1.0]]),
    };
    GmmModel::new(array![0.5, 0.5], array![[1.6], [4.4]], cov).unwrap()
}

fn seed_points() -> Array2<f64> {
    array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]]
}

const R1: [f64; 6] = [
    0.997892199,
    0.995131069,
    0.988793594,
    0.008492863,
    0.002786996,
    0.000911051,
];

#[test]
fn first_e_step_matches_the_hand_computation() {
    let x = seed_points();
    for ty in [
        CovarianceType::Full,
        CovarianceType::Diag,
        CovarianceType::Spherical,
    ] {
        let fit = GaussianMixture::params(2)
            .covariance_type(ty)
            .init(Init::Model(Box::new(seed_start(ty))))
            .max_iter(1)
            .trace(true)
            .check()
            .unwrap()
            .fit(x.view(), None)
            .unwrap();
        let step = &fit.trace.as_ref().unwrap()[0];
        for i in 0..6 {
            assert!(
                (step.responsibilities[[i, 0]] - R1[i]).abs() < 1e-9,
                "{ty} point {i}"
            );
            assert!((step.responsibilities[[i, 1]] - (1.0 - R1[i])).abs() < 1e-9);
        }
        assert!((step.log_likelihood - (-1.833670379)).abs() < 1e-9);
        assert!((fit.lower_bounds[0] - (-1.833670379)).abs() < 1e-9);

        let m = &step.model;
        assert!((m.weights()[0] - 0.499001295).abs() < 1e-9);
        assert!((m.means()[[0, 0]] - 1.114362466).abs() < 1e-9);
        assert!((m.means()[[1, 0]] - 5.077721084).abs() < 1e-9);
        let var = |j| m.covariances().component_matrix(j, 1)[[0, 0]];
        assert!((var(0) - (0.117060988 + 1e-6)).abs() < 1e-9, "{ty}");
        assert!((var(1) - (0.195374821 + 1e-6)).abs() < 1e-9, "{ty}");
    }
}

#[test]
fn tied_first_m_step_pools_the_variances() {
    // Tied: one variance (N₁σ₁² + N₂σ₂²) / 6 = (2.994007772·0.117060988 + 3.005992228·0.195374821)/6
    //     = 0.156289... computed: 0.350481... + 0.587295... over 6.
    let expected = (2.994007772 * 0.117060988 + 3.005992228 * 0.195374821) / 6.0 + 1e-6;
    let fit = GaussianMixture::params(2)
        .covariance_type(CovarianceType::Tied)
        .init(Init::Model(Box::new(seed_start(CovarianceType::Tied))))
        .max_iter(1)
        .check()
        .unwrap()
        .fit(seed_points().view(), None)
        .unwrap();
    let Covariances::Tied(c) = fit.model.covariances() else {
        panic!("tied")
    };
    assert!((c[[0, 0]] - expected).abs() < 1e-8, "{}", c[[0, 0]]);
}

#[test]
fn the_seed_converges_to_two_groups_of_three() {
    let fit = GaussianMixture::params(2)
        .init(Init::Model(Box::new(seed_start(CovarianceType::Full))))
        .check()
        .unwrap()
        .fit(seed_points().view(), None)
        .unwrap();
    assert!(fit.converged);
    assert_eq!(fit.labels.to_vec(), vec![0, 0, 0, 1, 1, 1]);
    // At convergence each group's mean is its own average: 1.1 and 5.1.
    assert!((fit.model.means()[[0, 0]] - 1.1).abs() < 1e-3);
    assert!((fit.model.means()[[1, 0]] - 5.1).abs() < 1e-3);
    // The lower bound never decreases.
    for w in fit.lower_bounds.windows(2) {
        assert!(w[1] >= w[0] - 1e-12);
    }
    // Labels equal predict, responsibilities equal predict_proba.
    assert_eq!(fit.labels, fit.model.predict(seed_points().view()).unwrap());
    assert_eq!(
        fit.responsibilities,
        fit.model.predict_proba(seed_points().view()).unwrap()
    );
    assert!((fit.log_likelihood - fit.model.score(seed_points().view()).unwrap()).abs() < 1e-15);
}
