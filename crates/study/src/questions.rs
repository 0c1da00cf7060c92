//! Two of the explainer's questions, computed for the pictures:
//!
//! * "The number of components is chosen before fitting" — [`k_choice`]:
//!   the variational Bayesian mixture (`bgmm`, through the registry) with
//!   the BIC sweep's largest k as its upper bound, on the sweep's rows and
//!   with the BIC-best covariance type (unless `bgmm.covariance` is set),
//!   so its answer for k sits beside BIC's.
//! * "How is EM like k-means?" — [`em_to_kmeans`]: EM with one shared
//!   spherical variance held fixed and shrunk geometrically
//!   ([`clusterlab_em::limit`]), from k-means' centroids of the pair, until
//!   its hard labels are k-means'.

use clusterlab_algos::{plan, Algorithm, Context, Extras, Settings};
use clusterlab_em::bayes::BgmmFit;
use clusterlab_em::limit;
use clusterlab_em::CovarianceType;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde_json::{json, Map, Value};

use crate::error::one_line;
use crate::fitting::{sample_rows, sweep_rows, SWEEP_MAX_N};
use crate::study::{Pair, Sweep};

/// Iterations the k-choice's Bayesian mixture may take unless `bgmm.max_iter`
/// is set (scikit-learn's 100 often stops before unneeded components have faded).
pub const K_CHOICE_MAX_ITER: usize = 500;
/// Frames of the σ² path.
pub const LIMIT_FRAMES: usize = 12;
/// The last σ² as a fraction of the data's scale.
pub const LIMIT_SHRINK: f64 = 1e-4;

/// The Bayesian mixture's answer for k, beside BIC's.
#[derive(Debug, Clone)]
pub struct KChoice {
    /// The upper bound given to the Bayesian mixture (the sweep's largest k).
    pub kmax: usize,
    pub covariance: CovarianceType,
    /// The plan's parameters (every value used).
    pub params: Map<String, Value>,
    pub fit: BgmmFit,
    /// Points fitted when the data was subsampled (the sweep's rows).
    pub sample: Option<usize>,
}

impl KChoice {
    /// Components above weight `1/(100 k)`: the Bayesian mixture's k.
    pub fn k(&self) -> usize {
        self.fit.effective_components()
    }

    /// Components with weight at least `1/(2 k)`: those that carry a real
    /// share of the points (the ones above `1/(100 k)` but below this keep
    /// only the prior's share).
    pub fn substantial(&self) -> usize {
        let half = 0.5 / self.kmax as f64;
        self.fit.weights.iter().filter(|w| **w >= half).count()
    }

    /// The metrics.json object: `{k, substantial_k, kmax, bic_k,
    /// bic_covariance, icl_k, icl_covariance, params, bgmm: {…as fit bgmm
    /// --json}, sample_n}`.
    pub fn to_json(&self, sweep: &Sweep) -> Value {
        let bgmm = clusterlab_algos::bgmm::plan::fit_json(&self.fit)
            .unwrap_or_else(|e| json!({ "error": e.0 }));
        json!({
            "k": self.k(),
            "substantial_k": self.substantial(),
            "kmax": self.kmax,
            "bic_k": sweep.best.map(|b| b.0),
            "bic_covariance": sweep.best.map(|b| b.1.name()),
            "icl_k": sweep.best_icl.map(|b| b.0),
            "icl_covariance": sweep.best_icl.map(|b| b.1.name()),
            "params": self.params,
            "bgmm": bgmm,
            "sample_n": self.sample,
        })
    }
}

/// Fits the Bayesian mixture for the k-choice picture (see the module notes).
pub fn k_choice(
    z: ArrayView2<f64>,
    settings: &Settings,
    sweep: &Sweep,
    seed: u64,
) -> Result<KChoice, String> {
    let (zs, sample) = sweep_rows(z);
    let kmax = *sweep.ks.last().ok_or("the BIC sweep tried no k")?;
    let best_type = best_sklearn_type(sweep);
    let mut s = match (settings.get("covariance"), best_type) {
        (None, Some(t)) => settings.with(
            "covariance",
            json!(t.name()),
            "the BIC sweep's best of scikit-learn's four types",
        ),
        (Some(c), _)
            if c.value.as_str().is_some_and(|c| {
                c.parse::<clusterlab_em::CovarianceModel>()
                    .is_ok_and(|m| m.alias().is_none())
            }) =>
        {
            // An mclust model the Bayesian mixture does not have: its best of the four.
            let t = best_type.map_or("full", |t| t.name());
            settings.with(
                "covariance",
                json!(t),
                "the BIC sweep's best of scikit-learn's four types",
            )
        }
        _ => settings.clone(),
    };
    if s.get("max_iter").is_none() {
        s = s.with("max_iter", json!(K_CHOICE_MAX_ITER), "compare's k-choice");
    }
    let p = plan(
        Algorithm::Bgmm,
        &s,
        &Context::new(zs.view(), Some(kmax), seed),
    )
    .map_err(|e| e.0)?;
    let c = p
        .fit(zs.view())
        .map_err(|e| format!("Bayesian mixture: {}", one_line(&e.to_string())))?;
    let Extras::Bgmm(fit) = c.extras else {
        return Err("the bgmm plan returned no Bayesian mixture".into());
    };
    let covariance = fit.covariances.covariance_type();
    Ok(KChoice {
        kmax,
        covariance,
        params: p.params,
        fit: *fit,
        sample,
    })
}

/// The Bayesian mixture's covariance type: the BIC-best model when it is one
/// of scikit-learn's four (EII spherical, VII… see `CovarianceModel::alias`),
/// else the four's lowest BIC over the sweep.
pub fn best_sklearn_type(sweep: &Sweep) -> Option<CovarianceType> {
    if let Some(t) = sweep.best.and_then(|(_, m, _)| m.alias()) {
        return Some(t);
    }
    let mut best: Option<(f64, CovarianceType)> = None;
    for row in &sweep.bic {
        for (m, model) in sweep.models.iter().enumerate() {
            if let (Some(t), Some(Some(v))) = (model.alias(), row.get(m)) {
                if best.is_none_or(|(b, _)| *v < b) {
                    best = Some((*v, t));
                }
            }
        }
    }
    best.map(|(_, t)| t)
}

/// One σ² of the path to k-means.
#[derive(Debug, Clone)]
pub struct LimitFrame {
    pub sigma2: f64,
    /// `−(1/n) Σ r ln r`.
    pub mean_entropy: f64,
    pub mean_max_responsibility: f64,
    /// Share of points whose most responsible component is their k-means
    /// cluster (k-means run from the last frame's means).
    pub agreement_with_kmeans: f64,
    /// EM iterations at this σ².
    pub n_iter: usize,
    pub means: Array2<f64>,
    pub weights: Array1<f64>,
    /// Responsibilities of the rows in [`EmToKmeans::points`].
    pub responsibilities: Array2<f64>,
}

/// EM's path to k-means.
#[derive(Debug, Clone)]
pub struct EmToKmeans {
    pub frames: Vec<LimitFrame>,
    /// Rows of `z` used (all, or a fixed sample of [`SWEEP_MAX_N`]).
    pub points: Vec<usize>,
    pub sample: Option<usize>,
    /// k-means' labels from the last frame's means, per row of `points`.
    pub kmeans_labels: Vec<usize>,
    /// Display group of each component (the pair's).
    pub groups: Vec<i64>,
}

impl EmToKmeans {
    /// The metrics.json object: `{frames: [{sigma2, mean_entropy,
    /// mean_max_responsibility, agreement_with_kmeans}], sample_n}`.
    pub fn to_json(&self) -> Value {
        json!({
            "frames": self.frames.iter().map(|f| json!({
                "sigma2": f.sigma2,
                "mean_entropy": f.mean_entropy,
                "mean_max_responsibility": f.mean_max_responsibility,
                "agreement_with_kmeans": f.agreement_with_kmeans,
                "n_iter": f.n_iter,
            })).collect::<Vec<_>>(),
            "k": self.groups.len(),
            "sample_n": self.sample,
        })
    }
}

/// The σ² path from k-means' centroids of `pair` (see the module notes).
pub fn em_to_kmeans(z: ArrayView2<f64>, pair: &Pair) -> Result<EmToKmeans, String> {
    let points = sample_rows(z.nrows(), SWEEP_MAX_N);
    let sample = (points.len() < z.nrows()).then_some(points.len());
    let zs = z.select(Axis(0), &points);
    let scale = limit::data_scale(zs.view());
    if !(scale > 0.0 && scale.is_finite()) {
        return Err("the data has no spread (every point the same)".into());
    }
    let sigma2s = limit::geometric_path(scale, LIMIT_SHRINK, LIMIT_FRAMES);
    let fits = limit::path(zs.view(), pair.km_centroids.view(), &sigma2s);
    let last = fits.last().ok_or("no frames")?;
    let (kmeans_labels, _) = limit::lloyd_from(zs.view(), last.means.view(), 300);
    let frames = fits
        .into_iter()
        .map(|f| {
            let hard = limit::argmax(f.responsibilities.view());
            let agree = hard
                .iter()
                .zip(&kmeans_labels)
                .filter(|(a, b)| a == b)
                .count();
            LimitFrame {
                sigma2: f.sigma2,
                mean_entropy: limit::mean_entropy(f.responsibilities.view()),
                mean_max_responsibility: limit::mean_max_responsibility(f.responsibilities.view()),
                agreement_with_kmeans: agree as f64 / hard.len() as f64,
                n_iter: f.n_iter,
                means: f.means,
                weights: f.weights,
                responsibilities: f.responsibilities,
            }
        })
        .collect();
    Ok(EmToKmeans {
        frames,
        points,
        sample,
        kmeans_labels,
        groups: pair.groups.clone(),
    })
}
