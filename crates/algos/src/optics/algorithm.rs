use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use ndarray::{Array1, ArrayView2};
use rayon::prelude::*;

use super::extract::{cluster_optics_dbscan, cluster_optics_xi};
use super::hyperparams::{ClusterMethod, ValidOpticsParams};
use crate::clustering::{Clustering, Extras};
use crate::common::{check_data, count_labels, sq_dist, to_row_major};
use crate::error::AlgoError;
use crate::kdtree::{KdTree, Ord64, LEAF_SIZE};
use crate::Clusterer;

/// "No predecessor" (scikit-learn's −1).
pub(crate) const NO_PRED: usize = usize::MAX;

/// numpy's `np.around(x, 15)` (`rint(x · 10¹⁵) / 10¹⁵`), which scikit-learn
/// applies to core and reachability distances so that near-equal values tie.
#[inline]
pub(crate) fn round15(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e15).round_ties_even() / 1e15
    } else {
        x
    }
}

/// The OPTICS graph, per point in input order.
#[derive(Debug, Clone)]
pub(crate) struct OpticsGraph {
    pub(crate) ordering: Vec<usize>,
    pub(crate) core_distances: Vec<f64>,
    pub(crate) reachability: Vec<f64>,
    pub(crate) predecessor: Vec<usize>,
}

/// The state of the ordering loop, indexed by tree position.
struct Walk<'a> {
    tree: &'a KdTree,
    max_eps2: f64,
    core: Vec<f64>,
    reach: Vec<f64>,
    pred: Vec<usize>,
    processed: Vec<bool>,
    /// Upper bound of the reachability of the unprocessed points of each
    /// node (−∞: none left). A node is skipped when even its nearest possible
    /// reachability cannot beat it.
    node_max: Vec<f64>,
    parent: Vec<usize>,
    leaf_of: Vec<usize>,
    heap: BinaryHeap<Reverse<(Ord64, usize)>>,
}

impl Walk<'_> {
    /// Offers every unprocessed point of `node` within `max_eps` of the
    /// point `p` (tree position `tp`, core distance `core_p`) the
    /// reachability `max(d, core_p)`; returns the node's new bound.
    fn expand(&mut self, node: usize, tp: usize, core_p: f64) -> f64 {
        let cur = self.node_max[node];
        if cur == f64::NEG_INFINITY {
            return cur;
        }
        let tree = self.tree;
        let q = tree.point(tp);
        let lb2 = tree.min_sq_dist(node, q);
        if lb2 > self.max_eps2 {
            return cur;
        }
        // No point of the node can get below `lb` (the slack covers the
        // rounding to 15 decimals and the box arithmetic).
        let lb = lb2.sqrt().max(core_p);
        if lb * (1.0 - 1e-12) - 1e-12 >= cur {
            return cur;
        }
        let nd = tree.nodes[node];
        let new_max = if nd.is_leaf() {
            let mut m = f64::NEG_INFINITY;
            for t in nd.start..nd.end {
                if self.processed[t] {
                    continue;
                }
                let d2 = sq_dist(tree.point(t), q);
                if d2 <= self.max_eps2 {
                    let rd = round15(d2.sqrt().max(core_p));
                    if rd < self.reach[t] {
                        self.reach[t] = rd;
                        self.pred[t] = tree.ids[tp];
                        self.heap.push(Reverse((Ord64(rd), tree.ids[t])));
                    }
                }
                m = m.max(self.reach[t]);
            }
            m
        } else {
            let a = self.expand(node + 1, tp, core_p);
            let b = self.expand(nd.right, tp, core_p);
            a.max(b)
        };
        self.node_max[node] = new_max;
        new_max
    }

    /// Marks tree position `t` processed and tightens the bounds above it.
    fn mark_processed(&mut self, t: usize) {
        self.processed[t] = true;
        let leaf = self.leaf_of[t];
        let nd = self.tree.nodes[leaf];
        let mut m = f64::NEG_INFINITY;
        for s in nd.start..nd.end {
            if !self.processed[s] {
                m = m.max(self.reach[s]);
            }
        }
        self.node_max[leaf] = m;
        let mut node = leaf;
        while node != 0 {
            let up = self.parent[node];
            let right = self.tree.nodes[up].right;
            let v = self.node_max[up + 1].max(self.node_max[right]);
            if v == self.node_max[up] {
                break;
            }
            self.node_max[up] = v;
            node = up;
        }
    }
}

/// scikit-learn's `compute_optics_graph` for the euclidean metric.
///
/// Core distance: distance to the `min_samples`-th nearest point counting the
/// point itself (∞ above `max_eps`). The next point is always the unprocessed
/// one with the smallest reachability, ties to the lowest index, and the
/// lowest unprocessed index when all left are ∞ (a new expansion, whose
/// first point keeps reachability ∞). Processing a core point p offers each
/// unprocessed point within `max_eps` the reachability `max(d(p, ·), core(p))`.
/// Core and reachability distances are rounded to 15 decimals as scikit-learn
/// does, so its ties are ours.
///
/// Instead of scanning all points, unprocessed points sit in a binary heap
/// (lazy deletion), and the neighbourhood walk of the kd-tree skips nodes
/// whose nearest possible reachability cannot improve any of their points;
/// core distances are computed in parallel.
pub(crate) fn compute_optics_graph(
    data: &[f64],
    dim: usize,
    min_samples: usize,
    max_eps: f64,
) -> OpticsGraph {
    let n = data.len() / dim;
    let tree = KdTree::build(data, dim, (0..n).collect(), LEAF_SIZE);
    let core: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|t| {
            let d = tree.kth_nn_sq_dist(tree.point(t), min_samples).sqrt();
            if d > max_eps {
                f64::INFINITY
            } else {
                round15(d)
            }
        })
        .collect();
    let n_nodes = tree.nodes.len();
    let mut parent = vec![0; n_nodes];
    let mut leaf_of = vec![0; n];
    for (i, nd) in tree.nodes.iter().enumerate() {
        if nd.is_leaf() {
            for t in nd.start..nd.end {
                leaf_of[t] = i;
            }
        } else {
            parent[i + 1] = i;
            parent[nd.right] = i;
        }
    }
    let mut pos = vec![0; n];
    for (t, &id) in tree.ids.iter().enumerate() {
        pos[id] = t;
    }
    let mut w = Walk {
        tree: &tree,
        max_eps2: if max_eps.is_finite() {
            max_eps * max_eps
        } else {
            f64::INFINITY
        },
        core,
        reach: vec![f64::INFINITY; n],
        pred: vec![NO_PRED; n],
        processed: vec![false; n],
        node_max: vec![f64::INFINITY; n_nodes],
        parent,
        leaf_of,
        heap: BinaryHeap::new(),
    };
    let mut ordering = Vec::with_capacity(n);
    let mut lowest_unprocessed = 0;
    for _ in 0..n {
        let mut next = None;
        while let Some(Reverse((_, id))) = w.heap.pop() {
            if !w.processed[pos[id]] {
                next = Some(id);
                break;
            }
        }
        let id = match next {
            Some(id) => id,
            None => {
                while w.processed[pos[lowest_unprocessed]] {
                    lowest_unprocessed += 1;
                }
                lowest_unprocessed
            }
        };
        let t = pos[id];
        w.mark_processed(t);
        ordering.push(id);
        let core_p = w.core[t];
        if core_p.is_finite() {
            w.expand(0, t, core_p);
        }
    }
    let mut g = OpticsGraph {
        ordering,
        core_distances: vec![0.0; n],
        reachability: vec![0.0; n],
        predecessor: vec![NO_PRED; n],
    };
    for t in 0..n {
        let id = tree.ids[t];
        g.core_distances[id] = w.core[t];
        g.reachability[id] = w.reach[t];
        g.predecessor[id] = w.pred[t];
    }
    g
}

impl Clusterer for ValidOpticsParams {
    fn name(&self) -> &'static str {
        "optics"
    }

    fn fit(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError> {
        check_data(&x, 1)?;
        let (n, dim) = x.dim();
        let min_samples = self.min_samples.resolve(n);
        if min_samples > n {
            return Err(AlgoError::TooLargeForData {
                name: "min_samples",
                got: min_samples,
                n_points: n,
            });
        }
        let min_cluster_size = self.min_cluster_size.map_or(min_samples, |s| s.resolve(n));
        if min_cluster_size > n {
            return Err(AlgoError::TooLargeForData {
                name: "min_cluster_size",
                got: min_cluster_size,
                n_points: n,
            });
        }
        let start = Instant::now();
        let data = to_row_major(&x);
        let g = compute_optics_graph(&data, dim, min_samples, self.max_eps);
        let labels = match self.cluster_method {
            ClusterMethod::Xi => cluster_optics_xi(
                &g.reachability,
                &g.predecessor,
                &g.ordering,
                min_samples,
                min_cluster_size,
                self.xi,
                self.predecessor_correction,
            ),
            ClusterMethod::Dbscan => cluster_optics_dbscan(
                &g.reachability,
                &g.core_distances,
                &g.ordering,
                self.eps.unwrap_or(self.max_eps),
            ),
        };
        let fit_seconds = start.elapsed().as_secs_f64();
        let (n_clusters, n_noise) = count_labels(&labels);
        Ok(Clustering {
            algorithm: "optics",
            labels,
            membership: None,
            scores: None,
            n_clusters,
            n_noise,
            fit_seconds,
            extras: Extras::Optics {
                ordering: g.ordering,
                reachability: Array1::from(g.reachability),
                core_distances: Array1::from(g.core_distances),
            },
        })
    }
}
