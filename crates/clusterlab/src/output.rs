//! The JSON envelope every `fit --json` prints, and small formatting helpers.

use clusterlab_data::Dataset;
use ndarray::ArrayView1;
use serde_json::{json, Map, Value};

/// `algorithm, dataset, n, d, params, fit_seconds, labels, n_clusters, noise, ari, nmi`.
pub fn envelope(
    algorithm: &str,
    ds: &Dataset,
    params: Value,
    fit_seconds: f64,
    labels: &[i64],
) -> Map<String, Value> {
    let n_clusters = count_clusters(labels);
    let noise = labels.iter().filter(|l| **l < 0).count();
    let (ari, nmi) = match &ds.labels {
        Some(truth) => (
            json!(clusterlab_metrics::adjusted_rand_index(truth, labels)),
            json!(clusterlab_metrics::normalized_mutual_info(truth, labels)),
        ),
        None => (Value::Null, Value::Null),
    };
    let mut m = Map::new();
    m.insert("algorithm".into(), json!(algorithm));
    m.insert("dataset".into(), json!(ds.name));
    m.insert("n".into(), json!(ds.n()));
    m.insert("d".into(), json!(ds.d()));
    m.insert("params".into(), params);
    m.insert("fit_seconds".into(), json!(fit_seconds));
    m.insert("labels".into(), json!(labels));
    m.insert("n_clusters".into(), json!(n_clusters));
    m.insert("noise".into(), json!(noise));
    m.insert("ari".into(), ari);
    m.insert("nmi".into(), nmi);
    m
}

/// Number of distinct non-noise labels.
pub fn count_clusters(labels: &[i64]) -> usize {
    let mut seen: Vec<i64> = labels.iter().copied().filter(|l| *l >= 0).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

pub use clusterlab_algos::plan::{finite_or_null, rows};

/// `(1.23, 4.56)` with `p` decimals.
pub fn tuple(v: ArrayView1<f64>, p: usize) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:.p$}")).collect();
    format!("({})", parts.join(", "))
}
