//! The model-file reader (`GmmModel`'s JSON, what `--init-model` reads)
//! under random input: random bytes, and model-shaped JSON whose numbers
//! come from every f64 bit pattern (subnormals, 1e308, negative zero; NaN
//! and infinities are not JSON and must be refused). Never a panic; either
//! an error or a model whose parameters are finite and whose densities can
//! be evaluated without a panic. A few hundred cases, under a second.

use clusterlab_em::{Covariances, GmmModel};
use ndarray::array;
use proptest::prelude::*;

fn read(bytes: &[u8]) -> Result<GmmModel, serde_json::Error> {
    serde_json::from_slice(bytes)
}

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(m) = read(bytes) {
        prop_assert!(m.weights().iter().all(|v| v.is_finite() && *v >= 0.0));
        prop_assert!(m.means().iter().all(|v| v.is_finite()));
        let cov: Vec<f64> = match m.covariances() {
            Covariances::Full(a) => a.iter().copied().collect(),
            Covariances::Diag(a) | Covariances::Tied(a) => a.iter().copied().collect(),
            Covariances::Spherical(a) => a.to_vec(),
        };
        prop_assert!(cov.iter().all(|v| v.is_finite()), "{cov:?}");
        // Evaluating it on data of its width must not panic either.
        let d = m.n_features();
        let x = ndarray::Array2::from_shape_fn((3, d), |(i, j)| (i * d + j) as f64);
        let _ = m.score_samples(x.view());
        let _ = m.predict(x.view());
    }
    Ok(())
}

/// A number as JSON text (NaN and infinities come out as invalid JSON).
fn num(bits: u64) -> String {
    format!("{:e}", f64::from_bits(bits))
}

/// A model's JSON: equal weights, means from any bit pattern, variances
/// from the magnitudes of any bit patterns (off-diagonals 0 unless `corr`,
/// then any number), so many parse and reach the model checks.
fn model_json(ty: u8, k: usize, d: usize, nums: &[u64], corr: bool) -> String {
    let mut it = nums.iter().cycle().copied();
    let mut any = || num(it.next().unwrap_or(0));
    let means = (0..k)
        .map(|_| format!("[{}]", (0..d).map(|_| any()).collect::<Vec<_>>().join(",")))
        .collect::<Vec<_>>()
        .join(",");
    let mut it = nums.iter().rev().cycle().copied();
    let mut var = |off: bool| {
        let b = it.next().unwrap_or(0);
        if off {
            if corr {
                num(b)
            } else {
                "0".into()
            }
        } else {
            num(b & !(1 << 63))
        }
    };
    let mut matrix = || {
        let rows: Vec<String> = (0..d)
            .map(|i| {
                format!(
                    "[{}]",
                    (0..d).map(|j| var(i != j)).collect::<Vec<_>>().join(",")
                )
            })
            .collect();
        format!("[{}]", rows.join(","))
    };
    let (name, cov) = match ty % 4 {
        0 => (
            "full",
            format!(
                "[{}]",
                (0..k).map(|_| matrix()).collect::<Vec<_>>().join(",")
            ),
        ),
        1 => (
            "diag",
            format!(
                "[{}]",
                (0..k)
                    .map(|_| format!(
                        "[{}]",
                        (0..d).map(|_| var(false)).collect::<Vec<_>>().join(",")
                    ))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ),
        2 => ("tied", matrix()),
        _ => (
            "spherical",
            format!(
                "[{}]",
                (0..k).map(|_| var(false)).collect::<Vec<_>>().join(",")
            ),
        ),
    };
    let weights = vec![format!("{:e}", 1.0 / k as f64); k].join(",");
    format!(
        r#"{{"covariance_type":"{name}","weights":[{weights}],"means":[{means}],"covariances":{cov}}}"#
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check(&bytes)?;
    }

    #[test]
    fn model_shaped_json_with_any_numbers_never_panics(
        ty in any::<u8>(),
        k in 1usize..4,
        d in 1usize..4,
        nums in proptest::collection::vec(any::<u64>(), 1..40),
        corr in any::<bool>(),
    ) {
        check(model_json(ty, k, d, &nums, corr).as_bytes())?;
    }

    #[test]
    fn valid_models_with_extreme_scales_read_back(
        scale in -300i32..300,
        ty in any::<u8>(),
    ) {
        // Weights ½, means ±s, identity-shaped covariances times s²
        // clamped into f64: a valid model at any scale reads back as given
        // or is refused as not positive definite, never a panic.
        let s = 10f64.powi(scale / 2);
        let v = (s * s).clamp(f64::MIN_POSITIVE, f64::MAX);
        let json = match ty % 2 {
            0 => format!(r#"{{"covariance_type":"spherical","weights":[0.5,0.5],"means":[[{s:e}],[{:e}]],"covariances":[{v:e},{v:e}]}}"#, -s),
            _ => format!(r#"{{"covariance_type":"diag","weights":[0.5,0.5],"means":[[{s:e},0],[{:e},0]],"covariances":[[{v:e},1],[{v:e},1]]}}"#, -s),
        };
        check(json.as_bytes())?;
        if let Ok(m) = read(json.as_bytes()) {
            prop_assert_eq!(m.means()[[0, 0]], s);
        }
    }
}

#[test]
fn a_model_reads_back_and_nan_is_refused() {
    let ok = r#"{"covariance_type":"spherical","weights":[0.25,0.75],"means":[[1e-300],[1e300]],"covariances":[1e-300,1e300]}"#;
    let m = read(ok.as_bytes()).unwrap();
    assert_eq!(m.weights(), &array![0.25, 0.75]);
    assert_eq!(m.means()[[1, 0]], 1e300);
    let nan = ok.replace("1e300]]", "NaN]]");
    assert!(read(nan.as_bytes()).is_err());
}
