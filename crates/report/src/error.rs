//! The one error type of the crate: every message is one line that names the
//! file, dataset or parameter at fault.

use thiserror::Error;

/// Why a comparison could not run or a report file could not be written.
#[derive(Debug, Error)]
pub enum ReportError {
    /// A dataset name or CSV path that cannot be loaded.
    #[error("{0}")]
    Data(#[from] clusterlab_data::DataError),
    /// A configuration file that cannot be read or parsed.
    #[error("{path}: {message}")]
    Config { path: String, message: String },
    /// A parameter (from the command line or a config file) with a bad value.
    #[error("invalid parameter {name}: {reason}")]
    Parameter { name: String, reason: String },
    /// The output folder (or a file in it) cannot be created or written.
    #[error("{path}: cannot write: {message}")]
    Write { path: String, message: String },
    /// A picture could not be drawn.
    #[error("{path}: cannot render: {message}")]
    Render { path: String, message: String },
}

impl ReportError {
    pub(crate) fn parameter(name: impl Into<String>, reason: impl Into<String>) -> Self {
        ReportError::Parameter {
            name: name.into(),
            reason: one_line(&reason.into()),
        }
    }

    pub(crate) fn write(path: &std::path::Path, message: impl ToString) -> Self {
        ReportError::Write {
            path: path.display().to_string(),
            message: one_line(&message.to_string()),
        }
    }
}

/// The first line of a message, trimmed (error texts from libraries can span lines).
pub(crate) fn one_line(s: &str) -> String {
    let mut parts = s.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = parts.next().unwrap_or("").to_string();
    match parts.next() {
        Some(second) if first.ends_with(':') => format!("{first} {second}"),
        _ => first,
    }
}
