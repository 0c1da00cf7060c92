//! The computed results of one dataset, ready to be drawn and tabulated:
//! every algorithm's clustering and scores, the k-means/EM pair at the same
//! k with its labels matched, the BIC sweep, and the traced EM fit.

use clusterlab_algos::plan::DensityDefaults;
use clusterlab_algos::{Algorithm, Clustering, Extras};
use clusterlab_em::{CovarianceModel, CovarianceType, GmmFit, GmmModel, TraceStep};
use ndarray::{Array2, ArrayView2};

use crate::view::View;

/// How `k` was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KRule {
    /// `--k` or the config file.
    Given,
    /// The number of ground-truth clusters.
    GroundTruth,
    /// The k with the lowest BIC over all covariance types.
    Bic,
}

impl KRule {
    pub fn describe(self) -> &'static str {
        match self {
            KRule::Given => "given",
            KRule::GroundTruth => "ground truth",
            KRule::Bic => "best BIC",
        }
    }
}

/// One algorithm on one dataset.
#[derive(Debug, Clone)]
pub struct AlgoRun {
    pub algorithm: Algorithm,
    /// The parameters used (defaults resolved), as a JSON object.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// The clustering, or the one-line error.
    pub result: Result<Clustering, String>,
    /// The labels renumbered after the dataset's reference labeling, so the
    /// same group has the same colour in every picture.
    pub shown: Option<Vec<i64>>,
    pub ari: Option<f64>,
    pub nmi: Option<f64>,
    pub silhouette: Option<f64>,
    /// What the result does not say by itself (empty clusters, constant
    /// features, EM's warnings): see `clusterlab_algos::warnings`.
    pub warnings: Vec<String>,
}

impl AlgoRun {
    /// The EM fit, when this is a successful EM run.
    pub fn gmm(&self) -> Option<&GmmFit> {
        match &self.result {
            Ok(Clustering {
                extras: Extras::Gmm(fit),
                ..
            }) => Some(fit),
            _ => None,
        }
    }
}

/// What makes EM and k-means differ on a dataset, worked out from the
/// fitted models (the report words it; see `clusterlab_report::explain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// They agree on every point.
    Agree,
    /// The components of the main move have unequal spreads.
    UnequalSpreads,
    /// The components are elongated (correlated features).
    Elongated,
    /// The components have unequal weights.
    UnequalWeights,
    /// Unequal spreads somewhere, with overlap.
    SpreadsAndOverlap,
    /// Alike components that overlap.
    Overlap,
    /// Every differing point is one EM's noise component explains best
    /// (`--gmm-noise`): k-means has no noise.
    Noise,
}

/// Why EM and k-means differ, as numbers: the cause, the most common move
/// of differing points (k-means cluster `from` → EM component `to`) and the
/// ratios that decided the cause.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reason {
    pub cause: Cause,
    /// Differing points EM gives to its noise component (label k).
    pub n_noise: usize,
    /// Points (all of them) and points that differ.
    pub n: usize,
    pub n_differ: usize,
    /// k-means cluster (EM numbering) the most differing points leave…
    pub from: usize,
    /// …and the EM component they go to, with how many do.
    pub to: usize,
    pub moved: usize,
    /// Mean largest responsibility of the differing points.
    pub mean_confidence: f64,
    /// `var(to) / var(from)`, the spread ratio of the move's two components.
    pub pair_ratio: f64,
    /// Largest over smallest component "variance" `det(Σ)^(1/d)`.
    pub variance_ratio: f64,
    /// Largest over smallest mixture weight.
    pub weight_ratio: f64,
    /// Largest axis ratio `sqrt(λmax/λmin)` of any component.
    pub max_elongation: f64,
    /// Largest axis ratio of the move's two components.
    pub pair_elongation: f64,
    /// Weights of the move's two components (`from`, `to`).
    pub weights: (f64, f64),
    /// Number of components.
    pub k: usize,
}

/// k-means and EM at the same k, labels matched.
#[derive(Debug, Clone)]
pub struct Pair {
    pub k: usize,
    pub covariance: CovarianceType,
    /// k-means' cluster of each point, numbered after the EM component it
    /// is matched to (Hungarian method on the overlap).
    pub km_labels: Vec<usize>,
    /// k-means centroids in the algorithms' space, row `j` = cluster `j`
    /// (EM numbering).
    pub km_centroids: Array2<f64>,
    /// The EM fit (components in its own order; `groups` follows it).
    pub em: GmmFit,
    /// The display group of each EM component (and of the matched k-means
    /// cluster): the reference label it is matched to, so pictures give it
    /// that group's colour.
    pub groups: Vec<i64>,
    /// Points whose most likely EM component is not their k-means cluster.
    pub differ: Vec<usize>,
    /// Share of points on which they agree.
    pub agreement: f64,
    pub reason: Reason,
}

impl Pair {
    /// EM's most responsible component per point (`k` for the noise
    /// component's points, with `--gmm-noise`).
    pub fn em_labels(&self) -> &[usize] {
        self.em.labels.as_slice().unwrap_or(&[])
    }

    /// EM's labels with −1 for noise (as DBSCAN's), the labels its metrics row scores.
    pub fn em_labels_with_noise(&self) -> Vec<i64> {
        self.em.labels_with_noise()
    }

    /// `1 − max_j r_ij`.
    pub fn uncertainty(&self, i: usize) -> f64 {
        1.0 - self
            .em
            .responsibilities
            .row(i)
            .iter()
            .copied()
            .fold(0.0, f64::max)
    }
}

/// One EM curve of `convergence.png`.
#[derive(Debug, Clone)]
pub struct Curve {
    pub covariance: CovarianceType,
    /// Mean log-likelihood per iteration, converged, iterations; or the error.
    pub result: Result<(Vec<f64>, bool, usize), String>,
}

/// BIC for k = 1..=kmax and every covariance model (mclust's 14; E and V
/// for one feature): the selection of [`crate::select`].
#[derive(Debug, Clone)]
pub struct Sweep {
    pub ks: Vec<usize>,
    /// The models, in mclust's order.
    pub models: Vec<CovarianceModel>,
    /// `bic[i][m]`: k = `ks[i]`, model `models[m]`; `None` if the fit failed.
    pub bic: Vec<Vec<Option<f64>>>,
    /// The lowest BIC: (k, model, value) — what mclust's `Mclust` would choose.
    pub best: Option<(usize, CovarianceModel, f64)>,
    /// `icl[i][m]`: ICL (BIC plus twice the MAP classification's entropy,
    /// lower is better) of the same fits.
    pub icl: Vec<Vec<Option<f64>>>,
    /// The lowest ICL: (k, model, value).
    pub best_icl: Option<(usize, CovarianceModel, f64)>,
    /// Points the sweep used when the data was subsampled.
    pub sample: Option<usize>,
    /// The four types at the study's k.
    pub curves: Vec<Curve>,
}

impl Sweep {
    /// The model of the lowest BIC at `k`, if any fit there succeeded.
    pub fn best_at(&self, k: usize) -> Option<(CovarianceModel, f64)> {
        let i = self.ks.iter().position(|&x| x == k)?;
        self.bic[i]
            .iter()
            .zip(&self.models)
            .filter_map(|(v, m)| v.map(|v| (*m, v)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// One frame of the EM animation.
#[derive(Debug, Clone)]
pub struct Frame {
    pub iteration: usize,
    pub log_likelihood: f64,
    /// Responsibilities of this iteration's E-step.
    pub responsibilities: Array2<f64>,
    /// The model that E-step used.
    pub model: GmmModel,
}

/// The traced EM fit behind `em-trace.gif`.
#[derive(Debug, Clone)]
pub struct Trace {
    pub frames: Vec<Frame>,
    /// The final model and responsibilities.
    pub last: Frame,
    pub converged: bool,
    /// Indices of the points drawn (all, or a sample for large data).
    pub points: Vec<usize>,
    /// Display group of each component (matched to [`Pair::groups`]).
    pub groups: Vec<i64>,
    /// How the fit started, when not from k-means.
    pub start: Option<String>,
}

impl Trace {
    /// Builds the frames from a traced fit: frame i shows iteration i's
    /// responsibilities with the model its E-step used.
    pub fn from_fit(fit: &GmmFit, points: Vec<usize>) -> Option<Trace> {
        let steps: &[TraceStep] = fit.trace.as_deref()?;
        let mut frames = Vec::with_capacity(steps.len());
        let mut model = fit.initial_model.clone();
        for s in steps {
            frames.push(Frame {
                iteration: s.iteration,
                log_likelihood: s.log_likelihood,
                responsibilities: s.responsibilities.clone(),
                model: model.clone(),
            });
            model = s.model.clone();
        }
        Some(Trace {
            frames,
            last: Frame {
                iteration: fit.n_iter,
                log_likelihood: fit.log_likelihood,
                responsibilities: fit.responsibilities.clone(),
                model: fit.model.clone(),
            },
            converged: fit.converged,
            start: None,
            groups: (0..fit.model.n_components() as i64).collect(),
            points,
        })
    }
}

/// Everything computed for one dataset.
#[derive(Debug, Clone)]
pub struct Study {
    /// Dataset name (also its folder under the output).
    pub name: String,
    /// `built-in` or the CSV path.
    pub source: String,
    pub n: usize,
    pub d: usize,
    pub feature_names: Vec<String>,
    /// Whether the algorithms saw z-scored data.
    pub standardized: bool,
    pub truth: Option<Vec<i64>>,
    /// The data the algorithms saw.
    pub z: Array2<f64>,
    pub view: View,
    pub k: usize,
    pub k_rule: KRule,
    pub density: DensityDefaults,
    pub runs: Vec<AlgoRun>,
    pub pair: Result<Pair, String>,
    pub sweep: Sweep,
    /// Which model EM was fitted with and why (the user's covariance, or the
    /// BIC selection's best at k), and what mclust's procedure (the best BIC
    /// over every model and k) would choose.
    pub model_note: String,
    pub trace: Result<Trace, String>,
    /// The Bayesian mixture's answer for k (`k-choice.png`).
    pub k_choice: Result<crate::questions::KChoice, String>,
    /// EM's path to k-means as σ² shrinks (`em-to-kmeans.gif`).
    pub em_to_kmeans: Result<crate::questions::EmToKmeans, String>,
    /// HDBSCAN's membership vectors (`hdbscan-soft.png`, `condensed-tree.png`).
    pub hdbscan_soft: Result<crate::density_soft::HdbscanSoft, String>,
    /// Each column's mean and standard deviation before z-scoring (zeros
    /// and ones when the data was not standardised): `x = mean + std · z`.
    pub means: Vec<f64>,
    pub stds: Vec<f64>,
    /// Every iteration's model of the pair's EM fit (the explorable page's slider).
    pub em_path: Result<crate::path::EmPath, String>,
    /// EM from many starts (`init-sensitivity.png`).
    pub init_sensitivity: Result<crate::starts::InitSensitivity, String>,
    /// EM started from k-means' labels (`em-from-kmeans.png`).
    pub em_from_kmeans: Result<crate::from_kmeans::EmFromKmeans, String>,
}

impl Study {
    pub fn run(&self, a: Algorithm) -> Option<&AlgoRun> {
        self.runs.iter().find(|r| r.algorithm == a)
    }

    /// Folder name under the output directory.
    pub fn slug(&self) -> String {
        slug(&self.name)
    }
}

/// A file-system-safe folder name.
pub fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('.').to_string();
    if s.is_empty() {
        "dataset".into()
    } else {
        s
    }
}

/// Determinant and eigenvalues of a symmetric matrix (via Jacobi).
fn spectrum(c: ArrayView2<f64>) -> Vec<f64> {
    crate::view::symmetric_eigen(&c.to_owned()).0
}

/// Works out why EM's most likely component differs from k-means' cluster:
/// unequal spreads, elongated (correlated) components, unequal weights, or
/// plain overlap, from the fitted model and where the differing points go.
pub fn explain(
    model: &GmmModel,
    resp: ArrayView2<f64>,
    km: &[usize],
    em: &[usize],
    differ: &[usize],
) -> Reason {
    let k = model.n_components();
    let d = model.n_features();
    let weights = model.weights();
    let mut var = Vec::with_capacity(k);
    let mut elong = Vec::with_capacity(k);
    for j in 0..k {
        let c = model.covariances().component_matrix(j, d);
        let ev = spectrum(c.view());
        let logdet: f64 = ev.iter().map(|v| v.max(1e-300).ln()).sum();
        var.push((logdet / d as f64).exp());
        let (hi, lo) = (ev[0].max(1e-300), ev[d - 1].max(1e-300));
        elong.push((hi / lo).sqrt());
    }
    let ratio = |v: &[f64]| {
        let max = v.iter().copied().fold(0.0, f64::max);
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        if min > 0.0 {
            max / min
        } else {
            f64::INFINITY
        }
    };
    let variance_ratio = ratio(&var);
    let weight_ratio = ratio(weights.as_slice().unwrap_or(&weights.to_vec()));
    let max_elongation = elong.iter().copied().fold(1.0, f64::max);

    // The most common move: k-means cluster a → EM component b.
    let mut counts = vec![vec![0usize; k]; k];
    for &i in differ {
        if km[i] < k && em[i] < k {
            counts[km[i]][em[i]] += 1;
        }
    }
    let (mut a, mut b, mut m) = (0, 0, 0);
    for (x, row) in counts.iter().enumerate() {
        for (y, &c) in row.iter().enumerate() {
            if c > m {
                (a, b, m) = (x, y, c);
            }
        }
    }
    let mean_confidence = if differ.is_empty() {
        1.0
    } else {
        differ
            .iter()
            .map(|&i| resp.row(i).iter().copied().fold(0.0, f64::max))
            .sum::<f64>()
            / differ.len() as f64
    };
    let pair_ratio = if k > 0 { var[b] / var[a] } else { 1.0 };
    let pair_elongation = if k > 0 { elong[a].max(elong[b]) } else { 1.0 };
    let pair_weights = if k > 0 {
        (weights[a], weights[b])
    } else {
        (1.0, 1.0)
    };
    let n_noise = differ.iter().filter(|&&i| em[i] >= k).count();
    let cause = if differ.is_empty() {
        Cause::Agree
    } else if n_noise == differ.len() {
        Cause::Noise
    } else if pair_ratio >= 1.5 {
        Cause::UnequalSpreads
    } else if pair_elongation >= 2.0 {
        Cause::Elongated
    } else if pair_weights.1 / pair_weights.0 >= 1.5 {
        Cause::UnequalWeights
    } else if variance_ratio >= 1.5 {
        Cause::SpreadsAndOverlap
    } else {
        Cause::Overlap
    };
    Reason {
        cause,
        n_noise,
        n: km.len(),
        n_differ: differ.len(),
        from: a,
        to: b,
        moved: m,
        mean_confidence,
        pair_ratio,
        variance_ratio,
        weight_ratio,
        max_elongation,
        pair_elongation,
        weights: pair_weights,
        k,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe() {
        assert_eq!(slug("noisy-moons"), "noisy-moons");
        assert_eq!(slug("my data/x"), "my-data-x");
        assert_eq!(slug(".."), "dataset");
    }
}
