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

use ndarray::{s, Array1, Array2, Array3, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;
use std::borrow::Cow;

use super::dispatch::{self, Simd};
use super::fused::FUSED_MAX_K;
use super::layout::Buffers;
use super::log_density::Factors;
use super::log_sum_exp::{prefetch, RowLogLik};
use super::stats::{dot, sum, LaneStats, Second};
use crate::engine::RowOut;
use crate::model::{CovarianceType, GmmModel, PrecisionFactors};
use crate::stats::{SecondMoments, SuffStats};

/// Rows per block inside a chunk.
pub(crate) const BLOCK: usize = 256;
/// The statistics kernels work in groups of this many rows (a multiple of
/// every vector group they use; BLOCK is a multiple of it).
const ROW_GROUP: usize = 32;
/// Distance between consecutive feature (or component) rows of a block
/// buffer: a little more than BLOCK, so the rows do not all fall into the
/// same cache sets (a power-of-two stride made the transposition thrash L1).
pub(crate) const STRIDE: usize = BLOCK + 8;
/// At most this many chunks (bounds the memory of per-chunk statistics).
const MAX_CHUNKS: usize = 64;

use crate::reference::LN_2PI;

/// At least this many blocks per chunk: below it the cost of handing a chunk
/// to a thread (its buffers, its statistics) outweighs the work.
const MIN_CHUNK_BLOCKS: usize = 4;

/// Rows per parallel chunk: a function of `n` only.
pub(crate) fn chunk_rows(n: usize) -> usize {
    let per = n.div_ceil(MAX_CHUNKS);
    per.div_ceil(BLOCK).max(MIN_CHUNK_BLOCKS) * BLOCK
}

/// The model rearranged for the kernels around a centre `c`.
struct Prepared {
    ty: CovarianceType,
    /// Precision factors, flat row-major (see [`Factors`]).
    u: Vec<f64>,
    /// (μ_j − c)ᵀU_j (full, tied) or (μ_j − c)/σ_j (diag, spherical), k × d.
    mu: Vec<f64>,
    /// ln π_j + ln det U_j − ½ d ln 2π: everything in ln π_j N(x) but the quadratic form.
    offset: Vec<f64>,
}

impl Prepared {
    fn new(model: &GmmModel, centre: ArrayView1<f64>) -> Self {
        let (k, d) = model.means().dim();
        let means_c = model.means() - &centre.broadcast((k, d)).unwrap();
        let flat = |a: ArrayView2<f64>| a.iter().copied().collect::<Vec<f64>>();
        let (u, mu) = match &model.factors {
            PrecisionFactors::Full(u) => {
                let mut mu_u = Array2::<f64>::zeros((k, d));
                for j in 0..k {
                    mu_u.row_mut(j)
                        .assign(&means_c.row(j).dot(&u.index_axis(Axis(0), j)));
                }
                (u.iter().copied().collect(), flat(mu_u.view()))
            }
            PrecisionFactors::Tied(u) => (flat(u.view()), flat(means_c.dot(u).view())),
            PrecisionFactors::Diag(p) => (flat(p.view()), flat((&means_c * p).view())),
            PrecisionFactors::Spherical(p) => {
                let scaled = &means_c * &p.view().insert_axis(Axis(1));
                (p.to_vec(), flat(scaled.view()))
            }
        };
        let offset = (0..k)
            .map(|j| model.weights()[j].ln() + model.log_det_factor[j] - 0.5 * d as f64 * LN_2PI)
            .collect();
        Prepared {
            ty: model.covariance_type(),
            u,
            mu,
            offset,
        }
    }

    fn factors(&self) -> Factors<'_> {
        let (u, mu) = (&self.u[..], &self.mu[..]);
        match self.ty {
            CovarianceType::Full => Factors::Full { u, mu_u: mu },
            CovarianceType::Tied => Factors::Tied { u, mu_u: mu },
            CovarianceType::Diag => Factors::Diag { p: u, m: mu },
            CovarianceType::Spherical => Factors::Spherical { p: u, m: mu },
        }
    }
}

/// What one pass over the data does, shared by every chunk.
#[derive(Clone, Copy)]
struct Pass<'a> {
    /// The model for the E-step; `None` when the responsibilities are given.
    prep: Option<&'a Prepared>,
    ty: CovarianceType,
    centre: ArrayView1<'a, f64>,
    /// Accumulate the sufficient statistics.
    with_stats: bool,
    /// Number of components.
    k: usize,
    /// The SIMD level every kernel of the pass runs at.
    level: Simd,
}

/// Shift and transpose rows `start..end` of `x` into the block buffer:
/// `xt[a·STRIDE + i] = x[start + i, a] − c[a]`.
fn load_block(
    level: Simd,
    x: ArrayView2<f64>,
    centre: &[f64],
    start: usize,
    end: usize,
    xt: &mut [f64],
) {
    let d = centre.len();
    match x.as_slice() {
        Some(flat) => {
            dispatch::transpose_at(level, &flat[start * d..end * d], centre, end - start, xt)
        }
        None => {
            for (i, row) in x.slice(s![start..end, ..]).rows().into_iter().enumerate() {
                for a in 0..d {
                    xt[a * STRIDE + i] = row[a] - centre[a];
                }
            }
        }
    }
}

/// Hint the CPU to bring rows `start..end` of `x` into cache.
fn prefetch_rows(x: ArrayView2<f64>, start: usize, end: usize) {
    if let Some(flat) = x.as_slice() {
        let d = x.ncols();
        for line in flat[start * d..end * d].chunks(8) {
            prefetch(line);
        }
    }
}

/// The kernels' statistics for a covariance type.
fn second_kind(ty: CovarianceType) -> Second {
    match ty {
        CovarianceType::Full => Second::Full,
        CovarianceType::Diag => Second::Diag,
        CovarianceType::Spherical => Second::Spherical,
        CovarianceType::Tied => Second::Total,
    }
}

/// One chunk of rows: optionally the E-step (writing responsibilities and the
/// per-row log-likelihood to `out` when given), then optionally the statistics.
/// Without an E-step the responsibilities are read from `out`. `buf` is
/// scratch for the kernels, made by `Buffers::new(second_kind(ty), d, k)` and
/// reused from chunk to chunk (every value is written before it is read).
fn process_chunk(
    pass: Pass,
    buf: &mut Buffers,
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    mut out: Option<RowOut>,
) -> Option<SuffStats> {
    let Pass {
        prep,
        ty,
        centre,
        with_stats,
        k,
        level,
    } = pass;
    let (n, d) = x.dim();
    let centre: Cow<[f64]> = centre
        .as_slice()
        .map_or_else(|| Cow::Owned(centre.to_vec()), Cow::Borrowed);
    let kind = second_kind(ty);
    let mut lanes = with_stats.then(|| LaneStats::new(kind, d, k));
    let (mut ll_sum, mut weight_sum) = (0.0, 0.0);
    let factors = prep.map(|p| p.factors());
    let w_owned: Option<Vec<f64>> = w.map(|w| w.to_vec());
    let mut ll_block = [0.0f64; BLOCK];
    let mut block_ll = 0.0;
    let fused = factors
        .as_ref()
        .is_some_and(|f| matches!(f, Factors::Diag { .. } | Factors::Spherical { .. }))
        && k <= FUSED_MAX_K;
    // How many rows ahead of the block being computed the prefetches start:
    // the next block for the fused E-step, the one after for the others
    // (each measured best: 1M × 10, k = 5, diag 4.5 → 4.1 ms with the next
    // block; full slower with it, 12.5 → 13.4 ms).
    let lead = if fused { 0 } else { BLOCK };
    // The rows between the first block and the first block prefetched in the loop.
    prefetch_rows(x, BLOCK.min(n), (BLOCK + lead).min(n));
    let mut start = 0;
    while start < n {
        let end = (start + BLOCK).min(n);
        let rows = end - start;
        load_block(level, x, &centre, start, end, &mut buf.xt);
        // Bring a block ahead (`lead` rows past this one) into cache while
        // this one is computed, so the loads of `load_block` find it there.
        // With an E-step the log-sum-exp issues the prefetches a few lines
        // per vector of rows: issued all at once they stall on memory like
        // the loads they replace.
        let (next_lo, next_hi) = ((end + lead).min(n), (end + lead + BLOCK).min(n));
        let ahead: &[f64] = match (x.as_slice(), prep) {
            (Some(flat), Some(_)) => &flat[next_lo * d..next_hi * d],
            _ => {
                prefetch_rows(x, next_lo, next_hi);
                &[]
            }
        };
        // The kernels work in whole row groups: zero the features past the data.
        let padded_rows = rows.next_multiple_of(ROW_GROUP);
        for a in 0..d {
            buf.xt[a * STRIDE + rows..a * STRIDE + padded_rows].fill(0.0);
        }
        dispatch::augment_at(level, kind, d, padded_rows, &mut buf.xt);
        if let (Some(prep), Some(f)) = (prep, factors.as_ref()) {
            // Per-row values only where they are written out or weighted;
            // otherwise the block's sum is enough (one logarithm per lane).
            block_ll = 0.0;
            let mut ll = match (&out, w) {
                (None, None) => RowLogLik::Sum(&mut block_ll),
                _ => RowLogLik::PerRow(&mut ll_block[..rows]),
            };
            if fused {
                dispatch::fused_at(level, f, &prep.offset, d, rows, buf, &mut ll, ahead);
            } else {
                dispatch::log_prob_at(level, f, &prep.offset, d, rows, buf);
                dispatch::normalise_at(level, k, rows, buf, &mut ll, ahead);
            }
            if let Some((resp, ll)) = out.as_mut() {
                for (i, mut row) in resp
                    .slice_mut(s![start..end, ..])
                    .rows_mut()
                    .into_iter()
                    .enumerate()
                {
                    for (j, v) in row.iter_mut().enumerate() {
                        *v = buf.logp[j * STRIDE + i];
                    }
                }
                ll.slice_mut(s![start..end])
                    .assign(&ArrayView1::from(&ll_block[..rows]));
            }
        } else {
            let (resp, _) = out.as_ref().expect("responsibilities to read");
            for (i, row) in resp
                .slice(s![start..end, ..])
                .rows()
                .into_iter()
                .enumerate()
            {
                for (j, v) in row.iter().enumerate() {
                    buf.logp[j * STRIDE + i] = *v;
                }
            }
        }
        if let Some(acc) = lanes.as_mut() {
            let wb = w_owned.as_ref().map(|w| &w[start..end]);
            if prep.is_some() {
                ll_sum += match (wb, &out) {
                    (Some(w), _) => dot(w, &ll_block[..rows]),
                    (None, Some(_)) => sum(&ll_block[..rows]),
                    (None, None) => block_ll,
                };
            }
            weight_sum += wb.map_or(rows as f64, sum);
            // Responsibilities past the data are zero too.
            for j in 0..k {
                buf.logp[j * STRIDE + rows..j * STRIDE + padded_rows].fill(0.0);
            }
            match wb {
                Some(w) => buf.t[..rows].copy_from_slice(w),
                None => buf.t[..rows].fill(1.0),
            }
            buf.t[rows..padded_rows].fill(0.0);
            if wb.is_some() {
                for j in 0..k {
                    let (r, rw) = (&buf.logp[j * STRIDE..], &mut buf.rw[j * STRIDE..]);
                    for i in 0..padded_rows {
                        rw[i] = r[i] * buf.t[i];
                    }
                }
            }
            dispatch::stats_at(level, d, padded_rows, buf, wb.is_some(), acc);
        }
        start = end;
    }
    lanes.map(|acc| {
        let (nk, sx, second) = acc.totals();
        let shape = "statistics shaped by their kind";
        SuffStats {
            nk: Array1::from(nk),
            sx: Array2::from_shape_vec((k, d), sx).expect(shape),
            second: match kind {
                Second::Full => SecondMoments::PerComponent(
                    Array3::from_shape_vec((k, d, d), second).expect(shape),
                ),
                Second::Diag => {
                    SecondMoments::Diagonal(Array2::from_shape_vec((k, d), second).expect(shape))
                }
                Second::Spherical => SecondMoments::Spherical(Array1::from(second)),
                Second::Total => {
                    SecondMoments::Total(Array2::from_shape_vec((d, d), second).expect(shape))
                }
            },
            ll_sum,
            weight_sum,
        }
    })
}

/// The kernels fill only the lower triangle of d × d moments; mirror it.
fn mirror_lower(m: &mut ndarray::ArrayViewMut2<f64>) {
    let d = m.nrows();
    for a in 0..d {
        for c in 0..a {
            m[[c, a]] = m[[a, c]];
        }
    }
}

/// Run `process_chunk` over all chunks in parallel and merge the statistics in chunk order.
fn run_chunks(
    pass: Pass,
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    out: Option<RowOut>,
) -> Option<SuffStats> {
    let Pass {
        ty, with_stats, k, ..
    } = pass;
    let (n, d) = x.dim();
    let cr = chunk_rows(n);
    let mut out = out;
    let chunks: Vec<Option<RowOut>> = match out.as_mut() {
        Some((resp, ll)) => resp
            .axis_chunks_iter_mut(Axis(0), cr)
            .zip(ll.axis_chunks_iter_mut(Axis(0), cr))
            .map(Some)
            .collect(),
        None => (0..n.div_ceil(cr)).map(|_| None).collect(),
    };
    let parts: Vec<Option<SuffStats>> = chunks
        .into_par_iter()
        .enumerate()
        .map_init(
            || Buffers::new(second_kind(ty), d, k),
            |buf, (c, o)| {
                let lo = c * cr;
                let hi = (lo + cr).min(n);
                let xs = x.slice(s![lo..hi, ..]);
                let ws = w.map(|w| w.slice_move(s![lo..hi]));
                process_chunk(pass, buf, xs, ws, o)
            },
        )
        .collect();
    if !with_stats {
        return None;
    }
    let mut total = SuffStats::zeros(ty, k, d);
    for p in parts.iter().flatten() {
        total.merge(p);
    }
    match &mut total.second {
        SecondMoments::PerComponent(q) => {
            for mut m in q.outer_iter_mut() {
                mirror_lower(&mut m);
            }
        }
        SecondMoments::Total(q) => mirror_lower(&mut q.view_mut()),
        SecondMoments::Diagonal(_) | SecondMoments::Spherical(_) => {}
    }
    Some(total)
}

/// E-step plus statistics: returns the sufficient statistics of the new
/// responsibilities, and writes the responsibilities (n × k) and per-row
/// log-likelihoods (n) to `out` when it is given. Fitting leaves `out` out:
/// the M-step needs only the statistics.
pub(crate) fn e_step_with_stats(
    level: Simd,
    model: &GmmModel,
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    centre: ArrayView1<f64>,
    out: Option<RowOut>,
) -> SuffStats {
    let prep = Prepared::new(model, centre);
    let pass = Pass {
        prep: Some(&prep),
        ty: model.covariance_type(),
        centre: centre.view(),
        with_stats: true,
        k: model.n_components(),
        level,
    };
    run_chunks(pass, x, w, out).expect("statistics were requested")
}

/// Statistics of given responsibilities (no E-step): how the first M-step of
/// an initialisation sees its starting responsibilities.
pub(crate) fn stats_from_responsibilities(
    level: Simd,
    ty: CovarianceType,
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    centre: ArrayView1<f64>,
    resp: &mut Array2<f64>,
) -> SuffStats {
    let mut unused = Array1::<f64>::zeros(x.nrows());
    let pass = Pass {
        prep: None,
        ty,
        centre,
        with_stats: true,
        k: resp.ncols(),
        level,
    };
    run_chunks(pass, x, w, Some((resp.view_mut(), unused.view_mut())))
        .expect("statistics were requested")
}

/// Responsibilities and per-row log-density of `x` under `model`, computed
/// around `centre`, without statistics.
pub(crate) fn evaluate_around(
    level: Simd,
    model: &GmmModel,
    x: ArrayView2<f64>,
    centre: ArrayView1<f64>,
) -> (Array2<f64>, Array1<f64>) {
    let (n, k) = (x.nrows(), model.n_components());
    let prep = Prepared::new(model, centre);
    let mut resp = Array2::<f64>::zeros((n, k));
    let mut ll = Array1::<f64>::zeros(n);
    let centre = centre.view();
    let pass = Pass {
        prep: Some(&prep),
        ty: model.covariance_type(),
        centre,
        with_stats: false,
        k,
        level,
    };
    run_chunks(pass, x, None, Some((resp.view_mut(), ll.view_mut())));
    (resp, ll)
}

/// Responsibilities and per-row log-density of `x` under `model`, without statistics.
pub(crate) fn evaluate(
    level: Simd,
    model: &GmmModel,
    x: ArrayView2<f64>,
) -> (Array2<f64>, Array1<f64>) {
    // Centre on the mixture's mean: keeps the shifted coordinates small.
    let centre = model.weights().dot(model.means());
    evaluate_around(level, model, x, centre.view())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_depend_on_n_only() {
        assert_eq!(chunk_rows(6), MIN_CHUNK_BLOCKS * BLOCK);
        assert_eq!(chunk_rows(1_000_000), 62 * BLOCK);
        assert!(chunk_rows(1_000_000) * MAX_CHUNKS >= 1_000_000);
    }
}
