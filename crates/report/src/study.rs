//! The computed results of one dataset, ready to be drawn and tabulated:
//! every algorithm's clustering and scores, the k-means/EM pair at the same
//! k with its labels matched, the BIC sweep, and the traced EM fit.

use clusterlab_algos::{Clustering, Extras, PointScores};
use clusterlab_em::{CovarianceType, GmmFit, GmmModel, TraceStep};
use ndarray::{Array2, ArrayView2};
use plotters::style::RGBColor;

use crate::config::Algorithm;
use crate::defaults::DensityDefaults;
use crate::palette;
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

/// What an algorithm produced beyond the labels.
#[derive(Debug, Clone)]
pub enum Extra {
    /// The algorithms crate's own extras (centroids, reachability, …).
    Algo(Extras),
    /// An EM fit (model, responsibilities, iterations).
    Gmm(Box<GmmFit>),
}

/// A successful fit: labels (`-1` = noise) and what else the algorithm knows.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub labels: Vec<i64>,
    /// Clusters found (noise excluded).
    pub n_clusters: usize,
    pub n_noise: usize,
    /// Seconds of the fit alone.
    pub fit_seconds: f64,
    /// Soft membership (n × clusters), when the algorithm has one.
    pub membership: Option<Array2<f64>>,
    /// HDBSCAN's membership probabilities and outlier scores.
    pub scores: Option<PointScores>,
    pub extra: Extra,
}

impl From<Clustering> for Fitted {
    fn from(c: Clustering) -> Fitted {
        Fitted {
            labels: c.labels,
            n_clusters: c.n_clusters,
            n_noise: c.n_noise,
            fit_seconds: c.fit_seconds,
            membership: c.membership,
            scores: c.scores,
            extra: Extra::Algo(c.extras),
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
    pub result: Result<Fitted, String>,
    /// The labels renumbered after the dataset's reference labeling, so the
    /// same group has the same colour in every picture.
    pub shown: Option<Vec<i64>>,
    pub ari: Option<f64>,
    pub nmi: Option<f64>,
    pub silhouette: Option<f64>,
}

impl AlgoRun {
    /// The EM fit, when this is a successful EM run.
    pub fn gmm(&self) -> Option<&GmmFit> {
        match &self.result {
            Ok(Fitted {
                extra: Extra::Gmm(fit),
                ..
            }) => Some(fit),
            _ => None,
        }
    }
}

/// Why EM and k-means differ on a dataset, worked out from the fitted models.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reason {
    /// One sentence with the main cause.
    pub headline: String,
    /// A second sentence: which clusters the differing points move between.
    pub detail: String,
    /// Largest over smallest component "variance" `det(Σ)^(1/d)`.
    pub variance_ratio: f64,
    /// Largest over smallest mixture weight.
    pub weight_ratio: f64,
    /// Largest axis ratio `sqrt(λmax/λmin)` of any component.
    pub max_elongation: f64,
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
    /// The EM fit (components in its own order; `colors` follows it).
    pub em: GmmFit,
    /// The colour of each EM component (and of the matched k-means cluster).
    pub colors: Vec<RGBColor>,
    /// Points whose most likely EM component is not their k-means cluster.
    pub differ: Vec<usize>,
    /// Share of points on which they agree.
    pub agreement: f64,
    pub reason: Reason,
}

impl Pair {
    pub fn em_labels(&self) -> &[usize] {
        self.em.labels.as_slice().unwrap_or(&[])
    }

    /// Responsibility-blended colour of point `i`.
    pub fn blend(&self, i: usize) -> RGBColor {
        let r = self.em.responsibilities.row(i);
        palette::blend_with(r.as_slice().unwrap_or(&r.to_vec()), &self.colors)
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

/// BIC for k = 1..=kmax and the four covariance types.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub ks: Vec<usize>,
    /// `bic[i][t]`: k = `ks[i]`, type `CovarianceType::ALL[t]`; `None` if the fit failed.
    pub bic: Vec<[Option<f64>; 4]>,
    /// The lowest BIC: (k, type, value).
    pub best: Option<(usize, CovarianceType, f64)>,
    /// Points the sweep used when the data was subsampled.
    pub sample: Option<usize>,
    /// The four types at the study's k.
    pub curves: Vec<Curve>,
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
    /// Colour of each component (matched to [`Pair::colors`]).
    pub colors: Vec<RGBColor>,
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
            colors: (0..fit.model.n_components())
                .map(|j| palette::cluster(j as i64))
                .collect(),
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
    pub trace: Result<Trace, String>,
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

/// Colour names for captions, in palette order.
pub fn colour_name(c: RGBColor) -> &'static str {
    const NAMES: [&str; 15] = [
        "blue",
        "orange",
        "green",
        "pink",
        "vermillion",
        "sky blue",
        "yellow",
        "indigo",
        "wine",
        "dark green",
        "olive",
        "teal",
        "sand",
        "rose",
        "cyan",
    ];
    palette::CLUSTER
        .iter()
        .position(|&p| p == c)
        .map_or("grey", |i| NAMES[i])
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
    colors: &[RGBColor],
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
    let vmax = var.iter().copied().fold(0.0, f64::max);
    let vmin = var.iter().copied().fold(f64::INFINITY, f64::min);
    let variance_ratio = if vmin > 0.0 {
        vmax / vmin
    } else {
        f64::INFINITY
    };
    let wmax = weights.iter().copied().fold(0.0, f64::max);
    let wmin = weights.iter().copied().fold(f64::INFINITY, f64::min);
    let weight_ratio = if wmin > 0.0 {
        wmax / wmin
    } else {
        f64::INFINITY
    };
    let max_elongation = elong.iter().copied().fold(1.0, f64::max);
    let name = |j: usize| colour_name(colors.get(j).copied().unwrap_or(palette::NOISE));
    let n = km.len();

    if differ.is_empty() {
        return Reason {
            headline: format!(
                "EM's most likely component and k-means' cluster agree on all {n} points."
            ),
            detail: if k > 1 {
                format!(
                    "The boundaries differ only where no point lies (component variance ratio {variance_ratio:.1}, weight ratio {weight_ratio:.1})."
                )
            } else {
                "With one component there is no boundary.".into()
            },
            variance_ratio,
            weight_ratio,
            max_elongation,
        };
    }

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
    let pair_ratio = var[b] / var[a];
    let mean_maxr: f64 = differ
        .iter()
        .map(|&i| resp.row(i).iter().copied().fold(0.0, f64::max))
        .sum::<f64>()
        / differ.len() as f64;
    let detail = format!(
        "{m} of the {} move from k-means' {} cluster to EM's {} component (mean EM confidence on them {:.2}).",
        differ.len(),
        name(a),
        name(b),
        mean_maxr
    );
    let headline = if pair_ratio >= 1.5 {
        let which = if (pair_ratio - variance_ratio).abs() <= 0.05 * variance_ratio {
            format!("{} against {}", name(b), name(a))
        } else {
            format!(
                "{} against {}; {:.1} at most",
                name(b),
                name(a),
                variance_ratio
            )
        };
        format!(
            "EM's components have unequal spreads (variance ratio {pair_ratio:.1}, {which}): k-means' equal-variance boundary cuts into the wider one, {}.",
            name(b)
        )
    } else if elong[a].max(elong[b]) >= 2.0 {
        format!(
            "EM's components are elongated (axis ratio up to {:.1}): EM's boundary follows their tilt, k-means' assumes round clusters and cuts across them.",
            elong[a].max(elong[b])
        )
    } else if weights[b] / weights[a] >= 1.5 {
        format!(
            "EM's components have unequal weights ({} π = {:.2} vs {} π = {:.2}): EM's boundary moves toward the lighter component, k-means' stays halfway.",
            name(b),
            weights[b],
            name(a),
            weights[a]
        )
    } else if variance_ratio >= 1.5 {
        format!(
            "EM's components have unequal spreads (variance ratio {variance_ratio:.1}) and overlap: near the boundary EM weighs spread and weight, k-means only distance to the centre."
        )
    } else {
        format!(
            "The clusters overlap and the components are alike (variance ratio {variance_ratio:.1}): the differing points sit near both boundaries, where EM is nearly undecided."
        )
    };
    Reason {
        headline,
        detail,
        variance_ratio,
        weight_ratio,
        max_elongation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clusterlab_em::Covariances;
    use ndarray::{array, Array1, Array3};

    #[test]
    fn slugs_are_safe() {
        assert_eq!(slug("noisy-moons"), "noisy-moons");
        assert_eq!(slug("my data/x"), "my-data-x");
        assert_eq!(slug(".."), "dataset");
    }

    #[test]
    fn unequal_spreads_are_named() {
        let mut cov = Array3::zeros((2, 2, 2));
        cov[[0, 0, 0]] = 1.0;
        cov[[0, 1, 1]] = 1.0;
        cov[[1, 0, 0]] = 6.0;
        cov[[1, 1, 1]] = 6.0;
        let model = GmmModel::new(
            Array1::from(vec![0.5, 0.5]),
            array![[0.0, 0.0], [4.0, 0.0]],
            Covariances::Full(cov),
        )
        .unwrap();
        let resp = array![[0.9, 0.1], [0.4, 0.6], [0.1, 0.9]];
        let km = [0, 0, 1];
        let em = [0, 1, 1];
        let colors = [palette::CLUSTER[0], palette::CLUSTER[1]];
        let r = explain(&model, resp.view(), &km, &em, &[1], &colors);
        assert!(r.headline.contains("unequal spreads"), "{}", r.headline);
        assert!((r.variance_ratio - 6.0).abs() < 1e-9);
        assert!(
            r.detail.contains("blue") && r.detail.contains("orange"),
            "{}",
            r.detail
        );
        let same = explain(&model, resp.view(), &km, &km, &[], &colors);
        assert!(same.headline.contains("agree on all 3"));
    }
}
