//! OPTICS in the registry: `min_samples`, `xi` and `min_cluster_size` default
//! to the data-driven rules of [`crate::plan::defaults`]; sizes given as a
//! fraction of n are resolved to counts; JSON `optics: {ordering,
//! reachability, core_distances}` (`null` for ∞).

use ndarray::ArrayView2;
use serde_json::{json, Value};

use super::{ClusterMethod, OpticsParams};
use crate::clustering::{Clustering, Extras};
use crate::common::Size;
use crate::plan::sample::{sample_size_spec, FitRows, Reach};
use crate::plan::{
    checked, defaults, finite_or_null, number, params, Algorithm, Context, Entry, Kind, ParamSpec,
    PlanError, Resolved, Settings,
};

const METHODS: &[&str] = &["xi", "dbscan"];

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "min_samples",
        help: "Points (the point itself included) that make a core point: a count, or a fraction of n below 1",
        kind: Kind::Size,
        default: "data-driven, as DBSCAN's",
        fit_only: false,
    },
    ParamSpec {
        name: "max_eps",
        help: "Largest neighbourhood radius considered",
        kind: Kind::Float,
        default: "inf",
        fit_only: false,
    },
    ParamSpec {
        name: "cluster_method",
        help: "Cluster extraction: xi or dbscan",
        kind: Kind::Choice(METHODS),
        default: "xi",
        fit_only: false,
    },
    ParamSpec {
        name: "xi",
        help: "Minimum relative steepness of a cluster boundary (xi method), in (0, 1)",
        kind: Kind::Float,
        default: "0.1",
        fit_only: false,
    },
    ParamSpec {
        name: "min_cluster_size",
        help: "Smallest cluster (xi method): a count, or a fraction of n below 1",
        kind: Kind::Size,
        default: "data-driven: 10% of n",
        fit_only: false,
    },
    ParamSpec {
        name: "eps",
        help: "Reachability cut for the dbscan method",
        kind: Kind::Float,
        default: "max_eps",
        fit_only: false,
    },
    sample_size_spec("50000"),
];

pub(crate) static ENTRY: Entry = Entry {
    algorithm: Algorithm::Optics,
    name: "optics",
    title: "OPTICS",
    aliases: &[],
    about: "OPTICS: reachability ordering, clusters by the xi method or a cut at eps",
    needs_k: false,
    soft: false,
    params: PARAMS,
    resolve,
    result_json,
};

fn resolve(s: &Settings, ctx: &Context) -> Result<Resolved, PlanError> {
    let rows = FitRows::plan(s, ctx, defaults::OPTICS_MAX_N)?;
    // Sizes are of the points OPTICS sees (the sample, when there is one).
    let n = rows.len();
    let min_samples = s
        .size("min_samples")?
        .unwrap_or(Size::Count(if rows.is_all() {
            ctx.density().min_samples
        } else {
            defaults::min_samples(n, ctx.x.ncols())
        }));
    let min_cluster_size = s
        .size("min_cluster_size")?
        .unwrap_or(Size::Count(defaults::optics_min_cluster_size(n)));
    let mut p = OpticsParams::new(min_samples)
        .min_cluster_size(Some(min_cluster_size))
        .xi(s.float("xi")?.unwrap_or(defaults::OPTICS_XI));
    if let Some(v) = s.float("max_eps")? {
        p = p.max_eps(v);
    }
    let method = match s.choice("cluster_method", METHODS)? {
        Some(m) => m.parse::<ClusterMethod>().expect("a listed method parses"),
        None => ClusterMethod::Xi,
    };
    // A parameter of the other extraction method would be silently ignored.
    let unused: &[&str] = match method {
        ClusterMethod::Xi => &["eps"],
        ClusterMethod::Dbscan => &["xi", "min_cluster_size"],
    };
    if let Some((name, given)) = unused.iter().find_map(|n| s.get(n).map(|g| (*n, g))) {
        return Err(PlanError::new(format!(
            "{}: OPTICS takes {name} only with cluster_method {}",
            given.origin,
            if name == "eps" { "dbscan" } else { "xi" }
        )));
    }
    p = p.cluster_method(method);
    if let Some(v) = s.float("eps")? {
        p = p.eps(Some(v));
    }
    let p = checked("optics", s, p.check())?;
    let extraction = match p.cluster_method() {
        ClusterMethod::Xi => params([
            ("xi", json!(p.xi())),
            (
                "min_cluster_size",
                json!(p.min_cluster_size().unwrap_or(min_cluster_size).resolve(n)),
            ),
        ]),
        ClusterMethod::Dbscan => params([("eps", number(p.eps().unwrap_or(p.max_eps())))]),
    };
    let mut params = params([
        ("min_samples", json!(p.min_samples().resolve(n))),
        ("max_eps", number(p.max_eps())),
        ("cluster_method", json!(p.cluster_method().to_string())),
        ("sample_size", json!(n)),
    ]);
    params.extend(extraction);
    let reach = Reach::CoreDistance(p.min_samples().resolve(n));
    Ok(Resolved {
        params,
        runnable: rows.runnable(Box::new(p), reach),
    })
}

fn result_json(c: &Clustering, _x: ArrayView2<f64>) -> Result<Value, PlanError> {
    match &c.extras {
        Extras::Optics {
            ordering,
            reachability,
            core_distances,
        } => Ok(json!({
            "ordering": ordering,
            "reachability": finite_or_null(reachability.view()),
            "core_distances": finite_or_null(core_distances.view()),
        })),
        _ => Err(PlanError::new("optics: the clustering has no reachability")),
    }
}
