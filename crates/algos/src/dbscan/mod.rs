//! DBSCAN: clusters are the connected components of the core points (at
//! least `min_samples` points, themselves included, within `eps`), plus the
//! border points within `eps` of a core point; the rest is noise.

mod algorithm;
mod hyperparams;

pub use hyperparams::{DbscanParams, ValidDbscanParams};
