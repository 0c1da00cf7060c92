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
//! factorisation. m = 2000 points in 5 dimensions take about 0.13 s of one
//! core (2026-11-26).

use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::error::{invalid, GmmError};

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
    j * (j - 1) / 2 + i
}

/// The smallest cost in row j (columns 0..j): ties go to the larger column,
/// as the last entry with `≤` in mclust's scan. Costs are never NaN.
fn row_min(d: &[f64], j: usize) -> (f64, usize) {
    let row = &d[packed(0, j)..packed(0, j) + j];
    // The minimum in four lanes (branch-free), then its last position.
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

/// Agglomerate the rows of `z` down to one group with the given criterion.
pub fn hc(z: ArrayView2<f64>, model: HcModel) -> HcTree {
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
                row_min(&d, j)
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
                mins[r] = row_min(&d, r);
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
