//! # clusterlab-data: the datasets clusterlab clusters
//!
//! One [`Dataset`] type (an `n × d` `f64` feature matrix, column names and
//! optional integer ground truth where `-1` marks noise), one CSV loader
//! ([`load_csv`]) and a handful of deterministic built-in generators
//! ([`builtin`]) modelled on scikit-learn's cluster-comparison gallery, plus
//! the seed's six-point 1-D example.
//!
//! ## CSV format
//! A header row of column names, then one row per point. Every column is a
//! numeric feature except the ground truth: a column named `label` (or the
//! name passed as `label_column`) holding integers, `-1` for noise. NaN and
//! infinities are rejected. Every error is one line naming the file, the line
//! (1-based line number in the file; the header is line 1) and the column:
//!
//! ```text
//! data.csv: line 7, column "x2": "abc" is not a number
//! ```
//!
//! ## NumPy `.npy`
//! Wherever a CSV path is read, a `.npy` path (float64, C order, shape
//! `(n, d)`) is read too, with the ground truth from `STEM.labels.npy`
//! beside it when that file exists; [`NpyMatrix`] memory-maps one for
//! reading rows on demand, [`write_npy`] writes one (`clusterlab convert`).
//!
//! ## Built-ins
//! | name | n × d | clusters |
//! |---|---|---|
//! | `noisy-circles` | 500 × 2 | 2 concentric circles (factor 0.5, noise 0.05) |
//! | `noisy-moons` | 500 × 2 | 2 interleaved half moons (noise 0.05) |
//! | `varied` | 500 × 2 | 3 blobs with standard deviations 1.0, 2.5, 0.5 |
//! | `aniso` | 500 × 2 | 3 blobs sheared by `[[0.6, -0.6], [-0.4, 0.8]]` |
//! | `blobs` | 500 × 2 | 3 well separated blobs |
//! | `no-structure` | 500 × 2 | none (uniform; no ground truth) |
//! | `overlap` | 500 × 2 | 3 overlapping Gaussians with unequal covariances |
//! | `unequal-sizes` | 500 × 2 | 3 clusters of 400, 80 and 20 points |
//! | `seed-1d` | 6 × 1 | the seed's points 0.80 1.10 1.40 / 4.70 5.10 5.50 |
//!
//! ```
//! use clusterlab_data::{builtin, resolve};
//! let a = builtin("noisy-moons", 7).unwrap();
//! let b = resolve("noisy-moons", None, 7).unwrap();
//! assert_eq!(a.x, b.x);
//! assert_eq!((a.n(), a.d(), a.n_true_clusters()), (500, 2, Some(2)));
//! let z = builtin("seed-1d", 0).unwrap().standardized();
//! assert!(z.x.mean().unwrap().abs() < 1e-12);
//! ```

mod builtin;
mod dataset;
mod error;
mod load;
mod npy;

use std::path::{Path, PathBuf};

pub use builtin::{
    builtin, builtin_description, builtin_names, BUILTIN_N, BUILTIN_SOURCE, SEED_1D_LABELS,
    SEED_1D_X,
};
pub use dataset::{zscore, Dataset, LABEL_COLUMN, NOISE};
pub use error::DataError;
pub use load::load_csv;
pub use npy::{
    labels_path, load_npy, npy_header, read_labels, read_npy_header, write_labels_npy, write_npy,
    Dtype, NpyHeader, NpyMatrix,
};

/// A built-in name (generated from `seed`), else a CSV path loaded with
/// [`load_csv`] or a `.npy` path loaded with [`load_npy`] (the dataset is
/// named by the file stem). Anything else is
/// an error that lists the built-ins. A built-in name wins over a file of
/// the same name in the working directory; write `./name` for the file.
pub fn resolve(
    name_or_path: &str,
    label_column: Option<&str>,
    seed: u64,
) -> Result<Dataset, DataError> {
    let path = Path::new(name_or_path);
    if let Some(ds) = builtin(name_or_path, seed) {
        // A file of the same name would silently lose to the built-in.
        if path.exists() {
            return Err(DataError::Ambiguous {
                name: name_or_path.to_string(),
            });
        }
        return Ok(ds);
    }
    // A path that exists, or a link that does (a loop, a dangling link):
    // the loader names the file and the OS reason.
    if path.exists() || path.symlink_metadata().is_ok() {
        if is_npy(path) {
            return load_npy(path);
        }
        return load_csv(path, label_column);
    }
    Err(DataError::UnknownDataset {
        name: name_or_path.to_string(),
        builtins: builtin_names().join(", "),
    })
}

/// Does the path name a NumPy `.npy` file (by its extension)?
pub fn is_npy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// The `*.csv` files directly in `dir` (e.g. the project's `datasets/`),
/// sorted by path; empty if the folder does not exist or cannot be read.
pub fn shipped_csvs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"))
        })
        .collect();
    out.sort();
    out
}
