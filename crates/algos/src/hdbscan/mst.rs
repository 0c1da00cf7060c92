//! Minimum spanning tree under the mutual reachability distance, used to
//! rebuild a selected cluster's part of the HDBSCAN hierarchy.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::common::{sq_dist, UnionFind};
use crate::kdtree::{nearer_first, KdTree};

const MIXED: usize = usize::MAX;

/// Mutual reachability distance `max(d, core_a, core_b)`.
#[inline]
fn mrd(d2: f64, ca: f64, cb: f64) -> f64 {
    d2.sqrt().max(ca).max(cb)
}

/// Minimum spanning tree of `data` (m points, row-major) under the mutual
/// reachability distance with core distances `core`, by Borůvka's
/// algorithm on a kd-tree: each round every point searches (in parallel)
/// its nearest point of another component, pruning nodes whose points all
/// share its component and nodes that cannot beat the component's best edge
/// so far. Returns m − 1 edges `(a, b, weight)`.
pub(crate) fn mutual_reachability_mst(
    data: &[f64],
    dim: usize,
    core: &[f64],
) -> Vec<(usize, usize, f64)> {
    let m = core.len();
    let mut edges = Vec::with_capacity(m.saturating_sub(1));
    if m < 2 {
        return edges;
    }
    let tree = KdTree::build(data, dim, (0..m).collect(), 32);
    let n_nodes = tree.nodes.len();
    // Smallest core distance per node (static).
    let mut node_core = vec![f64::INFINITY; n_nodes];
    for node in (0..n_nodes).rev() {
        let nd = tree.nodes[node];
        node_core[node] = if nd.is_leaf() {
            (nd.start..nd.end)
                .map(|t| core[tree.ids[t]])
                .fold(f64::INFINITY, f64::min)
        } else {
            node_core[node + 1].min(node_core[nd.right])
        };
    }
    let mut uf = UnionFind::new(m);
    let mut comp = vec![0usize; m];
    let mut node_comp = vec![MIXED; n_nodes];
    let mut n_components = m;
    while n_components > 1 {
        for (i, c) in comp.iter_mut().enumerate() {
            *c = uf.find(i);
        }
        for node in (0..n_nodes).rev() {
            let nd = tree.nodes[node];
            node_comp[node] = if nd.is_leaf() {
                let first = comp[tree.ids[nd.start]];
                if (nd.start..nd.end).all(|t| comp[tree.ids[t]] == first) {
                    first
                } else {
                    MIXED
                }
            } else if node_comp[node + 1] == node_comp[nd.right] {
                node_comp[node + 1]
            } else {
                MIXED
            };
        }
        // Best edge weight found so far per component (f64 bits: for
        // non-negative floats the bit patterns order as the values).
        let best_bits: Vec<AtomicU64> = (0..m)
            .map(|_| AtomicU64::new(f64::INFINITY.to_bits()))
            .collect();
        let found: Vec<Option<(f64, usize, usize)>> = (0..m)
            .into_par_iter()
            .map(|t| {
                let p = tree.ids[t];
                let own = comp[p];
                let cp = core[p];
                let q = tree.point(t);
                let mut best = f64::from_bits(best_bits[own].load(Ordering::Relaxed));
                if cp >= best {
                    return None;
                }
                let mut hit: Option<(f64, usize)> = None;
                let mut stack = vec![(0usize, 0.0f64)];
                while let Some((node, lb2)) = stack.pop() {
                    if node_comp[node] == own {
                        continue;
                    }
                    if lb2.sqrt().max(cp).max(node_core[node]) >= best {
                        continue;
                    }
                    let nd = tree.nodes[node];
                    if nd.is_leaf() {
                        for s in nd.start..nd.end {
                            let o = tree.ids[s];
                            if comp[o] == own {
                                continue;
                            }
                            let w = mrd(sq_dist(tree.point(s), q), cp, core[o]);
                            if w < best || (w == best && hit.is_some_and(|h| o < h.1)) {
                                best = w;
                                hit = Some((w, o));
                            }
                        }
                    } else {
                        let (l, r) = (node + 1, nd.right);
                        let (dl, dr) = (tree.min_sq_dist(l, q), tree.min_sq_dist(r, q));
                        // Nearer child popped first.
                        let [near, far] = nearer_first((l, dl), (r, dr));
                        stack.push(far);
                        stack.push(near);
                    }
                    if best <= cp {
                        break;
                    }
                }
                let (w, o) = hit?;
                best_bits[own].fetch_min(w.to_bits(), Ordering::Relaxed);
                Some((w, p, o))
            })
            .collect();
        // The lightest edge leaving each component (ties: lowest endpoints).
        let mut chosen: Vec<Option<(f64, usize, usize)>> = vec![None; m];
        for (w, p, o) in found.into_iter().flatten() {
            let e = (w, p.min(o), p.max(o));
            let slot = &mut chosen[comp[p]];
            if slot.is_none_or(|s| e < s) {
                *slot = Some(e);
            }
        }
        let mut merged = false;
        for e in chosen.into_iter().flatten() {
            if uf.union(e.1, e.2).is_some() {
                edges.push((e.1, e.2, e.0));
                n_components -= 1;
                merged = true;
            }
        }
        if !merged {
            break;
        }
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prim's algorithm on the dense mutual reachability graph.
    fn prim_weight(data: &[f64], dim: usize, core: &[f64]) -> f64 {
        let m = core.len();
        let mut in_tree = vec![false; m];
        let mut dist = vec![f64::INFINITY; m];
        dist[0] = 0.0;
        let mut total = 0.0;
        for _ in 0..m {
            let u = (0..m)
                .filter(|&i| !in_tree[i])
                .min_by(|&a, &b| dist[a].total_cmp(&dist[b]))
                .unwrap();
            in_tree[u] = true;
            total += dist[u];
            for v in 0..m {
                if !in_tree[v] {
                    let d2 = sq_dist(&data[u * dim..(u + 1) * dim], &data[v * dim..(v + 1) * dim]);
                    dist[v] = dist[v].min(mrd(d2, core[u], core[v]));
                }
            }
        }
        total
    }

    #[test]
    fn boruvka_weight_equals_prim() {
        for (m, dim, seed) in [(300, 2, 1), (500, 3, 2), (200, 5, 3)] {
            let x = crate::synth::blobs(m, dim, 3, 1.0, seed);
            let data = crate::common::to_row_major(&x.view());
            let tree = KdTree::build(&data, dim, (0..m).collect(), 16);
            let core: Vec<f64> = (0..m)
                .map(|i| tree.kth_nn_sq_dist(&data[i * dim..(i + 1) * dim], 4).sqrt())
                .collect();
            let edges = mutual_reachability_mst(&data, dim, &core);
            assert_eq!(edges.len(), m - 1);
            let w: f64 = edges.iter().map(|e| e.2).sum();
            let want = prim_weight(&data, dim, &core);
            assert!((w - want).abs() < 1e-9 * want, "{w} vs {want}");
        }
    }
}
