//! k-means: Lloyd iterations from k-means++ (or random) seeds, best of
//! `n_init` runs. The default backend is ours (Hamerly's bounds over fixed
//! row chunks in parallel, exact Lloyd results, independent of the thread
//! count); `linfa-clustering`'s `KMeans` is kept as a second backend that
//! starts from the same centroids.
//!
//! ```
//! use clusterlab_algos::{Clusterer, Extras, KMeansParams};
//! use ndarray::array;
//! let x = array![[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]];
//! let c = KMeansParams::new(2).seed(1).check().unwrap().fit(x.view()).unwrap();
//! assert_eq!(c.labels[0], c.labels[1]);
//! assert_ne!(c.labels[0], c.labels[2]);
//! if let Extras::KMeans { inertia, .. } = c.extras {
//!     assert!((inertia - 0.01).abs() < 1e-12); // 4 × 0.05², a sum, not a mean
//! }
//! ```

mod algorithm;
mod hyperparams;
mod lloyd;
pub mod plan;

pub use hyperparams::{KMeansBackend, KMeansInit, KMeansParams, ValidKMeansParams};
/// The seeding's random stream of a run and its row blocks: a distributed k-means
/// draws the same starts from them.
pub use lloyd::{run_rng, CHUNK};
