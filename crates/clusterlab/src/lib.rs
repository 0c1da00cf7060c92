//! # clusterlab
//!
//! The command-line front end: `fit` one algorithm on a dataset, `trace` the
//! EM iterations of the seed example, list `datasets`, `compare` all
//! algorithms and render reports, and `bench` the EM.
//!
//! Data flows one way: CSV or generator → [`clusterlab_data::Dataset`] →
//! fit → clustering → metrics → report. This crate only wires those crates
//! to the command line.

pub mod cli;
pub mod compare;
pub mod error;
pub mod fit;
pub mod output;
pub mod trace;
