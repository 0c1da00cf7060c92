//! # clusterlab-algos: six clustering algorithms behind one interface
//!
//! | name | what it finds | implementation |
//! |---|---|---|
//! | `kmeans` | k spherical clusters around centroids (hard, Lloyd iterations from k-means++ seeds) | here (Hamerly's bounded Lloyd, greedy k-means++); `linfa-clustering` as a second backend |
//! | `kmedoids` | k clusters around actual data points (medoids), by FasterPAM | `kmedoids` crate |
//! | `dbscan` | density-connected clusters at one radius `eps`, plus noise | here, on a kd-tree |
//! | `optics` | an ordering with reachability distances (all radii at once), clusters by the ξ method or a cut at `eps` | here, scikit-learn's semantics |
//! | `hdbscan` | a hierarchy over all densities, condensed and cut by stability; membership probabilities and GLOSH outlier scores | here (kd-tree, Borůvka MST, scikit-learn's tree steps); `petal-clustering` as a second backend |
//! | `gmm` | a Gaussian mixture fitted by EM: soft clustering (responsibilities) | `clusterlab-em` (its `GaussianMixture::params(k)…check()` builder, re-exported) |
//! | `bgmm` | a variational Bayesian Gaussian mixture: `k` is the most components, unneeded ones get weight near 0 (`fit bgmm`; `compare` fits it for `k-choice.png`) | `clusterlab-em`'s `bayes` module |
//!
//! Every algorithm is configured with a checked builder in linfa's style
//! (`XParams::new(..).option(..).check()? -> ValidXParams`): an invalid value
//! is an [`AlgoError`] before any work starts. Every `ValidXParams`
//! implements [`Clusterer`], whose `fit` takes the data (n × d, f64, finite)
//! and returns a [`Clustering`]: one label per point (`-1` = noise), the
//! number of clusters and noise points, optional soft membership and
//! per-point scores, the seconds the fit took, and the algorithm's own
//! [`Extras`]. Checks that depend on the data (k > n, …) are errors from
//! `fit`, again before any work.
//!
//! ```
//! use clusterlab_algos::{Clusterer, DbscanParams, KMeansParams};
//! use ndarray::array;
//! let x = array![[0.0, 0.0], [0.2, 0.0], [0.0, 0.2], [5.0, 5.0], [5.2, 5.0], [5.0, 5.2]];
//! let algos: Vec<Box<dyn Clusterer>> = vec![
//!     Box::new(KMeansParams::new(2).check().unwrap()),
//!     Box::new(DbscanParams::new(0.5, 2).check().unwrap()),
//! ];
//! for a in &algos {
//!     let c = a.fit(x.view()).unwrap();
//!     assert_eq!(c.n_clusters, 2, "{}", a.name());
//! }
//! assert!(DbscanParams::new(-1.0, 5).check().is_err());
//! ```
//!
//! The registry ([`mod@plan`]) declares each algorithm once: its name, its
//! parameters with their defaults (the data-driven density defaults of
//! [`plan::defaults`] among them), how they resolve against the data, and
//! its JSON. `clusterlab fit` and `clusterlab compare` both build a
//! [`Plan`] through [`plan()`], so one algorithm on one dataset has one set
//! of parameters, whichever command ran it.
//!
//! Conventions follow scikit-learn 1.9 (see `NOTES.md`): `min_samples`
//! counts the point itself, k-means inertia is a sum, OPTICS reachability of
//! the first point of each expansion is ∞.

pub mod bgmm;
pub mod clustering;
mod common;
pub mod dbscan;
mod error;
pub mod gmm;
pub mod hdbscan;
mod kdtree;
pub mod kmeans;
pub mod kmedoids;
pub mod optics;
pub mod plan;
#[doc(hidden)]
pub mod synth;
pub mod warnings;

use ndarray::ArrayView2;

pub use clustering::{Approximation, Clustering, Extras, PointScores, NOISE};
pub use clusterlab_em::{CovarianceType, GaussianMixture, GmmFit, GmmParams, Init, ValidGmmParams};
pub use common::Size;
pub use dbscan::{DbscanParams, ValidDbscanParams};
pub use error::AlgoError;
pub use hdbscan::{HdbscanBackend, HdbscanParams, ValidHdbscanParams};
pub use kmeans::{KMeansBackend, KMeansInit, KMeansParams, ValidKMeansParams};
pub use kmedoids::{KMedoidsInit, KMedoidsParams, ValidKMedoidsParams};
pub use optics::{ClusterMethod, OpticsParams, ValidOpticsParams};
pub use plan::{plan, Algorithm, Context, Plan, PlanError, Setting, Settings};

/// A clustering algorithm with checked hyper-parameters.
pub trait Clusterer {
    /// Short name: `kmeans`, `kmedoids`, `dbscan`, `optics`, `hdbscan` or `gmm`.
    fn name(&self) -> &'static str;

    /// Clusters the rows of `x` (n × d, finite values).
    fn fit(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError>;
}
