//! k-means in the registry: its parameters, their defaults (scikit-learn's)
//! and its JSON (`kmeans: {centroids, inertia, n_iter}`).

use ndarray::ArrayView2;
use serde_json::{json, Value};

use super::{KMeansBackend, KMeansInit, KMeansParams, ValidKMeansParams};
use crate::clustering::{Clustering, Extras};
use crate::plan::{
    checked, params, rows, Algorithm, Context, Entry, Kind, ParamSpec, PlanError, Resolved,
    Runnable, Settings,
};

pub(crate) const INITS: &[&str] = &["kmeans++", "random"];
pub(crate) const BACKENDS: &[&str] = &["lloyd", "linfa"];

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "n_init",
        help: "Runs from different seeds; the lowest inertia wins",
        kind: Kind::Count,
        default: "10",
        fit_only: false,
    },
    ParamSpec {
        name: "max_iter",
        help: "Lloyd iterations per run at most",
        kind: Kind::Count,
        default: "300",
        fit_only: false,
    },
    ParamSpec {
        name: "tol",
        help: "Relative tolerance on the centroids' movement",
        kind: Kind::Float,
        default: "1e-4",
        fit_only: false,
    },
    ParamSpec {
        name: "init",
        help: "Seeding: kmeans++ or random",
        kind: Kind::Choice(INITS),
        default: "kmeans++",
        fit_only: false,
    },
    ParamSpec {
        name: "backend",
        help: "Iterations: lloyd (ours, Hamerly's bounds) or linfa (linfa-clustering, same seeds)",
        kind: Kind::Choice(BACKENDS),
        default: "lloyd",
        fit_only: false,
    },
];

pub(crate) static ENTRY: Entry = Entry {
    algorithm: Algorithm::KMeans,
    name: "kmeans",
    title: "k-means",
    aliases: &["k-means"],
    about: "k-means (Lloyd iterations from k-means++ seeds; hard clustering)",
    needs_k: true,
    soft: false,
    params: PARAMS,
    resolve,
    result_json,
};

/// The checked k-means parameters the settings give (what the plan runs;
/// a distributed fit takes them from here too).
pub fn checked_params(s: &Settings, ctx: &Context) -> Result<ValidKMeansParams, PlanError> {
    let k = ctx.require_k("kmeans")?;
    let mut p = KMeansParams::new(k).seed(ctx.seed);
    if let Some(v) = s.count("n_init")? {
        p = p.n_init(v);
    }
    if let Some(v) = s.count("max_iter")? {
        p = p.max_iter(v);
    }
    if let Some(v) = s.float("tol")? {
        p = p.tol(v);
    }
    if let Some(v) = s.choice("init", INITS)? {
        p = p.init(v.parse::<KMeansInit>().expect("a listed init parses"));
    }
    if let Some(v) = s.choice("backend", BACKENDS)? {
        p = p.backend(v.parse::<KMeansBackend>().expect("a listed backend parses"));
    }
    checked("kmeans", s, p.check())
}

fn resolve(s: &Settings, ctx: &Context) -> Result<Resolved, PlanError> {
    let p = checked_params(s, ctx)?;
    let params = params([
        ("k", json!(p.n_clusters())),
        ("n_init", json!(p.n_init())),
        ("max_iter", json!(p.max_iter())),
        ("tol", json!(p.tol())),
        ("init", json!(p.init().to_string())),
        ("backend", json!(p.backend().to_string())),
        ("seed", json!(p.seed())),
    ]);
    Ok(Resolved {
        params,
        runnable: Runnable::Clusterer(Box::new(p)),
    })
}

fn result_json(c: &Clustering, _x: ArrayView2<f64>) -> Result<Value, PlanError> {
    match &c.extras {
        Extras::KMeans {
            centroids,
            inertia,
            n_iter,
        } => Ok(json!({"centroids": rows(centroids.view()), "inertia": inertia, "n_iter": n_iter})),
        _ => Err(PlanError::new("kmeans: the clustering has no centroids")),
    }
}
