//! The inner loops of one block of rows, written for the vector units.
//!
//! A block of `B ≤ BLOCK` rows is held transposed (`xt[a·BLOCK + i]`, feature
//! major) so every inner loop runs over the rows of the block with unit stride:
//! the compiler turns them into SIMD code. Sums over rows use eight independent
//! accumulators so they vectorise without reassociating a single chain.
//! The same code is compiled twice, once for the baseline target and once with
//! AVX2 + FMA, and the faster one is chosen at run time.

use crate::estep::BLOCK;

/// Rows processed together in registers (BLOCK is a multiple of it).
const LANES: usize = 8;

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
            xt: vec![0.0; d * BLOCK],
            logp: vec![0.0; k * BLOCK],
            rw: vec![0.0; k * BLOCK],
            q: vec![0.0; BLOCK],
            t: vec![0.0; BLOCK],
            yt: vec![0.0; d * BLOCK],
            max: vec![0.0; BLOCK],
        }
    }
}

/// `logp[j·BLOCK + i] = offset_j − ½ ‖(x_i − μ_j)ᵀ U_j‖²` for the `rows` rows of the block.
#[inline(always)]
fn log_prob_body<const F: bool>(
    f: &Factors,
    offset: &[f64],
    d: usize,
    rows: usize,
    b: &mut Buffers,
) {
    let k = offset.len();
    let xt = &b.xt;
    match f {
        Factors::Full { u, mu_u } => {
            // Eight rows at a time with y and q held in registers: each x value
            // loaded feeds one multiply-add, and nothing is stored until the end.
            for j in 0..k {
                let uj = &u[j * d * d..(j + 1) * d * d];
                let mj = &mu_u[j * d..(j + 1) * d];
                let out = &mut b.logp[j * BLOCK..(j + 1) * BLOCK];
                for g in (0..rows).step_by(LANES) {
                    let mut q = [0.0f64; LANES];
                    for a in 0..d {
                        let mut y = [-mj[a]; LANES];
                        for c in 0..=a {
                            let coef = uj[c * d + a];
                            let xc: &[f64; LANES] = xt[c * BLOCK + g..c * BLOCK + g + LANES]
                                .try_into()
                                .expect("a lane group");
                            for l in 0..LANES {
                                y[l] += coef * xc[l];
                            }
                        }
                        for l in 0..LANES {
                            q[l] = madd::<F>(y[l], y[l], q[l]);
                        }
                    }
                    for l in 0..LANES {
                        out[g + l] = offset[j] - 0.5 * q[l];
                    }
                }
            }
        }
        Factors::Tied { u, mu_u } => {
            for a in 0..d {
                let y = &mut b.yt[a * BLOCK..a * BLOCK + rows];
                y.iter_mut().for_each(|v| *v = 0.0);
                for c in 0..=a {
                    let coef = u[c * d + a];
                    let xc = &xt[c * BLOCK..c * BLOCK + rows];
                    for (yv, xv) in y.iter_mut().zip(xc) {
                        *yv = madd::<F>(coef, *xv, *yv);
                    }
                }
            }
            for j in 0..k {
                let out = &mut b.logp[j * BLOCK..(j + 1) * BLOCK];
                for g in (0..rows).step_by(LANES) {
                    let mut q = [0.0f64; LANES];
                    for a in 0..d {
                        let shift = mu_u[j * d + a];
                        let ya: &[f64; LANES] = b.yt[a * BLOCK + g..a * BLOCK + g + LANES]
                            .try_into()
                            .expect("a lane group");
                        for l in 0..LANES {
                            let z = ya[l] - shift;
                            q[l] = madd::<F>(z, z, q[l]);
                        }
                    }
                    for l in 0..LANES {
                        out[g + l] = offset[j] - 0.5 * q[l];
                    }
                }
            }
        }
        Factors::Diag { p, m } | Factors::Spherical { p, m } => {
            let spherical = matches!(f, Factors::Spherical { .. });
            for j in 0..k {
                let out = &mut b.logp[j * BLOCK..(j + 1) * BLOCK];
                for g in (0..rows).step_by(LANES) {
                    let mut q = [0.0f64; LANES];
                    for a in 0..d {
                        let pa = if spherical { p[j] } else { p[j * d + a] };
                        let ma = m[j * d + a];
                        let xa: &[f64; LANES] = xt[a * BLOCK + g..a * BLOCK + g + LANES]
                            .try_into()
                            .expect("a lane group");
                        for l in 0..LANES {
                            let z = (xa[l] - ma) * pa;
                            q[l] = madd::<F>(z, z, q[l]);
                        }
                    }
                    for l in 0..LANES {
                        out[g + l] = offset[j] - 0.5 * q[l];
                    }
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
        for (m, v) in max.iter_mut().zip(&b.logp[j * BLOCK..j * BLOCK + rows]) {
            *m = m.max(*v);
        }
    }
    let s = &mut b.q[..rows];
    s.iter_mut().for_each(|v| *v = 0.0);
    for j in 0..k {
        for ((v, m), sv) in b.logp[j * BLOCK..j * BLOCK + rows]
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
        for (v, inv) in b.logp[j * BLOCK..j * BLOCK + rows].iter_mut().zip(s.iter()) {
            *v *= inv;
        }
    }
    // A row where every component has zero density (cannot happen with finite
    // data and positive-definite covariances) is shared evenly.
    for i in 0..rows {
        if !max[i].is_finite() {
            for j in 0..k {
                b.logp[j * BLOCK + i] = 1.0 / k as f64;
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

/// `out[c] += Σ_i t_i · xt[c·BLOCK + i]` for every c < out.len(): four
/// columns at a time so each load of `t` feeds four multiply-adds.
#[inline(always)]
fn lower_row_dots<const F: bool>(t: &[f64], xt: &[f64], rows: usize, out: &mut [f64]) {
    let groups = rows / LANES * LANES;
    let mut c = 0;
    while c + 4 <= out.len() {
        let mut acc = [[0.0f64; LANES]; 4];
        for g in (0..groups).step_by(LANES) {
            let tv: &[f64; LANES] = t[g..g + LANES].try_into().expect("a lane group");
            for m in 0..4 {
                let xv: &[f64; LANES] = xt[(c + m) * BLOCK + g..(c + m) * BLOCK + g + LANES]
                    .try_into()
                    .expect("a lane group");
                for l in 0..LANES {
                    acc[m][l] += tv[l] * xv[l];
                }
            }
        }
        for m in 0..4 {
            let mut s = acc[m].iter().sum::<f64>();
            for i in groups..rows {
                s += t[i] * xt[(c + m) * BLOCK + i];
            }
            out[c + m] += s;
        }
        c += 4;
    }
    while c < out.len() {
        out[c] += dot(&t[..rows], &xt[c * BLOCK..c * BLOCK + rows]);
        c += 1;
    }
}

/// `(Σ r_i x_i, Σ r_i x_i²)` in one pass with eight accumulators each.
#[inline(always)]
fn first_second_moments<const F: bool>(r: &[f64], x: &[f64]) -> (f64, f64) {
    let n = r.len().min(x.len());
    let groups = n / LANES * LANES;
    let mut s1 = [0.0f64; LANES];
    let mut s2 = [0.0f64; LANES];
    for g in (0..groups).step_by(LANES) {
        let rv: &[f64; LANES] = r[g..g + LANES].try_into().expect("a lane group");
        let xv: &[f64; LANES] = x[g..g + LANES].try_into().expect("a lane group");
        for l in 0..LANES {
            let t = rv[l] * xv[l];
            s1[l] += t;
            s2[l] = madd::<F>(t, xv[l], s2[l]);
        }
    }
    let (mut a, mut b) = (s1.iter().sum::<f64>(), s2.iter().sum::<f64>());
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
fn stats_body<const F: bool>(
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
        let r = &resp[j * BLOCK..j * BLOCK + rows];
        nk[j] += sum(r);
        for a in 0..d {
            let xa = &b.xt[a * BLOCK..a * BLOCK + rows];
            match mom {
                Moments::Full(q) => {
                    let t = &mut b.t[..rows];
                    for ((tv, rv), xv) in t.iter_mut().zip(r).zip(xa) {
                        *tv = rv * xv;
                    }
                    sx[j * d + a] += sum(t);
                    let row = &mut q[(j * d + a) * d..(j * d + a) * d + a + 1];
                    lower_row_dots::<F>(t, &b.xt, rows, row);
                }
                Moments::Diag(q) => {
                    let (s1, s2) = first_second_moments::<F>(r, xa);
                    sx[j * d + a] += s1;
                    q[j * d + a] += s2;
                }
                Moments::Total(_) => sx[j * d + a] += dot(r, xa),
            }
        }
    }
    if let Moments::Total(q) = mom {
        for a in 0..d {
            let xa = &b.xt[a * BLOCK..a * BLOCK + rows];
            let t = &mut b.t[..rows];
            match w {
                Some(w) => {
                    for ((tv, wv), xv) in t.iter_mut().zip(w).zip(xa) {
                        *tv = wv * xv;
                    }
                }
                None => t.copy_from_slice(xa),
            }
            lower_row_dots::<F>(t, &b.xt, rows, &mut q[a * d..a * d + a + 1]);
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

macro_rules! dispatch {
    ($name:ident, $avx:ident, $avx512:ident, $body:ident, ($($arg:ident : $ty:ty),*)) => {
        #[target_feature(enable = "avx2,fma")]
        #[cfg(target_arch = "x86_64")]
        unsafe fn $avx($($arg: $ty),*) {
            $body::<true>($($arg),*)
        }

        #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
        #[cfg(target_arch = "x86_64")]
        unsafe fn $avx512($($arg: $ty),*) {
            $body::<true>($($arg),*)
        }

        pub(crate) fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            match simd() {
                // SAFETY: `simd` chose a level the CPU supports.
                Simd::Avx512 => return unsafe { $avx512($($arg),*) },
                // SAFETY: as above.
                Simd::Avx2 => return unsafe { $avx($($arg),*) },
                Simd::Baseline => {}
            }
            $body::<false>($($arg),*)
        }
    };
}

dispatch!(log_prob, log_prob_avx2, log_prob_avx512, log_prob_body, (f: &Factors, offset: &[f64], d: usize, rows: usize, b: &mut Buffers));
dispatch!(normalise, normalise_avx2, normalise_avx512, normalise_body, (k: usize, rows: usize, b: &mut Buffers, ll: &mut [f64]));
dispatch!(stats, stats_avx2, stats_avx512, stats_body, (d: usize, k: usize, rows: usize, b: &mut Buffers, w: Option<&[f64]>, nk: &mut [f64], sx: &mut [f64], mom: &mut Moments));

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

    #[test]
    fn dot_and_sum_by_hand() {
        let a: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(sum(&a), 66.0);
        // Σ i² for i = 1..11 = 11·12·23/6 = 506.
        assert_eq!(dot(&a, &a), 506.0);
    }
}
