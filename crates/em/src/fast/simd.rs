//! Vectors of f64 for the kernels: one small trait, implemented for AVX-512,
//! AVX2 + FMA and a portable pair of lanes.
//!
//! The kernels are written once, generic over [`Vector`], and instantiated
//! inside functions compiled for the matching instruction set (see
//! `dispatch::dispatch!`). Writing the vector operations out, instead of
//! hoping the compiler finds them in scalar loops, keeps every accumulator in
//! a full-width register: the auto-vectoriser handled some of these loops with
//! half-width or scalar code depending on the surrounding code.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::vmath;
#[cfg(target_arch = "x86_64")]
use super::vmath::{LN2_HI, LN2_LO, LOG2E, MAGIC, SQRT2};

/// A vector of `W` f64 lanes.
pub(crate) trait Vector: Copy {
    /// Lanes per vector.
    const W: usize;
    /// Every lane `x`.
    fn splat(x: f64) -> Self;
    /// The first `W` values of `s`.
    fn load(s: &[f64]) -> Self;
    /// `s[i..i + W]` without a bounds check.
    ///
    /// # Safety
    /// `i + W ≤ s.len()`.
    #[inline(always)]
    unsafe fn load_unchecked(s: &[f64], i: usize) -> Self {
        debug_assert!(i + Self::W <= s.len());
        // SAFETY: the caller guarantees the range is inside `s`.
        Self::load(unsafe { std::slice::from_raw_parts(s.as_ptr().add(i), Self::W) })
    }
    /// `s[0], s[stride], …, s[(W − 1)·stride]`.
    fn gather(s: &[f64], stride: usize) -> Self;
    /// `s[i], s[i + stride], …` without a bounds check.
    ///
    /// # Safety
    /// `i + (W − 1)·stride < s.len()`.
    #[inline(always)]
    unsafe fn gather_unchecked(s: &[f64], i: usize, stride: usize) -> Self {
        let len = (Self::W - 1) * stride + 1;
        debug_assert!(i + len <= s.len());
        // SAFETY: the caller guarantees the range is inside `s`.
        Self::gather(
            unsafe { std::slice::from_raw_parts(s.as_ptr().add(i), len) },
            stride,
        )
    }
    /// Columns `a..a + 8` of the 8 × `d` row-major block `rows` (8 rows, `a + 8 ≤ d`),
    /// one vector per column, when the vector has eight lanes and a fast way to
    /// transpose; `None` otherwise (the caller gathers instead).
    #[inline(always)]
    fn columns8(rows: &[f64], d: usize, a: usize) -> Option<[Self; 8]> {
        let _ = (rows, d, a);
        None
    }
    /// Columns `a, a + 1` of the 8 × `d` row-major block `rows` (8 rows,
    /// `a + 2 ≤ d`), when the vector has eight lanes and a fast way to split
    /// pairs; `None` otherwise.
    #[inline(always)]
    fn columns2(rows: &[f64], d: usize, a: usize) -> Option<[Self; 2]> {
        let _ = (rows, d, a);
        None
    }
    /// Write the lanes to the first `W` values of `s`.
    fn store(self, s: &mut [f64]);
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// `self · b + c`, fused where the instruction set has FMA.
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// `c − self · b`, fused where the instruction set has FMA.
    fn neg_mul_add(self, b: Self, c: Self) -> Self;
    fn div(self, o: Self) -> Self;
    fn max(self, o: Self) -> Self;
    /// `p · 2ᵏ` where `t = k + vmath::MAGIC` holds an integer `k` in its low
    /// mantissa bits and `−1022 ≤ k ≤ 0`.
    fn scale_by_power_of_two(p: Self, t: Self) -> Self;
    /// Whether no lane is infinite or NaN.
    fn all_finite(self) -> bool;
    /// Zero in the lanes where `x < bound`, `self` elsewhere.
    fn zero_where_below(self, x: Self, bound: f64) -> Self;
    /// `(m, e)` with `x = m·2ᵉ`, `m ∈ [√½, √2)`, for positive, finite, normal `x`.
    fn split_exponent(self) -> (Self, Self);
    /// `eˣ` lane-wise for `x ≤ 0` (see [`vmath::exp_nonpositive`]).
    #[inline(always)]
    fn exp_nonpositive(self) -> Self {
        vmath::exp_nonpositive(self)
    }
    /// `ln x` lane-wise for positive, finite, normal `x` (see [`vmath::ln_positive`]).
    #[inline(always)]
    fn ln_positive(self) -> Self {
        vmath::ln_positive(self)
    }
    fn zero() -> Self {
        Self::splat(0.0)
    }
}

/// Two lanes in plain f64 arithmetic: the portable fallback (SSE2 on x86-64).
#[derive(Clone, Copy)]
pub(crate) struct Pair([f64; 2]);

impl Vector for Pair {
    const W: usize = 2;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        Pair([x, x])
    }
    #[inline(always)]
    fn load(s: &[f64]) -> Self {
        Pair([s[0], s[1]])
    }
    #[inline(always)]
    fn gather(s: &[f64], stride: usize) -> Self {
        Pair([s[0], s[stride]])
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        s[..2].copy_from_slice(&self.0);
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Pair([self.0[0] + o.0[0], self.0[1] + o.0[1]])
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Pair([self.0[0] - o.0[0], self.0[1] - o.0[1]])
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Pair([self.0[0] * o.0[0], self.0[1] * o.0[1]])
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        self.mul(b).add(c)
    }
    #[inline(always)]
    fn neg_mul_add(self, b: Self, c: Self) -> Self {
        c.sub(self.mul(b))
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Pair([self.0[0] / o.0[0], self.0[1] / o.0[1]])
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        Pair([self.0[0].max(o.0[0]), self.0[1].max(o.0[1])])
    }
    #[inline(always)]
    fn scale_by_power_of_two(p: Self, t: Self) -> Self {
        let lane = |p: f64, t: f64| {
            let k = t.to_bits().wrapping_sub(MAGIC.to_bits());
            p * f64::from_bits(k.wrapping_add(1023) << 52)
        };
        Pair([lane(p.0[0], t.0[0]), lane(p.0[1], t.0[1])])
    }
    #[inline(always)]
    fn all_finite(self) -> bool {
        self.0[0].is_finite() && self.0[1].is_finite()
    }
    #[inline(always)]
    fn zero_where_below(self, x: Self, bound: f64) -> Self {
        let lane = |v: f64, x: f64| if x < bound { 0.0 } else { v };
        Pair([lane(self.0[0], x.0[0]), lane(self.0[1], x.0[1])])
    }
    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        let (a, b) = (
            vmath::split_exponent(self.0[0]),
            vmath::split_exponent(self.0[1]),
        );
        (Pair([a.0, b.0]), Pair([a.1, b.1]))
    }
}

/// Four lanes of AVX2 with FMA.
///
/// Only constructed inside functions compiled with `avx2,fma`, which are
/// only called after the CPU was found to support them (`kernels::simd`).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct Avx2(__m256d);

#[cfg(target_arch = "x86_64")]
impl Vector for Avx2 {
    const W: usize = 4;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        // SAFETY (every method): see the type's documentation.
        Avx2(unsafe { _mm256_set1_pd(x) })
    }
    #[inline(always)]
    fn load(s: &[f64]) -> Self {
        let s = &s[..4];
        Avx2(unsafe { _mm256_loadu_pd(s.as_ptr()) })
    }
    #[inline(always)]
    fn gather(s: &[f64], stride: usize) -> Self {
        let s = &s[..3 * stride + 1];
        let st = stride as i64;
        Avx2(unsafe {
            _mm256_i64gather_pd::<8>(s.as_ptr(), _mm256_set_epi64x(3 * st, 2 * st, st, 0))
        })
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        let s = &mut s[..4];
        unsafe { _mm256_storeu_pd(s.as_mut_ptr(), self.0) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_add_pd(self.0, o.0) })
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_sub_pd(self.0, o.0) })
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_mul_pd(self.0, o.0) })
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        Avx2(unsafe { _mm256_fmadd_pd(self.0, b.0, c.0) })
    }
    #[inline(always)]
    fn neg_mul_add(self, b: Self, c: Self) -> Self {
        Avx2(unsafe { _mm256_fnmadd_pd(self.0, b.0, c.0) })
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_div_pd(self.0, o.0) })
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_max_pd(self.0, o.0) })
    }
    #[inline(always)]
    fn scale_by_power_of_two(p: Self, t: Self) -> Self {
        // SAFETY: see the type's documentation.
        let scale = unsafe {
            let k = _mm256_sub_epi64(
                _mm256_castpd_si256(t.0),
                _mm256_set1_epi64x(MAGIC.to_bits() as i64),
            );
            let biased = _mm256_add_epi64(k, _mm256_set1_epi64x(1023));
            Avx2(_mm256_castsi256_pd(_mm256_slli_epi64::<52>(biased)))
        };
        p.mul(scale)
    }
    #[inline(always)]
    fn all_finite(self) -> bool {
        // x − x is 0 for finite x and NaN otherwise.
        // SAFETY: see the type's documentation.
        unsafe {
            let z = _mm256_sub_pd(self.0, self.0);
            _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_UNORD_Q>(z, z)) == 0
        }
    }
    #[inline(always)]
    fn zero_where_below(self, x: Self, bound: f64) -> Self {
        // SAFETY: see the type's documentation.
        Avx2(unsafe {
            let below = _mm256_cmp_pd::<_CMP_LT_OQ>(x.0, _mm256_set1_pd(bound));
            _mm256_andnot_pd(below, self.0)
        })
    }
    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        // Exponent and mantissa from the bits, as `vmath::split_exponent`.
        // SAFETY: see the type's documentation.
        unsafe {
            let bits = _mm256_castpd_si256(self.0);
            let mantissa = _mm256_and_si256(bits, _mm256_set1_epi64x(vmath::MANTISSA as i64));
            let m0 = _mm256_castsi256_pd(_mm256_or_si256(
                mantissa,
                _mm256_set1_epi64x(1f64.to_bits() as i64),
            ));
            let two52 = _mm256_set1_pd(vmath::TWO52);
            let biased = _mm256_sub_pd(
                _mm256_castsi256_pd(_mm256_or_si256(
                    _mm256_srli_epi64::<52>(bits),
                    _mm256_castpd_si256(two52),
                )),
                two52,
            );
            let big = _mm256_cmp_pd::<_CMP_GE_OQ>(m0, _mm256_set1_pd(SQRT2));
            let half = _mm256_blendv_pd(_mm256_set1_pd(1.0), _mm256_set1_pd(0.5), big);
            let bias = _mm256_blendv_pd(_mm256_set1_pd(1023.0), _mm256_set1_pd(1022.0), big);
            (
                Avx2(_mm256_mul_pd(m0, half)),
                Avx2(_mm256_sub_pd(biased, bias)),
            )
        }
    }
}

/// Eight lanes of AVX-512 (F) with FMA.
///
/// Only constructed inside functions compiled with `avx512f`, which are only
/// called after the CPU was found to support it (`kernels::simd`).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct Avx512(__m512d);

#[cfg(target_arch = "x86_64")]
impl Vector for Avx512 {
    const W: usize = 8;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        // SAFETY (every method): see the type's documentation.
        Avx512(unsafe { _mm512_set1_pd(x) })
    }
    #[inline(always)]
    fn load(s: &[f64]) -> Self {
        let s = &s[..8];
        Avx512(unsafe { _mm512_loadu_pd(s.as_ptr()) })
    }
    #[inline(always)]
    fn gather(s: &[f64], stride: usize) -> Self {
        let s = &s[..7 * stride + 1];
        let st = stride as i64;
        Avx512(unsafe {
            let idx = _mm512_set_epi64(7 * st, 6 * st, 5 * st, 4 * st, 3 * st, 2 * st, st, 0);
            _mm512_i64gather_pd::<8>(idx, s.as_ptr())
        })
    }
    #[inline(always)]
    fn columns2(rows: &[f64], d: usize, a: usize) -> Option<[Self; 2]> {
        assert!(a + 2 <= d && rows.len() >= 8 * d);
        // SAFETY: row i reads rows[i·d + a .. i·d + a + 2], inside `rows`
        // (checked above); with d = 2 the 16 values are contiguous.
        unsafe {
            // Rows 0–3 and 4–7 as pairs of (x_a, x_a+1), split by two shuffles.
            let (v0, v1) = if d == 2 {
                (
                    _mm512_loadu_pd(rows.as_ptr()),
                    _mm512_loadu_pd(rows.as_ptr().add(8)),
                )
            } else {
                // (No closures: they may stay un-inlined outside the AVX-512 caller.)
                let p = rows.as_ptr().add(a);
                let mut v = [_mm512_setzero_pd(); 2];
                for (h, vh) in v.iter_mut().enumerate() {
                    let r = p.add(4 * h * d);
                    let x = _mm512_castpd128_pd512(_mm_loadu_pd(r));
                    let x = _mm512_insertf64x2::<1>(x, _mm_loadu_pd(r.add(d)));
                    let x = _mm512_insertf64x2::<2>(x, _mm_loadu_pd(r.add(2 * d)));
                    *vh = _mm512_insertf64x2::<3>(x, _mm_loadu_pd(r.add(3 * d)));
                }
                (v[0], v[1])
            };
            let even = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
            let odd = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
            Some([
                Avx512(_mm512_permutex2var_pd(v0, even, v1)),
                Avx512(_mm512_permutex2var_pd(v0, odd, v1)),
            ])
        }
    }
    #[inline(always)]
    fn columns8(rows: &[f64], d: usize, a: usize) -> Option<[Self; 8]> {
        assert!(a + 8 <= d && rows.len() >= 8 * d);
        // SAFETY: row i reads rows[i·d + a .. i·d + a + 8], inside `rows` (checked above).
        unsafe {
            let at = |i: usize| rows.as_ptr().add(i * d + a);
            let r = [
                _mm512_loadu_pd(at(0)),
                _mm512_loadu_pd(at(1)),
                _mm512_loadu_pd(at(2)),
                _mm512_loadu_pd(at(3)),
                _mm512_loadu_pd(at(4)),
                _mm512_loadu_pd(at(5)),
                _mm512_loadu_pd(at(6)),
                _mm512_loadu_pd(at(7)),
            ];
            // Interleave pairs of rows, then pairs of pairs, then halves: 24 shuffles.
            let t: [__m512d; 8] = [
                _mm512_unpacklo_pd(r[0], r[1]),
                _mm512_unpackhi_pd(r[0], r[1]),
                _mm512_unpacklo_pd(r[2], r[3]),
                _mm512_unpackhi_pd(r[2], r[3]),
                _mm512_unpacklo_pd(r[4], r[5]),
                _mm512_unpackhi_pd(r[4], r[5]),
                _mm512_unpacklo_pd(r[6], r[7]),
                _mm512_unpackhi_pd(r[6], r[7]),
            ];
            let lo = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0);
            let hi = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
            let u: [__m512d; 8] = [
                _mm512_permutex2var_pd(t[0], lo, t[2]),
                _mm512_permutex2var_pd(t[1], lo, t[3]),
                _mm512_permutex2var_pd(t[0], hi, t[2]),
                _mm512_permutex2var_pd(t[1], hi, t[3]),
                _mm512_permutex2var_pd(t[4], lo, t[6]),
                _mm512_permutex2var_pd(t[5], lo, t[7]),
                _mm512_permutex2var_pd(t[4], hi, t[6]),
                _mm512_permutex2var_pd(t[5], hi, t[7]),
            ];
            let first = _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0);
            let second = _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4);
            Some([
                Avx512(_mm512_permutex2var_pd(u[0], first, u[4])),
                Avx512(_mm512_permutex2var_pd(u[1], first, u[5])),
                Avx512(_mm512_permutex2var_pd(u[2], first, u[6])),
                Avx512(_mm512_permutex2var_pd(u[3], first, u[7])),
                Avx512(_mm512_permutex2var_pd(u[0], second, u[4])),
                Avx512(_mm512_permutex2var_pd(u[1], second, u[5])),
                Avx512(_mm512_permutex2var_pd(u[2], second, u[6])),
                Avx512(_mm512_permutex2var_pd(u[3], second, u[7])),
            ])
        }
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        let s = &mut s[..8];
        unsafe { _mm512_storeu_pd(s.as_mut_ptr(), self.0) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Avx512(unsafe { _mm512_add_pd(self.0, o.0) })
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Avx512(unsafe { _mm512_sub_pd(self.0, o.0) })
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Avx512(unsafe { _mm512_mul_pd(self.0, o.0) })
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        Avx512(unsafe { _mm512_fmadd_pd(self.0, b.0, c.0) })
    }
    #[inline(always)]
    fn neg_mul_add(self, b: Self, c: Self) -> Self {
        Avx512(unsafe { _mm512_fnmadd_pd(self.0, b.0, c.0) })
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Avx512(unsafe { _mm512_div_pd(self.0, o.0) })
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        Avx512(unsafe { _mm512_max_pd(self.0, o.0) })
    }
    #[inline(always)]
    fn scale_by_power_of_two(p: Self, t: Self) -> Self {
        // SAFETY: see the type's documentation.
        Avx512(unsafe { _mm512_scalef_pd(p.0, _mm512_sub_pd(t.0, _mm512_set1_pd(MAGIC))) })
    }
    #[inline(always)]
    fn all_finite(self) -> bool {
        // x − x is 0 for finite x and NaN otherwise.
        // SAFETY: see the type's documentation.
        unsafe {
            let z = _mm512_sub_pd(self.0, self.0);
            _mm512_cmp_pd_mask::<_CMP_UNORD_Q>(z, z) == 0
        }
    }
    #[inline(always)]
    fn zero_where_below(self, x: Self, bound: f64) -> Self {
        // SAFETY: see the type's documentation.
        Avx512(unsafe {
            let keep = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(x.0, _mm512_set1_pd(bound));
            _mm512_maskz_mov_pd(keep, self.0)
        })
    }
    /// `getexp` and `getmant`, then halve the mantissas from √2 up.
    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        // SAFETY: see the type's documentation.
        unsafe {
            let m0 = _mm512_getmant_pd::<_MM_MANT_NORM_1_2, _MM_MANT_SIGN_SRC>(self.0);
            let e0 = _mm512_getexp_pd(self.0);
            let big = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(m0, _mm512_set1_pd(SQRT2));
            (
                Avx512(_mm512_mask_mul_pd(m0, big, m0, _mm512_set1_pd(0.5))),
                Avx512(_mm512_mask_add_pd(e0, big, e0, _mm512_set1_pd(1.0))),
            )
        }
    }
    /// `x = (16m + j)·ln 2/16 + r` with `|r| ≤ ln 2/32`: `eˣ = 2ᵐ · 2^(j/16) · eʳ`,
    /// with `2^(j/16)` from a 16-entry table held in two pairs of registers
    /// (one two-source permute per half), `eʳ − 1` by a degree-7 polynomial
    /// (truncation error below 2e-18) and `2ᵐ` applied by `scalef`, which
    /// also rounds tiny results to subnormals or zero correctly.
    #[inline(always)]
    fn exp_nonpositive(self) -> Self {
        // Below this eˣ rounds to zero; clamping keeps the reduction finite.
        const FLOOR: f64 = -746.0;
        let xc = self.max(Self::splat(FLOOR));
        let t = xc.mul_add(Self::splat(16.0 * LOG2E), Self::splat(MAGIC));
        let k = t.sub(Self::splat(MAGIC));
        // k·ln 2/16 split in two so that the first product is exact.
        let r = k.mul_add(Self::splat(-LN2_HI / 16.0), xc);
        let r = k.mul_add(Self::splat(-LN2_LO / 16.0), r);
        // eʳ − 1 = r + r²·(1/2 + r/6 + … + r⁵/7!), by Estrin's scheme.
        let r2 = r.mul(r);
        let r4 = r2.mul(r2);
        let p01 = r.mul_add(Self::splat(1.0 / 6.0), Self::splat(0.5));
        let p23 = r.mul_add(Self::splat(1.0 / 120.0), Self::splat(1.0 / 24.0));
        let p45 = r.mul_add(Self::splat(1.0 / 5_040.0), Self::splat(1.0 / 720.0));
        let q = r2.mul_add(r4.mul_add(p45, r2.mul_add(p23, p01)), r);
        // SAFETY (table, scaling): see the type's documentation.
        unsafe {
            // The low four bits of t are j (k mod 16), which the permutes read as the index.
            let j = _mm512_castpd_si512(t.0);
            let hi = _mm512_permutex2var_pd(
                _mm512_loadu_pd(EXP2_SIXTEENTHS_HI.as_ptr()),
                j,
                _mm512_loadu_pd(EXP2_SIXTEENTHS_HI.as_ptr().add(8)),
            );
            let lo = _mm512_permutex2var_pd(
                _mm512_loadu_pd(EXP2_SIXTEENTHS_LO.as_ptr()),
                j,
                _mm512_loadu_pd(EXP2_SIXTEENTHS_LO.as_ptr().add(8)),
            );
            // 2^(j/16)·(1 + q), with the table's low part and the small
            // product added before the leading term.
            let y = _mm512_add_pd(_mm512_fmadd_pd(hi, q.0, lo), hi);
            // × 2^⌊k/16⌋ (scalef takes the floor of its second operand).
            Avx512(_mm512_scalef_pd(
                y,
                _mm512_mul_pd(k.0, _mm512_set1_pd(1.0 / 16.0)),
            ))
        }
    }
}

/// `2^(j/16)` for `j = 0..16`, as the nearest f64 (`HI`) and the rest (`LO`),
/// from 60-digit decimal arithmetic (`crates/em/scripts/exp2_table.py`).
#[cfg(target_arch = "x86_64")]
const EXP2_SIXTEENTHS_HI: [f64; 16] = EXP2_TABLE.0;
#[cfg(target_arch = "x86_64")]
const EXP2_SIXTEENTHS_LO: [f64; 16] = EXP2_TABLE.1;
#[cfg(target_arch = "x86_64")]
const EXP2_TABLE: ([f64; 16], [f64; 16]) = {
    const BITS: [(u64, u64); 16] = [
        (0x3ff0000000000000, 0x0000000000000000),
        (0x3ff0b5586cf9890f, 0x3c98a62e4adc610b),
        (0x3ff172b83c7d517b, 0xbc819041b9d78a76),
        (0x3ff2387a6e756238, 0x3c99b07eb6c70573),
        (0x3ff306fe0a31b715, 0x3c86f46ad23182e4),
        (0x3ff3dea64c123422, 0x3c8ada0911f09ebc),
        (0x3ff4bfdad5362a27, 0x3c7d4397afec42e2),
        (0x3ff5ab07dd485429, 0x3c96324c054647ad),
        (0x3ff6a09e667f3bcd, 0xbc9bdd3413b26456),
        (0x3ff7a11473eb0187, 0xbc841577ee04992f),
        (0x3ff8ace5422aa0db, 0x3c96e9f156864b27),
        (0x3ff9c49182a3f090, 0x3c7c7c46b071f2be),
        (0x3ffae89f995ad3ad, 0x3c97a1cd345dcc81),
        (0x3ffc199bdd85529c, 0x3c811065895048dd),
        (0x3ffd5818dcfba487, 0x3c82ed02d75b3707),
        (0x3ffea4afa2a490da, 0xbc9e9c23179c2893),
    ];
    let mut hi = [0.0; 16];
    let mut lo = [0.0; 16];
    let mut j = 0;
    while j < 16 {
        hi[j] = f64::from_bits(BITS[j].0);
        lo[j] = f64::from_bits(BITS[j].1);
        j += 1;
    }
    (hi, lo)
};
