//! EM in the registry: its parameters (scikit-learn's names and defaults,
//! except `n_init`, see [`DEFAULT_N_INIT`]) and its JSON (`gmm: {model,
//! covariance_type, weights, means, covariances, log_likelihood,
//! lower_bounds, n_iter, converged, n_parameters, bic, aic, icl, mclust_bic,
//! warnings}`).

use std::path::Path;

use clusterlab_em::{CovarianceModel, Engine, GaussianMixture, GmmModel, Init};
use ndarray::ArrayView2;
use serde_json::{json, Value};

use crate::clustering::{Clustering, Extras};
use crate::plan::{
    checked, params, Algorithm, Context, Entry, Kind, ParamSpec, PlanError, Resolved, Runnable,
    Settings,
};

/// EM starts unless set: with the default `init = auto`, mclust's
/// hierarchical start, then k-means, k-means++ and random points in turn
/// (eight measured best against scikit-learn's and mclust's fits on 96
/// cases, `crates/em/scripts/bench_best_fit.md`), each run
/// [`clusterlab_em::AUTO_SHORT_ITER`] iterations, the best then run to
/// convergence. scikit-learn's default is one k-means start, which lands in
/// a poor optimum on some data (iris: ARI 0.52 with one start, 0.90 with
/// five); `--init kmeans --n-init 1 --tol 1e-3 --rtol 0 --max-iter 100` is
/// scikit-learn's fit exactly. A fit from `init_model` or `init_labels` has
/// one start.
pub const DEFAULT_N_INIT: usize = 8;
/// The default relative tolerance (mclust's `emControl(tol = 1e-5)`: stop
/// when the total log-likelihood changes by at most 1e-5 · (1 + |L|)).
pub const DEFAULT_RTOL: f64 = 1e-5;
/// The default absolute tolerance on the mean log-likelihood: off, the
/// relative one decides (scikit-learn's is 1e-3).
pub const DEFAULT_TOL: f64 = 0.0;
/// The default iteration cap (scikit-learn's is 100; mclust has none):
/// slow convergers need hundreds of iterations to reach mclust's optimum.
pub const DEFAULT_MAX_ITER: usize = 1000;

/// scikit-learn's four types and mclust's models (in any case on the command line).
const COVARIANCES: &[&str] = &[
    "full",
    "diag",
    "spherical",
    "tied",
    "eii",
    "vii",
    "eei",
    "vei",
    "evi",
    "vvi",
    "eee",
    "vee",
    "eve",
    "vve",
    "eev",
    "vev",
    "evv",
    "vvv",
    "e",
    "v",
];
const INITS: &[&str] = &[
    "auto",
    "kmeans",
    "kmeans++",
    "random",
    "random-from-data",
    "hc",
];
const ENGINES: &[&str] = &["fast", "reference"];

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "covariance",
        help: "Covariance model: one of mclust's 14 (EII, VII, EEI, VEI, EVI, VVI, EEE, VEE, EVE, VVE, EEV, VEV, EVV, VVV; E or V for one feature), any case, or scikit-learn's full (VVV), diag (VVI), spherical (VII), tied (EEE)",
        kind: Kind::Choice(COVARIANCES),
        default: "full, or the init model's type",
        fit_only: false,
    },
    ParamSpec {
        name: "init",
        help: "Initialisation: auto (n_init starts cycling hc, kmeans, kmeans++, random-from-data, each run 50 iterations, all made and run on one random sample of 2500 rows above that size, the best run on to convergence on all rows), kmeans, kmeans++, random, random-from-data or hc (mclust's hierarchical start)",
        kind: Kind::Choice(INITS),
        default: "auto",
        fit_only: false,
    },
    ParamSpec {
        name: "init_model",
        help: "Start from this model JSON (weights, means, covariances, covariance_type): the first step is an E-step from it",
        kind: Kind::Path,
        default: "none",
        fit_only: true,
    },
    ParamSpec {
        name: "init_labels",
        help: "Start from a hard partition: FILE has one integer in 0..k-1 per data row (optional first line `label`); the first step is an M-step on it",
        kind: Kind::Path,
        default: "none",
        fit_only: true,
    },
    ParamSpec {
        name: "n_init",
        help: "Runs from different starts; the best final lower bound wins",
        kind: Kind::Count,
        default: "8 (1 from an init model, init labels or hc)",
        fit_only: false,
    },
    ParamSpec {
        name: "tol",
        help: "Stop when the mean log-likelihood changes by less than this (scikit-learn's test; 0 = off)",
        kind: Kind::Float,
        default: "0 (rtol decides)",
        fit_only: false,
    },
    ParamSpec {
        name: "rtol",
        help: "Stop when the total log-likelihood L changes by at most rtol·(1+|L|) (mclust's test; 0 = off; with tol 0 too, max_iter iterations run)",
        kind: Kind::Float,
        default: "1e-5",
        fit_only: false,
    },
    ParamSpec {
        name: "max_iter",
        help: "EM iterations at most",
        kind: Kind::Count,
        default: "1000",
        fit_only: false,
    },
    ParamSpec {
        name: "reg_covar",
        help: "Added to every covariance diagonal in the M-step",
        kind: Kind::Float,
        default: "1e-6",
        fit_only: false,
    },
    ParamSpec {
        name: "prior",
        help: "Regularise with mclust's default conjugate prior (priorControl()): the M-step is a posterior mode; for all models but VEE, EVE, VVE, EVV",
        kind: Kind::Flag,
        default: "false",
        fit_only: false,
    },
    ParamSpec {
        name: "noise",
        help: "Add a uniform noise component over the data's hypervolume (mclust's hypvol), its proportion estimated; noise points get label -1",
        kind: Kind::Flag,
        default: "false",
        fit_only: false,
    },
    ParamSpec {
        name: "noise_init",
        help: "Start with noise: FILE has one integer per data row, -1 for noise and 0..k-1 for the clusters (optional first line `label`); implies --noise",
        kind: Kind::Path,
        default: "none (with --noise: DBSCAN's noise points under the defaults of `fit dbscan`, the clusters' start on the other points; with --init-model or --init-labels, or when DBSCAN marks no point or more than half of them as noise: the start's model plus a noise proportion of 0.1)",
        fit_only: true,
    },
    ParamSpec {
        name: "engine",
        help: "E-step and statistics: fast (SIMD kernels) or reference (the equations as plain functions)",
        kind: Kind::Choice(ENGINES),
        default: "fast",
        fit_only: false,
    },
];

pub(crate) static ENTRY: Entry = Entry {
    algorithm: Algorithm::Gmm,
    name: "gmm",
    title: "EM (GMM)",
    aliases: &["em"],
    about: "EM for a Gaussian mixture (soft clustering)",
    needs_k: true,
    soft: true,
    params: PARAMS,
    resolve,
    result_json,
};

/// Reads a model JSON: the `gmm` object of a `fit --json` output, or a whole such output.
pub fn read_model(path: &Path) -> Result<GmmModel, PlanError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| PlanError::new(format!("{shown}: cannot read: {e}")))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| PlanError::new(format!("{shown}: not valid JSON: {e}")))?;
    let inner = value.get("gmm").cloned().unwrap_or(value);
    serde_json::from_value(inner).map_err(|e| PlanError::new(format!("{shown}: {e}")))
}

/// Reads a partition file: one integer label in `0..k` per data row (`n`
/// rows), an optional first line `label`, blank lines ignored. Errors name
/// the file and the line.
pub fn read_labels(path: &Path, n: usize, k: usize) -> Result<Vec<usize>, PlanError> {
    let labels = read_label_lines(path, n, 0, k)?;
    Ok(labels
        .into_iter()
        .map(|l| l.unsigned_abs() as usize)
        .collect())
}

/// One integer in `low..k` per data row of `path` (`n` of them), as
/// [`read_labels`]; `low` is −1 where the file may mark noise.
pub fn read_label_lines(path: &Path, n: usize, low: i64, k: usize) -> Result<Vec<i64>, PlanError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| PlanError::new(format!("{shown}: cannot read: {e}")))?;
    let mut out = Vec::new();
    for (no, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || (no == 0 && t.trim_matches('"').eq_ignore_ascii_case("label")) {
            continue;
        }
        let v: i64 = t.parse().map_err(|_| {
            PlanError::new(format!(
                "{shown}, line {}: \"{t}\" is not an integer label",
                no + 1
            ))
        })?;
        if v < low || v >= k as i64 {
            return Err(PlanError::new(format!(
                "{shown}, line {}: label {v} is outside {low}..{} (k = {k})",
                no + 1,
                k as i64 - 1
            )));
        }
        out.push(v);
    }
    if out.len() != n {
        return Err(PlanError::new(format!(
            "{shown}: {} labels for {n} data rows (one per row)",
            out.len()
        )));
    }
    Ok(out)
}

fn resolve(s: &Settings, ctx: &Context) -> Result<Resolved, PlanError> {
    let k = ctx.require_k("gmm")?;
    let model = match s.path("init_model")? {
        Some(p) => Some(read_model(&p)?),
        None => None,
    };
    let labels = match s.path("init_labels")? {
        Some(p) => Some(read_labels(&p, ctx.x.nrows(), k)?),
        None => None,
    };
    let noise_labels = match s.path("noise_init")? {
        Some(p) => Some(read_label_lines(&p, ctx.x.nrows(), -1, k)?),
        None => None,
    };
    let given: Vec<&str> = ["init", "init_model", "init_labels", "noise_init"]
        .into_iter()
        .filter(|n| s.get(n).is_some())
        .collect();
    if given.len() > 1 {
        let o = |n: &str| s.get(n).map_or(n.to_string(), |x| x.origin.clone());
        return Err(PlanError::new(format!(
            "{} and {} cannot be used together",
            o(given[0]),
            o(given[1])
        )));
    }
    let noise = s.flag("noise")?.unwrap_or(false) || noise_labels.is_some();
    let init: Init = match (&model, labels, noise_labels, s.choice("init", INITS)?) {
        (Some(m), _, _, _) => Init::Model(Box::new(m.clone())),
        (None, Some(l), _, _) => Init::Labels(l),
        (None, None, Some(l), _) => Init::LabelsWithNoise(l),
        (None, None, None, Some(name)) => name.parse::<Init>().expect("a listed init parses"),
        (None, None, None, None) => Init::Auto,
    };
    let covariance: CovarianceModel = match (s.choice("covariance", COVARIANCES)?, &model) {
        (Some(name), _) => name.parse().expect("a listed covariance parses"),
        (None, Some(m)) => m.model(),
        (None, None) => CovarianceModel::VVV,
    };
    let from_file = matches!(init, Init::LabelsWithNoise(_));
    let from_model = matches!(init, Init::Model(_));
    let given_start = matches!(init, Init::Model(_) | Init::Labels(_));
    let default_n_init = match init {
        Init::Model(_) | Init::Labels(_) | Init::LabelsWithNoise(_) | Init::Hc => 1,
        _ => DEFAULT_N_INIT,
    };
    let mut p = GaussianMixture::params(k)
        .model(covariance)
        .init(init)
        .n_init(s.count("n_init")?.unwrap_or(default_n_init))
        .seed(ctx.seed);
    p = p
        .tol(s.float("tol")?.unwrap_or(DEFAULT_TOL))
        .rtol(s.float("rtol")?.unwrap_or(DEFAULT_RTOL))
        .max_iter(s.count("max_iter")?.unwrap_or(DEFAULT_MAX_ITER));
    if let Some(v) = s.float("reg_covar")? {
        p = p.reg_covar(v);
    }
    if let Some(v) = s.flag("prior")? {
        p = p.prior(v);
    }
    p = p.noise(noise);
    // The noise start: a file's labels, else DBSCAN's noise points when the
    // start is a method (auto, hc, kmeans, …), else a proportion of 0.1.
    let mut noise_params: Vec<(&str, Value)> = Vec::new();
    if noise {
        match (from_file, given_start) {
            (true, _) => noise_params.push(("noise_init", json!("labels"))),
            // A model's own noise proportion, else 0.1.
            (false, true) if from_model => noise_params.push(("noise_init", json!("model"))),
            (false, true) => noise_params.push(("noise_init", json!("proportion 0.1"))),
            (false, false) => {
                let d = ctx.dbscan_noise()?;
                let used = if d.start.unusable().is_none() {
                    "dbscan"
                } else {
                    "proportion 0.1"
                };
                noise_params.extend([
                    ("noise_init", json!(used)),
                    ("noise_init_eps", json!(d.eps)),
                    ("noise_init_min_samples", json!(d.min_samples)),
                    ("noise_init_points", json!(d.start.n_noise())),
                ]);
                p = p.noise_start(Some(d.start.clone()));
            }
        }
    }
    if let Some(v) = s.choice("engine", ENGINES)? {
        p = p.engine(v.parse::<Engine>().expect("a listed engine parses"));
    }
    let p = checked("gmm", s, p.check().map_err(Into::into))?;
    let mut params = params([
        ("k", json!(p.n_components())),
        ("covariance", json!(p.model().type_name())),
        ("init", json!(p.init().name())),
        ("n_init", json!(p.n_init())),
        ("tol", json!(p.tol())),
        ("rtol", json!(p.rtol())),
        ("max_iter", json!(p.max_iter())),
        ("reg_covar", json!(p.reg_covar())),
        ("prior", json!(p.prior())),
        ("noise", json!(p.noise())),
        ("seed", json!(p.seed())),
        ("engine", json!(p.engine().name())),
    ]);
    for (k, v) in noise_params {
        params.insert(k.to_string(), v);
    }
    Ok(Resolved {
        params,
        runnable: Runnable::Gmm(p),
    })
}

/// The `gmm` object: the model, the fit's course and its criteria on `x`.
pub fn fit_json(fit: &clusterlab_em::GmmFit, x: ArrayView2<f64>) -> Result<Value, PlanError> {
    let mut obj = serde_json::to_value(&fit.model).map_err(|e| PlanError::new(e.to_string()))?;
    let m = obj
        .as_object_mut()
        .ok_or_else(|| PlanError::new("gmm: the model is not a JSON object"))?;
    let bic = fit.bic(x).map_err(|e| PlanError::new(e.to_string()))?;
    let aic = fit.aic(x).map_err(|e| PlanError::new(e.to_string()))?;
    let icl = fit.icl(x).map_err(|e| PlanError::new(e.to_string()))?;
    m.extend(params([
        ("log_likelihood", json!(fit.log_likelihood)),
        ("lower_bounds", json!(fit.lower_bounds)),
        ("n_iter", json!(fit.n_iter)),
        ("converged", json!(fit.converged)),
        ("n_parameters", json!(fit.model.n_parameters())),
        ("bic", json!(bic)),
        ("aic", json!(aic)),
        ("icl", json!(icl)),
        ("mclust_bic", json!(-bic)),
        ("warnings", json!(fit.warnings)),
    ]));
    Ok(obj)
}

fn result_json(c: &Clustering, x: ArrayView2<f64>) -> Result<Value, PlanError> {
    match &c.extras {
        Extras::Gmm(fit) => fit_json(fit, x),
        _ => Err(PlanError::new("gmm: the clustering has no model")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_states_the_defaults_the_plan_uses() {
        let spec = |name: &str| PARAMS.iter().find(|p| p.name == name).unwrap();
        let n_init = spec("n_init").default;
        assert!(
            n_init.starts_with(&format!("{DEFAULT_N_INIT} ")),
            "n_init help says {n_init}, the plan uses {DEFAULT_N_INIT}"
        );
        let init = spec("init").help;
        for number in [
            clusterlab_em::AUTO_SHORT_ITER,
            clusterlab_em::AUTO_SCREEN_ROWS,
        ] {
            assert!(init.contains(&format!(" {number} ")), "{init}");
        }
    }

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("clusterlab-labels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn label_files_read_and_errors_name_file_and_line() {
        let p = write("ok.txt", "label\n0\n2\n\n1\n");
        assert_eq!(read_labels(&p, 3, 3).unwrap(), vec![0, 2, 1]);
        let e = read_labels(&p, 4, 3).unwrap_err().to_string();
        assert!(
            e.ends_with("ok.txt: 3 labels for 4 data rows (one per row)"),
            "{e}"
        );
        let e = read_labels(&p, 3, 2).unwrap_err().to_string();
        assert!(
            e.ends_with("ok.txt, line 3: label 2 is outside 0..1 (k = 2)"),
            "{e}"
        );
        let p = write("bad.txt", "0\n1.5\n");
        let e = read_labels(&p, 2, 2).unwrap_err().to_string();
        assert!(
            e.ends_with("bad.txt, line 2: \"1.5\" is not an integer label"),
            "{e}"
        );
        let p = write("noise.txt", "-1\n0\n1\n");
        assert_eq!(read_label_lines(&p, 3, -1, 2).unwrap(), vec![-1, 0, 1]);
        let e = read_labels(&p, 3, 2).unwrap_err().to_string();
        assert!(
            e.ends_with("line 1: label -1 is outside 0..1 (k = 2)"),
            "{e}"
        );
    }
}
