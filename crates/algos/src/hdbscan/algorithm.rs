use std::time::Instant;

use ndarray::ArrayView2;
use petal_clustering::{Fit, HDbscan};
use petal_neighbors::distance::Euclidean;

use super::hyperparams::{HdbscanBackend, ValidHdbscanParams};
use super::mst::mutual_reachability_mst;
use super::soft::CondensedTree;
use super::tree::{condense, extract, single_linkage};
use crate::clustering::{Clustering, Extras, PointScores, NOISE};
use crate::common::{check_at_most_points, check_data, count_labels, to_row_major, UnionFind};
use crate::error::AlgoError;
use crate::kdtree::{KdTree, LEAF_SIZE};
use crate::Clusterer;
use rayon::prelude::*;

/// The data as petal-clustering's ndarray (0.17) wants it.
fn to_ndarray17(x: &ArrayView2<f64>) -> Result<ndarray17::Array2<f64>, AlgoError> {
    ndarray17::Array2::from_shape_vec(x.dim(), to_row_major(x)).map_err(|e| AlgoError::Backend {
        algorithm: "hdbscan",
        message: e.to_string(),
    })
}

/// Labels `0..m` from petal's cluster map, numbered by each cluster's smallest point index.
fn labels_from_clusters(
    n: usize,
    clusters: &std::collections::HashMap<usize, Vec<usize>>,
) -> Vec<i64> {
    let mut groups: Vec<&Vec<usize>> = clusters.values().filter(|g| !g.is_empty()).collect();
    groups.sort_by_key(|g| g.iter().copied().min());
    let mut labels = vec![NOISE; n];
    for (c, g) in groups.iter().enumerate() {
        for &i in g.iter() {
            labels[i] = c as i64;
        }
    }
    labels
}

/// Membership strength of every point in its cluster, as scikit-learn's
/// `probabilities_`: with `λ = 1/distance`, a point that falls out of its
/// selected cluster C at `λ_p` has strength `min(λ_p, λ_max(C)) / λ_max(C)`,
/// where `λ_max(C)` is the largest λ at which anything leaves C itself
/// (points, or the child clusters it splits into); points of child clusters
/// have strength 1; noise 0.
///
/// A selected cluster's part of the hierarchy is the single linkage of its
/// own points under mutual reachability (core distances from the whole data),
/// so it is rebuilt here: the cluster's MST (Borůvka on a kd-tree, see
/// `mst.rs`), then the dendrogram is walked from the top as the condensing
/// step walks it.
fn probabilities(
    x: &ArrayView2<f64>,
    labels: &[i64],
    min_samples: usize,
    min_cluster_size: usize,
) -> Vec<f64> {
    let n_clusters = labels
        .iter()
        .copied()
        .max()
        .map_or(0, |m| (m + 1).max(0) as usize);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_clusters];
    for (i, l) in labels.iter().enumerate() {
        if *l != NOISE {
            members[*l as usize].push(i);
        }
    }
    let rows = to_row_major(x);
    let d = x.ncols();
    let tree = KdTree::build(&rows, d, (0..x.nrows()).collect(), LEAF_SIZE);
    let mut prob = vec![0.0; labels.len()];
    for pts in &members {
        let core: Vec<f64> = pts
            .par_iter()
            .map(|&i| {
                tree.kth_nn_sq_dist(&rows[i * d..(i + 1) * d], min_samples)
                    .sqrt()
            })
            .collect();
        let strength = cluster_strengths(&rows, d, pts, &core, min_cluster_size);
        for (k, &i) in pts.iter().enumerate() {
            prob[i] = strength[k];
        }
    }
    prob
}

/// Strength of each point of one selected cluster (local order), from its
/// single-linkage dendrogram walked from the top.
fn cluster_strengths(
    rows: &[f64],
    d: usize,
    pts: &[usize],
    core: &[f64],
    min_cluster_size: usize,
) -> Vec<f64> {
    let m = pts.len();
    if m < 2 {
        return vec![1.0; m];
    }
    let mut sub = Vec::with_capacity(m * d);
    for &i in pts {
        sub.extend_from_slice(&rows[i * d..(i + 1) * d]);
    }
    let mut edges = mutual_reachability_mst(&sub, d, core);
    edges.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    // Dendrogram: nodes 0..m are points, m.. are merges (left, right, distance, size).
    let mut merges: Vec<(usize, usize, f64, usize)> = Vec::with_capacity(m - 1);
    let mut uf = UnionFind::new(m);
    let mut node_of_root: Vec<usize> = (0..m).collect();
    let size = |node: usize, merges: &Vec<(usize, usize, f64, usize)>| {
        if node < m {
            1
        } else {
            merges[node - m].3
        }
    };
    for (a, b, w) in edges {
        let (ra, rb) = (uf.find(a), uf.find(b));
        let (na, nb) = (node_of_root[ra], node_of_root[rb]);
        let s = size(na, &merges) + size(nb, &merges);
        merges.push((na, nb, w, s));
        uf.union(ra, rb);
        let r = uf.find(a);
        node_of_root[r] = m + merges.len() - 1;
    }
    // Walk down from the root: small sides fall out at the split's λ; a split
    // into two large sides ends the cluster (its children have strength 1).
    let mut lambda_p = vec![f64::INFINITY; m];
    let mut lambda_max: f64 = 0.0;
    let mut stack = vec![m + merges.len() - 1];
    let mut leaves_under = Vec::new();
    while let Some(node) = stack.pop() {
        if node < m {
            continue;
        }
        let (a, b, w, _) = merges[node - m];
        let lambda = if w > 0.0 { 1.0 / w } else { f64::INFINITY };
        let (sa, sb) = (size(a, &merges), size(b, &merges));
        if sa >= min_cluster_size && sb >= min_cluster_size {
            lambda_max = lambda_max.max(lambda);
            continue;
        }
        for (child, s) in [(a, sa), (b, sb)] {
            if s >= min_cluster_size {
                stack.push(child);
            } else {
                lambda_max = lambda_max.max(lambda);
                leaves_under.clear();
                collect_points(child, m, &merges, &mut leaves_under);
                for &p in &leaves_under {
                    lambda_p[p] = lambda;
                }
            }
        }
    }
    lambda_p
        .iter()
        .map(|&l| {
            if lambda_max == 0.0 || !l.is_finite() {
                1.0
            } else if !lambda_max.is_finite() {
                0.0
            } else {
                l.min(lambda_max) / lambda_max
            }
        })
        .collect()
}

/// The points (local indices) under a dendrogram node.
fn collect_points(
    node: usize,
    m: usize,
    merges: &[(usize, usize, f64, usize)],
    out: &mut Vec<usize>,
) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n < m {
            out.push(n);
        } else {
            let (a, b, _, _) = merges[n - m];
            stack.push(a);
            stack.push(b);
        }
    }
}

impl ValidHdbscanParams {
    /// The `kdtree` backend: core distances, MST, scikit-learn's tree steps.
    fn fit_kdtree(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError> {
        check_data(&x, 2)?;
        let (n, d) = x.dim();
        let min_cluster_size = self.min_cluster_size.resolve(n);
        let min_samples = self.min_samples.unwrap_or(min_cluster_size);
        check_at_most_points("min_cluster_size", min_cluster_size, n)?;
        check_at_most_points("min_samples", min_samples, n)?;
        let start = Instant::now();
        let rows = to_row_major(&x);
        let tree = KdTree::build(&rows, d, (0..n).collect(), CORE_LEAF_SIZE);
        let by_pos: Vec<f64> = (0..n)
            .into_par_iter()
            .map(|t| tree.kth_nn_sq_dist(tree.point(t), min_samples).sqrt())
            .collect();
        let mut core = vec![0.0; n];
        for (t, c) in by_pos.into_iter().enumerate() {
            core[tree.ids[t]] = c;
        }
        drop(tree);
        let edges = mutual_reachability_mst(&rows, d, &core);
        let merges = single_linkage(n, &edges);
        let condensed = condense(&merges, n, min_cluster_size);
        let t = extract(&condensed, n);
        let tree = CondensedTree {
            n,
            rows: condensed,
            selected: t.selected,
            point_rows: None,
            stand_in: None,
        };
        let fit_seconds = start.elapsed().as_secs_f64();
        let (n_clusters, n_noise) = count_labels(&t.labels);
        Ok(Clustering {
            algorithm: "hdbscan",
            labels: t.labels,
            membership: None,
            scores: Some(PointScores {
                probabilities: t.probabilities,
                outlier_scores: t.outlier_scores,
            }),
            n_clusters,
            n_noise,
            fit_seconds,
            extras: Extras::Hdbscan {
                tree: Some(Box::new(tree)),
            },
            approximation: None,
        })
    }
}

/// Leaf size of the kd-tree for core distances (large leaves: fast in 10-D).
const CORE_LEAF_SIZE: usize = 128;

impl Clusterer for ValidHdbscanParams {
    fn name(&self) -> &'static str {
        "hdbscan"
    }

    fn fit(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError> {
        let n = x.nrows();
        if self.backend == HdbscanBackend::KdTree {
            return self.fit_kdtree(x);
        }
        let min_cluster_size = self.min_cluster_size.resolve(n);
        let min_samples = self.min_samples.unwrap_or(min_cluster_size);
        check_data(&x, 2)?;
        check_at_most_points("min_cluster_size", min_cluster_size, n)?;
        check_at_most_points("min_samples", min_samples, n)?;
        let start = Instant::now();
        let data = to_ndarray17(&x)?;
        let mut model = HDbscan {
            alpha: 1.0,
            min_samples,
            min_cluster_size,
            metric: Euclidean::default(),
            boruvka: true,
        };
        let (clusters, _noise, outlier_scores) = model.fit(&data, None);
        let labels = labels_from_clusters(n, &clusters);
        let outlier_scores: Vec<f64> = outlier_scores
            .into_iter()
            .map(|s| {
                if s.is_finite() {
                    s.clamp(0.0, 1.0)
                } else {
                    0.0
                }
            })
            .collect();
        let probabilities = probabilities(&x, &labels, min_samples, min_cluster_size);
        let fit_seconds = start.elapsed().as_secs_f64();
        let (n_clusters, n_noise) = count_labels(&labels);
        Ok(Clustering {
            algorithm: "hdbscan",
            labels,
            membership: None,
            scores: Some(PointScores {
                probabilities,
                outlier_scores,
            }),
            n_clusters,
            n_noise,
            fit_seconds,
            extras: Extras::Hdbscan { tree: None },
            approximation: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HdbscanParams;
    use ndarray::Array2;

    /// Two tight groups of 10 on a line and one far point.
    fn two_groups() -> Array2<f64> {
        let mut v = Vec::new();
        for i in 0..10 {
            v.push([i as f64 * 0.1, 0.0]);
        }
        for i in 0..10 {
            v.push([10.0 + i as f64 * 0.1, 0.0]);
        }
        v.push([50.0, 50.0]);
        Array2::from_shape_fn((21, 2), |(i, j)| v[i][j])
    }

    #[test]
    fn finds_the_two_groups_and_the_outlier() {
        let x = two_groups();
        let c = HdbscanParams::new(5usize)
            .check()
            .unwrap()
            .fit(x.view())
            .unwrap();
        assert_eq!(c.n_clusters, 2);
        assert!(c.labels[..10].iter().all(|l| *l == 0));
        assert!(c.labels[10..20].iter().all(|l| *l == 1));
        assert_eq!(c.labels[20], NOISE);
        let s = c.scores.unwrap();
        assert_eq!(s.probabilities[20], 0.0);
        assert!(s.outlier_scores[20] > s.outlier_scores[5]);
        assert!(s.probabilities.iter().all(|p| (0.0..=1.0).contains(p)));
    }

    #[test]
    fn bad_sizes_are_errors() {
        assert!(HdbscanParams::new(1usize).check().is_err());
        assert!(HdbscanParams::new(5usize)
            .min_samples(Some(0))
            .check()
            .is_err());
        let x = two_groups();
        let e = HdbscanParams::new(30usize)
            .check()
            .unwrap()
            .fit(x.view())
            .unwrap_err();
        assert!(e.to_string().contains("min_cluster_size"), "{e}");
    }
}
