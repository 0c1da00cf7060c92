//! # EM's limit is k-means
//!
//! Give every component one shared spherical variance `σ²`, held fixed:
//! the E-step becomes `r_ij ∝ π_j exp(−‖x_i − μ_j‖² / 2σ²)` and the M-step
//! re-estimates only means and weights. As `σ² → 0` each responsibility
//! tends to 1 for the nearest mean and 0 elsewhere, and the M-step's means
//! become k-means' centroids: EM at `σ² → 0` is Lloyd's algorithm.
//!
//! One function per equation:
//! * [`log_responsibilities_shared`]: `ln r_ij = ln π_j − ‖x_i − μ_j‖²/2σ² − ln Σ_l (…)`;
//! * [`m_step_means_weights`]: `μ_j = Σ_i r_ij x_i / N_j`, `π_j = N_j / n`;
//! * [`fit_at_variance`]: the two alternated at one `σ²` until the means stop moving;
//! * [`geometric_path`]: `σ²_f = σ²_0 · q^f`, from the data's scale down by a factor;
//! * [`data_scale`]: `σ²_0 = tr(Cov x) / d`, the mean per-feature variance;
//! * [`mean_entropy`], [`mean_max_responsibility`]: how hard the responsibilities are;
//! * [`lloyd_from`]: k-means (Lloyd) from given centres, the reference the
//!   last frame must agree with;
//! * [`path`]: the frames.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

/// Squared distance `‖a − b‖²`.
fn sq_dist(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// `ln r_ij = ln π_j − ‖x_i − μ_j‖²/2σ² − logsumexp_l(…)`; a component of
/// weight 0 gets responsibility 0.
pub fn log_responsibilities_shared(
    x: ArrayView2<f64>,
    means: ArrayView2<f64>,
    weights: ArrayView1<f64>,
    sigma2: f64,
) -> Array2<f64> {
    let (n, k) = (x.nrows(), means.nrows());
    let ln_w: Vec<f64> = weights.iter().map(|w| w.ln()).collect();
    let mut out = Array2::<f64>::zeros((n, k));
    for i in 0..n {
        let mut row: Vec<f64> = (0..k)
            .map(|j| ln_w[j] - sq_dist(x.row(i), means.row(j)) / (2.0 * sigma2))
            .collect();
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lse = m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        for v in &mut row {
            *v -= lse;
        }
        out.row_mut(i).assign(&Array1::from(row));
    }
    out
}

/// `μ_j = Σ_i r_ij x_i / N_j`, `π_j = N_j / n`; a component with no
/// responsibility keeps its mean (`previous`) and gets weight 0.
pub fn m_step_means_weights(
    x: ArrayView2<f64>,
    resp: ArrayView2<f64>,
    previous: ArrayView2<f64>,
) -> (Array2<f64>, Array1<f64>) {
    let n = x.nrows() as f64;
    let nk = resp.sum_axis(Axis(0));
    let sums = resp.t().dot(&x);
    let mut means = previous.to_owned();
    for j in 0..nk.len() {
        if nk[j] > 0.0 {
            means.row_mut(j).assign(&(&sums.row(j) / nk[j]));
        }
    }
    (means, nk / n)
}

/// `tr(Cov x) / d`: the mean per-feature variance (the data's scale).
pub fn data_scale(x: ArrayView2<f64>) -> f64 {
    let mean = x.mean_axis(Axis(0)).expect("n ≥ 1");
    let n = x.nrows() as f64;
    x.rows()
        .into_iter()
        .map(|r| sq_dist(r, mean.view()))
        .sum::<f64>()
        / (n * x.ncols() as f64)
}

/// `frames` values from `start` down to `start · shrink`, geometrically:
/// `σ²_f = start · shrink^(f/(frames − 1))`.
pub fn geometric_path(start: f64, shrink: f64, frames: usize) -> Vec<f64> {
    if frames <= 1 {
        return vec![start];
    }
    (0..frames)
        .map(|f| start * shrink.powf(f as f64 / (frames - 1) as f64))
        .collect()
}

/// `−(1/n) Σ_i Σ_j r_ij ln r_ij`.
pub fn mean_entropy(resp: ArrayView2<f64>) -> f64 {
    let total: f64 = resp.iter().filter(|r| **r > 0.0).map(|r| -r * r.ln()).sum();
    // `+ 0.0` turns the −0 of one-hot rows into 0.
    total / resp.nrows() as f64 + 0.0
}

/// `(1/n) Σ_i max_j r_ij`.
pub fn mean_max_responsibility(resp: ArrayView2<f64>) -> f64 {
    resp.rows()
        .into_iter()
        .map(|r| r.iter().copied().fold(0.0, f64::max))
        .sum::<f64>()
        / resp.nrows() as f64
}

/// Each row's largest entry (the first on ties).
pub fn argmax(resp: ArrayView2<f64>) -> Vec<usize> {
    crate::argmax_rows(resp).to_vec()
}

/// EM with the shared variance `σ²` held fixed.
#[derive(Debug, Clone)]
pub struct FixedVarianceFit {
    pub sigma2: f64,
    pub means: Array2<f64>,
    pub weights: Array1<f64>,
    /// Responsibilities under the returned means and weights.
    pub responsibilities: Array2<f64>,
    pub n_iter: usize,
}

/// Alternates E- and M-steps at `σ²` from `means`/`weights` until no mean
/// moves by more than `tol · σ` (or `max_iter` steps).
pub fn fit_at_variance(
    x: ArrayView2<f64>,
    means: ArrayView2<f64>,
    weights: ArrayView1<f64>,
    sigma2: f64,
    tol: f64,
    max_iter: usize,
) -> FixedVarianceFit {
    let (mut mu, mut w) = (means.to_owned(), weights.to_owned());
    let mut n_iter = 0;
    for _ in 0..max_iter {
        n_iter += 1;
        let resp = log_responsibilities_shared(x, mu.view(), w.view(), sigma2).mapv(f64::exp);
        let (new_mu, new_w) = m_step_means_weights(x, resp.view(), mu.view());
        let shift = (0..mu.nrows())
            .map(|j| sq_dist(mu.row(j), new_mu.row(j)))
            .fold(0.0, f64::max);
        mu = new_mu;
        w = new_w;
        if shift <= tol * tol * sigma2 {
            break;
        }
    }
    let responsibilities =
        log_responsibilities_shared(x, mu.view(), w.view(), sigma2).mapv(f64::exp);
    FixedVarianceFit {
        sigma2,
        means: mu,
        weights: w,
        responsibilities,
        n_iter,
    }
}

/// Lloyd's k-means from `centres` until no label changes (or `max_iter`):
/// the labels and the final centres. An emptied cluster keeps its centre.
pub fn lloyd_from(
    x: ArrayView2<f64>,
    centres: ArrayView2<f64>,
    max_iter: usize,
) -> (Vec<usize>, Array2<f64>) {
    let nearest = |c: &Array2<f64>| -> Vec<usize> {
        x.rows()
            .into_iter()
            .map(|r| {
                (0..c.nrows())
                    .min_by(|a, b| sq_dist(r, c.row(*a)).total_cmp(&sq_dist(r, c.row(*b))))
                    .expect("k ≥ 1")
            })
            .collect()
    };
    let mut c = centres.to_owned();
    let mut labels = nearest(&c);
    for _ in 0..max_iter {
        let one_hot = crate::init::one_hot(&labels, c.nrows());
        c = m_step_means_weights(x, one_hot.view(), c.view()).0;
        let next = nearest(&c);
        if next == labels {
            break;
        }
        labels = next;
    }
    (labels, c)
}

/// The σ² path: EM at each `σ²` of `sigma2s` (largest first), each frame
/// started from the previous frame's means and weights (the first from
/// `means` with equal weights).
pub fn path(x: ArrayView2<f64>, means: ArrayView2<f64>, sigma2s: &[f64]) -> Vec<FixedVarianceFit> {
    let k = means.nrows();
    let mut mu = means.to_owned();
    let mut w = Array1::from_elem(k, 1.0 / k as f64);
    let mut out = Vec::with_capacity(sigma2s.len());
    for &s2 in sigma2s {
        let f = fit_at_variance(x, mu.view(), w.view(), s2, 1e-6, 500);
        mu = f.means.clone();
        w = f.weights.clone();
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Two points at 0 and 2, means at 0 and 2, σ² = 1, equal weights:
    /// r(0 → first) = 1/(1 + e^(−2)), by hand.
    #[test]
    fn responsibilities_by_hand() {
        let x = array![[0.0], [2.0]];
        let r = log_responsibilities_shared(
            x.view(),
            array![[0.0], [2.0]].view(),
            array![0.5, 0.5].view(),
            1.0,
        )
        .mapv(f64::exp);
        let want = 1.0 / (1.0 + (-2.0f64).exp());
        assert!((r[[0, 0]] - want).abs() < 1e-15 && (r[[1, 1]] - want).abs() < 1e-15);
        assert!((mean_max_responsibility(r.view()) - want).abs() < 1e-15);
        let h = -(want * want.ln() + (1.0 - want) * (1.0 - want).ln());
        assert!((mean_entropy(r.view()) - h).abs() < 1e-15);
    }

    /// Means and weights from responsibilities, by hand; an empty component keeps its mean.
    #[test]
    fn m_step_by_hand() {
        let x = array![[0.0], [1.0], [3.0]];
        let r = array![[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 1.0, 0.0]];
        let (m, w) = m_step_means_weights(x.view(), r.view(), array![[9.0], [9.0], [7.0]].view());
        assert_eq!(m, array![[1.0 / 3.0], [7.0 / 3.0], [7.0]]);
        assert_eq!(w, array![0.5, 0.5, 0.0]);
    }

    #[test]
    fn path_is_geometric() {
        let p = geometric_path(4.0, 1e-4, 5);
        assert_eq!(p.len(), 5);
        assert!((p[0] - 4.0).abs() < 1e-15 && (p[4] - 4e-4).abs() < 1e-15);
        assert!((p[1] / p[0] - p[3] / p[2]).abs() < 1e-12);
        // Variance of (0, 2) and (2, 0) per feature is 1.
        assert_eq!(data_scale(array![[0.0, 2.0], [2.0, 0.0]].view()), 1.0);
    }

    /// At a tiny σ² EM's hard labels are k-means' from the same centres;
    /// at a large one the responsibilities are soft.
    #[test]
    fn small_variance_is_kmeans() {
        let x = array![
            [0.0, 0.0],
            [0.4, 0.1],
            [0.2, 0.5],
            [3.0, 3.0],
            [3.3, 2.8],
            [1.5, 1.4]
        ];
        let start = array![[0.0, 0.0], [3.0, 3.0]];
        let frames = path(x.view(), start.view(), &geometric_path(2.0, 1e-5, 6));
        let last = frames.last().unwrap();
        assert!(mean_max_responsibility(last.responsibilities.view()) > 0.999);
        assert!(mean_max_responsibility(frames[0].responsibilities.view()) < 0.95);
        let (km, centres) = lloyd_from(x.view(), last.means.view(), 100);
        assert_eq!(argmax(last.responsibilities.view()), km);
        assert!((&centres - &last.means).iter().all(|v| v.abs() < 1e-9));
        // By hand: (1.5, 1.4) is nearer the first centroid (0.525, 0.5), squared
        // distance 1.76, than the second (3.15, 2.9), 4.97.
        assert_eq!(km, vec![0, 0, 0, 1, 1, 0]);
    }
}
