//! What a comparison run is asked to do: datasets, algorithms, `k`, the
//! per-algorithm parameters, where to write. Read from a TOML or JSON file
//! (`--config`) with serde, then overridden by command-line flags.
//!
//! ```toml
//! datasets = ["blobs", "datasets/iris.csv"]   # default: every built-in and datasets/*.csv
//! out = "reports"
//! algorithms = ["kmeans", "gmm", "hdbscan"]    # default: all six
//! k = 3                                        # default: ground truth, else BIC
//! seed = 0
//! standardize = true
//!
//! [gmm]
//! covariance = "full"
//! n_init = 1
//!
//! [dbscan]
//! eps = 0.3          # default: data-driven (see `crate::defaults`)
//! min_samples = 5
//! ```
//!
//! Unknown keys are errors (so a typo does not silently use a default).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{one_line, ReportError};

/// The six algorithms, in the order reports show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    #[serde(rename = "kmeans")]
    KMeans,
    #[serde(rename = "kmedoids")]
    KMedoids,
    Dbscan,
    Optics,
    Hdbscan,
    Gmm,
}

impl Algorithm {
    /// All six in report order.
    pub const ALL: [Algorithm; 6] = [
        Algorithm::KMeans,
        Algorithm::KMedoids,
        Algorithm::Dbscan,
        Algorithm::Optics,
        Algorithm::Hdbscan,
        Algorithm::Gmm,
    ];

    /// The name used on the command line, in files and in `metrics.json`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::KMeans => "kmeans",
            Algorithm::KMedoids => "kmedoids",
            Algorithm::Dbscan => "dbscan",
            Algorithm::Optics => "optics",
            Algorithm::Hdbscan => "hdbscan",
            Algorithm::Gmm => "gmm",
        }
    }

    /// How pictures title it.
    pub fn title(self) -> &'static str {
        match self {
            Algorithm::KMeans => "k-means",
            Algorithm::KMedoids => "k-medoids",
            Algorithm::Dbscan => "DBSCAN",
            Algorithm::Optics => "OPTICS",
            Algorithm::Hdbscan => "HDBSCAN",
            Algorithm::Gmm => "EM (GMM)",
        }
    }

    /// Parses a name (`kmeans`, `k-means`, `gmm`, `em`, …).
    pub fn parse(s: &str) -> Result<Algorithm, ReportError> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "kmeans" | "k-means" => Algorithm::KMeans,
            "kmedoids" | "k-medoids" => Algorithm::KMedoids,
            "dbscan" => Algorithm::Dbscan,
            "optics" => Algorithm::Optics,
            "hdbscan" => Algorithm::Hdbscan,
            "gmm" | "em" => Algorithm::Gmm,
            other => {
                return Err(ReportError::parameter(
                    "algorithms",
                    format!("unknown algorithm \"{other}\" (expected kmeans, kmedoids, dbscan, optics, hdbscan or gmm)"),
                ))
            }
        })
    }

    /// Whether it needs `k`.
    pub fn needs_k(self) -> bool {
        matches!(
            self,
            Algorithm::KMeans | Algorithm::KMedoids | Algorithm::Gmm
        )
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// k-means parameters (scikit-learn's defaults when absent).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KMeansConfig {
    pub n_init: Option<usize>,
    pub max_iter: Option<usize>,
    pub tol: Option<f64>,
    /// `k-means++` or `random`.
    pub init: Option<String>,
}

/// k-medoids parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KMedoidsConfig {
    pub n_init: Option<usize>,
    pub max_iter: Option<usize>,
    /// `k-means++` or `random`.
    pub init: Option<String>,
}

/// DBSCAN parameters; absent ones follow [`crate::defaults`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DbscanConfig {
    pub eps: Option<f64>,
    pub min_samples: Option<usize>,
}

/// OPTICS parameters; absent ones follow [`crate::defaults`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpticsConfig {
    pub min_samples: Option<usize>,
    pub xi: Option<f64>,
    /// A count, or a fraction of n when below 1.
    pub min_cluster_size: Option<f64>,
    pub max_eps: Option<f64>,
    /// `xi` or `dbscan`.
    pub cluster_method: Option<String>,
    /// The cut for `cluster_method = "dbscan"`.
    pub eps: Option<f64>,
}

/// HDBSCAN parameters; absent ones follow [`crate::defaults`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HdbscanConfig {
    /// A count, or a fraction of n when below 1.
    pub min_cluster_size: Option<f64>,
    pub min_samples: Option<usize>,
}

/// EM parameters (scikit-learn's defaults when absent).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GmmConfig {
    /// `full`, `diag`, `spherical` or `tied`.
    pub covariance: Option<String>,
    /// `kmeans`, `kmeans++`, `random` or `random-from-data`.
    pub init: Option<String>,
    pub n_init: Option<usize>,
    pub tol: Option<f64>,
    pub max_iter: Option<usize>,
    pub reg_covar: Option<f64>,
}

/// Everything a comparison run is told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompareConfig {
    /// Built-in names or CSV paths; empty = every built-in and every
    /// `*.csv` in `shipped_dir`.
    pub datasets: Vec<String>,
    /// Where the shipped CSV datasets live (used when `datasets` is empty).
    pub shipped_dir: PathBuf,
    /// Output folder.
    pub out: PathBuf,
    /// Algorithm names; empty = all six.
    pub algorithms: Vec<String>,
    /// Clusters for k-means, k-medoids and EM; default: the ground-truth
    /// count, else the k with the best BIC.
    pub k: Option<usize>,
    /// Seed of the built-in generators and of every random start.
    pub seed: u64,
    /// Z-score every feature before fitting (as scikit-learn's gallery does).
    pub standardize: bool,
    /// Ground-truth column name in CSVs (default `label`).
    pub label_column: Option<String>,
    /// No progress bar.
    pub quiet: bool,
    /// Largest k of the BIC sweep (`bic.png`).
    pub bic_max_k: usize,
    pub kmeans: KMeansConfig,
    pub kmedoids: KMedoidsConfig,
    pub dbscan: DbscanConfig,
    pub optics: OpticsConfig,
    pub hdbscan: HdbscanConfig,
    pub gmm: GmmConfig,
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig {
            datasets: Vec::new(),
            shipped_dir: PathBuf::from("datasets"),
            out: PathBuf::from("reports"),
            algorithms: Vec::new(),
            k: None,
            seed: 0,
            standardize: true,
            label_column: None,
            quiet: false,
            bic_max_k: 10,
            kmeans: KMeansConfig::default(),
            kmedoids: KMedoidsConfig::default(),
            dbscan: DbscanConfig::default(),
            optics: OpticsConfig::default(),
            hdbscan: HdbscanConfig::default(),
            gmm: GmmConfig::default(),
        }
    }
}

impl CompareConfig {
    /// Reads a configuration from a `.toml` or `.json` file (by extension;
    /// anything else is tried as TOML). Errors name the file and, where the
    /// parser knows it, the line.
    pub fn from_file(path: &Path) -> Result<CompareConfig, ReportError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::Config {
            path: shown.clone(),
            message: if e.kind() == std::io::ErrorKind::NotFound {
                "no such file".into()
            } else {
                format!("cannot read: {}", one_line(&e.to_string()))
            },
        })?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if is_json {
            serde_json::from_str(&text).map_err(|e| ReportError::Config {
                path: shown,
                message: one_line(&e.to_string()),
            })
        } else {
            toml::from_str(&text).map_err(|e| {
                let line = e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
                let msg = one_line(e.message());
                ReportError::Config {
                    path: shown,
                    message: match line {
                        Some(l) => format!("line {l}: {msg}"),
                        None => msg,
                    },
                }
            })
        }
    }

    /// The algorithms to run, checked, in report order, without repeats.
    pub fn algorithm_list(&self) -> Result<Vec<Algorithm>, ReportError> {
        if self.algorithms.is_empty() {
            return Ok(Algorithm::ALL.to_vec());
        }
        let mut out = Vec::new();
        for s in &self.algorithms {
            for part in s.split(',').filter(|p| !p.trim().is_empty()) {
                let a = Algorithm::parse(part)?;
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        if out.is_empty() {
            return Err(ReportError::parameter("algorithms", "the list is empty"));
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_roundtrip_and_unknown_keys() {
        let c: CompareConfig = toml::from_str(
            "datasets = [\"blobs\"]\nk = 3\n[dbscan]\neps = 0.3\n[gmm]\ncovariance = \"diag\"\n",
        )
        .unwrap();
        assert_eq!(c.datasets, vec!["blobs"]);
        assert_eq!(c.k, Some(3));
        assert_eq!(c.dbscan.eps, Some(0.3));
        assert!(c.standardize);
        assert!(toml::from_str::<CompareConfig>("[dbscan]\nepsilon = 1\n").is_err());
        assert!(toml::from_str::<CompareConfig>("kk = 1\n").is_err());
    }

    #[test]
    fn algorithm_lists() {
        let mut c = CompareConfig::default();
        assert_eq!(c.algorithm_list().unwrap().len(), 6);
        c.algorithms = vec!["gmm,k-means".into(), "gmm".into()];
        assert_eq!(
            c.algorithm_list().unwrap(),
            vec![Algorithm::KMeans, Algorithm::Gmm]
        );
        c.algorithms = vec!["spectral".into()];
        let e = c.algorithm_list().unwrap_err().to_string();
        assert!(e.contains("spectral") && !e.contains('\n'), "{e}");
    }

    #[test]
    fn bad_files_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "k = 3\nseed = \"x\"\n").unwrap();
        let e = CompareConfig::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("c.toml") && e.contains("line 2"), "{e}");
        let j = dir.path().join("c.json");
        std::fs::write(&j, "{\"k\": 3,}").unwrap();
        let e = CompareConfig::from_file(&j).unwrap_err().to_string();
        assert!(e.contains("c.json") && !e.contains('\n'), "{e}");
        let e = CompareConfig::from_file(&dir.path().join("none.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("no such file"), "{e}");
    }
}
