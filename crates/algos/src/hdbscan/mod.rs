//! HDBSCAN: single linkage over mutual-reachability distances (core distance
//! = distance to the `min_samples`-th neighbour, the point itself counted),
//! condensed with `min_cluster_size` and cut where clusters are most stable
//! (excess of mass). The hierarchy and GLOSH outlier scores come from
//! petal-clustering (Borůvka MST on a ball tree); the membership
//! probabilities (scikit-learn's `probabilities_`) are computed here from each
//! selected cluster's own part of the hierarchy, rebuilt exactly.

mod algorithm;
mod hyperparams;
mod mst;

pub use hyperparams::{HdbscanParams, ValidHdbscanParams};
