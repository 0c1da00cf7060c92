//! The inner loops of one block of rows, written for the vector units.
//!
//! A block of `B ≤ BLOCK` rows is held transposed (`xt[a·STRIDE + i]`, feature
//! major) so every inner loop runs over the rows of the block with unit
//! stride. The products and sums are written with the [`Vector`] operations of
//! `simd.rs`, several independent accumulators per sum, so they run at the
//! vector units' throughput rather than one chain's latency; the log-sum-exp
//! is plain loops over rows that the compiler vectorises. Each kernel is
//! compiled for the baseline target, for AVX2 + FMA and for AVX-512, and the
//! best level the CPU supports is chosen at run time ([`simd`]).

use crate::estep::{BLOCK, STRIDE};
use crate::simd::{fold, Pair, Vector};
#[cfg(target_arch = "x86_64")]
use crate::simd::{Avx2, Avx512};

/// `a·b + c`, fused into one instruction when compiled for FMA (`F = true`).
#[inline(always)]
fn madd<const F: bool>(a: f64, b: f64, c: f64) -> f64 {
    if F {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

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

/// `eˣ` for `x ≤ 0` (0 below −708), branch-free so it vectorises: `x = k ln 2 + r`
/// with `|r| ≤ ½ ln 2`, `eʳ` by its Taylor series to degree 13 (relative error
/// below 2e-16 on that interval), and `2ᵏ` built from its exponent bits.
#[inline(always)]
pub(crate) fn exp_nonpositive<const F: bool>(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split (fdlibm): the high part has trailing zero bits so k·LN2_HI is exact.
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
    // 1.5·2⁵²: adding it rounds to an integer held in the low mantissa bits.
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    let xc = x.max(-708.0);
    let t = madd::<F>(xc, LOG2E, MAGIC);
    let k = t - MAGIC;
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 6_227_020_800.0; // 1/13!
    p = madd::<F>(p, r, 1.0 / 479_001_600.0);
    p = madd::<F>(p, r, 1.0 / 39_916_800.0);
    p = madd::<F>(p, r, 1.0 / 3_628_800.0);
    p = madd::<F>(p, r, 1.0 / 362_880.0);
    p = madd::<F>(p, r, 1.0 / 40_320.0);
    p = madd::<F>(p, r, 1.0 / 5_040.0);
    p = madd::<F>(p, r, 1.0 / 720.0);
    p = madd::<F>(p, r, 1.0 / 120.0);
    p = madd::<F>(p, r, 1.0 / 24.0);
    p = madd::<F>(p, r, 1.0 / 6.0);
    p = madd::<F>(p, r, 0.5);
    p = madd::<F>(p, r, 1.0);
    p = madd::<F>(p, r, 1.0);
    // The integer k sits in the low bits of t; shift it into the exponent field.
    let ki = t.to_bits().wrapping_sub(MAGIC.to_bits());
    let scale = f64::from_bits(ki.wrapping_add(1023) << 52);
    if x < -708.0 {
        0.0
    } else {
        p * scale
    }
}

/// `ln x` for positive, finite, normal `x`, branch-free so it vectorises:
/// `x = 2ᵉ·m` with `m ∈ [√½, √2)`, and `ln m = 2 atanh f` with
/// `f = (m − 1)/(m + 1)`, `|f| ≤ 0.1716`, summed to `f²³` (truncation error
/// below 1e-19 relative).
#[inline(always)]
pub(crate) fn ln_positive<const F: bool>(x: f64) -> f64 {
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
    const MANTISSA: u64 = (1 << 52) - 1;
    const SQRT2: f64 = std::f64::consts::SQRT_2;
    // 2⁵²: the biased exponent placed in the low mantissa bits of 2⁵² reads
    // as 2⁵² + exponent, so no integer-to-float conversion is needed.
    const TWO52: f64 = 4_503_599_627_370_496.0;
    let bits = x.to_bits();
    let biased = f64::from_bits((bits >> 52) | TWO52.to_bits()) - TWO52;
    let m0 = f64::from_bits((bits & MANTISSA) | (1023 << 52));
    let big = m0 >= SQRT2;
    let m = if big { 0.5 * m0 } else { m0 };
    let e = biased - if big { 1022.0 } else { 1023.0 };
    let f = (m - 1.0) / (m + 1.0);
    let f2 = f * f;
    let mut p = 1.0 / 23.0;
    p = madd::<F>(p, f2, 1.0 / 21.0);
    p = madd::<F>(p, f2, 1.0 / 19.0);
    p = madd::<F>(p, f2, 1.0 / 17.0);
    p = madd::<F>(p, f2, 1.0 / 15.0);
    p = madd::<F>(p, f2, 1.0 / 13.0);
    p = madd::<F>(p, f2, 1.0 / 11.0);
    p = madd::<F>(p, f2, 1.0 / 9.0);
    p = madd::<F>(p, f2, 1.0 / 7.0);
    p = madd::<F>(p, f2, 1.0 / 5.0);
    p = madd::<F>(p, f2, 1.0 / 3.0);
    // ln m = 2f + 2f³·p(f²), with the leading 2f kept separate for accuracy.
    let tail = 2.0 * f * f2 * p;
    (e * LN2_HI) + ((2.0 * f) + (e * LN2_LO + tail))
}

/// How the model's precision factors look to the kernels (all slices row-major).
pub(crate) enum Factors<'a> {
    /// Upper-triangular U_j (k × d × d) and (μ_j − c)ᵀU_j (k × d).
    Full { u: &'a [f64], mu_u: &'a [f64] },
    /// One shared U (d × d) and (μ_j − c)ᵀU (k × d).
    Tied { u: &'a [f64], mu_u: &'a [f64] },
    /// 1/σ per component and feature (k × d), means μ_j − c (k × d).
    Diag { p: &'a [f64], m: &'a [f64] },
    /// 1/σ per component (k), means μ_j − c (k × d).
    Spherical { p: &'a [f64], m: &'a [f64] },
}

/// Per-chunk scratch for the kernels.
pub(crate) struct Buffers {
    /// The block, shifted and transposed: d × BLOCK.
    pub xt: Vec<f64>,
    /// ln π_j N_j, then responsibilities, component-major: k × BLOCK.
    pub logp: Vec<f64>,
    /// Weighted responsibilities, k × BLOCK.
    pub rw: Vec<f64>,
    /// Work rows.
    pub q: Vec<f64>,
    pub t: Vec<f64>,
    /// Tied: Uᵀ(x − c) for the block, d × BLOCK.
    pub yt: Vec<f64>,
    pub max: Vec<f64>,
}

impl Buffers {
    pub(crate) fn new(d: usize, k: usize) -> Self {
        Buffers {
            xt: vec![0.0; d * STRIDE],
            logp: vec![0.0; k * STRIDE],
            rw: vec![0.0; k * STRIDE],
            q: vec![0.0; BLOCK],
            t: vec![0.0; BLOCK],
            yt: vec![0.0; d * STRIDE],
            max: vec![0.0; BLOCK],
        }
    }
}

/// `logp[j·STRIDE + i] = offset_j − ½ ‖(x_i − μ_j)ᵀ U_j‖²` for the `rows` rows of the block.
///
/// Rows go `NV` vectors at a time, so every accumulation has `NV`
/// independent chains and is bound by throughput, not by the latency of one
/// chain. Groups may run past `rows` into the block's padding; those values
/// are never read.
#[inline(always)]
fn log_prob_body<V: Vector, const NV: usize, const CT: usize>(
    f: &Factors,
    offset: &[f64],
    d: usize,
    rows: usize,
    b: &mut Buffers,
) {
    let k = offset.len();
    let xt = &b.xt;
    let step = NV * V::W;
    let minus_half = V::splat(-0.5);
    // One group's results: out = offset − q/2.
    let finish = |out: &mut [f64], g: usize, off: f64, q: &[V; NV]| {
        let off = V::splat(off);
        for (u, qv) in q.iter().enumerate() {
            qv.mul_add(minus_half, off).store(&mut out[g + u * V::W..]);
        }
    };
    match f {
        Factors::Full { u, mu_u } => {
            // y and q held in registers: each x value loaded feeds one
            // multiply and one add (separate: a fused chain would be bound
            // by its latency), and nothing is stored until the end.
            for j in 0..k {
                let uj = &u[j * d * d..(j + 1) * d * d];
                let mj = &mu_u[j * d..(j + 1) * d];
                let out = &mut b.logp[j * STRIDE..j * STRIDE + BLOCK];
                for g in (0..rows).step_by(step) {
                    let mut q = [V::zero(); NV];
                    for a in 0..d {
                        let mut y = [V::splat(-mj[a]); NV];
                        for c in 0..=a {
                            let coef = V::splat(uj[c * d + a]);
                            let xc = &xt[c * STRIDE + g..];
                            for (v, yv) in y.iter_mut().enumerate() {
                                *yv = yv.add(coef.mul(V::load(&xc[v * V::W..])));
                            }
                        }
                        for (qv, yv) in q.iter_mut().zip(&y) {
                            *qv = yv.mul_add(*yv, *qv);
                        }
                    }
                    finish(out, g, offset[j], &q);
                }
            }
        }
        Factors::Tied { u, mu_u } => {
            for a in 0..d {
                let y = &mut b.yt[a * STRIDE..a * STRIDE + rows];
                y.iter_mut().for_each(|v| *v = 0.0);
                for c in 0..=a {
                    let coef = u[c * d + a];
                    let xc = &xt[c * STRIDE..c * STRIDE + rows];
                    for (yv, xv) in y.iter_mut().zip(xc) {
                        *yv += coef * *xv;
                    }
                }
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
                    finish(out, g, offset[j], &q);
                }
            }
        }
        Factors::Diag { p, m } | Factors::Spherical { p, m } => {
            let spherical = matches!(f, Factors::Spherical { .. });
            for j in 0..k {
                let out = &mut b.logp[j * STRIDE..j * STRIDE + BLOCK];
                for g in (0..rows).step_by(step) {
                    let mut q = [V::zero(); NV];
                    for a in 0..d {
                        let pa = V::splat(if spherical { p[j] } else { p[j * d + a] });
                        let ma = V::splat(m[j * d + a]);
                        let xa = &xt[a * STRIDE + g..];
                        for (v, qv) in q.iter_mut().enumerate() {
                            let z = V::load(&xa[v * V::W..]).sub(ma).mul(pa);
                            *qv = z.mul_add(z, *qv);
                        }
                    }
                    finish(out, g, offset[j], &q);
                }
            }
        }
    }
}

/// Log-sum-exp down each row of `logp` (component-major): turns it into
/// responsibilities in place and writes `ln p(x_i)` to `ll`.
#[inline(always)]
fn normalise_body<const F: bool>(k: usize, rows: usize, b: &mut Buffers, ll: &mut [f64]) {
    let max = &mut b.max[..rows];
    max.copy_from_slice(&b.logp[..rows]);
    for j in 1..k {
        for (m, v) in max.iter_mut().zip(&b.logp[j * STRIDE..j * STRIDE + rows]) {
            *m = m.max(*v);
        }
    }
    let s = &mut b.q[..rows];
    s.iter_mut().for_each(|v| *v = 0.0);
    for j in 0..k {
        for ((v, m), sv) in b.logp[j * STRIDE..j * STRIDE + rows]
            .iter_mut()
            .zip(max.iter())
            .zip(s.iter_mut())
        {
            let e = exp_nonpositive::<F>(*v - m);
            *v = e;
            *sv += e;
        }
    }
    for (sv, (l, m)) in s.iter_mut().zip(ll.iter_mut().zip(max.iter())) {
        // s ≥ 1 (the largest term is e⁰), so the fast ln applies.
        *l = m + ln_positive::<F>(*sv);
        *sv = 1.0 / *sv;
    }
    for j in 0..k {
        for (v, inv) in b.logp[j * STRIDE..j * STRIDE + rows]
            .iter_mut()
            .zip(s.iter())
        {
            *v *= inv;
        }
    }
    // A row where every component has zero density (cannot happen with finite
    // data and positive-definite covariances) is shared evenly.
    for i in 0..rows {
        if !max[i].is_finite() {
            for j in 0..k {
                b.logp[j * STRIDE + i] = 1.0 / k as f64;
            }
        }
    }
}

/// Which second moments to accumulate.
pub(crate) enum Moments<'a> {
    /// Lower triangle of Σ w r_j x xᵀ per component (k × d × d).
    Full(&'a mut [f64]),
    /// Σ w r_j x² per component and feature (k × d).
    Diag(&'a mut [f64]),
    /// Lower triangle of Σ w x xᵀ (d × d).
    Total(&'a mut [f64]),
}

/// `out[c] += Σ_i t_i · xt[c·STRIDE + i]` for every c < out.len(): `CT`
/// columns at a time so each load of `t` feeds `CT` multiply-adds, with `CT`
/// independent accumulators.
#[inline(always)]
fn lower_row_dots<V: Vector, const CT: usize>(t: &[f64], xt: &[f64], rows: usize, out: &mut [f64]) {
    let groups = rows / V::W * V::W;
    let mut c = 0;
    while c + CT <= out.len() {
        let mut acc = [V::zero(); CT];
        for g in (0..groups).step_by(V::W) {
            let tv = V::load(&t[g..]);
            for (m, am) in acc.iter_mut().enumerate() {
                *am = tv.mul_add(V::load(&xt[(c + m) * STRIDE + g..]), *am);
            }
        }
        for (m, am) in acc.iter().enumerate() {
            let mut s = am.sum();
            for i in groups..rows {
                s += t[i] * xt[(c + m) * STRIDE + i];
            }
            out[c + m] += s;
        }
        c += CT;
    }
    while c < out.len() {
        out[c] += dot(&t[..rows], &xt[c * STRIDE..c * STRIDE + rows]);
        c += 1;
    }
}

/// `Σ a_i` with `NV` vector accumulators.
#[inline(always)]
fn sum_wide<V: Vector, const NV: usize>(a: &[f64]) -> f64 {
    let step = NV * V::W;
    let groups = a.len() / step * step;
    let mut acc = [V::zero(); NV];
    for g in (0..groups).step_by(step) {
        for (v, av) in acc.iter_mut().enumerate() {
            *av = av.add(V::load(&a[g + v * V::W..]));
        }
    }
    fold(acc) + a[groups..].iter().sum::<f64>()
}

/// `(Σ r_i x_i, Σ r_i x_i²)` in one pass with `NV` vector accumulators each.
#[inline(always)]
fn first_second_moments<V: Vector, const NV: usize>(r: &[f64], x: &[f64]) -> (f64, f64) {
    let n = r.len().min(x.len());
    let step = NV * V::W;
    let groups = n / step * step;
    let mut s1 = [V::zero(); NV];
    let mut s2 = [V::zero(); NV];
    for g in (0..groups).step_by(step) {
        for v in 0..NV {
            let xv = V::load(&x[g + v * V::W..]);
            let t = V::load(&r[g + v * V::W..]).mul(xv);
            s1[v] = s1[v].add(t);
            s2[v] = t.mul_add(xv, s2[v]);
        }
    }
    let (mut a, mut b) = (fold(s1), fold(s2));
    for i in groups..n {
        let t = r[i] * x[i];
        a += t;
        b += t * x[i];
    }
    (a, b)
}

/// Add the block to the statistics. With row weights `w`, `b.rw` holds the
/// weighted responsibilities (k × BLOCK); without, `b.logp` holds the responsibilities.
#[inline(always)]
fn stats_body<V: Vector, const NV: usize, const CT: usize>(
    d: usize,
    k: usize,
    rows: usize,
    b: &mut Buffers,
    w: Option<&[f64]>,
    nk: &mut [f64],
    sx: &mut [f64],
    mom: &mut Moments,
) {
    let resp = if w.is_some() { &b.rw } else { &b.logp };
    for j in 0..k {
        let r = &resp[j * STRIDE..j * STRIDE + rows];
        nk[j] += sum_wide::<V, NV>(r);
        for a in 0..d {
            let xa = &b.xt[a * STRIDE..a * STRIDE + rows];
            match mom {
                Moments::Full(q) => {
                    let t = &mut b.t[..rows];
                    for ((tv, rv), xv) in t.iter_mut().zip(r).zip(xa) {
                        *tv = rv * xv;
                    }
                    sx[j * d + a] += sum_wide::<V, NV>(t);
                    let row = &mut q[(j * d + a) * d..(j * d + a) * d + a + 1];
                    lower_row_dots::<V, CT>(t, &b.xt, rows, row);
                }
                Moments::Diag(q) => {
                    let (s1, s2) = first_second_moments::<V, NV>(r, xa);
                    sx[j * d + a] += s1;
                    q[j * d + a] += s2;
                }
                Moments::Total(_) => sx[j * d + a] += dot(r, xa),
            }
        }
    }
    if let Moments::Total(q) = mom {
        for a in 0..d {
            let xa = &b.xt[a * STRIDE..a * STRIDE + rows];
            let t = &mut b.t[..rows];
            match w {
                Some(w) => {
                    for ((tv, wv), xv) in t.iter_mut().zip(w).zip(xa) {
                        *tv = wv * xv;
                    }
                }
                None => t.copy_from_slice(xa),
            }
            lower_row_dots::<V, CT>(t, &b.xt, rows, &mut q[a * d..a * d + a + 1]);
        }
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
/// `grouped`, the body also takes the [`Vector`] type, `NV`, the vectors per
/// row group, and the column tile `CT` of [`lower_row_dots`].
macro_rules! dispatch {
    (grouped $name:ident, $at:ident, $avx:ident, $avx512:ident, $body:ident, ($($arg:ident : $ty:ty),*)) => {
        dispatch!(@make $name, $at, $avx, $avx512, ($($arg: $ty),*),
            $body::<Pair, 2, 4>, $body::<Avx2, 4, 8>, $body::<Avx512, 4, 8>);
    };
    ($name:ident, $at:ident, $avx:ident, $avx512:ident, $body:ident, ($($arg:ident : $ty:ty),*)) => {
        dispatch!(@make $name, $at, $avx, $avx512, ($($arg: $ty),*),
            $body::<false>, $body::<true>, $body::<true>);
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
        fn $at(level: Simd, $($arg: $ty),*) {
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
dispatch!(normalise, normalise_at, normalise_avx2, normalise_avx512, normalise_body, (k: usize, rows: usize, b: &mut Buffers, ll: &mut [f64]));
dispatch!(grouped stats, stats_at, stats_avx2, stats_avx512, stats_body, (d: usize, k: usize, rows: usize, b: &mut Buffers, w: Option<&[f64]>, nk: &mut [f64], sx: &mut [f64], mom: &mut Moments));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_std_to_a_few_ulps() {
        let mut worst: f64 = 0.0;
        let mut x = 0.0;
        while x > -700.0 {
            let (a, b) = (exp_nonpositive::<false>(x), x.exp());
            let c = exp_nonpositive::<true>(x);
            worst = worst.max(((c - b) / b).abs());
            worst = worst.max(((a - b) / b).abs());
            x -= 0.0137;
        }
        assert!(worst < 5e-16, "worst relative error {worst}");
        assert_eq!(exp_nonpositive::<false>(0.0), 1.0);
        assert_eq!(exp_nonpositive::<false>(-800.0), 0.0);
        assert_eq!(exp_nonpositive::<false>(f64::NEG_INFINITY), 0.0);
    }

    #[test]
    fn ln_matches_std_to_a_few_ulps() {
        let mut worst: f64 = 0.0;
        let mut x: f64 = 1e-300;
        // Either side of the √2 switch between mantissa ranges.
        let below = f64::from_bits(std::f64::consts::SQRT_2.to_bits() - 1);
        let above = f64::from_bits(std::f64::consts::SQRT_2.to_bits() + 1);
        while x < 1e300 {
            for y in [x, x * 1.000_123_4, x * below, x * above, x * 1.9999] {
                let want = y.ln();
                for got in [ln_positive::<false>(y), ln_positive::<true>(y)] {
                    let err = (got - want).abs() / want.abs().max(1.0);
                    worst = worst.max(err);
                }
            }
            x *= 1.37;
        }
        assert!(worst < 4e-16, "worst error {worst}");
        assert_eq!(ln_positive::<false>(1.0), 0.0);
        assert_eq!(ln_positive::<true>(2.0), std::f64::consts::LN_2);
        // ln over the range the log-sum-exp sees: 1 ≤ s ≤ k.
        let mut s: f64 = 1.0;
        while s < 64.0 {
            assert!(
                (ln_positive::<true>(s) - s.ln()).abs() <= 2.0 * f64::EPSILON * s.ln().max(1.0)
            );
            s += 0.001_3;
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
        let (d, k, rows) = (5, 3, 203);
        let mut next = numbers(7);
        let mut b = Buffers::new(d, k);
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
        let cases = [
            Factors::Full { u: &u, mu_u: &mu },
            Factors::Tied {
                u: tied_u,
                mu_u: &mu,
            },
            Factors::Diag { p: &p, m: &mu },
            Factors::Spherical { p: &p[..k], m: &mu },
        ];
        for level in levels() {
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
                                    Factors::Diag { p, m } => {
                                        (x(&b, i, a) - m[j * d + a]) * p[j * d + a]
                                    }
                                    Factors::Spherical { p, m } => {
                                        (x(&b, i, a) - m[j * d + a]) * p[j]
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
            // Statistics of positive "responsibilities", unweighted and weighted.
            let w: Vec<f64> = (0..rows).map(|_| 0.1 + next().abs()).collect();
            for j in 0..k {
                for i in 0..rows {
                    b.logp[j * STRIDE + i] = next().abs();
                    b.rw[j * STRIDE + i] = b.logp[j * STRIDE + i] * w[i];
                }
            }
            for weights in [None, Some(&w[..])] {
                let r = |b: &Buffers, j: usize, i: usize| {
                    b.logp[j * STRIDE + i] * weights.map_or(1.0, |w| w[i])
                };
                let mut full = vec![0.0; k * d * d];
                let mut diag = vec![0.0; k * d];
                let mut total = vec![0.0; d * d];
                for which in 0..3 {
                    let (mut nk, mut sx) = (vec![0.0; k], vec![0.0; k * d]);
                    let mut mom = match which {
                        0 => Moments::Full(&mut full),
                        1 => Moments::Diag(&mut diag),
                        _ => Moments::Total(&mut total),
                    };
                    stats_at(
                        level, d, k, rows, &mut b, weights, &mut nk, &mut sx, &mut mom,
                    );
                    for j in 0..k {
                        close(nk[j], (0..rows).map(|i| r(&b, j, i)).sum(), "N");
                        for a in 0..d {
                            let want: f64 = (0..rows).map(|i| r(&b, j, i) * x(&b, i, a)).sum();
                            close(sx[j * d + a], want, "S");
                        }
                    }
                }
                for j in 0..k {
                    for a in 0..d {
                        let sq = |c: usize| -> f64 {
                            (0..rows)
                                .map(|i| r(&b, j, i) * x(&b, i, a) * x(&b, i, c))
                                .sum()
                        };
                        close(diag[j * d + a], sq(a), "diagonal moment");
                        for c in 0..=a {
                            close(full[(j * d + a) * d + c], sq(c), "full moment");
                        }
                    }
                }
                for a in 0..d {
                    for c in 0..=a {
                        let want: f64 = (0..rows)
                            .map(|i| weights.map_or(1.0, |w| w[i]) * x(&b, i, a) * x(&b, i, c))
                            .sum();
                        close(total[a * d + c], want, "total moment");
                    }
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
