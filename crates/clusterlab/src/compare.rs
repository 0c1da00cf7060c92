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
use serde_json::Value;

use crate::cli::AlgorithmFlags;

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

    /// Every algorithm's parameters, as `--ALGORITHM-PARAMETER` (from the registry).
    #[command(flatten)]
    pub params: AlgorithmFlags,
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
        if let Some(k) = self.k {
            c.k = Some(k);
            c.k_origin = "--k".into();
        }
        if let Some(l) = &self.label_column {
            c.label_column = Some(l.clone());
        }
        for (alg, name, value, flag) in &self.params.given {
            c.set(*alg, name, Value::String(value.clone()), flag.clone());
        }
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
        c.check_settings()
            .map_err(|e| CliError::new(e.to_string()))?;
        Ok(c)
    }
}

/// Runs `clusterlab compare` and prints where the report is.
pub fn run(args: &CompareArgs, out: &mut dyn Write) -> CliResult<()> {
    let cfg = args.to_config()?;
    let sum = clusterlab_report::run(&cfg).map_err(|e| CliError::new(e.to_string()))?;
    let io = crate::cli::io;
    let counted = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    writeln!(
        out,
        "compared {} × {} in {:.1} s (fitting {:.1} s, rendering {:.1} s)",
        counted(sum.studies.len(), "dataset"),
        counted(sum.algorithms.len(), "algorithm"),
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
            "{} failed (errors in metrics.json and the page)",
            counted(failed, "fit")
        )
        .map_err(io)?;
    }
    writeln!(out, "open {}", sum.out.join("index.html").display()).map_err(io)?;
    Ok(())
}
