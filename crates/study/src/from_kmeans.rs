//! Where the start leads: EM started from k-means' labels
//! (`em-from-kmeans.png`, metrics.json `datasets[i].em_from_kmeans`). The
//! first step is an M-step on k-means' one-hot labels, so EM's component j
//! starts as k-means' cluster j: no matching is needed to say which points
//! change cluster or where each centroid moves.

use clusterlab_em::{GmmModel, ValidGmmParams};
use ndarray::{Array2, ArrayView2};
use serde::Serialize;

use crate::error::one_line;
use crate::study::Pair;

/// EM from k-means' answer on one dataset.
#[derive(Debug, Clone)]
pub struct EmFromKmeans {
    /// k-means' centroids (row j = cluster j, the pair's numbering).
    pub centroids: Array2<f64>,
    /// k-means' cluster of each point.
    pub km_labels: Vec<usize>,
    /// EM's final model and most likely component of each point.
    pub model: GmmModel,
    pub em_labels: Vec<usize>,
    /// Display group of each component (the pair's).
    pub groups: Vec<i64>,
    pub summary: FromKmeansSummary,
}

/// The numbers behind the picture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FromKmeansSummary {
    /// Mean log-likelihood of the start (the model of the first M-step on
    /// k-means' labels, at the first E-step) and of the end.
    pub start_log_likelihood: f64,
    pub end_log_likelihood: f64,
    pub n_iter: usize,
    pub converged: bool,
    /// Points whose EM component is not their k-means cluster, and their share.
    pub points_changed: usize,
    pub share_changed: f64,
    /// Distance from each k-means centroid to EM's final mean (the arrows),
    /// in the units the algorithms saw.
    pub centroid_to_mean: Vec<f64>,
}

/// EM (the study's plan, `params`) from the pair's k-means labels on `z`.
pub fn em_from_kmeans(
    z: ArrayView2<f64>,
    pair: &Pair,
    params: &ValidGmmParams,
) -> Result<EmFromKmeans, String> {
    let fit = params
        .fit_from_labels(z, &pair.km_labels)
        .map_err(|e| format!("EM from k-means' labels: {}", one_line(&e.to_string())))?;
    let em_labels = fit.labels.to_vec();
    let changed = changed(&pair.km_labels, &em_labels);
    let k = pair.km_centroids.nrows();
    let centroid_to_mean = (0..k)
        .map(|j| {
            pair.km_centroids
                .row(j)
                .iter()
                .zip(fit.model.means().row(j).iter())
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    let n = em_labels.len().max(1);
    let summary = FromKmeansSummary {
        start_log_likelihood: fit
            .lower_bounds
            .first()
            .copied()
            .unwrap_or(fit.log_likelihood),
        end_log_likelihood: fit.log_likelihood,
        n_iter: fit.n_iter,
        converged: fit.converged,
        points_changed: changed,
        share_changed: changed as f64 / n as f64,
        centroid_to_mean,
    };
    Ok(EmFromKmeans {
        centroids: pair.km_centroids.clone(),
        km_labels: pair.km_labels.clone(),
        model: fit.model,
        em_labels,
        groups: pair.groups.clone(),
        summary,
    })
}

/// Points whose two labels differ.
pub fn changed(a: &[usize], b: &[usize]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x != y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_counts_differences() {
        assert_eq!(changed(&[0, 0, 1, 1], &[0, 1, 1, 0]), 2);
    }
}
