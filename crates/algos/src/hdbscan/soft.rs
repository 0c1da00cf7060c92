//! Soft density clusters: HDBSCAN membership vectors (McInnes' soft
//! clustering for HDBSCAN*, as the Python `hdbscan` library's
//! `all_points_membership_vectors`), from the condensed tree.
//!
//! For a point p that leaves condensed cluster P at λ_p, and the selected
//! clusters c_1..c_m:
//!
//! * distance part: `1/d_j`, d_j the distance from p to the nearest exemplar
//!   of c_j (exemplars: the points of c_j's leaf clusters that stay to the
//!   leaf's largest λ), normalised to sum 1;
//! * outlier part: the merge height h_j (λ_p when P and c_j lie on one
//!   root path, else the λ at which their lowest common ancestor splits),
//!   `s_j = exp(−λ_max(P) / h_j)`, softmax over j;
//! * in some cluster: `max_j h_j / max(λ_max(c_best), λ_p)`.
//!
//! The vector is the normalised product of the two parts times the chance
//! of being in some cluster, so each row sums to that chance.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::Serialize;

use crate::kdtree::{KdTree, LEAF_SIZE};

/// One row of the condensed tree: `child` (a point `< n`, or a cluster id
/// `≥ n`) leaves cluster `parent` at `lambda` = 1/distance with `size` points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CondensedRow {
    pub parent: usize,
    pub child: usize,
    pub lambda: f64,
    pub size: usize,
}

/// HDBSCAN's condensed tree: the rows (breadth first, clusters numbered
/// from `n`, the root `n`), the selected clusters (ascending: cluster `j`
/// of the labels is `selected[j]`), and where its points are in the data.
#[derive(Debug, Clone, PartialEq)]
pub struct CondensedTree {
    /// Points in the tree.
    pub n: usize,
    pub rows: Vec<CondensedRow>,
    pub selected: Vec<usize>,
    /// Data row of each tree point (`None`: point i is row i).
    pub point_rows: Option<Vec<usize>>,
    /// Per data row, the tree point whose place it takes (`None`: row i is
    /// point i; `usize::MAX`: none, a row out of every reach of a sampled fit).
    pub stand_in: Option<Vec<usize>>,
}

/// What the tree says about each condensed cluster.
struct Clusters {
    /// Parent cluster (index from 0 = root); the root is its own parent.
    parent: Vec<usize>,
    /// λ at which the cluster was born (0 for the root).
    birth: Vec<f64>,
    /// Largest λ over the cluster's own rows (`leaf_max_lambdas`).
    max_lambda: Vec<f64>,
    /// Child clusters.
    children: Vec<Vec<usize>>,
    depth: Vec<usize>,
}

impl CondensedTree {
    /// Number of condensed clusters (ids `n..n + count`).
    pub fn n_clusters_condensed(&self) -> usize {
        self.rows
            .iter()
            .map(|r| {
                r.parent
                    .max(if r.child >= self.n { r.child } else { self.n })
            })
            .max()
            .map_or(1, |m| m - self.n + 1)
    }

    fn clusters(&self) -> Clusters {
        let k = self.n_clusters_condensed();
        let n = self.n;
        let mut c = Clusters {
            parent: (0..k).collect(),
            birth: vec![0.0; k],
            max_lambda: vec![0.0; k],
            children: vec![Vec::new(); k],
            depth: vec![0; k],
        };
        for r in &self.rows {
            let p = r.parent - n;
            c.max_lambda[p] = c.max_lambda[p].max(r.lambda);
            if r.child >= n {
                let ch = r.child - n;
                c.parent[ch] = p;
                c.birth[ch] = r.lambda;
                c.children[p].push(ch);
            }
        }
        // Parents have lower ids than their children.
        for ch in 1..k {
            c.depth[ch] = c.depth[c.parent[ch]] + 1;
        }
        c
    }

    /// Parent cluster (from 0) and λ of each tree point.
    fn points(&self) -> (Vec<usize>, Vec<f64>) {
        let mut parent = vec![0usize; self.n];
        let mut lambda = vec![0.0; self.n];
        for r in &self.rows {
            if r.child < self.n {
                parent[r.child] = r.parent - self.n;
                lambda[r.child] = r.lambda;
            }
        }
        (parent, lambda)
    }

    /// Data row of tree point `p`.
    fn row_of(&self, p: usize) -> usize {
        self.point_rows.as_ref().map_or(p, |r| r[p])
    }

    /// Exemplars of each selected cluster: tree points of its leaf clusters
    /// whose λ is the leaf's largest.
    pub fn exemplars(&self) -> Vec<Vec<usize>> {
        let c = self.clusters();
        let n = self.n;
        let mut leaf_points: Vec<Vec<usize>> = vec![Vec::new(); c.parent.len()];
        for r in &self.rows {
            let p = r.parent - n;
            if r.child < n && c.children[p].is_empty() && r.lambda == c.max_lambda[p] {
                leaf_points[p].push(r.child);
            }
        }
        self.selected
            .iter()
            .map(|&s| {
                let mut out = Vec::new();
                let mut stack = vec![s - n];
                while let Some(q) = stack.pop() {
                    if c.children[q].is_empty() {
                        out.extend_from_slice(&leaf_points[q]);
                    } else {
                        stack.extend(c.children[q].iter().rev());
                    }
                }
                out
            })
            .collect()
    }
}

/// Merge height table: for condensed cluster q and selected cluster j,
/// `None` when q and j lie on one root path (the height is then the
/// point's own λ), else the λ at which their lowest common ancestor splits.
fn merge_heights(c: &Clusters, selected: &[usize], n: usize) -> Vec<Vec<Option<f64>>> {
    let k = c.parent.len();
    (0..k)
        .map(|q| {
            selected
                .iter()
                .map(|&s| {
                    let (mut a, mut b) = (q, s - n);
                    let (mut moved_a, mut moved_b) = (false, false);
                    let mut last = a;
                    while a != b {
                        if c.depth[a] >= c.depth[b] && a != 0 {
                            last = a;
                            a = c.parent[a];
                            moved_a = true;
                        } else {
                            last = b;
                            b = c.parent[b];
                            moved_b = true;
                        }
                    }
                    (moved_a && moved_b).then(|| c.birth[last])
                })
                .collect()
        })
        .collect()
}

/// Distance part: `1/d_j` normalised (a zero distance takes `f64::MAX / m`,
/// as the library does).
fn distance_part(d: &[f64]) -> Vec<f64> {
    let m = d.len() as f64;
    let w: Vec<f64> = d
        .iter()
        .map(|&v| if v != 0.0 { 1.0 / v } else { f64::MAX / m })
        .collect();
    let s: f64 = w.iter().sum();
    w.iter().map(|v| v / s).collect()
}

/// `λ_max / h`, with ∞/∞ read as 1 (a point that never leaves).
fn ratio(max_lambda: f64, h: f64) -> f64 {
    if max_lambda.is_infinite() && h.is_infinite() {
        1.0
    } else {
        max_lambda / h
    }
}

/// Outlier part: softmax over j of `exp(−λ_max(P) / h_j)`.
fn outlier_part(heights: &[f64], max_lambda: f64) -> Vec<f64> {
    let e: Vec<f64> = heights
        .iter()
        .map(|&h| (-ratio(max_lambda, h)).exp().exp())
        .collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

/// Chance of being in some cluster: the largest height over the larger of
/// that cluster's λ_max and the point's λ.
fn prob_in_some_cluster(heights: &[f64], point_lambda: f64, cluster_max: &[f64]) -> f64 {
    let (best, h) = heights
        .iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |(bi, bh), (i, &h)| {
            if h > bh {
                (i, h)
            } else {
                (bi, bh)
            }
        });
    let p = 1.0 / ratio(cluster_max[best].max(point_lambda), h);
    if p.is_finite() {
        p
    } else {
        0.0
    }
}

/// Membership vectors (rows × selected clusters) of every row of `x` (the
/// data the tree was fitted on, or the full data of a sampled fit).
pub fn membership_vectors(x: ArrayView2<f64>, tree: &CondensedTree) -> Array2<f64> {
    let all: Vec<usize> = (0..x.nrows()).collect();
    membership_vectors_of(x, tree, &all)
}

/// [`membership_vectors`] of the data rows `rows` only (row t of the result
/// is data row `rows[t]`).
pub fn membership_vectors_of(
    x: ArrayView2<f64>,
    tree: &CondensedTree,
    rows: &[usize],
) -> Array2<f64> {
    let m = tree.selected.len();
    let mut out = Array2::zeros((rows.len(), m));
    if m == 0 {
        return out;
    }
    let c = tree.clusters();
    let (pt_parent, pt_lambda) = tree.points();
    let table = merge_heights(&c, &tree.selected, tree.n);
    // One kd-tree per cluster over its exemplars: the nearest is a query.
    let d = x.ncols();
    let exemplars: Vec<KdTree> = tree
        .exemplars()
        .iter()
        .map(|ex| {
            let mut rows = Vec::with_capacity(ex.len() * d);
            for &p in ex {
                rows.extend(x.row(tree.row_of(p)).iter().copied());
            }
            KdTree::build(&rows, d, (0..ex.len()).collect(), LEAF_SIZE)
        })
        .collect();
    let sel_max: Vec<f64> = tree
        .selected
        .iter()
        .map(|&s| c.max_lambda[s - tree.n])
        .collect();
    let vecs: Vec<Option<Vec<f64>>> = rows
        .par_iter()
        .map(|&i| {
            let p = tree.stand_in.as_ref().map_or(i, |s| s[i]);
            if p >= tree.n {
                return None;
            }
            let q = x.row(i).to_vec();
            let dists: Vec<f64> = exemplars
                .iter()
                .map(|ex| ex.kth_nn_sq_dist(&q, 1).sqrt())
                .collect();
            let (cl, lam) = (pt_parent[p], pt_lambda[p]);
            let heights: Vec<f64> = table[cl].iter().map(|h| h.unwrap_or(lam)).collect();
            let dist = distance_part(&dists);
            let outl = outlier_part(&heights, c.max_lambda[cl] + 1e-8);
            let prod: Vec<f64> = dist.iter().zip(&outl).map(|(a, b)| a * b).collect();
            let s: f64 = prod.iter().sum();
            let prob = prob_in_some_cluster(&heights, lam, &sel_max);
            Some(prod.iter().map(|v| v / s * prob).collect())
        })
        .collect();
    for (i, v) in vecs.into_iter().enumerate() {
        if let Some(v) = v {
            for (j, val) in v.into_iter().enumerate() {
                out[[i, j]] = if val.is_finite() { val } else { 0.0 };
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Two pairs (0, 1) and (2, 3) at distance 1 joined at distance 4,
    /// point 4 joining at 10 (the tree of `tree.rs`'s test), computed by hand.
    #[test]
    fn by_hand() {
        let row = |parent, child, lambda, size| CondensedRow {
            parent,
            child,
            lambda,
            size,
        };
        let tree = CondensedTree {
            n: 5,
            rows: vec![
                row(5, 4, 0.1, 1),
                row(5, 6, 0.25, 2),
                row(5, 7, 0.25, 2),
                row(6, 0, 1.0, 1),
                row(6, 1, 1.0, 1),
                row(7, 2, 1.0, 1),
                row(7, 3, 1.0, 1),
            ],
            selected: vec![6, 7],
            point_rows: None,
            stand_in: None,
        };
        assert_eq!(tree.exemplars(), vec![vec![0, 1], vec![2, 3]]);
        let x = array![[0.0, 0.0], [1.0, 0.0], [5.0, 0.0], [6.0, 0.0], [3.0, 10.0]];
        let v = membership_vectors(x.view(), &tree);
        // Point 0: distance part (1/0 ≫ 1/5) is one-hot; outlier part: its
        // own cluster at height λ = 1, the other at the split 0.25:
        // exp(exp(−1/1)) against exp(exp(−1/0.25)); prob 1/max(1, 1) = 1.
        assert!((v[[0, 0]] - 1.0).abs() < 1e-12 && v[[0, 1]] < 1e-12);
        // Point 4 left the root at 0.1: heights 0.1 for both clusters, so the
        // outlier part is even; distances √(9+100) to 0 and 1 … to (1,0): √104
        // and to (5,0): √104, so even too; prob 0.1 / 1.
        let pv = [v[[4, 0]], v[[4, 1]]];
        let d0 = 104f64.sqrt();
        let d1 = 104f64.sqrt();
        let w = [1.0 / d0, 1.0 / d1];
        let want0 = w[0] / (w[0] + w[1]) * 0.1;
        assert!((pv[0] - want0).abs() < 1e-12, "{pv:?}");
        assert!((pv[0] + pv[1] - 0.1).abs() < 1e-12);
        // Point 1 at (1, 0): distance part as its own exemplar one-hot.
        assert!((v[[1, 0]] - 1.0).abs() < 1e-12);
        // Some rows only: the same rows.
        let some = membership_vectors_of(x.view(), &tree, &[4, 0]);
        assert_eq!(some.row(0), v.row(4));
        assert_eq!(some.row(1), v.row(0));
    }

    /// A point of cluster 6 whose nearest exemplar is in cluster 7 still
    /// leans to 6 by the tree: the product weighs both parts.
    #[test]
    fn distance_and_outlier_parts_combine() {
        let dist = distance_part(&[2.0, 1.0]);
        assert!((dist[0] - 1.0 / 3.0).abs() < 1e-15);
        let outl = outlier_part(&[1.0, 0.25], 1.0 + 1e-8);
        let a = (-(1.0 + 1e-8f64)).exp().exp();
        let b = (-(1.0 + 1e-8f64) / 0.25).exp().exp();
        assert!((outl[0] - a / (a + b)).abs() < 1e-15);
        assert!((prob_in_some_cluster(&[0.5, 0.25], 0.5, &[2.0, 1.0]) - 0.25).abs() < 1e-15);
    }
}
