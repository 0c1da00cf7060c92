//! # clusterlab-study: the comparison engine
//!
//! Datasets → plans → fits → the [`Study`] of each dataset: plain data, no
//! pictures and no colours (`clusterlab-report` draws a study). Data flows
//! one way:
//!
//! * [`config`]: what a comparison is asked to do (flags and config file),
//!   the per-algorithm settings checked against the registry
//!   ([`mod@clusterlab_algos::plan`]);
//! * [`compare`]: load the datasets, z-score, resolve every algorithm's plan
//!   once per dataset, fit, assemble the study;
//! * [`fitting`]: one plan's fit and scores, the k-means/EM pair, the BIC
//!   sweep, the traced EM fit;
//! * [`select`]: mclust's model selection (every model × k, BIC/ICL table);
//! * [`path`]: every iteration's model of the EM fit the report draws;
//! * [`mod@study`]: the results (runs, the matched pair and why they differ, the
//!   sweep, the trace);
//! * [`view`]: where the pictures put the data (its plane, or its first two
//!   principal components).

pub mod compare;
pub mod config;
pub mod density_soft;
pub mod error;
pub mod fitting;
pub mod from_kmeans;
pub mod path;
pub mod questions;
pub mod select;
pub mod starts;
pub mod study;
pub mod view;

pub use compare::{load_datasets, study, Progress, Silent};
pub use config::CompareConfig;
pub use error::StudyError;
pub use study::Study;
