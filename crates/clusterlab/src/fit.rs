//! `clusterlab fit ALGORITHM DATA`: plan, fit, then print a summary or the
//! JSON envelope. The parameters go through the registry
//! ([`mod@clusterlab_algos::plan`]), the same way `compare` resolves them.

use std::io::Write;

use clusterlab_algos::{plan, Clustering, Context, Extras};
use clusterlab_data::Dataset;
use clusterlab_em::GmmFit;
use serde_json::Value;

use clusterlab_report::Waiting;

use crate::cli::{io, write_json, DataArgs, FitAlgorithm};
use crate::error::{CliError, CliResult};
use crate::output::{envelope, rows, tuple};

/// How long reading or fitting runs before it shows progress.
pub(crate) const PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

/// Load a dataset (CSV path or built-in name), z-scored if asked.
pub fn load_dataset(d: &DataArgs) -> CliResult<Dataset> {
    let ds = clusterlab_data::resolve(&d.data, d.label_column.as_deref(), d.seed)?;
    Ok(if d.standardize { ds.standardized() } else { ds })
}

/// [`load_dataset`] for `command`, showing progress past [`PATIENCE`] unless `quiet`.
pub(crate) fn load_dataset_showing(d: &DataArgs, quiet: bool, command: &str) -> CliResult<Dataset> {
    let reading = Waiting::start(quiet, format!("{command} · reading {}", d.data), PATIENCE);
    let ds = load_dataset(d)?;
    reading.done();
    Ok(ds)
}

/// `clusterlab fit ALGORITHM DATA`.
pub fn fit(cmd: &FitAlgorithm, out: &mut dyn Write) -> CliResult<()> {
    // Values that do not parse fail before the data is read.
    cmd.settings.check_kinds(cmd.algorithm)?;
    #[cfg(feature = "distributed")]
    if let Some(d) = &cmd.distributed {
        return crate::distributed::fit(cmd, d, out);
    }
    let ds = load_dataset_showing(&cmd.data, cmd.quiet, "fit")?;
    let fitting = Waiting::start(
        cmd.quiet,
        format!(
            "fit · {} on {} ({} × {})",
            cmd.algorithm.title(),
            ds.name,
            ds.n(),
            ds.d()
        ),
        PATIENCE,
    );
    let ctx = Context::new(ds.x.view(), cmd.k, cmd.data.seed);
    let plan = plan(cmd.algorithm, &cmd.settings, &ctx)?;
    let c = plan.fit(ds.x.view())?;
    fitting.done();
    let name = cmd.algorithm.name();
    let mut env = envelope(
        name,
        &ds,
        Value::Object(plan.params.clone()),
        c.fit_seconds,
        &c.labels,
    );
    env.insert("standardized".into(), Value::Bool(cmd.data.standardize));
    let warnings = clusterlab_algos::warnings::warnings(&c, ds.x.view(), Some(&ds.feature_names));
    env.insert("warnings".into(), Value::from(warnings));
    if cmd.data.json {
        env.insert(name.into(), plan.result_json(&c, ds.x.view())?);
        if let (true, Some(m)) = (cmd.proba, &c.membership) {
            env.insert("responsibilities".into(), rows(m.view()));
        }
        if cmd.membership_vectors {
            let v = hdbscan_membership_vectors(&c, ds.x.view())?;
            if let Some(Value::Object(h)) = env.get_mut(name) {
                h.insert("membership_vectors".into(), v);
            }
        }
        return write_json(out, &Value::Object(env));
    }
    summarise(cmd.algorithm.title(), &c, &ds, &env, out).map_err(io)?;
    if cmd.membership_vectors {
        if let Extras::Hdbscan { tree: Some(t) } = &c.extras {
            let v = clusterlab_algos::hdbscan::membership_vectors(ds.x.view(), t);
            let mean = v.sum() / v.nrows().max(1) as f64;
            writeln!(
                out,
                "membership vectors: mean chance of being in some cluster {mean:.4} (--json prints them)"
            )
            .map_err(io)?;
        }
    }
    Ok(())
}

/// `hdbscan.membership_vectors`: n rows × clusters (see
/// [`clusterlab_algos::hdbscan::membership_vectors`]).
fn hdbscan_membership_vectors(c: &Clustering, x: ndarray::ArrayView2<f64>) -> CliResult<Value> {
    match &c.extras {
        Extras::Hdbscan { tree: Some(t) } => Ok(rows(
            clusterlab_algos::hdbscan::membership_vectors(x, t).view(),
        )),
        _ => Err(CliError::new(
            "--membership-vectors: needs the condensed tree of the kdtree backend",
        )),
    }
}

fn summarise(
    title: &str,
    c: &Clustering,
    ds: &Dataset,
    env: &serde_json::Map<String, Value>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{title} on {} ({} points × {} features)",
        ds.name,
        ds.n(),
        ds.d()
    )?;
    writeln!(
        out,
        "{} clusters, {} noise points, fitted in {:.4} s",
        c.n_clusters, c.n_noise, c.fit_seconds
    )?;
    if let Some(Value::Object(p)) = env.get("params") {
        let text: Vec<String> = p.iter().map(|(k, v)| format!("{k} {v}")).collect();
        writeln!(out, "parameters: {}", text.join(", "))?;
    }
    let mut sizes: Vec<usize> = Vec::new();
    for l in c.labels.iter().filter(|l| **l >= 0) {
        let l = *l as usize;
        if sizes.len() <= l {
            sizes.resize(l + 1, 0);
        }
        sizes[l] += 1;
    }
    // Every cluster up to the count announced, empty ones as 0 (a warning says why).
    if sizes.len() < c.n_clusters {
        sizes.resize(c.n_clusters, 0);
    }
    let sizes: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
    if !sizes.is_empty() {
        writeln!(out, "cluster sizes: {}", sizes.join(", "))?;
    }
    match &c.extras {
        Extras::KMeans {
            inertia, n_iter, ..
        } => writeln!(
            out,
            "inertia (sum of squared distances) {inertia:.6}; {n_iter} iterations"
        )?,
        Extras::KMedoids { medoids, loss } => writeln!(
            out,
            "loss (sum of distances to medoids) {loss:.6}; medoids at points {medoids:?}"
        )?,
        Extras::Dbscan { core_points } => writeln!(out, "{} core points", core_points.len())?,
        Extras::Optics { reachability, .. } => {
            let finite = reachability.iter().filter(|r| r.is_finite()).count();
            writeln!(out, "{finite} points with a finite reachability distance")?
        }
        Extras::Hdbscan { .. } => {
            if let Some(s) = &c.scores {
                let outliers = s.outlier_scores.iter().filter(|v| **v > 0.8).count();
                writeln!(out, "{outliers} points with GLOSH outlier score above 0.8")?
            }
        }
        Extras::Gmm(fit) => summarise_gmm(fit, ds, out)?,
        Extras::Bgmm(fit) => summarise_bgmm(fit, out)?,
    }
    if let (Some(a), Some(n)) = (env["ari"].as_f64(), env["nmi"].as_f64()) {
        writeln!(out, "against the label column: ARI {a:.4}, NMI {n:.4}")?;
    }
    if let Some(Value::Array(ws)) = env.get("warnings") {
        for w in ws.iter().filter_map(Value::as_str) {
            writeln!(out, "warning: {w}")?;
        }
    }
    Ok(())
}

/// The Bayesian mixture's lines: the bound, and the components it kept.
fn summarise_bgmm(fit: &clusterlab_em::bayes::BgmmFit, out: &mut dyn Write) -> std::io::Result<()> {
    let k = fit.weights.len();
    writeln!(
        out,
        "{} after {} iterations; lower bound {:.6}; {} of {k} components above weight 1/(100·k)",
        if fit.converged {
            "converged"
        } else {
            "did not converge"
        },
        fit.n_iter,
        fit.lower_bounds.last().copied().unwrap_or(f64::NAN),
        fit.effective_components(),
    )?;
    writeln!(out, "{:>9}  {:>7}  mean", "component", "weight")?;
    for j in 0..k {
        writeln!(
            out,
            "{:>9}  {:>7.4}  {}",
            j,
            fit.weights[j],
            tuple(fit.means.row(j), 4)
        )?;
    }
    Ok(())
}

/// The EM-specific lines of the summary: convergence, criteria, the components.
fn summarise_gmm(fit: &GmmFit, ds: &Dataset, out: &mut dyn Write) -> std::io::Result<()> {
    let m = &fit.model;
    let (bic, aic, icl) = (
        m.bic(ds.x.view()).unwrap_or(f64::NAN),
        m.aic(ds.x.view()).unwrap_or(f64::NAN),
        fit.icl(ds.x.view()).unwrap_or(f64::NAN),
    );
    let name = match m.model().sklearn_name() {
        Some(t) => format!("{t} ({})", m.model()),
        None => m.model().name().to_string(),
    };
    writeln!(
        out,
        "{name} covariances, {} free parameters; {} after {} iterations; mean log-likelihood {:.6}; BIC {bic:.3}; AIC {aic:.3}; ICL {icl:.3}",
        m.n_parameters(),
        if fit.converged { "converged" } else { "did not converge" },
        fit.n_iter,
        fit.log_likelihood,
    )?;
    if let Some(nz) = m.noise() {
        writeln!(
            out,
            "noise component: proportion {:.4}, density 1/V with ln V = {:.4} (weights below are of the clusters' share)",
            nz.proportion, nz.log_volume
        )?;
    }
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
    let uncertain = fit.uncertainty().iter().filter(|u| **u > 0.1).count();
    writeln!(
        out,
        "{uncertain} points have a largest responsibility below 0.9 (boundary points)"
    )?;
    Ok(())
}
