//! `clusterlab fit ALGORITHM DATA`: fit, then print a summary or the JSON envelope.

use std::io::Write;
use std::path::Path;

use clusterlab_data::Dataset;
use clusterlab_em::{CovarianceType, GaussianMixture, GmmFit, GmmModel, Init};
use serde_json::{json, Value};

use clusterlab_algos::{Clusterer, Clustering, Extras};

use crate::cli::{io, DataArgs, FitAlgorithm, GmmArgs};
use crate::error::{CliError, CliResult};
use crate::output::{envelope, finite_or_null, rows, tuple};

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

/// A checked algorithm, the data options it was given and its parameters as JSON.
pub type Built<'a> = (Box<dyn Clusterer>, &'a DataArgs, Value);

/// Build the checked algorithm for a `fit` subcommand other than `gmm`.
pub fn build(algorithm: &FitAlgorithm) -> CliResult<Built<'_>> {
    use clusterlab_algos as a;
    Ok(match algorithm {
        FitAlgorithm::Gmm(g) => {
            let p = gmm_params(g)?;
            let j = json!({
                "k": g.k, "covariance": p.covariance_type().name(), "init": p.init().name(),
                "n_init": g.n_init, "tol": g.tol, "max_iter": g.max_iter, "reg_covar": g.reg_covar,
                "seed": g.data.seed, "standardize": g.data.standardize,
            });
            (Box::new(p), &g.data, j)
        }
        FitAlgorithm::Kmeans(k) => {
            let p = a::KMeansParams::new(k.k)
                .n_init(k.n_init)
                .max_iter(k.max_iter)
                .tol(k.tol)
                .init(k.init.parse()?)
                .seed(k.data.seed)
                .check()?;
            let j = json!({"k": k.k, "n_init": k.n_init, "max_iter": k.max_iter, "tol": k.tol, "init": k.init, "seed": k.data.seed, "standardize": k.data.standardize});
            (Box::new(p), &k.data, j)
        }
        FitAlgorithm::Kmedoids(k) => {
            let p = a::KMedoidsParams::new(k.k)
                .n_init(k.n_init)
                .max_iter(k.max_iter)
                .init(k.init.parse()?)
                .seed(k.data.seed)
                .check()?;
            let j = json!({"k": k.k, "n_init": k.n_init, "max_iter": k.max_iter, "init": k.init, "seed": k.data.seed, "standardize": k.data.standardize});
            (Box::new(p), &k.data, j)
        }
        FitAlgorithm::Dbscan(d) => {
            let p = a::DbscanParams::new(d.eps, d.min_samples).check()?;
            let j = json!({"eps": d.eps, "min_samples": d.min_samples, "standardize": d.data.standardize});
            (Box::new(p), &d.data, j)
        }
        FitAlgorithm::Optics(o) => {
            let min_samples: a::Size = o.min_samples.parse()?;
            let min_cluster_size = o
                .min_cluster_size
                .as_deref()
                .map(str::parse::<a::Size>)
                .transpose()?;
            let p = a::OpticsParams::new(min_samples)
                .max_eps(o.max_eps)
                .xi(o.xi)
                .min_cluster_size(min_cluster_size)
                .cluster_method(o.cluster_method.parse()?)
                .eps(o.eps)
                .check()?;
            let max_eps = if o.max_eps.is_finite() {
                json!(o.max_eps)
            } else {
                Value::Null
            };
            let j = json!({"min_samples": o.min_samples, "max_eps": max_eps, "cluster_method": o.cluster_method, "xi": o.xi,
                "min_cluster_size": o.min_cluster_size, "eps": o.eps, "standardize": o.data.standardize});
            (Box::new(p), &o.data, j)
        }
        FitAlgorithm::Hdbscan(h) => {
            let size: a::Size = h.min_cluster_size.parse()?;
            let p = a::HdbscanParams::new(size)
                .min_samples(h.min_samples)
                .check()?;
            let j = json!({"min_cluster_size": h.min_cluster_size, "min_samples": h.min_samples, "standardize": h.data.standardize});
            (Box::new(p), &h.data, j)
        }
    })
}

/// The algorithm's own JSON object.
pub fn extras_json(c: &Clustering, ds: &Dataset) -> CliResult<Value> {
    Ok(match &c.extras {
        Extras::KMeans {
            centroids,
            inertia,
            n_iter,
        } => {
            json!({"centroids": rows(centroids.view()), "inertia": inertia, "n_iter": n_iter})
        }
        Extras::KMedoids { medoids, loss } => json!({"medoids": medoids, "loss": loss}),
        Extras::Dbscan { core_points } => json!({"core_points": core_points}),
        Extras::Optics {
            ordering,
            reachability,
            core_distances,
        } => json!({
            "ordering": ordering,
            "reachability": finite_or_null(reachability.view()),
            "core_distances": finite_or_null(core_distances.view()),
        }),
        Extras::Hdbscan => match &c.scores {
            Some(s) => {
                json!({"probabilities": s.probabilities, "outlier_scores": s.outlier_scores})
            }
            None => json!({}),
        },
        Extras::Gmm(fit) => gmm_json(fit, ds)?,
    })
}

/// `clusterlab fit ALGORITHM DATA`.
pub fn fit(algorithm: &FitAlgorithm, out: &mut dyn Write) -> CliResult<()> {
    let (clusterer, data, params) = build(algorithm)?;
    let ds = load_dataset(data)?;
    let c = clusterer.fit(ds.x.view())?;
    let name = clusterer.name();
    let mut env = envelope(name, &ds, params, c.fit_seconds, &c.labels);
    let extras = extras_json(&c, &ds)?;
    if data.json {
        env.insert(name.into(), extras);
        if let (FitAlgorithm::Gmm(GmmArgs { proba: true, .. }), Some(m)) =
            (algorithm, &c.membership)
        {
            env.insert("responsibilities".into(), rows(m.view()));
        }
        serde_json::to_writer(&mut *out, &Value::Object(env))
            .map_err(|e| CliError::new(e.to_string()))?;
        return writeln!(out).map_err(io);
    }
    summarise(name, &c, &ds, &env, out).map_err(io)
}

fn summarise(
    name: &str,
    c: &Clustering,
    ds: &Dataset,
    env: &serde_json::Map<String, Value>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{name} on {} ({} points × {} features)",
        ds.name,
        ds.n(),
        ds.d()
    )?;
    writeln!(
        out,
        "{} clusters, {} noise points, fitted in {:.4} s",
        c.n_clusters, c.n_noise, c.fit_seconds
    )?;
    let mut sizes = vec![0usize; c.n_clusters];
    for l in c.labels.iter().filter(|l| **l >= 0) {
        if let Some(s) = sizes.get_mut(*l as usize) {
            *s += 1;
        }
    }
    if !sizes.is_empty() {
        let text: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
        writeln!(out, "cluster sizes: {}", text.join(", "))?;
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
        Extras::Hdbscan => {
            if let Some(s) = &c.scores {
                let outliers = s.outlier_scores.iter().filter(|v| **v > 0.8).count();
                writeln!(out, "{outliers} points with GLOSH outlier score above 0.8")?
            }
        }
        Extras::Gmm(fit) => summarise_gmm(fit, ds, out)?,
    }
    if let (Some(a), Some(n)) = (env["ari"].as_f64(), env["nmi"].as_f64()) {
        writeln!(out, "against the label column: ARI {a:.4}, NMI {n:.4}")?;
    }
    Ok(())
}

/// The EM-specific lines of the summary: convergence, criteria, the components.
fn summarise_gmm(fit: &GmmFit, ds: &Dataset, out: &mut dyn Write) -> std::io::Result<()> {
    let m = &fit.model;
    let (bic, aic) = (
        m.bic(ds.x.view()).unwrap_or(f64::NAN),
        m.aic(ds.x.view()).unwrap_or(f64::NAN),
    );
    writeln!(
        out,
        "{} covariances; {} after {} iterations; mean log-likelihood {:.6}; BIC {bic:.3}; AIC {aic:.3}",
        m.covariance_type(),
        if fit.converged { "converged" } else { "did not converge" },
        fit.n_iter,
        fit.log_likelihood,
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
    let uncertain = fit.uncertainty().iter().filter(|u| **u > 0.1).count();
    writeln!(
        out,
        "{uncertain} points have a largest responsibility below 0.9 (boundary points)"
    )?;
    for warning in &fit.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    Ok(())
}
