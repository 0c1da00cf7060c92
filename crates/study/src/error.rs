//! The one error type of the crate: every message is one line that names the
//! file, dataset or parameter at fault.

use thiserror::Error;

/// Why a comparison could not be planned.
#[derive(Debug, Error)]
pub enum StudyError {
    /// A dataset name or CSV path that cannot be loaded.
    #[error("{0}")]
    Data(#[from] clusterlab_data::DataError),
    /// A configuration file that cannot be read or parsed.
    #[error("{path}: {message}")]
    Config { path: String, message: String },
    /// A parameter (from the command line or a config file) that does not
    /// resolve; the message names it as the user wrote it.
    #[error("invalid parameter {0}")]
    Plan(#[from] clusterlab_algos::PlanError),
}

/// The first line of a message, trimmed (error texts from libraries can span lines).
pub fn one_line(s: &str) -> String {
    let mut parts = s.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = parts.next().unwrap_or("").to_string();
    match parts.next() {
        Some(second) if first.ends_with(':') => format!("{first} {second}"),
        _ => first,
    }
}
