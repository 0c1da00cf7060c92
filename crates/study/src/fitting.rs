//! Running the plans on one dataset: every algorithm's fit and scores, the
//! k-means/EM pair, the BIC sweep and the traced EM fit. Every EM and
//! k-means fit here is planned through the registry
//! ([`mod@clusterlab_algos::plan`]), so its parameters are those `params` reports.

use clusterlab_algos::{plan, Algorithm, Clustering, Context, Extras, Plan, PlanError, Settings};
use clusterlab_em::{CovarianceModel, CovarianceType, Covariances, GmmFit, GmmModel, Init};
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;
use serde_json::json;

use crate::error::one_line;
use crate::study::{explain, AlgoRun, Curve, Pair, Sweep, Trace};

/// Most points the BIC sweep fits (a fixed random sample beyond).
pub const SWEEP_MAX_N: usize = 5000;
/// Most points of the traced EM fit (a fixed random sample beyond).
pub const TRACE_MAX_N: usize = 5000;

/// Fits one plan and scores it: ARI and NMI against the truth, silhouette on `z`.
pub fn run_plan(plan: Plan, z: ArrayView2<f64>, truth: Option<&[i64]>, seed: u64) -> AlgoRun {
    let result = plan.fit(z).map_err(|e| one_line(&e.to_string()));
    let mut run = AlgoRun {
        algorithm: plan.algorithm,
        params: plan.params,
        result,
        shown: None,
        ari: None,
        nmi: None,
        silhouette: None,
        warnings: Vec::new(),
    };
    if let Ok(c) = &run.result {
        run.warnings = clusterlab_algos::warnings::warnings(c, z, None);
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
    run
}

/// At most `max` of `n` row indices, ascending: all of them when `n ≤ max`,
/// else a fixed random sample. (Not every k-th row: data written in a
/// periodic order, such as blob `i mod 5` at row `i`, would give a sample
/// of one blob.)
pub fn sample_rows(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        (0..n).collect()
    } else {
        clusterlab_algos::plan::sample::sample_indices(n, max, 0)
    }
}

/// The EM plan of the user's settings at `k` components and covariance `cov`.
fn gmm_at(
    settings: &Settings,
    z: ArrayView2<f64>,
    k: usize,
    cov: CovarianceType,
    seed: u64,
) -> Result<GmmFit, String> {
    let s = settings.with("covariance", json!(cov.name()), "the BIC sweep");
    let p = plan(Algorithm::Gmm, &s, &Context::new(z, Some(k), seed)).map_err(|e| e.0)?;
    let params = p.gmm().ok_or("not an EM plan")?;
    params.fit(z, None).map_err(|e| one_line(&e.to_string()))
}

/// At most [`SWEEP_MAX_N`] rows of `z` (a fixed random sample beyond), and the
/// sample's size when it is one: what the BIC sweep and the curves fit.
pub fn sweep_rows(z: ArrayView2<f64>) -> (Array2<f64>, Option<usize>) {
    let n = z.nrows();
    let idx = sample_rows(n, SWEEP_MAX_N);
    let sample = (idx.len() < n).then_some(idx.len());
    let zs = if sample.is_some() {
        z.select(Axis(0), &idx)
    } else {
        z.to_owned()
    };
    (zs, sample)
}

/// BIC and ICL over k = 1..=kmax and every model (on at most
/// [`SWEEP_MAX_N`] points): [`crate::select::select`] with the EM settings of the study.
pub fn sweep(z: ArrayView2<f64>, settings: &Settings, kmax: usize, seed: u64) -> Sweep {
    let (zs, sample) = sweep_rows(z);
    // At least d + 1 points per component on average, so no full
    // covariance is singular by construction (6 points cannot support 6).
    let kmax = kmax.min(zs.nrows() / (zs.ncols() + 1)).max(1);
    let ks: Vec<usize> = (1..=kmax).collect();
    let models = crate::select::all_models(zs.ncols());
    // The study's own settings, less a covariance the user fixed (every model is tried).
    let s = settings.without("covariance");
    let sel = crate::select::select(
        zs.view(),
        &s,
        &models,
        &ks,
        crate::select::Criterion::Bic,
        seed,
        // One stage of compare's own progress: its fits are not the bar's.
        &crate::compare::Silent,
    );
    let mut bic = vec![vec![None; models.len()]; ks.len()];
    let mut icl = vec![vec![None; models.len()]; ks.len()];
    let mut best: Option<(usize, CovarianceModel, f64)> = None;
    let mut best_icl: Option<(usize, CovarianceModel, f64)> = None;
    if let Ok(sel) = sel {
        for r in &sel.table {
            let (Some(i), Some(m)) = (
                ks.iter().position(|&k| k == r.k),
                models.iter().position(|&m| m == r.covariance),
            ) else {
                continue;
            };
            bic[i][m] = r.bic;
            icl[i][m] = r.icl.filter(|v| v.is_finite());
            if let Some(v) = icl[i][m] {
                if best_icl.is_none_or(|(_, _, b)| v < b) {
                    best_icl = Some((r.k, r.covariance, v));
                }
            }
        }
        best = sel.best.first().and_then(|b| {
            let m = models.iter().find(|m| m.name() == b.model)?;
            Some((b.k, *m, b.bic))
        });
    }
    Sweep {
        ks,
        models,
        bic,
        best,
        icl,
        best_icl,
        sample,
        curves: Vec::new(),
    }
}

/// The four covariance types' log-likelihood curves at `k` (on the sweep's rows).
pub fn curves(z: ArrayView2<f64>, k: usize, settings: &Settings, seed: u64) -> Vec<Curve> {
    let (zs, _) = sweep_rows(z);
    CovarianceType::ALL
        .par_iter()
        .map(|&t| Curve {
            covariance: t,
            result: gmm_at(settings, zs.view(), k, t, seed)
                .map(|f| (f.lower_bounds.clone(), f.converged, f.n_iter)),
        })
        .collect()
}

/// The display group of each EM component: the reference group it is
/// matched to; components left over take unused group numbers. A fit with
/// the noise component labels its noise points `k`: that label's group is
/// −1, DBSCAN's noise group (drawn grey), so `groups[label]` is defined for
/// every label.
pub fn component_groups(em_labels: &[usize], k: usize, reference: Option<&[i64]>) -> Vec<i64> {
    let em: Vec<i64> = em_labels
        .iter()
        .map(|&l| if l < k { l as i64 } else { -1 })
        .collect();
    let shown = match reference {
        Some(r) => clusterlab_metrics::relabel_to_match(r, &em),
        None => em.clone(),
    };
    let mut ids: Vec<Option<i64>> = vec![None; k];
    for (&c, &s) in em_labels.iter().zip(&shown) {
        if c < k && ids[c].is_none() && s >= 0 {
            ids[c] = Some(s);
        }
    }
    let mut taken: Vec<i64> = ids.iter().flatten().copied().collect();
    let mut next = 0i64;
    let mut groups: Vec<i64> = ids
        .into_iter()
        .map(|id| {
            id.unwrap_or_else(|| {
                while taken.contains(&next) {
                    next += 1;
                }
                taken.push(next);
                next
            })
        })
        .collect();
    let top = em_labels.iter().map(|&l| l + 1).max().unwrap_or(0);
    groups.resize(top.max(k), -1);
    groups
}

/// The run of `a`, or a fresh fit of its plan at `k` when it was not run.
fn clustering_of(
    a: Algorithm,
    runs: &[AlgoRun],
    settings: &Settings,
    z: ArrayView2<f64>,
    k: usize,
    seed: u64,
) -> Result<Clustering, String> {
    if let Some(r) = runs.iter().find(|r| r.algorithm == a) {
        return r.result.clone();
    }
    let p = plan(a, settings, &Context::new(z, Some(k), seed))
        .map_err(|e: PlanError| e.0)?
        .recording_em_path();
    p.fit(z)
        .map_err(|e| format!("{}: {}", a.title(), one_line(&e.to_string())))
}

/// k-means and EM at the same `k`, from the runs when they are there.
pub fn pair(
    z: ArrayView2<f64>,
    k: usize,
    runs: &[AlgoRun],
    settings: (&Settings, &Settings),
    seed: u64,
    reference: Option<&[i64]>,
) -> Result<Pair, String> {
    let km = clustering_of(Algorithm::KMeans, runs, settings.0, z, k, seed)?;
    let Extras::KMeans { centroids, .. } = &km.extras else {
        return Err("k-means returned no centroids".into());
    };
    let em_run = clustering_of(Algorithm::Gmm, runs, settings.1, z, k, seed)?;
    let Extras::Gmm(em) = em_run.extras else {
        return Err("EM returned no model".into());
    };
    let em: GmmFit = *em;
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
    let groups = component_groups(&em_labels, kk, reference);
    let reason = explain(
        &em.model,
        em.responsibilities.view(),
        &km_labels,
        &em_labels,
        &differ,
    );
    Ok(Pair {
        k: kk,
        covariance: em.model.covariance_type(),
        agreement: 1.0 - differ.len() as f64 / n as f64,
        km_labels,
        km_centroids,
        em,
        groups,
        differ,
        reason,
    })
}

/// The traced EM fit (the EM plan at the pair's k and covariance type), on
/// at most [`TRACE_MAX_N`] points, with groups matched to the pair's.
/// `start`, when given, is the model of the first E-step (and its description).
pub fn trace(
    z: ArrayView2<f64>,
    pair: &Pair,
    settings: &Settings,
    seed: u64,
    start: Option<(GmmModel, String)>,
) -> Result<Trace, String> {
    let n = z.nrows();
    let idx = sample_rows(n, TRACE_MAX_N);
    let zs: Array2<f64> = z.select(Axis(0), &idx);
    let s = settings.with(
        "covariance",
        json!(pair.em.model.model().name().to_ascii_lowercase()),
        "the EM trace",
    );
    let planned = plan(
        Algorithm::Gmm,
        &s,
        &Context::new(zs.view(), Some(pair.k), seed),
    )
    .map_err(|e| e.0)?;
    let p = planned.gmm().ok_or("not an EM plan")?;
    let note = start.as_ref().map(|s| s.1.clone());
    let mut b = p.to_builder().trace(true);
    if let Some((m, _)) = start {
        b = b.init(Init::Model(Box::new(m))).n_init(1);
    }
    let fit = b
        .check()
        .map_err(|e| e.to_string())?
        .fit(zs.view(), None)
        .map_err(|e| format!("EM trace: {}", one_line(&e.to_string())))?;
    // Match the traced components to the pair's on the shared points: a
    // traced component takes the group of the pair component it matches.
    let all = pair.em_labels_with_noise();
    let pair_labels: Vec<i64> = idx.iter().map(|&i| all[i]).collect();
    let t_labels: Vec<usize> = fit.labels.to_vec();
    let groups = component_groups(&t_labels, pair.k, Some(&pair_labels))
        .into_iter()
        .map(|j| {
            usize::try_from(j)
                .ok()
                .and_then(|j| pair.groups.get(j).copied())
                .unwrap_or(j)
        })
        .collect();
    let mut t = Trace::from_fit(&fit, idx).ok_or("EM returned no trace")?;
    t.groups = groups;
    t.start = note;
    Ok(t)
}

/// The seed's trace-lab start (means 1.60 and 4.40, variances 1, weights ½)
/// in the space the algorithms see (`x = mean + std · z`), for the seed's
/// own six points. Full (k × d × d) covariances start a fit of any model.
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
    fn samples() {
        assert_eq!(sample_rows(3, 5), vec![0, 1, 2]);
        let s = sample_rows(1000, 100);
        assert_eq!(s.len(), 100);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        // Rows of every residue mod 5 (a periodic order is not aliased).
        for r in 0..5 {
            assert!(s.iter().any(|i| i % 5 == r), "no row ≡ {r} mod 5");
        }
    }

    #[test]
    fn groups_follow_reference() {
        let em = [1, 1, 0, 0, 2];
        let truth = [0, 0, 1, 1, 1];
        assert_eq!(component_groups(&em, 3, Some(&truth)), vec![1, 0, 2]);
        // Noise (label k = 2) is group −1 and matches no reference group.
        let em = [1, 1, 0, 0, 2, 2];
        let truth = [0, 0, 1, 1, 1, -1];
        assert_eq!(component_groups(&em, 2, Some(&truth)), vec![1, 0, -1]);
        assert_eq!(component_groups(&[0, 1], 2, None), vec![0, 1]);
    }
}
