//! Running the algorithms on one dataset: parameters from the config (with
//! the data-driven defaults of [`crate::defaults`] filled in), fits, scores,
//! the k-means/EM pair, the BIC sweep and the traced EM fit.

use std::time::Instant;

use clusterlab_algos::{
    Clusterer, DbscanParams, Extras, HdbscanParams, KMeansParams, KMedoidsParams, OpticsParams,
    Size,
};
use clusterlab_em::{
    CovarianceType, Covariances, GaussianMixture, GmmFit, GmmModel, Init, ValidGmmParams,
};
use ndarray::{Array2, ArrayView2, Axis};
use plotters::style::RGBColor;
use rayon::prelude::*;
use serde_json::{json, Map, Value};

use crate::config::{Algorithm, CompareConfig};
use crate::defaults::DensityDefaults;
use crate::error::{one_line, ReportError};
use crate::palette;
use crate::study::{explain, AlgoRun, Curve, Extra, Fitted, Pair, Sweep, Trace};

/// EM restarts when the config sets none. scikit-learn's default is 1, but a
/// single k-means start lands in a poor optimum on some data (iris: ARI 0.52
/// with one start, 0.90 with five), and the pictures should show EM at its
/// best; set `gmm.n_init = 1` for scikit-learn's behaviour.
pub const DEFAULT_GMM_N_INIT: usize = 5;

/// Most points the BIC sweep fits (an even sample beyond).
pub const SWEEP_MAX_N: usize = 5000;
/// Most points of the traced EM fit (an even sample beyond).
pub const TRACE_MAX_N: usize = 5000;

/// Checks every parameter of the config that does not depend on the data,
/// so a bad value fails before anything is written.
pub fn validate(cfg: &CompareConfig) -> Result<(), ReportError> {
    let algo = |e: clusterlab_algos::AlgoError| ReportError::parameter("", e.to_string());
    let fix = |name: &str, e: ReportError| match e {
        ReportError::Parameter { reason, .. } => ReportError::parameter(name.to_string(), reason),
        other => other,
    };
    if let Some(k) = cfg.k {
        if k == 0 {
            return Err(ReportError::parameter("k", "must be at least 1 (got 0)"));
        }
    }
    if cfg.bic_max_k == 0 {
        return Err(ReportError::parameter(
            "bic_max_k",
            "must be at least 1 (got 0)",
        ));
    }
    kmeans_params(cfg, 1)
        .check()
        .map_err(|e| fix("kmeans", algo(e)))?;
    kmedoids_params(cfg, 1)
        .check()
        .map_err(|e| fix("kmedoids", algo(e)))?;
    if cfg.dbscan.eps.is_some() || cfg.dbscan.min_samples.is_some() {
        DbscanParams::new(
            cfg.dbscan.eps.unwrap_or(0.5),
            cfg.dbscan.min_samples.unwrap_or(5),
        )
        .check()
        .map_err(|e| fix("dbscan", algo(e)))?;
    }
    optics_params(cfg, 5, 2)?
        .check()
        .map_err(|e| fix("optics", algo(e)))?;
    if let Some(m) = cfg.hdbscan.min_cluster_size {
        HdbscanParams::new(Size::from(m))
            .min_samples(cfg.hdbscan.min_samples)
            .check()
            .map_err(|e| fix("hdbscan", algo(e)))?;
    }
    gmm_params(cfg, 1, gmm_type(cfg)?)?;
    Ok(())
}

fn kmeans_params(cfg: &CompareConfig, k: usize) -> KMeansParams {
    let c = &cfg.kmeans;
    let mut p = KMeansParams::new(k).seed(cfg.seed);
    if let Some(v) = c.n_init {
        p = p.n_init(v);
    }
    if let Some(v) = c.max_iter {
        p = p.max_iter(v);
    }
    if let Some(v) = c.tol {
        p = p.tol(v);
    }
    if let Some(v) = &c.init {
        // A bad name becomes a check() error below via an invalid n_init;
        // report it properly instead.
        if let Ok(i) = v.parse() {
            p = p.init(i);
        } else {
            p = p.n_init(0);
        }
    }
    p
}

fn kmedoids_params(cfg: &CompareConfig, k: usize) -> KMedoidsParams {
    let c = &cfg.kmedoids;
    let mut p = KMedoidsParams::new(k).seed(cfg.seed);
    if let Some(v) = c.n_init {
        p = p.n_init(v);
    }
    if let Some(v) = c.max_iter {
        p = p.max_iter(v);
    }
    if let Some(v) = &c.init {
        if let Ok(i) = v.parse() {
            p = p.init(i);
        } else {
            p = p.n_init(0);
        }
    }
    p
}

fn optics_params(
    cfg: &CompareConfig,
    min_samples: usize,
    min_cluster: usize,
) -> Result<OpticsParams, ReportError> {
    let c = &cfg.optics;
    let mut p = OpticsParams::new(c.min_samples.unwrap_or(min_samples)).min_cluster_size(Some(
        c.min_cluster_size
            .map_or(Size::Count(min_cluster), Size::from),
    ));
    p = p.xi(c.xi.unwrap_or(crate::defaults::OPTICS_XI));
    if let Some(v) = c.max_eps {
        p = p.max_eps(v);
    }
    if let Some(m) = &c.cluster_method {
        let m = m.parse().map_err(|e: clusterlab_algos::AlgoError| {
            ReportError::parameter("optics", e.to_string())
        })?;
        p = p.cluster_method(m);
    }
    if let Some(v) = c.eps {
        p = p.eps(Some(v));
    }
    Ok(p)
}

/// The EM parameters of the config for `k` components and type `cov` (the
/// config's covariance type is used by [`gmm_type`]).
pub fn gmm_params(
    cfg: &CompareConfig,
    k: usize,
    cov: CovarianceType,
) -> Result<ValidGmmParams, ReportError> {
    let c = &cfg.gmm;
    let bad = |e: clusterlab_em::GmmError| ReportError::parameter("gmm", e.to_string());
    let mut p = GaussianMixture::params(k)
        .covariance_type(cov)
        .seed(cfg.seed);
    if let Some(v) = &c.init {
        p = p.init(v.parse::<Init>().map_err(bad)?);
    }
    p = p.n_init(c.n_init.unwrap_or(DEFAULT_GMM_N_INIT));
    if let Some(v) = c.tol {
        p = p.tol(v);
    }
    if let Some(v) = c.max_iter {
        p = p.max_iter(v);
    }
    if let Some(v) = c.reg_covar {
        p = p.reg_covar(v);
    }
    p.check().map_err(bad)
}

/// The covariance type the config asks EM to use (default full).
pub fn gmm_type(cfg: &CompareConfig) -> Result<CovarianceType, ReportError> {
    match &cfg.gmm.covariance {
        None => Ok(CovarianceType::Full),
        Some(s) => s
            .parse()
            .map_err(|e: clusterlab_em::GmmError| ReportError::parameter("gmm", e.to_string())),
    }
}

/// Wraps an EM fit as a [`Fitted`].
fn gmm_clustering(fit: GmmFit, seconds: f64) -> Fitted {
    let labels: Vec<i64> = fit.labels.iter().map(|&l| l as i64).collect();
    let mut used = labels.clone();
    used.sort_unstable();
    used.dedup();
    Fitted {
        n_clusters: used.len(),
        n_noise: 0,
        labels,
        membership: Some(fit.responsibilities.clone()),
        scores: None,
        fit_seconds: seconds,
        extra: Extra::Gmm(Box::new(fit)),
    }
}

/// Fits one algorithm; the parameters used and the clustering or error.
pub fn fit_algorithm(
    alg: Algorithm,
    z: ArrayView2<f64>,
    k: usize,
    dd: &DensityDefaults,
    cfg: &CompareConfig,
) -> (Map<String, Value>, Result<Fitted, String>) {
    let err = |e: &dyn std::fmt::Display| one_line(&e.to_string());
    let mut params = Map::new();
    let result: Result<Fitted, String> = match alg {
        Algorithm::KMeans => match kmeans_params(cfg, k).check() {
            Ok(p) => {
                params.insert("k".into(), json!(p.n_clusters()));
                params.insert("n_init".into(), json!(p.n_init()));
                params.insert("max_iter".into(), json!(p.max_iter()));
                params.insert("tol".into(), json!(p.tol()));
                params.insert("init".into(), json!(p.init().to_string()));
                params.insert("seed".into(), json!(p.seed()));
                p.fit(z).map(Fitted::from).map_err(|e| err(&e))
            }
            Err(e) => Err(err(&e)),
        },
        Algorithm::KMedoids => match kmedoids_params(cfg, k).check() {
            Ok(p) => {
                params.insert("k".into(), json!(p.n_clusters()));
                params.insert("n_init".into(), json!(p.n_init()));
                params.insert("max_iter".into(), json!(p.max_iter()));
                params.insert("init".into(), json!(p.init().to_string()));
                params.insert("seed".into(), json!(p.seed()));
                p.fit(z).map(Fitted::from).map_err(|e| err(&e))
            }
            Err(e) => Err(err(&e)),
        },
        Algorithm::Dbscan => {
            let eps = cfg.dbscan.eps.unwrap_or(dd.eps);
            let ms = cfg.dbscan.min_samples.unwrap_or(dd.min_samples);
            params.insert("eps".into(), json!(round_sig(eps, 4)));
            params.insert("min_samples".into(), json!(ms));
            match DbscanParams::new(eps, ms).check() {
                Ok(p) => p.fit(z).map(Fitted::from).map_err(|e| err(&e)),
                Err(e) => Err(err(&e)),
            }
        }
        Algorithm::Optics => match optics_params(cfg, dd.min_samples, dd.optics_min_cluster_size)
            .map_err(|e| err(&e))
            .and_then(|p| p.check().map_err(|e| err(&e)))
        {
            Ok(p) => {
                params.insert("min_samples".into(), json!(p.min_samples().to_string()));
                params.insert("xi".into(), json!(p.xi()));
                params.insert(
                    "min_cluster_size".into(),
                    json!(p.min_cluster_size().map(|s| s.to_string())),
                );
                params.insert(
                    "cluster_method".into(),
                    json!(p.cluster_method().to_string()),
                );
                if p.max_eps().is_finite() {
                    params.insert("max_eps".into(), json!(p.max_eps()));
                }
                if let Some(e) = p.eps() {
                    params.insert("eps".into(), json!(e));
                }
                p.fit(z).map(Fitted::from).map_err(|e| err(&e))
            }
            Err(e) => Err(e),
        },
        Algorithm::Hdbscan => {
            let mcs = cfg
                .hdbscan
                .min_cluster_size
                .map_or(Size::Count(dd.hdbscan_min_cluster_size), Size::from);
            let ms = cfg.hdbscan.min_samples.unwrap_or(dd.hdbscan_min_samples);
            params.insert("min_cluster_size".into(), json!(mcs.to_string()));
            params.insert("min_samples".into(), json!(ms));
            hdbscan_fit(z, mcs, ms)
        }
        Algorithm::Gmm => match gmm_type(cfg).and_then(|t| gmm_params(cfg, k, t)) {
            Ok(p) => {
                params.insert("k".into(), json!(p.n_components()));
                params.insert("covariance".into(), json!(p.covariance_type().name()));
                params.insert("init".into(), json!(p.init().name()));
                params.insert("n_init".into(), json!(p.n_init()));
                params.insert("tol".into(), json!(p.tol()));
                params.insert("max_iter".into(), json!(p.max_iter()));
                params.insert("reg_covar".into(), json!(p.reg_covar()));
                params.insert("seed".into(), json!(p.seed()));
                let t = Instant::now();
                match p.fit(z, None) {
                    Ok(fit) => Ok(gmm_clustering(fit, t.elapsed().as_secs_f64())),
                    Err(e) => Err(err(&e)),
                }
            }
            Err(e) => Err(err(&e)),
        },
    };
    (params, result)
}

fn hdbscan_fit(z: ArrayView2<f64>, mcs: Size, ms: usize) -> Result<Fitted, String> {
    let p = HdbscanParams::new(mcs)
        .min_samples(Some(ms))
        .check()
        .map_err(|e| one_line(&e.to_string()))?;
    p.fit(z)
        .map(Fitted::from)
        .map_err(|e| one_line(&e.to_string()))
}

/// `v` rounded to `sig` significant digits (for readable parameters).
pub fn round_sig(v: f64, sig: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let p = 10f64.powi(sig - 1 - v.abs().log10().floor() as i32);
    (v * p).round() / p
}

/// Scores of one run: ARI and NMI against the truth, silhouette on `z`.
pub fn score(run: &mut AlgoRun, z: ArrayView2<f64>, truth: Option<&[i64]>, seed: u64) {
    let Ok(c) = &run.result else {
        return;
    };
    if let Some(t) = truth {
        run.ari = Some(clusterlab_metrics::adjusted_rand_index(t, &c.labels));
        run.nmi = Some(clusterlab_metrics::normalized_mutual_info(t, &c.labels));
    }
    run.silhouette = clusterlab_metrics::silhouette(
        z,
        &c.labels,
        clusterlab_metrics::DEFAULT_SILHOUETTE_MAX_N,
        seed,
    );
}

/// An even sample of at most `max` of `n` indices (all when `n ≤ max`).
pub fn even_sample(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        (0..n).collect()
    } else {
        (0..max).map(|i| i * n / max).collect()
    }
}

/// BIC over k = 1..=kmax and the four covariance types, plus the four
/// convergence curves at `k_for_curves` (computed here too when known).
pub fn sweep(z: ArrayView2<f64>, cfg: &CompareConfig) -> Sweep {
    let n = z.nrows();
    let idx = even_sample(n, SWEEP_MAX_N);
    let sample = (idx.len() < n).then_some(idx.len());
    let zs: Array2<f64> = if sample.is_some() {
        z.select(Axis(0), &idx)
    } else {
        z.to_owned()
    };
    // At least d + 1 points per component on average, so no full
    // covariance is singular by construction (6 points cannot support 6).
    let kmax = cfg.bic_max_k.min(zs.nrows() / (zs.ncols() + 1)).max(1);
    let ks: Vec<usize> = (1..=kmax).collect();
    let jobs: Vec<(usize, usize)> = ks
        .iter()
        .flat_map(|&k| (0..4).map(move |t| (k, t)))
        .collect();
    let results: Vec<Option<f64>> = jobs
        .par_iter()
        .map(|&(k, t)| {
            let p = gmm_params(cfg, k, CovarianceType::ALL[t]).ok()?;
            let fit = p.fit(zs.view(), None).ok()?;
            fit.model.bic(zs.view()).ok().filter(|b| b.is_finite())
        })
        .collect();
    let mut bic = vec![[None; 4]; ks.len()];
    let mut best: Option<(usize, CovarianceType, f64)> = None;
    for (&(k, t), b) in jobs.iter().zip(results) {
        bic[k - 1][t] = b;
        if let Some(v) = b {
            if best.is_none_or(|(_, _, bv)| v < bv) {
                best = Some((k, CovarianceType::ALL[t], v));
            }
        }
    }
    Sweep {
        ks,
        bic,
        best,
        sample,
        curves: Vec::new(),
    }
}

/// The four covariance types' log-likelihood curves at `k`.
pub fn curves(z: ArrayView2<f64>, k: usize, cfg: &CompareConfig) -> Vec<Curve> {
    CovarianceType::ALL
        .par_iter()
        .map(|&t| Curve {
            covariance: t,
            result: gmm_params(cfg, k, t)
                .map_err(|e| e.to_string())
                .and_then(|p| p.fit(z, None).map_err(|e| one_line(&e.to_string())))
                .map(|f| (f.lower_bounds.clone(), f.converged, f.n_iter)),
        })
        .collect()
}

/// Colours of EM components: the colour of the reference group each is
/// matched to; components left over take unused palette colours.
pub fn component_colors(em_labels: &[usize], k: usize, reference: Option<&[i64]>) -> Vec<RGBColor> {
    let em: Vec<i64> = em_labels.iter().map(|&l| l as i64).collect();
    let shown = match reference {
        Some(r) => clusterlab_metrics::relabel_to_match(r, &em),
        None => em.clone(),
    };
    let mut ids: Vec<Option<i64>> = vec![None; k];
    for (&c, &s) in em_labels.iter().zip(&shown) {
        if c < k && ids[c].is_none() {
            ids[c] = Some(s);
        }
    }
    let mut taken: Vec<i64> = ids.iter().flatten().copied().collect();
    let mut next = 0i64;
    ids.into_iter()
        .map(|id| {
            let id = id.unwrap_or_else(|| {
                while taken.contains(&next) {
                    next += 1;
                }
                taken.push(next);
                next
            });
            palette::cluster(id)
        })
        .collect()
}

/// k-means and EM at the same `k`, from the runs when they are there.
pub fn pair(
    z: ArrayView2<f64>,
    k: usize,
    runs: &[AlgoRun],
    cfg: &CompareConfig,
    reference: Option<&[i64]>,
) -> Result<Pair, String> {
    let km_run = runs
        .iter()
        .find(|r| r.algorithm == Algorithm::KMeans)
        .and_then(|r| r.result.as_ref().ok());
    let km: Fitted = match km_run {
        Some(c) => c.clone(),
        None => kmeans_params(cfg, k)
            .check()
            .map_err(|e| e.to_string())?
            .fit(z)
            .map(Fitted::from)
            .map_err(|e| format!("k-means: {}", one_line(&e.to_string())))?,
    };
    let Extra::Algo(Extras::KMeans { centroids, .. }) = &km.extra else {
        return Err("k-means returned no centroids".into());
    };
    let em: GmmFit = match runs.iter().find_map(AlgoRun::gmm) {
        Some(f) => f.clone(),
        None => {
            let t = gmm_type(cfg).map_err(|e| e.to_string())?;
            gmm_params(cfg, k, t)
                .map_err(|e| e.to_string())?
                .fit(z, None)
                .map_err(|e| format!("EM: {}", one_line(&e.to_string())))?
        }
    };
    let kk = em.model.n_components();
    if centroids.nrows() != kk {
        return Err(format!(
            "k-means has {} clusters but EM {kk} components",
            centroids.nrows()
        ));
    }
    let em_labels: Vec<usize> = em.labels.to_vec();
    let em_i: Vec<i64> = em_labels.iter().map(|&l| l as i64).collect();
    let km_in_em = clusterlab_metrics::relabel_to_match(&em_i, &km.labels);
    // Old k-means cluster → EM numbering (clusters EM did not match take free numbers).
    let mut map: Vec<Option<usize>> = vec![None; kk];
    for (&old, &new) in km.labels.iter().zip(&km_in_em) {
        let old = old as usize;
        if old < kk && map[old].is_none() && (0..kk as i64).contains(&new) {
            map[old] = Some(new as usize);
        }
    }
    let mut free: Vec<usize> = (0..kk).filter(|j| !map.contains(&Some(*j))).collect();
    free.reverse();
    let map: Vec<usize> = map
        .into_iter()
        .map(|m| m.unwrap_or_else(|| free.pop().unwrap_or(0)))
        .collect();
    let km_labels: Vec<usize> = km.labels.iter().map(|&l| map[l as usize]).collect();
    let mut km_centroids = Array2::zeros(centroids.dim());
    for (old, &new) in map.iter().enumerate() {
        km_centroids.row_mut(new).assign(&centroids.row(old));
    }
    let differ: Vec<usize> = (0..km_labels.len())
        .filter(|&i| km_labels[i] != em_labels[i])
        .collect();
    let n = km_labels.len().max(1);
    let colors = component_colors(&em_labels, kk, reference);
    let reason = explain(
        &em.model,
        em.responsibilities.view(),
        &km_labels,
        &em_labels,
        &differ,
        &colors,
    );
    Ok(Pair {
        k: kk,
        covariance: em.model.covariance_type(),
        agreement: 1.0 - differ.len() as f64 / n as f64,
        km_labels,
        km_centroids,
        em,
        colors,
        differ,
        reason,
    })
}

/// The traced EM fit (same parameters as the pair's EM), on at most
/// [`TRACE_MAX_N`] points, with colours matched to the pair's.
/// `start`, when given, is the model of the first E-step (and its description).
pub fn trace(
    z: ArrayView2<f64>,
    pair: &Pair,
    cfg: &CompareConfig,
    start: Option<(GmmModel, String)>,
) -> Result<Trace, String> {
    let n = z.nrows();
    let idx = even_sample(n, TRACE_MAX_N);
    let zs: Array2<f64> = z.select(Axis(0), &idx);
    let p = gmm_params(cfg, pair.k, pair.covariance).map_err(|e| e.to_string())?;
    let note = start.as_ref().map(|s| s.1.clone());
    let p = traced(p, start.map(|s| s.0));
    let fit = p
        .fit(zs.view(), None)
        .map_err(|e| format!("EM trace: {}", one_line(&e.to_string())))?;
    // Match the traced components to the pair's on the shared points.
    let pair_labels: Vec<i64> = idx.iter().map(|&i| pair.em_labels()[i] as i64).collect();
    let t_labels: Vec<usize> = fit.labels.to_vec();
    let colors = component_colors(&t_labels, pair.k, Some(&pair_labels))
        .into_iter()
        .map(|c| {
            // component_colors gives palette colours of the pair's component
            // numbers; translate them to the pair's own colours.
            let j = palette::CLUSTER.iter().position(|&p| p == c).unwrap_or(0);
            pair.colors.get(j).copied().unwrap_or(c)
        })
        .collect();
    let mut t = Trace::from_fit(&fit, idx).ok_or("EM returned no trace")?;
    t.colors = colors;
    t.start = note;
    Ok(t)
}

fn traced(p: ValidGmmParams, start: Option<GmmModel>) -> ValidGmmParams {
    let mut b = GaussianMixture::params(p.n_components())
        .covariance_type(p.covariance_type())
        .init(p.init().clone())
        .n_init(p.n_init())
        .tol(p.tol())
        .max_iter(p.max_iter())
        .reg_covar(p.reg_covar())
        .seed(p.seed());
    b = b.trace(true);
    if let Some(m) = start {
        b = b.init(Init::Model(Box::new(m))).n_init(1);
    }
    b.check().expect("parameters already checked")
}

/// The seed's trace-lab start (means 1.60 and 4.40, variances 1, weights ½)
/// in the space the algorithms see (`x = mean + std · z`), for the seed's
/// own six points.
pub fn seed_start(mean: f64, std: f64) -> Option<(GmmModel, String)> {
    let s = if std > 0.0 { std } else { 1.0 };
    let means = ndarray::array![[(1.60 - mean) / s], [(4.40 - mean) / s]];
    let cov = ndarray::Array3::from_elem((2, 1, 1), 1.0 / (s * s));
    let m = GmmModel::new(ndarray::array![0.5, 0.5], means, Covariances::Full(cov)).ok()?;
    Some((
        m,
        "started from the seed's trace lab: means 1.60 and 4.40, variances 1, weights 0.50/0.50"
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding() {
        assert_eq!(round_sig(0.123456, 3), 0.123);
        assert_eq!(round_sig(1234.5, 2), 1200.0);
    }

    #[test]
    fn samples() {
        assert_eq!(even_sample(3, 5), vec![0, 1, 2]);
        assert_eq!(even_sample(10, 5), vec![0, 2, 4, 6, 8]);
    }

    #[test]
    fn colours_follow_reference() {
        let em = [1, 1, 0, 0, 2];
        let truth = [0, 0, 1, 1, 1];
        let c = component_colors(&em, 3, Some(&truth));
        assert_eq!(c[1], palette::cluster(0));
        assert_eq!(c[0], palette::cluster(1));
        assert_eq!(c[2], palette::cluster(2));
    }
}
