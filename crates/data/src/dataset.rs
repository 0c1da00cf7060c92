//! The [`Dataset`] type: features, names, optional ground truth.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use ndarray::Array2;

use crate::error::{one_line, DataError};

/// Name of the ground-truth column written by [`Dataset::write_csv`] and
/// picked up by default by [`crate::load_csv`].
pub const LABEL_COLUMN: &str = "label";

/// Label value that marks a noise point (no cluster).
pub const NOISE: i64 = -1;

/// An `n × d` table of numeric features with optional ground-truth labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Built-in name, or the CSV file's stem.
    pub name: String,
    /// `n × d` features, one row per point.
    pub x: Array2<f64>,
    /// One name per column of `x`.
    pub feature_names: Vec<String>,
    /// Ground truth, one per row; `-1` marks noise.
    pub labels: Option<Vec<i64>>,
    /// `"built-in"` or the CSV path the data came from.
    pub source: String,
}

impl Dataset {
    /// Number of points (rows).
    pub fn n(&self) -> usize {
        self.x.nrows()
    }

    /// Number of features (columns).
    pub fn d(&self) -> usize {
        self.x.ncols()
    }

    /// Number of distinct ground-truth labels other than noise (`-1`);
    /// `None` without ground truth.
    pub fn n_true_clusters(&self) -> Option<usize> {
        self.labels.as_ref().map(|labels| {
            labels
                .iter()
                .filter(|&&l| l != NOISE)
                .collect::<BTreeSet<_>>()
                .len()
        })
    }

    /// A copy with every column z-scored: `(x − mean) / std` with the
    /// population standard deviation (divisor `n`, as scikit-learn's
    /// `StandardScaler`). A constant column becomes all zeros (never NaN).
    /// Name, feature names, labels and source are kept.
    pub fn standardized(&self) -> Dataset {
        Dataset {
            name: self.name.clone(),
            x: zscore(&self.x).0,
            feature_names: self.feature_names.clone(),
            labels: self.labels.clone(),
            source: self.source.clone(),
        }
    }

    /// Writes the dataset as CSV: a header row of the feature names (then
    /// `label` if there is ground truth), one row per point. Numbers are
    /// written in Rust's shortest round-trip form, so [`crate::load_csv`]
    /// reads back exactly the same values.
    ///
    /// The file is written to a temporary file beside `path` and renamed over
    /// it, so a reader never sees a half-written file.
    pub fn write_csv(&self, path: &Path) -> Result<(), DataError> {
        let shown = path.display().to_string();
        self.check_consistent(&shown)?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file_name = match path.file_name() {
            Some(f) => f.to_string_lossy().into_owned(),
            None => {
                return Err(DataError::Write {
                    path: shown,
                    message: "not a file path".into(),
                })
            }
        };
        let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
        let result = self.write_rows(&tmp).and_then(|()| fs::rename(&tmp, path));
        result.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            DataError::Write {
                path: shown,
                message: one_line(&e.to_string()),
            }
        })
    }

    fn check_consistent(&self, shown: &str) -> Result<(), DataError> {
        let fail = |message: String| {
            Err(DataError::Inconsistent {
                path: shown.to_string(),
                dataset: self.name.clone(),
                message,
            })
        };
        if self.feature_names.len() != self.d() {
            return fail(format!(
                "{} feature names for {} columns",
                self.feature_names.len(),
                self.d()
            ));
        }
        let mut seen = BTreeSet::new();
        for name in &self.feature_names {
            if !seen.insert(name.as_str()) {
                return fail(format!("feature name \"{}\" appears twice", one_line(name)));
            }
        }
        if let Some(((i, j), v)) = self.x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return fail(format!(
                "row {}, column \"{}\" is {v} (only finite values load back)",
                i + 1,
                one_line(&self.feature_names[j])
            ));
        }
        if let Some(labels) = &self.labels {
            if labels.len() != self.n() {
                return fail(format!("{} labels for {} rows", labels.len(), self.n()));
            }
            if let Some(bad) = labels.iter().find(|&&l| l < NOISE) {
                return fail(format!("label {bad} is below -1 (-1 = noise)"));
            }
            if seen.contains(LABEL_COLUMN) {
                return fail(format!(
                    "a feature is named \"{LABEL_COLUMN}\", which clashes with the label column"
                ));
            }
        }
        Ok(())
    }

    fn write_rows(&self, tmp: &Path) -> std::io::Result<()> {
        let file = File::create(tmp)?;
        let mut w = csv::Writer::from_writer(BufWriter::new(file));
        let mut header: Vec<&str> = self.feature_names.iter().map(String::as_str).collect();
        if self.labels.is_some() {
            header.push(LABEL_COLUMN);
        }
        w.write_record(&header).map_err(std::io::Error::other)?;
        let mut fields: Vec<String> = Vec::with_capacity(header.len());
        for (i, row) in self.x.rows().into_iter().enumerate() {
            fields.clear();
            fields.extend(row.iter().map(|v| format!("{v:?}")));
            if let Some(labels) = &self.labels {
                fields.push(labels[i].to_string());
            }
            w.write_record(&fields).map_err(std::io::Error::other)?;
        }
        let buf = w
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let file = buf.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(())
    }
}

/// Z-scores the columns of `x`: each value minus its column's mean, over the
/// column's population standard deviation (divisor n, as scikit-learn's
/// `StandardScaler`); a constant column becomes all zeros (never NaN).
/// Returns the data and each column's mean and deviation (0 for a constant
/// column), so pictures can map back to the original units.
pub fn zscore(x: &Array2<f64>) -> (Array2<f64>, Vec<f64>, Vec<f64>) {
    let mut z = x.clone();
    let n = z.nrows();
    let (mut means, mut stds) = (Vec::with_capacity(z.ncols()), Vec::with_capacity(z.ncols()));
    for mut col in z.columns_mut() {
        if n == 0 {
            means.push(0.0);
            stds.push(0.0);
            continue;
        }
        // Computed on the column divided by a power of two near its largest
        // magnitude (exact, and z-scores do not change with the unit), so
        // values near 1e±300 neither overflow the squares nor underflow.
        let big = col.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let unit = if big > 0.0 && big.is_finite() {
            2f64.powi(big.log2().floor() as i32)
        } else {
            1.0
        };
        let mean_u = col.iter().map(|&v| v / unit).sum::<f64>() / n as f64;
        means.push(mean_u * unit);
        let first = col[0];
        if col.iter().all(|&v| v == first) {
            col.fill(0.0);
            stds.push(0.0);
            continue;
        }
        let var_u = col
            .iter()
            .map(|&v| (v / unit - mean_u) * (v / unit - mean_u))
            .sum::<f64>()
            / n as f64;
        let std_u = var_u.sqrt();
        if std_u > 0.0 && std_u.is_finite() {
            col.mapv_inplace(|v| (v / unit - mean_u) / std_u);
            stds.push(std_u * unit);
        } else {
            col.fill(0.0);
            stds.push(0.0);
        }
    }
    (z, means, stds)
}
