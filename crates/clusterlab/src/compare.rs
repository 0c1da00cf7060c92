//! `clusterlab compare [DATASET ...]`: fit every algorithm on datasets and
//! render the reports (see `clusterlab_report` for what is written).
//!
//! Settings come from, in increasing priority: the defaults, `--config FILE`
//! (TOML or JSON, the fields of [`CompareConfig`]), then the flags here.
//! Per-algorithm flags carry the algorithm's name (`--dbscan-eps`,
//! `--gmm-covariance`, …) because every algorithm runs in one go.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use clusterlab_report::CompareConfig;

use crate::error::{CliError, CliResult};

/// Options of `clusterlab compare`.
#[derive(Debug, Args, Clone, Default)]
#[command(allow_negative_numbers = true)]
pub struct CompareArgs {
    /// Built-in names or CSV paths (default: every built-in and every CSV in --datasets-dir).
    pub datasets: Vec<String>,
    /// Output folder (default: reports/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Algorithms to run, comma-separated: kmeans, kmedoids, dbscan, optics, hdbscan, gmm (default: all).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub algorithms: Vec<String>,
    /// Clusters for k-means, k-medoids and EM (default: the ground-truth count, else the best BIC).
    #[arg(long)]
    pub k: Option<usize>,
    /// Read settings from a TOML or JSON file; flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Random seed (built-in generators and every random start).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Name of the ground-truth column in CSVs (default: label).
    #[arg(long)]
    pub label_column: Option<String>,
    /// Fit on the raw features instead of z-scored ones.
    #[arg(long)]
    pub raw: bool,
    /// Where the shipped CSVs are found when no dataset is named (default: datasets/).
    #[arg(long, value_name = "DIR")]
    pub datasets_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,

    /// k-means restarts (default 10).
    #[arg(long)]
    pub kmeans_n_init: Option<usize>,
    /// k-means iterations per restart (default 300).
    #[arg(long)]
    pub kmeans_max_iter: Option<usize>,
    /// k-medoids restarts (default 1).
    #[arg(long)]
    pub kmedoids_n_init: Option<usize>,
    /// DBSCAN radius (default: data-driven, a k-distance quantile).
    #[arg(long)]
    pub dbscan_eps: Option<f64>,
    /// DBSCAN min_samples, the point itself included (default: data-driven).
    #[arg(long)]
    pub dbscan_min_samples: Option<usize>,
    /// OPTICS min_samples (default: as DBSCAN's).
    #[arg(long)]
    pub optics_min_samples: Option<usize>,
    /// OPTICS xi (default 0.1).
    #[arg(long)]
    pub optics_xi: Option<f64>,
    /// OPTICS smallest cluster: a count, or a fraction of n below 1 (default 0.1).
    #[arg(long)]
    pub optics_min_cluster_size: Option<f64>,
    /// OPTICS cluster extraction: xi or dbscan.
    #[arg(long)]
    pub optics_cluster_method: Option<String>,
    /// OPTICS cut for --optics-cluster-method dbscan.
    #[arg(long)]
    pub optics_eps: Option<f64>,
    /// HDBSCAN smallest cluster: a count, or a fraction of n below 1 (default: data-driven).
    #[arg(long)]
    pub hdbscan_min_cluster_size: Option<f64>,
    /// HDBSCAN min_samples (default: data-driven).
    #[arg(long)]
    pub hdbscan_min_samples: Option<usize>,
    /// EM covariance type: full, diag, spherical or tied (default full).
    #[arg(long, alias = "covariance")]
    pub gmm_covariance: Option<String>,
    /// EM initialisation: kmeans, kmeans++, random or random-from-data.
    #[arg(long)]
    pub gmm_init: Option<String>,
    /// EM restarts (default 1).
    #[arg(long)]
    pub gmm_n_init: Option<usize>,
    /// EM convergence threshold (default 1e-3).
    #[arg(long)]
    pub gmm_tol: Option<f64>,
    /// EM iterations at most (default 100).
    #[arg(long)]
    pub gmm_max_iter: Option<usize>,
    /// EM regularisation added to covariance diagonals (default 1e-6).
    #[arg(long)]
    pub gmm_reg_covar: Option<f64>,
}

impl CompareArgs {
    /// The configuration these arguments describe (config file, then flags).
    pub fn to_config(&self) -> CliResult<CompareConfig> {
        let mut c = match &self.config {
            Some(p) => CompareConfig::from_file(p).map_err(|e| CliError::new(e.to_string()))?,
            None => CompareConfig::default(),
        };
        if !self.datasets.is_empty() {
            c.datasets = self.datasets.clone();
        }
        if let Some(v) = &self.out {
            c.out = v.clone();
        }
        if !self.algorithms.is_empty() {
            c.algorithms = self.algorithms.clone();
        }
        macro_rules! set {
            ($($field:expr => $target:expr),* $(,)?) => {
                $( if let Some(v) = &$field { $target = Some(v.clone()); } )*
            };
        }
        set!(
            self.k => c.k,
            self.label_column => c.label_column,
            self.kmeans_n_init => c.kmeans.n_init,
            self.kmeans_max_iter => c.kmeans.max_iter,
            self.kmedoids_n_init => c.kmedoids.n_init,
            self.dbscan_eps => c.dbscan.eps,
            self.dbscan_min_samples => c.dbscan.min_samples,
            self.optics_min_samples => c.optics.min_samples,
            self.optics_xi => c.optics.xi,
            self.optics_min_cluster_size => c.optics.min_cluster_size,
            self.optics_cluster_method => c.optics.cluster_method,
            self.optics_eps => c.optics.eps,
            self.hdbscan_min_cluster_size => c.hdbscan.min_cluster_size,
            self.hdbscan_min_samples => c.hdbscan.min_samples,
            self.gmm_covariance => c.gmm.covariance,
            self.gmm_init => c.gmm.init,
            self.gmm_n_init => c.gmm.n_init,
            self.gmm_tol => c.gmm.tol,
            self.gmm_max_iter => c.gmm.max_iter,
            self.gmm_reg_covar => c.gmm.reg_covar,
        );
        if let Some(s) = self.seed {
            c.seed = s;
        }
        if let Some(d) = &self.datasets_dir {
            c.shipped_dir = d.clone();
        }
        if self.raw {
            c.standardize = false;
        }
        if self.quiet {
            c.quiet = true;
        }
        Ok(c)
    }
}

/// Runs `clusterlab compare` and prints where the report is.
pub fn run(args: &CompareArgs, out: &mut dyn Write) -> CliResult<()> {
    let cfg = args.to_config()?;
    let sum = clusterlab_report::run(&cfg).map_err(|e| CliError::new(e.to_string()))?;
    let io = crate::cli::io;
    writeln!(
        out,
        "compared {} datasets × {} algorithms in {:.1} s (fitting {:.1} s, rendering {:.1} s)",
        sum.studies.len(),
        sum.algorithms.len(),
        sum.total_seconds,
        sum.fit_seconds,
        sum.render_seconds
    )
    .map_err(io)?;
    for s in &sum.studies {
        if let Ok(p) = &s.pair {
            writeln!(
                out,
                "  {:<16} EM vs k-means: {:>5.1}% agree, {} points differ",
                s.name,
                100.0 * p.agreement,
                p.differ.len()
            )
            .map_err(io)?;
        }
    }
    let failed: usize = sum
        .studies
        .iter()
        .flat_map(|s| &s.runs)
        .filter(|r| r.result.is_err())
        .count();
    if failed > 0 {
        writeln!(
            out,
            "{failed} fits failed (errors in metrics.json and the page)"
        )
        .map_err(io)?;
    }
    writeln!(out, "open {}", sum.out.join("index.html").display()).map_err(io)?;
    Ok(())
}
