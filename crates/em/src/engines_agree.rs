//! Property tests: the fast engine against the reference engine, for every
//! covariance type and every SIMD level the CPU supports.
//!
//! Random models (weights, means, covariances of the type) and random data
//! (far from the origin, so the centring matters; some rows far from every
//! component, so terms of the log-sum-exp underflow), with and without
//! sample weights, n up to a little over two chunks. Checked: the fast
//! E-step's responsibilities within 1e-12, its per-row `ln p(x_i)` and
//! `Σ w ln p` within 1e-10 relative; its sufficient statistics (after an
//! E-step, and from given responsibilities) within 1e-12 relative to the
//! size of the summed terms.

use ndarray::{Array1, Array2, Array3, ArrayView1, Axis};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::fast::dispatch::{supported_levels, Simd};
use crate::fast::estep;
use crate::model::{CovarianceType, Covariances, GmmModel};
use crate::reference;
use crate::stats::{SecondMoments, SuffStats};

#[derive(Debug, Clone)]
struct Case {
    ty: CovarianceType,
    n: usize,
    d: usize,
    k: usize,
    weighted: bool,
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(CovarianceType::ALL.to_vec()),
        // Across block (256) and chunk (1024) boundaries.
        prop_oneof![1usize..40, 200usize..300, 1000usize..2200],
        1usize..=11,
        1usize..=9,
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(|(ty, n, d, k, weighted, seed)| Case {
            ty,
            n,
            d,
            k,
            weighted,
            seed,
        })
}

/// A random model of the case's type and data around it, offset by 50.
fn problem(c: &Case) -> (GmmModel, Array2<f64>, Option<Array1<f64>>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(c.seed);
    let (k, d) = (c.k, c.d);
    let raw: Array1<f64> = (0..k).map(|_| rng.gen_range(0.05..1.0)).collect();
    let weights = &raw / raw.sum();
    let means = Array2::from_shape_fn((k, d), |_| 50.0 + rng.gen_range(-6.0..6.0));
    let spd = |rng: &mut Xoshiro256PlusPlus| {
        let a = Array2::from_shape_fn((d, d), |_| rng.gen_range(-1.0..1.0));
        let m = a.dot(&a.t()) + Array2::<f64>::eye(d) * 0.3;
        // Exactly symmetric.
        Array2::from_shape_fn((d, d), |(i, j)| 0.5 * (m[[i, j]] + m[[j, i]]))
    };
    let cov = match c.ty {
        CovarianceType::Full => {
            let mut f = Array3::<f64>::zeros((k, d, d));
            for j in 0..k {
                f.index_axis_mut(Axis(0), j).assign(&spd(&mut rng));
            }
            Covariances::Full(f)
        }
        CovarianceType::Tied => Covariances::Tied(spd(&mut rng)),
        CovarianceType::Diag => {
            Covariances::Diag(Array2::from_shape_fn((k, d), |_| rng.gen_range(0.2..3.0)))
        }
        CovarianceType::Spherical => {
            Covariances::Spherical((0..k).map(|_| rng.gen_range(0.2..3.0)).collect())
        }
    };
    let model = GmmModel::new(weights, means, cov).expect("a valid model");
    let x = Array2::from_shape_fn((c.n, d), |(i, _)| {
        let far = if i % 17 == 3 { 40.0 } else { 0.0 };
        50.0 + far + rng.gen_range(-8.0..8.0)
    });
    let w = c
        .weighted
        .then(|| (0..c.n).map(|_| rng.gen_range(0.0..3.0)).collect());
    (model, x, w)
}

fn close(got: f64, want: f64, rel: f64, scale: f64) -> bool {
    (got - want).abs() <= rel * scale.max(want.abs()).max(1e-300)
}

/// The statistics agree within `rel` of the size of their terms.
fn stats_agree(
    fast: &SuffStats,
    reference: &SuffStats,
    x: &Array2<f64>,
    w: Option<ArrayView1<f64>>,
    centre: ArrayView1<f64>,
    rel: f64,
    what: &str,
) -> Result<(), TestCaseError> {
    let weight = reference.weight_sum.max(1e-300);
    // Σ w |x − c|∞ and Σ w ‖x − c‖²: bounds of the terms of S and Q.
    let (mut first, mut second) = (0.0f64, 0.0f64);
    for (i, row) in x.rows().into_iter().enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        let z = &row - &centre;
        first += wi * z.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        second += wi * z.dot(&z);
    }
    prop_assert!(
        close(fast.weight_sum, reference.weight_sum, rel, weight),
        "{} Σw",
        what
    );
    for (a, b) in fast.nk.iter().zip(&reference.nk) {
        prop_assert!(close(*a, *b, rel, weight), "{} N: {} vs {}", what, a, b);
    }
    for (a, b) in fast.sx.iter().zip(&reference.sx) {
        prop_assert!(close(*a, *b, rel, first), "{} S: {} vs {}", what, a, b);
    }
    let (fa, ra): (Vec<f64>, Vec<f64>) = match (&fast.second, &reference.second) {
        (SecondMoments::PerComponent(a), SecondMoments::PerComponent(b)) => {
            (a.iter().copied().collect(), b.iter().copied().collect())
        }
        (SecondMoments::Diagonal(a), SecondMoments::Diagonal(b))
        | (SecondMoments::Total(a), SecondMoments::Total(b)) => {
            (a.iter().copied().collect(), b.iter().copied().collect())
        }
        (SecondMoments::Spherical(a), SecondMoments::Spherical(b)) => (a.to_vec(), b.to_vec()),
        _ => {
            return Err(TestCaseError::fail(format!(
                "{what}: second moments of different kinds"
            )))
        }
    };
    prop_assert_eq!(fa.len(), ra.len());
    for (a, b) in fa.iter().zip(&ra) {
        prop_assert!(close(*a, *b, rel, second), "{} Q: {} vs {}", what, a, b);
    }
    Ok(())
}

fn engines_agree_at(level: Simd, c: &Case) -> Result<(), TestCaseError> {
    let (model, x, w) = problem(c);
    let w = w.as_ref().map(|w| w.view());
    let (n, k) = (c.n, c.k);
    let what = format!("{level:?} {c:?}");
    // The data's (weighted) mean, as a fit centres on it.
    let centre = match w {
        Some(w) if w.sum() > 0.0 => x.t().dot(&w) / w.sum(),
        _ => x.mean_axis(Axis(0)).expect("n ≥ 1"),
    };
    let centre = centre.view();

    let (mut fr, mut fl) = (Array2::<f64>::zeros((n, k)), Array1::<f64>::zeros(n));
    let fast = estep::e_step_with_stats(
        level,
        &model,
        x.view(),
        w,
        centre,
        Some((fr.view_mut(), fl.view_mut())),
    );
    let (mut rr, mut rl) = (Array2::<f64>::zeros((n, k)), Array1::<f64>::zeros(n));
    let reference = reference::e_step(
        &model,
        x.view(),
        w,
        centre,
        Some((rr.view_mut(), rl.view_mut())),
    );
    // A responsibility is exp(ln π N − ln p): its rounding grows with the
    // size of the row's log-densities (≈ 1e-12 at |ln p| ≈ 10 in 11-D).
    for ((row_f, row_r), lp) in fr.rows().into_iter().zip(rr.rows()).zip(&rl) {
        let tol = 1e-13 * (1.0 + lp.abs());
        for (a, b) in row_f.iter().zip(row_r.iter()) {
            prop_assert!(
                (a - b).abs() <= tol,
                "{} r: {} vs {} (ln p {})",
                what,
                a,
                b,
                lp
            );
        }
    }
    for (a, b) in fl.iter().zip(&rl) {
        prop_assert!(close(*a, *b, 1e-10, 1.0), "{} ln p: {} vs {}", what, a, b);
    }
    let ll = reference.stats.ll_sum;
    prop_assert!(
        close(fast.ll_sum, ll, 1e-10, 1.0),
        "{} Σ w ln p: {} vs {}",
        what,
        fast.ll_sum,
        ll
    );
    stats_agree(&fast, &reference.stats, &x, w, centre, 1e-12, &what)?;

    // Without written rows (as a fit runs): the same statistics.
    let quiet = estep::e_step_with_stats(level, &model, x.view(), w, centre, None);
    prop_assert!(
        close(quiet.ll_sum, ll, 1e-10, 1.0),
        "{} Σ ln p, no rows",
        what
    );
    stats_agree(&quiet, &reference.stats, &x, w, centre, 1e-12, &what)?;

    // Statistics of given responsibilities (an initialisation's first M-step).
    let mut given = rr.clone();
    let fast = estep::stats_from_responsibilities(level, c.ty, x.view(), w, centre, &mut given);
    let reference = reference::sufficient_statistics(c.ty, x.view(), w, rr.view(), centre);
    stats_agree(&fast, &reference, &x, w, centre, 1e-12, &what)?;

    // Scoring.
    let (sr, sl) = estep::evaluate(level, &model, x.view());
    let (er, el) = reference::responsibilities(&model, x.view());
    for ((row_f, row_r), lp) in sr.rows().into_iter().zip(er.rows()).zip(&el) {
        let tol = 1e-13 * (1.0 + lp.abs());
        for (a, b) in row_f.iter().zip(row_r.iter()) {
            prop_assert!((a - b).abs() <= tol, "{} scoring r: {} vs {}", what, a, b);
        }
    }
    for (a, b) in sl.iter().zip(&el) {
        prop_assert!(
            close(*a, *b, 1e-10, 1.0),
            "{} scoring ln p: {} vs {}",
            what,
            a,
            b
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn fast_engine_equals_reference_at_every_level(c in case()) {
        for level in supported_levels() {
            engines_agree_at(level, &c)?;
        }
    }
}

/// Every covariance type at every level, on one fixed case each (so none
/// depends on what the random cases happen to draw).
#[test]
fn every_type_at_every_level() {
    for ty in CovarianceType::ALL {
        for (n, d, k, weighted) in [(1300, 3, 5, false), (517, 10, 5, true), (37, 1, 2, true)] {
            let c = Case {
                ty,
                n,
                d,
                k,
                weighted,
                seed: 17,
            };
            for level in supported_levels() {
                engines_agree_at(level, &c).unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Every mclust model, fitted by both engines from the same partition
    /// (with and without sample weights): the same course of lower bounds
    /// (1e-9 relative) and the same parameters (1e-7 of the data's scale).
    #[test]
    fn every_mclust_model_fits_the_same_on_both_engines(
        model in prop::sample::select(crate::CovarianceModel::ALL.to_vec()),
        n in 30usize..1500,
        d in 2usize..=5,
        k in 1usize..=4,
        weighted in any::<bool>(),
        seed in any::<u64>(),
    ) {
        use crate::{Engine, GaussianMixture, Init};
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let labels: Vec<usize> = (0..n).map(|i| i % k).collect();
        // Groups apart along a random direction per label, plus noise, far from the origin.
        let shift = Array2::from_shape_fn((k, d), |_| rng.gen_range(-4.0..4.0));
        let x = Array2::from_shape_fn((n, d), |(i, a)| {
            20.0 + shift[[labels[i], a]] + rng.gen_range(-1.0..1.0) * (1.0 + a as f64 * 0.3)
        });
        let w: Option<Array1<f64>> = weighted.then(|| (0..n).map(|_| rng.gen_range(0.2..2.0)).collect());
        let fit = |engine: Engine| {
            GaussianMixture::params(k)
                .model(model)
                .init(Init::Labels(labels.clone()))
                .tol(0.0)
                .max_iter(15)
                .reg_covar(1e-6)
                .engine(engine)
                .check()
                .unwrap()
                .fit(x.view(), w.as_ref().map(|w| w.view()))
                .unwrap()
        };
        let (f, r) = (fit(Engine::Fast), fit(Engine::Reference));
        prop_assert_eq!(f.lower_bounds.len(), r.lower_bounds.len());
        for (a, b) in f.lower_bounds.iter().zip(&r.lower_bounds) {
            prop_assert!(close(*a, *b, 1e-9, 1.0), "{} lower bound {} vs {}", model, a, b);
        }
        prop_assert_eq!(f.model.model(), model);
        for (a, b) in f.model.weights().iter().zip(r.model.weights()) {
            prop_assert!((a - b).abs() <= 1e-9, "{} weight {} vs {}", model, a, b);
        }
        for (a, b) in f.model.means().iter().zip(r.model.means()) {
            prop_assert!((a - b).abs() <= 1e-7 * (1.0 + b.abs()), "{} mean {} vs {}", model, a, b);
        }
        for j in 0..k {
            let (cf, cr) = (
                f.model.covariances().component_matrix(j, d),
                r.model.covariances().component_matrix(j, d),
            );
            for (a, b) in cf.iter().zip(cr.iter()) {
                prop_assert!((a - b).abs() <= 1e-7 * (1.0 + b.abs()), "{} covariance {} vs {}", model, a, b);
            }
        }
    }
}
