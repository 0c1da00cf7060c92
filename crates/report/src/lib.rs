//! # clusterlab-report: a study, drawn
//!
//! `clusterlab compare` fits every algorithm on every dataset
//! (`clusterlab-study`) and this crate renders the result: pictures that
//! answer the seed's questions (what a responsibility is, why a boundary
//! point counts fractionally, and above all **where EM differs from
//! k-means**), the tables and the page. It fits nothing and chooses no
//! parameter; it chooses the colours.
//!
//! [`run`] goes from a [`CompareConfig`] to the files:
//!
//! ```text
//! reports/
//!   index.html  metrics.json  metrics.csv  summary.md  grid.png
//!   <dataset>/hard-vs-soft.png  em-vs-kmeans.png  responsibilities.png
//!             convergence.png  bic.png  optics-reachability.png
//!             hdbscan.png  em-trace.gif  k-choice.png
//!             em-to-kmeans.gif  em-to-kmeans.png  …
//! ```
//!
//! * [`runner`]: the run: check, study every dataset (progress bar on a
//!   terminal, stage lines otherwise), render in parallel, write the tables.
//! * [`render`]: one module per picture, each a pure function from a
//!   [`study::Study`] to a file, over a small shared kit.
//! * [`palette`]: the colours, and each EM component's colour from its
//!   display group; [`explain`]: why EM and k-means differ, in words.
//! * [`tables`], [`html`]: `metrics.json` / `metrics.csv` / `summary.md`
//!   and the page; [`explorer`]: the page's interactive part (the data as
//!   JSON, an inline script: hover a point, scrub EM's iterations).
//!
//! A report is one unit ([`unit`]): built in a hidden folder beside `--out`
//! and swapped in at the end, one writer at a time, so a failed or
//! interrupted run leaves the previous report as it was; bad input (an unknown
//! dataset, a malformed config, a parameter that does not resolve, an
//! unwritable output folder) fails with one line before anything is written.

pub mod atomic;
pub mod error;
pub mod explain;
pub mod explorer;
pub mod html;
pub mod palette;
pub mod render;
pub mod runner;
pub mod tables;
pub mod unit;

pub use clusterlab_algos::Algorithm;
pub use clusterlab_study::{study, view, CompareConfig};
pub use error::ReportError;
pub use runner::{run, Picture, RunSummary, Shown, Waiting};
