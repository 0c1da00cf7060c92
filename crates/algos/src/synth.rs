//! Deterministic Gaussian blobs for benchmarks, reproducible bit for bit (up
//! to the last ulp of `ln`/`cos`) by `scripts/time_sklearn.py`.
//!
//! The k-th draw (k = 1, 2, …) of stream `seed` is splitmix64's output for
//! state `seed + k·0x9E3779B97F4A7C15` (wrapping), mapped to a uniform
//! `(u >> 11) · 2⁻⁵³` in [0, 1). The centres use the first `centers · dim`
//! draws, uniform in [−10, 10); then point i (row-major, coordinate j) adds
//! `std · sqrt(−2 ln(1 − u₁)) · cos(2π u₂)` to centre `i mod centers`, with
//! u₁, u₂ the next two draws.

use ndarray::Array2;

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

fn splitmix(seed: u64, k: u64) -> u64 {
    let mut z = seed.wrapping_add(k.wrapping_mul(GAMMA));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn uniform(seed: u64, k: u64) -> f64 {
    (splitmix(seed, k) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `n` points in `dim` dimensions around `centers` centres (uniform in
/// [−10, 10)ᵈⁱᵐ) with standard deviation `std`; point i belongs to blob
/// `i mod centers`.
pub fn blobs(n: usize, dim: usize, centers: usize, std: f64, seed: u64) -> Array2<f64> {
    let centers = centers.max(1);
    let mut k = 0u64;
    let mut next = || {
        k += 1;
        uniform(seed, k)
    };
    let c: Vec<f64> = (0..centers * dim).map(|_| -10.0 + 20.0 * next()).collect();
    let mut x = Array2::zeros((n, dim));
    for i in 0..n {
        let ci = i % centers;
        for j in 0..dim {
            let u1 = next();
            let u2 = next();
            let g = (-2.0 * (1.0 - u1).ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            x[[i, j]] = c[ci * dim + j] + std * g;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    /// The same numbers as `scripts/blobs.py` (`blobs(7, 3, 2, 1.5, 42)`).
    #[test]
    fn matches_the_python_generator() {
        let want = [
            [5.160677144222607, -7.807349340774762, -5.442769374975807],
            [-4.9023513089587745, -8.599426640591048, 6.663394216204206],
            [4.582644803794292, -3.424307435549716, -5.909424317043873],
            [-3.217671976625825, -8.693230436883903, 6.13492843925026],
            [6.258334468044257, -6.367347532637298, -5.985973349075293],
            [-3.170684493805666, -7.112929323797314, 8.361809983741672],
            [5.017088605067271, -7.768190302652513, -4.03393525032398],
        ];
        let x = super::blobs(7, 3, 2, 1.5, 42);
        for i in 0..7 {
            for j in 0..3 {
                assert!((x[[i, j]] - want[i][j]).abs() <= 1e-14, "{i},{j}");
            }
        }
    }
}
