//! `clusterlab starts DATA --k K [--starts 50] [--json]`: EM from many
//! starts (the default fit, each init method × seeds, and k-means',
//! k-medoids' and HDBSCAN's labels), the distinct optima they reach and the
//! share of each method's starts that reach the best
//! (see [`clusterlab_study::starts`]).

use std::io::Write;

use clap::Args;
use clusterlab_algos::{plan, Algorithm, Context, Settings};
use clusterlab_report::Waiting;
use clusterlab_study::starts::{init_sensitivity, InitSensitivity, LabelStart, DEFAULT_STARTS};
use serde_json::{json, Value};

use crate::cli::{io, DataArgs};
use crate::error::{CliError, CliResult};
use crate::fit::{load_dataset_showing, PATIENCE};

/// Options of `clusterlab starts`.
#[derive(Debug, Args, Clone)]
pub struct StartsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Number of components.
    #[arg(long)]
    pub k: usize,
    /// Starts in all: the default fit, one per label start, the rest split over the four init methods.
    #[arg(long, default_value_t = DEFAULT_STARTS)]
    pub starts: usize,
    /// Covariance type: full, diag, spherical or tied [default: full].
    #[arg(long)]
    pub covariance: Option<String>,
    /// No progress on stderr (by default a step that takes over a second shows a spinner on a terminal, a line otherwise).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `clusterlab starts`.
pub fn run(args: &StartsArgs, out: &mut dyn Write) -> CliResult<()> {
    let wait = |what: String| Waiting::start(args.quiet, format!("starts · {what}"), PATIENCE);
    let ds = load_dataset_showing(&args.data, args.quiet, "starts")?;
    let x = ds.x.view();
    let ctx = Context::new(x, Some(args.k), args.data.seed);
    let mut settings = Settings::new();
    if let Some(c) = &args.covariance {
        settings.set("covariance", Value::String(c.clone()), "--covariance");
    }
    let gmm = plan(Algorithm::Gmm, &settings, &ctx)?;
    let params = gmm
        .gmm()
        .ok_or_else(|| CliError::new("starts: not an EM plan"))?;
    // The label starts: each algorithm's default plan on the same data.
    let t = std::time::Instant::now();
    let labelling = wait(format!(
        "k-means', k-medoids' and HDBSCAN's labels of {}",
        ds.name
    ));
    let labels: Vec<LabelStart> = [
        (Algorithm::KMeans, "kmeans-labels"),
        (Algorithm::KMedoids, "kmedoids-labels"),
        (Algorithm::Hdbscan, "hdbscan-labels"),
    ]
    .into_iter()
    .map(|(a, name)| {
        let l = plan(a, &Settings::new(), &ctx)
            .map_err(|e| e.0)
            .and_then(|p| p.fit(x).map_err(|e| e.to_string()))
            .map(|c| c.labels);
        (name.to_string(), l)
    })
    .collect();
    let label_seconds = t.elapsed().as_secs_f64();
    labelling.done();
    let fitting = wait(format!("EM from {} starts on {}", args.starts, ds.name));
    let r = init_sensitivity(x, (0..ds.n()).collect(), params, None, &labels, args.starts)
        .map_err(CliError::new)?;
    fitting.done();
    if args.data.json {
        let mut v = serde_json::to_value(&r).map_err(|e| CliError::new(e.to_string()))?;
        if let Some(m) = v.as_object_mut() {
            m.insert("dataset".into(), json!(ds.name));
            m.insert("n".into(), json!(ds.n()));
            m.insert("d".into(), json!(ds.d()));
            m.insert("k".into(), json!(args.k));
            m.insert("params".into(), Value::Object(gmm.params.clone()));
            m.insert("label_fit_seconds".into(), json!(label_seconds));
        }
        return crate::cli::write_json(out, &v);
    }
    summarise(&ds.name, args.k, &r, label_seconds, out).map_err(io)
}

fn summarise(
    name: &str,
    k: usize,
    r: &InitSensitivity,
    label_seconds: f64,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "EM on {name} (k = {k}) from {} starts: {} distinct optima; EM fits {:.2} s in parallel (label starts' own fits {:.2} s)",
        r.starts.len(),
        r.optima.len(),
        r.fit_seconds,
        label_seconds
    )?;
    writeln!(
        out,
        "{:>8}  {:>15}  {:>6}",
        "optimum", "log-likelihood", "starts"
    )?;
    for o in &r.optima {
        writeln!(
            out,
            "{:>8}  {:>15.6}  {:>6}",
            o.id + 1,
            o.log_likelihood,
            o.count
        )?;
    }
    writeln!(
        out,
        "share of each method's starts reaching the best optimum:"
    )?;
    for (m, s) in &r.best_share_by_method {
        writeln!(out, "  {m:<17} {:>5.1}%", 100.0 * s)?;
    }
    for s in &r.skipped {
        writeln!(out, "skipped: {s}")?;
    }
    Ok(())
}
