//! The one error type of this crate.

use thiserror::Error;

/// Everything that can go wrong loading, resolving or writing a dataset.
///
/// Every message is one line that starts with the file (or the name asked
/// for) and, where it applies, the **line number in the file** (1-based,
/// the header is line 1) and the column name, e.g.
/// `data.csv: line 7, column "x2": "abc" is not a number`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DataError {
    /// The file does not exist.
    #[error("{path}: no such file")]
    NotFound { path: String },
    /// The file exists but could not be read (permissions, a directory, ...).
    #[error("{path}: cannot read: {message}")]
    Unreadable { path: String, message: String },
    /// The file has no header row (zero bytes or only blank lines).
    #[error("{path}: file is empty (expected a header row of column names)")]
    Empty { path: String },
    /// A header row but not a single data row.
    #[error("{path}: header only, no data rows (line 1 is the header)")]
    NoRows { path: String },
    /// The same column name appears twice in the header.
    #[error("{path}: line 1 (header), column \"{column}\" appears more than once")]
    DuplicateColumn { path: String, column: String },
    /// A data row has a different number of fields than the header.
    #[error("{path}: line {line} has {found} fields, the header (line 1) has {expected}")]
    Ragged {
        path: String,
        line: u64,
        expected: usize,
        found: usize,
    },
    /// The CSV itself is malformed (e.g. invalid UTF-8).
    #[error("{path}: line {line}: {message}")]
    Malformed {
        path: String,
        line: u64,
        message: String,
    },
    /// A feature cell that does not parse as a number.
    #[error("{path}: line {line}, column \"{column}\": \"{value}\" is not a number")]
    NotANumber {
        path: String,
        line: u64,
        column: String,
        value: String,
    },
    /// A feature cell that parses as NaN or ±infinity.
    #[error("{path}: line {line}, column \"{column}\": \"{value}\" is not finite (NaN and infinity are not allowed)")]
    NotFinite {
        path: String,
        line: u64,
        column: String,
        value: String,
    },
    /// A label cell that is not an integer ≥ -1.
    #[error("{path}: line {line}, column \"{column}\": \"{value}\" is not an integer label (labels are integers >= -1; -1 = noise)")]
    BadLabel {
        path: String,
        line: u64,
        column: String,
        value: String,
    },
    /// A label column was asked for by name but the header lacks it.
    #[error("{path}: line 1 (header) has no label column \"{column}\" (columns: {available})")]
    MissingLabelColumn {
        path: String,
        column: String,
        available: String,
    },
    /// Only a label column, nothing to cluster.
    #[error("{path}: no feature columns (only the label column \"{label_column}\")")]
    NoFeatures { path: String, label_column: String },
    /// Both a built-in name and an existing file: which one is meant is not clear.
    #[error("{name}: both a built-in dataset and a file here; write ./{name} for the file, or run elsewhere for the built-in")]
    Ambiguous { name: String },
    /// Neither a built-in name nor an existing file.
    #[error("{name}: not a built-in dataset and no such file (built-ins: {builtins})")]
    UnknownDataset { name: String, builtins: String },
    /// The dataset's fields disagree with each other (only possible for a
    /// hand-built [`crate::Dataset`]).
    #[error("{path}: cannot write dataset \"{dataset}\": {message}")]
    Inconsistent {
        path: String,
        dataset: String,
        message: String,
    },
    /// Creating, writing or renaming the output failed.
    #[error("{path}: cannot write: {message}")]
    Write { path: String, message: String },
}

/// Keeps messages on one line whatever the OS or a cell contains.
pub(crate) fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}
