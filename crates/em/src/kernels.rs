//! The inner loops of one block of rows, written for the vector units.
//!
//! A block of `B ≤ BLOCK` rows is held transposed (`xt[a·STRIDE + i]`, feature
//! major) so every inner loop runs over the rows of the block with unit
//! stride. The products and sums are written with the [`Vector`] operations of
//! `simd.rs`, several independent accumulators per sum, so they run at the
//! vector units' throughput rather than one chain's latency; the log-sum-exp
//! takes its exponentials and logarithms from `vmath.rs`. Each kernel is
//! compiled for the baseline target, for AVX2 + FMA and for AVX-512, and the
//! best level the CPU supports is chosen at run time ([`simd`]).

use crate::estep::{BLOCK, STRIDE};
#[cfg(target_arch = "x86_64")]
use crate::simd::{Avx2, Avx512};
use crate::simd::{Pair, Vector};

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

/// How the model's precision factors look to the kernels (all slices row-major).
pub(crate) enum Factors<'a> {
    /// Upper-triangular U_j (k × d × d) and (μ_j − c)ᵀU_j (k × d).
    Full { u: &'a [f64], mu_u: &'a [f64] },
    /// One shared U (d × d) and (μ_j − c)ᵀU (k × d).
    Tied { u: &'a [f64], mu_u: &'a [f64] },
    /// 1/σ per component and feature (k × d), and (μ_j − c)/σ (k × d).
    Diag { p: &'a [f64], m: &'a [f64] },
    /// 1/σ per component (k), and (μ_j − c)/σ_j (k × d).
    Spherical { p: &'a [f64], m: &'a [f64] },
}

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
fn moment_entries(kind: Second, d: usize) -> usize {
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
fn transpose_body<V: Vector, const NV: usize>(
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
const TILE_A: usize = 2;
const TILE_C: usize = 4;

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

/// `y_a = Σ_{c ≤ a} U[c, a] x_c − shift_a` for the features `a0..a0 + TA` of
/// two vectors of rows from `g`, held in registers (U upper triangular,
/// d × d row-major; no shift when `shift` is `None`). Each x
/// vector loaded feeds `TA` multiplies and adds (kept separate: a fused
/// chain would be bound by its latency). The entries below U's diagonal
/// inside a tile are zero and need no test.
#[inline(always)]
fn factor_tile<V: Vector, const TA: usize>(
    u: &[f64],
    d: usize,
    shift: Option<&[f64]>,
    xt: &[f64],
    g: usize,
    a0: usize,
) -> [[V; 2]; TA] {
    let mut y = [[V::zero(); 2]; TA];
    if let Some(m) = shift {
        for (t, yt) in y.iter_mut().enumerate() {
            *yt = [V::splat(-m[a0 + t]); 2];
        }
    }
    assert!(g + 2 * V::W <= STRIDE && (a0 + TA) * STRIDE <= xt.len() && u.len() >= d * d);
    assert!(a0 + TA <= d);
    for c in 0..a0 + TA {
        let at = c * STRIDE + g;
        // SAFETY: c < a0 + TA, so `at + 2W ≤ (a0 + TA)·STRIDE ≤ xt.len()` (checked above).
        let xv = unsafe { [V::load_unchecked(xt, at), V::load_unchecked(xt, at + V::W)] };
        // SAFETY: c·d + a0 + TA ≤ d·d ≤ u.len() (checked above).
        let coefs = unsafe { u.get_unchecked(c * d + a0..c * d + a0 + TA) };
        for (yt, coef) in y.iter_mut().zip(coefs) {
            let coef = V::splat(*coef);
            yt[0] = yt[0].add(coef.mul(xv[0]));
            yt[1] = yt[1].add(coef.mul(xv[1]));
        }
    }
    y
}

/// Full covariance: `q += ‖y‖²` over the features `a0..a0 + TA` of one
/// component (see [`factor_tile`]).
#[inline(always)]
fn full_tile<V: Vector, const TA: usize>(
    uj: &[f64],
    mj: &[f64],
    d: usize,
    xt: &[f64],
    g: usize,
    a0: usize,
    q: &mut [V; 2],
) {
    for yt in &factor_tile::<V, TA>(uj, d, Some(mj), xt, g, a0) {
        q[0] = yt[0].mul_add(yt[0], q[0]);
        q[1] = yt[1].mul_add(yt[1], q[1]);
    }
}

/// Tied covariance: store `y = Uᵀx` for the features `a0..a0 + TA` (shared
/// by every component) into `yt`.
#[inline(always)]
fn tied_tile<V: Vector, const TA: usize>(
    u: &[f64],
    d: usize,
    xt: &[f64],
    g: usize,
    a0: usize,
    yt: &mut [f64],
) {
    for (t, y) in factor_tile::<V, TA>(u, d, None, xt, g, a0)
        .iter()
        .enumerate()
    {
        let at = (a0 + t) * STRIDE + g;
        y[0].store(&mut yt[at..]);
        y[1].store(&mut yt[at + V::W..]);
    }
}

/// One group's results: `out = offset − q/2`. (A function rather than a
/// closure: closures are not inlined into the vector-compiled callers
/// reliably, and the vector operations must be.)
#[inline(always)]
fn finish<V: Vector, const NV: usize>(out: &mut [f64], g: usize, off: f64, q: &[V; NV]) {
    let (off, minus_half) = (V::splat(off), V::splat(-0.5));
    for (u, qv) in q.iter().enumerate() {
        qv.mul_add(minus_half, off).store(&mut out[g + u * V::W..]);
    }
}

/// `logp[j·STRIDE + i] = offset_j − ½ ‖(x_i − μ_j)ᵀ U_j‖²` for the `rows` rows of the block.
///
/// Rows go `NV` vectors at a time, so every accumulation has `NV`
/// independent chains and is bound by throughput, not by the latency of one
/// chain. Groups may run past `rows` into the block's padding; those values
/// are never read.
#[inline(always)]
fn log_prob_body<V: Vector, const NV: usize>(
    f: &Factors,
    offset: &[f64],
    d: usize,
    rows: usize,
    b: &mut Buffers,
) {
    let k = offset.len();
    let xt = &b.xt;
    let step = NV * V::W;
    match f {
        Factors::Full { u, mu_u } => {
            // Tiles of up to four features, two vectors of rows (see `full_tile`).
            for j in 0..k {
                let uj = &u[j * d * d..(j + 1) * d * d];
                let mj = &mu_u[j * d..(j + 1) * d];
                let out = &mut b.logp[j * STRIDE..j * STRIDE + BLOCK];
                for g in (0..rows).step_by(2 * V::W) {
                    let mut q = [V::zero(); 2];
                    feature_tiles!(d, |a0, TA| full_tile::<V, TA>(uj, mj, d, xt, g, a0, &mut q));
                    finish::<V, 2>(out, g, offset[j], &q);
                }
            }
        }
        Factors::Tied { u, mu_u } => {
            // y = Uᵀ(x − c) once for all components, in register tiles.
            for g in (0..rows).step_by(2 * V::W) {
                feature_tiles!(d, |a0, TA| tied_tile::<V, TA>(u, d, xt, g, a0, &mut b.yt));
            }
            for j in 0..k {
                let out = &mut b.logp[j * STRIDE..j * STRIDE + BLOCK];
                for g in (0..rows).step_by(step) {
                    let mut q = [V::zero(); NV];
                    for a in 0..d {
                        let shift = V::splat(mu_u[j * d + a]);
                        let ya = &b.yt[a * STRIDE + g..];
                        for (v, qv) in q.iter_mut().enumerate() {
                            let z = V::load(&ya[v * V::W..]).sub(shift);
                            *qv = z.mul_add(z, *qv);
                        }
                    }
                    finish::<V, NV>(out, g, offset[j], &q);
                }
            }
        }
        Factors::Diag { p, m } => {
            let (ph, mh) = diag_constants(p, m, &mut b.consts);
            // Two components at a time share each load of x (2·2·NV
            // multiply-adds per feature).
            component_tiles!(k, 2, |j0, TJ| for g in (0..rows).step_by(step) {
                diag_tile::<V, NV, TJ>((ph, mh, offset), d, xt, g, j0, &mut b.logp);
            });
        }
        Factors::Spherical { p, m } => {
            // ‖x − μ‖²/σ² = (‖x‖² − 2μ·x + ‖μ‖²)/σ², with ‖x‖² from
            // row d + 1 of the block and μ·x = σ (μ/σ)·x: d multiply-adds
            // per component instead of 2d. (As scikit-learn computes it; the
            // data are centred first, which keeps the cancellation small.)
            let consts = spherical_constants(p, m, offset, d, &mut b.consts);
            // Four components at a time (two with sixteen registers): 4·NV
            // independent sums, so the multiply-adds are not held up by
            // each other's latency.
            component_tiles!(
                k,
                tile_components::<V>(),
                |j0, TJ| for g in (0..rows).step_by(step) {
                    spherical_tile::<V, NV, TJ>(consts, d, xt, g, j0, &mut b.logp);
                }
            );
        }
    }
}

/// Diagonal covariance: `p/√2` and `−m/√2` (k × d each) in `consts`, so a
/// log-density can start at the offset and take off `((x p − m)/√2)²` with
/// no multiply to finish it.
fn diag_constants<'a>(p: &[f64], m: &[f64], consts: &'a mut [f64]) -> (&'a [f64], &'a [f64]) {
    let kd = p.len();
    let h = std::f64::consts::FRAC_1_SQRT_2;
    let (ph, mh) = consts[..2 * kd].split_at_mut(kd);
    for ((phe, mhe), (pe, me)) in ph.iter_mut().zip(mh.iter_mut()).zip(p.iter().zip(m)) {
        (*phe, *mhe) = (pe * h, -me * h);
    }
    (ph, mh)
}

/// Spherical covariance: per component `offset − ½‖m‖²` and `−½p²` (2k),
/// then `p·m` (k × d), in `consts` (see [`spherical_tile`]).
fn spherical_constants<'a>(
    p: &[f64],
    m: &[f64],
    offset: &[f64],
    d: usize,
    consts: &'a mut [f64],
) -> &'a [f64] {
    let k = offset.len();
    let consts = &mut consts[..k * (d + 2)];
    for j in 0..k {
        let mj = &m[j * d..(j + 1) * d];
        consts[2 * j] = offset[j] - 0.5 * dot(mj, mj);
        consts[2 * j + 1] = -0.5 * p[j] * p[j];
        for (c, ma) in consts[2 * k + j * d..2 * k + (j + 1) * d]
            .iter_mut()
            .zip(mj)
        {
            *c = p[j] * ma;
        }
    }
    consts
}

/// Components per register tile where a tile keeps 4·4 sums: four with the
/// 32 registers of AVX-512, two with the 16 of AVX2 and SSE2 (four spill there).
#[inline(always)]
fn tile_components<V: Vector>() -> usize {
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
use component_tiles;

/// Diagonal covariance: `logp[j][i] = offset_j − Σ_a (x_ia p_ja − m_ja)²`
/// with `p = 1/(σ√2)` and `m = (μ − c)/(σ√2)` (the ½ of the exponent taken
/// into them), for the `TJ` components from `j0` and `NV` vectors of rows from `g`.
#[inline(always)]
fn diag_tile<V: Vector, const NV: usize, const TJ: usize>(
    (p, m, offset): (&[f64], &[f64], &[f64]),
    d: usize,
    xt: &[f64],
    g: usize,
    j0: usize,
    logp: &mut [f64],
) {
    assert!(g + NV * V::W <= STRIDE && xt.len() >= d * STRIDE);
    assert!((j0 + TJ) * d <= p.len() && (j0 + TJ) * d <= m.len() && j0 + TJ <= offset.len());
    assert!(logp.len() >= (j0 + TJ) * STRIDE);
    let mut lp = [[V::zero(); NV]; TJ];
    for (tj, lpj) in lp.iter_mut().enumerate() {
        *lpj = [V::splat(offset[j0 + tj]); NV];
    }
    for a in 0..d {
        // SAFETY: a < d and g + NV·W ≤ STRIDE (checked above).
        let mut xs = [V::zero(); NV];
        for (v, xv) in xs.iter_mut().enumerate() {
            *xv = unsafe { V::load_unchecked(xt, a * STRIDE + g + v * V::W) };
        }
        for (tj, lpj) in lp.iter_mut().enumerate() {
            let at = (j0 + tj) * d + a;
            // SAFETY: at < (j0 + TJ)·d (checked above).
            let (pa, minus_ma) = unsafe { (*p.get_unchecked(at), *m.get_unchecked(at)) };
            let (pa, minus_ma) = (V::splat(pa), V::splat(minus_ma));
            for (xv, lv) in xs.iter().zip(lpj.iter_mut()) {
                // z = (x − μ)/(σ√2) as x·p − m: one multiply-add.
                let z = xv.mul_add(pa, minus_ma);
                *lv = z.neg_mul_add(z, *lv);
            }
        }
    }
    store_tile::<V, NV, TJ>(&lp, logp, j0, g);
}

/// Store a tile's log-densities: components `j0..j0 + TJ`, `NV` vectors of rows from `g`.
#[inline(always)]
fn store_tile<V: Vector, const NV: usize, const TJ: usize>(
    lp: &[[V; NV]; TJ],
    logp: &mut [f64],
    j0: usize,
    g: usize,
) {
    assert!(g + NV * V::W <= STRIDE && logp.len() >= (j0 + TJ) * STRIDE);
    for (tj, lpj) in lp.iter().enumerate() {
        let j = j0 + tj;
        for (v, lv) in lpj.iter().enumerate() {
            let at = j * STRIDE + g + v * V::W;
            // SAFETY: at + W ≤ (j0 + TJ)·STRIDE ≤ logp.len() (checked above).
            lv.store(unsafe { logp.get_unchecked_mut(at..at + V::W) });
        }
    }
}

/// Spherical covariance: `logp[j][i] = offset_j − ½‖m_j‖² − ½ p_j² ‖x_i‖² + (p_j m_j)·x_i`
/// (p = 1/σ, m = (μ − c)/σ) for the `TJ` components from `j0` and `NV`
/// vectors of rows from `g`; `‖x_i‖²` is row `d + 1` of `xt`. `consts`
/// holds `offset_j − ½‖m_j‖²` and `−½p_j²` per component (2k), then `p_j m_j`
/// (k × d). The sums start at the terms without x, so the d multiply-adds of
/// the dot product finish them.
#[inline(always)]
fn spherical_tile<V: Vector, const NV: usize, const TJ: usize>(
    consts: &[f64],
    d: usize,
    xt: &[f64],
    g: usize,
    j0: usize,
    logp: &mut [f64],
) {
    let k = consts.len() / (d + 2);
    assert!(g + NV * V::W <= STRIDE && xt.len() >= (d + 2) * STRIDE);
    assert!(j0 + TJ <= k && logp.len() >= (j0 + TJ) * STRIDE);
    let pm = &consts[2 * k..];
    let mut lp = [[V::zero(); NV]; TJ];
    for (tj, lpj) in lp.iter_mut().enumerate() {
        let j = j0 + tj;
        let (constant, half_p2) = (V::splat(consts[2 * j]), V::splat(consts[2 * j + 1]));
        for (v, lv) in lpj.iter_mut().enumerate() {
            // SAFETY: g + NV·W ≤ STRIDE, inside row d + 1 (checked above).
            let norm = unsafe { V::load_unchecked(xt, (d + 1) * STRIDE + g + v * V::W) };
            *lv = norm.mul_add(half_p2, constant);
        }
    }
    for a in 0..d {
        // SAFETY: a < d and g + NV·W ≤ STRIDE (checked above).
        let mut xs = [V::zero(); NV];
        for (v, xv) in xs.iter_mut().enumerate() {
            *xv = unsafe { V::load_unchecked(xt, a * STRIDE + g + v * V::W) };
        }
        for (tj, lpj) in lp.iter_mut().enumerate() {
            // SAFETY: (j0 + tj)·d + a < k·d = pm.len().
            let c = V::splat(unsafe { *pm.get_unchecked((j0 + tj) * d + a) });
            for (xv, lv) in xs.iter().zip(lpj.iter_mut()) {
                *lv = xv.mul_add(c, *lv);
            }
        }
    }
    store_tile::<V, NV, TJ>(&lp, logp, j0, g);
}

/// For spherical covariances, `‖x − c‖²` for the `rows` rows of the block
/// (a multiple of the row group) into row `d + 1` (see [`augmented_rows`]),
/// `NV` vectors of rows at a time; nothing for the other kinds.
#[inline(always)]
fn augment_body<V: Vector, const NV: usize>(kind: Second, d: usize, rows: usize, xt: &mut [f64]) {
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

/// Where [`normalise`] puts `ln p(x_i)`.
pub(crate) enum RowLogLik<'a> {
    /// One value per row of the block.
    PerRow(&'a mut [f64]),
    /// Only their sum, added to the value: per vector lane the rows' sums
    /// `s_i` are multiplied together (each `s_i ∈ [1, k]`, and at most 32
    /// per product, so no overflow) and one logarithm taken per product
    /// instead of one per row.
    Sum(&'a mut f64),
}

/// Factors of `s_i` per lane before their product is turned into a logarithm.
const PRODUCT_TERMS: usize = 32;

/// Ask the CPU to bring the cache line holding `s[0]` into L2 (a hint; into
/// L2 rather than L1, where the block buffers live: measured a little faster).
#[inline(always)]
pub(crate) fn prefetch(s: &[f64]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint; the address is that of `s[0]`.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(s.as_ptr().cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = s;
}

/// The sum of a vector's lanes.
#[inline(always)]
fn lane_total<V: Vector>(v: V) -> f64 {
    let mut lanes = [0.0; 8];
    v.store(&mut lanes);
    lanes[..V::W].iter().sum()
}

/// Most components [`fused`] keeps in registers.
pub(crate) const FUSED_MAX_K: usize = 8;

/// The E-step of one block for diagonal or spherical covariances with at
/// most [`FUSED_MAX_K`] components, fused: each vector of rows gets its log-
/// densities in registers (x loaded once for every component), their
/// log-sum-exp and its responsibilities, which are the only values written
/// to `b.logp`. Same results as [`log_prob`] then [`normalise`] (and the
/// same prefetching of `ahead`), without storing and reloading the
/// log-densities; `ll` as for [`normalise`].
#[inline(always)]
fn fused_body<V: Vector, const NV: usize>(
    f: &Factors,
    offset: &[f64],
    d: usize,
    rows: usize,
    b: &mut Buffers,
    ll: &mut RowLogLik,
    ahead: &[f64],
) {
    match offset.len() {
        1 => fused_k::<V, 1>(f, offset, d, rows, b, ll, ahead),
        2 => fused_k::<V, 2>(f, offset, d, rows, b, ll, ahead),
        3 => fused_k::<V, 3>(f, offset, d, rows, b, ll, ahead),
        4 => fused_k::<V, 4>(f, offset, d, rows, b, ll, ahead),
        5 => fused_k::<V, 5>(f, offset, d, rows, b, ll, ahead),
        6 => fused_k::<V, 6>(f, offset, d, rows, b, ll, ahead),
        7 => fused_k::<V, 7>(f, offset, d, rows, b, ll, ahead),
        8 => fused_k::<V, 8>(f, offset, d, rows, b, ll, ahead),
        k => panic!("the fused E-step takes at most {FUSED_MAX_K} components, not {k}"),
    }
}

/// [`fused_body`] for `K` components.
#[inline(always)]
fn fused_k<V: Vector, const K: usize>(
    f: &Factors,
    offset: &[f64],
    d: usize,
    rows: usize,
    b: &mut Buffers,
    ll: &mut RowLogLik,
    ahead: &[f64],
) {
    let covered = rows.next_multiple_of(V::W);
    assert!(offset.len() == K && covered <= STRIDE && b.logp.len() >= K * STRIDE);
    assert!(b.xt.len() >= (d + 1) * STRIDE);
    // Per component and feature: (p, −m) scaled for diag, (0, p·m) for
    // spherical; per component the starting constant(s).
    let spherical = matches!(f, Factors::Spherical { .. });
    let (first, second, starts): (&[f64], &[f64], &[f64]) = match f {
        Factors::Diag { p, m } => {
            let (ph, mh) = diag_constants(p, m, &mut b.consts);
            (ph, mh, offset)
        }
        Factors::Spherical { p, m } => {
            let consts = spherical_constants(p, m, offset, d, &mut b.consts);
            let (c, pm) = consts.split_at(2 * K);
            (pm, pm, c)
        }
        Factors::Full { .. } | Factors::Tied { .. } => {
            panic!("the fused E-step is for diagonal and spherical covariances")
        }
    };
    assert!(first.len() >= K * d && second.len() >= K * d);
    let (xt, logp) = (&b.xt[..], &mut b.logp[..]);
    let consts = FusedConstants {
        first,
        second,
        starts,
    };
    if spherical {
        fused_rows::<V, K, true>(&consts, d, rows, (xt, logp), ll, ahead);
    } else {
        fused_rows::<V, K, false>(&consts, d, rows, (xt, logp), ll, ahead);
    }
}

/// The steps of [`fused_k`] over the block's rows, for spherical (`SPH`)
/// or diagonal covariances.
#[inline(always)]
fn fused_rows<V: Vector, const K: usize, const SPH: bool>(
    consts: &FusedConstants,
    d: usize,
    rows: usize,
    (xt, logp): (&[f64], &mut [f64]),
    ll: &mut RowLogLik,
    ahead: &[f64],
) {
    // Cache lines of `ahead` and the vectors of rows they are spread over.
    let (lines, groups) = (ahead.len().div_ceil(8), rows.div_ceil(V::W));
    let covered = rows.next_multiple_of(V::W);
    // Two vectors of rows per step where the registers allow (AVX-512).
    let two_at_once = V::W == 8;
    let mut sums = LogLikSums::<V>::new();
    let mut g = 0;
    while g < covered {
        let two = two_at_once && g + 2 * V::W <= covered;
        let gi = g / V::W;
        let end = if two { gi + 2 } else { gi + 1 };
        let (lo, hi) = (gi * lines / groups * 8, end * lines / groups * 8);
        let pf = (ahead, lo, hi);
        if two {
            let (m, s) = fused_step::<V, K, 2, SPH>(consts, d, xt, logp, g, pf);
            for u in 0..2 {
                sums.add_vector(K, rows, g + u * V::W, (m[u], s[u]), logp, ll);
            }
            g += 2 * V::W;
        } else {
            let (m, s) = fused_step::<V, K, 1, SPH>(consts, d, xt, logp, g, pf);
            sums.add_vector(K, rows, g, (m[0], s[0]), logp, ll);
            g += V::W;
        }
    }
    if let RowLogLik::Sum(total) = ll {
        **total += sums.total();
    }
}

/// What [`fused_step`] reads per component (see [`fused_k`]).
struct FusedConstants<'a> {
    first: &'a [f64],
    second: &'a [f64],
    starts: &'a [f64],
}

/// `U` vectors of rows from `g` of [`fused_k`]: responsibilities into
/// `logp`, and each row's `(m, s)` as in [`log_sum_exp`]; also prefetches the
/// cache lines of `ahead` from `lo` to `hi`.
#[inline(always)]
fn fused_step<V: Vector, const K: usize, const U: usize, const SPH: bool>(
    c: &FusedConstants,
    d: usize,
    xt: &[f64],
    logp: &mut [f64],
    g: usize,
    (ahead, lo, hi): (&[f64], usize, usize),
) -> ([V; U], [V; U]) {
    assert!(g + U * V::W <= STRIDE && xt.len() >= (d + 1) * STRIDE && logp.len() >= K * STRIDE);
    assert!(c.first.len() >= K * d && c.second.len() >= K * d);
    let mut lp = [[V::zero(); U]; K];
    if SPH {
        for u in 0..U {
            // SAFETY: row d + 1 exists for spherical blocks and g + U·W ≤ STRIDE.
            let norm = unsafe { V::load_unchecked(xt, (d + 1) * STRIDE + g + u * V::W) };
            for (j, lj) in lp.iter_mut().enumerate() {
                lj[u] = norm.mul_add(V::splat(c.starts[2 * j + 1]), V::splat(c.starts[2 * j]));
            }
        }
    } else {
        for (j, lj) in lp.iter_mut().enumerate() {
            *lj = [V::splat(c.starts[j]); U];
        }
    }
    for a in 0..d {
        let mut x = [V::zero(); U];
        for (u, xu) in x.iter_mut().enumerate() {
            // SAFETY: a < d and g + U·W ≤ STRIDE (checked above).
            *xu = unsafe { V::load_unchecked(xt, a * STRIDE + g + u * V::W) };
        }
        for (j, lj) in lp.iter_mut().enumerate() {
            // SAFETY: j·d + a < K·d ≤ first.len(), second.len() (checked above).
            let (c1, c2) = unsafe {
                (
                    V::splat(*c.first.get_unchecked(j * d + a)),
                    V::splat(*c.second.get_unchecked(j * d + a)),
                )
            };
            for (xu, lv) in x.iter().zip(lj.iter_mut()) {
                if SPH {
                    *lv = xu.mul_add(c1, *lv);
                } else {
                    let z = xu.mul_add(c1, c2);
                    *lv = z.neg_mul_add(z, *lv);
                }
            }
        }
    }
    let mut m = [V::zero(); U];
    let mut s = [V::zero(); U];
    for u in 0..U {
        m[u] = lp[0][u];
        for lj in &lp[1..] {
            m[u] = m[u].max(lj[u]);
        }
    }
    for lj in lp.iter_mut() {
        for u in 0..U {
            lj[u] = lj[u].sub(m[u]).exp_nonpositive();
            s[u] = s[u].add(lj[u]);
        }
    }
    // The prefetches of `ahead[lo..hi]` go here, after the exponentials:
    // measured a little faster than before the log-densities (whose
    // broadcasts keep the load units busy) or between the two.
    for at in (lo..hi).step_by(8) {
        // SAFETY: `at` is below `ahead.len()` (see `normalise_body`).
        prefetch(unsafe { ahead.get_unchecked(at..) });
    }
    let mut inv = [V::zero(); U];
    for u in 0..U {
        inv[u] = V::splat(1.0).div(s[u]);
    }
    for (j, lj) in lp.iter().enumerate() {
        for u in 0..U {
            let at = j * STRIDE + g + u * V::W;
            // SAFETY: at + W ≤ K·STRIDE ≤ logp.len() (checked above).
            lj[u]
                .mul(inv[u])
                .store(unsafe { logp.get_unchecked_mut(at..at + V::W) });
        }
    }
    (m, s)
}

/// Log-sum-exp down each row of `logp` (component-major): turns it into
/// responsibilities in place and reports `ln p(x_i) = m_i + ln s_i`, where
/// `m_i` is the row's largest `ln π_j N_j` and `s_i = Σ_j e^(ln π_j N_j − m_i)`.
///
/// Whole vectors of rows: values past `rows` in the last vector are computed
/// (`log_prob` wrote them) but left out of the log-likelihood. The cache
/// lines of `ahead` (data the caller needs next) are prefetched a few per
/// vector of rows, so memory works while the exponentials are computed.
#[inline(always)]
fn normalise_body<V: Vector, const NV: usize>(
    k: usize,
    rows: usize,
    b: &mut Buffers,
    ll: &mut RowLogLik,
    ahead: &[f64],
) {
    // Cache lines of `ahead` (8 values each) and the vectors they are spread over.
    let lines = ahead.len().div_ceil(8);
    let groups = rows.div_ceil(V::W);
    let covered = rows.next_multiple_of(V::W);
    assert!(k >= 1 && covered <= STRIDE && b.logp.len() >= k * STRIDE);
    let logp = &mut b.logp[..];
    let mut sums = LogLikSums::<V>::new();
    let mut g = 0;
    while g < covered {
        // Two vectors of rows at a time where there are two: their chains
        // (max, exponentials, sum, division) are independent and overlap.
        let two = g + 2 * V::W <= covered;
        let gi = g / V::W;
        let end = if two { gi + 2 } else { gi + 1 };
        // Lines gi·lines/groups up to end·lines/groups, all inside `ahead`.
        let (lo, hi) = (gi * lines / groups * 8, end * lines / groups * 8);
        for at in (lo..hi).step_by(8) {
            // SAFETY: at < lines·8 rounds `ahead.len()` up by less than a
            // line, so `at` is an index of `ahead` (hi ≤ lines·8 as end ≤ groups).
            prefetch(unsafe { ahead.get_unchecked(at..) });
        }
        if two {
            let (m, s) = log_sum_exp::<V, 2>(k, logp, g);
            for u in 0..2 {
                sums.add_vector(k, rows, g + u * V::W, (m[u], s[u]), logp, ll);
            }
            g += 2 * V::W;
        } else {
            let (m, s) = log_sum_exp::<V, 1>(k, logp, g);
            sums.add_vector(k, rows, g, (m[0], s[0]), logp, ll);
            g += V::W;
        }
    }
    if let RowLogLik::Sum(total) = ll {
        **total += sums.total();
    }
}

/// For `U` vectors of rows from `g`: each row's largest `ln π_j N_j` (m)
/// and `s = Σ_j e^(ln π_j N_j − m)`, turning the columns of `logp` into
/// responsibilities in place.
#[inline(always)]
fn log_sum_exp<V: Vector, const U: usize>(
    k: usize,
    logp: &mut [f64],
    g: usize,
) -> ([V; U], [V; U]) {
    assert!(g + U * V::W <= STRIDE && logp.len() >= k * STRIDE);
    // SAFETY (every access to `logp`): j < k and g + U·W ≤ STRIDE, so
    // j·STRIDE + g + U·W ≤ k·STRIDE ≤ logp.len() (checked above).
    let mut m = [V::zero(); U];
    for (u, mu) in m.iter_mut().enumerate() {
        *mu = unsafe { V::load_unchecked(logp, g + u * V::W) };
        for j in 1..k {
            *mu = mu.max(unsafe { V::load_unchecked(logp, j * STRIDE + g + u * V::W) });
        }
    }
    let mut s = [V::zero(); U];
    for j in 0..k {
        for u in 0..U {
            let at = j * STRIDE + g + u * V::W;
            let e = unsafe { V::load_unchecked(logp, at) }
                .sub(m[u])
                .exp_nonpositive();
            e.store(unsafe { logp.get_unchecked_mut(at..at + V::W) });
            s[u] = s[u].add(e);
        }
    }
    let mut inv = [V::zero(); U];
    for u in 0..U {
        inv[u] = V::splat(1.0).div(s[u]);
    }
    for j in 0..k {
        for u in 0..U {
            let at = j * STRIDE + g + u * V::W;
            let r = unsafe { V::load_unchecked(logp, at) }.mul(inv[u]);
            r.store(unsafe { logp.get_unchecked_mut(at..at + V::W) });
        }
    }
    (m, s)
}

/// The log-likelihood of the rows of a block as [`normalise`] goes: per row
/// `m + ln s`, or only their sum, through products of `s` (see [`RowLogLik::Sum`]).
struct LogLikSums<V: Vector> {
    prod: V,
    ln_prods: V,
    max_sum: V,
    terms: usize,
}

impl<V: Vector> LogLikSums<V> {
    #[inline(always)]
    fn new() -> Self {
        LogLikSums {
            prod: V::splat(1.0),
            ln_prods: V::zero(),
            max_sum: V::zero(),
            terms: 0,
        }
    }

    /// One vector of rows from `g` with its `(m, s)`; also shares evenly the
    /// responsibilities of any row whose every density is zero.
    #[inline(always)]
    fn add_vector(
        &mut self,
        k: usize,
        rows: usize,
        g: usize,
        (mut m, mut s): (V, V),
        logp: &mut [f64],
        ll: &mut RowLogLik,
    ) {
        let valid = (rows - g).min(V::W);
        if valid < V::W {
            // The last, partial vector: the lanes past `rows` count as s = 1, m = 0.
            let (mut sl, mut ml) = ([1.0; 8], [0.0; 8]);
            s.store(&mut sl);
            m.store(&mut ml);
            sl[valid..].fill(1.0);
            ml[valid..].fill(0.0);
            (s, m) = (V::load(&sl), V::load(&ml));
        }
        if !m.all_finite() {
            // A row where every component has zero density (cannot happen
            // with finite data and positive-definite covariances) is shared evenly.
            let mut ml = [0.0; 8];
            m.store(&mut ml);
            for (l, _) in ml[..valid]
                .iter()
                .enumerate()
                .filter(|(_, m)| !m.is_finite())
            {
                for j in 0..k {
                    logp[j * STRIDE + g + l] = 1.0 / k as f64;
                }
            }
        }
        match ll {
            RowLogLik::PerRow(out) => {
                let lnp = m.add(s.ln_positive());
                if valid == V::W {
                    lnp.store(&mut out[g..]);
                } else {
                    let mut lane = [0.0; 8];
                    lnp.store(&mut lane);
                    out[g..g + valid].copy_from_slice(&lane[..valid]);
                }
            }
            RowLogLik::Sum(_) => {
                self.max_sum = self.max_sum.add(m);
                self.prod = self.prod.mul(s);
                self.terms += 1;
                if self.terms == PRODUCT_TERMS {
                    self.ln_prods = self.ln_prods.add(self.prod.ln_positive());
                    (self.prod, self.terms) = (V::splat(1.0), 0);
                }
            }
        }
    }

    /// Σ ln p over the rows added.
    #[inline(always)]
    fn total(&self) -> f64 {
        lane_total(self.max_sum) + lane_total(self.ln_prods.add(self.prod.ln_positive()))
    }
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
fn lane_sum(v: &[f64]) -> f64 {
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
fn add_lanes<V: Vector>(acc: &mut [f64], v: V) {
    V::load(acc).add(v).store(acc);
}

/// `Σ_i r_ji y_ai` for the components `j0..j0 + TJ` (responsibility rows
/// of `resp`) and the augmented rows `a0..a0 + TA` of `xt`, added to
/// `first[(j·m + a)·ACC..]`; with `SQ` also `Σ_i r_ji y_ai²`, added at
/// `a + d + 1`, and in the tile of feature 0 `Σ_i r_ji`, added at `d`. Per
/// vector of rows, `TJ + TA` loads feed `TJ·TA` (or `2·TJ·TA`) independent
/// multiply-adds.
#[inline(always)]
fn cross_tile<V: Vector, const TJ: usize, const TA: usize, const SQ: bool>(
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
fn square_tiles<V: Vector, const TJ: usize>(
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
fn outer_lower<V: Vector>(r: &[f64], xt: &[f64], d: usize, q: &mut [f64]) {
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
fn outer_tile<V: Vector, const TA: usize, const TC: usize>(
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
fn stats_body<V: Vector, const NV: usize>(
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

/// The instruction sets the kernels are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Simd {
    /// The target's baseline (SSE2 on x86-64).
    Baseline,
    /// AVX2 with FMA, four f64 lanes.
    Avx2,
    /// AVX-512 (F, DQ, VL) with FMA, eight f64 lanes.
    Avx512,
}

/// The best level this CPU supports, or the one `CLUSTERLAB_SIMD`
/// (`baseline`, `avx2`, `avx512`) asks for if the CPU supports it; chosen once.
pub(crate) fn simd() -> Simd {
    static LEVEL: std::sync::OnceLock<Simd> = std::sync::OnceLock::new();
    *LEVEL.get_or_init(|| {
        let supported = supported_simd();
        let asked = match std::env::var("CLUSTERLAB_SIMD").as_deref() {
            Ok("baseline") => Simd::Baseline,
            Ok("avx2") => Simd::Avx2,
            _ => Simd::Avx512,
        };
        asked.min_level(supported)
    })
}

impl Simd {
    fn rank(self) -> u8 {
        match self {
            Simd::Baseline => 0,
            Simd::Avx2 => 1,
            Simd::Avx512 => 2,
        }
    }
    fn min_level(self, other: Simd) -> Simd {
        if self.rank() <= other.rank() {
            self
        } else {
            other
        }
    }
}

/// The best level the CPU supports.
fn supported_simd() -> Simd {
    static SUPPORTED: std::sync::OnceLock<Simd> = std::sync::OnceLock::new();
    *SUPPORTED.get_or_init(detect_simd)
}

fn detect_simd() -> Simd {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512dq")
            && std::is_x86_feature_detected!("avx512vl")
            && std::is_x86_feature_detected!("fma")
        {
            return Simd::Avx512;
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            return Simd::Avx2;
        }
    }
    Simd::Baseline
}

/// Compile `$body` for each [`Simd`] level and pick one at run time. With
/// `grouped`, the body also takes the [`Vector`] type and `NV`, the vectors
/// per row group.
macro_rules! dispatch {
    (grouped $name:ident, $at:ident, $avx:ident, $avx512:ident, $body:ident, ($($arg:ident : $ty:ty),*)) => {
        dispatch!(@make $name, $at, $avx, $avx512, ($($arg: $ty),*),
            $body::<Pair, 2>, $body::<Avx2, 4>, $body::<Avx512, 4>);
    };
    (@make $name:ident, $at:ident, $avx:ident, $avx512:ident, ($($arg:ident : $ty:ty),*),
        $base:path, $two:path, $five:path) => {
        #[target_feature(enable = "avx2,fma")]
        #[cfg(target_arch = "x86_64")]
        unsafe fn $avx($($arg: $ty),*) {
            $two($($arg),*)
        }

        #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
        #[cfg(target_arch = "x86_64")]
        unsafe fn $avx512($($arg: $ty),*) {
            $five($($arg),*)
        }

        /// The kernel at a given level, which must be one the CPU supports.
        pub(super) fn $at(level: Simd, $($arg: $ty),*) {
            assert!(level.rank() <= supported_simd().rank(), "{level:?} is not supported here");
            #[cfg(target_arch = "x86_64")]
            match level {
                // SAFETY: checked above that the CPU supports the level.
                Simd::Avx512 => return unsafe { $avx512($($arg),*) },
                // SAFETY: as above.
                Simd::Avx2 => return unsafe { $avx($($arg),*) },
                Simd::Baseline => {}
            }
            $base($($arg),*)
        }

        pub(crate) fn $name($($arg: $ty),*) {
            $at(simd(), $($arg),*)
        }
    };
}

dispatch!(grouped log_prob, log_prob_at, log_prob_avx2, log_prob_avx512, log_prob_body, (f: &Factors, offset: &[f64], d: usize, rows: usize, b: &mut Buffers));
dispatch!(grouped transpose, transpose_at, transpose_avx2, transpose_avx512, transpose_body, (flat: &[f64], centre: &[f64], rows: usize, xt: &mut [f64]));
dispatch!(grouped fused, fused_at, fused_avx2, fused_avx512, fused_body, (f: &Factors, offset: &[f64], d: usize, rows: usize, b: &mut Buffers, ll: &mut RowLogLik, ahead: &[f64]));
dispatch!(grouped normalise, normalise_at, normalise_avx2, normalise_avx512, normalise_body, (k: usize, rows: usize, b: &mut Buffers, ll: &mut RowLogLik, ahead: &[f64]));
/// Each level's `vmath`, a vector at a time, for the tests.
#[cfg(test)]
mod lanes {
    // Tests call the levels directly, not the run-time choice.
    #![allow(dead_code)]
    use super::*;

    /// `e^x` (`ln = false`) or `ln x` of each value.
    #[inline(always)]
    fn map_lanes_body<V: Vector, const NV: usize>(x: &[f64], out: &mut [f64], ln: bool) {
        for (xv, ov) in x.chunks_exact(V::W).zip(out.chunks_exact_mut(V::W)) {
            let v = V::load(xv);
            let y = if ln {
                v.ln_positive()
            } else {
                v.exp_nonpositive()
            };
            y.store(ov);
        }
    }

    dispatch!(grouped map_lanes, map_lanes_at, map_lanes_avx2, map_lanes_avx512, map_lanes_body, (x: &[f64], out: &mut [f64], ln: bool));
}

dispatch!(grouped augment, augment_at, augment_avx2, augment_avx512, augment_body, (kind: Second, d: usize, rows: usize, xt: &mut [f64]));
dispatch!(grouped stats, stats_at, stats_avx2, stats_avx512, stats_body, (d: usize, rows: usize, b: &Buffers, weighted: bool, acc: &mut LaneStats));

#[cfg(test)]
mod tests {
    use super::lanes::map_lanes_at;
    use super::*;

    /// `f` of each level's `exp_nonpositive` (`ln = false`) or `ln_positive`
    /// over `xs`, with the worst error `err(got, want)` against the standard library.
    fn worst_lane_error(xs: &[f64], ln: bool, err: impl Fn(f64, f64) -> f64) -> f64 {
        let mut all: f64 = 0.0;
        let whole = xs.len() / 8 * 8;
        for level in levels() {
            let mut worst: f64 = 0.0;
            let mut out = vec![f64::NAN; whole];
            map_lanes_at(level, &xs[..whole], &mut out, ln);
            for (x, got) in xs.iter().zip(&out) {
                let want = if ln { x.ln() } else { x.exp() };
                let e = err(*got, want);
                assert!(e.is_finite(), "{level:?} at {x}: {got} vs {want}");
                worst = worst.max(e);
            }
            all = all.max(worst);
        }
        all
    }

    #[test]
    fn exp_matches_std_to_an_ulp_at_every_level() {
        let xs: Vec<f64> = (0..51_000).map(|i| -0.0137 * i as f64).collect();
        let worst = worst_lane_error(&xs, false, |got, want| ((got - want) / want).abs());
        assert!(worst < 5e-16, "worst relative error {worst}");
        // The ends: exactly 1 at 0, and 0 far below (also at −∞).
        let ends = [
            0.0,
            -800.0,
            f64::NEG_INFINITY,
            -1e300,
            -0.0,
            -1e-300,
            -5e-17,
            -1.0,
        ];
        let mut padded = ends.to_vec();
        padded.resize(8, 0.0);
        for level in levels() {
            let mut out = [f64::NAN; 8];
            map_lanes_at(level, &padded, &mut out, false);
            assert_eq!(&out[..4], &[1.0, 0.0, 0.0, 0.0], "{level:?}");
            assert_eq!(&out[4..6], &[1.0, 1.0], "{level:?}");
            assert_eq!(out[6], 1.0 - 5e-17, "{level:?}");
            assert!(
                (out[7] - (-1.0f64).exp()).abs() <= f64::EPSILON / 2.0,
                "{level:?}"
            );
        }
    }

    #[test]
    fn ln_matches_std_to_an_ulp_at_every_level() {
        // Either side of the √2 switch between mantissa ranges.
        let below = f64::from_bits(std::f64::consts::SQRT_2.to_bits() - 1);
        let above = f64::from_bits(std::f64::consts::SQRT_2.to_bits() + 1);
        let mut xs = vec![];
        let mut x: f64 = 1e-300;
        while x < 1e300 {
            xs.extend([x, x * 1.000_123_4, x * below, x * above, x * 1.9999]);
            x *= 1.37;
        }
        // The range the log-sum-exp sees most: 1 ≤ s ≤ k.
        xs.extend((0..50_000).map(|i| 1.0 + 0.0013 * i as f64));
        let abs_or_rel = |got: f64, want: f64| (got - want).abs() / want.abs().max(1.0);
        let worst = worst_lane_error(&xs, true, abs_or_rel);
        assert!(worst < 4e-16, "worst error {worst}");
        let exact = [1.0, 2.0, 0.5, 4.0, 1.0, 1.0, 1.0, 1.0];
        for level in levels() {
            let mut out = [f64::NAN; 8];
            map_lanes_at(level, &exact, &mut out, true);
            let ln2 = std::f64::consts::LN_2;
            assert_eq!(&out[..4], &[0.0, ln2, -ln2, 2.0 * ln2], "{level:?}");
        }
    }

    /// A deterministic stream of numbers in [−1, 1).
    fn numbers(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        }
    }

    fn levels() -> Vec<Simd> {
        [Simd::Baseline, Simd::Avx2, Simd::Avx512]
            .into_iter()
            .filter(|l| l.rank() <= supported_simd().rank())
            .collect()
    }

    fn close(got: f64, want: f64, what: &str) {
        assert!(
            (got - want).abs() <= 1e-12 * (1.0 + want.abs()),
            "{what}: {got} vs {want}"
        );
    }

    /// Every compiled level of `log_prob` and `stats` against the formulas
    /// written out one row at a time, on a block whose length is not a
    /// multiple of any vector width.
    #[test]
    fn every_level_agrees_with_the_formulas() {
        // Feature counts that leave every remainder of the 8-, 4- and 2-wide
        // tiles; five components leave a last tile of one on every level.
        for d in [1, 2, 3, 5, 6, 8, 11, 13] {
            agreement_with_the_formulas(d, 3);
        }
        for d in [10, 15] {
            agreement_with_the_formulas(d, 5);
        }
    }

    fn agreement_with_the_formulas(d: usize, k: usize) {
        let rows = 203;
        let mut next = numbers(7 + d as u64);
        let mut b = Buffers::new(Second::Spherical, d, k);
        for a in 0..d {
            for i in 0..rows {
                b.xt[a * STRIDE + i] = 3.0 * next();
            }
        }
        let x = |b: &Buffers, i: usize, a: usize| b.xt[a * STRIDE + i];
        // Upper-triangular factors with a positive diagonal.
        let u: Vec<f64> = (0..k * d * d)
            .map(|e| {
                let (a, c) = ((e % (d * d)) / d, e % d);
                match a.cmp(&c) {
                    std::cmp::Ordering::Less => 0.5 * next(),
                    std::cmp::Ordering::Equal => 1.0 + next().abs(),
                    std::cmp::Ordering::Greater => 0.0,
                }
            })
            .collect();
        let mu: Vec<f64> = (0..k * d).map(|_| next()).collect();
        let p: Vec<f64> = (0..k * d).map(|_| 0.5 + next().abs()).collect();
        let offset: Vec<f64> = (0..k).map(|_| next()).collect();
        let tied_u = &u[..d * d];
        // Diagonal and spherical means come scaled by 1/σ.
        let mu_diag: Vec<f64> = (0..k * d).map(|e| mu[e] * p[e]).collect();
        let mu_sph: Vec<f64> = (0..k * d).map(|e| mu[e] * p[e / d]).collect();
        let cases = [
            Factors::Full { u: &u, mu_u: &mu },
            Factors::Tied {
                u: tied_u,
                mu_u: &mu,
            },
            Factors::Diag { p: &p, m: &mu_diag },
            Factors::Spherical {
                p: &p[..k],
                m: &mu_sph,
            },
        ];
        for level in levels() {
            augment_at(
                level,
                Second::Spherical,
                d,
                rows.next_multiple_of(32),
                &mut b.xt,
            );
            for i in 0..rows {
                let want: f64 = (0..d).map(|a| x(&b, i, a) * x(&b, i, a)).sum();
                close(b.xt[(d + 1) * STRIDE + i], want, "‖x‖²");
            }
            for f in &cases {
                log_prob_at(level, f, &offset, d, rows, &mut b);
                for j in 0..k {
                    for i in 0..rows {
                        let q: f64 = (0..d)
                            .map(|a| {
                                let z = match f {
                                    Factors::Full { u, mu_u } => {
                                        (0..=a)
                                            .map(|c| u[j * d * d + c * d + a] * x(&b, i, c))
                                            .sum::<f64>()
                                            - mu_u[j * d + a]
                                    }
                                    Factors::Tied { u, mu_u } => {
                                        (0..=a).map(|c| u[c * d + a] * x(&b, i, c)).sum::<f64>()
                                            - mu_u[j * d + a]
                                    }
                                    Factors::Diag { p, .. } => {
                                        (x(&b, i, a) - mu[j * d + a]) * p[j * d + a]
                                    }
                                    Factors::Spherical { p, .. } => {
                                        (x(&b, i, a) - mu[j * d + a]) * p[j]
                                    }
                                };
                                z * z
                            })
                            .sum();
                        close(
                            b.logp[j * STRIDE + i],
                            offset[j] - 0.5 * q,
                            &format!("{level:?} log p"),
                        );
                    }
                }
            }
            // Statistics of positive "responsibilities", unweighted and
            // weighted, over whole row groups with the rows past the data zero.
            let padded_rows = rows.next_multiple_of(32);
            let w: Vec<f64> = (0..rows).map(|_| 0.1 + next().abs()).collect();
            for a in 0..d {
                b.xt[a * STRIDE + rows..a * STRIDE + padded_rows].fill(0.0);
            }
            for j in 0..k {
                for i in 0..padded_rows {
                    let r = if i < rows { next().abs() } else { 0.0 };
                    b.logp[j * STRIDE + i] = r;
                    b.rw[j * STRIDE + i] = if i < rows { r * w[i] } else { 0.0 };
                }
            }
            for weighted in [false, true] {
                let wt = |i: usize| if weighted { w[i] } else { 1.0 };
                for i in 0..padded_rows {
                    b.t[i] = if i < rows { wt(i) } else { 0.0 };
                }
                let r = |b: &Buffers, j: usize, i: usize| b.logp[j * STRIDE + i] * wt(i);
                for kind in [Second::Full, Second::Diag, Second::Spherical, Second::Total] {
                    // The block as the kernels see it for this kind.
                    let mut bk = Buffers::new(kind, d, k);
                    bk.xt[..d * STRIDE].copy_from_slice(&b.xt[..d * STRIDE]);
                    bk.logp.copy_from_slice(&b.logp);
                    bk.rw.copy_from_slice(&b.rw);
                    bk.t.copy_from_slice(&b.t);
                    augment_at(level, kind, d, padded_rows, &mut bk.xt);
                    let mut acc = LaneStats::new(kind, d, k);
                    stats_at(level, d, padded_rows, &bk, weighted, &mut acc);
                    let (nk, sx, second) = acc.totals();
                    if kind == Second::Spherical {
                        for j in 0..k {
                            let want: f64 = (0..rows)
                                .map(|i| {
                                    (0..d)
                                        .map(|a| r(&b, j, i) * x(&b, i, a).powi(2))
                                        .sum::<f64>()
                                })
                                .sum();
                            close(second[j], want, "spherical");
                        }
                    }
                    for j in 0..k {
                        close(nk[j], (0..rows).map(|i| r(&b, j, i)).sum(), "N");
                        for a in 0..d {
                            let want: f64 = (0..rows).map(|i| r(&b, j, i) * x(&b, i, a)).sum();
                            close(sx[j * d + a], want, "S");
                        }
                    }
                    for a in 0..d {
                        for c in 0..=a {
                            let moment = |j: Option<usize>| -> f64 {
                                (0..rows)
                                    .map(|i| {
                                        j.map_or(wt(i), |j| r(&b, j, i)) * x(&b, i, a) * x(&b, i, c)
                                    })
                                    .sum()
                            };
                            match kind {
                                Second::Full => {
                                    for j in 0..k {
                                        close(second[(j * d + a) * d + c], moment(Some(j)), "full");
                                    }
                                }
                                Second::Diag if a == c => {
                                    for j in 0..k {
                                        close(second[j * d + a], moment(Some(j)), "diagonal");
                                    }
                                }
                                Second::Diag | Second::Spherical => {}
                                Second::Total => close(second[a * d + c], moment(None), "total"),
                            }
                        }
                    }
                }
            }
        }
    }

    /// Every level's log-sum-exp against the formulas, per row and as a sum,
    /// on a block whose length is not a multiple of any vector width, with
    /// log densities from −800 to 0 so some terms underflow.
    #[test]
    fn every_level_normalises_like_the_formulas() {
        for (k, rows) in [(1, 13), (3, 203), (5, BLOCK), (7, 77), (11, 150)] {
            let mut next = numbers(k as u64);
            let logp: Vec<f64> = (0..k * STRIDE)
                .map(|_| {
                    let u = next().abs();
                    -800.0 * u * u * u
                })
                .collect();
            let max: Vec<f64> = (0..rows)
                .map(|i| {
                    (0..k)
                        .map(|j| logp[j * STRIDE + i])
                        .fold(f64::MIN, f64::max)
                })
                .collect();
            let (logp_ref, max_ref) = (&logp, &max);
            let terms =
                |i: usize| (0..k).map(move |j| (logp_ref[j * STRIDE + i] - max_ref[i]).exp());
            let want_ll: Vec<f64> = (0..rows)
                .map(|i| max[i] + terms(i).sum::<f64>().ln())
                .collect();
            for level in levels() {
                let mut b = Buffers::new(Second::Full, 1, k);
                b.logp.copy_from_slice(&logp);
                let mut ll = vec![f64::NAN; rows];
                normalise_at(level, k, rows, &mut b, &mut RowLogLik::PerRow(&mut ll), &[]);
                for i in 0..rows {
                    close(ll[i], want_ll[i], &format!("{level:?} ln p, row {i}"));
                    for j in 0..k {
                        let want = (logp[j * STRIDE + i] - max[i]).exp() / terms(i).sum::<f64>();
                        let got = b.logp[j * STRIDE + i];
                        assert!((got - want).abs() <= 1e-14, "{level:?} r: {got} vs {want}");
                    }
                }
                let responsibilities = b.logp.clone();
                b.logp.copy_from_slice(&logp);
                let mut total = 0.5;
                normalise_at(level, k, rows, &mut b, &mut RowLogLik::Sum(&mut total), &[]);
                let want: f64 = 0.5 + want_ll.iter().sum::<f64>();
                assert!(
                    (total - want).abs() <= 1e-13 * want.abs(),
                    "{level:?} Σ ln p: {total} vs {want}"
                );
                for i in 0..rows {
                    for j in 0..k {
                        assert_eq!(b.logp[j * STRIDE + i], responsibilities[j * STRIDE + i]);
                    }
                }
            }
        }
    }

    /// The fused diag/spherical E-step gives what `log_prob` then
    /// `normalise` give, at every level, per row and as a sum.
    #[test]
    fn every_level_fuses_like_the_two_kernels() {
        for (d, k) in [(1, 1), (2, 3), (3, 5), (10, 8)] {
            let rows = 203;
            let mut next = numbers(11 + d as u64);
            let mut b = Buffers::new(Second::Spherical, d, k);
            for a in 0..d {
                for i in 0..rows {
                    b.xt[a * STRIDE + i] = 2.0 * next();
                }
            }
            let p: Vec<f64> = (0..k * d).map(|_| 0.5 + next().abs()).collect();
            let m: Vec<f64> = (0..k * d).map(|_| next()).collect();
            let offset: Vec<f64> = (0..k).map(|_| next()).collect();
            let cases = [
                Factors::Diag { p: &p, m: &m },
                Factors::Spherical { p: &p[..k], m: &m },
            ];
            for level in levels() {
                augment_at(
                    level,
                    Second::Spherical,
                    d,
                    rows.next_multiple_of(32),
                    &mut b.xt,
                );
                for f in &cases {
                    let (mut want_ll, mut got_ll) = (vec![0.0; rows], vec![0.0; rows]);
                    log_prob_at(level, f, &offset, d, rows, &mut b);
                    normalise_at(
                        level,
                        k,
                        rows,
                        &mut b,
                        &mut RowLogLik::PerRow(&mut want_ll),
                        &[],
                    );
                    let want_r: Vec<f64> = b.logp[..k * STRIDE].to_vec();
                    b.logp.fill(f64::NAN);
                    fused_at(
                        level,
                        f,
                        &offset,
                        d,
                        rows,
                        &mut b,
                        &mut RowLogLik::PerRow(&mut got_ll),
                        &[],
                    );
                    for i in 0..rows {
                        close(got_ll[i], want_ll[i], &format!("{level:?} fused ln p"));
                        for j in 0..k {
                            let (got, want) = (b.logp[j * STRIDE + i], want_r[j * STRIDE + i]);
                            assert!((got - want).abs() <= 1e-12, "{level:?} r: {got} vs {want}");
                        }
                    }
                    let mut total = 0.0;
                    fused_at(
                        level,
                        f,
                        &offset,
                        d,
                        rows,
                        &mut b,
                        &mut RowLogLik::Sum(&mut total),
                        &[],
                    );
                    let want: f64 = want_ll.iter().sum();
                    assert!(
                        (total - want).abs() <= 1e-12 * want.abs(),
                        "{level:?} Σ ln p"
                    );
                }
            }
        }
    }

    #[test]
    fn every_level_transposes_like_the_definition() {
        for d in [1, 2, 7, 8, 10, 16, 19] {
            transposes_like_the_definition(d);
        }
    }

    fn transposes_like_the_definition(d: usize) {
        let rows = 203;
        let mut next = numbers(3);
        let flat: Vec<f64> = (0..rows * d).map(|_| next()).collect();
        let centre: Vec<f64> = (0..d).map(|_| next()).collect();
        for level in levels() {
            let mut xt = vec![f64::NAN; d * STRIDE];
            transpose_at(level, &flat, &centre, rows, &mut xt);
            for i in 0..rows {
                for a in 0..d {
                    assert_eq!(xt[a * STRIDE + i], flat[i * d + a] - centre[a], "{level:?}");
                }
            }
        }
    }

    #[test]
    fn dot_and_sum_by_hand() {
        let a: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(sum(&a), 66.0);
        // Σ i² for i = 1..11 = 11·12·23/6 = 506.
        assert_eq!(dot(&a, &a), 506.0);
    }
}
