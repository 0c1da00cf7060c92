//! k-medoids by FasterPAM (Schubert & Rousseeuw), delegated to the
//! `kmedoids` crate, on euclidean distances.
//!
//! [`KMedoidsMethod`] chooses between two methods:
//!
//! * `fasterpam` ([`KMedoidsMethod::Exact`]): FasterPAM on all points. Up to
//!   [`DEFAULT_PRECOMPUTE_LIMIT`] points (changeable with
//!   [`KMedoidsParams::precompute_limit`]) the distances are computed once
//!   into a lower-triangular matrix (n(n−1)/2 values: 100 MB at 5000
//!   points); above it they are computed on the fly from the data, trading
//!   memory for repeated arithmetic — O(n²) per pass: about a second at
//!   10,000 points, minutes at 100,000.
//! * `fasterclara` ([`KMedoidsMethod::FasterClara`]): FasterCLARA, FasterPAM
//!   on [`DEFAULT_SAMPLES`] random samples of [`default_sample_size`] points
//!   (4000 + 20k), each holding the best medoids so far, the medoids with the
//!   lowest loss on all points kept; every point is labelled by its nearest
//!   medoid and the loss is on all points. The fit says so in
//!   [`crate::clustering::Clustering::approximation`] (`fasterclara`, the
//!   sample size and a caption line).
//!
//! `auto` (the default) runs the exact method up to [`DEFAULT_EXACT_LIMIT`]
//! (10,000) points and FasterCLARA above: about a second at 100,000 × 2 or
//! 1,000,000 × 10 (five blobs, k = 5), with a loss on all points on a par
//! with a Python FasterCLARA of the same sizes, 5% (2-D) to 16% (10-D) below
//! scikit-learn-extra's `CLARA` with its defaults (samples of 40 + 2k
//! points), and within 0.03% of the exact FasterPAM at 10,000 points
//! (`scripts/time_kmedoids.py`).
//!
//! ```
//! use clusterlab_algos::{Clusterer, Extras, KMedoidsParams};
//! use ndarray::array;
//! let x = array![[0.0], [1.0], [2.0], [10.0], [11.0], [12.0]];
//! let c = KMedoidsParams::new(2).check().unwrap().fit(x.view()).unwrap();
//! if let Extras::KMedoids { medoids, loss } = &c.extras {
//!     let mut m = medoids.clone();
//!     m.sort();
//!     assert_eq!(m, vec![1, 4]);
//!     assert_eq!(*loss, 4.0);
//!     // cluster j's medoid is medoids[j]
//!     assert_eq!(c.labels[medoids[0]], 0);
//! }
//! ```

mod algorithm;
mod clara;
mod hyperparams;
pub mod plan;

pub use algorithm::EuclideanOnTheFly;
pub use hyperparams::{
    default_sample_size, KMedoidsInit, KMedoidsMethod, KMedoidsParams, ValidKMedoidsParams,
    DEFAULT_EXACT_LIMIT, DEFAULT_PRECOMPUTE_LIMIT, DEFAULT_SAMPLES,
};
