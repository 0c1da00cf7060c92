//! `fit gmm|kmeans DATA --workers W [--processes P --process I --hostfile
//! FILE] [--stream] [--timeout SECONDS]`: the fit on timely dataflow
//! (`clusterlab-distributed`). Every process runs the same command with its
//! own `--process`; process 0 prints the result, in the same form as the
//! single-process `fit` (labels gathered for `--json`, responsibilities for
//! `--proba`; the human summary gathers neither).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches};
use clusterlab_algos::plan::{rows, Runnable};
use clusterlab_algos::{plan, Algorithm, Context, KMeansBackend};
use clusterlab_distributed::{ClusterConfig, Fit, Job, KMeansJob, Outcome};
use ndarray::Array2;
use serde_json::{json, Map, Value};

use crate::cli::{io, FitAlgorithm};
use crate::error::{CliError, CliResult};
use crate::output::{count_clusters, tuple};

/// Seconds to wait for a peer's connection or one exchange's data, unless set.
pub const DEFAULT_TIMEOUT: f64 = 60.0;

/// The distributed flags of one `fit`.
#[derive(Debug, Clone, PartialEq)]
pub struct DistArgs {
    pub workers: usize,
    pub processes: usize,
    pub process: usize,
    pub hostfile: Option<PathBuf>,
    pub stream: bool,
    pub timeout: f64,
}

fn distributable(a: Algorithm) -> bool {
    matches!(a, Algorithm::Gmm | Algorithm::KMeans)
}

impl DistArgs {
    /// Adds the flags to the `fit` subcommand of EM and k-means.
    pub fn augment(a: Algorithm, sc: clap::Command) -> clap::Command {
        if !distributable(a) {
            return sc;
        }
        let heading = "Distributed (timely dataflow)";
        let count = |name: &'static str, help: &'static str| {
            Arg::new(name)
                .long(name)
                .value_name("N")
                .value_parser(clap::value_parser!(usize))
                .help(help)
                .help_heading(heading)
        };
        sc.arg(count(
            "workers",
            "Run on timely dataflow with N worker threads per process (each reads rows i mod (N·P) = its index)",
        ))
        .arg(count("processes", "Number of processes P (default 1; more need --hostfile)").requires("workers"))
        .arg(
            count("process", "This process's index I in 0..P (default 0)")
                .value_name("I")
                .requires("workers"),
        )
        .arg(
            Arg::new("hostfile")
                .long("hostfile")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("One host:port per line, one line per process, in process order")
                .help_heading(heading)
                .requires("workers"),
        )
        .arg(
            Arg::new("stream")
                .long("stream")
                .action(ArgAction::SetTrue)
                .help("Read the rows from the memory-mapped .npy on every pass instead of holding them")
                .help_heading(heading)
                .requires("workers"),
        )
        .arg(
            Arg::new("timeout")
                .long("timeout")
                .value_name("SECONDS")
                .value_parser(clap::value_parser!(f64))
                .help("Longest wait for a peer's connection or one exchange's data [default: 60]")
                .help_heading(heading)
                .requires("workers"),
        )
    }

    /// The flags given, if `--workers` is one of them.
    pub fn from_matches(a: Algorithm, m: &ArgMatches) -> Option<DistArgs> {
        if !distributable(a) {
            return None;
        }
        let workers = *m.get_one::<usize>("workers")?;
        Some(DistArgs {
            workers,
            processes: m.get_one::<usize>("processes").copied().unwrap_or(1),
            process: m.get_one::<usize>("process").copied().unwrap_or(0),
            hostfile: m.get_one::<PathBuf>("hostfile").cloned(),
            stream: m.get_flag("stream"),
            timeout: m
                .get_one::<f64>("timeout")
                .copied()
                .unwrap_or(DEFAULT_TIMEOUT),
        })
    }

    fn cluster(&self) -> CliResult<ClusterConfig> {
        if !(self.timeout.is_finite() && self.timeout > 0.0) {
            return Err(CliError::new(format!(
                "--timeout {} must be a positive number of seconds",
                self.timeout
            )));
        }
        let timeout = Duration::from_secs_f64(self.timeout);
        match &self.hostfile {
            Some(h) => {
                ClusterConfig::from_hostfile(self.workers, self.processes, self.process, h, timeout)
            }
            None if self.processes > 1 => Err(format!(
                "--processes {} needs --hostfile (one host:port per process)",
                self.processes
            )),
            None if self.process > 0 => Err(format!(
                "--process {} is not below --processes 1",
                self.process
            )),
            None => ClusterConfig::new(self.workers, 0, vec!["localhost".into()], timeout),
        }
        .map_err(CliError::new)
    }
}

/// The ground truth for ARI/NMI: `DATA.labels.npy` beside a `.npy`, the label column of a CSV.
fn truth(data: &Path, label_column: Option<&str>, n: usize) -> CliResult<Option<Vec<i64>>> {
    if clusterlab_data::is_npy(data) {
        let lp = clusterlab_data::labels_path(data);
        if !lp.exists() {
            return Ok(None);
        }
        return Ok(Some(clusterlab_data::read_labels(&lp, n)?));
    }
    Ok(clusterlab_data::load_csv(data, label_column)?.labels)
}

/// Rows of the data file (a `.npy`'s header; a CSV is read).
fn row_count(data: &Path) -> CliResult<usize> {
    if clusterlab_data::is_npy(data) {
        let m = clusterlab_data::NpyMatrix::open(data).map_err(|e| CliError::new(e.to_string()))?;
        return Ok(m.n());
    }
    Ok(clusterlab_data::load_csv(data, None)?.n())
}

/// `fit ALGORITHM DATA --workers W ...`.
pub fn fit(cmd: &FitAlgorithm, d: &DistArgs, out: &mut dyn Write) -> CliResult<()> {
    let data = PathBuf::from(&cmd.data.data);
    if clusterlab_data::builtin(&cmd.data.data, cmd.data.seed).is_some() && !data.exists() {
        return Err(CliError::new(format!(
            "{}: --workers reads a file (write the built-in with `clusterlab datasets --write DIR`)",
            cmd.data.data
        )));
    }
    let cluster = d.cluster()?;
    // The plan needs no rows for EM and k-means: only k, the seed and (to
    // check --init-labels) the row count.
    let n_rows = match cmd.settings.get("init_labels") {
        Some(_) => row_count(&data)?,
        None => 0,
    };
    let empty = Array2::<f64>::zeros((n_rows, 0));
    let ctx = Context::new(empty.view(), cmd.k, cmd.data.seed);
    let plan = plan(cmd.algorithm, &cmd.settings, &ctx)?;
    let fit = match (&plan.runnable, cmd.algorithm) {
        (Runnable::Gmm(p), _) => Fit::Gmm(p.clone()),
        (Runnable::Clusterer(_), Algorithm::KMeans) => {
            let p = clusterlab_algos::kmeans::plan::checked_params(&cmd.settings, &ctx)?;
            if p.backend() != KMeansBackend::Lloyd {
                return Err(CliError::new(
                    "--backend linfa is not available with --workers (the distributed k-means is Lloyd's)",
                ));
            }
            Fit::KMeans(KMeansJob::from_params(&p))
        }
        _ => {
            return Err(CliError::new(format!(
                "--workers is not available for {}",
                cmd.algorithm.name()
            )))
        }
    };
    let job = Job {
        data: data.clone(),
        fit,
        stream: d.stream,
        standardize: cmd.data.standardize,
        labels: cmd.data.json,
        proba: cmd.proba,
    };
    let Some(outcome) = clusterlab_distributed::run(&cluster, &job).map_err(CliError::new)? else {
        return Ok(());
    };
    let name = cmd.algorithm.name();
    let (n, dims, fit_seconds, labels) = match &outcome {
        Outcome::Gmm(g) => (
            g.fit.n,
            g.fit.model.n_features(),
            g.fit_seconds,
            g.labels.clone(),
        ),
        Outcome::KMeans(k) => (k.n, k.centroids.ncols(), k.fit_seconds, k.labels.clone()),
    };
    let dataset = data
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !cmd.data.json {
        return summarise(&outcome, &dataset, out).map_err(io);
    }
    let labels = labels.unwrap_or_default();
    let n = n.max(labels.len());
    let truth = truth(&data, cmd.data.label_column.as_deref(), n)?;
    let (ari, nmi) = match &truth {
        Some(t) => (
            json!(clusterlab_metrics::adjusted_rand_index(t, &labels)),
            json!(clusterlab_metrics::normalized_mutual_info(t, &labels)),
        ),
        None => (Value::Null, Value::Null),
    };
    let mut env = Map::new();
    env.insert("algorithm".into(), json!(name));
    env.insert("dataset".into(), json!(dataset));
    env.insert("n".into(), json!(n));
    env.insert("d".into(), json!(dims));
    env.insert("params".into(), Value::Object(plan.params.clone()));
    env.insert("fit_seconds".into(), json!(fit_seconds));
    env.insert("labels".into(), json!(labels));
    env.insert("n_clusters".into(), json!(count_clusters(&labels)));
    env.insert(
        "noise".into(),
        json!(labels.iter().filter(|l| **l < 0).count()),
    );
    env.insert("ari".into(), ari);
    env.insert("nmi".into(), nmi);
    env.insert("standardized".into(), json!(cmd.data.standardize));
    match &outcome {
        Outcome::Gmm(g) => {
            let f = &g.fit;
            let mut obj =
                serde_json::to_value(&f.model).map_err(|e| CliError::new(e.to_string()))?;
            let m = obj
                .as_object_mut()
                .ok_or_else(|| CliError::new("gmm: the model is not a JSON object"))?;
            let total = f.log_likelihood * f.n as f64;
            let p = f.model.n_parameters() as f64;
            m.insert("log_likelihood".into(), json!(f.log_likelihood));
            m.insert("lower_bounds".into(), json!(f.lower_bounds));
            m.insert("n_iter".into(), json!(f.n_iter));
            m.insert("converged".into(), json!(f.converged));
            m.insert("bic".into(), json!(-2.0 * total + p * (f.n as f64).ln()));
            m.insert("aic".into(), json!(-2.0 * total + 2.0 * p));
            m.insert("warnings".into(), json!(f.warnings));
            env.insert(name.into(), obj);
            if let Some(r) = &g.responsibilities {
                env.insert("responsibilities".into(), rows(r.view()));
            }
        }
        Outcome::KMeans(k) => {
            env.insert(
                name.into(),
                json!({"centroids": rows(k.centroids.view()), "inertia": k.inertia, "n_iter": k.n_iter}),
            );
        }
    }
    crate::cli::write_json(out, &Value::Object(env))
}

fn summarise(o: &Outcome, dataset: &str, out: &mut dyn Write) -> std::io::Result<()> {
    match o {
        Outcome::Gmm(g) => {
            let f = &g.fit;
            let m = &f.model;
            writeln!(
                out,
                "EM (GMM) on {dataset} ({} points × {} features), fitted in {:.4} s on timely dataflow",
                f.n,
                m.n_features(),
                g.fit_seconds
            )?;
            writeln!(
                out,
                "{} covariances; {} after {} iterations; mean log-likelihood {:.6}",
                m.covariance_type(),
                if f.converged {
                    "converged"
                } else {
                    "did not converge"
                },
                f.n_iter,
                f.log_likelihood
            )?;
            writeln!(out, "{:>9}  {:>7}  mean", "component", "weight")?;
            for j in 0..m.n_components() {
                writeln!(
                    out,
                    "{:>9}  {:>7.4}  {}",
                    j,
                    m.weights()[j],
                    tuple(m.means().row(j), 4)
                )?;
            }
            for w in &f.warnings {
                writeln!(out, "warning: {w}")?;
            }
        }
        Outcome::KMeans(k) => {
            writeln!(
                out,
                "k-means on {dataset} ({} points × {} features), fitted in {:.4} s on timely dataflow",
                k.n,
                k.centroids.ncols(),
                k.fit_seconds
            )?;
            writeln!(
                out,
                "inertia (sum of squared distances) {:.6}; {} iterations",
                k.inertia, k.n_iter
            )?;
            for (j, c) in k.centroids.rows().into_iter().enumerate() {
                writeln!(out, "centroid {j}: {}", tuple(c, 4))?;
            }
        }
    }
    Ok(())
}
