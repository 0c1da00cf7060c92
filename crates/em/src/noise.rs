//! mclust's noise component: a uniform density `1/V` over the data's
//! hypervolume `V` (mclust's `hypvol`), with its own proportion `π_0`, added
//! to the Gaussian mixture: `p(x) = (1 − π_0) Σ_j π'_j N_j(x) + π_0 / V`
//! (the model keeps the Gaussian weights `π'_j` normalised to sum to 1).
//! Its responsibility is the last column of the responsibilities; a point
//! whose largest responsibility is the noise's gets label −1.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::linalg::symmetric_eigen;
use crate::reference::{lower_bound, sample_covariance};

/// The noise component of a model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// `π_0`, in [0, 1).
    pub proportion: f64,
    /// `ln V`.
    pub log_volume: f64,
}

/// `Σ_a ln(max_i z_ia − min_i z_ia)` over the columns of `z`.
fn log_box_volume(z: ArrayView2<f64>) -> f64 {
    z.axis_iter(Axis(1))
        .map(|c| {
            let (lo, hi) = c
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(*v), h.max(*v))
                });
            (hi - lo).ln()
        })
        .sum()
}

/// mclust's `hypvol(X)` in logs: the smaller of the bounding box's volume and
/// the volume of the box of the principal components' scores (one feature:
/// the range).
pub fn log_hypervolume(x: ArrayView2<f64>) -> f64 {
    let box_volume = log_box_volume(x);
    if x.ncols() == 1 {
        return box_volume;
    }
    let (mean, cov) = sample_covariance(x);
    let (_, vectors) = symmetric_eigen(cov.view());
    let scores = (&x - &mean.insert_axis(Axis(0))).dot(&vectors);
    box_volume.min(log_box_volume(scores.view()))
}

/// Adds the noise to the Gaussian part's responsibilities (n × k, each row
/// summing to 1) and `ln g(x_i) = ln Σ_j π'_j N_j(x_i)`: returns the
/// responsibilities with the noise's column last (n × (k + 1)) and
/// `ln p(x_i) = ln((1 − π_0) g(x_i) + π_0 / V)`.
pub(crate) fn with_noise(
    noise: Noise,
    resp: Array2<f64>,
    ll: Array1<f64>,
) -> (Array2<f64>, Array1<f64>) {
    let (n, k) = resp.dim();
    let ln_gauss = (1.0 - noise.proportion).ln();
    let ln_noise = noise.proportion.ln() - noise.log_volume;
    let mut out = Array2::<f64>::zeros((n, k + 1));
    let mut total = Array1::<f64>::zeros(n);
    for i in 0..n {
        let a = ln_gauss + ll[i];
        let m = a.max(ln_noise);
        let lp = if m == f64::NEG_INFINITY {
            m
        } else {
            m + ((a - m).exp() + (ln_noise - m).exp()).ln()
        };
        total[i] = lp;
        let r0 = (ln_noise - lp).exp();
        let rest = (a - lp).exp();
        for j in 0..k {
            out[[i, j]] = resp[[i, j]] * rest;
        }
        out[[i, k]] = r0;
    }
    (out, total)
}

/// From responsibilities with the noise column last: the Gaussian part
/// renormalised per row (uniform where the noise takes everything) and the
/// row weights `w_i (1 − r_i0)`, so the Gaussian statistics are
/// `Σ_i w_i (1 − r_i0) r'_ij …` = `Σ_i w_i r_ij …`.
pub(crate) fn gaussian_part(
    resp: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
) -> (Array2<f64>, Array1<f64>) {
    let (n, k1) = resp.dim();
    let k = k1 - 1;
    let mut g = Array2::<f64>::zeros((n, k));
    let mut u = Array1::<f64>::zeros(n);
    for i in 0..n {
        let rest: f64 = (0..k).map(|j| resp[[i, j]]).sum();
        u[i] = w.map_or(1.0, |w| w[i]) * rest;
        for j in 0..k {
            g[[i, j]] = if rest > 0.0 {
                resp[[i, j]] / rest
            } else {
                1.0 / k as f64
            };
        }
    }
    (g, u)
}

/// The mean log-likelihood of per-row values with the original weights.
pub(crate) fn mean_ll(ll: ArrayView1<f64>, w: Option<ArrayView1<f64>>) -> f64 {
    lower_bound(ll, w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn hypervolume_of_a_rotated_rectangle() {
        // The corners of a 1 × 2 rectangle rotated by 45°: the bounding box
        // is (3/√2)² = 4.5, the principal components' box 1 × 2 = 2.
        let h = 0.5f64.sqrt();
        let rot = |a: f64, b: f64| [h * (a - b), h * (a + b)];
        let c = [rot(0.0, 0.0), rot(1.0, 0.0), rot(0.0, 2.0), rot(1.0, 2.0)];
        let x = ndarray::Array2::from_shape_fn((4, 2), |(i, j)| c[i][j]);
        assert!((log_hypervolume(x.view()) - 2f64.ln()).abs() < 1e-12);
        assert!((log_box_volume(x.view()) - 4.5f64.ln()).abs() < 1e-12);
        let y = array![[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [1.0, 2.0]];
        assert!((log_hypervolume(y.view()) - 2f64.ln()).abs() < 1e-12);
        assert!((log_hypervolume(array![[1.0], [4.0], [2.0]].view()) - 3f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn noise_splits_each_point_by_hand() {
        // One Gaussian with g(x) = e^-2 and π_0 = 0.5, V = e: p = 0.5e^-2 + 0.5e^-1.
        let noise = Noise {
            proportion: 0.5,
            log_volume: 1.0,
        };
        let (r, ll) = with_noise(noise, array![[1.0]], array![-2.0]);
        let p = 0.5 * (-2f64).exp() + 0.5 * (-1f64).exp();
        assert!((ll[0] - p.ln()).abs() < 1e-15);
        assert!((r[[0, 1]] - 0.5 * (-1f64).exp() / p).abs() < 1e-15);
        assert!((r[[0, 0]] + r[[0, 1]] - 1.0).abs() < 1e-15);
    }
}
