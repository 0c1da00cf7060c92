//! scikit-learn's HDBSCAN tree steps, from the minimum spanning tree on:
//! single linkage, condensing by `min_cluster_size`, stability, excess-of-
//! mass selection (never the root alone), labelling and membership
//! probabilities — plus GLOSH outlier scores (Campello et al. 2015), which
//! scikit-learn does not compute.
//!
//! Node ids follow scikit-learn: points `0..n`, merges `n..2n−1` (the root
//! is `2n − 2`); condensed clusters `n..` (the root cluster is `n`),
//! numbered in breadth-first order, so a parent's id is below its children's.

use crate::clustering::NOISE;
use crate::common::UnionFind;

/// A single-linkage merge: the two merged nodes, the distance, the size.
pub(crate) type Merge = (usize, usize, f64, usize);

/// scikit-learn's `make_single_linkage`: MST edges `(a, b, weight)` sorted by
/// weight (ties by endpoints) merged in order; merge i is node n + i.
pub(crate) fn single_linkage(n: usize, edges: &[(usize, usize, f64)]) -> Vec<Merge> {
    let mut sorted = edges.to_vec();
    sorted.sort_by(|x, y| x.2.total_cmp(&y.2).then(x.0.cmp(&y.0)).then(x.1.cmp(&y.1)));
    let mut uf = UnionFind::new(n);
    let mut node_of_root: Vec<usize> = (0..n).collect();
    let mut size = vec![1usize; n];
    let mut merges = Vec::with_capacity(n.saturating_sub(1));
    for (a, b, w) in sorted {
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra == rb {
            continue;
        }
        let (na, nb) = (node_of_root[ra], node_of_root[rb]);
        let s = size[ra] + size[rb];
        merges.push((na, nb, w, s));
        if let Some(r) = uf.union(ra, rb) {
            node_of_root[r] = n + merges.len() - 1;
            size[r] = s;
        }
    }
    merges
}

pub(crate) use super::soft::CondensedRow as Row;

/// Nodes under `node` (itself included), breadth first, as scikit-learn's
/// `bfs_from_hierarchy`.
fn bfs(merges: &[Merge], n: usize, node: usize, out: &mut Vec<usize>) {
    out.clear();
    out.push(node);
    let mut i = 0;
    while i < out.len() {
        let v = out[i];
        if v >= n {
            let (l, r, _, _) = merges[v - n];
            out.push(l);
            out.push(r);
        }
        i += 1;
    }
}

/// scikit-learn's `_condense_tree`.
pub(crate) fn condense(merges: &[Merge], n: usize, min_cluster_size: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    if merges.len() + 1 != n || n < 2 {
        return rows;
    }
    let root = 2 * n - 2;
    let size_of = |v: usize| if v < n { 1 } else { merges[v - n].3 };
    let mut order = Vec::new();
    bfs(merges, n, root, &mut order);
    let mut relabel = vec![0usize; root + 1];
    relabel[root] = n;
    let mut next_label = n + 1;
    let mut ignore = vec![false; root + 1];
    let mut sub = Vec::new();
    for &node in &order {
        if ignore[node] || node < n {
            continue;
        }
        let (left, right, dist, _) = merges[node - n];
        let lambda = if dist > 0.0 {
            1.0 / dist
        } else {
            f64::INFINITY
        };
        let (lc, rc) = (size_of(left), size_of(right));
        let parent = relabel[node];
        let mut fall = |child: usize, rows: &mut Vec<Row>, ignore: &mut Vec<bool>| {
            bfs(merges, n, child, &mut sub);
            for &s in &sub {
                if s < n {
                    rows.push(Row {
                        parent,
                        child: s,
                        lambda,
                        size: 1,
                    });
                }
                ignore[s] = true;
            }
        };
        match (lc >= min_cluster_size, rc >= min_cluster_size) {
            (true, true) => {
                for (child, count) in [(left, lc), (right, rc)] {
                    relabel[child] = next_label;
                    rows.push(Row {
                        parent,
                        child: next_label,
                        lambda,
                        size: count,
                    });
                    next_label += 1;
                }
            }
            (false, false) => {
                fall(left, &mut rows, &mut ignore);
                fall(right, &mut rows, &mut ignore);
            }
            (false, true) => {
                relabel[right] = parent;
                fall(left, &mut rows, &mut ignore);
            }
            (true, false) => {
                relabel[left] = parent;
                fall(right, &mut rows, &mut ignore);
            }
        }
    }
    rows
}

/// Number of condensed clusters (ids `n..n + count`).
fn n_condensed(rows: &[Row], n: usize) -> usize {
    rows.iter()
        .map(|r| r.parent.max(if r.child >= n { r.child } else { n }))
        .max()
        .map_or(1, |m| m - n + 1)
}

/// scikit-learn's `_compute_stability`: Σ (λ − λ_birth(parent)) · size over
/// each cluster's rows; the root is born at λ = 0.
fn stability(rows: &[Row], n: usize, k: usize) -> Vec<f64> {
    let mut birth = vec![0.0; k];
    for r in rows {
        if r.child >= n {
            birth[r.child - n] = r.lambda;
        }
    }
    birth[0] = 0.0;
    let mut s = vec![0.0; k];
    for r in rows {
        s[r.parent - n] += (r.lambda - birth[r.parent - n]) * r.size as f64;
    }
    s
}

/// scikit-learn's excess-of-mass selection without the root: a cluster is
/// kept unless its children's (best) stabilities sum higher; keeping one
/// drops all its descendants. Returns the selected cluster ids, ascending.
fn select_eom(rows: &[Row], n: usize, k: usize) -> Vec<usize> {
    let mut stab = stability(rows, n, k);
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); k];
    for r in rows {
        if r.size > 1 && r.child >= n {
            children[r.parent - n].push(r.child - n);
        }
    }
    let mut is_cluster = vec![true; k];
    is_cluster[0] = false;
    for c in (1..k).rev() {
        let subtree: f64 = children[c].iter().map(|&ch| stab[ch]).sum();
        if subtree > stab[c] {
            is_cluster[c] = false;
            stab[c] = subtree;
        } else {
            let mut stack = children[c].clone();
            while let Some(d) = stack.pop() {
                is_cluster[d] = false;
                stack.extend_from_slice(&children[d]);
            }
        }
    }
    (1..k).filter(|&c| is_cluster[c]).map(|c| c + n).collect()
}

/// scikit-learn's `max_lambdas`, quirk included: the largest λ of the last
/// contiguous run of rows of each parent (rows are in breadth-first order,
/// so that run holds the cluster's last event).
fn max_lambdas(rows: &[Row], n: usize, k: usize) -> Vec<f64> {
    let mut deaths = vec![0.0; k];
    let Some(first) = rows.first() else {
        return deaths;
    };
    let (mut current, mut max) = (first.parent, first.lambda);
    for r in &rows[1..] {
        if r.parent == current {
            max = max.max(r.lambda);
        } else {
            deaths[current - n] = max;
            current = r.parent;
            max = r.lambda;
        }
    }
    deaths[current - n] = max;
    deaths
}

/// Labels, membership probabilities and GLOSH outlier scores of the `n`
/// points from the condensed tree.
pub(crate) struct TreeResult {
    pub(crate) labels: Vec<i64>,
    pub(crate) probabilities: Vec<f64>,
    pub(crate) outlier_scores: Vec<f64>,
    /// The selected condensed clusters, ascending (label j is `selected[j]`).
    pub(crate) selected: Vec<usize>,
}

/// Selection, labelling (scikit-learn's `_do_labelling`: a point belongs to
/// its nearest selected ancestor, noise if that is the root), probabilities
/// (`get_probabilities`: λ clipped at the cluster's `max_lambdas`, divided by
/// it) and GLOSH (`(λ_max − λ) / λ_max`, λ_max the largest λ of the point's
/// cluster or any cluster below it).
pub(crate) fn extract(rows: &[Row], n: usize) -> TreeResult {
    let k = n_condensed(rows, n);
    let selected = select_eom(rows, n, k);
    // Nearest selected ancestor (or the root) of every condensed cluster;
    // parents have lower ids than their children.
    let mut parent_of = vec![0usize; k];
    for r in rows {
        if r.child >= n {
            parent_of[r.child - n] = r.parent - n;
        }
    }
    let mut is_sel = vec![false; k];
    for &c in &selected {
        is_sel[c - n] = true;
    }
    let mut owner = vec![0usize; k];
    for c in 1..k {
        owner[c] = if is_sel[c] { c } else { owner[parent_of[c]] };
    }
    let mut label_of = vec![NOISE; k];
    for (j, &c) in selected.iter().enumerate() {
        label_of[c - n] = j as i64;
    }
    let deaths = max_lambdas(rows, n, k);
    // GLOSH: deaths over each cluster's subtree.
    let mut sub_death = vec![0.0f64; k];
    for r in rows {
        let p = r.parent - n;
        sub_death[p] = sub_death[p].max(r.lambda);
    }
    for c in (1..k).rev() {
        let p = parent_of[c];
        sub_death[p] = sub_death[p].max(sub_death[c]);
    }
    let mut labels = vec![NOISE; n];
    let mut probabilities = vec![0.0; n];
    let mut outlier_scores = vec![0.0; n];
    for r in rows {
        if r.child >= n {
            continue;
        }
        let p = r.parent - n;
        let l = label_of[owner[p]];
        labels[r.child] = l;
        if l != NOISE {
            let cluster = owner[p];
            let max_lambda = deaths[cluster];
            probabilities[r.child] = if max_lambda == 0.0 || r.lambda.is_infinite() {
                1.0
            } else {
                r.lambda.min(max_lambda) / max_lambda
            };
        }
        let lm = sub_death[p];
        outlier_scores[r.child] = if lm == 0.0 || !r.lambda.is_finite() || !lm.is_finite() {
            0.0
        } else {
            ((lm - r.lambda) / lm).clamp(0.0, 1.0)
        };
    }
    TreeResult {
        labels,
        probabilities,
        outlier_scores,
        selected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two pairs (0, 1) and (2, 3) at distance 1 joined at distance 4,
    /// plus point 4 joining at 10; min_cluster_size 2.
    #[test]
    fn by_hand() {
        let edges = vec![(0, 1, 1.0), (2, 3, 1.0), (1, 2, 4.0), (3, 4, 10.0)];
        let merges = single_linkage(5, &edges);
        assert_eq!(merges.len(), 4);
        let rows = condense(&merges, 5, 2);
        // Root 5: point 4 falls at λ = 0.1; at λ = 0.25 two clusters 6, 7
        // of two points each, whose points fall at λ = 1.
        assert_eq!(
            rows[0],
            Row {
                parent: 5,
                child: 4,
                lambda: 0.1,
                size: 1
            }
        );
        assert_eq!(rows[1].child, 6);
        assert_eq!(rows[2].child, 7);
        assert_eq!(rows.len(), 7);
        let t = extract(&rows, 5);
        // Stability of 6 and 7: (1 − 0.25) · 2 = 1.5 each; root excluded.
        assert_eq!(t.labels, vec![0, 0, 1, 1, -1]);
        assert_eq!(t.probabilities, vec![1.0, 1.0, 1.0, 1.0, 0.0]);
        // GLOSH: point 4 leaves the root at 0.1, whose subtree lives to λ = 1.
        assert!((t.outlier_scores[4] - 0.9).abs() < 1e-12);
        assert_eq!(t.outlier_scores[0], 0.0);
    }
}
