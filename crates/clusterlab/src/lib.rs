//! # clusterlab
//!
//! The command-line front end: `fit` one algorithm on a dataset (EM and
//! k-means also on timely dataflow across processes and hosts, with
//! `--workers`), `trace` the EM iterations of the seed example, list
//! `datasets`, `convert` a CSV to `.npy`, `compare` all algorithms and render
//! reports. (EM's speed is measured by the
//! `em_bench` example of `clusterlab-em`, not by a subcommand.)
//!
//! Data flows one way: CSV or generator → [`clusterlab_data::Dataset`] →
//! plan ([`mod@clusterlab_algos::plan`]) → fit → clustering → study
//! (`clusterlab-study`) → pictures, tables, page (`clusterlab-report`). This
//! crate only wires those crates to the command line: `fit`'s flags and
//! `compare`'s `--ALGORITHM-PARAMETER` flags are generated from the registry.

pub mod cli;
pub mod compare;
pub mod convert;
#[cfg(feature = "distributed")]
pub mod distributed;
pub mod error;
pub mod fit;
pub mod output;
pub mod select;
pub mod starts;
pub mod trace;
