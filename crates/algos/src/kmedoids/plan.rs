//! k-medoids in the registry: its parameters, their defaults and its JSON
//! (`kmedoids: {medoids, loss}`).

use ndarray::ArrayView2;
use serde_json::{json, Value};

use super::{KMedoidsInit, KMedoidsMethod, KMedoidsParams};
use crate::clustering::{Clustering, Extras};
use crate::plan::{
    checked, params, Algorithm, Context, Entry, Kind, ParamSpec, PlanError, Resolved, Runnable,
    Settings,
};

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "n_init",
        help: "Runs from different seeds; the lowest loss wins",
        kind: Kind::Count,
        default: "1",
        fit_only: false,
    },
    ParamSpec {
        name: "max_iter",
        help: "FasterPAM swap passes at most",
        kind: Kind::Count,
        default: "100",
        fit_only: false,
    },
    ParamSpec {
        name: "init",
        help: "Initial medoids: kmeans++ or random",
        kind: Kind::Choice(crate::kmeans::plan::INITS),
        default: "kmeans++",
        fit_only: false,
    },
    ParamSpec {
        name: "method",
        help: "fasterpam (exact, all points), fasterclara (FasterPAM on samples, best loss on all points) or auto (exact up to 10000 points)",
        kind: Kind::Choice(METHODS),
        default: "auto",
        fit_only: false,
    },
    ParamSpec {
        name: "samples",
        help: "FasterCLARA: samples drawn, one FasterPAM run each",
        kind: Kind::Count,
        default: "5",
        fit_only: false,
    },
    ParamSpec {
        name: "sample_size",
        help: "FasterCLARA: points per sample",
        kind: Kind::Count,
        default: "min(n, 4000+20k)",
        fit_only: false,
    },
];

/// The values `method` takes.
pub const METHODS: &[&str] = &["auto", "fasterpam", "fasterclara"];

pub(crate) static ENTRY: Entry = Entry {
    algorithm: Algorithm::KMedoids,
    name: "kmedoids",
    title: "k-medoids",
    aliases: &["k-medoids"],
    about: "k-medoids by FasterPAM (clusters around actual data points)",
    needs_k: true,
    soft: false,
    params: PARAMS,
    resolve,
    result_json,
};

fn resolve(s: &Settings, ctx: &Context) -> Result<Resolved, PlanError> {
    let k = ctx.require_k("kmedoids")?;
    let mut p = KMedoidsParams::new(k).seed(ctx.seed);
    if let Some(v) = s.count("n_init")? {
        p = p.n_init(v);
    }
    if let Some(v) = s.count("max_iter")? {
        p = p.max_iter(v);
    }
    if let Some(v) = s.choice("init", crate::kmeans::plan::INITS)? {
        p = p.init(v.parse::<KMedoidsInit>().expect("a listed init parses"));
    }
    if let Some(v) = s.choice("method", METHODS)? {
        p = p.method(v.parse::<KMedoidsMethod>().expect("a listed method parses"));
    }
    if let Some(v) = s.count("samples")? {
        p = p.samples(v);
    }
    if let Some(v) = s.count("sample_size")? {
        p = p.sample_size(v);
    }
    let p = checked("kmedoids", s, p.check())?;
    let n = ctx.x.nrows();
    let method = p.method_for(n);
    let mut params = params([
        ("k", json!(p.n_clusters())),
        ("n_init", json!(p.n_init())),
        ("max_iter", json!(p.max_iter())),
        ("init", json!(p.init().to_string())),
        ("seed", json!(p.seed())),
        ("method", json!(method.to_string())),
    ]);
    if method == KMedoidsMethod::FasterClara {
        params.insert("samples".into(), json!(p.samples()));
        params.insert("sample_size".into(), json!(p.sample_size_for(n)));
    }
    Ok(Resolved {
        params,
        runnable: Runnable::Clusterer(Box::new(p)),
    })
}

fn result_json(c: &Clustering, _x: ArrayView2<f64>) -> Result<Value, PlanError> {
    match &c.extras {
        Extras::KMedoids { medoids, loss } => Ok(json!({"medoids": medoids, "loss": loss})),
        _ => Err(PlanError::new("kmedoids: the clustering has no medoids")),
    }
}
