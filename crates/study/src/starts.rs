//! Initialisation matters: EM fitted from many starts (`clusterlab starts`,
//! `init-sensitivity.png`, metrics.json `datasets[i].init_sensitivity`).
//!
//! The starts: the default fit itself (the EM plan as `fit gmm` and
//! `compare` run it), each init method (`kmeans`, `kmeans++`, `random`,
//! `random-from-data`) × seeds, and EM started from k-means', k-medoids'
//! and HDBSCAN's labels (the first step an M-step on their one-hot
//! responsibilities). All run in parallel, one EM run each (`n_init` 1,
//! except the default fit, which is what it is). Final models are grouped
//! into optima: two starts reached the same optimum when their mean
//! log-likelihoods differ by at most [`SAME_LL`] and, after matching the
//! components (nearest means), every mean is within [`SAME_MEAN`] and every
//! weight within [`SAME_WEIGHT`]. Optimum 0 is the best.

use std::collections::BTreeMap;

use clusterlab_em::{GmmFit, GmmModel, Init, ValidGmmParams};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::Serialize;

use crate::error::one_line;

/// Most rows `compare` fits the starts on (a fixed random sample beyond,
/// stated in the picture and the JSON's `n_fitted`).
pub const COMPARE_MAX_N: usize = 20_000;

/// The label starts of a study: k-means', k-medoids' and HDBSCAN's labels
/// on `rows`, from their runs.
pub fn label_starts_of(runs: &[crate::study::AlgoRun], rows: &[usize]) -> Vec<LabelStart> {
    use clusterlab_algos::Algorithm;
    [
        (Algorithm::KMeans, "kmeans-labels"),
        (Algorithm::KMedoids, "kmedoids-labels"),
        (Algorithm::Hdbscan, "hdbscan-labels"),
    ]
    .into_iter()
    .map(|(a, name)| {
        let labels = match runs.iter().find(|r| r.algorithm == a) {
            None => Err(format!("{} was not run", a.title())),
            Some(r) => r
                .result
                .as_ref()
                .map(|c| rows.iter().map(|&i| c.labels[i]).collect())
                .map_err(|e| format!("{} failed: {e}", a.title())),
        };
        (name.to_string(), labels)
    })
    .collect()
}

/// The study's init sensitivity: the EM plan of `settings` at `k` from
/// [`DEFAULT_STARTS`] starts on at most [`COMPARE_MAX_N`] rows; the default
/// start is the study's own EM fit when all rows are used.
pub fn study_starts(
    z: ArrayView2<f64>,
    k: usize,
    settings: &clusterlab_algos::Settings,
    seed: u64,
    runs: &[crate::study::AlgoRun],
    default_fit: Option<&GmmFit>,
) -> Result<InitSensitivity, String> {
    use clusterlab_algos::{plan, Algorithm, Context};
    let rows = crate::fitting::sample_rows(z.nrows(), COMPARE_MAX_N);
    let sampled = rows.len() < z.nrows();
    let zs = if sampled {
        z.select(ndarray::Axis(0), &rows)
    } else {
        z.to_owned()
    };
    let p = plan(
        Algorithm::Gmm,
        settings,
        &Context::new(zs.view(), Some(k), seed),
    )
    .map_err(|e| e.0)?;
    let params = p.gmm().ok_or("not an EM plan")?;
    let labels = label_starts_of(runs, &rows);
    init_sensitivity(
        zs.view(),
        rows,
        params,
        default_fit.filter(|_| !sampled),
        &labels,
        DEFAULT_STARTS,
    )
}

/// Starts unless asked otherwise.
pub const DEFAULT_STARTS: usize = 50;
/// The init methods, each with its share of the seeded starts.
pub const METHODS: [&str; 4] = ["kmeans", "kmeans++", "random", "random-from-data"];
/// Same optimum: mean log-likelihoods at most this far apart…
pub const SAME_LL: f64 = 1e-2;
/// …matched means at most this far apart (in the units the algorithms saw)…
pub const SAME_MEAN: f64 = 0.1;
/// …and matched weights at most this far apart.
pub const SAME_WEIGHT: f64 = 0.05;

/// One start and where it ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Start {
    /// `default`, an init method, or `kmeans-labels`, `kmedoids-labels`, `hdbscan-labels`.
    pub method: String,
    /// The seed of a seeded start (`null` for label starts).
    pub seed: Option<u64>,
    /// Mean log-likelihood of the final model.
    pub log_likelihood: f64,
    pub n_iter: usize,
    /// The optimum it reached (0 = best).
    pub optimum: usize,
}

/// A distinct optimum: its best start's model and how many starts reached it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Optimum {
    pub id: usize,
    pub log_likelihood: f64,
    pub count: usize,
    pub weights: Vec<f64>,
    /// Component means (rows), in the units the algorithms saw.
    pub means: Vec<Vec<f64>>,
}

/// Everything `starts` and `init-sensitivity.png` show.
#[derive(Debug, Clone, Serialize)]
pub struct InitSensitivity {
    pub starts: Vec<Start>,
    pub optima: Vec<Optimum>,
    /// Share of each method's starts that reach the best optimum.
    pub best_share_by_method: BTreeMap<String, f64>,
    /// Label starts that could not be made, and why.
    pub skipped: Vec<String>,
    /// Points the starts were fitted on (a sample when below n).
    pub n_fitted: usize,
    /// Wall-clock seconds of all the EM fits (run in parallel).
    pub fit_seconds: f64,
    /// The best and the worst optimum's model with its labels on the fitted rows.
    #[serde(skip)]
    pub best: Endpoint,
    #[serde(skip)]
    pub worst: Endpoint,
    /// Rows of the data the starts were fitted on (all, or a sample).
    #[serde(skip)]
    pub rows: Vec<usize>,
}

/// A drawn optimum.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub model: GmmModel,
    pub labels: Vec<usize>,
}

/// How a start begins.
#[derive(Debug, Clone)]
enum How {
    Default,
    Seeded(Init, u64),
    Labels(Vec<usize>),
}

/// The seeded starts: `total` split over [`METHODS`] as evenly as possible
/// (the first methods take one more), seeds `seed + 1, seed + 2, …` per method.
pub fn seeded_starts(total: usize, seed: u64) -> Vec<(&'static str, u64)> {
    let m = METHODS.len();
    (0..m)
        .flat_map(|j| {
            let count = total / m + usize::from(j < total % m);
            (0..count).map(move |i| (METHODS[j], seed + 1 + i as u64))
        })
        .collect()
}

fn init_of(name: &str) -> Init {
    match name {
        "kmeans++" => Init::KMeansPlusPlus,
        "random" => Init::Random,
        "random-from-data" => Init::RandomFromData,
        _ => Init::KMeans,
    }
}

/// A hard partition with noise or more than `k` clusters as `k` labels:
/// the `k` largest clusters are kept (in order of their first point), every
/// other point joins the kept cluster with the nearest mean. Fewer than `k`
/// clusters is an error.
pub fn labels_to_k(z: ArrayView2<f64>, labels: &[i64], k: usize) -> Result<Vec<usize>, String> {
    let m = labels
        .iter()
        .copied()
        .max()
        .map_or(0, |l| (l + 1).max(0) as usize);
    let mut size = vec![0usize; m];
    for &l in labels.iter().filter(|l| **l >= 0) {
        size[l as usize] += 1;
    }
    let found = size.iter().filter(|s| **s > 0).count();
    if found < k {
        return Err(format!("{found} clusters, fewer than k = {k}"));
    }
    let mut order: Vec<usize> = (0..m).filter(|&c| size[c] > 0).collect();
    order.sort_by_key(|&c| std::cmp::Reverse(size[c]));
    order.truncate(k);
    let first = |c: usize| labels.iter().position(|&l| l == c as i64).unwrap_or(0);
    order.sort_by_key(|&c| first(c));
    let mut new_of = vec![usize::MAX; m];
    for (j, &c) in order.iter().enumerate() {
        new_of[c] = j;
    }
    let d = z.ncols();
    let mut means = Array2::<f64>::zeros((k, d));
    for (i, &l) in labels.iter().enumerate() {
        if l >= 0 && new_of[l as usize] != usize::MAX {
            let j = new_of[l as usize];
            let mut row = means.row_mut(j);
            row += &z.row(i);
        }
    }
    for (j, &c) in order.iter().enumerate() {
        means.row_mut(j).mapv_inplace(|v| v / size[c] as f64);
    }
    Ok(labels
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            if l >= 0 && new_of[l as usize] != usize::MAX {
                return new_of[l as usize];
            }
            let x = z.row(i);
            (0..k)
                .map(|j| {
                    let d2: f64 = x
                        .iter()
                        .zip(means.row(j).iter())
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum();
                    (j, d2)
                })
                .fold(
                    (0, f64::INFINITY),
                    |b, (j, d2)| if d2 < b.1 { (j, d2) } else { b },
                )
                .0
        })
        .collect())
}

/// Whether two models are the same optimum (components matched greedily
/// by nearest means, the heaviest first).
pub fn same_optimum(a: &GmmModel, ll_a: f64, b: &GmmModel, ll_b: f64) -> bool {
    if (ll_a - ll_b).abs() > SAME_LL || a.n_components() != b.n_components() {
        return false;
    }
    let k = a.n_components();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&i, &j| a.weights()[j].total_cmp(&a.weights()[i]));
    let mut used = vec![false; k];
    for i in order {
        let best = (0..k)
            .filter(|&j| !used[j])
            .fold(None, |best: Option<(usize, f64)>, j| {
                let d: f64 = a
                    .means()
                    .row(i)
                    .iter()
                    .zip(b.means().row(j).iter())
                    .map(|(x, y)| (x - y) * (x - y))
                    .sum::<f64>()
                    .sqrt();
                match best {
                    Some((_, bd)) if bd <= d => best,
                    _ => Some((j, d)),
                }
            });
        let Some((j, d)) = best else {
            return false;
        };
        if d > SAME_MEAN || (a.weights()[i] - b.weights()[j]).abs() > SAME_WEIGHT {
            return false;
        }
        used[j] = true;
    }
    true
}

/// What one start ended with.
struct Ended {
    method: String,
    seed: Option<u64>,
    fit: Result<GmmFit, String>,
}

/// The label starts: `(method, labels)`, each already a partition of the
/// fitted rows into `k` (see [`labels_to_k`]), or why it could not be made.
pub type LabelStart = (String, Result<Vec<i64>, String>);

/// Fits EM from `n_starts` starts on `z` and groups the final models into
/// optima. `params` are the default EM plan's; `default_fit` is its fit on
/// the same rows when already computed (else it is fitted here).
pub fn init_sensitivity(
    z: ArrayView2<f64>,
    rows: Vec<usize>,
    params: &ValidGmmParams,
    default_fit: Option<&GmmFit>,
    label_starts: &[LabelStart],
    n_starts: usize,
) -> Result<InitSensitivity, String> {
    let k = params.n_components();
    let mut skipped = Vec::new();
    let mut hows: Vec<(String, How)> = vec![("default".into(), How::Default)];
    for (name, labels) in label_starts {
        match labels
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|l| labels_to_k(z, l, k))
        {
            Ok(l) => hows.push((name.clone(), How::Labels(l))),
            Err(e) => skipped.push(format!("{name}: {e}")),
        }
    }
    if n_starts < hows.len() + METHODS.len() {
        return Err(format!(
            "--starts: at least {} (the default fit, {} label starts and one per init method; got {n_starts})",
            hows.len() + METHODS.len(),
            hows.len() - 1
        ));
    }
    for (m, s) in seeded_starts(n_starts - hows.len(), params.seed()) {
        hows.push((m.to_string(), How::Seeded(init_of(m), s)));
    }
    let t = std::time::Instant::now();
    let ended: Vec<Ended> = hows
        .into_par_iter()
        .map(|(method, how)| {
            let (seed, fit) = match how {
                How::Default => (
                    None,
                    match default_fit {
                        Some(f) => Ok(f.clone()),
                        None => params.fit(z, None).map_err(|e| one_line(&e.to_string())),
                    },
                ),
                How::Seeded(init, s) => (
                    Some(s),
                    params
                        .to_builder()
                        .init(init)
                        .n_init(1)
                        .seed(s)
                        .check()
                        .map_err(|e| e.to_string())
                        .and_then(|p| p.fit(z, None).map_err(|e| one_line(&e.to_string()))),
                ),
                How::Labels(l) => (
                    None,
                    params
                        .fit_from_labels(z, &l)
                        .map_err(|e| one_line(&e.to_string())),
                ),
            };
            // Keep the model and the numbers, not the n × k responsibilities.
            let fit = fit.map(|mut f| {
                f.responsibilities = Array2::zeros((0, 0));
                f.trace = None;
                f
            });
            Ended { method, seed, fit }
        })
        .collect();
    let fit_seconds = t.elapsed().as_secs_f64();
    let default_seed = params.seed();
    let mut ok: Vec<(usize, &GmmFit)> = Vec::new();
    for (i, e) in ended.iter().enumerate() {
        match &e.fit {
            Ok(f) if f.log_likelihood.is_finite() => ok.push((i, f)),
            Ok(_) => skipped.push(format!("{}: non-finite log-likelihood", e.method)),
            Err(err) => skipped.push(match e.seed {
                Some(seed) => format!("{} (seed {seed}): {err}", e.method),
                None => format!("{}: {err}", e.method),
            }),
        }
    }
    if ok.is_empty() {
        return Err(format!("no start could be fitted: {}", skipped.join("; ")));
    }
    ok.sort_by(|a, b| {
        b.1.log_likelihood
            .total_cmp(&a.1.log_likelihood)
            .then(a.0.cmp(&b.0))
    });
    // Greedy grouping, best first: a start joins the first optimum it matches.
    let mut reps: Vec<usize> = Vec::new();
    let mut optimum_of = vec![usize::MAX; ended.len()];
    for &(i, f) in &ok {
        let hit = reps.iter().position(|&r| {
            let g = ended[r].fit.as_ref().ok();
            g.is_some_and(|g| same_optimum(&g.model, g.log_likelihood, &f.model, f.log_likelihood))
        });
        optimum_of[i] = match hit {
            Some(o) => o,
            None => {
                reps.push(i);
                reps.len() - 1
            }
        };
    }
    let mut starts = Vec::with_capacity(ok.len());
    for (i, e) in ended.iter().enumerate() {
        if let Ok(f) = &e.fit {
            if optimum_of[i] != usize::MAX {
                starts.push(Start {
                    method: e.method.clone(),
                    seed: e.seed.or((e.method == "default").then_some(default_seed)),
                    log_likelihood: f.log_likelihood,
                    n_iter: f.n_iter,
                    optimum: optimum_of[i],
                });
            }
        }
    }
    let optima: Vec<Optimum> = reps
        .iter()
        .enumerate()
        .map(|(id, &r)| {
            let f = ended[r].fit.as_ref().expect("a representative fitted");
            Optimum {
                id,
                log_likelihood: f.log_likelihood,
                count: starts.iter().filter(|s| s.optimum == id).count(),
                weights: f.model.weights().to_vec(),
                means: f
                    .model
                    .means()
                    .rows()
                    .into_iter()
                    .map(|r| r.to_vec())
                    .collect(),
            }
        })
        .collect();
    let mut best_share_by_method = BTreeMap::new();
    for s in &starts {
        let e = best_share_by_method
            .entry(s.method.clone())
            .or_insert((0usize, 0usize));
        e.0 += usize::from(s.optimum == 0);
        e.1 += 1;
    }
    let best_share_by_method = best_share_by_method
        .into_iter()
        .map(|(m, (hit, all))| (m, hit as f64 / all as f64))
        .collect();
    let endpoint = |r: usize| -> Result<Endpoint, String> {
        let f = ended[r].fit.as_ref().map_err(Clone::clone)?;
        let labels = f.model.predict(z).map_err(|e| e.to_string())?.to_vec();
        Ok(Endpoint {
            model: f.model.clone(),
            labels,
        })
    };
    Ok(InitSensitivity {
        starts,
        optima,
        best_share_by_method,
        skipped,
        n_fitted: z.nrows(),
        fit_seconds,
        best: endpoint(reps[0])?,
        worst: endpoint(reps[reps.len() - 1])?,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn seeded_starts_split_evenly() {
        let s = seeded_starts(10, 7);
        let count = |m: &str| s.iter().filter(|x| x.0 == m).count();
        assert_eq!(
            [
                count("kmeans"),
                count("kmeans++"),
                count("random"),
                count("random-from-data")
            ],
            [3, 3, 2, 2]
        );
        assert_eq!(s[0], ("kmeans", 8));
        assert_eq!(s[2], ("kmeans", 10));
    }

    /// Three groups (sizes 3, 2, 1) and noise, k = 2: the two largest are
    /// kept in order of their first point; the singleton at 9.0 and the noise
    /// point at 0.4 go to the nearest kept mean (5.1 and 0.1).
    #[test]
    fn labels_to_k_by_hand() {
        let z = array![[0.0], [0.1], [0.2], [5.0], [5.2], [9.0], [0.4]];
        let l = labels_to_k(z.view(), &[2, 2, 2, 0, 0, 1, -1], 2).unwrap();
        assert_eq!(l, vec![0, 0, 0, 1, 1, 1, 0]);
        assert!(labels_to_k(z.view(), &[0, 0, 0, 0, 0, 0, -1], 2)
            .unwrap_err()
            .contains("1 clusters, fewer than k = 2"));
    }

    #[test]
    fn optima_match_up_to_label_order() {
        let cov = clusterlab_em::Covariances::Spherical(array![1.0, 1.0]);
        let a = GmmModel::new(
            array![0.3, 0.7],
            array![[0.0, 0.0], [3.0, 3.0]],
            cov.clone(),
        )
        .unwrap();
        let b = GmmModel::new(
            array![0.71, 0.29],
            array![[3.05, 3.0], [0.0, 0.02]],
            cov.clone(),
        )
        .unwrap();
        assert!(same_optimum(&a, -2.0, &b, -2.005));
        assert!(!same_optimum(&a, -2.0, &b, -2.1));
        let c = GmmModel::new(array![0.3, 0.7], array![[0.0, 0.0], [3.5, 3.0]], cov).unwrap();
        assert!(!same_optimum(&a, -2.0, &c, -2.0));
    }
}
