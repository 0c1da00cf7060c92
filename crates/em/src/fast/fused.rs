//! The fused E-step for diagonal and spherical covariances with few
//! components: log-densities, log-sum-exp and responsibilities per vector of
//! rows in registers.

use super::estep::STRIDE;
use super::layout::*;
use super::log_density::*;
use super::log_sum_exp::*;
use super::simd::Vector;

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
pub(super) fn fused_body<V: Vector, const NV: usize>(
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
pub(super) fn fused_k<V: Vector, const K: usize>(
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
pub(super) fn fused_rows<V: Vector, const K: usize, const SPH: bool>(
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
pub(super) struct FusedConstants<'a> {
    first: &'a [f64],
    second: &'a [f64],
    starts: &'a [f64],
}

/// `U` vectors of rows from `g` of [`fused_k`]: responsibilities into
/// `logp`, and each row's `(m, s)` as in [`log_sum_exp`]; also prefetches the
/// cache lines of `ahead` from `lo` to `hi`.
#[inline(always)]
pub(super) fn fused_step<V: Vector, const K: usize, const U: usize, const SPH: bool>(
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
