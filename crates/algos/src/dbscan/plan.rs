//! DBSCAN in the registry: `eps` and `min_samples` default to the
//! data-driven rules of [`crate::plan::defaults`]; JSON `dbscan: {core_points}`.

use ndarray::ArrayView2;
use serde_json::{json, Value};

use super::DbscanParams;
use crate::clustering::{Clustering, Extras};
use crate::plan::sample::{sample_size_spec, FitRows, Reach};
use crate::plan::{
    checked, defaults, params, Algorithm, Context, Entry, Kind, ParamSpec, PlanError, Resolved,
    Settings,
};

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "eps",
        help: "Neighbourhood radius",
        kind: Kind::Float,
        default:
            "data-driven: the 0.9 quantile of the (min_samples − 1)-nearest-neighbour distances",
        fit_only: false,
    },
    ParamSpec {
        name: "min_samples",
        help: "Points within eps (the point itself included) that make a core point",
        kind: Kind::Count,
        default: "data-driven: 2·d, at least 10, at most n/10",
        fit_only: false,
    },
    sample_size_spec("200000"),
];

pub(crate) static ENTRY: Entry = Entry {
    algorithm: Algorithm::Dbscan,
    name: "dbscan",
    title: "DBSCAN",
    aliases: &[],
    about: "DBSCAN: density-connected clusters at radius eps, plus noise",
    needs_k: false,
    soft: false,
    params: PARAMS,
    resolve,
    result_json,
};

fn resolve(s: &Settings, ctx: &Context) -> Result<Resolved, PlanError> {
    let rows = FitRows::plan(s, ctx, defaults::DBSCAN_MAX_N)?;
    let min_samples = match s.count("min_samples")? {
        Some(v) => v,
        None if rows.is_all() => ctx.density().min_samples,
        None => defaults::min_samples(rows.len(), ctx.x.ncols()),
    };
    let eps = match s.float("eps")? {
        Some(v) => v,
        None if rows.is_all() && min_samples == ctx.density().min_samples => ctx.density().eps,
        None => defaults::eps(rows.view(ctx.x.view()), min_samples),
    };
    let p = checked("dbscan", s, DbscanParams::new(eps, min_samples).check())?;
    let params = params([
        ("eps", json!(p.eps())),
        ("min_samples", json!(p.min_samples())),
        ("sample_size", json!(rows.len())),
    ]);
    Ok(Resolved {
        params,
        runnable: rows.runnable(Box::new(p), Reach::Eps(eps)),
    })
}

fn result_json(c: &Clustering, _x: ArrayView2<f64>) -> Result<Value, PlanError> {
    match &c.extras {
        Extras::Dbscan { core_points } => Ok(json!({"core_points": core_points})),
        _ => Err(PlanError::new("dbscan: the clustering has no core points")),
    }
}
