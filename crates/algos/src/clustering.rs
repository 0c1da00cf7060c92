//! The one result type every algorithm returns.

use ndarray::{Array1, Array2};
use serde::Serialize;

/// Label given to noise points (DBSCAN, OPTICS, HDBSCAN), as in scikit-learn.
pub const NOISE: i64 = -1;

/// A fitted clustering: hard labels for every point, plus what the algorithm
/// knows beyond them (soft membership, per-point scores, its own extras).
#[derive(Debug, Clone)]
pub struct Clustering {
    /// Short algorithm name: `kmeans`, `kmedoids`, `dbscan`, `optics`, `hdbscan`, `gmm`.
    pub algorithm: &'static str,
    /// One label per input point, `0..n_clusters`, or [`NOISE`].
    pub labels: Vec<i64>,
    /// Soft membership, n × n_clusters, rows summing to 1 (EM's responsibilities).
    pub membership: Option<Array2<f64>>,
    /// Per-point scores (HDBSCAN membership probabilities and GLOSH outlier scores).
    pub scores: Option<PointScores>,
    /// Number of clusters found (noise excluded).
    pub n_clusters: usize,
    /// Number of points labelled [`NOISE`].
    pub n_noise: usize,
    /// Wall-clock seconds of the fit alone.
    pub fit_seconds: f64,
    /// What only this algorithm produces.
    pub extras: Extras,
    /// How it was computed when that differs from the algorithm's exact
    /// method at this size (e.g. k-medoids' `fasterclara` on samples), with
    /// the size of the sample fitted; `None` for the exact method on all points.
    pub approximation: Option<Approximation>,
}

/// A fit computed on samples or by an approximate method, stated so that
/// no output hides it: the JSON (`method`, `sample_n`), the metrics row and
/// the pictures' captions carry it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approximation {
    /// The method used, e.g. `fasterclara`.
    pub method: String,
    /// Points in the sample the model was fitted on (labels are for all n points).
    pub sample_n: usize,
    /// One line for captions, e.g. "FasterCLARA: FasterPAM on 5 samples of 2,000 points".
    pub note: String,
}

/// Per-point scores in input order.
#[derive(Debug, Clone, Serialize)]
pub struct PointScores {
    /// Strength of each point's membership in its cluster, in [0, 1] (0 for noise).
    pub probabilities: Vec<f64>,
    /// GLOSH outlier score of each point, in [0, 1].
    pub outlier_scores: Vec<f64>,
}

/// Per-algorithm results beyond the labels.
#[derive(Debug, Clone)]
pub enum Extras {
    KMeans {
        /// k × d.
        centroids: Array2<f64>,
        /// Sum (not mean) of squared distances to the nearest centroid.
        inertia: f64,
        n_iter: usize,
    },
    KMedoids {
        /// Indices of the medoid points, one per cluster, in label order.
        medoids: Vec<usize>,
        /// Sum of distances of each point to its medoid.
        loss: f64,
    },
    Dbscan {
        /// Indices of the core points, ascending.
        core_points: Vec<usize>,
    },
    Optics {
        /// Cluster ordering: point indices in the order OPTICS visited them.
        ordering: Vec<usize>,
        /// Reachability distance per point in input order (`f64::INFINITY` = undefined).
        reachability: Array1<f64>,
        /// Core distance per point in input order (`f64::INFINITY` = not a core point).
        core_distances: Array1<f64>,
    },
    Hdbscan {
        /// The condensed tree and its selected clusters (the `kdtree`
        /// backend; `None` for `petal`), for membership vectors and pictures.
        tree: Option<Box<crate::hdbscan::CondensedTree>>,
    },
    Gmm(Box<clusterlab_em::GmmFit>),
    /// The variational Bayesian mixture's posterior and course.
    Bgmm(Box<clusterlab_em::bayes::BgmmFit>),
}
