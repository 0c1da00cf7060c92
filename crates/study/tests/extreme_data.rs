//! Every algorithm, through the registry, on extreme but valid data: a small
//! 2-blob dataset shifted by ±10^±12 (relative to its spread) and scaled by
//! 10^e, e ∈ [−150, 150], z-scored and raw. Each fit gives the same
//! clustering (ARI = 1: the same partition up to renumbering) as on the
//! unscaled data, or a clear one-line error naming the column; never a
//! panic. Raw data past ±1e150 (or below 1e−150) must be the error.
//!
//! One answer on raw data is allowed to differ, and must say why: EM's
//! `reg_covar` is an absolute 1e-6 added to every variance (as in
//! scikit-learn), so on raw data of scale ≲ 1e-4 it swamps the covariances
//! and EM fits one component; the fit then carries the warning naming
//! `reg_covar` and the column. OPTICS measures tiny data in a power-of-two
//! unit so scikit-learn's 15-decimal rounding does not zero its distances.

use clusterlab_algos::plan::{MAX_MAGNITUDE, MIN_MAGNITUDE};
use clusterlab_algos::{plan, Algorithm, Context, Settings};
use clusterlab_data::zscore;
use clusterlab_metrics::adjusted_rand_index;
use ndarray::Array2;
use proptest::prelude::*;

/// 2 × 20 points: blobs around (0, 0) and (10, 3), spread ~1, from a
/// fixed LCG (so the test needs no random data crate).
fn blobs() -> Array2<f64> {
    let mut state: u64 = 2026;
    let mut unif = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / ((1u64 << 53) as f64)
    };
    Array2::from_shape_fn((40, 2), |(i, j)| {
        let centre = if i < 20 { [0.0, 0.0] } else { [10.0, 3.0] };
        centre[j] + 2.0 * unif() - 1.0
    })
}

/// Labels of `a` on `x` and its warnings, or its one-line error.
fn fit(a: Algorithm, x: &Array2<f64>) -> Result<(Vec<i64>, Vec<String>), String> {
    let ctx = Context::new(x.view(), Some(2), 0);
    let p = plan(a, &Settings::default(), &ctx).map_err(|e| e.to_string())?;
    let c = p.fit(x.view()).map_err(|e| e.to_string())?;
    let w = clusterlab_algos::warnings::warnings(&c, x.view(), None);
    Ok((c.labels, w))
}

fn labels(a: Algorithm, x: &Array2<f64>) -> Result<Vec<i64>, String> {
    fit(a, x).map(|f| f.0)
}

fn within_range(x: &Array2<f64>) -> bool {
    x.columns().into_iter().all(|c| {
        let m = c.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        m <= MAX_MAGNITUDE && (m == 0.0 || m >= MIN_MAGNITUDE)
    })
}

fn check(shift: f64, exponent: i32, mantissa: f64) -> Result<(), TestCaseError> {
    let base = blobs();
    let scale = mantissa * 10f64.powi(exponent);
    let x = base.mapv(|v| (v + shift) * scale);
    let (z, _, _) = zscore(&x);
    let (z0, _, _) = zscore(&base);
    for a in Algorithm::ALL {
        // z-scored: the same data up to rounding, so the same clustering.
        let want = labels(a, &z0).map_err(TestCaseError::fail)?;
        match labels(a, &z) {
            Ok(got) => {
                let ari = adjusted_rand_index(&want, &got);
                prop_assert!(
                    ari == 1.0,
                    "{a} z-scored, shift {shift:e}, scale {scale:e}: ARI {ari}"
                );
            }
            Err(e) => return Err(TestCaseError::fail(format!("{a} z-scored: {e}"))),
        }
        // Raw: the same clustering as on the unshifted, unscaled blobs, or
        // (only past the range) the error naming the column.
        let want = labels(a, &base).map_err(TestCaseError::fail)?;
        match fit(a, &x) {
            Ok((got, warnings)) => {
                let ari = adjusted_rand_index(&want, &got);
                let said = a == Algorithm::Gmm
                    && warnings
                        .iter()
                        .any(|w| w.starts_with("reg_covar = 1e-6 is") && w.contains("column"));
                prop_assert!(
                    ari == 1.0 || said,
                    "{a} raw, shift {shift:e}, scale {scale:e}: ARI {ari}, warnings {warnings:?}"
                );
            }
            Err(e) => {
                prop_assert!(!within_range(&x), "{a} raw, scale {scale:e}: {e}");
                prop_assert!(
                    e.contains("column 1") && !e.contains('\n'),
                    "{a} raw, scale {scale:e}: {e}"
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_algorithm_survives_extreme_scales(
        shift in prop::sample::select(vec![0.0, 1e12, -1e12, 1e-12, -1e-12]),
        exponent in -150i32..=150,
        mantissa in 1.0f64..10.0,
    ) {
        check(shift, exponent, mantissa)?;
    }
}

#[test]
fn the_corners_of_the_range() {
    for shift in [0.0, 1e12, -1e12] {
        for exponent in [-150, -138, 138, 150] {
            check(shift, exponent, 1.0).unwrap();
        }
    }
}
