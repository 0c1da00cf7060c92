//! `eˣ` and `ln x` over the lanes of a [`Vector`], branch-free.
//!
//! The log-sum-exp of the E-step takes one exponential per row and
//! component and one logarithm per row, which is most of an iteration's
//! work at small `d`; these are written out so every level of the kernels
//! computes them in vector registers. Each level supplies three bit-level
//! steps ([`Vector::scale_by_power_of_two`], [`Vector::zero_where_below`],
//! [`Vector::split_exponent`]); AVX-512 replaces the exponential with a
//! table-driven one (`simd.rs`).

use super::simd::Vector;

pub(crate) const LOG2E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split (fdlibm): the high part has trailing zero bits so `k·LN2_HI`
/// is exact for every `k` the reductions use.
pub(crate) const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
pub(crate) const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
/// 1.5·2⁵²: adding it rounds to an integer held in the low mantissa bits.
pub(crate) const MAGIC: f64 = 6_755_399_441_055_744.0;
pub(crate) const MANTISSA: u64 = (1 << 52) - 1;
pub(crate) const SQRT2: f64 = std::f64::consts::SQRT_2;
/// 2⁵²: the biased exponent placed in the low mantissa bits of 2⁵² reads as
/// 2⁵² + exponent, so no integer-to-float conversion is needed.
pub(crate) const TWO52: f64 = 4_503_599_627_370_496.0;
/// Below this, [`exp_nonpositive`] returns 0 (eˣ is subnormal there).
pub(crate) const EXP_FLOOR: f64 = -708.0;

/// `eˣ` for `x ≤ 0` (0 below −708): `x = k ln 2 + r` with `|r| ≤ ½ ln 2`,
/// `eʳ` by its Taylor series to degree 13 (relative error below 2e-16 on
/// that interval), and `2ᵏ` built from its exponent bits.
#[inline(always)]
pub(crate) fn exp_nonpositive<V: Vector>(x: V) -> V {
    let xc = x.max(V::splat(EXP_FLOOR));
    let t = xc.mul_add(V::splat(LOG2E), V::splat(MAGIC));
    let k = t.sub(V::splat(MAGIC));
    let r = xc.sub(k.mul(V::splat(LN2_HI))).sub(k.mul(V::splat(LN2_LO)));
    // Σ rⁱ/i! for i ≤ 13 by Estrin's scheme: pairs, then pairs of pairs, so
    // the longest dependency chain is four multiply-adds instead of thirteen.
    let r2 = r.mul(r);
    let r4 = r2.mul(r2);
    let r8 = r4.mul(r4);
    let q0 = r.add(V::splat(1.0));
    let q1 = r.mul_add(V::splat(1.0 / 6.0), V::splat(1.0 / 2.0));
    let q2 = r.mul_add(V::splat(1.0 / 120.0), V::splat(1.0 / 24.0));
    let q3 = r.mul_add(V::splat(1.0 / 5_040.0), V::splat(1.0 / 720.0));
    let q4 = r.mul_add(V::splat(1.0 / 362_880.0), V::splat(1.0 / 40_320.0));
    let q5 = r.mul_add(V::splat(1.0 / 39_916_800.0), V::splat(1.0 / 3_628_800.0));
    let q6 = r.mul_add(
        V::splat(1.0 / 6_227_020_800.0),
        V::splat(1.0 / 479_001_600.0),
    );
    let s0 = q1.mul_add(r2, q0);
    let s1 = q3.mul_add(r2, q2);
    let s2 = q5.mul_add(r2, q4);
    let t0 = s1.mul_add(r4, s0);
    let t1 = q6.mul_add(r4, s2);
    let p = t1.mul_add(r8, t0);
    V::scale_by_power_of_two(p, t).zero_where_below(x, EXP_FLOOR)
}

/// `ln x` for positive, finite, normal `x` (see [`ln_from_parts`]).
#[inline(always)]
pub(crate) fn ln_positive<V: Vector>(x: V) -> V {
    let (m, e) = x.split_exponent();
    ln_from_parts(m, e)
}

/// `ln(m·2ᵉ)` for `m ∈ [√½, √2)`: `ln m = 2 atanh f` with
/// `f = (m − 1)/(m + 1)`, `|f| ≤ 0.1716`, summed to `f²³` (truncation error
/// below 1e-19 relative).
#[inline(always)]
pub(crate) fn ln_from_parts<V: Vector>(m: V, e: V) -> V {
    let one = V::splat(1.0);
    let f = m.sub(one).div(m.add(one));
    let f2 = f.mul(f);
    let mut p = V::splat(1.0 / 23.0);
    for c in [21.0, 19.0, 17.0, 15.0, 13.0, 11.0, 9.0, 7.0, 5.0, 3.0] {
        p = p.mul_add(f2, V::splat(1.0 / c));
    }
    // ln m = 2f + 2f³·p(f²), with the leading 2f kept separate for accuracy.
    let two_f = f.add(f);
    let tail = two_f.mul(f2).mul(p);
    e.mul(V::splat(LN2_HI))
        .add(two_f.add(e.mul_add(V::splat(LN2_LO), tail)))
}

/// `(m, e)` with `x = m·2ᵉ`, `m ∈ [√½, √2)`, from the bits of a positive,
/// finite, normal `x`.
#[inline(always)]
pub(crate) fn split_exponent(x: f64) -> (f64, f64) {
    let bits = x.to_bits();
    let biased = f64::from_bits((bits >> 52) | TWO52.to_bits()) - TWO52;
    let m0 = f64::from_bits((bits & MANTISSA) | 1f64.to_bits());
    if m0 >= SQRT2 {
        (0.5 * m0, biased - 1022.0)
    } else {
        (m0, biased - 1023.0)
    }
}
