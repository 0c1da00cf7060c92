//! # The one plan: every algorithm declared once
//!
//! The registry ([`Algorithm::entry`]) says, for each algorithm, its name,
//! what it takes ([`ParamSpec`]: name, help, default), how its parameters are
//! resolved against the data (defaults included, the data-driven ones of
//! [`defaults`] among them) and how its result is written to JSON.
//! `clusterlab fit`, `clusterlab compare` and the config file all go through
//! [`plan`]:
//!
//! ```text
//! flags / config  →  Settings (what the user wrote, and where)
//! Settings + data →  plan()  →  Plan { params (every value actually used), runnable }
//! Plan.fit(x)     →  Clustering  →  Plan::result_json
//! ```
//!
//! Validation *is* building the plan: an error names the parameter as the
//! user wrote it (`--eps`, `--dbscan-eps`, `dbscan.eps in run.toml`).
//! Adding an algorithm means one module with a `plan.rs` (its [`ParamSpec`]s,
//! its `resolve` and its JSON) and one [`Entry`] here.

pub mod defaults;
pub mod sample;
mod settings;

use std::fmt;

use clusterlab_em::ValidGmmParams;
use ndarray::ArrayView2;
use serde_json::{Map, Value};

use crate::clustering::Clustering;
use crate::error::AlgoError;
use crate::Clusterer;

pub use defaults::DensityDefaults;
pub use settings::{Setting, Settings};

/// The algorithms, in the order reports show them: the six `compare` runs
/// by default ([`Algorithm::ALL`]) and the Bayesian mixture ([`Algorithm::EVERY`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Algorithm {
    #[serde(rename = "kmeans")]
    KMeans,
    #[serde(rename = "kmedoids")]
    KMedoids,
    #[serde(rename = "dbscan")]
    Dbscan,
    #[serde(rename = "optics")]
    Optics,
    #[serde(rename = "hdbscan")]
    Hdbscan,
    #[serde(rename = "gmm")]
    Gmm,
    #[serde(rename = "bgmm")]
    Bgmm,
}

/// What kind of value a parameter takes (how flags and config values parse).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole number ≥ 0.
    Count,
    /// A real number.
    Float,
    /// A count, or a fraction of n when below 1.
    Size,
    /// One of these names.
    Choice(&'static [&'static str]),
    /// A file path.
    Path,
    /// A switch (`--name` alone means true; `--name false` is allowed).
    Flag,
}

/// One parameter an algorithm takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    /// scikit-learn's name (`eps`, `min_samples`, …): the key in `params`, in
    /// config files, and (with `-` for `_`) the flag.
    pub name: &'static str,
    /// One line for `--help`.
    pub help: &'static str,
    pub kind: Kind,
    /// The default, as help text shows it (the value itself is resolved by the plan).
    pub default: &'static str,
    /// Only for `clusterlab fit` (e.g. `init_model`), not for `compare`.
    pub fit_only: bool,
}

impl ParamSpec {
    /// The flag without the dashes: `min_samples` → `min-samples`.
    pub fn flag(&self) -> String {
        self.name.replace('_', "-")
    }
}

/// The registry entry of one algorithm.
pub struct Entry {
    pub algorithm: Algorithm,
    /// Name on the command line, in files and in `metrics.json`.
    pub name: &'static str,
    /// How pictures and summaries title it.
    pub title: &'static str,
    /// Other spellings accepted on the command line.
    pub aliases: &'static [&'static str],
    /// One line for `clusterlab fit --help`.
    pub about: &'static str,
    /// Whether it takes the number of clusters `k`.
    pub needs_k: bool,
    /// Whether it gives soft membership (`--proba`).
    pub soft: bool,
    pub params: &'static [ParamSpec],
    /// Settings + data → the parameters actually used and the runnable.
    pub resolve: fn(&Settings, &Context) -> Result<Resolved, PlanError>,
    /// The algorithm's own JSON object (`kmeans: {centroids, …}`).
    pub result_json: fn(&Clustering, ArrayView2<f64>) -> Result<Value, PlanError>,
}

impl Algorithm {
    /// All six in report order.
    pub const ALL: [Algorithm; 6] = [
        Algorithm::KMeans,
        Algorithm::KMedoids,
        Algorithm::Dbscan,
        Algorithm::Optics,
        Algorithm::Hdbscan,
        Algorithm::Gmm,
    ];

    /// Every algorithm `clusterlab fit` runs: the six compared, and the
    /// variational Bayesian mixture, which `compare` fits for its k-choice
    /// picture (and as a metrics row only when listed in `algorithms`).
    pub const EVERY: [Algorithm; 7] = [
        Algorithm::KMeans,
        Algorithm::KMedoids,
        Algorithm::Dbscan,
        Algorithm::Optics,
        Algorithm::Hdbscan,
        Algorithm::Gmm,
        Algorithm::Bgmm,
    ];

    /// The registry entry.
    pub fn entry(self) -> &'static Entry {
        match self {
            Algorithm::KMeans => &crate::kmeans::plan::ENTRY,
            Algorithm::KMedoids => &crate::kmedoids::plan::ENTRY,
            Algorithm::Dbscan => &crate::dbscan::plan::ENTRY,
            Algorithm::Optics => &crate::optics::plan::ENTRY,
            Algorithm::Hdbscan => &crate::hdbscan::plan::ENTRY,
            Algorithm::Gmm => &crate::gmm::plan::ENTRY,
            Algorithm::Bgmm => &crate::bgmm::plan::ENTRY,
        }
    }

    pub fn name(self) -> &'static str {
        self.entry().name
    }

    pub fn title(self) -> &'static str {
        self.entry().title
    }

    pub fn needs_k(self) -> bool {
        self.entry().needs_k
    }

    /// Parses a name or alias (`kmeans`, `k-means`, `gmm`, `em`, …).
    pub fn parse(s: &str) -> Result<Algorithm, PlanError> {
        let s = s.trim().to_ascii_lowercase();
        Algorithm::EVERY
            .into_iter()
            .find(|a| a.name() == s || a.entry().aliases.contains(&s.as_str()))
            .ok_or_else(|| {
                let names: Vec<&str> = Algorithm::EVERY.iter().map(|a| a.name()).collect();
                PlanError::new(format!(
                    "unknown algorithm \"{s}\" (expected one of {})",
                    names.join(", ")
                ))
            })
    }

    /// The spec of parameter `name`.
    pub fn param(self, name: &str) -> Option<&'static ParamSpec> {
        self.entry().params.iter().find(|p| p.name == name)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a plan is resolved against: the data the algorithm will see, `k`
/// (for the k-methods) and the seed.
pub struct Context<'a> {
    pub x: ArrayView2<'a, f64>,
    /// The number of clusters, when one is known; `k_origin` is how the user gave it.
    pub k: Option<usize>,
    pub k_origin: String,
    pub seed: u64,
    density: std::sync::OnceLock<DensityDefaults>,
    noise_start: std::sync::OnceLock<Result<std::sync::Arc<DbscanNoise>, PlanError>>,
}

/// DBSCAN's noise points under the data-driven defaults `clusterlab fit
/// dbscan` uses for the data: EM's default noise start (`--noise` without
/// `--noise-init`).
#[derive(Debug, Clone, PartialEq)]
pub struct DbscanNoise {
    /// `eps` and `min_samples` as DBSCAN's plan resolved them (its `params`).
    pub eps: f64,
    pub min_samples: usize,
    /// The rows DBSCAN marked as noise, and what marked them.
    pub start: clusterlab_em::NoiseStart,
}

impl<'a> Context<'a> {
    pub fn new(x: ArrayView2<'a, f64>, k: Option<usize>, seed: u64) -> Self {
        Context {
            x,
            k,
            k_origin: "--k".into(),
            seed,
            density: std::sync::OnceLock::new(),
            noise_start: std::sync::OnceLock::new(),
        }
    }

    /// The same data and seed at another `k`, keeping what was computed
    /// for the data (the density defaults, DBSCAN's noise points): many
    /// plans of one data set (every k of a selection) compute them once.
    pub fn with_k(&self, k: Option<usize>) -> Context<'a> {
        Context {
            x: self.x,
            k,
            k_origin: self.k_origin.clone(),
            seed: self.seed,
            density: self.density.clone(),
            noise_start: self.noise_start.clone(),
        }
    }

    /// DBSCAN's noise points with the plan of `clusterlab fit dbscan` and no
    /// settings (its data-driven eps and min_samples; a sample beyond its
    /// default `sample_size`), computed once per context.
    pub fn dbscan_noise(&self) -> Result<std::sync::Arc<DbscanNoise>, PlanError> {
        self.noise_start
            .get_or_init(|| {
                let p = plan(Algorithm::Dbscan, &Settings::new(), self)?;
                let c = p
                    .fit(self.x)
                    .map_err(|e| PlanError::new(format!("the noise start (DBSCAN): {e}")))?;
                let eps = p.params["eps"].as_f64().expect("DBSCAN's eps is a number");
                let min_samples = p.params["min_samples"]
                    .as_u64()
                    .expect("DBSCAN's min_samples is a count")
                    as usize;
                Ok(std::sync::Arc::new(DbscanNoise {
                    eps,
                    min_samples,
                    start: clusterlab_em::NoiseStart {
                        rows: c.labels.iter().map(|l| *l < 0).collect(),
                        source: format!("DBSCAN (eps = {eps}, min_samples = {min_samples})"),
                    },
                }))
            })
            .clone()
    }

    /// Names `k` as the user gave it (`--k`, `k in run.toml`, "the ground-truth count").
    pub fn k_origin(mut self, origin: impl Into<String>) -> Self {
        self.k_origin = origin.into();
        self
    }

    /// The data-driven density defaults (computed once per context).
    pub fn density(&self) -> &DensityDefaults {
        self.density
            .get_or_init(|| defaults::density_defaults(self.x.view()))
    }

    /// `k`, or an error naming the flag when it is required but missing.
    pub fn require_k(&self, algorithm: &str) -> Result<usize, PlanError> {
        match self.k {
            Some(0) => Err(PlanError::new(format!(
                "{}: must be at least 1 (got 0)",
                self.k_origin
            ))),
            Some(k) => Ok(k),
            None => Err(PlanError::new(format!(
                "{algorithm} needs the number of clusters: give --k"
            ))),
        }
    }
}

/// Why a plan could not be built: one line naming the parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError(pub String);

impl PlanError {
    pub fn new(s: impl Into<String>) -> Self {
        PlanError(s.into())
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlanError {}

/// What `resolve` returns: the parameters used, and what runs.
pub struct Resolved {
    pub params: Map<String, Value>,
    pub runnable: Runnable,
}

/// The checked parameters, ready to run.
pub enum Runnable {
    /// Any algorithm behind the common interface.
    Clusterer(Box<dyn Clusterer + Send + Sync>),
    /// EM, kept as its own parameters (the study sweeps and traces it).
    Gmm(ValidGmmParams),
}

/// One algorithm, resolved for one dataset: every parameter actually used,
/// and the checked parameters that run.
pub struct Plan {
    pub algorithm: Algorithm,
    /// Every parameter with the value used (defaults resolved; scikit-learn's names).
    pub params: Map<String, Value>,
    pub runnable: Runnable,
}

impl Plan {
    /// Fits the rows of `x` (refusing magnitudes whose squares leave f64).
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError> {
        check_magnitudes(x)?;
        match &self.runnable {
            Runnable::Clusterer(c) => c.fit(x),
            Runnable::Gmm(p) => Clusterer::fit(p, x),
        }
    }

    /// This plan with EM recording its path (`GmmFit::path`, every
    /// iteration's model, for the explorable report); the fit and `params`
    /// are the same. Other algorithms are unchanged.
    pub fn recording_em_path(mut self) -> Plan {
        if let Runnable::Gmm(p) = self.runnable {
            self.runnable = Runnable::Gmm(p.with_path_recorded());
        }
        self
    }

    /// EM's parameters, when this is the EM plan.
    pub fn gmm(&self) -> Option<&ValidGmmParams> {
        match &self.runnable {
            Runnable::Gmm(p) => Some(p),
            Runnable::Clusterer(_) => None,
        }
    }

    /// The algorithm's own JSON object for a clustering it produced.
    /// An approximate fit says so: `method` and `sample_n` join the object.
    pub fn result_json(&self, c: &Clustering, x: ArrayView2<f64>) -> Result<Value, PlanError> {
        let mut v = (self.algorithm.entry().result_json)(c, x)?;
        if let (Some(a), Some(m)) = (&c.approximation, v.as_object_mut()) {
            m.insert("method".into(), Value::from(a.method.clone()));
            m.insert("sample_n".into(), Value::from(a.sample_n));
        }
        Ok(v)
    }
}

/// Largest magnitude a column may reach: its squares, and sums of many of
/// them, stay finite.
pub const MAX_MAGNITUDE: f64 = 1e150;
/// Smallest largest-magnitude a non-zero column may have: its squared
/// differences stay normal numbers.
pub const MIN_MAGNITUDE: f64 = 1e-150;

/// Refuses data whose squared distances would overflow or underflow f64
/// (every algorithm here works on squared distances), naming the column
/// (1-based).
pub fn check_magnitudes(x: ArrayView2<f64>) -> Result<(), AlgoError> {
    for (j, col) in x.columns().into_iter().enumerate() {
        let max = col.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let (what, how) = if max > MAX_MAGNITUDE {
            ("large", "overflow")
        } else if max > 0.0 && max < MIN_MAGNITUDE {
            ("small", "underflow")
        } else {
            continue;
        };
        return Err(AlgoError::ExtremeData {
            col: j + 1,
            max,
            what,
            how,
        });
    }
    Ok(())
}

/// Resolves `algorithm` with the user's `settings` against `ctx`: the one
/// way to a runnable algorithm. Settings the algorithm does not take are
/// errors naming them.
pub fn plan(algorithm: Algorithm, settings: &Settings, ctx: &Context) -> Result<Plan, PlanError> {
    let entry = algorithm.entry();
    for (name, s) in settings.iter() {
        if algorithm.param(name).is_none() {
            return Err(PlanError::new(format!(
                "{}: {} does not take {name}",
                s.origin, entry.name
            )));
        }
    }
    let r = (entry.resolve)(settings, ctx)?;
    Ok(Plan {
        algorithm,
        params: r.params,
        runnable: r.runnable,
    })
}

/// An algorithm's `check()` error, named as the user wrote the parameter:
/// the origin of the setting the error names, else `algorithm.name`.
pub(crate) fn checked<T>(
    algorithm: &str,
    settings: &Settings,
    r: Result<T, AlgoError>,
) -> Result<T, PlanError> {
    r.map_err(|e| {
        let name = match &e {
            AlgoError::InvalidParameter { name, .. } => Some(*name),
            AlgoError::Gmm(clusterlab_em::GmmError::InvalidParameter { name, .. }) => Some(*name),
            _ => None,
        };
        let text = e.to_string();
        match name {
            Some(n) => {
                let key = n.replace('-', "_");
                match settings.get(&key) {
                    Some(s) => PlanError::new(format!("{}: {text}", s.origin)),
                    None => PlanError::new(format!("{algorithm}.{key}: {text}")),
                }
            }
            None => PlanError::new(format!("{algorithm}: {text}")),
        }
    })
}

/// The `params` object from (name, value used) pairs, in the given order.
pub(crate) fn params<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A JSON number, or `"inf"` for an unbounded value (JSON has no ∞).
pub fn number(v: f64) -> Value {
    if v.is_finite() {
        Value::from(v)
    } else if v > 0.0 {
        Value::from("inf")
    } else {
        Value::Null
    }
}

/// A matrix as JSON rows.
pub fn rows(a: ArrayView2<f64>) -> Value {
    Value::Array(
        a.rows()
            .into_iter()
            .map(|r| Value::from(r.to_vec()))
            .collect(),
    )
}

/// A vector with `∞` (undefined) as `null`.
pub fn finite_or_null(a: ndarray::ArrayView1<f64>) -> Value {
    Value::Array(
        a.iter()
            .map(|v| {
                if v.is_finite() {
                    Value::from(*v)
                } else {
                    Value::Null
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Magnitudes whose squares leave f64 are refused, naming the column;
    /// the same data z-scored (or at ordinary scales) is fitted.
    #[test]
    fn extreme_magnitudes_are_refused_by_column() {
        let x = array![[0.0, 1e-170], [1.0, 3e-170], [2.0, 2e-170], [9.0, 5e-170]];
        let ctx = Context::new(x.view(), Some(2), 0);
        let p = plan(Algorithm::KMeans, &Settings::new(), &ctx).unwrap();
        let e = p.fit(x.view()).unwrap_err().to_string();
        assert!(e.starts_with("column 2:") && e.contains("too small"), "{e}");
        let big = x.mapv(|v| v * 1e200 + 1.0);
        let e = p.fit(big.view()).unwrap_err().to_string();
        assert!(e.starts_with("column 1:") && e.contains("too large"), "{e}");
        let z = zscore_by_hand(&x);
        assert_eq!(p.fit(z.view()).unwrap().n_clusters, 2);
    }

    /// z-scores by hand (this crate does not depend on clusterlab-data).
    fn zscore_by_hand(x: &ndarray::Array2<f64>) -> ndarray::Array2<f64> {
        let mut z = x.clone();
        for mut c in z.columns_mut() {
            let big = c.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            c.mapv_inplace(|v| v / big);
            let m = c.mean().unwrap();
            let s = c.mapv(|v| (v - m) * (v - m)).mean().unwrap().sqrt();
            c.mapv_inplace(|v| (v - m) / s);
        }
        z
    }
}
