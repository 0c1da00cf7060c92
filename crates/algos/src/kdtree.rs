//! A kd-tree over the rows of a data matrix, written for the density methods
//! (DBSCAN core counts, OPTICS neighbourhoods, HDBSCAN core distances and
//! minimum spanning trees).
//!
//! Points are copied in tree order so that a leaf's points are contiguous in
//! memory. Every node keeps its tight bounding box; a node's children are the
//! next node (left) and `right`. Splits are at the median of the widest
//! dimension, so the depth is ⌈log₂(n / leaf_size)⌉.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::common::sq_dist;

/// Default number of points per leaf.
pub(crate) const LEAF_SIZE: usize = 16;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    /// Range of tree positions `start..end` held by the node.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Index of the right child; 0 for a leaf (the left child is `self + 1`).
    pub(crate) right: usize,
}

impl Node {
    #[inline]
    pub(crate) fn is_leaf(&self) -> bool {
        self.right == 0
    }
}

#[derive(Debug, Clone)]
pub(crate) struct KdTree {
    pub(crate) dim: usize,
    /// Points in tree order, row-major (`n · dim`).
    pub(crate) pts: Vec<f64>,
    /// Tree position → index of the point in the caller's numbering.
    pub(crate) ids: Vec<usize>,
    pub(crate) nodes: Vec<Node>,
    /// Lower and upper corners of each node's bounding box (`n_nodes · dim`).
    pub(crate) lo: Vec<f64>,
    pub(crate) hi: Vec<f64>,
}

/// A total order on non-NaN f64 for heaps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ord64(pub(crate) f64);
impl Eq for Ord64 {}
impl PartialOrd for Ord64 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ord64 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Squared distance from `q` to the nearest point of the box `[lo, hi]`.
#[inline]
pub(crate) fn box_min_sq_dist(lo: &[f64], hi: &[f64], q: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..q.len() {
        let v = q[k];
        let t = if v < lo[k] {
            lo[k] - v
        } else if v > hi[k] {
            v - hi[k]
        } else {
            0.0
        };
        s += t * t;
    }
    s
}

impl KdTree {
    /// Builds the tree over `n = data.len() / dim` points given row-major;
    /// `ids[i]` names the i-th point in results.
    pub(crate) fn build(data: &[f64], dim: usize, ids: Vec<usize>, leaf_size: usize) -> Self {
        let n = ids.len();
        debug_assert_eq!(data.len(), n * dim);
        let mut order: Vec<usize> = (0..n).collect();
        let mut tree = KdTree {
            dim,
            pts: Vec::new(),
            ids: Vec::new(),
            nodes: Vec::with_capacity(2 * n / leaf_size.max(1) + 1),
            lo: Vec::new(),
            hi: Vec::new(),
        };
        if n > 0 {
            tree.build_node(data, &mut order, 0, n, leaf_size.max(1));
        }
        let mut pts = Vec::with_capacity(n * dim);
        for &i in &order {
            pts.extend_from_slice(&data[i * dim..(i + 1) * dim]);
        }
        tree.ids = order.iter().map(|&i| ids[i]).collect();
        tree.pts = pts;
        tree
    }

    fn build_node(
        &mut self,
        data: &[f64],
        order: &mut [usize],
        start: usize,
        end: usize,
        leaf_size: usize,
    ) -> usize {
        let dim = self.dim;
        let id = self.nodes.len();
        self.nodes.push(Node {
            start,
            end,
            right: 0,
        });
        // Tight bounding box.
        let mut lo = vec![f64::INFINITY; dim];
        let mut hi = vec![f64::NEG_INFINITY; dim];
        for &i in &order[start..end] {
            let p = &data[i * dim..(i + 1) * dim];
            for k in 0..dim {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        let (mut split_dim, mut spread) = (0, -1.0);
        for k in 0..dim {
            if hi[k] - lo[k] > spread {
                spread = hi[k] - lo[k];
                split_dim = k;
            }
        }
        self.lo.extend_from_slice(&lo);
        self.hi.extend_from_slice(&hi);
        if end - start <= leaf_size || spread <= 0.0 {
            return id;
        }
        let mid = start + (end - start) / 2;
        order[start..end].select_nth_unstable_by(mid - start, |&a, &b| {
            data[a * dim + split_dim].total_cmp(&data[b * dim + split_dim])
        });
        self.build_node(data, order, start, mid, leaf_size);
        let right = self.build_node(data, order, mid, end, leaf_size);
        self.nodes[id].right = right;
        id
    }

    #[inline]
    pub(crate) fn n_points(&self) -> usize {
        self.ids.len()
    }

    /// The point at tree position `t`.
    #[inline]
    pub(crate) fn point(&self, t: usize) -> &[f64] {
        &self.pts[t * self.dim..(t + 1) * self.dim]
    }

    /// Squared distance from `q` to the nearest point of node `node`'s box.
    #[inline]
    pub(crate) fn min_sq_dist(&self, node: usize, q: &[f64]) -> f64 {
        let r = node * self.dim..(node + 1) * self.dim;
        box_min_sq_dist(&self.lo[r.clone()], &self.hi[r], q)
    }

    /// Squared distance from `q` to the farthest corner of node `node`'s box.
    #[inline]
    pub(crate) fn max_sq_dist(&self, node: usize, q: &[f64]) -> f64 {
        let lo = &self.lo[node * self.dim..(node + 1) * self.dim];
        let hi = &self.hi[node * self.dim..(node + 1) * self.dim];
        let mut s = 0.0;
        for k in 0..self.dim {
            let t = (q[k] - lo[k]).abs().max((hi[k] - q[k]).abs());
            s += t * t;
        }
        s
    }

    /// Squared distance to the `k`-th nearest point of the tree from `q`
    /// (a point at `q` itself counts). `k` must be in `1..=n`.
    pub(crate) fn kth_nn_sq_dist(&self, q: &[f64], k: usize) -> f64 {
        let mut heap: BinaryHeap<Ord64> = BinaryHeap::with_capacity(k + 1);
        self.knn_rec(0, q, k, &mut heap);
        heap.peek().map_or(f64::INFINITY, |v| v.0)
    }

    /// The `k` nearest points of `q` (a point at `q` itself included) as
    /// `(squared distance, tree position)`, nearest first (ties by tree
    /// position). `k` must be ≥ 1.
    pub(crate) fn knn(&self, q: &[f64], k: usize) -> Vec<(f64, usize)> {
        let mut heap: BinaryHeap<(Ord64, usize)> = BinaryHeap::with_capacity(k + 1);
        if !self.nodes.is_empty() && k > 0 {
            self.knn_list_rec(0, q, k, &mut heap);
        }
        let mut v: Vec<(f64, usize)> = heap.into_iter().map(|(d, t)| (d.0, t)).collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        v
    }

    fn knn_list_rec(
        &self,
        node: usize,
        q: &[f64],
        k: usize,
        heap: &mut BinaryHeap<(Ord64, usize)>,
    ) {
        let nd = self.nodes[node];
        if nd.is_leaf() {
            for t in nd.start..nd.end {
                let d2 = sq_dist(self.point(t), q);
                if heap.len() < k {
                    heap.push((Ord64(d2), t));
                } else if d2 < heap.peek().map_or(f64::INFINITY, |v| v.0 .0) {
                    heap.pop();
                    heap.push((Ord64(d2), t));
                }
            }
            return;
        }
        let (l, r) = (node + 1, nd.right);
        let (dl, dr) = (self.min_sq_dist(l, q), self.min_sq_dist(r, q));
        for (child, dc) in nearer_first((l, dl), (r, dr)) {
            if heap.len() < k || dc < heap.peek().map_or(f64::INFINITY, |v| v.0 .0) {
                self.knn_list_rec(child, q, k, heap);
            }
        }
    }

    fn knn_rec(&self, node: usize, q: &[f64], k: usize, heap: &mut BinaryHeap<Ord64>) {
        let nd = self.nodes[node];
        if nd.is_leaf() {
            for t in nd.start..nd.end {
                let d2 = sq_dist(self.point(t), q);
                if heap.len() < k {
                    heap.push(Ord64(d2));
                } else if d2 < heap.peek().map_or(f64::INFINITY, |v| v.0) {
                    heap.pop();
                    heap.push(Ord64(d2));
                }
            }
            return;
        }
        let (l, r) = (node + 1, nd.right);
        let (dl, dr) = (self.min_sq_dist(l, q), self.min_sq_dist(r, q));
        for (child, dc) in nearer_first((l, dl), (r, dr)) {
            if heap.len() < k || dc < heap.peek().map_or(f64::INFINITY, |v| v.0) {
                self.knn_rec(child, q, k, heap);
            }
        }
    }

    /// Calls `f(tree_position, squared_distance)` for every point within
    /// squared radius `r2` of `q` (boundary included).
    pub(crate) fn for_each_within<F: FnMut(usize, f64)>(&self, q: &[f64], r2: f64, f: &mut F) {
        if self.nodes.is_empty() {
            return;
        }
        let mut stack = vec![0usize];
        while let Some(node) = stack.pop() {
            if self.min_sq_dist(node, q) > r2 {
                continue;
            }
            let nd = self.nodes[node];
            if nd.is_leaf() {
                for t in nd.start..nd.end {
                    let d2 = sq_dist(self.point(t), q);
                    if d2 <= r2 {
                        f(t, d2);
                    }
                }
            } else {
                stack.push(nd.right);
                stack.push(node + 1);
            }
        }
    }

    /// Number of points within squared radius `r2` of `q`, counting no
    /// further than `stop_at` (returns as soon as the count reaches it).
    pub(crate) fn count_within(&self, q: &[f64], r2: f64, stop_at: usize) -> usize {
        if self.nodes.is_empty() {
            return 0;
        }
        let mut count = 0;
        let mut stack = vec![0usize];
        while let Some(node) = stack.pop() {
            if self.min_sq_dist(node, q) > r2 {
                continue;
            }
            let nd = self.nodes[node];
            if self.max_sq_dist(node, q) <= r2 {
                count += nd.end - nd.start;
            } else if nd.is_leaf() {
                for t in nd.start..nd.end {
                    if sq_dist(self.point(t), q) <= r2 {
                        count += 1;
                    }
                }
            } else {
                // Nearer child on top of the stack: reach `stop_at` sooner.
                let (l, r) = (node + 1, nd.right);
                if self.min_sq_dist(l, q) <= self.min_sq_dist(r, q) {
                    stack.push(r);
                    stack.push(l);
                } else {
                    stack.push(l);
                    stack.push(r);
                }
            }
            if count >= stop_at {
                return count;
            }
        }
        count
    }
}

impl KdTree {
    /// The first point within squared radius `r2` of `q` for which
    /// `accept(tree_position, squared_distance)` holds, searching nearer
    /// boxes first and stopping at the first hit.
    pub(crate) fn find_within<F: Fn(usize, f64) -> bool>(
        &self,
        q: &[f64],
        r2: f64,
        accept: &F,
    ) -> Option<usize> {
        if self.nodes.is_empty() || self.min_sq_dist(0, q) > r2 {
            return None;
        }
        let mut stack = vec![0usize];
        while let Some(node) = stack.pop() {
            let nd = self.nodes[node];
            if nd.is_leaf() {
                for t in nd.start..nd.end {
                    let d2 = sq_dist(self.point(t), q);
                    if d2 <= r2 && accept(t, d2) {
                        return Some(t);
                    }
                }
                continue;
            }
            let (l, r) = (node + 1, nd.right);
            let pair = nearer_first((l, self.min_sq_dist(l, q)), (r, self.min_sq_dist(r, q)));
            // Push the farther first so the nearer is searched first.
            for &(child, dist) in pair.iter().rev() {
                if dist <= r2 {
                    stack.push(child);
                }
            }
        }
        None
    }
}

/// Two children with their (lower-bound) distances, the nearer first (the
/// left one on a tie): the order a search visits them in.
pub(crate) fn nearer_first(l: (usize, f64), r: (usize, f64)) -> [(usize, f64); 2] {
    if l.1 <= r.1 {
        [l, r]
    } else {
        [r, l]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_kth(data: &[f64], dim: usize, q: &[f64], k: usize) -> f64 {
        let mut d: Vec<f64> = data.chunks(dim).map(|p| sq_dist(p, q)).collect();
        d.sort_by(f64::total_cmp);
        d[k - 1]
    }

    fn lcg_data(n: usize, dim: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n * dim)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 11) as f64 / (1u64 << 53) as f64) * 10.0
            })
            .collect()
    }

    #[test]
    fn knn_and_range_match_brute_force() {
        for &dim in &[1usize, 2, 5] {
            let n = 500;
            let data = lcg_data(n, dim, dim as u64);
            let tree = KdTree::build(&data, dim, (0..n).collect(), 8);
            for i in (0..n).step_by(37) {
                let q = &data[i * dim..(i + 1) * dim];
                for k in [1, 2, 7, 50] {
                    assert_eq!(tree.kth_nn_sq_dist(q, k), brute_kth(&data, dim, q, k));
                }
                let r2 = 4.0;
                let mut got = vec![];
                tree.for_each_within(q, r2, &mut |t, _| got.push(tree.ids[t]));
                got.sort();
                let want: Vec<usize> = (0..n)
                    .filter(|&j| sq_dist(&data[j * dim..(j + 1) * dim], q) <= r2)
                    .collect();
                assert_eq!(got, want);
                assert_eq!(tree.count_within(q, r2, usize::MAX), want.len());
                let c = tree.count_within(q, r2, 3);
                assert!(c >= want.len().min(3) && c <= want.len());
            }
        }
    }

    #[test]
    fn duplicate_points_make_leaves() {
        let data = vec![1.0; 2 * 100];
        let tree = KdTree::build(&data, 2, (0..100).collect(), 4);
        assert_eq!(tree.nodes.len(), 1);
        assert_eq!(tree.kth_nn_sq_dist(&[1.0, 1.0], 100), 0.0);
        assert_eq!(tree.count_within(&[1.0, 1.0], 0.0, usize::MAX), 100);
    }
}
