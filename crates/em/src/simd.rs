//! Vectors of f64 for the kernels: one small trait, implemented for AVX-512,
//! AVX2 + FMA and a portable pair of lanes.
//!
//! The kernels are written once, generic over [`Vector`], and instantiated
//! inside functions compiled for the matching instruction set (see
//! `kernels::dispatch!`). Writing the vector operations out, instead of
//! hoping the compiler finds them in scalar loops, keeps every accumulator in
//! a full-width register: the auto-vectoriser handled some of these loops with
//! half-width or scalar code depending on the surrounding code.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

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
    /// The two columns of the 8 × 2 row-major block `rows`, when the vector has
    /// eight lanes and a fast way to split them; `None` otherwise.
    #[inline(always)]
    fn columns_of_pairs(rows: &[f64]) -> Option<[Self; 2]> {
        let _ = rows;
        None
    }
    /// Write the lanes to the first `W` values of `s`.
    fn store(self, s: &mut [f64]);
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// `self · b + c`, fused where the instruction set has FMA.
    fn mul_add(self, b: Self, c: Self) -> Self;
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
    fn columns_of_pairs(rows: &[f64]) -> Option<[Self; 2]> {
        let rows = &rows[..16];
        // SAFETY: both loads are inside the 16 values just checked.
        unsafe {
            let (v0, v1) = (
                _mm512_loadu_pd(rows.as_ptr()),
                _mm512_loadu_pd(rows.as_ptr().add(8)),
            );
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
}

/// The lane-wise sum of `N` vectors.
#[inline(always)]
pub(crate) fn fold<V: Vector, const N: usize>(acc: [V; N]) -> V {
    let mut total = acc[0];
    for v in &acc[1..] {
        total = total.add(*v);
    }
    total
}
