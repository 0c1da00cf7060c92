//! HDBSCAN's soft clusters for the report (`hdbscan-soft.png`,
//! `condensed-tree.png`, metrics.json `datasets[i].hdbscan_soft`): the
//! membership vectors of every point and the display group of each cluster.

use clusterlab_algos::hdbscan::{membership_vectors_of, CondensedTree};
use clusterlab_algos::{Algorithm, Clustering, Extras};
use ndarray::{Array2, ArrayView2};
use serde::Serialize;

use crate::study::AlgoRun;

/// Most rows whose membership vectors `compare` computes (a fixed random
/// sample beyond, stated in `rows` of the summary and under the picture).
pub const MAX_ROWS: usize = 100_000;

/// HDBSCAN's soft answer on one dataset.
#[derive(Debug, Clone)]
pub struct HdbscanSoft {
    /// The data rows computed (all, or a sample of [`MAX_ROWS`]), ascending.
    pub rows: Vec<usize>,
    /// rows × clusters: row t is data row `rows[t]`, column j is HDBSCAN's
    /// cluster j; each row sums to the chance of the point being in some cluster.
    pub vectors: Array2<f64>,
    /// Display group of each cluster (the colour the other pictures give it).
    pub groups: Vec<i64>,
    /// The condensed tree the vectors come from.
    pub tree: CondensedTree,
    pub summary: SoftSummary,
}

/// The numbers behind the picture (metrics.json `datasets[i].hdbscan_soft`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SoftSummary {
    pub clusters: usize,
    /// Points the summary is over (all, or a sample of [`MAX_ROWS`]).
    pub rows: usize,
    /// Mean over all points of the chance of being in some cluster (row sum).
    pub mean_in_some_cluster: f64,
    /// Same mean over the points HDBSCAN calls noise.
    pub mean_in_some_cluster_noise: Option<f64>,
    /// Share of clustered points whose largest membership is their own cluster.
    pub argmax_is_label: f64,
    /// Share of clustered points whose own cluster takes under half of
    /// their membership (boundary points, the density family's fractional ones).
    pub boundary_share: f64,
}

/// The membership vectors of the study's HDBSCAN run, or why there are none.
pub fn hdbscan_soft(z: ArrayView2<f64>, runs: &[AlgoRun]) -> Result<HdbscanSoft, String> {
    let run = runs
        .iter()
        .find(|r| r.algorithm == Algorithm::Hdbscan)
        .ok_or("HDBSCAN was not run")?;
    let c: &Clustering = run.result.as_ref().map_err(|e| format!("HDBSCAN: {e}"))?;
    let Extras::Hdbscan { tree: Some(tree) } = &c.extras else {
        return Err("HDBSCAN kept no condensed tree (the petal backend)".into());
    };
    let rows = crate::fitting::sample_rows(z.nrows(), MAX_ROWS);
    let vectors = membership_vectors_of(z, tree, &rows);
    let m = vectors.ncols();
    if m == 0 {
        return Err("HDBSCAN found no cluster".into());
    }
    let shown = run.shown.as_deref().unwrap_or(&c.labels);
    let mut groups: Vec<i64> = (0..m as i64).collect();
    for (&l, &g) in c.labels.iter().zip(shown) {
        if l >= 0 && (l as usize) < m {
            groups[l as usize] = g;
        }
    }
    let labels: Vec<i64> = rows.iter().map(|&i| c.labels[i]).collect();
    let summary = summarise(&vectors, &labels);
    Ok(HdbscanSoft {
        rows,
        vectors,
        groups,
        tree: (**tree).clone(),
        summary,
    })
}

/// The summary numbers of membership vectors against the hard labels.
pub fn summarise(v: &Array2<f64>, labels: &[i64]) -> SoftSummary {
    let n = v.nrows().max(1) as f64;
    let sums: Vec<f64> = v.rows().into_iter().map(|r| r.sum()).collect();
    let noise: Vec<f64> = labels
        .iter()
        .zip(&sums)
        .filter(|(l, _)| **l < 0)
        .map(|(_, s)| *s)
        .collect();
    let (mut clustered, mut argmax_ok, mut boundary) = (0usize, 0usize, 0usize);
    for (i, &l) in labels.iter().enumerate() {
        if l < 0 || l as usize >= v.ncols() {
            continue;
        }
        clustered += 1;
        let row = v.row(i);
        let best = (0..row.len()).fold(0, |b, j| if row[j] > row[b] { j } else { b });
        argmax_ok += usize::from(best == l as usize);
        let share = if sums[i] > 0.0 {
            row[l as usize] / sums[i]
        } else {
            0.0
        };
        boundary += usize::from(share < 0.5);
    }
    let c = clustered.max(1) as f64;
    SoftSummary {
        clusters: v.ncols(),
        rows: v.nrows(),
        mean_in_some_cluster: sums.iter().sum::<f64>() / n,
        mean_in_some_cluster_noise: (!noise.is_empty())
            .then(|| noise.iter().sum::<f64>() / noise.len() as f64),
        argmax_is_label: argmax_ok as f64 / c,
        boundary_share: boundary as f64 / c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// By hand: rows sum 0.9, 0.5, 0.2 (mean 0.5333); the noise point's 0.2;
    /// point 1's own cluster (0) holds 0.2 of its 0.5 (boundary, argmax 1).
    #[test]
    fn summary_by_hand() {
        let v = array![[0.8, 0.1], [0.2, 0.3], [0.1, 0.1]];
        let s = summarise(&v, &[0, 0, -1]);
        assert_eq!((s.clusters, s.rows), (2, 3));
        assert!((s.mean_in_some_cluster - 1.6 / 3.0).abs() < 1e-15);
        assert!((s.mean_in_some_cluster_noise.unwrap() - 0.2).abs() < 1e-15);
        assert_eq!(s.argmax_is_label, 0.5);
        assert_eq!(s.boundary_share, 0.5);
    }
}
