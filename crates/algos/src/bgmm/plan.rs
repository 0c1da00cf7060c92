//! The Bayesian mixture in the registry: its parameters (scikit-learn's
//! `BayesianGaussianMixture` defaults; `k` is the largest number of
//! components) and its JSON (`bgmm: {covariance_type, weights, means,
//! covariances, lower_bounds, n_iter, converged, effective_components,
//! weight_prior, weight_concentration_prior}`).

use clusterlab_em::bayes::{BayesianMixture, BgmmFit, BgmmInit, WeightPrior};
use clusterlab_em::{CovarianceType, Engine, GmmError};
use ndarray::ArrayView2;
use serde_json::{json, Value};

use crate::clustering::{Clustering, Extras};
use crate::gmm::plan::read_labels;
use crate::plan::{
    params, Algorithm, Context, Entry, Kind, ParamSpec, PlanError, Resolved, Runnable, Settings,
};

const COVARIANCES: &[&str] = &["full", "diag", "spherical", "tied"];
const WEIGHT_PRIORS: &[&str] = &["dirichlet-process", "dirichlet-distribution"];
const ENGINES: &[&str] = &["fast", "reference"];

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "covariance",
        help: "Covariance type: full, diag, spherical or tied",
        kind: Kind::Choice(COVARIANCES),
        default: "full",
        fit_only: false,
    },
    ParamSpec {
        name: "weight_prior",
        help: "Prior on the weights: dirichlet-process (stick-breaking) or dirichlet-distribution",
        kind: Kind::Choice(WEIGHT_PRIORS),
        default: "dirichlet-process",
        fit_only: false,
    },
    ParamSpec {
        name: "weight_concentration",
        help: "The weight prior's concentration γ (smaller: fewer components)",
        kind: Kind::Float,
        default: "1/k",
        fit_only: false,
    },
    ParamSpec {
        name: "mean_precision",
        help: "The means' prior precision β₀, relative to the components' own",
        kind: Kind::Float,
        default: "1",
        fit_only: false,
    },
    ParamSpec {
        name: "init_labels",
        help: "Start from a hard partition: FILE has one integer in 0..k-1 per data row (optional first line `label`)",
        kind: Kind::Path,
        default: "none (k-means labels)",
        fit_only: true,
    },
    ParamSpec {
        name: "tol",
        help: "Convergence threshold on the change of the lower bound (0 runs exactly max_iter)",
        kind: Kind::Float,
        default: "1e-3",
        fit_only: false,
    },
    ParamSpec {
        name: "max_iter",
        help: "Iterations at most",
        kind: Kind::Count,
        default: "100",
        fit_only: false,
    },
    ParamSpec {
        name: "reg_covar",
        help: "Added to every component covariance's diagonal in the M-step",
        kind: Kind::Float,
        default: "1e-6",
        fit_only: false,
    },
    ParamSpec {
        name: "engine",
        help: "E-step and statistics: fast (SIMD kernels) or reference (plain functions)",
        kind: Kind::Choice(ENGINES),
        default: "fast",
        fit_only: false,
    },
];

pub(crate) static ENTRY: Entry = Entry {
    algorithm: Algorithm::Bgmm,
    name: "bgmm",
    title: "Bayesian GMM",
    aliases: &["bayesian-gmm", "vbgmm"],
    about: "Variational Bayesian Gaussian mixture: --k is the most components; unneeded ones switch off",
    needs_k: true,
    soft: true,
    params: PARAMS,
    resolve,
    result_json,
};

fn resolve(s: &Settings, ctx: &Context) -> Result<Resolved, PlanError> {
    let k = ctx.require_k("bgmm")?;
    let mut p = BayesianMixture::params(k).seed(ctx.seed);
    if let Some(name) = s.choice("covariance", COVARIANCES)? {
        p = p.covariance_type(
            name.parse::<CovarianceType>()
                .expect("a listed covariance parses"),
        );
    }
    if let Some(name) = s.choice("weight_prior", WEIGHT_PRIORS)? {
        p = p.weight_prior(name.parse::<WeightPrior>().expect("a listed prior parses"));
    }
    if let Some(v) = s.float("weight_concentration")? {
        p = p.weight_concentration(v);
    }
    if let Some(v) = s.float("mean_precision")? {
        p = p.mean_precision(v);
    }
    if let Some(path) = s.path("init_labels")? {
        p = p.init(BgmmInit::Labels(read_labels(&path, ctx.x.nrows(), k)?));
    }
    if let Some(v) = s.float("tol")? {
        p = p.tol(v);
    }
    if let Some(v) = s.count("max_iter")? {
        p = p.max_iter(v);
    }
    if let Some(v) = s.float("reg_covar")? {
        p = p.reg_covar(v);
    }
    if let Some(v) = s.choice("engine", ENGINES)? {
        p = p.engine(v.parse::<Engine>().expect("a listed engine parses"));
    }
    let p = p.check().map_err(|e| match e {
        GmmError::InvalidParameter { name, reason } => {
            let key = name.replace('-', "_");
            match s.get(&key) {
                Some(set) => PlanError::new(format!("{}: {reason}", set.origin)),
                None => PlanError::new(format!("bgmm.{key}: {reason}")),
            }
        }
        other => PlanError::new(format!("bgmm: {other}")),
    })?;
    let params = params([
        ("k", json!(p.n_components())),
        ("covariance", json!(p.covariance_type().name())),
        ("weight_prior", json!(p.weight_prior().name())),
        ("weight_concentration", json!(p.weight_concentration())),
        ("mean_precision", json!(p.mean_precision())),
        ("init", json!(p.init().name())),
        ("tol", json!(p.tol())),
        ("max_iter", json!(p.max_iter())),
        ("reg_covar", json!(p.reg_covar())),
        ("seed", json!(p.seed())),
        ("engine", json!(p.engine().name())),
    ]);
    Ok(Resolved {
        params,
        runnable: Runnable::Clusterer(Box::new(p)),
    })
}

/// The `bgmm` object: the posterior-mean mixture, the fit's course and the
/// number of components it kept.
pub fn fit_json(fit: &BgmmFit) -> Result<Value, PlanError> {
    let model = fit
        .model()
        .map_err(|e| PlanError::new(format!("bgmm: {e}")))?;
    let mut obj = serde_json::to_value(&model).map_err(|e| PlanError::new(e.to_string()))?;
    let m = obj
        .as_object_mut()
        .ok_or_else(|| PlanError::new("bgmm: the model is not a JSON object"))?;
    m.extend(params([
        ("lower_bounds", json!(fit.lower_bounds)),
        ("n_iter", json!(fit.n_iter)),
        ("converged", json!(fit.converged)),
        ("effective_components", json!(fit.effective_components())),
        ("mean_precision", json!(fit.mean_precision)),
        ("degrees_of_freedom", json!(fit.degrees_of_freedom)),
    ]));
    Ok(obj)
}

fn result_json(c: &Clustering, _x: ArrayView2<f64>) -> Result<Value, PlanError> {
    match &c.extras {
        Extras::Bgmm(fit) => fit_json(fit),
        _ => Err(PlanError::new("bgmm: the clustering has no model")),
    }
}
