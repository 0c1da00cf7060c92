//! # clusterlab-report: the comparison runner and its reports
//!
//! `clusterlab compare` fits every algorithm on every dataset and draws
//! pictures that answer the seed's questions: what a responsibility is, why
//! a boundary point counts fractionally, and above all **where EM differs
//! from k-means**.
//!
//! Data flows one way: datasets ([`clusterlab_data`]) → fits
//! ([`clusterlab_algos`], [`clusterlab_em`]) → [`study::Study`] (clusterings,
//! metrics, the matched k-means/EM pair, the BIC sweep, the EM trace) →
//! files. [`run`] does it all from a [`CompareConfig`]:
//!
//! ```text
//! reports/
//!   index.html  metrics.json  metrics.csv  summary.md  grid.png
//!   <dataset>/hard-vs-soft.png  em-vs-kmeans.png  responsibilities.png
//!             convergence.png  bic.png  optics-reachability.png
//!             hdbscan.png  em-trace.gif
//! ```
//!
//! * [`runner`]: orchestration, progress bar, parallel rendering.
//! * [`fitting`]: parameters (with [`defaults`] for the density methods),
//!   fits, scores, the k-means/EM pair and why they differ.
//! * [`render`]: one module per picture, each a pure function from a
//!   [`study::Study`] to a file; [`view`] puts data with more than two
//!   features on its first two principal components.
//! * [`tables`], [`html`]: the JSON/CSV/Markdown tables and the page.
//!
//! Every file is written under a temporary name and renamed ([`atomic`]), so
//! an interrupted run leaves no half-written report; bad input (an unknown
//! dataset, a malformed config, an unwritable output folder) fails with one
//! line before anything is written.

pub mod atomic;
pub mod error;
pub mod explain;
pub mod html;
pub mod palette;
pub mod render;
pub mod runner;
pub mod tables;

pub use clusterlab_algos::Algorithm;
pub use clusterlab_study::{study, view, CompareConfig};
pub use error::ReportError;
pub use runner::{run, Picture, RunSummary};
