//! The one error type of the crate: every message is one line that names the
//! file, dataset or parameter at fault.

use thiserror::Error;

/// Why a comparison could not run or a report file could not be written.
#[derive(Debug, Error)]
pub enum ReportError {
    /// The comparison could not be planned (a dataset, the config, a parameter).
    #[error("{0}")]
    Study(#[from] clusterlab_study::StudyError),
    /// The output folder (or a file in it) cannot be created or written.
    #[error("{path}: cannot write: {message}")]
    Write { path: String, message: String },
    /// A picture could not be drawn.
    #[error("{path}: cannot render: {message}")]
    Render { path: String, message: String },
}

impl ReportError {
    pub(crate) fn write(path: &std::path::Path, message: impl ToString) -> Self {
        ReportError::Write {
            path: path.display().to_string(),
            message: one_line(&message.to_string()),
        }
    }
}

pub(crate) use clusterlab_study::error::one_line;
