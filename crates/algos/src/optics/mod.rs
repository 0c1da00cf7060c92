//! OPTICS with scikit-learn's semantics, written here.
//!
//! OPTICS orders the points so that density-connected points are
//! neighbours in the order, and records for each point its *reachability*:
//! the smallest `max(d(p, q), core(p))` over the points `p` processed before
//! it (∞ for the first point of each new expansion). Valleys of the
//! reachability plot are clusters at every density at once; they are read
//! off by the ξ method (relative steepness) or by a DBSCAN-like cut at `eps`.
//!
//! The result's [`crate::Extras::Optics`] holds the ordering, and the
//! reachability and core distances per point in input order
//! (`f64::INFINITY` = undefined).
//!
//! ```
//! use clusterlab_algos::{Clusterer, Extras, OpticsParams};
//! use ndarray::array;
//! // scikit-learn's docstring example.
//! let x = array![[1.0, 2.0], [2.0, 5.0], [3.0, 6.0], [8.0, 7.0], [8.0, 8.0], [7.0, 3.0]];
//! let c = OpticsParams::new(2).check().unwrap().fit(x.view()).unwrap();
//! assert_eq!(c.labels, vec![0, 0, 0, 1, 1, 1]);
//! if let Extras::Optics { ordering, reachability, .. } = &c.extras {
//!     assert_eq!(ordering, &vec![0, 1, 2, 5, 3, 4]);
//!     assert!(reachability[0].is_infinite());
//!     assert_eq!(reachability[5], 5.0);
//!     assert!((reachability[3] - 17f64.sqrt()).abs() < 1e-12);
//! }
//! ```

mod algorithm;
mod extract;
mod hyperparams;
pub mod plan;

pub use hyperparams::{ClusterMethod, OpticsParams, ValidOpticsParams};
