//! One error type for the command line: a single line a user can act on.

use std::fmt;

/// An error printed as `error: <message>` with a non-zero exit.
#[derive(Debug)]
pub struct CliError(pub String);

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keep it to one line whatever the source said.
        let one_line = self
            .0
            .split('\n')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        f.write_str(&one_line)
    }
}

impl std::error::Error for CliError {}

/// The message of a write to a closed pipe (e.g. `| head`), which is not reported.
pub(crate) const BROKEN_PIPE: &str = "broken pipe";

impl CliError {
    pub fn new(msg: impl Into<String>) -> Self {
        CliError(msg.into())
    }

    /// The reader went away: command-line tools stop quietly then.
    pub fn is_broken_pipe(&self) -> bool {
        self.0 == BROKEN_PIPE
    }
}

impl From<clusterlab_em::GmmError> for CliError {
    fn from(e: clusterlab_em::GmmError) -> Self {
        CliError(e.to_string())
    }
}

impl From<clusterlab_data::DataError> for CliError {
    fn from(e: clusterlab_data::DataError) -> Self {
        CliError(e.to_string())
    }
}

/// Shorthand for command results.
pub type CliResult<T> = Result<T, CliError>;

impl From<clusterlab_algos::AlgoError> for CliError {
    fn from(e: clusterlab_algos::AlgoError) -> Self {
        CliError(e.to_string())
    }
}

impl From<clusterlab_algos::PlanError> for CliError {
    fn from(e: clusterlab_algos::PlanError) -> Self {
        CliError(e.0)
    }
}
