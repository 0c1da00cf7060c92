//! `clusterlab select DATA`: mclust's model selection. Fits every (model, k)
//! with EM (the plan of `clusterlab fit gmm`, so the same flags give the
//! same fits), prints the BIC table, the best three and the chosen model as
//! mclust's `summary(Mclust(X))` does, or with `--json` one object
//! `{table, best, criterion, fit_seconds}`. The logic is
//! [`clusterlab_study::select`]; this module only parses and prints.

use std::io::Write;

use clap::{ArgMatches, Args};
use clusterlab_algos::{Algorithm, Settings};
use clusterlab_report::Shown;
use clusterlab_study::select::{all_models, parse_ks, parse_models, select, Criterion, Selection};
use serde_json::Value;

use crate::cli::{io, param_arg, write_json, DataArgs};
use crate::error::CliResult;

/// Options of `clusterlab select`.
#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct SelectArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Models to fit: all, or a comma-separated list of mclust names (VVV, EEE, …) or scikit-learn's (full, tied, …).
    #[arg(long, default_value = "all", value_name = "all|LIST")]
    pub models: String,
    /// Numbers of components: a range (1..9), a list (2,3,5) or one k.
    #[arg(long, default_value = "1..9", value_name = "RANGE|LIST")]
    pub k: String,
    /// What ranks the table: bic or icl (lower is better for both).
    #[arg(long, default_value = "bic", value_name = "bic|icl")]
    pub criterion: String,
    /// No progress on stderr (by default a bar on a terminal, one line per fit otherwise).
    #[arg(long, short)]
    pub quiet: bool,
    /// EM's parameters, as for `clusterlab fit gmm` (--init, --n-init, --tol, …).
    #[command(flatten)]
    pub em: EmFlags,
}

/// The EM parameters `select` passes to every fit: those of `fit gmm` except
/// the covariance (the models are `--models`) and the file-only ones, but
/// with `--noise` (a uniform noise component in every fit, as mclust's
/// `Mclust(X, initialization = list(noise = …))`).
#[derive(Debug, Clone, Default)]
pub struct EmFlags {
    pub settings: Settings,
}

fn em_params() -> impl Iterator<Item = &'static clusterlab_algos::plan::ParamSpec> {
    Algorithm::Gmm
        .entry()
        .params
        .iter()
        .filter(|p| (!p.fit_only || p.name == "noise") && p.name != "covariance")
}

impl clap::FromArgMatches for EmFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut settings = Settings::new();
        for p in em_params() {
            if let Some(v) = m.get_one::<String>(p.name) {
                settings.set(p.name, Value::String(v.clone()), format!("--{}", p.flag()));
            }
        }
        Ok(EmFlags { settings })
    }
    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl clap::Args for EmFlags {
    fn augment_args(mut cmd: clap::Command) -> clap::Command {
        for p in em_params() {
            cmd = cmd.arg(param_arg(p.name.to_string(), p.flag(), p).help_heading("EM parameters"));
        }
        cmd
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// `clusterlab select DATA`.
pub fn run(args: &SelectArgs, out: &mut dyn Write) -> CliResult<()> {
    let models = parse_models(&args.models)?;
    let ks = parse_ks(&args.k)?;
    let criterion: Criterion = args.criterion.parse()?;
    args.em.settings.check_kinds(Algorithm::Gmm)?;
    let ds = crate::fit::load_dataset_showing(&args.data, args.quiet, "select")?;
    let models = models.unwrap_or_else(|| all_models(ds.d()));
    let progress = Shown::new(args.quiet, (models.len() * ks.len()) as u64, "select");
    let sel = select(
        ds.x.view(),
        &args.em.settings,
        &models,
        &ks,
        criterion,
        args.data.seed,
        &progress,
    );
    progress.finish();
    let sel = sel?;
    if args.data.json {
        return write_json(out, &sel);
    }
    summarise(&sel, &ds.name, out).map_err(io)
}

fn cell(v: Option<f64>) -> String {
    v.map_or("NA".to_string(), |v| format!("{v:.3}"))
}

/// mclust's summary: the criterion table (k down, models across), the top
/// three, the chosen model; failed fits listed with their reasons.
pub fn summarise(sel: &Selection, name: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let crit = match sel.criterion {
        Criterion::Bic => "BIC",
        Criterion::Icl => "ICL",
    };
    writeln!(
        out,
        "{name}: {crit} of every model and k, n = {} (lower is better; mclust prints the negatives); {:.3} s of fitting",
        sel.n, sel.fit_seconds
    )?;
    let mut models: Vec<&str> = Vec::new();
    let mut ks: Vec<usize> = Vec::new();
    for r in &sel.table {
        if !models.contains(&r.model) {
            models.push(r.model);
        }
        if !ks.contains(&r.k) {
            ks.push(r.k);
        }
    }
    write!(out, "{:>4}", "k")?;
    for m in &models {
        write!(out, " {m:>12}")?;
    }
    writeln!(out)?;
    for &k in &ks {
        write!(out, "{k:>4}")?;
        for m in &models {
            let r = sel.table.iter().find(|r| r.k == k && r.model == *m);
            let v = r.and_then(|r| match sel.criterion {
                Criterion::Bic => r.bic,
                Criterion::Icl => r.icl,
            });
            write!(out, " {:>12}", cell(v))?;
        }
        writeln!(out)?;
    }
    if !sel.best.is_empty() {
        writeln!(out, "\nTop {} by {crit}:", sel.best.len())?;
    }
    let top = sel.best.first().map(|b| match sel.criterion {
        Criterion::Bic => b.bic,
        Criterion::Icl => b.icl,
    });
    for b in &sel.best {
        let v = match sel.criterion {
            Criterion::Bic => b.bic,
            Criterion::Icl => b.icl,
        };
        writeln!(
            out,
            "  {},{:<3} {crit} {v:.3}  (+{:.3})",
            b.model,
            b.k,
            v - top.unwrap_or(v)
        )?;
    }
    match sel.best.first() {
        Some(b) => {
            let r = sel
                .table
                .iter()
                .find(|r| r.model == b.model && r.k == b.k)
                .expect("the best is a row");
            writeln!(
                out,
                "\nChosen: {} with {} component{}\n  log-likelihood {}  n {}  df {}  BIC {}  ICL {}",
                b.model,
                b.k,
                if b.k == 1 { "" } else { "s" },
                cell(r.log_likelihood),
                sel.n,
                r.n_parameters.map_or("NA".into(), |p| p.to_string()),
                cell(r.bic),
                cell(r.icl)
            )?;
        }
        None => writeln!(out, "\nNo model could be fitted.")?,
    }
    // One line per model and reason, with every k it holds at.
    let mut failed: Vec<(&str, &str, Vec<usize>)> = Vec::new();
    for r in &sel.table {
        let Some(e) = r.error.as_deref() else {
            continue;
        };
        match failed.iter_mut().find(|(m, w, _)| *m == r.model && *w == e) {
            Some((_, _, ks)) => ks.push(r.k),
            None => failed.push((r.model, e, vec![r.k])),
        }
    }
    if !failed.is_empty() {
        writeln!(out, "\nNot fitted (NA):")?;
        for (model, why, ks) in failed {
            let ks: Vec<String> = ks.iter().map(usize::to_string).collect();
            writeln!(out, "  {model}, k = {}: {why}", ks.join(", "))?;
        }
    }
    Ok(())
}
