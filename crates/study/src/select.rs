//! Model selection as mclust's `Mclust(X)`: fit every (model, k), tabulate
//! the log-likelihood, free parameters, BIC and ICL, and rank by one
//! criterion. A (model, k) that cannot be fitted is a row with an `error`
//! (mclust's `NA`), never an abort; so is a fit whose covariance is singular
//! before regularisation (mclust's `NA` too: its likelihood is unbounded),
//! and a model that has no maximum likelihood on the data at any k
//! ([`Spread`]: rows spanning fewer dimensions than columns, say), which is
//! not fitted at all.
//!
//! Every fit is the EM plan of the user's settings (`init`, `n_init`, `tol`,
//! …, as `clusterlab fit gmm` resolves them) at that model and k, so a row
//! equals `clusterlab fit gmm DATA --k K --covariance MODEL` with the same
//! flags. The hierarchical start (`init = hc`) is built once and shared.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use clusterlab_algos::{plan, Algorithm, Context, PlanError, Settings};
use clusterlab_em::{CovarianceModel, CovarianceType, GmmFit, HcStart, Init, Spread, StartMemo};
use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::compare::Progress;
use crate::error::one_line;

/// The models `select` fits with `--models all`: mclust's 14 for d > 1, its
/// two one-feature models (E, V) for d = 1, as `Mclust` does.
pub fn all_models(d: usize) -> Vec<CovarianceModel> {
    if d == 1 {
        CovarianceModel::UNIVARIATE.to_vec()
    } else {
        CovarianceModel::ALL.to_vec()
    }
}

/// mclust's name of a covariance type (scikit-learn's four).
pub fn mclust_name(t: CovarianceType) -> &'static str {
    CovarianceModel::from_type(t).name()
}

/// `all` (`None`: every model for the data's dimension) or a comma-separated
/// list of models (mclust's names in any case, or scikit-learn's aliases),
/// without repeats, in mclust's order.
pub fn parse_models(s: &str) -> Result<Option<Vec<CovarianceModel>>, PlanError> {
    if s.trim().eq_ignore_ascii_case("all") {
        return Ok(None);
    }
    let mut chosen = Vec::new();
    for part in s.split(',').filter(|p| !p.trim().is_empty()) {
        let m: CovarianceModel = part
            .parse()
            .map_err(|e: clusterlab_em::GmmError| PlanError::new(format!("--models: {e}")))?;
        if !chosen.contains(&m) {
            chosen.push(m);
        }
    }
    if chosen.is_empty() {
        return Err(PlanError::new(
            "--models: no model named (e.g. all, or VVV,EEE)",
        ));
    }
    chosen.sort();
    Ok(Some(chosen))
}

/// `A..B` (inclusive), a comma-separated list, or one number; each k ≥ 1.
pub fn parse_ks(s: &str) -> Result<Vec<usize>, PlanError> {
    let bad = |what: &str| {
        PlanError::new(format!(
            "--k: {what} in \"{s}\" (expected a range such as 1..9, a list such as 2,3,5, or one k ≥ 1)"
        ))
    };
    let num = |t: &str| -> Result<usize, PlanError> {
        let v: usize = t
            .trim()
            .parse()
            .map_err(|_| bad(&format!("\"{}\" is not a whole number", t.trim())))?;
        if v == 0 {
            return Err(bad("k = 0"));
        }
        Ok(v)
    };
    let mut ks: Vec<usize> = if let Some((a, b)) = s.split_once("..") {
        let (a, b) = (num(a)?, num(b.trim_start_matches('='))?);
        if a > b {
            return Err(bad("an empty range"));
        }
        (a..=b).collect()
    } else {
        s.split(',').map(num).collect::<Result<_, _>>()?
    };
    ks.sort_unstable();
    ks.dedup();
    Ok(ks)
}

/// Which criterion ranks the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Criterion {
    Bic,
    Icl,
}

impl std::str::FromStr for Criterion {
    type Err = PlanError;
    fn from_str(s: &str) -> Result<Self, PlanError> {
        match s.to_ascii_lowercase().as_str() {
            "bic" => Ok(Criterion::Bic),
            "icl" => Ok(Criterion::Icl),
            other => Err(PlanError::new(format!(
                "--criterion: unknown criterion \"{other}\" (expected bic or icl)"
            ))),
        }
    }
}

/// One (model, k) of the table. Criteria in clusterlab's sign (lower is
/// better; mclust prints the negatives); `log_likelihood` is the total over
/// the n points, as mclust's `loglik`.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub model: &'static str,
    pub k: usize,
    pub log_likelihood: Option<f64>,
    pub n_parameters: Option<usize>,
    pub bic: Option<f64>,
    pub icl: Option<f64>,
    pub error: Option<String>,
    #[serde(skip)]
    pub covariance: CovarianceModel,
}

/// One of the top three.
#[derive(Debug, Clone, Serialize)]
pub struct Best {
    pub model: &'static str,
    pub k: usize,
    pub bic: f64,
    pub icl: f64,
}

/// The whole selection.
#[derive(Debug, Clone, Serialize)]
pub struct Selection {
    pub table: Vec<Row>,
    /// The best three rows by the criterion (fewer if fewer were fitted).
    pub best: Vec<Best>,
    pub criterion: Criterion,
    /// Seconds for all fits (the hierarchical start included).
    pub fit_seconds: f64,
    /// Points fitted.
    #[serde(skip)]
    pub n: usize,
    /// The chosen fit (the first of `best`).
    #[serde(skip)]
    pub chosen: Option<GmmFit>,
}

/// The row of a fit (or of its failure).
fn row(
    covariance: CovarianceModel,
    k: usize,
    x: ArrayView2<f64>,
    fit: Result<GmmFit, String>,
) -> (Row, Option<GmmFit>) {
    let mut r = Row {
        model: covariance.name(),
        k,
        log_likelihood: None,
        n_parameters: None,
        bic: None,
        icl: None,
        error: None,
        covariance,
    };
    match fit {
        Err(e) => r.error = Some(e),
        Ok(f) => {
            // mclust gives NA for a fit whose covariance is singular; ours
            // keeps it positive definite by reg_covar alone, and its
            // likelihood then grows without bound (a component on a few
            // duplicate points): not a model to choose.
            if let Some(w) = f
                .warnings
                .iter()
                .find(|w| w.contains("singular before regularisation"))
            {
                r.error = Some(format!("singular covariance (mclust: NA): {w}"));
                return (r, None);
            }
            let n = x.nrows() as f64;
            let ll = f.log_likelihood * n;
            let (bic, icl) = match (f.bic(x), f.icl(x)) {
                (Ok(b), Ok(i)) if b.is_finite() && i.is_finite() => (b, i),
                (Err(e), _) | (_, Err(e)) => {
                    r.error = Some(one_line(&e.to_string()));
                    return (r, None);
                }
                _ => {
                    r.error = Some("the log-likelihood is not finite".into());
                    return (r, None);
                }
            };
            r.log_likelihood = Some(ll);
            r.n_parameters = Some(f.model.n_parameters());
            r.bic = Some(bic);
            r.icl = Some(icl);
            return (r, Some(f));
        }
    }
    (r, None)
}

/// Fit every (model, k) with the EM plan of `settings` and rank by `criterion`.
/// A setting that cannot make a plan (a bad `tol`, say) is an error; a fit
/// that fails is its row's `error`. `progress` hears one stage once the
/// hierarchical start is built (`"select · 126 fits (14 models × 9 k)"`),
/// then of every fit as it finishes, counted in the order they finish
/// (`"select · VVE, k = 4 (7 of 126)"`: the fits run in parallel, largest first).
pub fn select(
    x: ArrayView2<f64>,
    settings: &Settings,
    models: &[CovarianceModel],
    ks: &[usize],
    criterion: Criterion,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Selection, PlanError> {
    // One context: what the plans compute from the data alone (the noise
    // start's DBSCAN) is computed once.
    let ctx = Context::new(x, Some(ks[0]), seed);
    let plan_at = |cov: CovarianceModel, k: usize| {
        let s = settings.with(
            "covariance",
            json!(cov.name().to_ascii_lowercase()),
            "--models",
        );
        plan(Algorithm::Gmm, &s, &ctx.with_k(Some(k)))
    };
    // The user's settings must plan at all (errors name their flags).
    let first = plan(
        Algorithm::Gmm,
        &settings.with(
            "covariance",
            json!(models[0].name().to_ascii_lowercase()),
            "--models",
        ),
        &ctx,
    )?;
    let start = Instant::now();
    // A uniform noise density needs the rows to fill a volume.
    let spread = Spread::of(x);
    if let Some(why) = first
        .gmm()
        .filter(|p| p.noise())
        .and_then(|_| spread.no_hypervolume())
    {
        return Err(PlanError::new(format!("--noise: {why}")));
    }
    // The hierarchical start is built once (on the rows that do not start as noise, when some do).
    let hc: Option<Arc<HcStart>> = match first.gmm() {
        Some(p) if matches!(p.init(), Init::Hc | Init::Auto) => Some(
            p.build_hc_start(x)
                .map_err(|e| PlanError::new(one_line(&e.to_string())))?,
        ),
        _ => None,
    };
    // After everything that can fail: a failure is one line on stderr.
    let total = ks.len() * models.len();
    progress.stage(&format!(
        "select · {total} fits ({} models × {} k)",
        models.len(),
        ks.len()
    ));
    let memo = Arc::new(StartMemo::new(x.ncols()));
    // A model with no maximum likelihood on these rows (see `Spread`) is
    // NA at every k without a fit (a ridge-held fit would only crawl).
    let jobs: Vec<(CovarianceModel, usize)> = ks
        .iter()
        .flat_map(|&k| models.iter().map(move |&m| (m, k)))
        .collect();
    // The largest fits first (most components; the iterative M-steps),
    // so that no long fit is left running alone at the end.
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| {
        let (cov, k) = jobs[i];
        std::cmp::Reverse((k, cov.is_iterative()))
    });
    let score = |r: &Row| match criterion {
        Criterion::Bic => r.bic,
        Criterion::Icl => r.icl,
    };
    let mut results: Vec<Option<Row>> = (0..jobs.len()).map(|_| None).collect();
    // Counted and told under one lock, so the count follows the telling.
    let finished = Mutex::new(0usize);
    // The only fit kept: the best by the criterion so far (ties to the
    // earlier row, as the ranking below). Every fit holds its n × k
    // responsibilities: keeping all 126 took 6 GB at 1M × 10.
    let kept: Mutex<Option<(f64, usize, GmmFit)>> = Mutex::new(None);
    let done: Vec<(usize, Row)> = order
        .par_iter()
        .map(|&i| (i, jobs[i]))
        .map(|(i, (cov, k))| {
            let began = Instant::now();
            let fit = plan_at(cov, k).map_err(|e| e.0).and_then(|p| {
                let mut params = p.gmm().ok_or("not an EM plan")?.clone();
                if let Some(why) = params.no_maximum_on(&spread) {
                    return Err(why);
                }
                if let Some(h) = &hc {
                    params = params.with_hc_start(h.clone());
                }
                params = params.with_start_memo(memo.clone());
                params.fit(x, None).map_err(|e| one_line(&e.to_string()))
            });
            let seconds = began.elapsed().as_secs_f64();
            if let Ok(mut done) = finished.lock() {
                *done += 1;
                progress.finished(
                    &format!("select · {cov}, k = {k} ({done} of {total})"),
                    seconds,
                );
            }
            let (r, f) = row(cov, k, x, fit);
            if let (Some(s), Some(f), Ok(mut kept)) = (score(&r), f, kept.lock()) {
                let better = kept
                    .as_ref()
                    .is_none_or(|(bs, bi, _)| s.total_cmp(bs).then(i.cmp(bi)).is_lt());
                if better {
                    *kept = Some((s, i, f));
                }
            }
            (i, r)
        })
        .collect();
    for (i, r) in done {
        results[i] = Some(r);
    }
    let table: Vec<Row> = results
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect();
    let fit_seconds = start.elapsed().as_secs_f64();
    let mut order: Vec<usize> = (0..table.len())
        .filter(|&i| score(&table[i]).is_some())
        .collect();
    order.sort_by(|&a, &b| {
        score(&table[a])
            .unwrap()
            .total_cmp(&score(&table[b]).unwrap())
    });
    let best: Vec<Best> = order
        .iter()
        .take(3)
        .map(|&i| {
            let r = &table[i];
            Best {
                model: r.model,
                k: r.k,
                bic: r.bic.expect("ranked rows have criteria"),
                icl: r.icl.expect("ranked rows have criteria"),
            }
        })
        .collect();
    let chosen_at = order.first().copied();
    let chosen = kept
        .into_inner()
        .ok()
        .flatten()
        .filter(|(_, i, _)| Some(*i) == chosen_at)
        .map(|(_, _, f)| f);
    Ok(Selection {
        table,
        best,
        criterion,
        fit_seconds,
        n: x.nrows(),
        chosen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_lists_and_ranges_parse() {
        assert_eq!(parse_models("all").unwrap(), None);
        assert_eq!(all_models(3).len(), 14);
        assert_eq!(all_models(1), vec![CovarianceModel::E, CovarianceModel::V]);
        assert_eq!(
            parse_models("vvv, spherical,VVV,eve").unwrap(),
            Some(vec![
                CovarianceModel::VII,
                CovarianceModel::EVE,
                CovarianceModel::VVV
            ])
        );
        assert!(parse_models("XYZ").unwrap_err().0.contains("XYZ"));
        assert_eq!(parse_ks("1..4").unwrap(), vec![1, 2, 3, 4]);
        assert_eq!(parse_ks("5,2,2").unwrap(), vec![2, 5]);
        assert_eq!(parse_ks("3").unwrap(), vec![3]);
        assert!(parse_ks("0..3").is_err() && parse_ks("4..2").is_err() && parse_ks("a").is_err());
    }

    /// What `progress` hears, in order.
    #[derive(Default)]
    struct Heard(std::sync::Mutex<Vec<(bool, String)>>);

    impl Progress for Heard {
        fn stage(&self, what: &str) {
            self.0.lock().unwrap().push((false, what.to_string()));
        }
        fn finished(&self, what: &str, seconds: f64) {
            assert!(seconds >= 0.0);
            self.0.lock().unwrap().push((true, what.to_string()));
        }
    }

    /// One stage first, then one message per fit, numbered 1.. in the order
    /// they finish, each naming its (model, k) once.
    #[test]
    fn progress_hears_of_every_fit() {
        let x = ndarray::Array2::from_shape_fn((40, 2), |(i, c)| {
            (i % 2) as f64 * 5.0 + ((i * 7 + c * 3) as f64 * 0.61).sin()
        });
        let models = [
            CovarianceModel::VVV,
            CovarianceModel::EII,
            CovarianceModel::EVE,
        ];
        let heard = Heard::default();
        let sel = select(
            x.view(),
            &Settings::new(),
            &models,
            &[1, 2],
            Criterion::Bic,
            0,
            &heard,
        )
        .unwrap();
        assert_eq!(sel.table.len(), 6);
        // The one fit kept is the best row's.
        let chosen = sel.chosen.as_ref().unwrap();
        assert_eq!(chosen.model.model().name(), sel.best[0].model);
        assert_eq!(chosen.model.n_components(), sel.best[0].k);
        assert_eq!(chosen.bic(x.view()).unwrap(), sel.best[0].bic);
        let heard = heard.0.into_inner().unwrap();
        assert_eq!(
            heard[0],
            (false, "select · 6 fits (3 models × 2 k)".to_string())
        );
        assert_eq!(heard.len(), 7);
        let mut named: Vec<String> = Vec::new();
        for (i, (finished, what)) in heard[1..].iter().enumerate() {
            assert!(*finished, "{what}");
            let (fit, count) = what.rsplit_once(" (").unwrap();
            assert_eq!(count, format!("{} of 6)", i + 1));
            named.push(fit.to_string());
        }
        named.sort();
        assert_eq!(
            named,
            [
                "select · EII, k = 1",
                "select · EII, k = 2",
                "select · EVE, k = 1",
                "select · EVE, k = 2",
                "select · VVV, k = 1",
                "select · VVV, k = 2"
            ]
        );
    }
}
