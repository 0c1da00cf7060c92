//! `metrics.json`, `metrics.csv` and `summary.md`: one row per dataset ×
//! algorithm, plus per dataset the EM-versus-k-means agreement and its reason.

use serde::Serialize;
use serde_json::Value;

use crate::error::ReportError;
use crate::runner::RunSummary;
use crate::study::Study;
use crate::{Algorithm, CompareConfig};

/// One dataset × algorithm.
#[derive(Debug, Clone, Serialize)]
pub struct MetricsRow {
    pub dataset: String,
    pub algorithm: String,
    pub n: usize,
    pub d: usize,
    /// The parameters used, defaults resolved.
    pub params: Value,
    /// Clusters found (noise excluded).
    pub clusters: Option<usize>,
    /// Points labelled noise.
    pub noise: Option<usize>,
    /// Adjusted Rand index against the ground truth.
    pub ari: Option<f64>,
    /// Normalised mutual information against the ground truth.
    pub nmi: Option<f64>,
    /// Mean silhouette coefficient (non-noise points, the data the algorithm saw).
    pub silhouette: Option<f64>,
    /// Seconds of the fit alone.
    pub fit_seconds: Option<f64>,
    /// EM: mean log-likelihood per point of the returned model.
    pub log_likelihood: Option<f64>,
    /// EM: BIC (lower is better).
    pub bic: Option<f64>,
    /// EM: the covariance model fitted, by mclust's name (VVV, EEE, …).
    pub model: Option<&'static str>,
    /// EM with the noise component (`--gmm-noise`): its proportion π₀.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise_proportion: Option<f64>,
    /// EM: iterations run.
    pub iterations: Option<usize>,
    /// EM: whether the change of the mean log-likelihood fell below tol.
    pub converged: Option<bool>,
    /// The one-line error when the algorithm failed on this dataset.
    pub error: Option<String>,
    /// The method, when the fit was approximate or on a sample (e.g. `fasterclara`).
    pub method: Option<String>,
    /// Points in the sample the model was fitted on (labels and scores are for all n).
    pub sample_n: Option<usize>,
    /// Every point's label in input order (`-1` = noise), as `fit --json` prints them.
    pub labels: Option<Vec<i64>>,
    /// What the result does not say by itself: empty clusters, constant
    /// features, EM's re-seeds, singular covariances, underflowed densities.
    pub warnings: Vec<String>,
}

/// Per dataset: how k was chosen and how EM and k-means compare.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetRow {
    pub dataset: String,
    pub source: String,
    pub n: usize,
    pub d: usize,
    pub k: usize,
    pub k_rule: &'static str,
    pub standardized: bool,
    /// Share of points on which EM's most likely component equals k-means'
    /// cluster after matching (Hungarian).
    pub em_kmeans_agreement: Option<f64>,
    pub em_kmeans_points_differ: Option<usize>,
    pub em_kmeans_reason: Option<crate::explain::Told>,
    pub em_kmeans_error: Option<String>,
    /// The lowest BIC of the sweep: k and covariance type.
    pub best_bic_k: Option<usize>,
    pub best_bic_covariance: Option<&'static str>,
    /// The same model by mclust's name (what `Mclust` would choose).
    pub best_bic_model: Option<&'static str>,
    /// Which model EM was fitted with and why.
    pub model_note: String,
    /// The density defaults computed for this dataset.
    pub default_eps: f64,
    pub default_min_samples: usize,
    /// The Bayesian mixture's k beside BIC's (`k-choice.png`), or `{error}`.
    pub k_choice: serde_json::Value,
    /// EM's path to k-means as σ² shrinks (`em-to-kmeans.gif`), or `{error}`.
    pub em_to_kmeans: serde_json::Value,
    /// HDBSCAN's membership vectors summed up (`hdbscan-soft.png`).
    pub hdbscan_soft: Option<clusterlab_study::density_soft::SoftSummary>,
    /// EM from many starts: `{starts, optima, best_share_by_method, …}`.
    pub init_sensitivity: Option<clusterlab_study::starts::InitSensitivity>,
    /// EM started from k-means' labels: the log-likelihood of the start and the end, …
    pub em_from_kmeans: Option<clusterlab_study::from_kmeans::FromKmeansSummary>,
}

/// The rows of one study.
pub fn rows(s: &Study) -> Vec<MetricsRow> {
    s.runs
        .iter()
        .map(|r| {
            let mut row = MetricsRow {
                dataset: s.name.clone(),
                algorithm: r.algorithm.name().to_string(),
                n: s.n,
                d: s.d,
                params: Value::Object(r.params.clone()),
                clusters: None,
                noise: None,
                ari: r.ari,
                nmi: r.nmi,
                silhouette: r.silhouette,
                fit_seconds: None,
                log_likelihood: None,
                bic: None,
                model: None,
                noise_proportion: None,
                iterations: None,
                converged: None,
                error: None,
                method: None,
                sample_n: None,
                labels: None,
                warnings: r.warnings.clone(),
            };
            match &r.result {
                Ok(c) => {
                    row.clusters = Some(c.n_clusters);
                    row.noise = Some(c.n_noise);
                    row.fit_seconds = Some(c.fit_seconds);
                    row.labels = Some(c.labels.clone());
                    row.method = c.approximation.as_ref().map(|a| a.method.clone());
                    row.sample_n = c.approximation.as_ref().map(|a| a.sample_n);
                }
                Err(e) => row.error = Some(e.clone()),
            }
            if let Some(f) = r.gmm() {
                row.log_likelihood = Some(f.log_likelihood);
                row.bic = f.model.bic(s.z.view()).ok();
                row.model = Some(f.model.model().name());
                row.noise_proportion = f.model.noise().map(|nz| nz.proportion);
                row.iterations = Some(f.n_iter);
                row.converged = Some(f.converged);
            }
            row
        })
        .collect()
}

/// The per-dataset row of one study.
pub fn dataset_row(s: &Study) -> DatasetRow {
    DatasetRow {
        dataset: s.name.clone(),
        source: s.source.clone(),
        n: s.n,
        d: s.d,
        k: s.k,
        k_rule: s.k_rule.describe(),
        standardized: s.standardized,
        em_kmeans_agreement: s.pair.as_ref().ok().map(|p| p.agreement),
        em_kmeans_points_differ: s.pair.as_ref().ok().map(|p| p.differ.len()),
        em_kmeans_reason: s.pair.as_ref().ok().map(crate::explain::tell),
        em_kmeans_error: s.pair.as_ref().err().cloned(),
        best_bic_k: s.sweep.best.map(|b| b.0),
        best_bic_covariance: s.sweep.best.map(|b| b.1.type_name()),
        best_bic_model: s.sweep.best.map(|b| b.1.name()),
        model_note: s.model_note.clone(),
        default_eps: s.density.eps,
        default_min_samples: s.density.min_samples,
        k_choice: match &s.k_choice {
            Ok(kc) => kc.to_json(&s.sweep),
            Err(e) => serde_json::json!({ "error": e }),
        },
        em_to_kmeans: match &s.em_to_kmeans {
            Ok(e) => e.to_json(),
            Err(e) => serde_json::json!({ "error": e }),
        },
        hdbscan_soft: s.hdbscan_soft.as_ref().ok().map(|h| h.summary.clone()),
        init_sensitivity: s.init_sensitivity.as_ref().ok().cloned(),
        em_from_kmeans: s.em_from_kmeans.as_ref().ok().map(|e| e.summary.clone()),
    }
}

#[derive(Serialize)]
struct MetricsFile<'a> {
    generated_by: &'static str,
    algorithms: Vec<&'static str>,
    config: serde_json::Value,
    rows: Vec<MetricsRow>,
    datasets: Vec<DatasetRow>,
    skipped_pictures: &'a [String],
}

/// `metrics.json`: `{rows: [...], datasets: [...], config, ...}`.
pub fn metrics_json(sum: &RunSummary, cfg: &CompareConfig) -> Result<Vec<u8>, ReportError> {
    let file = MetricsFile {
        generated_by: concat!("clusterlab compare ", env!("CARGO_PKG_VERSION")),
        algorithms: sum.algorithms.iter().map(|a| a.name()).collect(),
        config: cfg.to_json(),
        rows: sum.studies.iter().flat_map(rows).collect(),
        datasets: sum.studies.iter().map(dataset_row).collect(),
        skipped_pictures: &sum.skipped,
    };
    let bad = |e: serde_json::Error| ReportError::write(&sum.out.join("metrics.json"), e);
    let mut value = serde_json::to_value(&file).map_err(bad)?;
    // Label arrays on one line each (pretty printing would give a line per point).
    let mut compact: Vec<String> = Vec::new();
    if let Some(rows) = value.get_mut("rows").and_then(Value::as_array_mut) {
        for row in rows {
            if let Some(l) = row.get_mut("labels").filter(|l| l.is_array()) {
                let text = serde_json::to_string(l).map_err(bad)?;
                *l = Value::String(format!("@labels{}@", compact.len()));
                compact.push(text);
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&value).map_err(bad)?;
    for (i, c) in compact.iter().enumerate() {
        text = text.replacen(&format!("\"@labels{i}@\""), c, 1);
    }
    text.push('\n');
    Ok(text.into_bytes())
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or(String::new(), |x| x.to_string())
}

fn optf(v: Option<f64>, digits: usize) -> String {
    v.map_or(String::new(), |x| format!("{x:.digits$}"))
}

/// `metrics.csv`: the rows of `metrics.json` (params as a JSON cell), with
/// the dataset's EM-versus-k-means agreement repeated on each row.
pub fn metrics_csv(sum: &RunSummary) -> Result<Vec<u8>, ReportError> {
    let path = sum.out.join(clusterlab_study::config::METRICS_CSV);
    let mut w = csv::Writer::from_writer(Vec::new());
    let e = |e: csv::Error| ReportError::write(&path, e);
    w.write_record([
        "dataset",
        "algorithm",
        "n",
        "d",
        "params",
        "clusters",
        "noise",
        "ari",
        "nmi",
        "silhouette",
        "fit_seconds",
        "log_likelihood",
        "bic",
        "model",
        "noise_proportion",
        "iterations",
        "converged",
        "em_kmeans_agreement",
        "error",
        "warnings",
    ])
    .map_err(e)?;
    for s in &sum.studies {
        let agree = s.pair.as_ref().ok().map(|p| p.agreement);
        for r in rows(s) {
            w.write_record([
                r.dataset.clone(),
                r.algorithm.clone(),
                r.n.to_string(),
                r.d.to_string(),
                r.params.to_string(),
                opt(r.clusters),
                opt(r.noise),
                optf(r.ari, 6),
                optf(r.nmi, 6),
                optf(r.silhouette, 6),
                optf(r.fit_seconds, 6),
                optf(r.log_likelihood, 6),
                optf(r.bic, 3),
                r.model.unwrap_or_default().to_string(),
                optf(r.noise_proportion, 6),
                opt(r.iterations),
                opt(r.converged),
                optf(agree, 6),
                r.error.clone().unwrap_or_default(),
                r.warnings.join("; "),
            ])
            .map_err(e)?;
        }
    }
    w.into_inner()
        .map_err(|er| ReportError::write(&path, er.to_string()))
}

/// Notes followed by every warning, each as `; warning: …`.
pub fn with_warnings(notes: String, warnings: &[String]) -> String {
    warnings
        .iter()
        .fold(notes, |acc, w| format!("{acc}; warning: {w}"))
}

/// A number for a table: 3 decimals, or "–".
pub fn cell(v: Option<f64>) -> String {
    v.map_or("–".into(), |x| {
        format!("{:.3}", if x.abs() < 5e-4 { 0.0 } else { x })
    })
}

/// Seconds for a table.
pub fn secs(v: f64) -> String {
    if v < 0.001 {
        format!("{:.2} ms", v * 1e3)
    } else if v < 1.0 {
        format!("{:.1} ms", v * 1e3)
    } else {
        format!("{v:.2} s")
    }
}

/// `summary.md`: per dataset a table of the algorithms and the EM/k-means line.
pub fn summary_md(sum: &RunSummary) -> String {
    let mut o = String::new();
    o.push_str("# clusterlab compare: summary\n\n");
    o.push_str(&format!(
        "{} datasets × {} algorithms ({}). ARI and NMI compare with the ground truth (– without one); silhouette is on the data the algorithms saw{}.\n\n",
        sum.studies.len(),
        sum.algorithms.len(),
        sum.algorithms.iter().map(|a| a.name()).collect::<Vec<_>>().join(", "),
        if sum.studies.iter().any(|s| s.standardized) { " (z-scored)" } else { "" }
    ));
    for s in &sum.studies {
        o.push_str(&format!(
            "## {}\n\n{} points × {} features, source {}, k = {} ({}). {}.\n\n",
            s.name,
            s.n,
            s.d,
            s.source,
            s.k,
            s.k_rule.describe(),
            s.model_note
        ));
        match &s.pair {
            Ok(p) => o.push_str(&format!(
                "**EM vs k-means**: agree on {:.1}% of the points ({} differ). {} {}\n\n",
                100.0 * p.agreement,
                p.differ.len(),
                crate::explain::tell(p).headline,
                crate::explain::tell(p).detail
            )),
            Err(e) => o.push_str(&format!("**EM vs k-means**: not available ({e}).\n\n")),
        }
        o.push_str(
            "| algorithm | clusters | noise | ARI | NMI | silhouette | fit time | notes |\n",
        );
        o.push_str("|---|---:|---:|---:|---:|---:|---:|---|\n");
        for r in &s.runs {
            let (clusters, noise, time) = match &r.result {
                Ok(c) => (
                    c.n_clusters.to_string(),
                    c.n_noise.to_string(),
                    secs(c.fit_seconds),
                ),
                Err(_) => ("–".into(), "–".into(), "–".into()),
            };
            let notes = match (&r.result, r.gmm()) {
                (Err(e), _) => format!("error: {}", e.replace('|', "\\|")),
                (Ok(_), Some(f)) => format!(
                    "log-lik/pt {:.3}, BIC {:.1}, {} iterations{}",
                    f.log_likelihood,
                    f.model.bic(s.z.view()).unwrap_or(f64::NAN),
                    f.n_iter,
                    if f.converged {
                        ", converged"
                    } else {
                        ", not converged"
                    }
                ),
                _ => params_text(&r.params),
            };
            let warnings: Vec<String> = r.warnings.iter().map(|w| w.replace('|', "\\|")).collect();
            let notes = with_warnings(notes, &warnings);
            o.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.algorithm.title(),
                clusters,
                noise,
                cell(r.ari),
                cell(r.nmi),
                cell(r.silhouette),
                time,
                notes
            ));
        }
        o.push('\n');
    }
    if !sum.skipped.is_empty() {
        o.push_str("## Pictures not drawn\n\n");
        for s in &sum.skipped {
            o.push_str(&format!("- {s}\n"));
        }
        o.push('\n');
    }
    o
}

/// `key=value, …` of a parameter object.
pub fn params_text(p: &serde_json::Map<String, Value>) -> String {
    p.iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether an algorithm appears in the run.
pub fn has(sum: &RunSummary, a: Algorithm) -> bool {
    sum.algorithms.contains(&a)
}
