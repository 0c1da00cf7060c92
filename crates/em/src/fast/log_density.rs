//! Log-densities: `ln π_j + ln N(x_i | μ_j, Σ_j)` of a block of rows for
//! every component, one kernel per covariance type.

use super::estep::{BLOCK, STRIDE};
use super::layout::*;
use super::simd::Vector;
use super::stats::dot;

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

/// `y_a = Σ_{c ≤ a} U[c, a] x_c − shift_a` for the features `a0..a0 + TA` of
/// two vectors of rows from `g`, held in registers (U upper triangular,
/// d × d row-major; no shift when `shift` is `None`). Each x
/// vector loaded feeds `TA` multiplies and adds (kept separate: a fused
/// chain would be bound by its latency). The entries below U's diagonal
/// inside a tile are zero and need no test.
#[inline(always)]
pub(super) fn factor_tile<V: Vector, const TA: usize>(
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
pub(super) fn full_tile<V: Vector, const TA: usize>(
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
pub(super) fn tied_tile<V: Vector, const TA: usize>(
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
pub(super) fn finish<V: Vector, const NV: usize>(out: &mut [f64], g: usize, off: f64, q: &[V; NV]) {
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
pub(super) fn log_prob_body<V: Vector, const NV: usize>(
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
pub(super) fn diag_constants<'a>(
    p: &[f64],
    m: &[f64],
    consts: &'a mut [f64],
) -> (&'a [f64], &'a [f64]) {
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
pub(super) fn spherical_constants<'a>(
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

/// Diagonal covariance: `logp[j][i] = offset_j − Σ_a (x_ia p_ja − m_ja)²`
/// with `p = 1/(σ√2)` and `m = (μ − c)/(σ√2)` (the ½ of the exponent taken
/// into them), for the `TJ` components from `j0` and `NV` vectors of rows from `g`.
#[inline(always)]
pub(super) fn diag_tile<V: Vector, const NV: usize, const TJ: usize>(
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
pub(super) fn store_tile<V: Vector, const NV: usize, const TJ: usize>(
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
pub(super) fn spherical_tile<V: Vector, const NV: usize, const TJ: usize>(
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
