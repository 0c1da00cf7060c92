//! From a config to studies: load the datasets, resolve each algorithm's plan
//! against each dataset (once), fit, and assemble the [`Study`] the report draws.

use clusterlab_algos::{plan, Algorithm, Context, Settings};
use clusterlab_data::Dataset;

use crate::config::CompareConfig;
use crate::error::StudyError;
use crate::fitting;
use crate::questions;
use crate::study::{slug, KRule, Study};
use crate::view::View;
use serde_json::json;

/// Where a long run reports what it is doing (a progress bar, stage lines, or nothing).
pub trait Progress: Sync {
    /// Now working on `what` (e.g. `blobs · DBSCAN`).
    fn stage(&self, what: &str);
    /// `what` finished after `seconds` (one fit: the bar advances).
    fn finished(&self, what: &str, seconds: f64);
}

/// Progress that goes nowhere.
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: &str) {}
    fn finished(&self, _: &str, _: f64) {}
}

/// The datasets a config asks for, loaded: every built-in and every CSV
/// in `shipped_dir` when none are named. Errors (an unknown name, a missing
/// or malformed file) come before anything is fitted.
pub fn load_datasets(cfg: &CompareConfig) -> Result<Vec<Dataset>, StudyError> {
    let names: Vec<String> = if cfg.datasets.is_empty() {
        let mut v: Vec<String> = clusterlab_data::builtin_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        // Never the report's own files (`--datasets-dir D --out D`).
        let out = cfg.out.canonicalize().ok();
        v.extend(
            clusterlab_data::shipped_csvs(&cfg.shipped_dir)
                .into_iter()
                .filter(|p| {
                    let dir = p.parent().and_then(|d| d.canonicalize().ok());
                    let own = p
                        .file_name()
                        .is_some_and(|f| f == crate::config::METRICS_CSV);
                    !(own && out.is_some() && dir == out)
                })
                .map(|p| p.display().to_string()),
        );
        v
    } else {
        cfg.datasets.clone()
    };
    let mut out: Vec<Dataset> = Vec::new();
    for name in &names {
        let mut ds = clusterlab_data::resolve(name, cfg.label_column.as_deref(), cfg.seed)?;
        // Two datasets with the same name (a built-in and a CSV) get distinct folders.
        let base = ds.name.clone();
        let mut i = 2;
        while out.iter().any(|o| slug(&o.name) == slug(&ds.name)) {
            ds.name = format!("{base}-{i}");
            i += 1;
        }
        out.push(ds);
    }
    if out.is_empty() {
        return Err(StudyError::Plan(clusterlab_algos::PlanError::new(
            "datasets: no datasets to compare",
        )));
    }
    Ok(out)
}

/// Fits everything on one dataset: the BIC sweep (which picks k when neither
/// the config nor the truth does), each algorithm's plan and fit, the
/// k-means/EM pair and the traced EM fit. A plan that cannot be resolved is
/// an error (a parameter the user wrote); a fit that fails is recorded in its run.
pub fn study(
    ds: &Dataset,
    algorithms: &[Algorithm],
    cfg: &CompareConfig,
    progress: &dyn Progress,
) -> Result<Study, StudyError> {
    let (n, d) = ds.x.dim();
    let (z, means, stds) = if cfg.standardize {
        clusterlab_data::zscore(&ds.x)
    } else {
        (ds.x.clone(), vec![0.0; d], vec![1.0; d])
    };
    let view = View::new(z.view(), &ds.feature_names, &means, &stds);
    let settings = |a: Algorithm| -> Settings { cfg.settings(a) };
    let gmm_settings = settings(Algorithm::Gmm);
    let what = format!("{} · BIC sweep and EM curves", ds.name);
    progress.stage(&what);
    let t = std::time::Instant::now();
    let mut sweep = fitting::sweep(z.view(), &gmm_settings, cfg.bic_max_k, cfg.seed);
    let truth_k = ds.n_true_clusters().filter(|&c| c >= 1);
    let (k, k_rule, k_origin) = match (cfg.k, truth_k, sweep.best) {
        (Some(k), _, _) => (k, KRule::Given, cfg.k_origin.clone()),
        (None, Some(c), _) => (c, KRule::GroundTruth, "the ground-truth count".into()),
        (None, None, Some((k, _, _))) => (k, KRule::Bic, "the best BIC".into()),
        (None, None, None) => (2.min(n.max(1)), KRule::Bic, "the fallback k".into()),
    };
    // EM is fitted with the model the selection chose at k, unless the user named one.
    let sampled = sweep
        .sample
        .map_or(String::new(), |m| format!(" (BIC on {m} sampled points)"));
    let mclust = sweep.best.map_or(String::new(), |(bk, bm, _)| {
        format!(
            "; mclust's procedure (the best BIC over every model and k{sampled}) chooses {bm} with k = {bk}"
        )
    });
    let (gmm_settings, model_note) = match (gmm_settings.get("covariance"), sweep.best_at(k)) {
        (Some(c), _) => {
            let name = c.value.as_str().map_or(c.value.to_string(), str::to_string);
            let note = format!("EM model: {name} as given ({}){mclust}", c.origin);
            (gmm_settings.clone(), note)
        }
        (None, Some((m, _))) => (
            gmm_settings.with(
                "covariance",
                json!(m.name().to_ascii_lowercase()),
                "the BIC selection",
            ),
            format!("EM model: {m}, the lowest BIC at k = {k}{sampled}{mclust}"),
        ),
        (None, None) => (
            gmm_settings.clone(),
            format!("EM model: the default (no fit of the BIC sweep succeeded at k = {k})"),
        ),
    };
    // With the noise component everywhere EM is fitted (the selection included), the note says so.
    let model_note = if gmm_settings.flag("noise").ok().flatten() == Some(true) {
        format!(
            "{model_note}; every EM fit (the BIC selection's too) has a uniform noise component"
        )
    } else {
        model_note
    };
    let settings = |a: Algorithm| -> Settings {
        if a == Algorithm::Gmm {
            gmm_settings.clone()
        } else {
            cfg.settings(a)
        }
    };
    sweep.curves = fitting::curves(z.view(), k, &gmm_settings, cfg.seed);
    progress.finished(&what, t.elapsed().as_secs_f64());
    let ctx = Context::new(z.view(), Some(k), cfg.seed).k_origin(k_origin);
    let mut runs = Vec::with_capacity(algorithms.len());
    for &a in algorithms {
        let what = format!("{} · {}", ds.name, a.title());
        progress.stage(&what);
        let t = std::time::Instant::now();
        let p = plan(a, &settings(a), &ctx)
            .map_err(|e| clusterlab_algos::PlanError::new(format!("{} ({}): {e}", ds.name, a)))?
            // EM keeps its path for the explorable page's slider.
            .recording_em_path();
        runs.push(fitting::run_plan(
            p,
            z.view(),
            ds.labels.as_deref(),
            cfg.seed,
        ));
        progress.finished(&what, t.elapsed().as_secs_f64());
    }
    let density = *ctx.density();
    let truth = ds.labels.clone();
    let pair = fitting::pair(
        z.view(),
        k,
        &runs,
        (&settings(Algorithm::KMeans), &gmm_settings),
        cfg.seed,
        truth.as_deref(),
    );
    // Groups: every labeling renumbered after the truth, else after EM.
    let reference: Option<Vec<i64>> = truth
        .clone()
        .or_else(|| pair.as_ref().ok().map(|p| p.em_labels_with_noise()));
    for r in &mut runs {
        if let Ok(c) = &r.result {
            r.shown = Some(match &reference {
                Some(rf) => clusterlab_metrics::relabel_to_match(rf, &c.labels),
                None => c.labels.clone(),
            });
        }
    }
    let what = format!("{} · k-means/EM pair and EM trace", ds.name);
    progress.stage(&what);
    let t = std::time::Instant::now();
    let trace = match &pair {
        Ok(p) => {
            let is_seed = ds.source == clusterlab_data::BUILTIN_SOURCE && ds.name == "seed-1d";
            let start = (is_seed && p.k == 2 && d == 1)
                .then(|| fitting::seed_start(means[0], stds[0]))
                .flatten();
            fitting::trace(z.view(), p, &gmm_settings, cfg.seed, start)
        }
        Err(e) => Err(e.clone()),
    };
    let em_path = match &pair {
        Ok(p) => crate::path::em_path(&p.em),
        Err(e) => Err(e.clone()),
    };
    progress.finished(&what, t.elapsed().as_secs_f64());
    let what = format!(
        "{} · HDBSCAN membership vectors and condensed tree",
        ds.name
    );
    progress.stage(&what);
    let t = std::time::Instant::now();
    let hdbscan_soft = crate::density_soft::hdbscan_soft(z.view(), &runs);
    progress.finished(&what, t.elapsed().as_secs_f64());
    let what = format!(
        "{} · EM from {} starts and from k-means' labels",
        ds.name,
        crate::starts::DEFAULT_STARTS
    );
    progress.stage(&what);
    let t = std::time::Instant::now();
    // EM's own pictures, only when EM is among the algorithms run.
    let em_pair = if algorithms.contains(&Algorithm::Gmm) {
        pair.as_ref().map_err(Clone::clone)
    } else {
        Err("EM (GMM) was not run".to_string())
    };
    let init_sensitivity = match em_pair {
        Ok(p) => {
            crate::starts::study_starts(z.view(), p.k, &gmm_settings, cfg.seed, &runs, Some(&p.em))
        }
        Err(ref e) => Err(e.clone()),
    };
    let em_from_kmeans = match em_pair {
        Ok(p) => plan(Algorithm::Gmm, &gmm_settings, &ctx)
            .map_err(|e| e.0)
            .and_then(|g| {
                let params = g.gmm().ok_or("not an EM plan")?;
                crate::from_kmeans::em_from_kmeans(z.view(), p, params)
            }),
        Err(e) => Err(e),
    };
    progress.finished(&what, t.elapsed().as_secs_f64());
    let what = format!("{} · Bayesian mixture and EM's path to k-means", ds.name);
    progress.stage(&what);
    let t = std::time::Instant::now();
    let k_choice = questions::k_choice(z.view(), &settings(Algorithm::Bgmm), &sweep, cfg.seed);
    let em_to_kmeans = match &pair {
        Ok(p) => questions::em_to_kmeans(z.view(), p),
        Err(e) => Err(e.clone()),
    };
    progress.finished(&what, t.elapsed().as_secs_f64());
    Ok(Study {
        name: ds.name.clone(),
        source: ds.source.clone(),
        n,
        d,
        feature_names: ds.feature_names.clone(),
        standardized: cfg.standardize,
        truth,
        z,
        view,
        k,
        k_rule,
        density,
        runs,
        pair,
        sweep,
        model_note,
        trace,
        k_choice,
        em_to_kmeans,
        hdbscan_soft,
        means,
        stds,
        em_path,
        init_sensitivity,
        em_from_kmeans,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `compare --datasets-dir D --out D`: the report's own metrics.csv is
    /// not a dataset of the next run.
    #[test]
    fn the_report_folder_is_not_a_dataset_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.csv"), "x,y\n1,2\n3,4\n5,6\n").unwrap();
        std::fs::write(dir.path().join("metrics.csv"), "x,y\n1,2\n").unwrap();
        let cfg = CompareConfig {
            shipped_dir: dir.path().to_path_buf(),
            out: dir.path().to_path_buf(),
            ..CompareConfig::default()
        };
        let names: Vec<String> = load_datasets(&cfg)
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert!(names.contains(&"mine".to_string()), "{names:?}");
        assert!(!names.contains(&"metrics".to_string()), "{names:?}");
        // Elsewhere, the same folder's CSVs are all datasets.
        let cfg = CompareConfig {
            out: dir.path().join("report"),
            ..cfg
        };
        let names: Vec<String> = load_datasets(&cfg)
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert!(names.contains(&"metrics".to_string()), "{names:?}");
    }
}
