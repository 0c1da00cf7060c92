//! The EM's equations, one small plain function each: the reference engine.
//!
//! Everything here is f64 loops over ndarray views, one row at a time, no
//! SIMD, no `unsafe`, no threads. [`crate::Engine::Reference`] runs a fit
//! through these functions; the fast engine (`fast/`) is tested against them.
//!
//! Notation: `x_i` a row (d features), component `j` with weight `π_j`, mean
//! `μ_j` and the upper-triangular Cholesky factor `U_j` of its precision
//! (`U_j U_jᵀ = Σ_j⁻¹`; diagonal for diag and spherical covariances, where
//! it holds `1/σ`), `w_i` the sample weight (1 without weights), `r_ij` the
//! responsibility, `c` a centre the statistics are taken around (the data's
//! mean while fitting, so the second moments do not cancel; with `c = 0`
//! they are the textbook sums).
//!
//! E-step:
//! * [`log_gaussian_density_full`] (and `_diag`, `_spherical`, `_tied`):
//!   `ln N(x | μ, Σ) = −½(d ln 2π + ‖(x − μ)ᵀU‖²) + Σ_a ln U_aa`;
//! * [`weighted_log_prob`]: `ln π_j + ln N(x_i | μ_j, Σ_j)`;
//! * [`log_sum_exp`]: `ln p(x_i) = ln Σ_j π_j N_j = m + ln Σ_j e^(v_j − m)`;
//! * [`log_responsibilities`]: `ln r_ij = ln π_j + ln N_j − ln p(x_i)`;
//! * [`lower_bound`]: `Σ_i w_i ln p(x_i) / Σ_i w_i`.
//!
//! Statistics ([`sufficient_statistics`]): `N_j = Σ_i w_i r_ij`,
//! `S_j = Σ_i w_i r_ij (x_i − c)` and the second moments of the covariance
//! type: `Q_j = Σ_i w_i r_ij (x_i − c)(x_i − c)ᵀ` (full), its diagonal
//! (diag), its trace (spherical), or `Q = Σ_i w_i (x_i − c)(x_i − c)ᵀ` over
//! all rows (tied; `Σ_j r_ij = 1`).
//!
//! M-step estimators: [`estimate_weights`] `π_j = N_j / Σ N`,
//! [`estimate_shifted_means`] `m_j = S_j / N_j` (the mean is `c + m_j`),
//! [`estimate_full_covariance`], [`estimate_diag_covariance`],
//! [`estimate_spherical_covariance`], [`estimate_tied_covariance`]. They are
//! the only copy of these formulas: the M-step (`mstep.rs`, shared by both
//! engines, which also re-seeds collapsed components) calls them.

use ndarray::{Array1, Array2, Array3, ArrayView1, ArrayView2, Axis};

use crate::engine::{EStep, RowOut};
use crate::model::{CovarianceType, GmmModel, PrecisionFactors};
use crate::stats::{SecondMoments, SuffStats};

/// `ln 2π`.
pub(crate) const LN_2PI: f64 = 1.837_877_066_409_345_3;

/// `Σ_a ln U_aa`: the log-determinant of a triangular precision factor,
/// `ln det U = −½ ln det Σ`.
pub(crate) fn log_det_factor(u: ArrayView2<f64>) -> f64 {
    u.diag().iter().map(|v| v.ln()).sum()
}

/// `‖(x − μ)ᵀU‖² = Σ_a (Σ_{b ≤ a} (x_b − μ_b) U_ba)²` for an upper-triangular
/// `U`: the squared Mahalanobis distance `(x − μ)ᵀ Σ⁻¹ (x − μ)`.
pub(crate) fn mahalanobis_sq(x: ArrayView1<f64>, mean: ArrayView1<f64>, u: ArrayView2<f64>) -> f64 {
    let d = x.len();
    let mut q = 0.0;
    for a in 0..d {
        let mut y = 0.0;
        for b in 0..=a {
            y += (x[b] - mean[b]) * u[[b, a]];
        }
        q += y * y;
    }
    q
}

/// Full covariance, through the precision factor `U`:
/// `ln N(x | μ, Σ) = −½(d ln 2π + ‖(x − μ)ᵀU‖²) + Σ_a ln U_aa`.
pub(crate) fn log_gaussian_density_full(
    x: ArrayView1<f64>,
    mean: ArrayView1<f64>,
    u: ArrayView2<f64>,
) -> f64 {
    let d = x.len() as f64;
    -0.5 * (d * LN_2PI + mahalanobis_sq(x, mean, u)) + log_det_factor(u)
}

/// Tied covariance: the full formula with the one factor `U` all components share.
pub(crate) fn log_gaussian_density_tied(
    x: ArrayView1<f64>,
    mean: ArrayView1<f64>,
    u: ArrayView2<f64>,
) -> f64 {
    log_gaussian_density_full(x, mean, u)
}

/// Diagonal covariance, `U = diag(p)` with `p_a = 1/σ_a`:
/// `ln N = −½(d ln 2π + Σ_a ((x_a − μ_a) p_a)²) + Σ_a ln p_a`.
pub(crate) fn log_gaussian_density_diag(
    x: ArrayView1<f64>,
    mean: ArrayView1<f64>,
    p: ArrayView1<f64>,
) -> f64 {
    let d = x.len();
    let (mut q, mut log_det) = (0.0, 0.0);
    for a in 0..d {
        let z = (x[a] - mean[a]) * p[a];
        q += z * z;
        log_det += p[a].ln();
    }
    -0.5 * (d as f64 * LN_2PI + q) + log_det
}

/// Spherical covariance, `U = p·I` with `p = 1/σ`:
/// `ln N = −½(d ln 2π + p² ‖x − μ‖²) + d ln p`.
pub(crate) fn log_gaussian_density_spherical(
    x: ArrayView1<f64>,
    mean: ArrayView1<f64>,
    p: f64,
) -> f64 {
    let d = x.len();
    let mut dist = 0.0;
    for a in 0..d {
        let z = x[a] - mean[a];
        dist += z * z;
    }
    -0.5 * (d as f64 * LN_2PI + p * p * dist) + d as f64 * p.ln()
}

/// `ln N(x | μ_j, Σ_j)` of component `j`, by covariance type.
pub(crate) fn log_gaussian_density(model: &GmmModel, j: usize, x: ArrayView1<f64>) -> f64 {
    let mean = model.means().row(j);
    match &model.factors {
        PrecisionFactors::Full(u) => log_gaussian_density_full(x, mean, u.index_axis(Axis(0), j)),
        PrecisionFactors::Tied(u) => log_gaussian_density_tied(x, mean, u.view()),
        PrecisionFactors::Diag(p) => log_gaussian_density_diag(x, mean, p.row(j)),
        PrecisionFactors::Spherical(p) => log_gaussian_density_spherical(x, mean, p[j]),
    }
}

/// `ln π_j + ln N(x_i | μ_j, Σ_j)` for every row and component (n × k).
pub(crate) fn weighted_log_prob(model: &GmmModel, x: ArrayView2<f64>) -> Array2<f64> {
    let (n, k) = (x.nrows(), model.n_components());
    Array2::from_shape_fn((n, k), |(i, j)| {
        model.weights()[j].ln() + log_gaussian_density(model, j, x.row(i))
    })
}

/// `ln Σ_j e^(v_j) = m + ln Σ_j e^(v_j − m)` with `m = max_j v_j` (so no
/// term overflows and the largest is exactly 1).
pub(crate) fn log_sum_exp(v: ArrayView1<f64>) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|vj| (vj - m).exp()).sum::<f64>().ln()
}

/// `ln p(x_i) = logsumexp_j(ln π_j + ln N_j)` for each row of the weighted log-probabilities.
pub(crate) fn log_likelihoods(weighted_log_prob: ArrayView2<f64>) -> Array1<f64> {
    weighted_log_prob
        .rows()
        .into_iter()
        .map(log_sum_exp)
        .collect()
}

/// `ln r_ij = ln π_j + ln N_j − ln p(x_i)`.
pub(crate) fn log_responsibilities(
    weighted_log_prob: ArrayView2<f64>,
    log_likelihoods: ArrayView1<f64>,
) -> Array2<f64> {
    let mut out = weighted_log_prob.to_owned();
    for (mut row, ll) in out.rows_mut().into_iter().zip(log_likelihoods) {
        row.mapv_inplace(|v| v - ll);
    }
    out
}

/// The lower bound EM increases: `Σ_i w_i ln p(x_i) / Σ_i w_i` (the mean
/// per-sample log-likelihood without weights).
pub(crate) fn lower_bound(log_likelihoods: ArrayView1<f64>, w: Option<ArrayView1<f64>>) -> f64 {
    let (mut total, mut weight) = (0.0, 0.0);
    for (i, ll) in log_likelihoods.iter().enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        total += wi * ll;
        weight += wi;
    }
    total / weight
}

/// Responsibilities `r_ij = e^(ln r_ij)` and `ln p(x_i)` of every row: the E-step.
pub(crate) fn responsibilities(model: &GmmModel, x: ArrayView2<f64>) -> (Array2<f64>, Array1<f64>) {
    let wlp = weighted_log_prob(model, x);
    let ll = log_likelihoods(wlp.view());
    let resp = log_responsibilities(wlp.view(), ll.view()).mapv(f64::exp);
    (resp, ll)
}

/// `N_j = Σ_i w_i r_ij`.
pub(crate) fn component_counts(resp: ArrayView2<f64>, w: Option<ArrayView1<f64>>) -> Array1<f64> {
    let mut nk = Array1::<f64>::zeros(resp.ncols());
    for (i, r) in resp.rows().into_iter().enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        for j in 0..r.len() {
            nk[j] += wi * r[j];
        }
    }
    nk
}

/// `Σ_i w_i r_ij f(x_ia − c_a)` per component `j` and feature `a` (k × d):
/// the first moments with `f(z) = z`, the diagonal second moments with `f(z) = z²`.
fn feature_moments(
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    resp: ArrayView2<f64>,
    centre: ArrayView1<f64>,
    f: impl Fn(f64) -> f64,
) -> Array2<f64> {
    let (k, d) = (resp.ncols(), x.ncols());
    let mut s = Array2::<f64>::zeros((k, d));
    for (i, xi) in x.rows().into_iter().enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        for j in 0..k {
            for a in 0..d {
                s[[j, a]] += wi * resp[[i, j]] * f(xi[a] - centre[a]);
            }
        }
    }
    s
}

/// `S_j = Σ_i w_i r_ij (x_i − c)` (k × d).
pub(crate) fn first_moments(
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    resp: ArrayView2<f64>,
    centre: ArrayView1<f64>,
) -> Array2<f64> {
    feature_moments(x, w, resp, centre, |z| z)
}

/// `Σ_i v_i (x_i − c)(x_i − c)ᵀ` (d × d) for per-row weights `v_i`.
pub(crate) fn weighted_scatter(
    x: ArrayView2<f64>,
    v: impl Fn(usize) -> f64,
    centre: ArrayView1<f64>,
) -> Array2<f64> {
    let d = x.ncols();
    let mut q = Array2::<f64>::zeros((d, d));
    for (i, xi) in x.rows().into_iter().enumerate() {
        let vi = v(i);
        for a in 0..d {
            for b in 0..d {
                q[[a, b]] += vi * (xi[a] - centre[a]) * (xi[b] - centre[b]);
            }
        }
    }
    q
}

/// Full: `Q_j = Σ_i w_i r_ij (x_i − c)(x_i − c)ᵀ` (k × d × d).
pub(crate) fn second_moments_full(
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    resp: ArrayView2<f64>,
    centre: ArrayView1<f64>,
) -> Array3<f64> {
    let (k, d) = (resp.ncols(), x.ncols());
    let mut q = Array3::<f64>::zeros((k, d, d));
    for j in 0..k {
        let wr = |i: usize| w.map_or(1.0, |w| w[i]) * resp[[i, j]];
        q.index_axis_mut(Axis(0), j)
            .assign(&weighted_scatter(x, wr, centre));
    }
    q
}

/// Diag: `Σ_i w_i r_ij (x_ia − c_a)²` per component and feature (k × d).
pub(crate) fn second_moments_diag(
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    resp: ArrayView2<f64>,
    centre: ArrayView1<f64>,
) -> Array2<f64> {
    feature_moments(x, w, resp, centre, |z| z * z)
}

/// Spherical: `Σ_i w_i r_ij ‖x_i − c‖²` per component (k).
pub(crate) fn second_moments_spherical(
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    resp: ArrayView2<f64>,
    centre: ArrayView1<f64>,
) -> Array1<f64> {
    second_moments_diag(x, w, resp, centre).sum_axis(Axis(1))
}

/// Tied: `Q = Σ_i w_i (x_i − c)(x_i − c)ᵀ` over all rows (d × d); it equals
/// `Σ_j Q_j` because each row's responsibilities sum to 1.
pub(crate) fn second_moments_tied(
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    centre: ArrayView1<f64>,
) -> Array2<f64> {
    weighted_scatter(x, |i| w.map_or(1.0, |w| w[i]), centre)
}

/// `N_j`, `S_j` and the second moments of `ty`, around `centre`; `ll_sum`
/// is left 0 and `weight_sum` is `Σ_i w_i`.
pub(crate) fn sufficient_statistics(
    ty: CovarianceType,
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    resp: ArrayView2<f64>,
    centre: ArrayView1<f64>,
) -> SuffStats {
    let second = match ty {
        CovarianceType::Full => {
            SecondMoments::PerComponent(second_moments_full(x, w, resp, centre))
        }
        CovarianceType::Diag => SecondMoments::Diagonal(second_moments_diag(x, w, resp, centre)),
        CovarianceType::Spherical => {
            SecondMoments::Spherical(second_moments_spherical(x, w, resp, centre))
        }
        CovarianceType::Tied => SecondMoments::Total(second_moments_tied(x, w, centre)),
    };
    SuffStats {
        nk: component_counts(resp, w),
        sx: first_moments(x, w, resp, centre),
        second,
        ll_sum: 0.0,
        weight_sum: w.map_or(x.nrows() as f64, |w| w.sum()),
    }
}

/// One reference E-step with the statistics the M-step needs: responsibilities
/// and `ln p(x_i)` (written to `out` when given), the statistics around
/// `centre`, `ll_sum = Σ_i w_i ln p(x_i)` and the [`lower_bound`].
pub(crate) fn e_step(
    model: &GmmModel,
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    centre: ArrayView1<f64>,
    out: Option<RowOut>,
) -> EStep {
    let (resp, ll) = responsibilities(model, x);
    let mut stats = sufficient_statistics(model.covariance_type(), x, w, resp.view(), centre);
    stats.ll_sum = ll
        .iter()
        .enumerate()
        .map(|(i, l)| w.map_or(1.0, |w| w[i]) * l)
        .sum();
    let lower_bound = lower_bound(ll.view(), w);
    if let Some((mut r, mut l)) = out {
        r.assign(&resp);
        l.assign(&ll);
    }
    EStep { stats, lower_bound }
}

/// `π_j = N_j / Σ N`.
pub(crate) fn estimate_weights(nk: ArrayView1<f64>) -> Array1<f64> {
    &nk / nk.sum()
}

/// Shifted means `m_j = S_j / N_j` (the mean is `c + m_j`).
pub(crate) fn estimate_shifted_means(nk: ArrayView1<f64>, sx: ArrayView2<f64>) -> Array2<f64> {
    &sx / &nk.insert_axis(Axis(1))
}

/// `Σ_j = Q_j / N_j − m_j m_jᵀ + reg·I`, symmetrised.
pub(crate) fn estimate_full_covariance(
    q: ArrayView2<f64>,
    nk: f64,
    m: ArrayView1<f64>,
    reg: f64,
) -> Array2<f64> {
    let d = m.len();
    Array2::from_shape_fn((d, d), |(a, b)| {
        let v = 0.5 * (q[[a, b]] + q[[b, a]]) / nk - m[a] * m[b];
        if a == b {
            v + reg
        } else {
            v
        }
    })
}

/// `σ²_j = Σ_j r x² / N_j − m_j² + reg`, per feature.
pub(crate) fn estimate_diag_covariance(
    q: ArrayView1<f64>,
    nk: f64,
    m: ArrayView1<f64>,
    reg: f64,
) -> Array1<f64> {
    Array1::from_shape_fn(m.len(), |a| q[a] / nk - m[a] * m[a] + reg)
}

/// Spherical: the mean of the diagonal variances,
/// `σ² = (Q/N − ‖m‖²)/d + reg` with `Q = Σ r ‖x − c‖²`.
pub(crate) fn estimate_spherical_covariance(q: f64, nk: f64, m: ArrayView1<f64>, reg: f64) -> f64 {
    (q / nk - m.dot(&m)) / m.len() as f64 + reg
}

/// Tied: `Σ = (Q − Σ_j N_j m_j m_jᵀ) / Σ N + reg·I`.
pub(crate) fn estimate_tied_covariance(
    q: ArrayView2<f64>,
    nk: ArrayView1<f64>,
    m: ArrayView2<f64>,
    reg: f64,
) -> Array2<f64> {
    let d = q.nrows();
    let total = nk.sum();
    let mut between = Array2::<f64>::zeros((d, d));
    for (j, n) in nk.iter().enumerate() {
        let mj = m.row(j);
        for a in 0..d {
            for b in 0..d {
                between[[a, b]] += n * mj[a] * mj[b];
            }
        }
    }
    Array2::from_shape_fn((d, d), |(a, b)| {
        let v = (0.5 * (q[[a, b]] + q[[b, a]]) - between[[a, b]]) / total;
        if a == b {
            v + reg
        } else {
            v
        }
    })
}
