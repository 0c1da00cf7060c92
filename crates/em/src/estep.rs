//! The E-step and the sufficient statistics the M-step needs, in one pass.
//!
//! Rows are cut into chunks whose size depends only on `n` (never on the
//! number of threads, so results are bit-for-bit reproducible); chunks run in
//! parallel with rayon, each accumulating its own [`SuffStats`], which are then
//! merged in chunk order. Inside a chunk, rows are processed in blocks of
//! [`BLOCK`] so the per-block buffers stay in cache; there are no n × k × d
//! temporaries. This is also the shape a distributed run would take: ship the
//! model, get back one `SuffStats` per shard, merge.
//!
//! All coordinates are shifted by a centre `c` (the data's weighted mean while
//! fitting) before squaring, so second moments do not cancel catastrophically
//! when the data sits far from the origin.

use ndarray::linalg::general_mat_mul;
use ndarray::{
    s, Array1, Array2, Array3, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis,
};
use rayon::prelude::*;

use crate::model::{CovarianceType, GmmModel, PrecisionFactors};

/// Rows per block inside a chunk.
pub(crate) const BLOCK: usize = 256;
/// At most this many chunks (bounds the memory of per-chunk statistics).
const MAX_CHUNKS: usize = 64;

const LN_2PI: f64 = 1.837_877_066_409_345_3;

/// Rows per parallel chunk: a function of `n` only.
pub(crate) fn chunk_rows(n: usize) -> usize {
    let per = n.div_ceil(MAX_CHUNKS);
    per.div_ceil(BLOCK).max(1) * BLOCK
}

/// Per-component sums over the rows: `N_j = Σ w r_j`, `S_j = Σ w r_j (x − c)`
/// and the second moments; plus the total weighted log-likelihood.
#[derive(Debug, Clone)]
pub(crate) struct SuffStats {
    /// Σ w·r per component (k).
    pub nk: Array1<f64>,
    /// Σ w·r·(x − c) per component (k × d).
    pub sx: Array2<f64>,
    /// Second moments, shaped by covariance type.
    pub second: SecondMoments,
    /// Σ w·ln p(x) over rows (zero when the pass had no E-step).
    pub ll_sum: f64,
    /// Σ w over rows.
    pub weight_sum: f64,
}

/// Second moments of the shifted data.
#[derive(Debug, Clone)]
pub(crate) enum SecondMoments {
    /// Σ w r_j (x − c)(x − c)ᵀ per component (k × d × d).
    PerComponent(Array3<f64>),
    /// Σ w r_j (x − c)² per component and feature (k × d), for diag and spherical.
    Diagonal(Array2<f64>),
    /// Σ w (x − c)(x − c)ᵀ over all rows (d × d), for tied.
    Total(Array2<f64>),
}

impl SuffStats {
    pub(crate) fn zeros(ty: CovarianceType, k: usize, d: usize) -> Self {
        let second = match ty {
            CovarianceType::Full => SecondMoments::PerComponent(Array3::zeros((k, d, d))),
            CovarianceType::Diag | CovarianceType::Spherical => {
                SecondMoments::Diagonal(Array2::zeros((k, d)))
            }
            CovarianceType::Tied => SecondMoments::Total(Array2::zeros((d, d))),
        };
        SuffStats {
            nk: Array1::zeros(k),
            sx: Array2::zeros((k, d)),
            second,
            ll_sum: 0.0,
            weight_sum: 0.0,
        }
    }

    /// Add another shard's statistics to these.
    pub(crate) fn merge(&mut self, other: &SuffStats) {
        self.nk += &other.nk;
        self.sx += &other.sx;
        self.ll_sum += other.ll_sum;
        self.weight_sum += other.weight_sum;
        match (&mut self.second, &other.second) {
            (SecondMoments::PerComponent(a), SecondMoments::PerComponent(b)) => *a += b,
            (SecondMoments::Diagonal(a), SecondMoments::Diagonal(b)) => *a += b,
            (SecondMoments::Total(a), SecondMoments::Total(b)) => *a += b,
            _ => unreachable!("statistics of one fit share a covariance type"),
        }
    }
}

/// The model rearranged for fast evaluation around a centre `c`.
struct Prepared<'a> {
    model: &'a GmmModel,
    /// μ_j − c (k × d).
    means_c: Array2<f64>,
    /// (μ_j − c)ᵀ U_j for full and tied factors (k × d).
    means_u: Array2<f64>,
    /// ln π_j + ln det U_j − ½ d ln 2π: everything in ln π_j N(x) but the quadratic form.
    offset: Array1<f64>,
}

impl<'a> Prepared<'a> {
    fn new(model: &'a GmmModel, centre: ArrayView1<f64>) -> Self {
        let (k, d) = model.means().dim();
        let means_c = model.means() - &centre.broadcast((k, d)).unwrap();
        let mut means_u = Array2::<f64>::zeros((k, d));
        match &model.factors {
            PrecisionFactors::Full(u) => {
                for j in 0..k {
                    means_u
                        .row_mut(j)
                        .assign(&means_c.row(j).dot(&u.index_axis(Axis(0), j)));
                }
            }
            PrecisionFactors::Tied(u) => means_u.assign(&means_c.dot(u)),
            _ => {}
        }
        let offset = Array1::from_shape_fn(k, |j| {
            model.weights()[j].ln() + model.log_det_factor[j] - 0.5 * d as f64 * LN_2PI
        });
        Prepared {
            model,
            means_c,
            means_u,
            offset,
        }
    }

    /// `ln π_j + ln N(x | μ_j, Σ_j)` for every row of a shifted block, into `logp` (rows × k).
    fn weighted_log_prob(
        &self,
        xc: ArrayView2<f64>,
        y: &mut Array2<f64>,
        mut logp: ArrayViewMut2<f64>,
    ) {
        let (rows, d) = xc.dim();
        let k = self.offset.len();
        match &self.model.factors {
            PrecisionFactors::Full(u) => {
                for j in 0..k {
                    let mut yv = y.slice_mut(s![..rows, ..]);
                    general_mat_mul(1.0, &xc, &u.index_axis(Axis(0), j), 0.0, &mut yv);
                    self.quadratic_into(yv.view(), j, logp.column_mut(j));
                }
            }
            PrecisionFactors::Tied(u) => {
                let mut yv = y.slice_mut(s![..rows, ..]);
                general_mat_mul(1.0, &xc, u, 0.0, &mut yv);
                for j in 0..k {
                    self.quadratic_into(yv.view(), j, logp.column_mut(j));
                }
            }
            PrecisionFactors::Diag(p) => {
                for j in 0..k {
                    let (m, pj) = (self.means_c.row(j), p.row(j));
                    for (i, out) in logp.column_mut(j).iter_mut().enumerate() {
                        let mut q = 0.0;
                        for a in 0..d {
                            let z = (xc[[i, a]] - m[a]) * pj[a];
                            q += z * z;
                        }
                        *out = self.offset[j] - 0.5 * q;
                    }
                }
            }
            PrecisionFactors::Spherical(p) => {
                for j in 0..k {
                    let m = self.means_c.row(j);
                    let p2 = p[j] * p[j];
                    for (i, out) in logp.column_mut(j).iter_mut().enumerate() {
                        let mut q = 0.0;
                        for a in 0..d {
                            let z = xc[[i, a]] - m[a];
                            q += z * z;
                        }
                        *out = self.offset[j] - 0.5 * q * p2;
                    }
                }
            }
        }
    }

    /// Given `Y = (x − c)ᵀ U_j` per row, write `offset_j − ½‖Y − (μ_j − c)ᵀU_j‖²`.
    fn quadratic_into(&self, y: ArrayView2<f64>, j: usize, mut out: ArrayViewMut1<f64>) {
        let mu = self.means_u.row(j);
        for (o, row) in out.iter_mut().zip(y.rows()) {
            let mut q = 0.0;
            for (a, b) in row.iter().zip(mu.iter()) {
                let z = a - b;
                q += z * z;
            }
            *o = self.offset[j] - 0.5 * q;
        }
    }
}

/// Turn a row of `ln π_j N_j` into responsibilities in place, by log-sum-exp;
/// returns `ln p(x) = ln Σ_j π_j N_j`.
pub(crate) fn log_sum_exp_normalise(row: &mut [f64]) -> f64 {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        // Every component has zero density here (cannot happen with finite
        // data and positive-definite covariances); share the point evenly.
        let share = 1.0 / row.len() as f64;
        row.iter_mut().for_each(|v| *v = share);
        return max;
    }
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    row.iter_mut().for_each(|v| *v *= inv);
    max + sum.ln()
}

/// Add one block's contribution to the statistics.
fn accumulate_block(
    stats: &mut SuffStats,
    xc: ArrayView2<f64>,
    resp: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    rw: &mut Array2<f64>,
    tmp: &mut Array2<f64>,
) {
    let (rows, d) = xc.dim();
    let k = resp.ncols();
    let mut rwv = rw.slice_mut(s![..rows, ..]);
    rwv.assign(&resp);
    if let Some(w) = w {
        for (mut r, wi) in rwv.rows_mut().into_iter().zip(w.iter()) {
            r *= *wi;
        }
        stats.weight_sum += w.sum();
    } else {
        stats.weight_sum += rows as f64;
    }
    stats.nk += &rwv.sum_axis(Axis(0));
    general_mat_mul(1.0, &rwv.t(), &xc, 1.0, &mut stats.sx);
    let mut t = tmp.slice_mut(s![..rows, ..]);
    match &mut stats.second {
        SecondMoments::PerComponent(q) => {
            for j in 0..k {
                let r = rwv.column(j);
                for ((mut trow, xrow), rj) in t.rows_mut().into_iter().zip(xc.rows()).zip(r.iter())
                {
                    for a in 0..d {
                        trow[a] = xrow[a] * rj;
                    }
                }
                let mut qj = q.index_axis_mut(Axis(0), j);
                general_mat_mul(1.0, &t.t(), &xc, 1.0, &mut qj);
            }
        }
        SecondMoments::Diagonal(q) => {
            t.assign(&xc);
            t.mapv_inplace(|v| v * v);
            general_mat_mul(1.0, &rwv.t(), &t, 1.0, q);
        }
        SecondMoments::Total(q) => {
            t.assign(&xc);
            if let Some(w) = w {
                for (mut r, wi) in t.rows_mut().into_iter().zip(w.iter()) {
                    r *= *wi;
                }
            }
            general_mat_mul(1.0, &t.t(), &xc, 1.0, q);
        }
    }
}

/// Per-block scratch space, allocated once per chunk.
struct Scratch {
    y: Array2<f64>,
    rw: Array2<f64>,
    tmp: Array2<f64>,
}

impl Scratch {
    fn new(d: usize, k: usize) -> Self {
        Scratch {
            y: Array2::zeros((BLOCK, d)),
            rw: Array2::zeros((BLOCK, k)),
            tmp: Array2::zeros((BLOCK, d)),
        }
    }
}

/// One chunk of rows: optionally the E-step (writing responsibilities and the
/// per-row log-likelihood), then optionally the statistics.
#[allow(clippy::too_many_arguments)]
fn process_chunk(
    prep: Option<&Prepared>,
    ty: CovarianceType,
    centre: ArrayView1<f64>,
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    mut resp: ArrayViewMut2<f64>,
    mut point_ll: ArrayViewMut1<f64>,
    with_stats: bool,
) -> Option<SuffStats> {
    let (n, d) = x.dim();
    let k = resp.ncols();
    let mut scratch = Scratch::new(d, k);
    let mut xc_buf = Array2::<f64>::zeros((BLOCK, d));
    let mut stats = with_stats.then(|| SuffStats::zeros(ty, k, d));
    let mut start = 0;
    while start < n {
        let end = (start + BLOCK).min(n);
        let xb = x.slice(s![start..end, ..]);
        let wb = w.map(|w| w.slice_move(s![start..end]));
        let mut xc = xc_buf.slice_mut(s![..end - start, ..]);
        xc.assign(&xb);
        xc -= &centre;
        let xc = xc.view();
        let mut rb = resp.slice_mut(s![start..end, ..]);
        if let Some(prep) = prep {
            prep.weighted_log_prob(xc, &mut scratch.y, rb.view_mut());
            for (mut row, ll) in rb
                .rows_mut()
                .into_iter()
                .zip(point_ll.slice_mut(s![start..end]).iter_mut())
            {
                *ll = log_sum_exp_normalise(
                    row.as_slice_mut()
                        .expect("responsibility rows are contiguous"),
                );
            }
        }
        if let Some(st) = stats.as_mut() {
            if prep.is_some() {
                let lls = point_ll.slice(s![start..end]);
                st.ll_sum += match wb {
                    Some(w) => w.dot(&lls),
                    None => lls.sum(),
                };
            }
            accumulate_block(st, xc, rb.view(), wb, &mut scratch.rw, &mut scratch.tmp);
        }
        start = end;
    }
    stats
}

/// Run `process_chunk` over all chunks in parallel and merge the statistics in chunk order.
#[allow(clippy::too_many_arguments)]
fn run_chunks(
    prep: Option<&Prepared>,
    ty: CovarianceType,
    centre: ArrayView1<f64>,
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    mut resp: ArrayViewMut2<f64>,
    mut point_ll: ArrayViewMut1<f64>,
    with_stats: bool,
) -> Option<SuffStats> {
    let (n, d) = x.dim();
    let k = resp.ncols();
    let cr = chunk_rows(n);
    let parts: Vec<Option<SuffStats>> = resp
        .axis_chunks_iter_mut(Axis(0), cr)
        .into_par_iter()
        .zip(point_ll.axis_chunks_iter_mut(Axis(0), cr).into_par_iter())
        .enumerate()
        .map(|(c, (r, ll))| {
            let lo = c * cr;
            let hi = (lo + cr).min(n);
            let xs = x.slice(s![lo..hi, ..]);
            let ws = w.map(|w| w.slice_move(s![lo..hi]));
            process_chunk(prep, ty, centre, xs, ws, r, ll, with_stats)
        })
        .collect();
    if !with_stats {
        return None;
    }
    let mut total = SuffStats::zeros(ty, k, d);
    for p in parts.iter().flatten() {
        total.merge(p);
    }
    Some(total)
}

/// E-step plus statistics: fills `resp` (n × k) and `point_ll` (n) and returns
/// the sufficient statistics of the new responsibilities.
pub(crate) fn e_step_with_stats(
    model: &GmmModel,
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    centre: ArrayView1<f64>,
    resp: ArrayViewMut2<f64>,
    point_ll: ArrayViewMut1<f64>,
) -> SuffStats {
    let prep = Prepared::new(model, centre);
    run_chunks(
        Some(&prep),
        model.covariance_type(),
        centre,
        x,
        w,
        resp,
        point_ll,
        true,
    )
    .expect("statistics were requested")
}

/// Statistics of given responsibilities (no E-step): how the first M-step of
/// an initialisation sees its starting responsibilities.
pub(crate) fn stats_from_responsibilities(
    ty: CovarianceType,
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    centre: ArrayView1<f64>,
    resp: &mut Array2<f64>,
) -> SuffStats {
    let mut dummy = Array1::<f64>::zeros(x.nrows());
    run_chunks(
        None,
        ty,
        centre,
        x,
        w,
        resp.view_mut(),
        dummy.view_mut(),
        true,
    )
    .expect("statistics were requested")
}

/// Responsibilities and per-row log-density of `x` under `model`, without statistics.
pub(crate) fn evaluate(model: &GmmModel, x: ArrayView2<f64>) -> (Array2<f64>, Array1<f64>) {
    let (n, k) = (x.nrows(), model.n_components());
    // Centre on the mixture's mean: keeps the shifted coordinates small.
    let centre = model.weights().dot(model.means());
    let prep = Prepared::new(model, centre.view());
    let mut resp = Array2::<f64>::zeros((n, k));
    let mut ll = Array1::<f64>::zeros(n);
    run_chunks(
        Some(&prep),
        model.covariance_type(),
        centre.view(),
        x,
        None,
        resp.view_mut(),
        ll.view_mut(),
        false,
    );
    (resp, ll)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_sum_exp_by_hand() {
        // ln(e^-1000 + e^-1000) = -1000 + ln 2, each responsibility ½.
        let mut row = [-1000.0, -1000.0];
        let l = log_sum_exp_normalise(&mut row);
        assert!((l - (-1000.0 + 2f64.ln())).abs() < 1e-12);
        assert_eq!(row, [0.5, 0.5]);
        // A zero-weight component (ln 0 = -inf) gets responsibility 0.
        let mut row = [0.0, f64::NEG_INFINITY];
        assert_eq!(log_sum_exp_normalise(&mut row), 0.0);
        assert_eq!(row, [1.0, 0.0]);
    }

    #[test]
    fn chunks_depend_on_n_only() {
        assert_eq!(chunk_rows(6), BLOCK);
        assert_eq!(chunk_rows(1_000_000), 62 * BLOCK);
        assert!(chunk_rows(1_000_000) * MAX_CHUNKS >= 1_000_000);
    }
}
