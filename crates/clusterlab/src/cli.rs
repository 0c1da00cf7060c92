//! Command-line definitions (clap) and dispatch.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Args, Parser, Subcommand};
use clusterlab_algos::plan::{Kind, ParamSpec};
use clusterlab_algos::{Algorithm, Settings};
use serde_json::Value;

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
    /// EM from many starts: the optima reached, by init method
    Starts(crate::starts::StartsArgs),
    /// Write a CSV's features as a float64 .npy (labels to DATA.labels.npy) for fast, memory-mapped reading.
    Convert(crate::convert::ConvertArgs),
    /// Choose the mixture model and k as mclust does: every model × k, the BIC (or ICL) table, the best three.
    Select(crate::select::SelectArgs),
}

/// `clusterlab fit ALGORITHM DATA [--k K] [PARAMETERS]`: one subcommand per
/// registry entry, its flags generated from the algorithm's [`ParamSpec`]s
/// (the one place each parameter, its help and its default are declared).
#[derive(Debug, Clone)]
pub struct FitAlgorithm {
    pub algorithm: Algorithm,
    pub data: DataArgs,
    /// `--k`, for the algorithms that take it.
    pub k: Option<usize>,
    /// The parameters given, named by their flags.
    pub settings: Settings,
    /// `--proba`: include the soft membership in the JSON.
    pub proba: bool,
    /// `--membership-vectors` (HDBSCAN): the soft density clusters in the JSON.
    pub membership_vectors: bool,
    /// `--quiet`: no progress on stderr, even for a long fit.
    pub quiet: bool,
    /// `--workers` and the other distributed flags (EM and k-means), when given.
    #[cfg(feature = "distributed")]
    pub distributed: Option<crate::distributed::DistArgs>,
}

/// The help line of a parameter: what it is and its default.
pub fn param_help(p: &ParamSpec) -> String {
    format!("{} [default: {}]", p.help, p.default)
}

pub(crate) fn param_arg(id: String, long: String, p: &ParamSpec) -> Arg {
    let value_name = match p.kind {
        Kind::Count => "N",
        Kind::Float => "X",
        Kind::Size => "N|FRACTION",
        Kind::Choice(_) => "NAME",
        Kind::Path => "FILE",
        Kind::Flag => "BOOL",
    };
    let arg = Arg::new(id)
        .long(long)
        .help(param_help(p))
        .value_name(value_name)
        .action(ArgAction::Set);
    match p.kind {
        Kind::Flag => arg.num_args(0..=1).default_missing_value("true"),
        _ => arg,
    }
}

impl clap::FromArgMatches for FitAlgorithm {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let (name, sub) = m.subcommand().ok_or_else(|| {
            clap::Error::raw(
                clap::error::ErrorKind::MissingSubcommand,
                "fit needs an algorithm",
            )
        })?;
        let algorithm = Algorithm::parse(name).map_err(|e| {
            clap::Error::raw(clap::error::ErrorKind::InvalidSubcommand, e.to_string())
        })?;
        let entry = algorithm.entry();
        let mut settings = Settings::new();
        for p in entry.params {
            if let Some(v) = sub.get_one::<String>(p.name) {
                settings.set(p.name, Value::String(v.clone()), format!("--{}", p.flag()));
            }
        }
        Ok(FitAlgorithm {
            algorithm,
            data: DataArgs::from_arg_matches(sub)?,
            k: if entry.needs_k {
                sub.get_one::<usize>("k").copied()
            } else {
                None
            },
            settings,
            proba: entry.soft && sub.get_flag("proba"),
            membership_vectors: algorithm == Algorithm::Hdbscan
                && sub.get_flag("membership-vectors"),
            quiet: sub.get_flag("quiet"),
            #[cfg(feature = "distributed")]
            distributed: crate::distributed::DistArgs::from_matches(algorithm, sub),
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl clap::Subcommand for FitAlgorithm {
    fn augment_subcommands(mut cmd: clap::Command) -> clap::Command {
        for a in Algorithm::EVERY {
            let e = a.entry();
            let mut sc = DataArgs::augment_args(clap::Command::new(e.name))
                .about(e.about)
                .aliases(e.aliases.iter().copied())
                .allow_negative_numbers(true);
            if e.needs_k {
                sc = sc.arg(
                    Arg::new("k")
                        .long("k")
                        .required(true)
                        .value_name("K")
                        .value_parser(clap::value_parser!(usize))
                        .help("Number of clusters"),
                );
            }
            for p in e.params {
                sc = sc.arg(param_arg(p.name.to_string(), p.flag(), p));
            }
            if e.soft {
                sc = sc.arg(
                    Arg::new("proba")
                        .long("proba")
                        .action(ArgAction::SetTrue)
                        .help(
                            "Include each point's soft membership (responsibilities) in the JSON",
                        ),
                );
            }
            if a == Algorithm::Hdbscan {
                sc = sc.arg(
                    Arg::new("membership-vectors")
                        .long("membership-vectors")
                        .action(ArgAction::SetTrue)
                        .help("Include each point's soft membership in every cluster (hdbscan.membership_vectors, rows summing to the chance of being in some cluster) in the JSON"),
                );
            }
            sc = sc.arg(
                Arg::new("quiet")
                    .long("quiet")
                    .short('q')
                    .action(ArgAction::SetTrue)
                    .help("No progress on stderr (by default reading or fitting that takes over a second shows a spinner on a terminal, a line otherwise)"),
            );
            #[cfg(feature = "distributed")]
            {
                sc = crate::distributed::DistArgs::augment(a, sc);
            }
            cmd = cmd.subcommand(sc);
        }
        cmd.subcommand_required(true)
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        Algorithm::parse(name).is_ok()
    }
}

/// The per-algorithm flags of `compare` (`--dbscan-eps`, `--gmm-covariance`,
/// …), generated from the registry: every parameter `compare` takes.
#[derive(Debug, Clone, Default)]
pub struct AlgorithmFlags {
    /// (algorithm, parameter, value as written, flag).
    pub given: Vec<(Algorithm, &'static str, String, String)>,
}

fn compare_flag(a: Algorithm, p: &ParamSpec) -> String {
    format!("{}-{}", a.name(), p.flag())
}

impl clap::FromArgMatches for AlgorithmFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut given = Vec::new();
        for a in Algorithm::EVERY {
            for p in a.entry().params.iter().filter(|p| !p.fit_only) {
                let flag = compare_flag(a, p);
                if let Some(v) = m.get_one::<String>(&flag) {
                    given.push((a, p.name, v.clone(), format!("--{flag}")));
                }
            }
        }
        Ok(AlgorithmFlags { given })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl clap::Args for AlgorithmFlags {
    fn augment_args(mut cmd: clap::Command) -> clap::Command {
        for a in Algorithm::EVERY {
            for p in a.entry().params.iter().filter(|p| !p.fit_only) {
                let flag = compare_flag(a, p);
                let mut arg = param_arg(flag.clone(), flag, p)
                    .help(format!("{}: {}", a.title(), param_help(p)))
                    .help_heading("Algorithm parameters");
                if a == Algorithm::Gmm && p.name == "covariance" {
                    arg = arg.alias("covariance");
                }
                cmd = cmd.arg(arg);
            }
        }
        cmd
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// Options every `fit` takes.
#[derive(Debug, Args, Clone)]
pub struct DataArgs {
    /// A CSV file (header row, numeric columns, optional integer `label`), a float64 .npy file (labels from DATA.labels.npy) or a built-in dataset name.
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
    /// Write every built-in dataset as DIR/NAME.csv.
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
        Some(Command::Starts(args)) => crate::starts::run(&args, &mut out),
        Some(Command::Convert(args)) => crate::convert::run(&args, &mut out),
        Some(Command::Select(args)) => crate::select::run(&args, &mut out),
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
/// Writes `v` as one line of JSON; a reader that went away is
/// [`io`]'s broken pipe (not reported), any other failure says it could not write.
pub fn write_json(out: &mut dyn Write, v: &impl serde::Serialize) -> CliResult<()> {
    serde_json::to_writer(&mut *out, v).map_err(|e| io(e.into()))?;
    writeln!(out).map_err(io)
}

pub fn io(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return CliError::new(crate::error::BROKEN_PIPE);
    }
    CliError::new(format!("cannot write output: {e}"))
}
