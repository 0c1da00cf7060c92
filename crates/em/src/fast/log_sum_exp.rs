//! Log-sum-exp: responsibilities and `ln p(x_i)` from a block's
//! log-densities, and the per-block log-likelihood sums.

use super::estep::STRIDE;
use super::layout::Buffers;
use super::simd::Vector;

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
pub(super) const PRODUCT_TERMS: usize = 32;

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
pub(super) fn lane_total<V: Vector>(v: V) -> f64 {
    let mut lanes = [0.0; 8];
    v.store(&mut lanes);
    lanes[..V::W].iter().sum()
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
pub(super) fn normalise_body<V: Vector, const NV: usize>(
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
pub(super) fn log_sum_exp<V: Vector, const U: usize>(
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
pub(super) struct LogLikSums<V: Vector> {
    prod: V,
    ln_prods: V,
    max_sum: V,
    terms: usize,
}

impl<V: Vector> LogLikSums<V> {
    #[inline(always)]
    pub(super) fn new() -> Self {
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
    pub(super) fn add_vector(
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
    pub(super) fn total(&self) -> f64 {
        lane_total(self.max_sum) + lane_total(self.ln_prods.add(self.prod.ln_positive()))
    }
}
