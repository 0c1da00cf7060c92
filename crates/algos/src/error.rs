//! The one error type of the crate.

use thiserror::Error;

/// Why a clustering could not be computed. Every variant prints as one line
/// naming the offending parameter or input.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AlgoError {
    /// A hyper-parameter is out of its valid range (found by `check()`).
    #[error("{name} must be {expected} (got {got})")]
    InvalidParameter {
        name: &'static str,
        expected: &'static str,
        got: String,
    },
    /// A hyper-parameter is too large for the data given to `fit`.
    #[error("{name} must be at most the number of points {n_points} (got {got})")]
    TooLargeForData {
        name: &'static str,
        got: usize,
        n_points: usize,
    },
    /// The data has no rows or no columns, or too few rows for the method.
    #[error("data must have at least {min_rows} row(s) and 1 column (got {rows}×{cols})")]
    EmptyData {
        rows: usize,
        cols: usize,
        min_rows: usize,
    },
    /// The data contains NaN or ±∞.
    #[error("data must be finite (row {row}, column {col} is {value})")]
    NonFiniteData { row: usize, col: usize, value: f64 },
    /// A column's magnitudes are so large or so small that squared
    /// distances overflow or underflow f64.
    #[error("column {col}: values up to {max:e} in magnitude are too {what} for distances in f64 (their squares {how}); z-score the data (--standardize, compare's default)")]
    ExtremeData {
        col: usize,
        max: f64,
        what: &'static str,
        how: &'static str,
    },
    /// The EM crate rejected a parameter or failed.
    #[error("gmm: {0}")]
    Gmm(#[from] clusterlab_em::GmmError),
    /// A library we delegate to failed in a way the checks above do not foresee.
    #[error("{algorithm}: {message}")]
    Backend {
        algorithm: &'static str,
        message: String,
    },
}

impl AlgoError {
    pub(crate) fn invalid(name: &'static str, expected: &'static str, got: impl ToString) -> Self {
        AlgoError::InvalidParameter {
            name,
            expected,
            got: got.to_string(),
        }
    }
}
