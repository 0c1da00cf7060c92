use std::time::Instant;

use ndarray::ArrayView2;
use petal_clustering::{Fit, HDbscan};
use petal_neighbors::distance::Euclidean;

use super::hyperparams::ValidHdbscanParams;
use crate::clustering::{Clustering, Extras, PointScores, NOISE};
use crate::common::{check_data, count_labels, to_row_major};
use crate::error::AlgoError;
use crate::Clusterer;

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

/// Membership strength of each point in its cluster: `λ_p / λ_max`, which is
/// `1 − GLOSH(p)` (GLOSH compares the density at which p leaves its cluster
/// with the highest density inside it); 0 for noise.
fn probabilities(labels: &[i64], outlier_scores: &[f64]) -> Vec<f64> {
    labels
        .iter()
        .zip(outlier_scores)
        .map(|(l, s)| {
            if *l == NOISE {
                0.0
            } else {
                (1.0 - s).clamp(0.0, 1.0)
            }
        })
        .collect()
}

impl Clusterer for ValidHdbscanParams {
    fn name(&self) -> &'static str {
        "hdbscan"
    }

    fn fit(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError> {
        let n = x.nrows();
        let min_cluster_size = self.min_cluster_size.resolve(n);
        let min_samples = self.min_samples.unwrap_or(min_cluster_size);
        check_data(&x, 2)?;
        if min_cluster_size > n {
            return Err(AlgoError::TooLargeForData {
                name: "min_cluster_size",
                got: min_cluster_size,
                n_points: n,
            });
        }
        if min_samples > n {
            return Err(AlgoError::TooLargeForData {
                name: "min_samples",
                got: min_samples,
                n_points: n,
            });
        }
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
        let probabilities = probabilities(&labels, &outlier_scores);
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
            extras: Extras::Hdbscan,
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
