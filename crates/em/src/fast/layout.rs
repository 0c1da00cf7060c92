//! Layout: the block buffers, the transposition of rows into feature-major
//! blocks, the augmented rows, and the tiling of features and components.

use super::estep::{BLOCK, STRIDE};
use super::simd::Vector;
use super::stats::Second;

/// Per-chunk scratch for the kernels.
pub(crate) struct Buffers {
    /// The block, shifted and transposed (`d` rows of STRIDE), then a row
    /// of ones, then for spherical covariances `‖x − c‖²` (see
    /// [`augmented_rows`]): Σ r_j, Σ r_j x and the spherical moment are then
    /// one product of the responsibilities with these rows.
    pub xt: Vec<f64>,
    /// ln π_j N_j, then responsibilities, component-major: k × BLOCK.
    pub logp: Vec<f64>,
    /// Weighted responsibilities, k × BLOCK.
    pub rw: Vec<f64>,
    /// The row weights (1 without weights), zero past the block's rows.
    pub t: Vec<f64>,
    /// Tied: Uᵀ(x − c) for the block, d × BLOCK.
    pub yt: Vec<f64>,
    /// Per-component constants of a kernel (k·(2d + 2)).
    pub consts: Vec<f64>,
}

/// Entries in the lower triangle of an `n × n` matrix (row `a` starts at `triangle(a)`).
pub(crate) fn triangle(n: usize) -> usize {
    n * (n + 1) / 2
}

/// Rows of the augmented block for `kind`: the `d` features, a row of
/// ones (row `d`), and for spherical `‖x − c‖²` (row `d + 1`, filled by
/// [`augment`]).
pub(crate) fn augmented_rows(kind: Second, d: usize) -> usize {
    match kind {
        Second::Spherical => d + 2,
        _ => d + 1,
    }
}

/// First-moment accumulators per component: `Σ r_j x` (d), `Σ r_j` (1),
/// then `Σ r_j x²` per feature (diag) or `Σ r_j ‖x‖²` (spherical).
pub(super) fn moment_entries(kind: Second, d: usize) -> usize {
    match kind {
        Second::Diag => 2 * d + 1,
        Second::Spherical => d + 2,
        Second::Full | Second::Total => d + 1,
    }
}

impl Buffers {
    pub(crate) fn new(kind: Second, d: usize, k: usize) -> Self {
        let mut xt = vec![0.0; augmented_rows(kind, d) * STRIDE];
        xt[d * STRIDE..(d + 1) * STRIDE].fill(1.0);
        Buffers {
            xt,
            logp: vec![0.0; k * STRIDE],
            rw: vec![0.0; k * STRIDE],
            t: vec![0.0; BLOCK],
            yt: vec![0.0; d * STRIDE],
            consts: vec![0.0; k * (2 * d + 2)],
        }
    }
}

/// Shift and transpose `rows` consecutive rows of a row-major matrix with `d`
/// columns (`flat`, starting at the first of them) into the block buffer:
/// `xt[a·STRIDE + i] = flat[i·d + a] − c[a]`, one vector of rows at a time
/// (a strided gather per feature).
#[inline(always)]
pub(super) fn transpose_body<V: Vector, const NV: usize>(
    flat: &[f64],
    centre: &[f64],
    rows: usize,
    xt: &mut [f64],
) {
    let d = centre.len();
    let whole = rows / V::W * V::W;
    assert!(flat.len() >= rows * d && xt.len() >= d * STRIDE && rows <= STRIDE);
    for g in (0..whole).step_by(V::W) {
        let block = &flat[g * d..(g + V::W) * d];
        // Two-feature rows (the common 2-D case) split by two shuffles.
        if d == 2 && V::W == 8 {
            if let Some(cols) = V::columns2(block, 2, 0) {
                for (a, col) in cols.iter().enumerate() {
                    col.sub(V::splat(centre[a]))
                        .store(&mut xt[a * STRIDE + g..]);
                }
                continue;
            }
        }
        let mut a0 = 0;
        // Eight features at a time by register shuffles where the vector allows.
        while V::W == 8 && a0 + 8 <= d {
            let Some(cols) = V::columns8(block, d, a0) else {
                break;
            };
            for (t, col) in cols.iter().enumerate() {
                let a = a0 + t;
                col.sub(V::splat(centre[a]))
                    .store(&mut xt[a * STRIDE + g..]);
            }
            a0 += 8;
        }
        // Then two at a time, by two shuffles of the rows' pairs.
        while V::W == 8 && a0 + 2 <= d {
            let Some(cols) = V::columns2(block, d, a0) else {
                break;
            };
            for (t, col) in cols.iter().enumerate() {
                let a = a0 + t;
                col.sub(V::splat(centre[a]))
                    .store(&mut xt[a * STRIDE + g..]);
            }
            a0 += 2;
        }
        for (a, ca) in centre.iter().enumerate().skip(a0) {
            // SAFETY: the last value read is (g + W − 1)·d + a < (g + W)·d ≤ rows·d.
            let v = unsafe { V::gather_unchecked(flat, g * d + a, d) };
            v.sub(V::splat(*ca)).store(&mut xt[a * STRIDE + g..]);
        }
    }
    for i in whole..rows {
        for (a, ca) in centre.iter().enumerate() {
            xt[a * STRIDE + i] = flat[i * d + a] - ca;
        }
    }
}

/// Feature rows and columns per tile of the second-moment kernel; `TILE_C` is
/// also the widest tile of [`feature_tiles!`].
pub(super) const TILE_A: usize = 2;
pub(super) const TILE_C: usize = 4;

/// Run `$body` over the features `0..d` in tiles of four (the last one
/// narrower), with `$a0` the tile's first feature and `$ta` its width as a
/// constant, so kernels can keep a tile's accumulators in fixed-size arrays.
macro_rules! feature_tiles {
    ($d:expr, |$a0:ident, $ta:ident| $body:expr) => {{
        let d: usize = $d;
        let mut $a0 = 0;
        while $a0 < d {
            match d - $a0 {
                1 => {
                    const $ta: usize = 1;
                    $body
                }
                2 => {
                    const $ta: usize = 2;
                    $body
                }
                3 => {
                    const $ta: usize = 3;
                    $body
                }
                _ => {
                    const $ta: usize = TILE_C;
                    $body
                }
            }
            $a0 += TILE_C;
        }
    }};
}
pub(crate) use feature_tiles;

/// Components per register tile where a tile keeps 4·4 sums: four with the
/// 32 registers of AVX-512, two with the 16 of AVX2 and SSE2 (four spill there).
#[inline(always)]
pub(super) fn tile_components<V: Vector>() -> usize {
    if V::W == 8 {
        4
    } else {
        2
    }
}

/// Run `$body` over the components `0..k` in tiles of `$max` (at most 4;
/// the last tile narrower), with `$j0` the tile's first component and `$tj`
/// its size as a constant, so kernels keep a tile's sums in fixed-size arrays.
macro_rules! component_tiles {
    ($k:expr, $max:expr, |$j0:ident, $tj:ident| $body:expr) => {{
        let k: usize = $k;
        let mut $j0 = 0;
        while $j0 < k {
            let width = (k - $j0).min($max);
            match width {
                1 => {
                    const $tj: usize = 1;
                    $body;
                }
                2 => {
                    const $tj: usize = 2;
                    $body;
                }
                3 => {
                    const $tj: usize = 3;
                    $body;
                }
                _ => {
                    const $tj: usize = 4;
                    $body;
                }
            }
            $j0 += width;
        }
    }};
}
pub(crate) use component_tiles;

/// For spherical covariances, `‖x − c‖²` for the `rows` rows of the block
/// (a multiple of the row group) into row `d + 1` (see [`augmented_rows`]),
/// `NV` vectors of rows at a time; nothing for the other kinds.
#[inline(always)]
pub(super) fn augment_body<V: Vector, const NV: usize>(
    kind: Second,
    d: usize,
    rows: usize,
    xt: &mut [f64],
) {
    if kind != Second::Spherical {
        return;
    }
    let step = NV * V::W;
    assert!(rows.is_multiple_of(step) && rows <= STRIDE && xt.len() >= (d + 2) * STRIDE);
    let (x, extra) = xt.split_at_mut(d * STRIDE);
    let norms = &mut extra[STRIDE..];
    for g in (0..rows).step_by(step) {
        let mut s = [V::zero(); NV];
        for a in 0..d {
            for (v, sv) in s.iter_mut().enumerate() {
                // SAFETY: a < d and g + NV·W ≤ rows ≤ STRIDE (checked above).
                let xv = unsafe { V::load_unchecked(x, a * STRIDE + g + v * V::W) };
                *sv = xv.mul_add(xv, *sv);
            }
        }
        for (v, sv) in s.iter().enumerate() {
            sv.store(&mut norms[g + v * V::W..]);
        }
    }
}
