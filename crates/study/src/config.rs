//! What a comparison run is asked to do: datasets, algorithms, `k`, the
//! per-algorithm settings, where to write. Read from a TOML or JSON file
//! (`--config`), then overridden by command-line flags. The per-algorithm
//! tables hold scikit-learn's parameter names, the same keys the registry
//! ([`mod@clusterlab_algos::plan`]) declares and `params` reports:
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
//! [bgmm]             # the Bayesian mixture of k-choice.png (a metrics row only when listed)
//! weight_prior = "dirichlet-distribution"
//!
//! [dbscan]
//! eps = 0.3          # default: data-driven (see clusterlab_algos::plan::defaults)
//! min_samples = 5
//! ```
//!
//! Unknown keys are errors (so a typo does not silently use a default).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clusterlab_algos::{Algorithm, Settings};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{one_line, StudyError};

/// The table a report writes beside its pictures (a CSV: a run whose
/// datasets folder is its output folder must not read it as a dataset).
pub const METRICS_CSV: &str = "metrics.csv";

/// A per-algorithm table of a config file: parameter name → value.
type Table = BTreeMap<String, Value>;

/// The file's shape (serde), turned into a [`CompareConfig`] with origins.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ConfigFile {
    datasets: Option<Vec<String>>,
    shipped_dir: Option<PathBuf>,
    out: Option<PathBuf>,
    algorithms: Option<Vec<String>>,
    k: Option<usize>,
    seed: Option<u64>,
    standardize: Option<bool>,
    label_column: Option<String>,
    quiet: Option<bool>,
    bic_max_k: Option<usize>,
    kmeans: Table,
    kmedoids: Table,
    dbscan: Table,
    optics: Table,
    hdbscan: Table,
    gmm: Table,
    bgmm: Table,
}

/// Everything a comparison run is told.
#[derive(Debug, Clone, PartialEq)]
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
    /// Where `k` came from (`--k`, `k in run.toml`).
    pub k_origin: String,
    /// Seed of the built-in generators and of every random start.
    pub seed: u64,
    /// Z-score every feature before fitting (as scikit-learn's gallery does).
    pub standardize: bool,
    /// Ground-truth column name in CSVs (default `label`).
    pub label_column: Option<String>,
    /// No progress output.
    pub quiet: bool,
    /// Largest k of the BIC sweep (`bic.png`).
    pub bic_max_k: usize,
    /// The per-algorithm settings the user gave (flags and config), by algorithm.
    pub settings: BTreeMap<Algorithm, Settings>,
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig {
            datasets: Vec::new(),
            shipped_dir: PathBuf::from("datasets"),
            out: PathBuf::from("reports"),
            algorithms: Vec::new(),
            k: None,
            k_origin: "--k".into(),
            seed: 0,
            standardize: true,
            label_column: None,
            quiet: false,
            bic_max_k: 10,
            settings: BTreeMap::new(),
        }
    }
}

/// What `metrics.json` records of the config: the run's options and the
/// settings given (each algorithm's full parameters are in its rows).
#[derive(Serialize)]
struct ConfigRecord<'a> {
    datasets: &'a [String],
    shipped_dir: &'a Path,
    out: &'a Path,
    algorithms: &'a [String],
    k: Option<usize>,
    seed: u64,
    standardize: bool,
    label_column: &'a Option<String>,
    bic_max_k: usize,
    settings: BTreeMap<&'static str, Value>,
}

impl CompareConfig {
    /// Reads a configuration from a `.toml` or `.json` file (by extension;
    /// anything else is tried as TOML). Errors name the file and, where the
    /// parser knows it, the line; a per-algorithm value that does not parse
    /// names its table and key.
    pub fn from_file(path: &Path) -> Result<CompareConfig, StudyError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| StudyError::Config {
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
        let file: ConfigFile = if is_json {
            serde_json::from_str(&text).map_err(|e| StudyError::Config {
                path: shown.clone(),
                message: one_line(&e.to_string()),
            })?
        } else {
            toml::from_str(&text).map_err(|e| {
                let line = e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
                // Every line of the parser's message (a first line alone,
                // such as "invalid string", gives no reason).
                let msg = e
                    .message()
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("; ");
                StudyError::Config {
                    path: shown.clone(),
                    message: match line {
                        Some(l) => format!("line {l}: {msg}"),
                        None => msg,
                    },
                }
            })?
        };
        let mut c = CompareConfig::default();
        let d = CompareConfig::default();
        c.datasets = file.datasets.unwrap_or(d.datasets);
        c.shipped_dir = file.shipped_dir.unwrap_or(d.shipped_dir);
        c.out = file.out.unwrap_or(d.out);
        c.algorithms = file.algorithms.unwrap_or(d.algorithms);
        if file.k.is_some() {
            c.k = file.k;
            c.k_origin = format!("k in {shown}");
        }
        c.seed = file.seed.unwrap_or(d.seed);
        c.standardize = file.standardize.unwrap_or(d.standardize);
        c.label_column = file.label_column;
        c.quiet = file.quiet.unwrap_or(d.quiet);
        c.bic_max_k = file.bic_max_k.unwrap_or(d.bic_max_k);
        for (alg, table) in [
            (Algorithm::KMeans, file.kmeans),
            (Algorithm::KMedoids, file.kmedoids),
            (Algorithm::Dbscan, file.dbscan),
            (Algorithm::Optics, file.optics),
            (Algorithm::Hdbscan, file.hdbscan),
            (Algorithm::Gmm, file.gmm),
            (Algorithm::Bgmm, file.bgmm),
        ] {
            for (key, value) in table {
                c.set(alg, &key, value, format!("{}.{key} in {shown}", alg.name()));
            }
        }
        c.check_settings()?;
        Ok(c)
    }

    /// Sets one algorithm parameter (later calls override: flags after the file).
    pub fn set(&mut self, alg: Algorithm, name: &str, value: Value, origin: impl Into<String>) {
        self.settings
            .entry(alg)
            .or_default()
            .set(name, value, origin);
    }

    /// The settings given for `alg` (empty when none).
    pub fn settings(&self, alg: Algorithm) -> Settings {
        self.settings.get(&alg).cloned().unwrap_or_default()
    }

    /// Checks every setting against the registry: known names, values that
    /// parse, nothing only `fit` takes (before any data is loaded).
    pub fn check_settings(&self) -> Result<(), StudyError> {
        for (alg, s) in &self.settings {
            s.check_kinds(*alg).map_err(StudyError::Plan)?;
            for (name, setting) in s.iter() {
                if alg.param(name).is_some_and(|p| p.fit_only) {
                    return Err(StudyError::Plan(clusterlab_algos::PlanError::new(format!(
                        "{}: only `clusterlab fit {}` takes {name}",
                        setting.origin,
                        alg.name()
                    ))));
                }
            }
        }
        if self.k == Some(0) {
            return Err(StudyError::Plan(clusterlab_algos::PlanError::new(format!(
                "{}: must be at least 1 (got 0)",
                self.k_origin
            ))));
        }
        if self.bic_max_k == 0 {
            return Err(StudyError::Plan(clusterlab_algos::PlanError::new(
                "bic_max_k: must be at least 1 (got 0)",
            )));
        }
        Ok(())
    }

    /// The config as `metrics.json` records it.
    pub fn to_json(&self) -> Value {
        let rec = ConfigRecord {
            datasets: &self.datasets,
            shipped_dir: &self.shipped_dir,
            out: &self.out,
            algorithms: &self.algorithms,
            k: self.k,
            seed: self.seed,
            standardize: self.standardize,
            label_column: &self.label_column,
            bic_max_k: self.bic_max_k,
            settings: self
                .settings
                .iter()
                .map(|(a, s)| (a.name(), s.to_json()))
                .collect(),
        };
        serde_json::to_value(rec).unwrap_or(Value::Null)
    }

    /// The algorithms to run, checked, in report order, without repeats.
    pub fn algorithm_list(&self) -> Result<Vec<Algorithm>, StudyError> {
        if self.algorithms.is_empty() {
            return Ok(Algorithm::ALL.to_vec());
        }
        let mut out = Vec::new();
        for s in &self.algorithms {
            for part in s.split(',').filter(|p| !p.trim().is_empty()) {
                let a = Algorithm::parse(part).map_err(|e| {
                    StudyError::Plan(clusterlab_algos::PlanError::new(format!("algorithms: {e}")))
                })?;
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        if out.is_empty() {
            return Err(StudyError::Plan(clusterlab_algos::PlanError::new(
                "algorithms: the list is empty",
            )));
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_toml(text: &str) -> Result<CompareConfig, StudyError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, text).unwrap();
        CompareConfig::from_file(&p)
    }

    #[test]
    fn toml_settings_and_unknown_keys() {
        let c = from_toml(
            "datasets = [\"blobs\"]\nk = 3\n[dbscan]\neps = 0.3\n[gmm]\ncovariance = \"diag\"\n",
        )
        .unwrap();
        assert_eq!(c.datasets, vec!["blobs"]);
        assert_eq!(c.k, Some(3));
        assert_eq!(
            c.settings(Algorithm::Dbscan).float("eps").unwrap(),
            Some(0.3)
        );
        assert!(c.standardize);
        let e = from_toml("[dbscan]\nepsilon = 1\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("dbscan.epsilon in") && e.contains("c.toml"),
            "{e}"
        );
        assert!(from_toml("kk = 1\n").is_err());
        // The Bayesian mixture's table (compare fits it for k-choice.png).
        let c = from_toml("[bgmm]\nweight_concentration = 0.01\n").unwrap();
        assert_eq!(
            c.settings(Algorithm::Bgmm)
                .float("weight_concentration")
                .unwrap(),
            Some(0.01)
        );
        let e = from_toml("[bgmm]\ninit_labels = \"l.txt\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("only `clusterlab fit bgmm`"), "{e}");
        let e = from_toml("[gmm]\ninit_model = \"m.json\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("only `clusterlab fit gmm`"), "{e}");
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
