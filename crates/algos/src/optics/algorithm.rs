use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use ndarray::{Array1, ArrayView2};
use rayon::prelude::*;

use super::extract::{cluster_optics_dbscan, cluster_optics_xi};
use super::hyperparams::{ClusterMethod, ValidOpticsParams};
use crate::clustering::{Clustering, Extras};
use crate::common::{check_at_most_points, check_data, count_labels, sq_dist, to_row_major};
use crate::error::AlgoError;
use crate::kdtree::{box_min_sq_dist, nearer_first, KdTree, Ord64};
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

/// Largest column span below which OPTICS measures in a smaller unit.
const SMALL_SPAN: f64 = 1.0 / 1024.0;

/// The power of two distances are measured in: 1 (scikit-learn's units, so
/// its ties are ours) unless the largest column span (max − min) is below
/// [`SMALL_SPAN`]; then the power of two that brings it into [1, 2). Rounding
/// to 15 decimals, as scikit-learn does, would otherwise round every distance
/// of data spanning 1e-18 to 0 (one cluster, or none). Dividing by a power
/// of two is exact.
pub(crate) fn distance_unit(x: ArrayView2<f64>) -> f64 {
    let span = x
        .columns()
        .into_iter()
        .map(|c| {
            let (lo, hi) = c
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(*v), hi.max(*v))
                });
            hi - lo
        })
        .fold(0.0f64, f64::max);
    if span >= SMALL_SPAN || !(span > 0.0) || !span.is_finite() {
        return 1.0;
    }
    2f64.powi(span.log2().floor() as i32)
}

/// The OPTICS graph, per point in input order.
#[derive(Debug, Clone)]
pub(crate) struct OpticsGraph {
    pub(crate) ordering: Vec<usize>,
    pub(crate) core_distances: Vec<f64>,
    pub(crate) reachability: Vec<f64>,
    pub(crate) predecessor: Vec<usize>,
}

/// The state of the ordering loop; point arrays are indexed by tree position.
struct Walk<'a> {
    tree: &'a KdTree,
    max_eps2: f64,
    core: Vec<f64>,
    processed: Vec<bool>,
    /// Unprocessed points per node, to skip exhausted subtrees.
    unprocessed: Vec<usize>,
    /// Bounding box of each node's unprocessed points (`n_nodes · dim`),
    /// shrinking as points are processed: far tighter than the node's box
    /// once a region is mostly processed.
    ulo: Vec<f64>,
    uhi: Vec<f64>,
    parent: Vec<usize>,
    leaf_of: Vec<usize>,
}

impl Walk<'_> {
    fn mark_processed(&mut self, t: usize) {
        self.processed[t] = true;
        let tree = self.tree;
        let dim = tree.dim;
        let leaf = self.leaf_of[t];
        // The leaf's box of unprocessed points, recomputed.
        let nd = tree.nodes[leaf];
        let (lo, hi) = (
            &mut self.ulo[leaf * dim..(leaf + 1) * dim],
            &mut self.uhi[leaf * dim..(leaf + 1) * dim],
        );
        lo.fill(f64::INFINITY);
        hi.fill(f64::NEG_INFINITY);
        for s in nd.start..nd.end {
            if !self.processed[s] {
                let p = tree.point(s);
                for k in 0..dim {
                    lo[k] = lo[k].min(p[k]);
                    hi[k] = hi[k].max(p[k]);
                }
            }
        }
        self.unprocessed[leaf] -= 1;
        // Ancestors: counts, and boxes as the union of the children's.
        let mut node = leaf;
        while node != 0 {
            node = self.parent[node];
            self.unprocessed[node] -= 1;
            let (l, r) = (node + 1, tree.nodes[node].right);
            for k in 0..dim {
                let (a, b) = (self.ulo[l * dim + k], self.ulo[r * dim + k]);
                self.ulo[node * dim + k] = a.min(b);
                let (a, b) = (self.uhi[l * dim + k], self.uhi[r * dim + k]);
                self.uhi[node * dim + k] = a.max(b);
            }
        }
    }

    #[inline]
    fn umin_sq_dist(&self, node: usize, q: &[f64]) -> f64 {
        let dim = self.tree.dim;
        let r = node * dim..(node + 1) * dim;
        box_min_sq_dist(&self.ulo[r.clone()], &self.uhi[r], q)
    }

    /// The smallest `(offer, index)` that core point `tp` makes to an
    /// unprocessed point within squared radius `limit2` (and `max_eps`);
    /// the offer to a point at distance d is `round15(max(d, core))`. The
    /// search radius shrinks to the best distance so far plus a margin wider
    /// than the rounding, so every point that could tie with the best is
    /// still compared and ties go to the lowest index exactly.
    ///
    /// If no unprocessed point is that near, returns `Err(b)` with `b` a
    /// lower bound of the squared distance to every unprocessed point (the
    /// nearest box or point the search left out).
    fn smallest_offer(&self, tp: usize, limit2: f64) -> Result<(f64, usize), f64> {
        let tree = self.tree;
        let q = tree.point(tp);
        let c = self.core[tp];
        let margin2 = |d2: f64| {
            let r = d2.max(c * c).sqrt() * (1.0 + 1e-12) + 1e-12;
            r * r
        };
        let mut cut2 = limit2.min(self.max_eps2);
        let mut best: Option<(f64, usize)> = None;
        let mut beyond2 = f64::INFINITY;
        let mut stack = vec![(0usize, 0.0f64)];
        while let Some((node, lb)) = stack.pop() {
            if self.unprocessed[node] == 0 {
                continue;
            }
            if lb > cut2 {
                beyond2 = beyond2.min(lb);
                continue;
            }
            let nd = tree.nodes[node];
            if nd.is_leaf() {
                for t in nd.start..nd.end {
                    if self.processed[t] {
                        continue;
                    }
                    let d2 = sq_dist(tree.point(t), q);
                    if d2 <= cut2 {
                        let key = (round15(d2.sqrt().max(c)), tree.ids[t]);
                        if best.is_none_or(|b| key < b) {
                            best = Some(key);
                            cut2 = cut2.min(margin2(d2));
                        }
                    } else {
                        beyond2 = beyond2.min(d2);
                    }
                }
            } else {
                let (l, r) = (node + 1, nd.right);
                let (dl, dr) = (self.umin_sq_dist(l, q), self.umin_sq_dist(r, q));
                // Nearer child popped first.
                let [near, far] = nearer_first((l, dl), (r, dr));
                stack.push(far);
                stack.push(near);
            }
        }
        best.ok_or(beyond2)
    }
}

/// Number of nearest neighbours each processed core point offers its
/// reachability to directly (or `min_samples` if larger).
const EAGER_NEIGHBOURS: usize = 24;

/// Points per kd-tree leaf for OPTICS: in 10-D a shallow tree with large
/// leaves is the fastest (measured: 256 beats 128, 64 and 16).
const OPTICS_LEAF_SIZE: usize = 256;

/// Each bounded search for a point's smallest offer reaches at least this
/// factor beyond the bound it replaces.
const GROWTH: f64 = 1.25;

/// Heap entry kinds: a fixed offer to one of the offering point's nearest
/// neighbours; the offering point's smallest offer to any unprocessed point
/// (searched again when its target is taken or used); a lower bound of the
/// offering point's offers not covered by the other two.
const EAGER: u8 = 0;
const SMALLEST: u8 = 1;
const FAR_BOUND: u8 = 2;

/// (offer, target id + 1 or 0 for a bound, rank of the offering point,
/// kind, tree position of the offering point). Ordered by offer, then
/// target (a bound sorts before the offers equal to it), then rank.
type Entry = Reverse<(Ord64, usize, usize, u8, usize)>;

/// scikit-learn's `compute_optics_graph` for the euclidean metric.
///
/// Core distance: distance to the `min_samples`-th nearest point counting the
/// point itself (∞ above `max_eps`). The next point is always the unprocessed
/// one with the smallest reachability, ties to the lowest index, and the
/// lowest unprocessed index when all left are ∞ (a new expansion, whose
/// first point keeps reachability ∞). Processing a core point p offers each
/// unprocessed point q within `max_eps` the reachability
/// `max(d(p, q), core(p))`; a point's predecessor is the first processed
/// point that offered its final value. Core and reachability distances are
/// rounded to 15 decimals as scikit-learn does, so its ties are ours.
///
/// How it avoids scikit-learn's n² work when `max_eps` is ∞: the
/// reachability of q is the smallest offer made to it so far, so the next
/// point is the smallest offer overall, as in Prim's algorithm, and a heap
/// ordered by (offer, point index, rank of the offering point) yields it with
/// scikit-learn's tie rules. A processed core point p does not offer to
/// every point; it enters
/// * its offers to its [`EAGER_NEIGHBOURS`] nearest neighbours (listed in
///   parallel with the core distances), and
/// * a lower bound `max(r, core(p))` of its other offers (r: distance to its
///   last listed neighbour).
///
/// When a bound is the smallest entry, p's smallest offer to an unprocessed
/// point is searched in the kd-tree, but only as far as it can matter: up to
/// the smallest pending offer, and at least [`GROWTH`] × the bound. If found
/// it becomes an entry (searched again when its target is taken or used);
/// if not, the bound is raised to the searched radius. Bounds due at the
/// same time are searched in parallel. The kd-tree keeps, per node, the
/// count and bounding box of the unprocessed points, so searches skip
/// processed regions.
pub(crate) fn compute_optics_graph(
    data: &[f64],
    dim: usize,
    min_samples: usize,
    max_eps: f64,
) -> OpticsGraph {
    let n = data.len() / dim;
    let tree = KdTree::build(data, dim, (0..n).collect(), OPTICS_LEAF_SIZE);
    let n_list = min_samples.max(EAGER_NEIGHBOURS).min(n);
    // Per tree position: core distance and the nearest (distance, position).
    let lists: Vec<(f64, Vec<(f64, usize)>)> = (0..n)
        .into_par_iter()
        .map(|t| {
            let mut nn = tree.knn(tree.point(t), n_list);
            let d = nn[min_samples - 1].0.sqrt();
            let core = if d > max_eps {
                f64::INFINITY
            } else {
                round15(d)
            };
            for e in nn.iter_mut() {
                e.0 = e.0.sqrt();
            }
            (core, nn)
        })
        .collect();
    let core: Vec<f64> = lists.iter().map(|l| l.0).collect();
    let n_nodes = tree.nodes.len();
    let mut parent = vec![0; n_nodes];
    let mut leaf_of = vec![0; n];
    let mut unprocessed = vec![0; n_nodes];
    for (i, nd) in tree.nodes.iter().enumerate() {
        unprocessed[i] = nd.end - nd.start;
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
        processed: vec![false; n],
        unprocessed,
        ulo: tree.lo.clone(),
        uhi: tree.hi.clone(),
        parent,
        leaf_of,
    };
    let mut offers: BinaryHeap<Entry> = BinaryHeap::new();
    let mut bounds: BinaryHeap<Entry> = BinaryHeap::new();
    let mut g = OpticsGraph {
        ordering: Vec::with_capacity(n),
        core_distances: vec![0.0; n],
        reachability: vec![f64::INFINITY; n],
        predecessor: vec![NO_PRED; n],
    };
    // Points whose smallest offer must be searched: (bound, rank, tree position).
    let mut due: Vec<(f64, usize, usize)> = Vec::new();
    let mut lowest_unprocessed = 0;
    for rank in 0..n {
        let mut next = None;
        loop {
            // Offers to processed points are void.
            while let Some(Reverse((_, key, _, kind, _))) = offers.peek() {
                if *kind != EAGER || !w.processed[pos[key - 1]] {
                    break;
                }
                offers.pop();
            }
            // Every bound at or below the smallest offer must be searched
            // before that offer can be taken (only the lowest bound if there
            // is no offer: its search is unbounded).
            due.clear();
            while let Some(b) = bounds.peek() {
                let stop = match offers.peek() {
                    Some(o) => o.0 < b.0,
                    None => !due.is_empty(),
                };
                if stop {
                    break;
                }
                if let Some(Reverse((Ord64(r), _, from_rank, _, from_t))) = bounds.pop() {
                    due.push((r, from_rank, from_t));
                }
            }
            if !due.is_empty() {
                search_due(&w, &due, &mut offers, &mut bounds);
                continue;
            }
            let Some(Reverse((Ord64(r), key, from_rank, kind, from_t))) = offers.pop() else {
                break;
            };
            let id = key - 1;
            if w.processed[pos[id]] {
                // A stale smallest offer (stale eager offers were dropped above).
                search_due(&w, &[(r, from_rank, from_t)], &mut offers, &mut bounds);
                continue;
            }
            next = Some((id, r, from_rank, kind, from_t));
            break;
        }
        let mut renew = None;
        let id = match next {
            Some((id, r, from_rank, kind, from_t)) => {
                g.reachability[id] = r;
                g.predecessor[id] = tree.ids[from_t];
                if kind == SMALLEST {
                    renew = Some((r, from_rank, from_t));
                }
                id
            }
            None => {
                while w.processed[pos[lowest_unprocessed]] {
                    lowest_unprocessed += 1;
                }
                lowest_unprocessed
            }
        };
        let t = pos[id];
        w.mark_processed(t);
        g.ordering.push(id);
        let c = w.core[t];
        if c.is_finite() {
            let list = &lists[t].1;
            for &(d, s) in list {
                if !w.processed[s] && d * d <= w.max_eps2 {
                    let r = round15(d.max(c));
                    offers.push(Reverse((Ord64(r), tree.ids[s] + 1, rank, EAGER, t)));
                }
            }
            // Points beyond the list are at least as far as its last entry.
            if list.len() < n {
                if let Some(&(d_last, _)) = list.last() {
                    if d_last * d_last <= w.max_eps2 {
                        let bound = round15(d_last.max(c));
                        bounds.push(Reverse((Ord64(bound), 0, rank, FAR_BOUND, t)));
                    }
                }
            }
        }
        // A used smallest offer: the offering point offers nothing below its
        // value any more.
        if let Some((r, from_rank, from_t)) = renew {
            search_due(&w, &[(r, from_rank, from_t)], &mut offers, &mut bounds);
        }
    }
    for t in 0..n {
        g.core_distances[tree.ids[t]] = w.core[t];
    }
    g
}

/// Searches the smallest offer of each point in `due` (which offers
/// nothing below its bound) up to `max(GROWTH · bound, smallest pending
/// offer)`, in parallel when there are several: found offers go to
/// `offers`, otherwise the bound is raised to the searched radius.
fn search_due(
    w: &Walk,
    due: &[(f64, usize, usize)],
    offers: &mut BinaryHeap<Entry>,
    bounds: &mut BinaryHeap<Entry>,
) {
    let pending = offers.peek().map_or(f64::INFINITY, |e| e.0 .0 .0);
    let radius = |bound: f64| {
        let r = (GROWTH * bound).max(pending);
        if r > 0.0 {
            r
        } else {
            f64::INFINITY
        }
    };
    let search = |&(bound, _, from_t): &(f64, usize, usize)| {
        let r = radius(bound);
        w.smallest_offer(from_t, r * r)
    };
    let found: Vec<Result<(f64, usize), f64>> = if due.len() >= 8 {
        due.par_iter().map(search).collect()
    } else {
        due.iter().map(search).collect()
    };
    for (&(_, rank, from_t), f) in due.iter().zip(found) {
        match f {
            Ok((r, id)) => offers.push(Reverse((Ord64(r), id + 1, rank, SMALLEST, from_t))),
            Err(beyond2) => {
                if beyond2 <= w.max_eps2 {
                    // Every unprocessed point is at least sqrt(beyond2) away.
                    let raised = round15(beyond2.sqrt().max(w.core[from_t]));
                    bounds.push(Reverse((Ord64(raised), 0, rank, FAR_BOUND, from_t)));
                }
            }
        }
    }
}

impl Clusterer for ValidOpticsParams {
    fn name(&self) -> &'static str {
        "optics"
    }

    fn fit(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError> {
        check_data(&x, 1)?;
        let (n, dim) = x.dim();
        let min_samples = self.min_samples.resolve(n);
        check_at_most_points("min_samples", min_samples, n)?;
        let min_cluster_size = self.min_cluster_size.map_or(min_samples, |s| s.resolve(n));
        check_at_most_points("min_cluster_size", min_cluster_size, n)?;
        let start = Instant::now();
        // Distances in a power-of-two unit (exact), so 15-decimal rounding
        // does not make every distance of tiny-scale data 0.
        let unit = distance_unit(x);
        let mut data = to_row_major(&x);
        if unit != 1.0 {
            data.iter_mut().for_each(|v| *v /= unit);
        }
        let mut g = compute_optics_graph(&data, dim, min_samples, self.max_eps / unit);
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
                self.eps.unwrap_or(self.max_eps) / unit,
            ),
        };
        if unit != 1.0 {
            g.reachability.iter_mut().for_each(|v| *v *= unit);
            g.core_distances.iter_mut().for_each(|v| *v *= unit);
        }
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
            approximation: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_distance_unit_is_one_unless_the_data_is_tiny() {
        assert_eq!(distance_unit(array![[0.0, 5.0], [1.0, 5.0]].view()), 1.0);
        assert_eq!(distance_unit(array![[0.0], [0.001]].view()), 1.0);
        assert_eq!(distance_unit(array![[7.0], [7.0]].view()), 1.0);
        // A span of 3e-18: log2 = −58.2, so the unit is 2^−59 and the span 1.73 units.
        let u = distance_unit(array![[1e-12], [1e-12 + 3e-18]].view());
        assert_eq!(u, 2f64.powi(-59));
    }
}
