//! Degenerate data, bad inputs, sample weights, serialisation, information
//! criteria and sampling.
//!
//! Degenerate data (duplicate points, a one-point component, collinear points,
//! a constant column) must give a finite fit (no NaN or infinity in weights,
//! means, covariances, log-likelihood, lower bounds or responsibilities) and a
//! warning naming the component whose covariance `reg_covar` had to decide.
//! Bad inputs must be errors naming the parameter at fault.

use clusterlab_em::{
    CovarianceType, Covariances, GaussianMixture, GmmError, GmmFit, GmmModel, Init,
};
use ndarray::{array, s, Array1, Array2, Array3, Axis};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const REG: f64 = 1e-6;

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn cov_values(c: &Covariances) -> Vec<f64> {
    match c {
        Covariances::Full(a) => a.iter().copied().collect(),
        Covariances::Diag(a) | Covariances::Tied(a) => a.iter().copied().collect(),
        Covariances::Spherical(a) => a.to_vec(),
    }
}

fn assert_finite(fit: &GmmFit, what: &str) {
    let m = &fit.model;
    assert!(
        m.weights().iter().all(|v| v.is_finite()),
        "{what}: weights {}",
        m.weights()
    );
    assert!(
        (m.weights().sum() - 1.0).abs() < 1e-12,
        "{what}: weights sum"
    );
    assert!(
        m.means().iter().all(|v| v.is_finite()),
        "{what}: means {}",
        m.means()
    );
    let c = cov_values(m.covariances());
    assert!(c.iter().all(|v| v.is_finite()), "{what}: covariances {c:?}");
    assert!(
        fit.log_likelihood.is_finite(),
        "{what}: log-likelihood {}",
        fit.log_likelihood
    );
    assert!(
        fit.lower_bounds.iter().all(|v| v.is_finite()),
        "{what}: lower bounds {:?}",
        fit.lower_bounds
    );
    assert!(
        fit.responsibilities
            .iter()
            .all(|v| v.is_finite() && *v >= 0.0),
        "{what}: responsibilities"
    );
    for row in fit.responsibilities.rows() {
        assert!(
            (row.sum() - 1.0).abs() < 1e-12,
            "{what}: a row sums to {}",
            row.sum()
        );
    }
}

/// The warning text for a singular covariance names the component (or the tied covariance).
fn singular_warning_for(fit: &GmmFit, ty: CovarianceType, component: usize) -> bool {
    let who = match ty {
        CovarianceType::Tied => "the tied covariance".to_string(),
        _ => format!("component {component}'s covariance"),
    };
    fit.warnings
        .iter()
        .any(|w| w.contains(&who) && w.contains("singular") && w.contains("reg_covar"))
}

fn fit(x: &Array2<f64>, k: usize, ty: CovarianceType, init: Init, reg: f64) -> GmmFit {
    GaussianMixture::params(k)
        .covariance_type(ty)
        .init(init)
        .reg_covar(reg)
        .max_iter(50)
        .seed(11)
        .check()
        .unwrap()
        .fit(x.view(), None)
        .unwrap()
}

/// 20 copies of each of three distinct 2-D points, interleaved.
fn duplicates() -> Array2<f64> {
    let pts = [[0.0, 0.0], [3.0, 1.0], [1.0, 4.0]];
    Array2::from_shape_fn((60, 2), |(i, a)| pts[i % 3][a])
}

#[test]
fn duplicate_points_k3_give_the_three_points_and_singular_warnings() {
    let x = duplicates();
    for ty in CovarianceType::ALL {
        let f = fit(&x, 3, ty, Init::KMeans, REG);
        let what = format!("duplicates k=3 {ty}");
        assert_finite(&f, &what);
        // Each component sits on one of the points with weight 1/3.
        let mut means: Vec<(f64, f64)> = f
            .model
            .means()
            .rows()
            .into_iter()
            .map(|r| (r[0], r[1]))
            .collect();
        means.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let expect = [(0.0, 0.0), (1.0, 4.0), (3.0, 1.0)];
        for (m, e) in means.iter().zip(expect) {
            assert!(
                (m.0 - e.0).abs() < 1e-9 && (m.1 - e.1).abs() < 1e-9,
                "{what}: {means:?}"
            );
        }
        for w in f.model.weights() {
            assert!(
                (w - 1.0 / 3.0).abs() < 1e-9,
                "{what}: weights {}",
                f.model.weights()
            );
        }
        // Every variance is reg_covar (the data has none of its own).
        for v in f.model.covariances().component_matrix(0, 2).diag() {
            assert!((v - REG).abs() < 1e-12, "{what}: variance {v}");
        }
        assert!(!f.warnings.is_empty(), "{what}: no warning");
        let comps: Vec<usize> = match ty {
            CovarianceType::Tied => vec![0],
            _ => vec![0, 1, 2],
        };
        for j in comps {
            assert!(
                singular_warning_for(&f, ty, j),
                "{what}: warnings {:?}",
                f.warnings
            );
        }
        assert!(
            f.warnings.iter().any(|w| w.contains("duplicate")),
            "{what}: {:?}",
            f.warnings
        );
    }
}

#[test]
fn duplicate_points_k4_are_finite_and_warned() {
    let x = duplicates();
    for ty in CovarianceType::ALL {
        let f = fit(&x, 4, ty, Init::KMeans, REG);
        let what = format!("duplicates k=4 {ty}");
        assert_finite(&f, &what);
        assert!(!f.warnings.is_empty(), "{what}: no warning");
        assert!(
            f.warnings
                .iter()
                .any(|w| w.contains("singular") || w.contains("re-seeded")),
            "{what}: {:?}",
            f.warnings
        );
        // Whatever happened to the fourth component, every point is on a mean.
        for row in x.rows() {
            let near = f
                .model
                .means()
                .rows()
                .into_iter()
                .any(|m| (&m - &row).iter().all(|v| v.abs() < 1e-6));
            assert!(near, "{what}: no mean at {row}: {}", f.model.means());
        }
    }
}

#[test]
fn reg_covar_zero_on_duplicates_reseeds_and_stays_finite() {
    let x = duplicates();
    for ty in CovarianceType::ALL {
        let f = fit(&x, 3, ty, Init::KMeans, 0.0);
        let what = format!("duplicates reg 0 {ty}");
        assert_finite(&f, &what);
        assert!(
            f.warnings.iter().any(|w| w.contains("re-seeded")
                || w.contains("the tied covariance was not positive definite")),
            "{what}: expected a re-seed warning, got {:?}; covariances {:?}",
            f.warnings,
            cov_values(f.model.covariances())
        );
    }
}

/// 40 points of a unit blob at the origin and one point at (50, 50).
fn blob_and_outlier() -> Array2<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let mut x = Array2::<f64>::zeros((41, 2));
    for i in 0..40 {
        x[[i, 0]] = normal(&mut rng);
        x[[i, 1]] = 0.5 * normal(&mut rng);
    }
    x.row_mut(40).assign(&array![50.0, 50.0]);
    x
}

fn start_on_outlier(ty: CovarianceType) -> GmmModel {
    let cov = match ty {
        CovarianceType::Full => Covariances::Full(Array3::from_shape_fn((2, 2, 2), |(_, a, b)| {
            if a == b {
                1.0
            } else {
                0.0
            }
        })),
        CovarianceType::Diag => Covariances::Diag(Array2::ones((2, 2))),
        CovarianceType::Spherical => Covariances::Spherical(Array1::ones(2)),
        CovarianceType::Tied => Covariances::Tied(Array2::eye(2)),
    };
    GmmModel::new(array![0.9, 0.1], array![[0.0, 0.0], [50.0, 50.0]], cov).unwrap()
}

#[test]
fn one_point_component_is_finite_and_named() {
    let x = blob_and_outlier();
    for ty in CovarianceType::ALL {
        let f = fit(&x, 2, ty, Init::Model(Box::new(start_on_outlier(ty))), REG);
        let what = format!("one-point component {ty}");
        assert_finite(&f, &what);
        // Component 1 holds the outlier alone.
        assert!((f.model.weights()[1] - 1.0 / 41.0).abs() < 1e-9, "{what}");
        assert!((f.model.means()[[1, 0]] - 50.0).abs() < 1e-9, "{what}");
        assert_eq!(f.labels[40], 1, "{what}");
        assert!(f.labels.iter().take(40).all(|l| *l == 0), "{what}");
        if ty == CovarianceType::Tied {
            // The shared covariance is the blob's: nothing is singular.
            continue;
        }
        // Its variance is reg_covar plus rounding: the moment formula
        // Q/N − m mᵀ with N = 1 + 10ε leaves ε·|x − centre|² ≈ 5e-12 here.
        let var = f.model.covariances().component_matrix(1, 2);
        assert!((var[[0, 0]] - REG).abs() < 1e-10, "{what}: {var}");
        assert!(singular_warning_for(&f, ty, 1), "{what}: {:?}", f.warnings);
        assert!(!singular_warning_for(&f, ty, 0), "{what}: {:?}", f.warnings);
        assert!(f.warnings.iter().any(|w| w.contains("one-point component")));
    }
}

/// The same one-point component with `reg_covar = 0`: nothing regularises it,
/// so its covariance is the rounding residue of `Q/N − m mᵀ`. When that residue
/// is not positive definite the component is re-seeded and warned about (full,
/// here); when it is, e.g. the diagonal type here with variances of 5.0e-12
/// (ε·|x − centre|² from the `N + 10ε` divisor), the point's log-density is set
/// by the residue alone (≈ +24). The fit must say so either way.
///
/// A regression test; it once failed: `singular_before_reg` and
/// `component_singular` in src/mstep.rs both begin with `reg > 0.0 &&`, so with
/// `reg_covar = 0` no covariance is ever reported singular; a covariance that
/// is positive definite only by rounding (this one, or the 1e-16 variances of
/// duplicate points) passes the Cholesky check, is not re-seeded, and the fit
/// returns no warning at all. The fix, now in place: with reg = 0, call a covariance singular
/// when its smallest eigenvalue (Cholesky of Σ − t·I) is below a relative
/// threshold t, e.g. 1e-10 × the data's mean variance, and warn (or re-seed).
#[test]
fn reg_covar_zero_one_point_component_is_warned() {
    let x = blob_and_outlier();
    for ty in [
        CovarianceType::Full,
        CovarianceType::Diag,
        CovarianceType::Spherical,
    ] {
        let f = fit(&x, 2, ty, Init::Model(Box::new(start_on_outlier(ty))), 0.0);
        let what = format!("one-point component, reg 0, {ty}");
        assert_finite(&f, &what);
        let var = f.model.covariances().component_matrix(1, 2)[[0, 0]];
        assert!(
            f.warnings.iter().any(|w| w.contains("component 1")
                && (w.contains("singular") || w.contains("re-seeded"))),
            "{what}: variance {var:e}, log-likelihood {}, but warnings {:?}",
            f.log_likelihood,
            f.warnings
        );
    }
}

#[test]
fn collinear_points_in_2d() {
    // 30 points on y = 2x + 1.
    let x = Array2::from_shape_fn((30, 2), |(i, a)| {
        let t = (i as f64) * 0.37 - 5.0 + if i >= 15 { 6.0 } else { 0.0 };
        if a == 0 {
            t
        } else {
            2.0 * t + 1.0
        }
    });
    for ty in CovarianceType::ALL {
        let f = fit(&x, 2, ty, Init::KMeans, REG);
        let what = format!("collinear {ty}");
        assert_finite(&f, &what);
        match ty {
            // The line is not axis-aligned: diagonal and spherical covariances are regular.
            CovarianceType::Diag | CovarianceType::Spherical => {
                assert!(f.warnings.is_empty(), "{what}: {:?}", f.warnings)
            }
            CovarianceType::Tied => assert!(singular_warning_for(&f, ty, 0), "{what}"),
            CovarianceType::Full => {
                assert!(singular_warning_for(&f, ty, 0), "{what}: {:?}", f.warnings);
                assert!(singular_warning_for(&f, ty, 1), "{what}: {:?}", f.warnings);
                assert!(f.warnings.iter().any(|w| w.contains("collinear")));
            }
        }
    }
}

#[test]
fn constant_column() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let x = Array2::from_shape_fn((40, 2), |(i, a)| {
        if a == 1 {
            7.0
        } else {
            normal(&mut rng) + if i % 2 == 0 { 4.0 } else { -4.0 }
        }
    });
    for ty in CovarianceType::ALL {
        let f = fit(&x, 2, ty, Init::KMeans, REG);
        let what = format!("constant column {ty}");
        assert_finite(&f, &what);
        for j in 0..2 {
            assert!((f.model.means()[[j, 1]] - 7.0).abs() < 1e-9, "{what}");
        }
        match ty {
            // One variance for both features: the first column's keeps it regular.
            CovarianceType::Spherical => assert!(f.warnings.is_empty(), "{what}: {:?}", f.warnings),
            CovarianceType::Tied => assert!(singular_warning_for(&f, ty, 0), "{what}"),
            _ => {
                for j in 0..2 {
                    assert!(singular_warning_for(&f, ty, j), "{what}: {:?}", f.warnings);
                    let v = f.model.covariances().component_matrix(j, 2)[[1, 1]];
                    assert!((v - REG).abs() < 1e-12, "{what}: variance {v}");
                }
                assert!(f.warnings.iter().any(|w| w.contains("constant column")));
            }
        }
    }
}

// ---------------------------------------------------------------- bad inputs

fn small() -> Array2<f64> {
    array![
        [0.0, 0.0],
        [1.0, 0.5],
        [0.2, 1.0],
        [5.0, 5.0],
        [5.5, 4.5],
        [6.0, 5.2]
    ]
}

fn invalid_name(e: &GmmError) -> &'static str {
    match e {
        GmmError::InvalidParameter { name, .. } => name,
        other => panic!("expected InvalidParameter, got {other:?}"),
    }
}

#[test]
fn bad_hyper_parameters_are_errors_naming_the_parameter() {
    let e = GaussianMixture::params(0).check().unwrap_err();
    assert_eq!(invalid_name(&e), "k");
    assert!(e.to_string().contains("k"), "{e}");

    let e = GaussianMixture::params(2).tol(-1e-3).check().unwrap_err();
    assert_eq!(invalid_name(&e), "tol");
    assert!(
        e.to_string().contains("tol") && e.to_string().contains("-0.001"),
        "{e}"
    );

    let e = GaussianMixture::params(2)
        .tol(f64::NAN)
        .check()
        .unwrap_err();
    assert_eq!(invalid_name(&e), "tol");

    let e = GaussianMixture::params(2)
        .reg_covar(-1e-6)
        .check()
        .unwrap_err();
    assert_eq!(invalid_name(&e), "reg_covar");
    assert!(e.to_string().contains("reg_covar"), "{e}");

    let e = GaussianMixture::params(2).max_iter(0).check().unwrap_err();
    assert_eq!(invalid_name(&e), "max_iter");
    assert!(e.to_string().contains("max_iter"), "{e}");

    let e = GaussianMixture::params(2).n_init(0).check().unwrap_err();
    assert_eq!(invalid_name(&e), "n_init");
}

#[test]
fn k_larger_than_n_is_an_error() {
    let e = GaussianMixture::params(7)
        .check()
        .unwrap()
        .fit(small().view(), None)
        .unwrap_err();
    assert_eq!(invalid_name(&e), "k");
    let msg = e.to_string();
    assert!(msg.contains("k = 7") && msg.contains("n = 6"), "{msg}");
}

#[test]
fn nan_in_data_is_an_error_naming_the_cell() {
    let mut x = small();
    x[[3, 1]] = f64::NAN;
    let e = GaussianMixture::params(2)
        .check()
        .unwrap()
        .fit(x.view(), None)
        .unwrap_err();
    assert!(matches!(e, GmmError::InvalidData(_)), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("row 3") && msg.contains("column 1") && msg.contains("NaN"),
        "{msg}"
    );

    x[[3, 1]] = f64::INFINITY;
    let e = GaussianMixture::params(2)
        .check()
        .unwrap()
        .fit(x.view(), None)
        .unwrap_err();
    assert!(e.to_string().contains("inf"), "{e}");
}

#[test]
fn init_model_mismatches_are_errors() {
    // Three features for two-column data.
    let m3 = GmmModel::new(
        array![0.5, 0.5],
        array![[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]],
        Covariances::Spherical(array![1.0, 1.0]),
    )
    .unwrap();
    let e = GaussianMixture::params(2)
        .covariance_type(CovarianceType::Spherical)
        .init(Init::Model(Box::new(m3)))
        .check()
        .unwrap()
        .fit(small().view(), None)
        .unwrap_err();
    assert_eq!(invalid_name(&e), "init-model");
    assert!(
        e.to_string().contains("3 features") && e.to_string().contains("2"),
        "{e}"
    );

    let m2 = GmmModel::new(
        array![0.5, 0.5],
        array![[0.0, 0.0], [5.0, 5.0]],
        Covariances::Spherical(array![1.0, 1.0]),
    )
    .unwrap();
    // Wrong k.
    let e = GaussianMixture::params(3)
        .covariance_type(CovarianceType::Spherical)
        .init(Init::Model(Box::new(m2.clone())))
        .check()
        .unwrap_err();
    assert_eq!(invalid_name(&e), "init-model");
    // Wrong covariance type.
    let e = GaussianMixture::params(2)
        .covariance_type(CovarianceType::Full)
        .init(Init::Model(Box::new(m2)))
        .check()
        .unwrap_err();
    assert_eq!(invalid_name(&e), "init-model");
    assert!(
        e.to_string().contains("spherical") && e.to_string().contains("full"),
        "{e}"
    );
}

#[test]
fn malformed_models_are_rejected_by_new() {
    let means = array![[0.0, 0.0], [5.0, 5.0]];
    let sph = || Covariances::Spherical(array![1.0, 1.0]);
    let msg = |r: Result<GmmModel, GmmError>| match r {
        Err(GmmError::InvalidModel(m)) => m,
        other => panic!("expected InvalidModel, got {other:?}"),
    };

    let m = msg(GmmModel::new(array![0.5, 0.6], means.clone(), sph()));
    assert!(m.contains("weights") && m.contains("1.1"), "{m}");
    let m = msg(GmmModel::new(array![1.2, -0.2], means.clone(), sph()));
    assert!(m.contains("weights[1]"), "{m}");
    let m = msg(GmmModel::new(array![1.0], means.clone(), sph()));
    assert!(m.contains("weights"), "{m}");

    // Symmetric but indefinite (eigenvalues 3 and −1).
    let full =
        Array3::from_shape_vec((2, 2, 2), vec![1.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 1.0]).unwrap();
    let m = msg(GmmModel::new(
        array![0.5, 0.5],
        means.clone(),
        Covariances::Full(full),
    ));
    assert!(
        m.contains("component 1") && m.contains("not positive definite"),
        "{m}"
    );
    let m = msg(GmmModel::new(
        array![0.5, 0.5],
        means.clone(),
        Covariances::Diag(array![[1.0, 1.0], [0.0, 1.0]]),
    ));
    assert!(
        m.contains("component 1") && m.contains("not positive definite"),
        "{m}"
    );
    let m = msg(GmmModel::new(
        array![0.5, 0.5],
        means.clone(),
        Covariances::Spherical(array![-1.0, 1.0]),
    ));
    assert!(
        m.contains("component 0") && m.contains("not positive definite"),
        "{m}"
    );
    let m = msg(GmmModel::new(
        array![0.5, 0.5],
        means.clone(),
        Covariances::Tied(array![[1.0, 2.0], [2.0, 1.0]]),
    ));
    assert!(
        m.contains("tied") && m.contains("not positive definite"),
        "{m}"
    );
    let m = msg(GmmModel::new(
        array![0.5, 0.5],
        means.clone(),
        Covariances::Tied(array![[1.0, 0.5], [0.2, 1.0]]),
    ));
    assert!(m.contains("symmetric"), "{m}");
    // Wrong shape.
    let m = msg(GmmModel::new(
        array![0.5, 0.5],
        means,
        Covariances::Diag(array![[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]),
    ));
    assert!(m.contains("2 × 2"), "{m}");
}

// ----------------------------------------------------------- sample weights

fn start_for(ty: CovarianceType) -> GmmModel {
    let cov = match ty {
        CovarianceType::Full => Covariances::Full(
            Array3::from_shape_vec((2, 2, 2), vec![1.0, 0.3, 0.3, 1.0, 2.0, -0.4, -0.4, 1.0])
                .unwrap(),
        ),
        CovarianceType::Diag => Covariances::Diag(array![[1.0, 0.5], [2.0, 1.5]]),
        CovarianceType::Spherical => Covariances::Spherical(array![1.0, 2.0]),
        CovarianceType::Tied => Covariances::Tied(array![[1.5, 0.2], [0.2, 0.8]]),
    };
    GmmModel::new(array![0.4, 0.6], array![[0.5, 0.5], [4.5, 4.0]], cov).unwrap()
}

#[test]
fn integer_sample_weights_equal_duplicated_rows() {
    let x = small();
    let w = array![1.0, 3.0, 2.0, 1.0, 4.0, 2.0];
    let mut rows = Vec::new();
    for (i, wi) in w.iter().enumerate() {
        for _ in 0..(*wi as usize) {
            rows.push(i);
        }
    }
    let xd = x.select(Axis(0), &rows);
    for ty in CovarianceType::ALL {
        let run = |data: &Array2<f64>, weights: Option<&Array1<f64>>| {
            GaussianMixture::params(2)
                .covariance_type(ty)
                .init(Init::Model(Box::new(start_for(ty))))
                .tol(0.0)
                .max_iter(10)
                .check()
                .unwrap()
                .fit(data.view(), weights.map(|w| w.view()))
                .unwrap()
        };
        let a = run(&x, Some(&w));
        let b = run(&xd, None);
        let close = |u: f64, v: f64| (u - v).abs() <= 1e-9 * u.abs().max(v.abs()).max(1.0);
        assert!(
            close(a.log_likelihood, b.log_likelihood),
            "{ty}: {} vs {}",
            a.log_likelihood,
            b.log_likelihood
        );
        for (u, v) in a.lower_bounds.iter().zip(&b.lower_bounds) {
            assert!(close(*u, *v), "{ty}: lower bound {u} vs {v}");
        }
        for (u, v) in a.model.weights().iter().zip(b.model.weights()) {
            assert!(close(*u, *v), "{ty}: weight {u} vs {v}");
        }
        for (u, v) in a.model.means().iter().zip(b.model.means()) {
            assert!(close(*u, *v), "{ty}: mean {u} vs {v}");
        }
        for (u, v) in cov_values(a.model.covariances())
            .iter()
            .zip(&cov_values(b.model.covariances()))
        {
            assert!(close(*u, *v), "{ty}: covariance {u} vs {v}");
        }
        // Responsibilities are per distinct point: row i of a is every copy of row i in b.
        for (r, i) in rows.iter().enumerate() {
            for j in 0..2 {
                let (u, v) = (a.responsibilities[[*i, j]], b.responsibilities[[r, j]]);
                assert!((u - v).abs() < 1e-9, "{ty}: point {i}");
            }
        }
        // Not the unweighted fit: the weights matter.
        let u = run(&x, None);
        assert!((u.log_likelihood - a.log_likelihood).abs() > 1e-3, "{ty}");
    }
}

#[test]
fn bad_sample_weights_are_errors() {
    let x = small();
    let p = GaussianMixture::params(2).check().unwrap();
    for (w, needle) in [
        (array![1.0, 1.0, 1.0], "3 sample weights for 6 points"),
        (array![1.0, 1.0, -1.0, 1.0, 1.0, 1.0], "sample weight 2"),
        (array![1.0, 1.0, f64::NAN, 1.0, 1.0, 1.0], "sample weight 2"),
        (Array1::zeros(6), "sum to 0"),
    ] {
        let e = p.fit(x.view(), Some(w.view())).unwrap_err();
        assert!(e.to_string().contains(needle), "{e}");
    }
}

// ----------------------------------------------- JSON, BIC/AIC, sampling

fn fitted_models() -> Vec<GmmModel> {
    CovarianceType::ALL
        .iter()
        .map(|ty| {
            GaussianMixture::params(2)
                .covariance_type(*ty)
                .init(Init::Model(Box::new(start_for(*ty))))
                .check()
                .unwrap()
                .fit(small().view(), None)
                .unwrap()
                .model
        })
        .collect()
}

#[test]
fn model_json_has_sklearn_shapes_and_round_trips() {
    let x = small();
    for model in fitted_models() {
        let ty = model.covariance_type();
        let text = serde_json::to_string(&model).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["covariance_type"], ty.name());
        let expected_shape: &[usize] = match ty {
            CovarianceType::Full => &[2, 2, 2],
            CovarianceType::Diag | CovarianceType::Tied => &[2, 2],
            CovarianceType::Spherical => &[2],
        };
        let mut shape = Vec::new();
        let mut node = &v["covariances"];
        while let Some(a) = node.as_array() {
            shape.push(a.len());
            node = &a[0];
        }
        assert_eq!(shape, expected_shape, "{ty}: {text}");
        let back: GmmModel = serde_json::from_str(&text).unwrap();
        assert_eq!(back.covariance_type(), ty);
        // Equal up to the last bit of a float (see the bit-exact test below).
        let close = |u: &f64, v: &f64| (u - v).abs() <= 4.0 * f64::EPSILON * u.abs().max(v.abs());
        assert!(
            back.weights()
                .iter()
                .zip(model.weights())
                .all(|(u, v)| close(u, v)),
            "{ty}"
        );
        assert!(
            back.means()
                .iter()
                .zip(model.means())
                .all(|(u, v)| close(u, v)),
            "{ty}"
        );
        let (cb, cm) = (
            cov_values(back.covariances()),
            cov_values(model.covariances()),
        );
        assert!(cb.iter().zip(&cm).all(|(u, v)| close(u, v)), "{ty}");
        let (sb, sm) = (
            back.score(x.view()).unwrap(),
            model.score(x.view()).unwrap(),
        );
        assert!((sb - sm).abs() < 1e-13, "{ty}: {sb} vs {sm}");
    }
    // A malformed model in JSON is refused with the reason.
    let bad = r#"{"covariance_type":"diag","weights":[0.5,0.6],"means":[[0,0],[1,1]],"covariances":[[1,1],[1,1]]}"#;
    let e = serde_json::from_str::<GmmModel>(bad).unwrap_err();
    assert!(e.to_string().contains("weights sum to"), "{e}");
    let bad = r#"{"covariance_type":"full","weights":[0.5,0.5],"means":[[0,0],[1,1]],"covariances":[[1,1],[1,1]]}"#;
    let e = serde_json::from_str::<GmmModel>(bad).unwrap_err();
    assert!(
        e.to_string()
            .contains("full covariances must have shape 2 × 2 × 2"),
        "{e}"
    );
}

/// A saved model (`--init-model`, `gmm.model` in a result file) must read
/// back as exactly the model that was written, so a run from it reproduces
/// bit for bit. A regression test; it once failed: serde_json writes the shortest
/// representation that round-trips (e.g. 0.40000000000000213), but without
/// its `float_roundtrip` feature it parses with a fast algorithm that is not
/// correctly rounded and reads that text back as 0.4000000000000022 (one ulp
/// off). The fix, now in place: `serde_json = { version = "1", features = ["float_roundtrip"] }`
/// in the workspace Cargo.toml.
#[test]
fn model_json_round_trip_is_bit_exact() {
    for model in fitted_models() {
        let text = serde_json::to_string(&model).unwrap();
        let back: GmmModel = serde_json::from_str(&text).unwrap();
        assert_eq!(back, model, "{}: {text}", model.covariance_type());
    }
    // The smallest case: one number.
    let v: f64 = serde_json::from_str("0.40000000000000213").unwrap();
    assert_eq!(v, 0.40000000000000213);
}

#[test]
fn bic_and_aic_by_hand() {
    let x = small();
    let n = x.nrows() as f64;
    // k = 2, d = 2: means 4, weights 1, covariances by type.
    for (ty, cov_params) in [
        (CovarianceType::Full, 6),
        (CovarianceType::Diag, 4),
        (CovarianceType::Spherical, 2),
        (CovarianceType::Tied, 3),
    ] {
        let f = GaussianMixture::params(2)
            .covariance_type(ty)
            .init(Init::Model(Box::new(start_for(ty))))
            .check()
            .unwrap()
            .fit(x.view(), None)
            .unwrap();
        let p = 4 + 1 + cov_params;
        assert_eq!(f.model.n_parameters(), p, "{ty}");
        let ll = f.model.score(x.view()).unwrap() * n;
        let bic = -2.0 * ll + p as f64 * n.ln();
        let aic = -2.0 * ll + 2.0 * p as f64;
        assert!((f.bic(x.view()).unwrap() - bic).abs() < 1e-9, "{ty}");
        assert!((f.aic(x.view()).unwrap() - aic).abs() < 1e-9, "{ty}");
        assert!((f.model.bic(x.view()).unwrap() - bic).abs() < 1e-9, "{ty}");
    }
    // The seed's start by hand: its mean log-likelihood is −1.833670379 (tests/seed.rs).
    let seed = GmmModel::new(
        array![0.5, 0.5],
        array![[1.6], [4.4]],
        Covariances::Spherical(array![1.0, 1.0]),
    )
    .unwrap();
    let xs = array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]];
    // p = means 2 + variances 2 + weights 1 = 5.
    let bic = 2.0 * 6.0 * 1.833670379 + 5.0 * 6f64.ln();
    assert!((seed.bic(xs.view()).unwrap() - bic).abs() < 1e-7);
    let aic = 2.0 * 6.0 * 1.833670379 + 10.0;
    assert!((seed.aic(xs.view()).unwrap() - aic).abs() < 1e-7);
}

#[test]
fn samples_have_the_mixture_mean_and_component_moments() {
    let model = GmmModel::new(
        array![0.2, 0.5, 0.3],
        array![[-4.0, 1.0], [0.0, 0.0], [5.0, -2.0]],
        Covariances::Full(
            Array3::from_shape_vec(
                (3, 2, 2),
                vec![1.0, 0.5, 0.5, 2.0, 0.3, 0.0, 0.0, 0.3, 2.0, -1.0, -1.0, 1.5],
            )
            .unwrap(),
        ),
    )
    .unwrap();
    let n = 200_000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    let (pts, comp) = model.sample(n, &mut rng);
    assert_eq!(pts.dim(), (n, 2));
    assert!(pts.iter().all(|v| v.is_finite()));
    // Grouped by component, in order.
    assert!(comp.windows(2).into_iter().all(|w| w[0] <= w[1]));
    let mean = pts.mean_axis(Axis(0)).unwrap();
    let expect = model.weights().dot(model.means()); // (−0.8 + 1.5, 0.2 − 0.6) = (0.7, −0.4)
    assert!((expect[0] - 0.7).abs() < 1e-12 && (expect[1] + 0.4).abs() < 1e-12);
    // The mixture's variance per feature is below 20, so the sample mean's sd is below 0.01.
    for a in 0..2 {
        assert!(
            (mean[a] - expect[a]).abs() < 0.03,
            "feature {a}: {} vs {}",
            mean[a],
            expect[a]
        );
    }
    let mut start = 0;
    for j in 0..3 {
        let cnt = comp.iter().filter(|c| **c == j).count();
        let share = cnt as f64 / n as f64;
        assert!(
            (share - model.weights()[j]).abs() < 0.005,
            "component {j}: share {share}"
        );
        let block = pts.slice(s![start..start + cnt, ..]);
        let m = block.mean_axis(Axis(0)).unwrap();
        let centred = &block - &m;
        let cov = centred.t().dot(&centred) / cnt as f64;
        let want = model.covariances().component_matrix(j, 2);
        for (u, v) in m.iter().zip(model.means().row(j)) {
            assert!((u - v).abs() < 0.03, "component {j}: mean {m}");
        }
        for (u, v) in cov.iter().zip(want.iter()) {
            assert!(
                (u - v).abs() < 0.05,
                "component {j}: covariance {cov} vs {want}"
            );
        }
        start += cnt;
    }
}

/// A component whose weight collapses is re-seeded; for the tied type this
/// must not disturb the shared covariance, which belongs to the components
/// that hold the data: it should be scikit-learn's M-step,
/// `Σ = (Σ_i x xᵀ − Σ_j N_j μ_j μ_jᵀ) / Σ_j N_j + reg·I` on the E-step's
/// responsibilities (the empty component contributes N_j ≈ 0).
///
/// A regression test; it once failed: `m_step` (src/mstep.rs) overwrites the
/// collapsed component's count (`nk[j] = fresh_share`) and mean (the re-seed
/// point) before the tied branch calls `estimate_tied_covariance`, so a
/// phantom `fresh_share · (x_p − c)(x_p − c)ᵀ` is subtracted and `fresh_share`
/// added to the divisor; here that makes the matrix indefinite and it is reset
/// to the data's variances (25.9 along x instead of the blobs' 0.73).
#[test]
fn tied_covariance_ignores_a_reseeded_component() {
    // Two blobs of 30 at (0, 0) and (10, 0); a third start component far away.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(21);
    let x = Array2::from_shape_fn((60, 2), |(i, a)| {
        let c = if i < 30 { [0.0, 0.0] } else { [10.0, 0.0] };
        c[a] + if a == 0 { 1.0 } else { 0.6 } * normal(&mut rng)
    });
    let start = GmmModel::new(
        array![0.4, 0.4, 0.2],
        array![[0.0, 0.0], [10.0, 0.0], [1000.0, 1000.0]],
        Covariances::Tied(Array2::eye(2)),
    )
    .unwrap();
    let f = GaussianMixture::params(3)
        .covariance_type(CovarianceType::Tied)
        .init(Init::Model(Box::new(start)))
        .max_iter(1)
        .trace(true)
        .check()
        .unwrap()
        .fit(x.view(), None)
        .unwrap();
    assert_finite(&f, "tied collapse");
    assert!(
        f.warnings
            .iter()
            .any(|w| w.starts_with("component 2 re-seeded")),
        "{:?}",
        f.warnings
    );
    // scikit-learn's tied M-step on the first E-step's responsibilities.
    let r = &f.trace.as_ref().unwrap()[0].responsibilities;
    let eps = 10.0 * f64::EPSILON;
    let mut sigma = x.t().dot(&x);
    let mut total = 0.0;
    for j in 0..3 {
        let nj = r.column(j).sum() + eps;
        let mu = r.column(j).dot(&x) / nj;
        for a in 0..2 {
            for b in 0..2 {
                sigma[[a, b]] -= nj * mu[a] * mu[b];
            }
        }
        total += nj;
    }
    let sigma = sigma / total + Array2::<f64>::eye(2) * REG;
    assert!(sigma[[0, 0]] < 1.0, "the blobs' pooled spread: {sigma}");
    let Covariances::Tied(ours) = f.model.covariances() else {
        unreachable!()
    };
    for (u, v) in ours.iter().zip(sigma.iter()) {
        assert!(
            (u - v).abs() < 1e-9,
            "tied covariance {ours} but expected {sigma}"
        );
    }
    assert!(
        !f.warnings
            .iter()
            .any(|w| w.contains("not positive definite")),
        "{:?}",
        f.warnings
    );
}

/// A model file whose weights and means disagree in length names the
/// weights, not the covariances.
#[test]
fn a_model_with_more_weights_than_means_names_the_weights() {
    let text = r#"{"covariance_type": "diag", "weights": [0.3, 0.3, 0.4],
                   "means": [[0.0], [1.0]], "covariances": [[1.0], [1.0]]}"#;
    let e = serde_json::from_str::<clusterlab_em::GmmModel>(text)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("weights has 3 values but means has 2 rows"),
        "{e}"
    );
}
