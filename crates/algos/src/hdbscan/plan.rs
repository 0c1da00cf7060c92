//! HDBSCAN in the registry: `min_cluster_size` and `min_samples` default to
//! the data-driven rules of [`crate::plan::defaults`]; a size given as a
//! fraction of n is resolved to a count; JSON `hdbscan: {probabilities,
//! outlier_scores}`.

use ndarray::ArrayView2;
use serde_json::{json, Value};

use super::HdbscanParams;
use crate::clustering::Clustering;
use crate::plan::sample::{sample_size_spec, FitRows, Reach};
use crate::plan::{
    checked, defaults, params, Algorithm, Context, Entry, Kind, ParamSpec, PlanError, Resolved,
    Settings,
};

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "min_cluster_size",
        help: "Smallest cluster: a count, or a fraction of n below 1",
        kind: Kind::Size,
        default: "data-driven: 3% of n, between 5 and 100",
        fit_only: false,
    },
    ParamSpec {
        name: "min_samples",
        help: "Neighbours (the point itself included) for the core distance",
        kind: Kind::Count,
        default: "min(min_cluster_size, max(5, n/5000))",
        fit_only: false,
    },
    sample_size_spec("100000"),
];

pub(crate) static ENTRY: Entry = Entry {
    algorithm: Algorithm::Hdbscan,
    name: "hdbscan",
    title: "HDBSCAN",
    aliases: &[],
    about: "HDBSCAN: clusters from a density hierarchy, with membership probabilities and outlier scores",
    needs_k: false,
    soft: false,
    params: PARAMS,
    resolve,
    result_json,
};

fn resolve(s: &Settings, ctx: &Context) -> Result<Resolved, PlanError> {
    let rows = FitRows::plan(s, ctx, defaults::HDBSCAN_MAX_N)?;
    // Sizes are of the points HDBSCAN sees (the sample, when there is one).
    let n = rows.len();
    let size = s.size("min_cluster_size")?;
    // Check the size's own range before resolving a fraction against n.
    if let Some(sz) = size {
        checked("hdbscan", s, HdbscanParams::new(sz).check().map(drop))?;
    }
    let mcs = size.map_or(defaults::hdbscan_min_cluster_size(n), |sz| sz.resolve(n));
    let ms = s
        .count("min_samples")?
        .unwrap_or(defaults::hdbscan_min_samples(mcs, n));
    let p = checked(
        "hdbscan",
        s,
        HdbscanParams::new(mcs).min_samples(Some(ms)).check(),
    )?;
    let params = params([
        ("min_cluster_size", json!(mcs)),
        ("min_samples", json!(ms)),
        ("sample_size", json!(n)),
    ]);
    Ok(Resolved {
        params,
        runnable: rows.runnable(Box::new(p), Reach::CoreDistance(ms)),
    })
}

fn result_json(c: &Clustering, _x: ArrayView2<f64>) -> Result<Value, PlanError> {
    match &c.scores {
        Some(sc) => {
            Ok(json!({"probabilities": sc.probabilities, "outlier_scores": sc.outlier_scores}))
        }
        None => Err(PlanError::new("hdbscan: the clustering has no scores")),
    }
}
