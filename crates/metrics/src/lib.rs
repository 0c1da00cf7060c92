//! # clusterlab-metrics: how good is a clustering, and how sure is it?
//!
//! Labels are `&[i64]`, one per point, with `-1` for noise (as DBSCAN,
//! OPTICS and HDBSCAN report it).
//!
//! * **Agreement with a ground truth or another run**:
//!   [`adjusted_rand_index`] and [`normalized_mutual_info`] follow
//!   scikit-learn exactly (noise counts as one more label there, as in
//!   scikit-learn); [`best_matching`] pairs up clusters by the Hungarian
//!   method, [`relabel_to_match`] renames one labeling's clusters after the
//!   other's (so plots use the same colours) and [`agreement`] is the
//!   fraction of points that then carry the same label.
//! * **Internal quality**: [`silhouette`], the mean silhouette coefficient
//!   over the non-noise points, on a deterministic sample of at most
//!   [`DEFAULT_SILHOUETTE_MAX_N`] points for large data.
//! * **Soft clustering**: [`soft_entropy`] of each point's membership row
//!   (nats) and its mean, [`mean_soft_entropy`]: 0 when every point belongs
//!   to one component, `ln k` when all are split evenly.
//!
//! ```
//! use clusterlab_metrics::*;
//! use ndarray::array;
//! let truth = [0, 0, 0, 1, 1, 1];
//! let found = [5, 5, 5, 7, 7, 2];
//! assert_eq!(best_matching(&truth, &found), vec![(0, 5), (1, 7)]);
//! assert_eq!(relabel_to_match(&truth, &found), vec![0, 0, 0, 1, 1, 2]);
//! assert!((agreement(&truth, &found) - 5.0 / 6.0).abs() < 1e-15);
//! assert_eq!(adjusted_rand_index(&truth, &[1, 1, 1, 0, 0, 0]), 1.0);
//! let x = array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]];
//! let s = silhouette(x.view(), &truth, DEFAULT_SILHOUETTE_MAX_N, 0).unwrap();
//! assert!(s > 0.8);
//! let h = soft_entropy(array![[1.0, 0.0], [0.5, 0.5]].view());
//! assert_eq!(h[0], 0.0);
//! assert!((h[1] - 2f64.ln()).abs() < 1e-15);
//! ```

mod contingency;
mod entropy;
mod matching;
mod pair;
mod silhouette;

pub use entropy::{mean_soft_entropy, soft_entropy};
pub use matching::{agreement, best_matching, relabel_to_match};
pub use pair::{adjusted_rand_index, normalized_mutual_info};
pub use silhouette::{silhouette, silhouette_samples, DEFAULT_SILHOUETTE_MAX_N};

/// The label of a noise point.
pub const NOISE: i64 = -1;
