//! k-medoids by FasterPAM (Schubert & Rousseeuw), delegated to the
//! `kmedoids` crate, on euclidean distances.
//!
//! Up to [`DEFAULT_PRECOMPUTE_LIMIT`] points (changeable with
//! [`KMedoidsParams::precompute_limit`]) the distances are computed once into
//! a lower-triangular matrix (n(n−1)/2 values: 100 MB at 5000 points); above
//! it they are computed on the fly from the data, trading memory for
//! repeated arithmetic.
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
