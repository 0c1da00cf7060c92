//! `clusterlab fit ALGORITHM DATA`: fit, then print a summary or the JSON envelope.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use clusterlab_data::Dataset;
use clusterlab_em::{CovarianceType, GaussianMixture, GmmFit, GmmModel, Init};
use serde_json::{json, Value};

use crate::cli::{io, DataArgs, GmmArgs};
use crate::error::{CliError, CliResult};
use crate::output::{envelope, rows, tuple};

/// Load a dataset (CSV path or built-in name), z-scored if asked.
pub fn load_dataset(d: &DataArgs) -> CliResult<Dataset> {
    let ds = clusterlab_data::resolve(&d.data, d.label_column.as_deref(), d.seed)?;
    Ok(if d.standardize { ds.standardized() } else { ds })
}

/// Read a model JSON: the `gmm` object of a `fit --json` output, or a whole such output.
pub fn read_model(path: &Path) -> CliResult<GmmModel> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::new(format!("{}: cannot read: {e}", path.display())))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| CliError::new(format!("{}: not valid JSON: {e}", path.display())))?;
    let inner = value.get("gmm").cloned().unwrap_or(value);
    serde_json::from_value(inner).map_err(|e| CliError::new(format!("{}: {e}", path.display())))
}

/// Parse the covariance and init names and build the checked parameters.
pub fn gmm_params(args: &GmmArgs) -> CliResult<clusterlab_em::ValidGmmParams> {
    let init = match &args.init_model {
        Some(p) => Init::Model(Box::new(read_model(p)?)),
        None => args.init.parse()?,
    };
    let covariance: CovarianceType = match (&args.covariance, &init) {
        (Some(name), _) => name.parse()?,
        (None, Init::Model(m)) => m.covariance_type(),
        (None, _) => CovarianceType::Full,
    };
    Ok(GaussianMixture::params(args.k)
        .covariance_type(covariance)
        .init(init)
        .n_init(args.n_init)
        .tol(args.tol)
        .max_iter(args.max_iter)
        .reg_covar(args.reg_covar)
        .seed(args.data.seed)
        .check()?)
}

/// The `gmm` object of the JSON output.
pub fn gmm_json(fit: &GmmFit, ds: &Dataset) -> CliResult<Value> {
    let mut obj = serde_json::to_value(&fit.model).map_err(|e| CliError::new(e.to_string()))?;
    let m = obj
        .as_object_mut()
        .expect("a model serialises to an object");
    m.insert("log_likelihood".into(), json!(fit.log_likelihood));
    m.insert("lower_bounds".into(), json!(fit.lower_bounds));
    m.insert("n_iter".into(), json!(fit.n_iter));
    m.insert("converged".into(), json!(fit.converged));
    m.insert("bic".into(), json!(fit.bic(ds.x.view())?));
    m.insert("aic".into(), json!(fit.aic(ds.x.view())?));
    m.insert("warnings".into(), json!(fit.warnings));
    Ok(obj)
}

pub fn fit_gmm(args: &GmmArgs, out: &mut dyn Write) -> CliResult<()> {
    let params = gmm_params(args)?;
    let ds = load_dataset(&args.data)?;
    let start = Instant::now();
    let fit = params.fit(ds.x.view(), None)?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let labels: Vec<i64> = fit.labels.iter().map(|l| *l as i64).collect();
    let p = json!({
        "k": args.k, "covariance": params.covariance_type().name(), "init": params.init().name(),
        "n_init": args.n_init, "tol": args.tol, "max_iter": args.max_iter, "reg_covar": args.reg_covar,
        "seed": args.data.seed, "standardize": args.data.standardize,
    });
    let mut env = envelope("gmm", &ds, p, fit_seconds, &labels);
    if args.data.json {
        env.insert("gmm".into(), gmm_json(&fit, &ds)?);
        if args.proba {
            env.insert("responsibilities".into(), rows(fit.responsibilities.view()));
        }
        serde_json::to_writer(&mut *out, &Value::Object(env))
            .map_err(|e| CliError::new(e.to_string()))?;
        writeln!(out).map_err(io)?;
        return Ok(());
    }
    summarise_gmm(&fit, &ds, fit_seconds, &env, out)
}

fn summarise_gmm(
    fit: &GmmFit,
    ds: &Dataset,
    secs: f64,
    env: &serde_json::Map<String, Value>,
    out: &mut dyn Write,
) -> CliResult<()> {
    let m = &fit.model;
    let w = |r: std::io::Result<()>| r.map_err(io);
    w(writeln!(
        out,
        "gmm on {} ({} points × {} features), k = {}, {} covariances",
        ds.name,
        ds.n(),
        ds.d(),
        m.n_components(),
        m.covariance_type()
    ))?;
    w(writeln!(
        out,
        "{} after {} iterations in {:.4} s; mean log-likelihood {:.6}; BIC {:.3}; AIC {:.3}",
        if fit.converged {
            "converged"
        } else {
            "did not converge"
        },
        fit.n_iter,
        secs,
        fit.log_likelihood,
        fit.bic(ds.x.view())?,
        fit.aic(ds.x.view())?
    ))?;
    let mut sizes = vec![0usize; m.n_components()];
    for l in fit.labels.iter() {
        sizes[*l] += 1;
    }
    w(writeln!(
        out,
        "{:>9}  {:>7}  {:>6}  mean",
        "component", "weight", "points"
    ))?;
    for j in 0..m.n_components() {
        w(writeln!(
            out,
            "{:>9}  {:>7.4}  {:>6}  {}",
            j,
            m.weights()[j],
            sizes[j],
            tuple(m.means().row(j), 4)
        ))?;
    }
    let uncertain = fit.uncertainty().iter().filter(|u| **u > 0.1).count();
    w(writeln!(
        out,
        "{uncertain} points have max responsibility below 0.9 (boundary points)"
    ))?;
    if let (Some(a), Some(n)) = (env["ari"].as_f64(), env["nmi"].as_f64()) {
        w(writeln!(
            out,
            "against the label column: ARI {a:.4}, NMI {n:.4}"
        ))?;
    }
    for warning in &fit.warnings {
        w(writeln!(out, "warning: {warning}"))?;
    }
    Ok(())
}
