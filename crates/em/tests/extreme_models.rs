//! A starting model EM cannot start from (a mean ~1e200 away from the data,
//! variances ~1e-320) is refused with an error naming `init-model` and the
//! row, by both engines, instead of "converging" onto one mean; a model with
//! one far mean is fitted right (the far component re-seeded, said so).

use clusterlab_em::{CovarianceType, Covariances, Engine, GaussianMixture, GmmModel, Init};
use ndarray::{array, Array2, Array3};

/// Two groups of 5 points: around (0, 0) and around (8, 0).
fn two_groups() -> Array2<f64> {
    array![
        [0.0, 0.1],
        [0.2, -0.1],
        [-0.1, 0.0],
        [0.1, 0.2],
        [-0.2, -0.2],
        [8.0, 0.1],
        [8.2, -0.1],
        [7.9, 0.0],
        [8.1, 0.2],
        [7.8, -0.2]
    ]
}

fn model(means: Array2<f64>, var: f64) -> GmmModel {
    let mut c = Array3::<f64>::zeros((2, 2, 2));
    for j in 0..2 {
        c[[j, 0, 0]] = var;
        c[[j, 1, 1]] = var;
    }
    GmmModel::new(array![0.5, 0.5], means, Covariances::Full(c)).unwrap()
}

fn fit_from(m: GmmModel, engine: Engine) -> Result<clusterlab_em::GmmFit, clusterlab_em::GmmError> {
    GaussianMixture::params(2)
        .covariance_type(CovarianceType::Full)
        .init(Init::Model(Box::new(m)))
        .engine(engine)
        .n_init(1)
        .check()
        .unwrap()
        .fit(two_groups().view(), None)
}

#[test]
fn a_model_every_point_underflows_under_is_refused() {
    let cases = [
        (
            "means ±1e200",
            model(array![[1e200, 0.0], [-1e200, 0.0]], 1.0),
        ),
        (
            "variances 1e-320",
            model(array![[0.0, 0.0], [8.0, 0.0]], 1e-320),
        ),
    ];
    for (what, m) in cases {
        for engine in [Engine::Fast, Engine::Reference] {
            let e = fit_from(m.clone(), engine).unwrap_err().to_string();
            assert!(
                e.contains("init-model") && e.contains("row 1") && e.contains("underflows"),
                "{what}, {engine:?}: {e}"
            );
        }
    }
}

#[test]
fn one_far_mean_is_reseeded_and_the_fit_is_right() {
    let m = model(array![[0.0, 0.0], [1e200, 0.0]], 1.0);
    for engine in [Engine::Fast, Engine::Reference] {
        let f = fit_from(m.clone(), engine).unwrap();
        let means = f.model.means();
        let mut xs = [means[[0, 0]], means[[1, 0]]];
        xs.sort_by(f64::total_cmp);
        // The group means by hand: 0.0 and 8.0 in x.
        assert!(
            (xs[0] - 0.0).abs() < 1e-9 && (xs[1] - 8.0).abs() < 1e-9,
            "{engine:?}: {means}"
        );
        assert!(
            f.warnings.iter().any(|w| w.contains("re-seeded")),
            "{engine:?}: {:?}",
            f.warnings
        );
    }
}

#[test]
fn components_made_identical_by_a_huge_variance_are_a_warning() {
    // Variances 1e300: every point is equally likely under both, so the
    // first M-step gives both the data mean (4.0, 0.0) and the same covariance.
    let m = model(array![[0.0, 0.0], [8.0, 0.0]], 1e300);
    for engine in [Engine::Fast, Engine::Reference] {
        let f = fit_from(m.clone(), engine).unwrap();
        let means = f.model.means();
        assert!((means[[0, 0]] - 4.0).abs() < 1e-9 && (means[[1, 0]] - 4.0).abs() < 1e-9);
        assert!(
            f.warnings
                .iter()
                .any(|w| w.starts_with("components 0 and 1 are identical")),
            "{engine:?}: {:?}",
            f.warnings
        );
    }
    // Two distinct components: no such warning.
    let f = fit_from(model(array![[0.0, 0.0], [8.0, 0.0]], 1.0), Engine::Fast).unwrap();
    assert!(
        !f.warnings.iter().any(|w| w.contains("identical")),
        "{:?}",
        f.warnings
    );
}
