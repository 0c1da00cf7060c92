//! Command-line definitions (clap) and dispatch.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{CliError, CliResult};

/// Study clustering by fitting algorithms to a dataset and reading the pictures they draw.
#[derive(Debug, Parser)]
#[command(name = "clusterlab", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Fit one algorithm to one dataset and print a summary (or JSON).
    Fit {
        #[command(subcommand)]
        algorithm: FitAlgorithm,
    },
    /// Replay EM step by step: the E-step table and the M-step's new parameters.
    Trace(TraceArgs),
    /// List the built-in datasets, or export them as CSV.
    Datasets(DatasetsArgs),
    /// Fit every algorithm on datasets and render the reports
    Compare(crate::compare::CompareArgs),
}

#[derive(Debug, Subcommand)]
pub enum FitAlgorithm {
    /// EM for a Gaussian mixture (soft clustering).
    Gmm(GmmArgs),
    /// k-means (Lloyd iterations from k-means++ seeds; hard clustering).
    Kmeans(KMeansArgs),
    /// k-medoids by FasterPAM (clusters around actual data points).
    Kmedoids(KMedoidsArgs),
    /// DBSCAN: density-connected clusters at radius eps, plus noise.
    Dbscan(DbscanArgs),
    /// OPTICS: reachability ordering, clusters by the xi method or a cut at eps.
    Optics(OpticsArgs),
    /// HDBSCAN: clusters from a density hierarchy, with membership probabilities and outlier scores.
    Hdbscan(HdbscanArgs),
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct KMeansArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Number of clusters.
    #[arg(long)]
    pub k: usize,
    /// Number of k-means++ restarts; the lowest inertia wins.
    #[arg(long, default_value_t = 10)]
    pub n_init: usize,
    /// Maximum Lloyd iterations per restart.
    #[arg(long, default_value_t = 300)]
    pub max_iter: usize,
    /// Convergence threshold on centroid movement.
    #[arg(long, default_value_t = 1e-4)]
    pub tol: f64,
    /// Seeding: kmeans++ or random.
    #[arg(long, default_value = "kmeans++")]
    pub init: String,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct KMedoidsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Number of clusters.
    #[arg(long)]
    pub k: usize,
    /// Number of restarts; the lowest loss wins.
    #[arg(long, default_value_t = 1)]
    pub n_init: usize,
    /// Maximum FasterPAM swap passes.
    #[arg(long, default_value_t = 100)]
    pub max_iter: usize,
    /// Initial medoids: kmeans++ or random.
    #[arg(long, default_value = "kmeans++")]
    pub init: String,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct DbscanArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Neighbourhood radius.
    #[arg(long, default_value_t = 0.5)]
    pub eps: f64,
    /// Points within eps (the point itself included) that make a core point.
    #[arg(long, default_value_t = 5)]
    pub min_samples: usize,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct OpticsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Points (the point itself included) that make a core point: a count, or a fraction of n below 1.
    #[arg(long, default_value = "5")]
    pub min_samples: String,
    /// Largest neighbourhood radius considered (default: unbounded).
    #[arg(long, default_value_t = f64::INFINITY)]
    pub max_eps: f64,
    /// Cluster extraction: xi or dbscan.
    #[arg(long, default_value = "xi")]
    pub cluster_method: String,
    /// Minimum relative steepness of a cluster boundary (xi method), in (0, 1).
    #[arg(long, default_value_t = 0.05)]
    pub xi: f64,
    /// Smallest cluster (xi method): a count, or a fraction of n below 1 (default: min-samples).
    #[arg(long)]
    pub min_cluster_size: Option<String>,
    /// Reachability cut for the dbscan method (default: max-eps).
    #[arg(long)]
    pub eps: Option<f64>,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct HdbscanArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Smallest cluster: a count, or a fraction of n below 1.
    #[arg(long, default_value = "5")]
    pub min_cluster_size: String,
    /// Neighbours (the point itself included) for the core distance (default: min-cluster-size).
    #[arg(long)]
    pub min_samples: Option<usize>,
}

/// Options every `fit` takes.
#[derive(Debug, Args, Clone)]
pub struct DataArgs {
    /// A CSV file (header row, numeric columns, optional integer `label`) or a built-in dataset name.
    pub data: String,
    /// Name of the ground-truth column (default: `label` if present).
    #[arg(long)]
    pub label_column: Option<String>,
    /// Z-score every feature before fitting.
    #[arg(long)]
    pub standardize: bool,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Random seed (initialisation, built-in generators).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct GmmArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Number of components.
    #[arg(long)]
    pub k: usize,
    /// Covariance type: full, diag, spherical or tied (default: full, or the --init-model's type).
    #[arg(long)]
    pub covariance: Option<String>,
    /// Initialisation: kmeans, kmeans++, random or random-from-data.
    #[arg(long, default_value = "kmeans")]
    pub init: String,
    /// Start from this model (JSON with weights, means, covariances, covariance_type); the first step is an E-step from it.
    #[arg(long, conflicts_with = "init")]
    pub init_model: Option<PathBuf>,
    /// Number of restarts; the best final lower bound wins.
    #[arg(long, default_value_t = 1)]
    pub n_init: usize,
    /// Convergence threshold on the change of the mean log-likelihood (0 runs exactly max-iter).
    #[arg(long, default_value_t = 1e-3)]
    pub tol: f64,
    /// Maximum number of EM iterations.
    #[arg(long, default_value_t = 100)]
    pub max_iter: usize,
    /// Added to every covariance diagonal.
    #[arg(long, default_value_t = 1e-6)]
    pub reg_covar: f64,
    /// Include each point's responsibilities in the JSON.
    #[arg(long)]
    pub proba: bool,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct TraceArgs {
    /// A CSV file or built-in name (default: the seed's six points).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Start from this model JSON (default for the seed: means 1.60/4.40, variances 1, weights ½).
    #[arg(long)]
    pub init_model: Option<PathBuf>,
    /// Number of components when starting from k-means (with --dataset and no --init-model).
    #[arg(long, default_value_t = 2)]
    pub k: usize,
    /// Stop after this many iterations even if not converged.
    #[arg(long, default_value_t = 100)]
    pub steps: usize,
    /// Convergence threshold on the change of the mean log-likelihood.
    #[arg(long, default_value_t = 1e-3)]
    pub tol: f64,
    /// Name of the ground-truth column in a CSV.
    #[arg(long)]
    pub label_column: Option<String>,
    /// Random seed for the k-means start.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

#[derive(Debug, Args, Clone)]
pub struct DatasetsArgs {
    /// Write every built-in dataset as DIR/<name>.csv.
    #[arg(long, value_name = "DIR")]
    pub write: Option<PathBuf>,
    /// Seed of the generators.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Run with these arguments; returns the process exit code.
pub fn main_with_args<I: IntoIterator<Item = OsString>>(args: I) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    0
                }
                _ => {
                    let text = e.render().to_string();
                    let first = text.lines().next().unwrap_or("invalid arguments");
                    eprintln!("{}", first.trim());
                    2
                }
            };
        }
    };
    match run(cli) {
        Ok(()) => 0,
        // The reader went away (e.g. `| head`): stop quietly, as command-line tools do.
        Err(e) if e.is_broken_pipe() => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// Dispatch a parsed command.
pub fn run(cli: Cli) -> CliResult<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        None => crate::compare::run(&crate::compare::CompareArgs::default(), &mut out),
        Some(Command::Fit { algorithm }) => crate::fit::fit(&algorithm, &mut out),
        Some(Command::Trace(args)) => crate::trace::run(&args, &mut out),
        Some(Command::Datasets(args)) => datasets(&args, &mut out),
        Some(Command::Compare(args)) => crate::compare::run(&args, &mut out),
    }
}

fn datasets(args: &DatasetsArgs, out: &mut dyn Write) -> CliResult<()> {
    match &args.write {
        None => {
            writeln!(
                out,
                "{:<16} {:>5} {:>3} {:>8}  description",
                "name", "n", "d", "clusters"
            )
            .map_err(io)?;
            for name in clusterlab_data::builtin_names() {
                let ds =
                    clusterlab_data::builtin(name, args.seed).expect("a listed name is built in");
                let clusters = ds
                    .n_true_clusters()
                    .map_or("-".to_string(), |c| c.to_string());
                let desc = clusterlab_data::builtin_description(name).unwrap_or("");
                writeln!(
                    out,
                    "{:<16} {:>5} {:>3} {:>8}  {desc}",
                    name,
                    ds.n(),
                    ds.d(),
                    clusters
                )
                .map_err(io)?;
            }
            Ok(())
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                CliError::new(format!("{}: cannot create directory: {e}", dir.display()))
            })?;
            for name in clusterlab_data::builtin_names() {
                let ds =
                    clusterlab_data::builtin(name, args.seed).expect("a listed name is built in");
                let path = dir.join(format!("{name}.csv"));
                ds.write_csv(&path)?;
                writeln!(out, "wrote {}", path.display()).map_err(io)?;
            }
            Ok(())
        }
    }
}

/// Writing to stdout failed (e.g. a closed pipe).
pub fn io(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return CliError::new(crate::error::BROKEN_PIPE);
    }
    CliError::new(format!("cannot write output: {e}"))
}
