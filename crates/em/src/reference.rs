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

use ndarray::{Array1, Array2, Array3, ArrayView1, ArrayView2, ArrayView3, Axis};

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

// ---------------------------------------------------------------------------
// mclust's parsimonious models (Celeux & Govaert 1995): `Σ_j = λ_j D_j A_j D_jᵀ`.
//
// Every estimator below takes the per-component weighted scatter matrices
// about the component means, `W_j = Σ_i w_i r_ij (x_i − μ_j)(x_i − μ_j)ᵀ`
// (or their diagonals, or traces), and `N_j`; [`scatter_matrix`] makes
// `W_j` from the sufficient statistics, so the data is passed over once per
// iteration whatever the model. `reg_covar` enters as `W_j + reg·N_j·I`.
// ---------------------------------------------------------------------------

/// Convergence control of the iterative M-steps (VEI, VEE, VEV, EVE, VVE),
/// as mclust's `emControl(tol, itmax)` second entries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct InnerControl {
    pub tol: f64,
    pub itmax: usize,
    /// A component whose scatter, less the ridge, has a direction of
    /// variance at most this is singular before regularisation (the M-step's
    /// `reg_covar` plus the degenerate floor; 0: none is). The
    /// common-orientation models' MM rounds then crawl toward the boundary
    /// only the ridge holds up (a relative change of ~1e-5 a round, for
    /// thousands: a 12 × 15 EVE fit at k = 2 took 10 s, 50 × 60 over two
    /// minutes): those M-steps take at most [`SINGULAR_INNER_ITER`] rounds.
    pub singular_variance: f64,
}

/// The MM rounds of an EVE or VVE M-step with a component singular before
/// regularisation (see [`InnerControl::singular_variance`]): the budget of a
/// screening M-step ([`crate::AUTO_SHORT_INNER_ITER`]), so the default's
/// screening is as before. Such a fit, if it ends so, is flagged singular,
/// and `select` leaves it out as mclust's NA. On wine (`select`, 14 models
/// × k = 1..9) 4.96 → 3.45 s, the same choice; of the 126 fits only EVE at
/// k = 8 and 9 change (BIC +1.62, +0.99).
pub(crate) const SINGULAR_INNER_ITER: usize = crate::fit::AUTO_SHORT_INNER_ITER;

/// What the iterative M-steps carry from one EM iteration to the next (as
/// mclust does: it does not restart shape and orientation each M-step).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct WarmStart {
    /// VEI, VEV: the common shape `A` (d).
    pub shape: Option<Array1<f64>>,
    /// VEE: the volumes `λ_j` (k).
    pub scales: Option<Array1<f64>>,
    /// EVE, VVE: the common orientation `D` (d × d) and the shapes `A_j` (k × d).
    pub orientation: Option<Array2<f64>>,
    pub shapes: Option<Array2<f64>>,
}

/// `W_j + reg·N_j·I = N_j (Q_j/N_j − m_j m_jᵀ + reg·I)`: the scatter about
/// the component's mean from the statistics around a centre.
pub(crate) fn scatter_matrix(
    q: ArrayView2<f64>,
    nk: f64,
    m: ArrayView1<f64>,
    reg: f64,
) -> Array2<f64> {
    estimate_full_covariance(q, nk, m, reg) * nk
}

/// `diag(W_j) + reg·N_j`.
pub(crate) fn scatter_diagonal(
    q: ArrayView1<f64>,
    nk: f64,
    m: ArrayView1<f64>,
    reg: f64,
) -> Array1<f64> {
    estimate_diag_covariance(q, nk, m, reg) * nk
}

/// `tr(W_j) + reg·N_j·d`.
pub(crate) fn scatter_trace(q: f64, nk: f64, m: ArrayView1<f64>, reg: f64) -> f64 {
    estimate_spherical_covariance(q, nk, m, reg) * nk * m.len() as f64
}

/// `det(M)^{1/d}` of a diagonal given by its entries: `exp(mean ln v)`.
pub(crate) fn geometric_mean(v: ArrayView1<f64>) -> f64 {
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp()
}

/// EII (and E): `λ = Σ_j tr W_j / (n d)`, the same sphere for every component.
pub(crate) fn estimate_eii_variance(traces: ArrayView1<f64>, nk: ArrayView1<f64>, d: usize) -> f64 {
    traces.sum() / (nk.sum() * d as f64)
}

/// VII (and V): `λ_j = tr W_j / (N_j d)`.
pub(crate) fn estimate_vii_variances(
    traces: ArrayView1<f64>,
    nk: ArrayView1<f64>,
    d: usize,
) -> Array1<f64> {
    Array1::from_shape_fn(nk.len(), |j| traces[j] / (nk[j] * d as f64))
}

/// EEI: `B = diag(Σ_j W_j) / n`, one diagonal for every component (k × d).
pub(crate) fn estimate_eei_variances(w: ArrayView2<f64>, nk: ArrayView1<f64>) -> Array2<f64> {
    let b = w.sum_axis(Axis(0)) / nk.sum();
    Array2::from_shape_fn(w.dim(), |(_, a)| b[a])
}

/// EVI: `Σ_j = λ B_j` with `B_j = diag(W_j) / det(diag W_j)^{1/d}` and
/// `λ = Σ_j det(diag W_j)^{1/d} / n`.
pub(crate) fn estimate_evi_variances(w: ArrayView2<f64>, nk: ArrayView1<f64>) -> Array2<f64> {
    let roots: Vec<f64> = w.rows().into_iter().map(geometric_mean).collect();
    let lambda = roots.iter().sum::<f64>() / nk.sum();
    Array2::from_shape_fn(w.dim(), |(j, a)| lambda * w[[j, a]] / roots[j])
}

/// VEI: `Σ_j = λ_j B` with one diagonal shape `B` (det 1), alternating
/// `λ_j = Σ_a W_j,aa / B_a / (N_j d)` and `B ∝ Σ_j diag(W_j) / λ_j`
/// (normalised to det 1) until both change by less than `tol` relative.
pub(crate) fn estimate_vei_variances(
    w: ArrayView2<f64>,
    nk: ArrayView1<f64>,
    warm: &mut WarmStart,
    control: InnerControl,
) -> Array2<f64> {
    let (k, d) = w.dim();
    let mut shape = match &warm.shape {
        Some(s) if s.len() == d && s.iter().all(|v| *v > 0.0 && v.is_finite()) => s.clone(),
        _ => Array1::ones(d),
    };
    let mut scales = Array1::<f64>::ones(k);
    for _ in 0..control.itmax.max(1) {
        let new_scales = Array1::from_shape_fn(k, |j| {
            (0..d).map(|a| w[[j, a]] / shape[a]).sum::<f64>() / (nk[j] * d as f64)
        });
        let raw = Array1::from_shape_fn(d, |a| {
            (0..k).map(|j| w[[j, a]] / new_scales[j]).sum::<f64>()
        });
        let new_shape = &raw / geometric_mean(raw.view());
        let err = relative_change(scales.view(), new_scales.view())
            .max(relative_change(shape.view(), new_shape.view()));
        scales = new_scales;
        shape = new_shape;
        if !(err > control.tol) {
            break;
        }
    }
    warm.shape = Some(shape.clone());
    Array2::from_shape_fn((k, d), |(j, a)| scales[j] * shape[a])
}

/// `max |old − new| / (1 + |new|)`: mclust's relative change of an inner iteration.
fn relative_change(old: ArrayView1<f64>, new: ArrayView1<f64>) -> f64 {
    old.iter()
        .zip(new)
        .map(|(o, n)| (o - n).abs() / (1.0 + n.abs()))
        .fold(0.0, f64::max)
}

/// `C / det(C)^{1/d}` for a symmetric positive definite `C`, with the determinant
/// from its Cholesky factor; `None` if `C` is not positive definite.
fn unit_determinant(c: ArrayView2<f64>) -> Option<(Array2<f64>, f64)> {
    let l = crate::linalg::cholesky_lower(c)?;
    let d = c.nrows() as f64;
    let root = (l.diag().iter().map(|v| v.ln()).sum::<f64>() * 2.0 / d).exp();
    Some((c.to_owned() / root, root))
}

/// `tr(W C⁻¹)` through the Cholesky factor of `C` (no inverse).
fn trace_solve(w: ArrayView2<f64>, c: ArrayView2<f64>) -> f64 {
    let Some(l) = crate::linalg::cholesky_lower(c) else {
        return f64::NAN;
    };
    let u = crate::linalg::precision_cholesky_from_lower(l.view());
    // C⁻¹ = U Uᵀ, so tr(W C⁻¹) = tr(Uᵀ W U) = Σ_a u_aᵀ W u_a over U's columns.
    let wu = w.dot(&u);
    (0..c.nrows()).map(|a| u.column(a).dot(&wu.column(a))).sum()
}

/// VEE: `Σ_j = λ_j C` with one matrix `C` (det 1), alternating
/// `C ∝ Σ_j W_j / λ_j` and `λ_j = tr(W_j C⁻¹) / (N_j d)` until the target
/// `d Σ_j N_j (1 + ln λ_j)` changes by less than `tol` relative.
pub(crate) fn estimate_vee_covariances(
    w: ArrayView3<f64>,
    nk: ArrayView1<f64>,
    warm: &mut WarmStart,
    control: InnerControl,
) -> Array3<f64> {
    let (k, d, _) = w.dim();
    let mut scales = match &warm.scales {
        Some(s) if s.len() == k && s.iter().all(|v| *v > 0.0 && v.is_finite()) => s.clone(),
        _ => Array1::ones(k),
    };
    let mut c = Array2::<f64>::eye(d);
    let mut previous = f64::INFINITY;
    for _ in 0..control.itmax.max(1) {
        let mut sum = Array2::<f64>::zeros((d, d));
        for j in 0..k {
            sum.scaled_add(1.0 / scales[j], &w.index_axis(Axis(0), j));
        }
        let Some((unit, _)) = unit_determinant(sum.view()) else {
            return Array3::from_elem((k, d, d), f64::NAN);
        };
        c = unit;
        scales = Array1::from_shape_fn(k, |j| {
            trace_solve(w.index_axis(Axis(0), j), c.view()) / (nk[j] * d as f64)
        });
        let target = d as f64 * (nk.sum() + nk.dot(&scales.mapv(f64::ln)));
        let err = (target - previous).abs() / (1.0 + target.abs());
        previous = target;
        if !(err > control.tol) {
            break;
        }
    }
    warm.scales = Some(scales.clone());
    let mut out = Array3::<f64>::zeros((k, d, d));
    for j in 0..k {
        out.index_axis_mut(Axis(0), j).assign(&(&c * scales[j]));
    }
    out
}

/// `D diag(a) Dᵀ`.
fn compose(d_mat: ArrayView2<f64>, a: ArrayView1<f64>) -> Array2<f64> {
    let n = a.len();
    let scaled = Array2::from_shape_fn((n, n), |(r, c)| d_mat[[r, c]] * a[c]);
    let m = scaled.dot(&d_mat.t());
    Array2::from_shape_fn((n, n), |(r, c)| 0.5 * (m[[r, c]] + m[[c, r]]))
}

/// One Browne–McNicholas (2014) majorise–minimise round for a common
/// orientation `D` given the shapes `A_j` (rows of `shapes`): MM 1 with
/// `F = Σ_j (A_j⁻¹ Dᵀ W_j − ω_j A_j⁻¹ Dᵀ)` (ω_j the largest eigenvalue of
/// `W_j`) and `Dᵀ ←` the orthogonal polar factor of `F`; then MM 2 with
/// `F = Σ_j (W_j D A_j⁻¹ − max_a(1/A_j,a) W_j D)` and `D ←` its polar factor.
///
/// `rotations` holds the two polar factorisations' right rotations of the
/// previous round, to start this round's from (the F's change little from
/// round to round, so each takes a sweep or two instead of several).
fn common_orientation_round(
    w: ArrayView3<f64>,
    omega: &[f64],
    shapes: ArrayView2<f64>,
    orientation: ArrayView2<f64>,
    rotations: &mut [Option<Array2<f64>>; 2],
) -> Array2<f64> {
    let mut polar = |f: Array2<f64>, which: usize| {
        let (p, r) = crate::linalg::polar_orthogonal_from(
            f.view(),
            rotations[which].as_ref().map(|r| r.view()),
        );
        rotations[which] = Some(r);
        p
    };
    let (k, d, _) = w.dim();
    // MM 1: F = Σ_j diag(1/A_j) (Dᵀ W_j − ω_j Dᵀ).
    let mut f = Array2::<f64>::zeros((d, d));
    for j in 0..k {
        let mut g = orientation.t().dot(&w.index_axis(Axis(0), j));
        g.scaled_add(-omega[j], &orientation.t());
        for (a, mut row) in g.rows_mut().into_iter().enumerate() {
            row /= shapes[[j, a]];
        }
        f += &g;
    }
    let dt = polar(f, 0);
    // MM 2 with D = (Dᵀ)ᵀ: F = Σ_j W_j D diag(1/A_j − max_c 1/A_j,c).
    let dm = dt.t();
    let mut f = Array2::<f64>::zeros((d, d));
    for j in 0..k {
        let amax = shapes
            .row(j)
            .iter()
            .map(|a| 1.0 / a)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut g = w.index_axis(Axis(0), j).dot(&dm);
        for (b, mut col) in g.columns_mut().into_iter().enumerate() {
            col *= 1.0 / shapes[[j, b]] - amax;
        }
        f += &g;
    }
    polar(f, 1)
}

/// The largest eigenvalue of each `W_j`, and whether some `W_j` (which
/// includes `reg·N_j·I`) has an eigenvalue at most `N_j · singular_variance`.
fn largest_eigenvalues(
    w: ArrayView3<f64>,
    nk: ArrayView1<f64>,
    singular_variance: f64,
) -> (Vec<f64>, bool) {
    let mut singular = false;
    let largest = w
        .outer_iter()
        .zip(nk)
        .map(|(wj, n)| {
            let values = crate::linalg::symmetric_eigenvalues(wj);
            singular |= !(values[values.len() - 1] > n * singular_variance);
            values[0]
        })
        .collect();
    (largest, singular)
}

/// The diagonal of `Dᵀ W_j D` for every component (k × d).
fn rotated_diagonals(w: ArrayView3<f64>, orientation: ArrayView2<f64>) -> Array2<f64> {
    let (k, d, _) = w.dim();
    let mut out = Array2::<f64>::zeros((k, d));
    for j in 0..k {
        // (W_j D)[·][a], then D[·][a] · it.
        let wd = w.index_axis(Axis(0), j).dot(&orientation);
        for a in 0..d {
            out[[j, a]] = orientation.column(a).dot(&wd.column(a));
        }
    }
    out
}

/// The common-orientation models' inner loop (mclust's EVE and VVE M-steps):
/// MM rounds for `D`, then the shapes from `diag(Dᵀ W_j D)` — by `shape_of`
/// — until the target `Σ_j tr(W_j D A_j⁻¹ Dᵀ)` changes by less than `tol`
/// relative (at most `itmax` rounds, [`SINGULAR_INNER_ITER`] when a component
/// is singular before regularisation). Returns `D`, the shapes (k × d, det 1
/// each) and the target.
fn common_orientation_fit(
    w: ArrayView3<f64>,
    nk: ArrayView1<f64>,
    warm: &mut WarmStart,
    control: InnerControl,
    shape_of: impl Fn(ArrayView1<f64>, f64) -> Array1<f64>,
) -> (Array2<f64>, Array2<f64>, f64) {
    let w = w.as_standard_layout();
    let w = w.view();
    let (k, d, _) = w.dim();
    let (omega, singular) = largest_eigenvalues(w, nk, control.singular_variance);
    let itmax = if singular {
        control.itmax.min(SINGULAR_INNER_ITER)
    } else {
        control.itmax
    };
    let mut orientation = match &warm.orientation {
        Some(o) if o.dim() == (d, d) && o.iter().all(|v| v.is_finite()) => o.clone(),
        _ => Array2::eye(d),
    };
    let mut shapes = match &warm.shapes {
        Some(s) if s.dim() == (k, d) && s.iter().all(|v| *v > 0.0 && v.is_finite()) => s.clone(),
        _ => Array2::ones((k, d)),
    };
    let (mut target, mut previous) = (f64::NAN, f64::INFINITY);
    let mut rotations = [None, None];
    for _ in 0..itmax.max(1) {
        orientation =
            common_orientation_round(w, &omega, shapes.view(), orientation.view(), &mut rotations);
        let diag = rotated_diagonals(w, orientation.view());
        target = 0.0;
        for j in 0..k {
            let a = shape_of(diag.row(j), nk[j]);
            target += (0..d).map(|b| diag[[j, b]] / a[b]).sum::<f64>();
            shapes.row_mut(j).assign(&a);
        }
        let err = (target - previous).abs() / (1.0 + target.abs());
        previous = target;
        if !(err > control.tol) {
            break;
        }
    }
    warm.orientation = Some(orientation.clone());
    warm.shapes = Some(shapes.clone());
    (orientation, shapes, target)
}

/// One component's covariance under a model with a common orientation
/// (EVE, VVE): with nothing to share, `Σ = W / N`, the maximum itself (as
/// mclust fits G = 1, by `mvnXXX`). The MM rounds would only creep toward
/// it: from wine's spread of variances (10⁻² to 10⁵) they stopped 0.031
/// below it in mean log-likelihood. `None` for more components.
fn one_component_covariance(w: ArrayView3<f64>, nk: ArrayView1<f64>) -> Option<Array3<f64>> {
    (w.dim().0 == 1).then(|| w.mapv(|v| v / nk[0]))
}

/// EVE: `Σ_j = λ D A_j Dᵀ`: the common orientation by Browne & McNicholas'
/// MM rounds, `A_j = diag(Dᵀ W_j D) / det(·)^{1/d}`, and
/// `λ = Σ_j tr(W_j D A_j⁻¹ Dᵀ) / (n d)`.
pub(crate) fn estimate_eve_covariances(
    w: ArrayView3<f64>,
    nk: ArrayView1<f64>,
    warm: &mut WarmStart,
    control: InnerControl,
) -> Array3<f64> {
    if let Some(one) = one_component_covariance(w, nk) {
        return one;
    }
    let (k, d, _) = w.dim();
    let (orientation, shapes, target) = common_orientation_fit(w, nk, warm, control, |diag, _| {
        &diag.to_owned() / geometric_mean(diag)
    });
    let lambda = target / (nk.sum() * d as f64);
    let mut out = Array3::<f64>::zeros((k, d, d));
    for j in 0..k {
        let a = shapes.row(j).mapv(|v| v * lambda);
        out.index_axis_mut(Axis(0), j)
            .assign(&compose(orientation.view(), a.view()));
    }
    out
}

/// VVE: `Σ_j = λ_j D A_j Dᵀ`: the common orientation as for EVE (mclust's
/// MM rounds on the unscaled `W_j`), then `λ_j A_j = diag(Dᵀ W_j D) / N_j`
/// with `λ_j = det(·)^{1/d}`.
pub(crate) fn estimate_vve_covariances(
    w: ArrayView3<f64>,
    nk: ArrayView1<f64>,
    warm: &mut WarmStart,
    control: InnerControl,
) -> Array3<f64> {
    if let Some(one) = one_component_covariance(w, nk) {
        return one;
    }
    let (k, d, _) = w.dim();
    let (orientation, _, _) = common_orientation_fit(w, nk, warm, control, |diag, n| {
        let v = &diag.to_owned() / n;
        &v / geometric_mean(v.view())
    });
    let diag = rotated_diagonals(w, orientation.view());
    let mut out = Array3::<f64>::zeros((k, d, d));
    for j in 0..k {
        let a = diag.row(j).mapv(|v| v / nk[j]);
        out.index_axis_mut(Axis(0), j)
            .assign(&compose(orientation.view(), a.view()));
    }
    out
}

/// Eigenvalues (decreasing) and eigenvectors of every `W_j`.
fn eigen_all(w: ArrayView3<f64>) -> Vec<(Array1<f64>, Array2<f64>)> {
    w.outer_iter()
        .map(|wj| {
            let (v, e) = crate::linalg::symmetric_eigen(wj);
            (Array1::from(v), e)
        })
        .collect()
}

/// EEV: `Σ_j = λ D_j A D_jᵀ` with `D_j` the eigenvectors of `W_j` (`W_j = D_j Ω_j D_jᵀ`,
/// decreasing), `A = Σ_j Ω_j / det(Σ_j Ω_j)^{1/d}` and `λ = det(Σ_j Ω_j)^{1/d} / n`.
pub(crate) fn estimate_eev_covariances(w: ArrayView3<f64>, nk: ArrayView1<f64>) -> Array3<f64> {
    let (k, d, _) = w.dim();
    let eig = eigen_all(w);
    let mut total = Array1::<f64>::zeros(d);
    for (v, _) in &eig {
        total += v;
    }
    let root = geometric_mean(total.view());
    let lambda = root / nk.sum();
    let a = total.mapv(|v| v / root * lambda);
    let mut out = Array3::<f64>::zeros((k, d, d));
    for (j, (_, e)) in eig.iter().enumerate() {
        out.index_axis_mut(Axis(0), j)
            .assign(&compose(e.view(), a.view()));
    }
    out
}

/// VEV: `Σ_j = λ_j D_j A D_jᵀ`, `D_j` the eigenvectors of `W_j`, alternating
/// `λ_j = Σ_a Ω_j,a / A_a / (N_j d)` and `A ∝ Σ_j Ω_j / λ_j` (det 1) until
/// both change by less than `tol` relative.
pub(crate) fn estimate_vev_covariances(
    w: ArrayView3<f64>,
    nk: ArrayView1<f64>,
    warm: &mut WarmStart,
    control: InnerControl,
) -> Array3<f64> {
    let (k, d, _) = w.dim();
    let eig = eigen_all(w);
    let mut shape = match &warm.shape {
        Some(s) if s.len() == d && s.iter().all(|v| *v > 0.0 && v.is_finite()) => s.clone(),
        _ => {
            let mut total = Array1::<f64>::zeros(d);
            for (v, _) in &eig {
                total += v;
            }
            &total / geometric_mean(total.view())
        }
    };
    let mut scales = Array1::<f64>::zeros(k);
    for _ in 0..control.itmax.max(1) {
        let new_scales = Array1::from_shape_fn(k, |j| {
            (0..d).map(|a| eig[j].0[a] / shape[a]).sum::<f64>() / (nk[j] * d as f64)
        });
        let raw = Array1::from_shape_fn(d, |a| {
            (0..k).map(|j| eig[j].0[a] / new_scales[j]).sum::<f64>()
        });
        let new_shape = &raw / geometric_mean(raw.view());
        let err = relative_change(scales.view(), new_scales.view())
            .max(relative_change(shape.view(), new_shape.view()));
        scales = new_scales;
        shape = new_shape;
        if !(err > control.tol) {
            break;
        }
    }
    warm.shape = Some(shape.clone());
    let mut out = Array3::<f64>::zeros((k, d, d));
    for (j, (_, e)) in eig.iter().enumerate() {
        let a = shape.mapv(|v| v * scales[j]);
        out.index_axis_mut(Axis(0), j)
            .assign(&compose(e.view(), a.view()));
    }
    out
}

/// EVV: `Σ_j = λ C_j` with `C_j = W_j / det(W_j)^{1/d}` and `λ = Σ_j det(W_j)^{1/d} / n`.
pub(crate) fn estimate_evv_covariances(w: ArrayView3<f64>, nk: ArrayView1<f64>) -> Array3<f64> {
    let (k, d, _) = w.dim();
    let mut out = Array3::<f64>::from_elem((k, d, d), f64::NAN);
    let mut roots = Vec::with_capacity(k);
    for j in 0..k {
        match unit_determinant(w.index_axis(Axis(0), j)) {
            Some((c, root)) => {
                out.index_axis_mut(Axis(0), j).assign(&c);
                roots.push(root);
            }
            None => return out,
        }
    }
    let lambda = roots.iter().sum::<f64>() / nk.sum();
    out *= lambda;
    out
}

// ---------------------------------------------------------------------------
// mclust's conjugate prior (`priorControl()`, `defaultPrior`, Fraley &
// Raftery 2007): a normal prior on each mean (centre the data's mean,
// shrinkage κ) and an inverse gamma / inverse Wishart prior on the variances
// (dof ν, scale ς or Λ). The M-step becomes a posterior mode; the formulas
// below are those mclust's Fortran `me*p` routines compute, model by model
// (including their choices: EII adds no scale, EEI does not shrink its
// means, VEV's volumes use no dof). With `c_j = κ N_j / (N_j + κ)` and
// `δ_j = x̄_j − μ_p` (the unshrunk mean), every model starts from
// `W_j + c_j δ_j δ_jᵀ` (or its diagonal or trace); the means become
// `(N_j x̄_j + κ μ_p) / (N_j + κ)`.
// ---------------------------------------------------------------------------

/// The prior's scale: a number (E, V and the spherical and diagonal models) or a d × d matrix.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PriorScale {
    Scalar(f64),
    Matrix(Array2<f64>),
}

/// mclust's default conjugate prior for one model, data and number of components.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prior {
    /// κ, 0.01.
    pub shrinkage: f64,
    /// μ_p, the data's mean.
    pub mean: Array1<f64>,
    /// ν.
    pub dof: f64,
    /// ς or Λ.
    pub scale: PriorScale,
}

impl Prior {
    fn scalar(&self) -> f64 {
        match &self.scale {
            PriorScale::Scalar(s) => *s,
            PriorScale::Matrix(m) => m.diag().mean().unwrap_or(0.0),
        }
    }
    fn matrix(&self, d: usize) -> Array2<f64> {
        match &self.scale {
            PriorScale::Matrix(m) => m.clone(),
            PriorScale::Scalar(s) => Array2::eye(d) * *s,
        }
    }
    /// 1 when the means are shrunk (κ > 0), else 0: mclust adds it to several denominators.
    fn shrinks(&self) -> f64 {
        if self.shrinkage > 0.0 {
            1.0
        } else {
            0.0
        }
    }
}

/// The sample covariance of the columns (denominator n − 1, as R's `var`).
pub(crate) fn sample_covariance(x: ArrayView2<f64>) -> (Array1<f64>, Array2<f64>) {
    let (n, d) = x.dim();
    let mean = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(d));
    let mut s = weighted_scatter(x, |_| 1.0, mean.view());
    s /= (n as f64 - 1.0).max(1.0);
    (mean, s)
}

/// The sample covariance with row `i` counted `w_i` times (frequency
/// weights): the weighted mean and `Σ_i w_i (x_i − x̄)(x_i − x̄)ᵀ / (Σ_i w_i − 1)`
/// (the denominator at least 1, as [`sample_covariance`]'s); without
/// weights, [`sample_covariance`]. Integer weights give the covariance of the
/// data with each row repeated `w_i` times.
pub(crate) fn weighted_sample_covariance(
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
) -> (Array1<f64>, Array2<f64>) {
    let Some(w) = w else {
        return sample_covariance(x);
    };
    let total = w.sum();
    let mean = x.t().dot(&w) / total;
    let mut s = weighted_scatter(x, |i| w[i], mean.view());
    s /= (total - 1.0).max(1.0);
    (mean, s)
}

/// mclust's `defaultPrior(data, G, model)`: shrinkage 0.01, the data's mean;
/// E, V: dof 3, scale `var(x)/G²`; the spherical and diagonal models: dof
/// d + 2, scale `(1/G)^(2/d) · Σ_a var(x_a) / d`; the others: dof d + 2,
/// scale `(1/G)^(2/d) · var(X)` (its diagonal when n ≤ d). With sample
/// weights, row `i` counts `w_i` times: the mean and `var` are
/// [`weighted_sample_covariance`]'s and n is `Σ_i w_i` (so integer weights
/// give the prior of the data with the rows repeated).
pub(crate) fn default_prior(
    model: crate::CovarianceModel,
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    g: usize,
) -> Prior {
    use crate::model::CovarianceType;
    let d = x.ncols();
    let n = w.map_or(x.nrows() as f64, |w| w.sum());
    let (mean, cov) = weighted_sample_covariance(x, w);
    let g = g as f64;
    let fac = (1.0 / g).powf(2.0 / d as f64);
    let (dof, scale) = if model.is_univariate() {
        (3.0, PriorScale::Scalar(cov[[0, 0]] / (g * g)))
    } else {
        match model.representation() {
            CovarianceType::Spherical | CovarianceType::Diag => (
                d as f64 + 2.0,
                PriorScale::Scalar(fac * cov.diag().sum() / d as f64),
            ),
            CovarianceType::Tied | CovarianceType::Full => (
                d as f64 + 2.0,
                PriorScale::Matrix(if n > d as f64 {
                    cov * fac
                } else {
                    Array2::from_diag(&cov.diag()) * fac
                }),
            ),
        }
    };
    Prior {
        shrinkage: 0.01,
        mean,
        dof,
        scale,
    }
}

/// `c_j = κ N_j / (N_j + κ)`: the weight of `δ_j δ_jᵀ` in the posterior scatter.
pub(crate) fn prior_mean_weight(nk: f64, prior: &Prior) -> f64 {
    prior.shrinkage * nk / (nk + prior.shrinkage)
}

/// The posterior mean `(N_j x̄_j + κ μ_p) / (N_j + κ)`.
pub(crate) fn posterior_mean(
    xbar: ArrayView1<f64>,
    nk: f64,
    prior_mean: ArrayView1<f64>,
    kappa: f64,
) -> Array1<f64> {
    (&xbar * nk + &prior_mean * kappa) / (nk + kappa)
}

/// E: `σ² = (ς + Σ_j t_j) / (ν + n + G + 2)`, `t_j = W_j + c_j δ_j²`, with
/// `n` every row's weight (`total`): with a noise component, too, mclust's
/// `me1ep` divides by the number of rows, not by the clusters' share `Σ_j N_j`
/// as the other models' `me*p` routines do.
pub(crate) fn posterior_e_variance(t: ArrayView1<f64>, total: f64, prior: &Prior) -> f64 {
    (prior.scalar() + t.sum()) / (prior.dof + total + t.len() as f64 + 2.0)
}

/// V: `σ_j² = (ς + t_j) / (ν + N_j + 3)`.
pub(crate) fn posterior_v_variances(
    t: ArrayView1<f64>,
    nk: ArrayView1<f64>,
    prior: &Prior,
) -> Array1<f64> {
    Array1::from_shape_fn(nk.len(), |j| {
        (prior.scalar() + t[j]) / (prior.dof + nk[j] + 3.0)
    })
}

/// EII: `σ² = Σ_j t_j / (ν + (n + G) d + 2)`, `t_j = tr W_j + c_j ‖δ_j‖²` (mclust adds no scale here).
pub(crate) fn posterior_eii_variance(
    t: ArrayView1<f64>,
    nk: ArrayView1<f64>,
    d: usize,
    prior: &Prior,
) -> f64 {
    t.sum() / (prior.dof + (nk.sum() + nk.len() as f64) * d as f64 + 2.0)
}

/// VII: `σ_j² = (ς + t_j) / (ν + N_j d + 2 + d)` (the last `d` with shrinkage).
pub(crate) fn posterior_vii_variances(
    t: ArrayView1<f64>,
    nk: ArrayView1<f64>,
    d: usize,
    prior: &Prior,
) -> Array1<f64> {
    let extra = 2.0 + prior.shrinks() * d as f64;
    Array1::from_shape_fn(nk.len(), |j| {
        (prior.scalar() + t[j]) / (prior.dof + nk[j] * d as f64 + extra)
    })
}

/// EEI: `B_a = (ς + Σ_j v_j,a) / (ν + n + 1 + [κ > 0])`, `v_j = diag W_j + c_j δ_j²`;
/// the means are not shrunk (as mclust's `meeeip`).
pub(crate) fn posterior_eei_variances(
    v: ArrayView2<f64>,
    nk: ArrayView1<f64>,
    prior: &Prior,
) -> Array2<f64> {
    let denom = prior.dof + 1.0 + prior.shrinks() + nk.sum();
    let b = v.sum_axis(Axis(0)).mapv(|s| (s + prior.scalar()) / denom);
    Array2::from_shape_fn(v.dim(), |(_, a)| b[a])
}

/// VEI: the VEI iteration on `ς + v_j` with `λ_j`'s denominator `d N_j + ν + 2 + [κ > 0]`.
pub(crate) fn posterior_vei_variances(
    v: ArrayView2<f64>,
    nk: ArrayView1<f64>,
    prior: &Prior,
    warm: &mut WarmStart,
    control: InnerControl,
) -> Array2<f64> {
    let d = v.ncols() as f64;
    let w = v.mapv(|x| x + prior.scalar());
    let effective = nk.mapv(|n| n + (prior.dof + 2.0 + prior.shrinks()) / d);
    estimate_vei_variances(w.view(), effective.view(), warm, control)
}

/// EVI: the EVI estimate on `ς + v_j` with `λ = Σ_j det(·)^{1/d} / (ν + n + 1 + [κ > 0])`.
pub(crate) fn posterior_evi_variances(
    v: ArrayView2<f64>,
    nk: ArrayView1<f64>,
    prior: &Prior,
) -> Array2<f64> {
    let w = v.mapv(|x| x + prior.scalar());
    let n = nk.sum();
    estimate_evi_variances(w.view(), nk.view()) * (n / (prior.dof + n + 1.0 + prior.shrinks()))
}

/// VVI: `σ²_j,a = (ς + v_j,a) / (N_j + ν + 2 + [κ > 0])`.
pub(crate) fn posterior_vvi_variances(
    v: ArrayView2<f64>,
    nk: ArrayView1<f64>,
    prior: &Prior,
) -> Array2<f64> {
    let extra = prior.dof + 2.0 + prior.shrinks();
    Array2::from_shape_fn(v.dim(), |(j, a)| {
        (prior.scalar() + v[[j, a]]) / (nk[j] + extra)
    })
}

/// EEE: `Σ = (Λ + Σ_j M_j) / (ν + d + 1 + [κ > 0]·G + n)`, `M_j = W_j + c_j δ_j δ_jᵀ`.
pub(crate) fn posterior_eee_covariance(
    m_sum: ArrayView2<f64>,
    nk: ArrayView1<f64>,
    prior: &Prior,
) -> Array2<f64> {
    let d = m_sum.nrows();
    let denom = prior.dof + d as f64 + 1.0 + prior.shrinks() * nk.len() as f64 + nk.sum();
    (&prior.matrix(d) + &m_sum) / denom
}

/// EEV: the EEV estimate on `Λ + M_j` with `λ`'s denominator `ν + d + 1 + [κ > 0] + n`.
pub(crate) fn posterior_eev_covariances(
    m: ArrayView3<f64>,
    nk: ArrayView1<f64>,
    prior: &Prior,
) -> Array3<f64> {
    let d = m.dim().1;
    let n = nk.sum();
    let with_scale = with_prior_scale(m, prior);
    estimate_eev_covariances(with_scale.view(), nk)
        * (n / (prior.dof + d as f64 + 1.0 + prior.shrinks() + n))
}

/// VEV: the VEV iteration on `Λ + M_j` (mclust's volumes use no dof).
pub(crate) fn posterior_vev_covariances(
    m: ArrayView3<f64>,
    nk: ArrayView1<f64>,
    prior: &Prior,
    warm: &mut WarmStart,
    control: InnerControl,
) -> Array3<f64> {
    let with_scale = with_prior_scale(m, prior);
    estimate_vev_covariances(with_scale.view(), nk, warm, control)
}

/// VVV: `Σ_j = (Λ + M_j) / (ν + N_j + d + 1 + [κ > 0])`.
pub(crate) fn posterior_vvv_covariances(
    m: ArrayView3<f64>,
    nk: ArrayView1<f64>,
    prior: &Prior,
) -> Array3<f64> {
    let d = m.dim().1;
    let mut out = with_prior_scale(m, prior);
    for (j, mut c) in out.outer_iter_mut().enumerate() {
        c /= prior.dof + nk[j] + d as f64 + 1.0 + prior.shrinks();
    }
    out
}

/// `Λ + M_j` for every component.
fn with_prior_scale(m: ArrayView3<f64>, prior: &Prior) -> Array3<f64> {
    let d = m.dim().1;
    let lambda = prior.matrix(d);
    let mut out = m.to_owned();
    for mut c in out.outer_iter_mut() {
        c += &lambda;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two scatter matrices (d = 4, `N_j` = 10, `reg·N_j·I` included with
    /// reg = 1e-6): the first of rank 2 before the ridge when `flat`.
    fn scatters(flat: bool) -> Array3<f64> {
        let (n, reg) = (10.0, 1e-6);
        Array3::from_shape_fn((2, 4, 4), |(j, a, b)| {
            let u = [1.0, 0.5, -0.3, 0.2];
            let v = [0.1, -1.0, 0.4, 0.6];
            let (s, t) = if j == 0 { (3.0, 1.5) } else { (1.0, 2.5) };
            let mut x = s * u[a] * u[b] + t * v[a] * v[b];
            if j == 1 || !flat {
                // Full rank: a diagonal besides the two directions.
                x += [0.9, 0.5, 0.7, 0.4][a] * f64::from(u8::from(a == b));
            }
            n * x + if a == b { reg * n } else { 0.0 }
        })
    }

    /// A component singular before regularisation caps EVE's MM at
    /// [`SINGULAR_INNER_ITER`] rounds (the crawl would go on: the uncapped
    /// covariances differ); without one, the threshold changes nothing.
    #[test]
    fn a_singular_component_caps_the_common_orientation_rounds() {
        let nk = Array1::from(vec![10.0, 10.0]);
        let fit = |w: &Array3<f64>, itmax: usize, singular_variance: f64| {
            estimate_eve_covariances(
                w.view(),
                nk.view(),
                &mut WarmStart::default(),
                InnerControl {
                    tol: f64::EPSILON.sqrt(),
                    itmax,
                    singular_variance,
                },
            )
        };
        let threshold = 2e-6;
        let flat = scatters(true);
        let capped = fit(&flat, 1000, threshold);
        assert_eq!(capped, fit(&flat, SINGULAR_INNER_ITER, 0.0));
        assert_ne!(capped, fit(&flat, 1000, 0.0));
        let full = scatters(false);
        assert_eq!(fit(&full, 1000, threshold), fit(&full, 1000, 0.0));
        assert_ne!(fit(&full, 1000, 0.0), fit(&full, SINGULAR_INNER_ITER, 0.0));
    }
}
