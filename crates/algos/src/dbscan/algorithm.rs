use std::time::Instant;

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::hyperparams::ValidDbscanParams;
use crate::clustering::{Clustering, Extras, NOISE};
use crate::common::{check_data, count_labels, sq_dist, to_row_major, UnionFind};
use crate::error::AlgoError;
use crate::kdtree::KdTree;
use crate::Clusterer;

/// Points per kd-tree leaf: large leaves are fastest in 10-D (measured at
/// 100k × 10: 128 beats 64 and 16) and cost little in 2-D.
const DBSCAN_LEAF_SIZE: usize = 128;

/// Core points: at least `min_samples` points (itself included) within `eps`.
fn core_flags(tree: &KdTree, data: &[f64], dim: usize, eps: f64, min_samples: usize) -> Vec<bool> {
    let r2 = eps * eps;
    // Queries in tree order: neighbouring queries walk the same nodes.
    let by_position: Vec<bool> = (0..tree.n_points())
        .into_par_iter()
        .map(|t| tree.count_within(tree.point(t), r2, min_samples) >= min_samples)
        .collect();
    let mut core = vec![false; data.len() / dim];
    for (t, &c) in by_position.iter().enumerate() {
        core[tree.ids[t]] = c;
    }
    core
}

const NO_CORE: usize = usize::MAX;
const MIXED: usize = usize::MAX - 1;

/// For every node, the component (root) shared by all its core points, or
/// [`NO_CORE`] / [`MIXED`]. Nodes are in pre-order, so children come after
/// their parent and a reverse sweep sees children first.
fn node_components(tree: &KdTree, core: &[bool], root: &[usize], marks: &mut [usize]) {
    for node in (0..tree.nodes.len()).rev() {
        let nd = tree.nodes[node];
        marks[node] = if nd.is_leaf() {
            let mut m = NO_CORE;
            for t in nd.start..nd.end {
                let q = tree.ids[t];
                if core[q] {
                    if m == NO_CORE {
                        m = root[q];
                    } else if m != root[q] {
                        m = MIXED;
                        break;
                    }
                }
            }
            m
        } else {
            match (marks[node + 1], marks[nd.right]) {
                (NO_CORE, m) | (m, NO_CORE) => m,
                (a, b) if a == b => a,
                _ => MIXED,
            }
        };
    }
}

/// Core points within eps of core point `p` that lie in another component
/// than `p` (by the snapshot `root`); nodes whose core points all share
/// `p`'s component are skipped whole.
fn foreign_core_neighbours(
    tree: &KdTree,
    q: &[f64],
    core: &[bool],
    root: &[usize],
    marks: &[usize],
    p: usize,
    r2: f64,
) -> Vec<usize> {
    let own = root[p];
    let mut out = Vec::new();
    let mut stack = vec![0usize];
    while let Some(node) = stack.pop() {
        let m = marks[node];
        if m == NO_CORE || m == own || tree.min_sq_dist(node, q) > r2 {
            continue;
        }
        let nd = tree.nodes[node];
        if nd.is_leaf() {
            for t in nd.start..nd.end {
                let id = tree.ids[t];
                if core[id] && root[id] != own && sq_dist(tree.point(t), q) <= r2 {
                    out.push(id);
                }
            }
        } else {
            stack.push(nd.right);
            stack.push(node + 1);
        }
    }
    out
}

/// DBSCAN on our kd-tree: core points from parallel range counts, clusters as
/// connected components of the core points (union–find over core–core pairs
/// within `eps`), numbered in the order of their lowest-index core point;
/// a border point joins the lowest-numbered cluster among its core
/// neighbours. This is exactly scikit-learn's labelling, whose breadth-first
/// expansion from core points in index order gives a border point to the
/// first cluster that reaches it.
pub(crate) fn dbscan_kdtree(
    data: &[f64],
    dim: usize,
    eps: f64,
    min_samples: usize,
) -> (Vec<i64>, Vec<usize>) {
    let n = data.len() / dim;
    let tree = KdTree::build(data, dim, (0..n).collect(), DBSCAN_LEAF_SIZE);
    let core = core_flags(&tree, data, dim, eps, min_samples);
    let r2 = eps * eps;
    let core_points: Vec<usize> = (0..n).filter(|&i| core[i]).collect();

    // Connected components of the core points, by union–find over core–core
    // pairs within eps. Core points are taken in tree order (spatially
    // coherent) in chunks queried in parallel against a snapshot of the
    // components; a query skips every node whose core points already share
    // its component, so once a region is connected it costs little.
    let mut uf = UnionFind::new(n);
    let mut root: Vec<usize> = (0..n).collect();
    let mut marks = vec![NO_CORE; tree.nodes.len()];
    let in_tree_order: Vec<usize> = tree.ids.iter().copied().filter(|&i| core[i]).collect();
    for chunk in in_tree_order.chunks(512) {
        for &p in &core_points {
            root[p] = uf.find(p);
        }
        node_components(&tree, &core, &root, &mut marks);
        let edges: Vec<Vec<usize>> = chunk
            .par_iter()
            .map(|&p| {
                let q = &data[p * dim..(p + 1) * dim];
                foreign_core_neighbours(&tree, q, &core, &root, &marks, p, r2)
            })
            .collect();
        for (&p, qs) in chunk.iter().zip(&edges) {
            for &q in qs {
                uf.union(p, q);
            }
        }
    }

    // Number clusters by their lowest core point.
    let mut labels = vec![NOISE; n];
    let mut root_label = vec![NOISE; n];
    let mut next = 0i64;
    for &p in &core_points {
        let r = uf.find(p);
        if root_label[r] == NOISE {
            root_label[r] = next;
            next += 1;
        }
        labels[p] = root_label[r];
    }

    // Border points: the lowest cluster label among core neighbours.
    let border: Vec<(usize, i64)> = (0..n)
        .into_par_iter()
        .filter(|&i| !core[i])
        .filter_map(|i| {
            let mut best = i64::MAX;
            tree.for_each_within(&data[i * dim..(i + 1) * dim], r2, &mut |t, _| {
                let q = tree.ids[t];
                if core[q] && labels[q] < best {
                    best = labels[q];
                }
            });
            (best != i64::MAX).then_some((i, best))
        })
        .collect();
    for (i, l) in border {
        labels[i] = l;
    }
    (labels, core_points)
}

impl Clusterer for ValidDbscanParams {
    fn name(&self) -> &'static str {
        "dbscan"
    }

    fn fit(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError> {
        check_data(&x, 1)?;
        let dim = x.ncols();
        let start = Instant::now();
        let data = to_row_major(&x);
        let (labels, core_points) = dbscan_kdtree(&data, dim, self.eps, self.min_samples);
        let fit_seconds = start.elapsed().as_secs_f64();
        let (n_clusters, n_noise) = count_labels(&labels);
        Ok(Clustering {
            algorithm: "dbscan",
            labels,
            membership: None,
            scores: None,
            n_clusters,
            n_noise,
            fit_seconds,
            extras: Extras::Dbscan { core_points },
            approximation: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::traits::Transformer;
    use linfa::ParamGuard;
    use linfa_clustering::Dbscan;

    /// DBSCAN by linfa-clustering (its `min_points` counts the point itself, as
    /// scikit-learn's `min_samples`; it requires `min_points >= 2`), core points
    /// from our kd-tree.
    fn dbscan_linfa(
        x: &ArrayView2<f64>,
        data: &[f64],
        dim: usize,
        eps: f64,
        min_samples: usize,
    ) -> Result<(Vec<i64>, Vec<usize>), AlgoError> {
        if min_samples < 2 {
            // linfa refuses min_points < 2; every point is core then.
            return Ok(dbscan_kdtree(data, dim, eps, min_samples));
        }
        let n = data.len() / dim;
        let params = Dbscan::params(min_samples)
            .tolerance(eps)
            .check()
            .map_err(|e| AlgoError::Backend {
                algorithm: "dbscan",
                message: e.to_string(),
            })?;
        let owned = x.as_standard_layout();
        let memberships = params.transform(&owned);
        let labels: Vec<i64> = memberships
            .iter()
            .map(|m| m.map_or(NOISE, |c| c as i64))
            .collect();
        let tree = KdTree::build(data, dim, (0..n).collect(), crate::kdtree::LEAF_SIZE);
        let core = core_flags(&tree, data, dim, eps, min_samples);
        Ok((labels, (0..n).filter(|&i| core[i]).collect()))
    }

    /// linfa's DBSCAN (its `min_points` counts the point itself) gives the
    /// same labels as ours, border points included, on blobs with noise.
    #[test]
    fn same_labels_as_linfa() {
        for (dim, eps, min_samples) in [(2, 0.6, 5), (3, 1.0, 8), (2, 0.3, 2)] {
            let x = crate::synth::blobs(1500, dim, 4, 1.0, 7);
            let data = to_row_major(&x.view());
            let (a, ca) = dbscan_kdtree(&data, dim, eps, min_samples);
            let (b, cb) = dbscan_linfa(&x.view(), &data, dim, eps, min_samples).unwrap();
            assert_eq!(ca, cb);
            assert_eq!(a, b);
            let (k, noise) = count_labels(&a);
            assert!(k >= 2 && noise > 0, "{k} clusters, {noise} noise");
        }
    }
}
