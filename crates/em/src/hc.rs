//! mclust's default start: model-based agglomerative hierarchical clustering
//! (`hc`, Fraley 1998, "Algorithms for model-based Gaussian hierarchical
//! clustering"), cut at k.
//!
//! What `Mclust(X)` does before EM, step by step, and the function here for each:
//!
//! * the data is transformed as `hcUse = "SVD"`: centred, scaled to unit
//!   standard deviation (n − 1 denominator; constant columns dropped), then
//!   `Z = X V S^{-1/2}` with `X = U S Vᵀ` ([`svd_transform`]);
//! * every row starts as its own group (identical rows too: they merge first);
//! * groups are merged two at a time, each time the pair whose merge raises
//!   the classification criterion least ([`merge_cost`]): for a group of
//!   `n` points with scatter `W` (Σ (x − x̄)(x − x̄)ᵀ) the VVV term is
//!   `n · ln(det(W/n) + (tr W + α)/n)` once `n > p`, and `n · ln((tr W + α)/n)`
//!   below ([`vvv_term`]), with `α = tr(W_data)/(n·p)` (mclust's
//!   `hcVVV(alpha = 1, beta = 1)`); exact ties go to the pair mclust's scan
//!   would take (the last in its packed order);
//! * the tree is cut at each k ([`HcTree::labels`], mclust's `hclass`);
//! * with one feature mclust uses quantile classes instead ([`qclass`]),
//!   and with n ≤ d the EII criterion (Ward's) instead of VVV;
//! * above [`HC_SUBSET`] points the tree is built on a random subset of that
//!   size (mclust's `subset` option); EM then starts from one M-step on the
//!   subset's classification followed by an E-step on all points ([`HcStart`]).
//!
//! Cost: O(m²) memory and, per merge, one new row of merge costs: against a
//! single point by the determinant lemma from the merged group's factor
//! ([`Factor`], one triangular solve), against a group by a p × p
//! factorisation. The row is computed over the groups held as structure of
//! arrays (`cost_row`), every step but the logarithm lane-wise (at the
//! SIMD level `crate::fast::dispatch` picks) and with `merge_cost`'s
//! operations in its order, so the costs, and the tree, are bit for bit
//! those of the one-pair-at-a-time computation (tested against it); the
//! initial all-pairs matrix is filled in parallel by blocks of rows.
//! m = 2000 points in 5 dimensions take about 0.04 s (0.10 s before the
//! lane-wise rows), 2000 in 10 about 0.04 s, 1000 in 2 about 0.01 s
//! (2026-11-26, this 2-core AVX-512 machine, while another job shared it).

use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::error::{invalid, GmmError};
use crate::fast::dispatch::{simd, supported_simd, Simd};

/// Most points the hierarchical stage sees (mclust's `mclust.options("subset")`).
pub const HC_SUBSET: usize = 2000;

/// Which merge criterion built a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HcModel {
    /// Varying volume, shape and orientation (mclust's default `hcVVV`).
    Vvv,
    /// Spherical, equal volume: Ward's criterion (mclust's `hcEII`, used when n ≤ d).
    Eii,
}

/// A merge tree: the initial groups of the rows and the merges, each as two
/// initial-group ids (representatives of the two merged groups).
#[derive(Debug, Clone, PartialEq)]
pub struct HcTree {
    /// Initial group of each row (0-based, in order of first appearance).
    pub initial: Vec<usize>,
    /// Number of initial groups (distinct rows).
    pub n_groups: usize,
    /// Merges in order: after `t` merges there are `n_groups − t` groups.
    pub merges: Vec<(usize, usize)>,
    pub model: HcModel,
}

/// Union–find root with path halving.
fn find(parent: &mut [usize], mut a: usize) -> usize {
    while parent[a] != a {
        parent[a] = parent[parent[a]];
        a = parent[a];
    }
    a
}

/// Labels renumbered 0.. in order of first appearance (mclust's `partconv(consec = TRUE)`).
fn consecutive(labels: &[usize]) -> Vec<usize> {
    let mut map = std::collections::HashMap::new();
    labels
        .iter()
        .map(|&l| {
            let next = map.len();
            *map.entry(l).or_insert(next)
        })
        .collect()
}

impl HcTree {
    /// The partition into `k` groups (mclust's `hclass(tree, k)`), labels 0..k−1.
    pub fn labels(&self, k: usize) -> Result<Vec<usize>, GmmError> {
        if k == 0 || k > self.n_groups {
            return Err(invalid(
                "k",
                format!(
                    "the hierarchical start cannot make {k} groups from {} distinct points",
                    self.n_groups
                ),
            ));
        }
        let mut parent: Vec<usize> = (0..self.n_groups).collect();
        for &(a, b) in &self.merges[..self.n_groups - k] {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            parent[rb.max(ra)] = rb.min(ra);
        }
        let roots: Vec<usize> = self.initial.iter().map(|&g| find(&mut parent, g)).collect();
        Ok(consecutive(&roots))
    }
}

/// Cyclic Jacobi eigen-decomposition of a small symmetric matrix: the
/// eigenvalues and the eigenvectors as the columns of the returned matrix.
pub(crate) fn symmetric_eigen(a: ArrayView2<f64>) -> (Vec<f64>, Array2<f64>) {
    let p = a.nrows();
    let mut m = a.to_owned();
    let mut v = Array2::<f64>::eye(p);
    for _sweep in 0..100 {
        let off: f64 = (0..p)
            .flat_map(|i| (0..p).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[[i, j]] * m[[i, j]])
            .sum();
        let scale: f64 = (0..p).map(|i| m[[i, i]] * m[[i, i]]).sum::<f64>();
        if off <= 1e-30 * scale.max(f64::MIN_POSITIVE) {
            break;
        }
        for i in 0..p {
            for j in (i + 1)..p {
                if m[[i, j]] == 0.0 {
                    continue;
                }
                let theta = (m[[j, j]] - m[[i, i]]) / (2.0 * m[[i, j]]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..p {
                    let (mki, mkj) = (m[[k, i]], m[[k, j]]);
                    m[[k, i]] = c * mki - s * mkj;
                    m[[k, j]] = s * mki + c * mkj;
                }
                for k in 0..p {
                    let (mik, mjk) = (m[[i, k]], m[[j, k]]);
                    m[[i, k]] = c * mik - s * mjk;
                    m[[j, k]] = s * mik + c * mjk;
                }
                for k in 0..p {
                    let (vki, vkj) = (v[[k, i]], v[[k, j]]);
                    v[[k, i]] = c * vki - s * vkj;
                    v[[k, j]] = s * vki + c * vkj;
                }
            }
        }
    }
    ((0..p).map(|i| m[[i, i]]).collect(), v)
}

/// mclust's `hcUse = "SVD"`: centre and scale each column (sample standard
/// deviation; constant columns dropped), then `Z = X V S^{-1/2}` where
/// `X = U S Vᵀ`. Directions of zero singular value are dropped (mclust would
/// divide by zero there). Computed from the eigen-decomposition of `XᵀX`
/// (`S² = eigenvalues`), as the criterion needs only `Z` up to rotation.
pub fn svd_transform(x: ArrayView2<f64>) -> Array2<f64> {
    let n = x.nrows();
    let mean = x.mean_axis(Axis(0)).expect("n ≥ 1");
    let denom = (n.max(2) - 1) as f64;
    let kept: Vec<usize> = (0..x.ncols())
        .filter(|&j| {
            let sd = (x
                .column(j)
                .iter()
                .map(|v| (v - mean[j]) * (v - mean[j]))
                .sum::<f64>()
                / denom)
                .sqrt();
            sd > 0.0 && sd.is_finite()
        })
        .collect();
    let mut s = Array2::<f64>::zeros((n, kept.len()));
    for (c, &j) in kept.iter().enumerate() {
        let col = x.column(j);
        let sd = (col
            .iter()
            .map(|v| (v - mean[j]) * (v - mean[j]))
            .sum::<f64>()
            / denom)
            .sqrt();
        s.column_mut(c).assign(&col.mapv(|v| (v - mean[j]) / sd));
    }
    let gram = s.t().dot(&s);
    let (values, vectors) = symmetric_eigen(gram.view());
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let top = values.iter().copied().fold(0.0, f64::max);
    let dirs: Vec<usize> = order
        .into_iter()
        .take(n.min(values.len()))
        .filter(|&i| values[i] > top * 1e-12 && values[i] > 0.0)
        .collect();
    let mut z = Array2::<f64>::zeros((n, dirs.len()));
    for (c, &i) in dirs.iter().enumerate() {
        // Singular value s = √λ; the column is scaled by s^{-1/2} = λ^{-1/4}.
        let scale = values[i].powf(-0.25);
        let proj = s.dot(&vectors.column(i)) * scale;
        z.column_mut(c).assign(&proj);
    }
    z
}

/// One group of the agglomeration: its size, mean, scatter matrix (p × p,
/// row-major) and trace, and its criterion term.
#[derive(Debug, Clone)]
struct Group {
    n: usize,
    mean: Vec<f64>,
    scatter: Vec<f64>,
    trace: f64,
    term: f64,
    /// An initial-group id inside it (names the group in the merge list).
    rep: usize,
}

/// Constants of one agglomeration.
struct Criterion {
    model: HcModel,
    p: usize,
    /// mclust's `alpha · traceW(Z/√(n p))` (β = 1).
    alpha: f64,
}

/// `ln(e^a + b)` for `b > 0`, without overflow.
fn ln_exp_plus(a: f64, b: f64) -> f64 {
    if a <= 0.0 {
        (a.exp() + b).ln()
    } else {
        a + (1.0 + (-a).exp() * b).ln()
    }
}

/// The Cholesky factor `W = L Lᵀ` of a p × p scatter, in place (lower
/// triangle, row-major); returns the product of the pivots over `n`,
/// `det(W / n)`, or `None` when W is not positive definite.
fn cholesky_in_place(l: &mut [f64], p: usize, n: f64) -> Option<f64> {
    let mut det = 1.0;
    for j in 0..p {
        let mut diag = l[j * p + j];
        for k in 0..j {
            diag -= l[j * p + k] * l[j * p + k];
        }
        if !(diag > 0.0) || !diag.is_finite() {
            return None;
        }
        let root = diag.sqrt();
        l[j * p + j] = root;
        det *= diag / n;
        for i in (j + 1)..p {
            let mut s = l[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            l[i * p + j] = s / root;
        }
    }
    Some(det)
}

/// `det(w / n)` of a p × p scatter (Cholesky in `scratch`) as the product of
/// the pivots, with `ln det(w / n)` beside it when that product leaves the
/// normal range; `None` when singular.
fn det_scaled(w: &[f64], n: f64, p: usize, scratch: &mut [f64]) -> Option<Det> {
    scratch.copy_from_slice(w);
    let det = cholesky_in_place(scratch, p, n)?;
    if det.is_normal() {
        return Some(Det::Plain(det));
    }
    // Out of range: the same pivots summed as logarithms.
    let ln_det = (0..p).map(|j| 2.0 * scratch[j * p + j].ln() - n.ln()).sum();
    Some(Det::Log(ln_det))
}

/// A determinant as computed ([`det_scaled`]): itself, or its logarithm.
enum Det {
    Plain(f64),
    Log(f64),
}

/// The Cholesky factor of a group's scatter `W = L Lᵀ` (row-major, lower),
/// the reciprocals of its diagonal and `det W`: with it the cost of merging
/// that group with a single point is the determinant lemma's
/// `det(W + c δδᵀ) = det W · (1 + c |L⁻¹δ|²)`, a triangular solve instead of a
/// new factorisation.
struct Factor {
    l: Vec<f64>,
    inv_diag: Vec<f64>,
    det: f64,
}

impl Factor {
    /// The factor of a nonsingular scatter whose determinant is in the normal range.
    fn of(w: &[f64], p: usize) -> Option<Factor> {
        let mut l = w.to_vec();
        let det = cholesky_in_place(&mut l, p, 1.0)?;
        let inv_diag = (0..p).map(|j| 1.0 / l[j * p + j]).collect();
        det.is_normal().then_some(Factor { l, inv_diag, det })
    }

    /// `|L⁻¹δ|²` (forward substitution; `y` is scratch of length p).
    fn mahalanobis(&self, delta: &[f64], y: &mut [f64]) -> f64 {
        let p = delta.len();
        let mut q = 0.0;
        for i in 0..p {
            let mut s = delta[i];
            for k in 0..i {
                s -= self.l[i * p + k] * y[k];
            }
            y[i] = s * self.inv_diag[i];
            q += y[i] * y[i];
        }
        q
    }
}

/// The VVV classification term of a group of `n` points with scatter `w`
/// (trace `trace`): `n · ln(det(W/n) + (tr W + α)/n)`, the determinant only
/// once `n > p` (and only when W is nonsingular), as mclust's `vvvtij`.
/// `pair_of_singletons`: mclust leaves the determinant out for two single
/// points even when p = 1.
fn vvv_term(
    c: &Criterion,
    n: usize,
    w: &[f64],
    trace: f64,
    pair_of_singletons: bool,
    scratch: &mut [f64],
) -> f64 {
    let nf = n as f64;
    let b = (trace + c.alpha) / nf;
    if n <= c.p || pair_of_singletons || trace == 0.0 {
        return nf * b.ln();
    }
    match det_scaled(w, nf, c.p, scratch) {
        Some(Det::Plain(det)) => nf * (det + b).ln(),
        Some(Det::Log(ld)) => nf * ln_exp_plus(ld, b),
        None => nf * b.ln(),
    }
}

/// The merge of groups `a` and `b`: the merged group's size, mean, trace and
/// (for VVV, once the determinant is needed) scatter.
fn merged(c: &Criterion, a: &Group, b: &Group, with_scatter: bool) -> Group {
    let p = c.p;
    let n = a.n + b.n;
    let (na, nb, nf) = (a.n as f64, b.n as f64, n as f64);
    let coef = na * nb / nf;
    let delta: Vec<f64> = (0..p).map(|t| a.mean[t] - b.mean[t]).collect();
    let trace = a.trace + b.trace + coef * delta.iter().map(|v| v * v).sum::<f64>();
    let mean = (0..p)
        .map(|t| (na * a.mean[t] + nb * b.mean[t]) / nf)
        .collect();
    let scatter = if with_scatter {
        let mut w = vec![0.0; p * p];
        for i in 0..p {
            for j in 0..p {
                w[i * p + j] =
                    a.scatter[i * p + j] + b.scatter[i * p + j] + coef * delta[i] * delta[j];
            }
        }
        w
    } else {
        Vec::new()
    };
    Group {
        n,
        mean,
        scatter,
        trace,
        term: 0.0,
        rep: a.rep.min(b.rep),
    }
}

/// Rise of the criterion when `a` and `b` merge (mclust's `dij`). `scratch`
/// holds p + 2p² numbers (the mean difference, the merged scatter, its factor).
/// `a_factor`: `a`'s [`Factor`], when known, for merges of `a` with one point.
fn merge_cost(
    c: &Criterion,
    a: &Group,
    a_factor: Option<&Factor>,
    b: &Group,
    scratch: &mut [f64],
) -> f64 {
    let p = c.p;
    let (delta, rest) = scratch.split_at_mut(p);
    let (w, chol) = rest.split_at_mut(p * p);
    let n = a.n + b.n;
    let coef = (a.n as f64) * (b.n as f64) / n as f64;
    let mut dist = 0.0;
    for t in 0..p {
        delta[t] = a.mean[t] - b.mean[t];
        dist += delta[t] * delta[t];
    }
    let trace = a.trace + b.trace + coef * dist;
    match c.model {
        HcModel::Eii => trace - a.trace - b.trace,
        HcModel::Vvv => {
            let pair = a.n == 1 && b.n == 1;
            if n > p && !pair && trace != 0.0 {
                if let (Some(f), 1) = (a_factor, b.n) {
                    // det(W/n) = det(W_a) (1 + c |L⁻¹δ|²) / nᵖ.
                    let nf = n as f64;
                    let det = f.det * (1.0 + coef * f.mahalanobis(delta, &mut chol[..p]))
                        / nf.powi(p as i32);
                    let b_ = (trace + c.alpha) / nf;
                    if det.is_normal() {
                        return nf * (det + b_).ln() - (a.term + b.term);
                    }
                }
                for i in 0..p {
                    for j in 0..=i {
                        w[i * p + j] = a.scatter[i * p + j]
                            + b.scatter[i * p + j]
                            + coef * delta[i] * delta[j];
                    }
                }
            }
            vvv_term(c, n, w, trace, pair, chol) - (a.term + b.term)
        }
    }
}

/// Index of the pair (i, j), i < j, in the packed lower triangle (row j, column i).
fn packed(i: usize, j: usize) -> usize {
    debug_assert!(i < j);
    row_start(j) + i
}

/// Where row j (its j entries, columns 0..j) starts in the packed lower
/// triangle; row 0 is empty.
fn row_start(j: usize) -> usize {
    j * j.saturating_sub(1) / 2
}

/// The smallest cost in row j (columns 0..j): ties go to the larger column,
/// as the last entry with `≤` in mclust's scan. Costs are never NaN.
fn row_min(level: Simd, d: &[f64], j: usize) -> (f64, usize) {
    min_of(level, &d[row_start(j)..row_start(j) + j])
}

/// The smallest entry of a row and its last position (`usize::MAX` when
/// empty), in one pass: each of [`LANES`] lanes keeps its smallest value and
/// the last position holding it (`≤`), then the lanes and the tail combine.
#[inline(always)]
fn min_of_body(row: &[f64]) -> (f64, usize) {
    let mut best = [f64::INFINITY; LANES];
    let mut at = [usize::MAX; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for (k, ch) in chunks.enumerate() {
        for l in 0..LANES {
            let take = ch[l] <= best[l];
            best[l] = if take { ch[l] } else { best[l] };
            at[l] = if take { k * LANES + l } else { at[l] };
        }
    }
    let mut m = best
        .iter()
        .fold(f64::INFINITY, |a, &b| if b < a { b } else { a });
    for &v in tail {
        if v < m {
            m = v;
        }
    }
    if let Some(t) = tail.iter().rposition(|&v| v == m) {
        return (m, row.len() - tail.len() + t);
    }
    let last = (0..LANES)
        .filter(|&l| best[l] == m && at[l] != usize::MAX)
        .map(|l| at[l])
        .max();
    match last {
        Some(i) => (m, i),
        None => (f64::INFINITY, usize::MAX),
    }
}

/// The groups' sizes, traces, terms and means in structure-of-arrays form
/// (`mean[t · cap + x]`: feature `t` of the group at position `x`), so the
/// costs of one group against all others run over contiguous lanes; the
/// scatters' lower triangles likewise (`scatter[(i(i+1)/2 + j) · cap + x]`).
struct Lanes {
    cap: usize,
    n: Vec<f64>,
    trace: Vec<f64>,
    term: Vec<f64>,
    mean: Vec<f64>,
    scatter: Vec<f64>,
}

impl Lanes {
    fn of(groups: &[Group], p: usize) -> Lanes {
        let cap = groups.len();
        let mut lanes = Lanes {
            cap,
            n: vec![0.0; cap],
            trace: vec![0.0; cap],
            term: vec![0.0; cap],
            mean: vec![0.0; p * cap],
            scatter: vec![0.0; p * (p + 1) / 2 * cap],
        };
        for (x, g) in groups.iter().enumerate() {
            lanes.set(x, g);
        }
        lanes
    }

    /// Position `x` takes group `g`.
    fn set(&mut self, x: usize, g: &Group) {
        self.n[x] = g.n as f64;
        self.trace[x] = g.trace;
        self.term[x] = g.term;
        for (t, &m) in g.mean.iter().enumerate() {
            self.mean[t * self.cap + x] = m;
        }
        // Merged groups under EII carry no scatter.
        let p = g.mean.len();
        if g.scatter.len() == p * p {
            for i in 0..p {
                for j in 0..=i {
                    self.scatter[(i * (i + 1) / 2 + j) * self.cap + x] = g.scatter[i * p + j];
                }
            }
        }
    }

    /// `out[x] = |μ_a − μ_x|²` for every lane `x < out.len()`, summed over
    /// the features in order (as [`merge_cost`] sums them).
    fn sq_dist(&self, a_mean: &[f64], out: &mut [f64]) {
        let m = out.len();
        for (t, &ma) in a_mean.iter().enumerate() {
            let col = &self.mean[t * self.cap..t * self.cap + m];
            if t == 0 {
                for (o, &v) in out.iter_mut().zip(col) {
                    let dl = ma - v;
                    *o = dl * dl;
                }
            } else {
                for (o, &v) in out.iter_mut().zip(col) {
                    let dl = ma - v;
                    *o += dl * dl;
                }
            }
        }
    }
}

/// Compile `$body` for the baseline target, for AVX2 + FMA and for AVX-512,
/// as the fast engine's kernels are (`crate::fast::dispatch`), and run it at
/// the given level. The bodies use no fused or reassociated arithmetic, so
/// every level computes the same numbers; the wider levels only run more
/// lanes at once.
macro_rules! at_level {
    ($name:ident, $body:ident, ($($arg:ident : $ty:ty),*) $(-> $ret:ty)?) => {
        fn $name(level: Simd, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
                unsafe fn avx512($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                assert!(level.rank() <= supported_simd().rank(), "{level:?} is not supported here");
                match level {
                    // SAFETY: checked above that the CPU supports the level.
                    Simd::Avx512 => return unsafe { avx512($($arg),*) },
                    // SAFETY: as above.
                    Simd::Avx2 => return unsafe { avx2($($arg),*) },
                    Simd::Baseline => {}
                }
            }
            $body($($arg),*)
        }
    };
}

at_level!(min_of, min_of_body, (row: &[f64]) -> (f64, usize));
at_level!(singleton_row, singleton_row_body, (c: &Criterion, lanes: &Lanes, j: usize, row: &mut [f64]));
at_level!(cost_row, cost_row_body, (c: &Criterion, groups: &[Group], lanes: &Lanes, ia: usize, factor: Option<&Factor>, out: &mut [f64], s: &mut RowScratch));

/// Lanes of a cost row computed together.
const LANES: usize = 8;

/// Row `j` of the initial cost matrix (`row[i]`: the cost of merging
/// singletons `i < j` and `j`), every group a single point: the same
/// operations, in the same order, as [`merge_cost`] of two singletons.
#[inline(always)]
fn singleton_row_body(c: &Criterion, lanes: &Lanes, j: usize, row: &mut [f64]) {
    let a_mean: Vec<f64> = (0..c.p).map(|t| lanes.mean[t * lanes.cap + j]).collect();
    // |μ_j − μ_i|² = |μ_i − μ_j|² exactly (the squares of opposite numbers).
    lanes.sq_dist(&a_mean, row);
    let (nj, tj, mj) = (lanes.n[j], lanes.trace[j], lanes.term[j]);
    for (i, v) in row.iter_mut().enumerate() {
        let (ni, ti) = (lanes.n[i], lanes.trace[i]);
        let nf = ni + nj;
        let trace = ti + tj + ni * nj / nf * *v;
        *v = match c.model {
            HcModel::Eii => trace - ti - tj,
            // Two single points: n ln((tr W + α)/n), no determinant.
            HcModel::Vvv => nf * ((trace + c.alpha) / nf).ln() - (lanes.term[i] + mj),
        };
    }
}

/// Scratch of [`cost_row`], per lane of a row unless said otherwise.
struct RowScratch {
    /// The multiplier `n` and argument of the logarithm, and the terms subtracted.
    mult: Vec<f64>,
    arg: Vec<f64>,
    sub: Vec<f64>,
    coef: Vec<f64>,
    /// 0: `n ln(arg)` as it stands; 1: by the determinant lemma; 2: by a
    /// factorisation of the merged scatter; 3: through [`merge_cost`].
    kind: Vec<u8>,
    /// The lemma's triangular solve (p rows of lanes) and `|L⁻¹δ|²`.
    y: Vec<f64>,
    q: Vec<f64>,
    /// Lanes of kind 2, and the merged scatters of up to [`FULL`] of them
    /// (`w[(i p + j) FULL + f]`) with their factors' determinants.
    full: Vec<usize>,
    w: Vec<f64>,
    det: Vec<f64>,
    /// [`merge_cost`]'s scratch.
    general: Vec<f64>,
}

/// Lanes of kind 2 factorised together.
const FULL: usize = 64;

impl RowScratch {
    fn new(cap: usize, p: usize) -> RowScratch {
        RowScratch {
            mult: vec![0.0; cap],
            arg: vec![0.0; cap],
            sub: vec![0.0; cap],
            coef: vec![0.0; cap],
            kind: vec![0; cap],
            y: vec![0.0; p * cap],
            q: vec![0.0; cap],
            full: Vec::with_capacity(cap),
            w: vec![0.0; p * p * FULL],
            det: vec![0.0; FULL],
            general: vec![0.0; p + 2 * p * p],
        }
    }
}

/// The costs of merging the group at position `ia` with each group at
/// `x < out.len()` (`out[ia]` is left 0): bit for bit what
/// `merge_cost(c, a, factor, group x)` gives. Everything but the logarithm
/// runs over the lanes (the groups) with unit stride, with [`merge_cost`]'s
/// operations in its order: against a single point by the determinant lemma
/// from `a`'s factor, against a group (or a point, when `a` has no factor)
/// by a lane-wise Cholesky factorisation of the merged scatter; the rare
/// lanes whose determinant leaves the normal range go through
/// [`merge_cost`] itself.
#[inline(always)]
fn cost_row_body(
    c: &Criterion,
    groups: &[Group],
    lanes: &Lanes,
    ia: usize,
    factor: Option<&Factor>,
    out: &mut [f64],
    s: &mut RowScratch,
) {
    let a = &groups[ia];
    let m = out.len();
    let p = c.p;
    lanes.sq_dist(&a.mean, out);
    let na = a.n as f64;
    let (nb, tb) = (&lanes.n[..m], &lanes.trace[..m]);
    if c.model == HcModel::Eii {
        for x in 0..m {
            let trace = a.trace + tb[x] + na * nb[x] / (na + nb[x]) * out[x];
            out[x] = trace - a.trace - tb[x];
        }
        out[ia] = 0.0;
        return;
    }
    let (pf, cap) = (p as f64, lanes.cap);
    let lemma = factor.filter(|_| na + 1.0 > pf);
    let (mult, arg, sub, coef, kind) = (
        &mut s.mult[..m],
        &mut s.arg[..m],
        &mut s.sub[..m],
        &mut s.coef[..m],
        &mut s.kind[..m],
    );
    let term = &lanes.term[..m];
    let (alpha, has_lemma) = (c.alpha, lemma.is_some());
    let mut any = [false; 2];
    for x in 0..m {
        let nf = na + nb[x];
        let cf = na * nb[x] / nf;
        let trace = a.trace + tb[x] + cf * out[x];
        coef[x] = cf;
        mult[x] = nf;
        sub[x] = a.term + term[x];
        arg[x] = (trace + alpha) / nf;
        let need = nf > pf && trace != 0.0;
        let lem = need && nb[x] == 1.0 && has_lemma;
        let full = need && !lem;
        any[0] |= lem;
        any[1] |= full;
        kind[x] = u8::from(lem) + 2 * u8::from(full);
    }
    kind[ia] = 0;
    if let (Some(f), true) = (lemma, any[0]) {
        // |L⁻¹δ|² (Factor::mahalanobis) for every lane, feature by feature.
        let (y, q) = (&mut s.y[..p * cap], &mut s.q[..m]);
        for i in 0..p {
            let (done, rest) = y.split_at_mut(i * cap);
            let yi = &mut rest[..m];
            let col = &lanes.mean[i * cap..i * cap + m];
            let ai = a.mean[i];
            for x in 0..m {
                yi[x] = ai - col[x];
            }
            for k in 0..i {
                let (lik, yk) = (f.l[i * p + k], &done[k * cap..k * cap + m]);
                for x in 0..m {
                    yi[x] -= lik * yk[x];
                }
            }
            let inv = f.inv_diag[i];
            if i == 0 {
                for x in 0..m {
                    yi[x] *= inv;
                    q[x] = yi[x] * yi[x];
                }
            } else {
                for x in 0..m {
                    yi[x] *= inv;
                    q[x] += yi[x] * yi[x];
                }
            }
        }
        // det(W/n) = det W_a (1 + c |L⁻¹δ|²) / nᵖ, n = n_a + 1 for single points.
        let n1 = na + 1.0;
        let pow1 = n1.powi(p as i32);
        for x in 0..m {
            if kind[x] == 1 {
                let det = f.det * (1.0 + coef[x] * q[x]) / pow1;
                if det.is_normal() {
                    arg[x] += det;
                } else {
                    kind[x] = 3;
                }
            }
        }
    }
    if any[1] {
        s.full.clear();
        s.full.extend((0..m).filter(|&x| kind[x] == 2));
        for chunk in s.full.chunks(FULL) {
            let nc = chunk.len();
            let w = &mut s.w[..];
            // The merged scatter's lower triangle, as merge_cost builds it.
            for i in 0..p {
                for j in 0..=i {
                    let (sa, ai, aj) = (a.scatter[i * p + j], a.mean[i], a.mean[j]);
                    let sb = &lanes.scatter[(i * (i + 1) / 2 + j) * cap..];
                    let (ci, cj) = (&lanes.mean[i * cap..], &lanes.mean[j * cap..]);
                    let e = &mut w[(i * p + j) * FULL..(i * p + j) * FULL + nc];
                    for (v, &x) in e.iter_mut().zip(chunk) {
                        let (di, dj) = (ai - ci[x], aj - cj[x]);
                        *v = sa + sb[x] + coef[x] * di * dj;
                    }
                }
            }
            // cholesky_in_place, lane-wise: det(W/n) as the product of the pivots over n.
            let det = &mut s.det[..nc];
            det.fill(1.0);
            let mut pd = [true; FULL];
            let mut root = [0.0; FULL];
            let mut nfs = [0.0; FULL];
            for (f, &x) in chunk.iter().enumerate() {
                nfs[f] = mult[x];
            }
            for j in 0..p {
                let (head, tail) = w.split_at_mut((j * p + j) * FULL);
                let diag = &mut tail[..nc];
                for k in 0..j {
                    let ljk = &head[(j * p + k) * FULL..(j * p + k) * FULL + nc];
                    for f in 0..nc {
                        diag[f] -= ljk[f] * ljk[f];
                    }
                }
                for f in 0..nc {
                    pd[f] &= diag[f] > 0.0 && diag[f].is_finite();
                    root[f] = diag[f].sqrt();
                    det[f] *= diag[f] / nfs[f];
                    diag[f] = root[f];
                }
                for i in (j + 1)..p {
                    let (upper, lower) = w.split_at_mut(i * p * FULL);
                    let (li, lij) = lower.split_at_mut(j * FULL);
                    let lij = &mut lij[..nc];
                    for k in 0..j {
                        let lik = &li[k * FULL..k * FULL + nc];
                        let ljk = &upper[(j * p + k) * FULL..(j * p + k) * FULL + nc];
                        for f in 0..nc {
                            lij[f] -= lik[f] * ljk[f];
                        }
                    }
                    for f in 0..nc {
                        lij[f] /= root[f];
                    }
                }
            }
            for (f, &x) in chunk.iter().enumerate() {
                // Not positive definite: the term without the determinant, as `arg` is.
                if pd[f] {
                    if det[f].is_normal() {
                        arg[x] += det[f];
                    } else {
                        kind[x] = 3;
                    }
                }
            }
        }
    }
    for x in 0..m {
        out[x] = if kind[x] == 3 {
            merge_cost(c, a, factor, &groups[x], &mut s.general)
        } else {
            mult[x] * arg[x].ln() - sub[x]
        };
    }
    out[ia] = 0.0;
}

/// Agglomerate the rows of `z` down to one group with the given criterion.
pub fn hc(z: ArrayView2<f64>, model: HcModel) -> HcTree {
    hc_at(z, model, simd())
}

/// [`hc`] with its kernels at a given SIMD level (every level builds the same tree).
fn hc_at(z: ArrayView2<f64>, model: HcModel, level: Simd) -> HcTree {
    let (n, p) = z.dim();
    // Every row starts alone, duplicates too: `hc()` passes no partition to
    // `hcVVV` (its `dupPartition` default is never evaluated), so identical
    // rows merge first, at equal cost, in mclust's scan order.
    let (initial, ng) = ((0..n).collect::<Vec<usize>>(), n);
    let total_mean = z.mean_axis(Axis(0)).expect("n ≥ 1");
    let total_trace: f64 = z
        .rows()
        .into_iter()
        .map(|r| {
            r.iter()
                .zip(total_mean.iter())
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
        })
        .sum();
    let crit = Criterion {
        model,
        p,
        alpha: (total_trace / (n * p.max(1)) as f64).max(f64::EPSILON),
    };
    let mut scratch = vec![0.0; p * p];
    // A single point's term (VVV: n = 1 ≤ p, so ln α).
    let single_term = match model {
        HcModel::Vvv => vvv_term(&crit, 1, &scratch, 0.0, false, &mut vec![0.0; p * p]),
        HcModel::Eii => 0.0,
    };
    let mut groups: Vec<Group> = (0..ng)
        .map(|g| Group {
            n: 1,
            mean: z.row(g).to_vec(),
            scatter: vec![0.0; p * p],
            trace: 0.0,
            term: single_term,
            rep: g,
        })
        .collect();
    let mut merges = Vec::with_capacity(ng.saturating_sub(1));
    if ng <= 1 {
        return HcTree {
            initial,
            n_groups: ng,
            merges,
            model,
        };
    }
    let mut lanes = Lanes::of(&groups, p);
    // All pair costs (row j: the pairs (i, j), i < j) and the row minima, in
    // parallel over blocks of rows of about equal size.
    let mut d = vec![0.0; row_start(ng)];
    let mut mins = vec![(f64::INFINITY, usize::MAX); ng];
    {
        let blocks = 8 * rayon::current_num_threads();
        let per = d.len().div_ceil(blocks);
        let mut parts = Vec::with_capacity(blocks);
        let (mut d_rest, mut m_rest) = (&mut d[..], &mut mins[1..]);
        let mut j0 = 1;
        while j0 < ng {
            let mut j1 = j0 + 1;
            while j1 < ng && row_start(j1) - row_start(j0) < per {
                j1 += 1;
            }
            let (dh, dt) = d_rest.split_at_mut(row_start(j1) - row_start(j0));
            let (mh, mt) = m_rest.split_at_mut(j1 - j0);
            parts.push((j0, dh, mh));
            (d_rest, m_rest) = (dt, mt);
            j0 = j1;
        }
        let (crit, lanes) = (&crit, &lanes);
        parts.into_par_iter().for_each(|(j0, block, block_mins)| {
            let mut off = 0;
            for (r, mn) in block_mins.iter_mut().enumerate() {
                let j = j0 + r;
                let row = &mut block[off..off + j];
                singleton_row(level, crit, lanes, j, row);
                *mn = min_of(level, row);
                off += j;
            }
        });
    }
    let mut row = RowScratch::new(ng, p);
    let mut costs = vec![0.0; ng];
    let mut lg = ng;
    while lg > 1 {
        // The pair: the last row holding the smallest cost, its column.
        let mut j = 1;
        for r in 1..lg {
            if mins[r].0 <= mins[j].0 {
                j = r;
            }
        }
        let i = mins[j].1;
        let (i, j) = if i == usize::MAX { (0, 1) } else { (i, j) };
        merges.push((groups[i].rep, groups[j].rep));
        let mut m = merged(&crit, &groups[i], &groups[j], model == HcModel::Vvv);
        if model == HcModel::Vvv {
            m.term = vvv_term(
                &crit,
                m.n,
                &m.scatter,
                m.trace,
                groups[i].n == 1 && groups[j].n == 1,
                &mut scratch,
            );
        }
        let last = lg - 1;
        lanes.set(i, &m);
        groups[i] = m;
        if j != last {
            // The last group takes j's place, with its costs (row `last` of
            // `d` stays as it is: the row-minimum update below reads it).
            groups.swap(j, last);
            lanes.set(j, &groups[j]);
            let from = row_start(last);
            for x in 0..j {
                if x != i {
                    d[packed(x, j)] = d[from + x];
                }
            }
            for x in (j + 1)..last {
                if x != i {
                    d[packed(j, x)] = d[from + x];
                }
            }
        }
        groups.truncate(last);
        lg = last;
        if lg == 1 {
            break;
        }
        // The merged group's costs against all others.
        let factor = (model == HcModel::Vvv && groups[i].n > p)
            .then(|| Factor::of(&groups[i].scatter, p))
            .flatten();
        let costs = &mut costs[..lg];
        cost_row(
            level,
            &crit,
            &groups,
            &lanes,
            i,
            factor.as_ref(),
            costs,
            &mut row,
        );
        d[row_start(i)..row_start(i) + i].copy_from_slice(&costs[..i]);
        for x in (i + 1)..lg {
            d[packed(i, x)] = costs[x];
        }
        // Row minima: rows i and j changed wholly; others gained new entries
        // in columns i (`costs`) and j (from row `last`).
        for r in 1..lg {
            if r == i {
                mins[r] = min_of(level, &costs[..i]);
                continue;
            }
            if r == j {
                mins[r] = row_min(level, &d, r);
                continue;
            }
            let new_i = if i < r { costs[r] } else { f64::INFINITY };
            let new_j = if j < r {
                d[packed(r, last)]
            } else {
                f64::INFINITY
            };
            let (old, at) = mins[r];
            if at == i || at == j || at >= lg {
                // The old minimum's entry changed: unless a new entry is
                // below it (then every other entry is above the new one), scan.
                if new_i.min(new_j) < old {
                    // Ties to the later column, j (i < j).
                    mins[r] = if new_j <= new_i {
                        (new_j, j)
                    } else {
                        (new_i, i)
                    };
                } else {
                    mins[r] = row_min(level, &d, r);
                }
                continue;
            }
            for (v, c) in [(new_i, i), (new_j, j)] {
                if c < r && (v < mins[r].0 || (v == mins[r].0 && c > mins[r].1)) {
                    mins[r] = (v, c);
                }
            }
        }
    }
    HcTree {
        initial,
        n_groups: ng,
        merges,
        model,
    }
}

/// R's `quantile(x, probs, type = 7)` of sorted data.
fn quantile7(sorted: &[f64], prob: f64) -> f64 {
    let n = sorted.len();
    let h = (n - 1) as f64 * prob;
    let lo = h.floor() as usize;
    if lo + 1 >= n {
        return sorted[n - 1];
    }
    sorted[lo] + (h - lo as f64) * (sorted[lo + 1] - sorted[lo])
}

/// mclust's `qclass(x, k)`: k classes of one feature cut at quantiles (more
/// quantiles are taken until k + 1 distinct ones exist; the closest are then
/// dropped). Labels 0..k−1; the start `Mclust` uses when d = 1.
pub fn qclass(x: &[f64], k: usize) -> Result<Vec<usize>, GmmError> {
    let n = x.len();
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let distinct = {
        let mut s = sorted.clone();
        s.dedup();
        s.len()
    };
    if k == 0 || k > distinct {
        return Err(invalid(
            "k",
            format!("the quantile start cannot make {k} classes from {distinct} distinct values"),
        ));
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    let sd =
        (x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n.max(2) - 1) as f64).sqrt();
    let eps = sd * f64::EPSILON.sqrt();
    let mut m = k;
    let mut q: Vec<f64> = Vec::new();
    while q.len() < k + 1 {
        m += 1;
        q = (0..m)
            .map(|t| quantile7(&sorted, t as f64 / (m - 1) as f64))
            .collect();
        q.dedup();
    }
    if q.len() > k + 1 {
        // Drop the left end of each of the (len − k − 1) smallest gaps (stable order).
        let gaps: Vec<f64> = q.windows(2).map(|w| w[1] - w[0]).collect();
        let mut order: Vec<usize> = (0..gaps.len()).collect();
        order.sort_by(|&a, &b| gaps[a].total_cmp(&gaps[b]));
        let drop: std::collections::HashSet<usize> =
            order.into_iter().take(q.len() - k - 1).collect();
        q = q
            .into_iter()
            .enumerate()
            .filter(|(t, _)| !drop.contains(t))
            .map(|(_, v)| v)
            .collect();
    }
    let last = q.len() - 1;
    q[0] = sorted[0] - eps;
    q[last] = sorted[n - 1] + eps;
    Ok(x.iter()
        .map(|&v| {
            (0..k)
                .rev()
                .find(|&c| v >= q[c] && v < q[c + 1])
                .unwrap_or(0)
        })
        .collect())
}

/// How the start partitions its points.
#[derive(Debug, Clone, PartialEq)]
enum Partitioner {
    Tree(HcTree),
    /// One feature: quantile classes of these values.
    Quantiles(Vec<f64>),
}

/// mclust's default start for one data set, ready to be cut at any k: the
/// subset of rows it was built on (all rows up to [`HC_SUBSET`]) and the tree
/// (or, for one feature, the quantile classes).
#[derive(Debug, Clone, PartialEq)]
pub struct HcStart {
    n: usize,
    d: usize,
    /// Rows of the data the start partitions (ascending); `None` = all rows.
    pub subset: Option<Vec<usize>>,
    partitioner: Partitioner,
}

impl HcStart {
    /// Build the start for `x` as `Mclust(x)` would: quantiles for one
    /// feature, else the SVD transform and the VVV tree (EII when n ≤ d),
    /// on a random subset of [`HC_SUBSET`] rows (drawn from `seed`) above that.
    pub fn new(x: ArrayView2<f64>, seed: u64) -> Self {
        let n = x.nrows();
        let subset = Self::subset_of(n, seed);
        let xs = match &subset {
            Some(idx) => x.select(Axis(0), idx),
            None => x.to_owned(),
        };
        Self::from_rows(n, subset, xs)
    }

    /// The rows (ascending) the start of `n` rows is built on, drawn from
    /// `seed`: `None` (all rows) up to [`HC_SUBSET`].
    pub fn subset_of(n: usize, seed: u64) -> Option<Vec<usize>> {
        (n > HC_SUBSET).then(|| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x6863_5f73_7562_7365);
            let mut idx = sample(&mut rng, n, HC_SUBSET).into_vec();
            idx.sort_unstable();
            idx
        })
    }

    /// The start of data of `n` rows from the rows it is built on: `xs`,
    /// the rows `subset` (all `n` rows, in order, when `None`).
    pub fn from_rows(n: usize, subset: Option<Vec<usize>>, xs: Array2<f64>) -> Self {
        let d = xs.ncols();
        let partitioner = if d == 1 {
            Partitioner::Quantiles(xs.column(0).to_vec())
        } else {
            let z = svd_transform(xs.view());
            let model = if xs.nrows() > d {
                HcModel::Vvv
            } else {
                HcModel::Eii
            };
            Partitioner::Tree(hc(z.view(), model))
        };
        HcStart {
            n,
            d,
            subset,
            partitioner,
        }
    }

    /// Whether this start was built for data of this shape.
    pub fn fits_shape(&self, n: usize, d: usize) -> bool {
        self.n == n && self.d == d
    }

    /// The labels (0..k−1) of the start's rows (the subset's, in its order).
    pub fn labels(&self, k: usize) -> Result<Vec<usize>, GmmError> {
        match &self.partitioner {
            Partitioner::Tree(t) => t.labels(k),
            Partitioner::Quantiles(v) => qclass(v, k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// The smallest cost in row j as first written: the minimum, then its last position.
    fn row_min_reference(d: &[f64], j: usize) -> (f64, usize) {
        let row = &d[row_start(j)..row_start(j) + j];
        let mut lanes = [f64::INFINITY; 4];
        let chunks = row.chunks_exact(4);
        let tail = chunks.remainder();
        for c in chunks {
            for t in 0..4 {
                lanes[t] = if c[t] < lanes[t] { c[t] } else { lanes[t] };
            }
        }
        let mut m = lanes
            .iter()
            .fold(f64::INFINITY, |a, &b| if b < a { b } else { a });
        for &v in tail {
            if v < m {
                m = v;
            }
        }
        match row.iter().rposition(|&v| v == m) {
            Some(i) => (m, i),
            None => (f64::INFINITY, usize::MAX),
        }
    }

    /// The agglomeration as first written (every cost through [`merge_cost`],
    /// the matrix read and written in place): the reference the fast [`hc`] is
    /// tested against, merge for merge.
    fn hc_reference(z: ArrayView2<f64>, model: HcModel) -> HcTree {
        let (n, p) = z.dim();
        // Every row starts alone, duplicates too: `hc()` passes no partition to
        // `hcVVV` (its `dupPartition` default is never evaluated), so identical
        // rows merge first, at equal cost, in mclust's scan order.
        let (initial, ng) = ((0..n).collect::<Vec<usize>>(), n);
        // Group sums, then means and scatters (identical rows: scatter 0).
        let mut counts = vec![0usize; ng];
        let mut first = vec![usize::MAX; ng];
        for (i, &g) in initial.iter().enumerate() {
            counts[g] += 1;
            if first[g] == usize::MAX {
                first[g] = i;
            }
        }
        let total_mean = z.mean_axis(Axis(0)).expect("n ≥ 1");
        let total_trace: f64 = z
            .rows()
            .into_iter()
            .map(|r| {
                r.iter()
                    .zip(total_mean.iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
            })
            .sum();
        let crit = Criterion {
            model,
            p,
            alpha: (total_trace / (n * p.max(1)) as f64).max(f64::EPSILON),
        };
        let scratch_len = p + 2 * p * p;
        let mut scratch = vec![0.0; scratch_len];
        let mut groups: Vec<Group> = (0..ng)
            .map(|g| {
                let mut grp = Group {
                    n: counts[g],
                    mean: z.row(first[g]).to_vec(),
                    scatter: vec![0.0; p * p],
                    trace: 0.0,
                    term: 0.0,
                    rep: g,
                };
                if model == HcModel::Vvv {
                    grp.term = vvv_term(
                        &crit,
                        grp.n,
                        &grp.scatter,
                        0.0,
                        false,
                        &mut scratch[..p * p],
                    );
                }
                grp
            })
            .collect();
        let mut merges = Vec::with_capacity(ng.saturating_sub(1));
        if ng <= 1 {
            return HcTree {
                initial,
                n_groups: ng,
                merges,
                model,
            };
        }
        // All pair costs, in parallel by row (row j: the pairs (i, j), i < j).
        let rows: Vec<Vec<f64>> = (1..ng)
            .into_par_iter()
            .map_init(
                || vec![0.0; scratch_len],
                |s, j| {
                    (0..j)
                        .map(|i| merge_cost(&crit, &groups[i], None, &groups[j], s))
                        .collect()
                },
            )
            .collect();
        let mut d = rows.concat();
        drop(rows);
        let mut mins: Vec<(f64, usize)> = (0..ng)
            .map(|j| {
                if j == 0 {
                    (f64::INFINITY, usize::MAX)
                } else {
                    row_min_reference(&d, j)
                }
            })
            .collect();
        let mut lg = ng;
        while lg > 1 {
            // The pair: the last row holding the smallest cost, its column.
            let mut j = 1;
            for r in 1..lg {
                if mins[r].0 <= mins[j].0 {
                    j = r;
                }
            }
            let i = mins[j].1;
            let (i, j) = if i == usize::MAX { (0, 1) } else { (i, j) };
            merges.push((groups[i].rep, groups[j].rep));
            let mut m = merged(&crit, &groups[i], &groups[j], model == HcModel::Vvv);
            if model == HcModel::Vvv {
                m.term = vvv_term(
                    &crit,
                    m.n,
                    &m.scatter,
                    m.trace,
                    groups[i].n == 1 && groups[j].n == 1,
                    &mut scratch[..p * p],
                );
            }
            let last = lg - 1;
            groups[i] = m;
            if j != last {
                // The last group takes j's place, with its costs.
                groups.swap(j, last);
                for x in 0..last {
                    if x == i || x == j {
                        continue;
                    }
                    let from = if x < last {
                        packed(x, last)
                    } else {
                        unreachable!()
                    };
                    let v = d[from];
                    let to = if x < j { packed(x, j) } else { packed(j, x) };
                    d[to] = v;
                }
            }
            groups.truncate(last);
            lg = last;
            if lg == 1 {
                break;
            }
            // The merged group's costs against all others.
            let g = &groups;
            let factor = (model == HcModel::Vvv && g[i].n > p)
                .then(|| Factor::of(&g[i].scatter, p))
                .flatten();
            let costs: Vec<f64> = (0..lg)
                .map(|x| {
                    if x == i {
                        0.0
                    } else {
                        merge_cost(&crit, &g[i], factor.as_ref(), &g[x], &mut scratch)
                    }
                })
                .collect();
            for (x, &v) in costs.iter().enumerate() {
                if x != i {
                    d[if x < i { packed(x, i) } else { packed(i, x) }] = v;
                }
            }
            // Row minima: rows i and j changed wholly; others gained new entries in columns i, j.
            for r in 1..lg {
                if r == i || r == j || mins[r].1 == i || mins[r].1 == j || mins[r].1 >= lg {
                    mins[r] = row_min_reference(&d, r);
                    continue;
                }
                for c in [i, j] {
                    if c < r {
                        let v = d[packed(c, r)];
                        if v < mins[r].0 || (v == mins[r].0 && c > mins[r].1) {
                            mins[r] = (v, c);
                        }
                    }
                }
            }
        }
        HcTree {
            initial,
            n_groups: ng,
            merges,
            model,
        }
    }

    /// Gaussian blobs: `n` rows in `d` dimensions around `k` random centres,
    /// every `dup`-th row (when `dup > 0`) a copy of an earlier one.
    fn blobs(n: usize, d: usize, k: usize, dup: usize, seed: u64) -> Array2<f64> {
        use rand::Rng;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut normal = move || {
            let (u, v): (f64, f64) = (rng.gen_range(1e-12..1.0), rng.gen());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let centres: Vec<Vec<f64>> = (0..k)
            .map(|_| (0..d).map(|_| 6.0 * normal()).collect())
            .collect();
        let mut x = Array2::<f64>::zeros((n, d));
        for r in 0..n {
            if dup > 0 && r > 0 && r % dup == 0 {
                let from = (r * 7919) % r;
                let copy = x.row(from).to_owned();
                x.row_mut(r).assign(&copy);
                continue;
            }
            let c = &centres[r % k];
            for t in 0..d {
                x[[r, t]] = c[t] + (1.0 + t as f64 * 0.3) * normal();
            }
        }
        x
    }

    /// The merges of the fast agglomeration (at every SIMD level the CPU
    /// supports) and of the reference, or the first place they part.
    fn same_merges(z: ArrayView2<f64>, model: HcModel) -> Result<(), String> {
        let slow = hc_reference(z, model);
        for level in crate::fast::dispatch::supported_levels() {
            let fast = hc_at(z, model, level);
            if let Some(t) = fast
                .merges
                .iter()
                .zip(&slow.merges)
                .position(|(a, b)| a != b)
            {
                return Err(format!(
                    "{level:?}, merge {t}: {:?} against the reference's {:?}",
                    fast.merges[t], slow.merges[t]
                ));
            }
            if fast != slow {
                return Err(format!("{level:?}: the trees differ"));
            }
        }
        Ok(())
    }

    #[test]
    fn a_cost_row_is_merge_cost_bit_for_bit() {
        // Groups of many sizes (random merges of the rows of blobs, repeated
        // rows among them), then every group's row of costs against the
        // others: each entry the very number merge_cost gives.
        use rand::Rng;
        for (t, &(n, d, dup, merges)) in [
            (300, 2, 0, 260),
            (300, 3, 11, 200),
            (240, 5, 0, 190),
            (240, 5, 4, 120),
            (200, 10, 0, 150),
            (120, 10, 6, 60),
        ]
        .iter()
        .enumerate()
        {
            let z = svd_transform(blobs(n, d, 4, dup, 100 + t as u64).view());
            let p = z.ncols();
            for model in [HcModel::Vvv, HcModel::Eii] {
                let c = Criterion {
                    model,
                    p,
                    alpha: 0.37,
                };
                let mut s = vec![0.0; p + 2 * p * p];
                let single = vvv_term(&c, 1, &vec![0.0; p * p], 0.0, false, &mut s);
                let mut groups: Vec<Group> = (0..n)
                    .map(|g| Group {
                        n: 1,
                        mean: z.row(g).to_vec(),
                        scatter: vec![0.0; p * p],
                        trace: 0.0,
                        term: if model == HcModel::Vvv { single } else { 0.0 },
                        rep: g,
                    })
                    .collect();
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(7 + t as u64);
                for _ in 0..merges {
                    // Mostly into a few groups, so sizes spread out.
                    let i = rng.gen_range(0..groups.len().min(12));
                    let j = rng.gen_range(i + 1..groups.len());
                    let mut g = merged(&c, &groups[i], &groups[j], true);
                    let pair = groups[i].n == 1 && groups[j].n == 1;
                    g.term = vvv_term(&c, g.n, &g.scatter, g.trace, pair, &mut s[..p * p]);
                    groups[i] = g;
                    groups.swap_remove(j);
                }
                let lanes = Lanes::of(&groups, p);
                let mut row = RowScratch::new(groups.len(), p);
                let mut out = vec![0.0; groups.len()];
                for ia in 0..groups.len().min(40) {
                    let factor = (groups[ia].n > p)
                        .then(|| Factor::of(&groups[ia].scatter, p))
                        .flatten();
                    for level in crate::fast::dispatch::supported_levels() {
                        cost_row(
                            level,
                            &c,
                            &groups,
                            &lanes,
                            ia,
                            factor.as_ref(),
                            &mut out,
                            &mut row,
                        );
                        for x in (0..groups.len()).filter(|&x| x != ia) {
                            let want =
                                merge_cost(&c, &groups[ia], factor.as_ref(), &groups[x], &mut s);
                            assert_eq!(
                                out[x].to_bits(),
                                want.to_bits(),
                                "{model:?}, set {t}, {level:?}: group {ia} (n = {}) with {x} (n = {}): {} against {want}",
                                groups[ia].n,
                                groups[x].n,
                                out[x]
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_fast_agglomeration_merges_as_the_reference() {
        // Blobs in 2, 3, 5 and 10 dimensions (SVD-transformed, as the start
        // uses them, and raw), with and without repeated rows, and EII.
        let mut seed = 1;
        for &(n, d, dup) in &[
            (120, 2, 0),
            (150, 3, 7),
            (200, 5, 0),
            (180, 5, 5),
            (160, 10, 0),
            (140, 10, 9),
            (60, 14, 0),
        ] {
            seed += 1;
            let x = blobs(n, d, 3 + d % 4, dup, seed);
            let z = svd_transform(x.view());
            for (name, data) in [("svd", z.view()), ("raw", x.view())] {
                for model in [HcModel::Vvv, HcModel::Eii] {
                    if let Err(e) = same_merges(data, model) {
                        panic!("n = {n}, d = {d}, dup = {dup}, {name}, {model:?}: {e}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_determinant_lemma_gives_the_factorised_cost() {
        // A group of 4 points in 2-D merged with one point: the lemma's cost
        // equals the one from the merged scatter's own factorisation.
        let c = Criterion {
            model: HcModel::Vvv,
            p: 2,
            alpha: 0.3,
        };
        let pts = [[0.0, 0.0], [1.0, 0.5], [2.0, 2.5], [0.5, 3.0]];
        let mean = vec![0.875, 1.5];
        let mut w = vec![0.0; 4];
        for q in &pts {
            for i in 0..2 {
                for j in 0..2 {
                    w[i * 2 + j] += (q[i] - mean[i]) * (q[j] - mean[j]);
                }
            }
        }
        let mut scratch = vec![0.0; 4];
        let trace = w[0] + w[3];
        let a = Group {
            n: 4,
            mean,
            scatter: w.clone(),
            trace,
            term: vvv_term(&c, 4, &w, trace, false, &mut scratch),
            rep: 0,
        };
        let b = Group {
            n: 1,
            mean: vec![3.0, -1.0],
            scatter: vec![0.0; 4],
            trace: 0.0,
            term: vvv_term(&c, 1, &[0.0; 4], 0.0, false, &mut scratch),
            rep: 4,
        };
        let f = Factor::of(&w, 2).unwrap();
        let mut s = vec![0.0; 2 + 8];
        let lemma = merge_cost(&c, &a, Some(&f), &b, &mut s);
        let full = merge_cost(&c, &a, None, &b, &mut s);
        assert!((lemma - full).abs() < 1e-12 * full.abs(), "{lemma} {full}");
        // By hand: the five points' scatter and n ln(det(W/n) + (tr W + α)/n).
        let all = [pts[0], pts[1], pts[2], pts[3], [3.0, -1.0]];
        let m = [1.3, 1.0];
        let mut w5 = [0.0; 4];
        for q in &all {
            for i in 0..2 {
                for j in 0..2 {
                    w5[i * 2 + j] += (q[i] - m[i]) * (q[j] - m[j]);
                }
            }
        }
        let det = (w5[0] * w5[3] - w5[1] * w5[2]) / 25.0;
        let want = 5.0 * (det + (w5[0] + w5[3] + 0.3) / 5.0).ln() - a.term - b.term;
        assert!((full - want).abs() < 1e-12 * want.abs(), "{full} {want}");
    }

    #[test]
    fn jacobi_diagonalises_a_hand_matrix() {
        // [[2, 1], [1, 2]]: eigenvalues 1 and 3.
        let (mut vals, v) = symmetric_eigen(array![[2.0, 1.0], [1.0, 2.0]].view());
        vals.sort_by(f64::total_cmp);
        assert!((vals[0] - 1.0).abs() < 1e-12 && (vals[1] - 3.0).abs() < 1e-12);
        let vtv = v.t().dot(&v);
        assert!((vtv[[0, 1]]).abs() < 1e-12 && (vtv[[0, 0]] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn svd_transform_whitens_to_singular_value_scale() {
        // ZᵀZ = S^{-1/2} Vᵀ XᵀX V S^{-1/2} = S: its eigenvalues are XᵀX's square roots.
        let x = array![[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 3.0], [0.0, 1.0]];
        let z = svd_transform(x.view());
        let ztz = z.t().dot(&z);
        assert!(ztz[[0, 1]].abs() < 1e-10, "{ztz:?}");
        let (n, mean) = (5.0, x.mean_axis(Axis(0)).unwrap());
        let sd: Vec<f64> = (0..2)
            .map(|j| {
                (x.column(j)
                    .iter()
                    .map(|v| (v - mean[j]).powi(2))
                    .sum::<f64>()
                    / (n - 1.0))
                    .sqrt()
            })
            .collect();
        let s = Array2::from_shape_fn((5, 2), |(i, j)| (x[[i, j]] - mean[j]) / sd[j]);
        let (vals, _) = symmetric_eigen(s.t().dot(&s).view());
        let mut want: Vec<f64> = vals.iter().map(|v| v.sqrt()).collect();
        want.sort_by(|a, b| b.total_cmp(a));
        assert!((ztz[[0, 0]] - want[0]).abs() < 1e-9 && (ztz[[1, 1]] - want[1]).abs() < 1e-9);
    }

    #[test]
    fn the_first_merge_is_the_closest_pair() {
        // All singletons: the cost of a pair rises with its distance.
        let z = array![[0.0, 0.0], [5.0, 1.0], [0.3, 0.1], [9.0, 9.0], [4.0, -2.0]];
        let t = hc(z.view(), HcModel::Vvv);
        assert_eq!(t.merges[0], (0, 2));
        assert_eq!(t.merges.len(), 4);
        assert_eq!(t.labels(5).unwrap(), vec![0, 1, 2, 3, 4]);
        assert_eq!(t.labels(4).unwrap(), vec![0, 1, 0, 2, 3]);
        assert_eq!(t.labels(1).unwrap(), vec![0; 5]);
        assert!(t.labels(6).is_err() && t.labels(0).is_err());
    }

    #[test]
    fn qclass_cuts_at_quantiles() {
        // Quartiles of 1..8 (type 7): 1, 2.75, 4.5, 6.25, 8.
        let x: Vec<f64> = (1..=8).map(f64::from).collect();
        assert_eq!(qclass(&x, 4).unwrap(), vec![0, 0, 1, 1, 2, 2, 3, 3]);
        assert_eq!(qclass(&x, 1).unwrap(), vec![0; 8]);
        assert!(qclass(&[1.0, 1.0, 2.0], 3).is_err());
    }
}
