//! Errors a user can act on: each names the parameter or value at fault.

/// Everything that can go wrong when configuring or fitting a mixture.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GmmError {
    /// A hyper-parameter is out of range; names it and the value given.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter { name: &'static str, reason: String },
    /// The data cannot be fitted (wrong shape, too few points, non-finite values).
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// A given model (e.g. `--init-model`) is malformed.
    #[error("invalid model: {0}")]
    InvalidModel(String),
    /// An error forwarded from linfa's traits.
    #[error("linfa: {0}")]
    Linfa(String),
}

impl From<linfa::error::Error> for GmmError {
    fn from(e: linfa::error::Error) -> Self {
        GmmError::Linfa(e.to_string())
    }
}

pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> GmmError {
    GmmError::InvalidParameter {
        name,
        reason: reason.into(),
    }
}

/// Refuses `value` unless it is a finite number ≥ 0 (a tolerance, a ridge).
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<(), GmmError> {
    if value >= 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(invalid(
            name,
            format!("must be a finite number ≥ 0 (got {value})"),
        ))
    }
}
