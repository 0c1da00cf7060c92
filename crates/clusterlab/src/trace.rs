//! `clusterlab trace`: the seed's trace lab, replayed. For each iteration, the
//! E-step table (each point's responsibility under each Gaussian) and the
//! M-step's new means, variances and weights, with the log-likelihood.

use std::io::Write;

use clusterlab_em::{Covariances, GaussianMixture, GmmFit, GmmModel, Init};
use ndarray::{array, Array2, ArrayView2};

use crate::cli::{io, TraceArgs};
use crate::error::{CliError, CliResult};
use crate::output::tuple;

/// Above this many points, the E-step table lists only the most uncertain ones.
const MAX_TABLE_ROWS: usize = 12;

/// The seed's six points.
pub fn seed_points() -> Array2<f64> {
    array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]]
}

/// The seed's start: means 1.60 and 4.40, variances 1, weights ½.
pub fn seed_start() -> GmmModel {
    GmmModel::new(
        array![0.5, 0.5],
        array![[1.60], [4.40]],
        Covariances::Full(
            Array2::ones((2, 1))
                .into_shape_with_order((2, 1, 1))
                .expect("2 × 1 × 1"),
        ),
    )
    .expect("the seed's start is a valid model")
}

/// `clusterlab` with no arguments (until the comparison runner exists) and `clusterlab trace` without options.
pub fn run_seed_trace(out: &mut dyn Write) -> CliResult<()> {
    let x = seed_points();
    let fit = traced_fit(
        x.view(),
        Init::Model(Box::new(seed_start())),
        2,
        100,
        1e-3,
        0,
    )?;
    write_trace(&fit, x.view(), "the seed's six points", out)
}

pub fn run(args: &TraceArgs, out: &mut dyn Write) -> CliResult<()> {
    let (x, name) = match &args.dataset {
        None => (seed_points(), "the seed's six points".to_string()),
        Some(d) => {
            let ds = clusterlab_data::resolve(d, args.label_column.as_deref(), args.seed)?;
            (ds.x, ds.name)
        }
    };
    let (init, k) = match (&args.init_model, &args.dataset) {
        (Some(p), _) => {
            let m = clusterlab_algos::gmm::plan::read_model(p)?;
            let k = m.n_components();
            (Init::Model(Box::new(m)), k)
        }
        (None, None) => (Init::Model(Box::new(seed_start())), 2),
        (None, Some(_)) => (Init::KMeans, args.k),
    };
    if args.steps == 0 {
        return Err(CliError::new(
            "invalid parameter steps: must be at least 1 (got 0)",
        ));
    }
    let fit = traced_fit(x.view(), init, k, args.steps, args.tol, args.seed)?;
    write_trace(&fit, x.view(), &name, out)
}

fn traced_fit(
    x: ArrayView2<f64>,
    init: Init,
    k: usize,
    steps: usize,
    tol: f64,
    seed: u64,
) -> CliResult<GmmFit> {
    let covariance = match &init {
        Init::Model(m) => m.covariance_type(),
        _ => clusterlab_em::CovarianceType::Full,
    };
    Ok(GaussianMixture::params(k)
        .covariance_type(covariance)
        .init(init)
        .max_iter(steps)
        .tol(tol)
        .seed(seed)
        .trace(true)
        .check()?
        .fit(x, None)?)
}

fn fmt_point(x: ArrayView2<f64>, i: usize) -> String {
    if x.ncols() == 1 {
        format!("{:.2}", x[[i, 0]])
    } else {
        tuple(x.row(i), 2)
    }
}

/// The parameters of a model, one line each.
fn write_parameters(m: &GmmModel, out: &mut dyn Write) -> std::io::Result<()> {
    let (k, d) = m.means().dim();
    let means: Vec<String> = (0..k)
        .map(|j| {
            if d == 1 {
                format!("{:.4}", m.means()[[j, 0]])
            } else {
                tuple(m.means().row(j), 4)
            }
        })
        .collect();
    writeln!(out, "  means:     {}", means.join(", "))?;
    if d == 1 {
        let v: Vec<String> = (0..k)
            .map(|j| format!("{:.4}", m.covariances().component_matrix(j, 1)[[0, 0]]))
            .collect();
        writeln!(out, "  variances: {}", v.join(", "))?;
    } else {
        for j in 0..k {
            let c = m.covariances().component_matrix(j, d);
            let r: Vec<String> = c.rows().into_iter().map(|r| tuple(r, 4)).collect();
            writeln!(out, "  covariance {}: [{}]", j + 1, r.join(", "))?;
        }
    }
    let w: Vec<String> = m.weights().iter().map(|w| format!("{w:.4}")).collect();
    writeln!(out, "  weights:   {}", w.join(", "))
}

/// Print the whole trace of a fit.
pub fn write_trace(
    fit: &GmmFit,
    x: ArrayView2<f64>,
    name: &str,
    out: &mut dyn Write,
) -> CliResult<()> {
    write_trace_io(fit, x, name, out).map_err(io)
}

fn write_trace_io(
    fit: &GmmFit,
    x: ArrayView2<f64>,
    name: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let steps = fit.trace.as_deref().unwrap_or(&[]);
    let k = fit.model.n_components();
    writeln!(
        out,
        "EM trace on {name}: {} points, {} components ({} covariances)",
        x.nrows(),
        k,
        fit.model.covariance_type()
    )?;
    writeln!(out, "Start:")?;
    write_parameters(&fit.initial_model, out)?;
    for step in steps {
        writeln!(out)?;
        writeln!(out, "Iteration {}", step.iteration)?;
        writeln!(
            out,
            "E-step: responsibility of each Gaussian for each point (mean log-likelihood {:.6})",
            step.log_likelihood
        )?;
        let mut header = "| Point | x |".to_string();
        for j in 0..k {
            header.push_str(&format!(" Gaussian {} |", j + 1));
        }
        writeln!(out, "{header}")?;
        writeln!(out, "|{}", "---|".repeat(k + 2))?;
        let r = &step.responsibilities;
        let mut rows: Vec<usize> = (0..x.nrows()).collect();
        if rows.len() > MAX_TABLE_ROWS {
            let unc = |i: usize| 1.0 - r.row(i).iter().copied().fold(0.0, f64::max);
            rows.sort_by(|a, b| unc(*b).total_cmp(&unc(*a)).then(a.cmp(b)));
            rows.truncate(MAX_TABLE_ROWS);
            rows.sort_unstable();
        }
        for i in &rows {
            let mut line = format!("| x{} | {} |", i + 1, fmt_point(x, *i));
            for j in 0..k {
                line.push_str(&format!(" {:.3} |", r[[*i, j]]));
            }
            writeln!(out, "{line}")?;
        }
        if rows.len() < x.nrows() {
            writeln!(
                out,
                "(the {} most uncertain of {} points)",
                rows.len(),
                x.nrows()
            )?;
        }
        writeln!(
            out,
            "M-step: each Gaussian re-estimated from all points, weighted by responsibility"
        )?;
        write_parameters(&step.model, out)?;
    }
    writeln!(out)?;
    if fit.converged {
        writeln!(
            out,
            "Converged after {} iterations: the mean log-likelihood changed by less than tol.",
            fit.n_iter
        )?;
    } else {
        writeln!(
            out,
            "Stopped after {} iterations (not converged).",
            fit.n_iter
        )?;
    }
    writeln!(out, "Final mean log-likelihood {:.6}", fit.log_likelihood)?;
    for w in &fit.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}
