//! Statistics: the sufficient statistics of a block (`Σ r`, `Σ r x` and the
//! second moments) in lane accumulators, and the small reductions.

use super::estep::STRIDE;
use super::layout::*;
use super::simd::Vector;

/// `Σ a_i b_i` with eight accumulators.
#[inline(always)]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `Σ a_i` with eight accumulators.
#[inline(always)]
pub(crate) fn sum(a: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut ca = a.chunks_exact(8);
    for x in &mut ca {
        for l in 0..8 {
            acc[l] += x[l];
        }
    }
    let tail: f64 = ca.remainder().iter().sum();
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// Lanes per accumulator: within a chunk every statistic is kept as this
/// many partial sums (one per vector lane, up to the widest vector), so no
/// block ends with a sum across lanes; they are summed once, in a fixed
/// order, when the chunk is done.
pub(crate) const ACC: usize = 8;

/// Which second moments to accumulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Second {
    /// Σ w r_j x xᵀ per component.
    Full,
    /// Σ w r_j x² per component and feature.
    Diag,
    /// Σ w r_j ‖x‖² per component.
    Spherical,
    /// Σ w x xᵀ over all rows.
    Total,
}

/// One chunk's statistics as lane accumulators (each entry `ACC` values).
pub(crate) struct LaneStats {
    kind: Second,
    d: usize,
    k: usize,
    /// k × [`moment_entries`]: Σ w r_j x, Σ w r_j, and the diagonal or
    /// spherical second moments.
    first: Vec<f64>,
    /// Full: k × (packed lower triangle of d × d); Total: the packed lower
    /// triangle of d × d; empty otherwise.
    second: Vec<f64>,
}

/// The sum of one accumulator's lanes, in a fixed order.
pub(super) fn lane_sum(v: &[f64]) -> f64 {
    ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]))
}

impl LaneStats {
    pub(crate) fn new(kind: Second, d: usize, k: usize) -> Self {
        let entries = match kind {
            Second::Full => k * triangle(d),
            Second::Diag | Second::Spherical => 0,
            Second::Total => triangle(d),
        };
        LaneStats {
            kind,
            d,
            k,
            first: vec![0.0; k * moment_entries(kind, d) * ACC],
            second: vec![0.0; entries * ACC],
        }
    }

    /// `Σ w r_j` (k), `Σ w r_j x` (k × d, row-major) and the second moments:
    /// full k × d × d and total d × d with the lower triangle filled, diag
    /// k × d, spherical k.
    pub(crate) fn totals(&self) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let (d, k) = (self.d, self.k);
        let m = moment_entries(self.kind, d);
        let first = |j: usize, a: usize| lane_sum(&self.first[(j * m + a) * ACC..][..ACC]);
        let nk = (0..k).map(|j| first(j, d)).collect();
        let sx = (0..k * d).map(|e| first(e / d, e % d)).collect();
        let at = |e: usize| lane_sum(&self.second[e * ACC..(e + 1) * ACC]);
        let second = match self.kind {
            Second::Diag => (0..k * d).map(|e| first(e / d, d + 1 + e % d)).collect(),
            Second::Spherical => (0..k).map(|j| first(j, d + 1)).collect(),
            Second::Full => {
                let mut q = vec![0.0; k * d * d];
                for j in 0..k {
                    for a in 0..d {
                        for c in 0..=a {
                            q[(j * d + a) * d + c] = at(j * triangle(d) + triangle(a) + c);
                        }
                    }
                }
                q
            }
            Second::Total => {
                let mut q = vec![0.0; d * d];
                for a in 0..d {
                    for c in 0..=a {
                        q[a * d + c] = at(triangle(a) + c);
                    }
                }
                q
            }
        };
        (nk, sx, second)
    }
}

/// Add a vector to the first lanes of an accumulator.
#[inline(always)]
pub(super) fn add_lanes<V: Vector>(acc: &mut [f64], v: V) {
    V::load(acc).add(v).store(acc);
}

/// `Σ_i r_ji y_ai` for the components `j0..j0 + TJ` (responsibility rows
/// of `resp`) and the augmented rows `a0..a0 + TA` of `xt`, added to
/// `first[(j·m + a)·ACC..]`; with `SQ` also `Σ_i r_ji y_ai²`, added at
/// `a + d + 1`, and in the tile of feature 0 `Σ_i r_ji`, added at `d`. Per
/// vector of rows, `TJ + TA` loads feed `TJ·TA` (or `2·TJ·TA`) independent
/// multiply-adds.
#[inline(always)]
pub(super) fn cross_tile<V: Vector, const TJ: usize, const TA: usize, const SQ: bool>(
    (resp, xt, rows): (&[f64], &[f64], usize),
    (j0, a0, m, d): (usize, usize, usize, usize),
    first: &mut [f64],
) {
    assert!(rows.is_multiple_of(V::W) && rows <= STRIDE);
    assert!((j0 + TJ) * STRIDE <= resp.len() && (a0 + TA) * STRIDE <= xt.len());
    assert!((j0 + TJ) * m * ACC <= first.len() && a0 + TA <= m && (!SQ || a0 + TA + d < m));
    let mut acc = [[V::zero(); TA]; TJ];
    let mut acc2 = [[V::zero(); TA]; TJ];
    let mut acc0 = [V::zero(); TJ];
    let with_n = SQ && a0 == 0;
    for g in (0..rows).step_by(V::W) {
        // SAFETY (every load): g + W ≤ rows ≤ STRIDE, and the rows read are
        // inside `xt` and `resp` (checked above).
        let mut xs = [V::zero(); TA];
        let mut sq = [V::zero(); TA];
        for ta in 0..TA {
            xs[ta] = unsafe { V::load_unchecked(xt, (a0 + ta) * STRIDE + g) };
            if SQ {
                sq[ta] = xs[ta].mul(xs[ta]);
            }
        }
        for tj in 0..TJ {
            let rv = unsafe { V::load_unchecked(resp, (j0 + tj) * STRIDE + g) };
            if with_n {
                acc0[tj] = acc0[tj].add(rv);
            }
            for ta in 0..TA {
                acc[tj][ta] = rv.mul_add(xs[ta], acc[tj][ta]);
                if SQ {
                    acc2[tj][ta] = rv.mul_add(sq[ta], acc2[tj][ta]);
                }
            }
        }
    }
    for tj in 0..TJ {
        if with_n {
            add_lanes(&mut first[((j0 + tj) * m + d) * ACC..], acc0[tj]);
        }
        for ta in 0..TA {
            let at = (j0 + tj) * m + a0 + ta;
            add_lanes(&mut first[at * ACC..], acc[tj][ta]);
            if SQ {
                add_lanes(&mut first[(at + d + 1) * ACC..], acc2[tj][ta]);
            }
        }
    }
}

/// [`cross_tile`] with squares over every feature for the `TJ` components
/// from `j0`: tiles of features wide enough that each keeps `2·TJ·TA ≥ 16`
/// (8 with sixteen registers) multiply-add chains in flight, so a narrow
/// last tile of components (one of five, say) is not bound by the latency
/// of its few chains.
#[inline(always)]
pub(super) fn square_tiles<V: Vector, const TJ: usize>(
    src: (&[f64], &[f64], usize),
    j0: usize,
    (m, d): (usize, usize),
    first: &mut [f64],
) {
    let widest = 2 * tile_components::<V>() / TJ;
    let mut a0 = 0;
    while a0 < d {
        let ta = [8, 4, 2, 1]
            .into_iter()
            .find(|&w| w <= widest && w <= d - a0)
            .unwrap_or(1);
        let at = (j0, a0, m, d);
        match ta {
            8 => cross_tile::<V, TJ, 8, true>(src, at, first),
            4 => cross_tile::<V, TJ, 4, true>(src, at, first),
            2 => cross_tile::<V, TJ, 2, true>(src, at, first),
            _ => cross_tile::<V, TJ, 1, true>(src, at, first),
        }
        a0 += ta;
    }
}

/// The lower triangle of `Σ_i r_i x_i x_iᵀ` added to `q` (accumulators for
/// the packed lower triangle, row `a` at `triangle(a)`), in tiles of up to 2 × 4 entries (see `outer_tile`); tiles
/// on the diagonal are cut to the triangle's edge.
#[inline(always)]
pub(super) fn outer_lower<V: Vector>(r: &[f64], xt: &[f64], d: usize, q: &mut [f64]) {
    for a0 in (0..d).step_by(TILE_A) {
        let ta = (d - a0).min(TILE_A);
        for c0 in (0..a0 + ta).step_by(TILE_C) {
            let tile = (r, xt, a0, c0);
            match (ta, (a0 + ta - c0).min(TILE_C)) {
                (2, 4) => outer_tile::<V, 2, 4>(tile, q),
                (2, 3) => outer_tile::<V, 2, 3>(tile, q),
                (2, 2) => outer_tile::<V, 2, 2>(tile, q),
                (2, _) => outer_tile::<V, 2, 1>(tile, q),
                (_, 4) => outer_tile::<V, 1, 4>(tile, q),
                (_, 3) => outer_tile::<V, 1, 3>(tile, q),
                (_, 2) => outer_tile::<V, 1, 2>(tile, q),
                (_, _) => outer_tile::<V, 1, 1>(tile, q),
            }
        }
    }
}

/// Rows `a0..a0 + TA` × columns `c0..c0 + TC` of `Σ_i r_i x_i x_iᵀ`: per
/// step, `TA` loads of `x_a`, `TC` of `x_c` and one of `r` feed `TA·TC`
/// independent multiply-add chains.
#[inline(always)]
pub(super) fn outer_tile<V: Vector, const TA: usize, const TC: usize>(
    (r, xt, a0, c0): (&[f64], &[f64], usize, usize),
    q: &mut [f64],
) {
    let rows = r.len();
    let xa: [&[f64]; TA] = std::array::from_fn(|t| &xt[(a0 + t) * STRIDE..][..rows]);
    let xc: [&[f64]; TC] = std::array::from_fn(|m| &xt[(c0 + m) * STRIDE..][..rows]);
    assert_eq!(rows % V::W, 0, "whole vectors of rows");
    let mut acc = [[V::zero(); TC]; TA];
    for g in (0..rows).step_by(V::W) {
        // SAFETY (every load): g + W ≤ rows, and every slice has `rows` values.
        let rv = unsafe { V::load_unchecked(r, g) };
        // Loops, not `array::from_fn`: a closure holding vector operations
        // may stay un-inlined outside the vector-compiled caller.
        let mut t = [V::zero(); TA];
        for ta in 0..TA {
            t[ta] = rv.mul(unsafe { V::load_unchecked(xa[ta], g) });
        }
        for m in 0..TC {
            let xv = unsafe { V::load_unchecked(xc[m], g) };
            for ta in 0..TA {
                acc[ta][m] = t[ta].mul_add(xv, acc[ta][m]);
            }
        }
    }
    for (ta, row) in acc.iter().enumerate() {
        for (m, v) in row.iter().enumerate() {
            let (a, c) = (a0 + ta, c0 + m);
            if c <= a {
                add_lanes(&mut q[(triangle(a) + c) * ACC..], *v);
            }
        }
    }
}

/// Add the block to the chunk's statistics. `rows` is a multiple of the
/// row group and every row past the block's data is zero in `xt`, `logp`,
/// `rw` and `t`. With row weights (`weighted`), `b.rw` holds the weighted
/// responsibilities and `b.t` the weights; without, `b.logp` holds the
/// responsibilities and `b.t` ones.
#[inline(always)]
pub(super) fn stats_body<V: Vector, const NV: usize>(
    d: usize,
    rows: usize,
    b: &Buffers,
    weighted: bool,
    acc: &mut LaneStats,
) {
    let k = acc.k;
    let resp = if weighted { &b.rw } else { &b.logp };
    let m = moment_entries(acc.kind, d);
    let (xt, first) = (&b.xt[..], &mut acc.first[..]);
    if acc.kind == Second::Diag {
        // Σ r_j x and Σ r_j x² together (x² formed in registers, once per
        // tile), in tiles of 4 components (2 with sixteen registers) × 2
        // features or narrower × wider, and Σ r_j with the first of them.
        component_tiles!(k, tile_components::<V>(), |j0, TJ| {
            square_tiles::<V, TJ>((resp, xt, rows), j0, (m, d), first)
        });
    } else {
        // Σ r_j x, Σ r_j and (spherical) Σ r_j ‖x‖²: one product of the
        // responsibilities with the augmented rows, in 4 × 4 tiles (2 × 4
        // with sixteen registers).
        let (rows_used, width) = (augmented_rows(acc.kind, d), tile_components::<V>());
        component_tiles!(k, width, |j0, TJ| {
            feature_tiles!(rows_used, |a0, TA| {
                cross_tile::<V, TJ, TA, false>((resp, xt, rows), (j0, a0, m, d), first);
            })
        });
    }
    if acc.kind == Second::Full {
        let t = triangle(d) * ACC;
        for j in 0..k {
            let r = &resp[j * STRIDE..j * STRIDE + rows];
            outer_lower::<V>(r, &b.xt, d, &mut acc.second[j * t..(j + 1) * t]);
        }
    }
    if acc.kind == Second::Total {
        outer_lower::<V>(&b.t[..rows], &b.xt, d, &mut acc.second);
    }
}
