//! Model selection as mclust's `Mclust(X)`: fit every (model, k), tabulate
//! the log-likelihood, free parameters, BIC and ICL, and rank by one
//! criterion. A (model, k) that cannot be fitted is a row with an `error`
//! (mclust's `NA`), never an abort.
//!
//! Every fit is the EM plan of the user's settings (`init`, `n_init`, `tol`,
//! …, as `clusterlab fit gmm` resolves them) at that model and k, so a row
//! equals `clusterlab fit gmm DATA --k K --covariance MODEL` with the same
//! flags. The hierarchical start (`init = hc`) is built once and shared.

use std::sync::Arc;
use std::time::Instant;

use clusterlab_algos::{plan, Algorithm, Context, PlanError, Settings};
use clusterlab_em::{CovarianceType, GmmFit, HcStart, Init};
use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::error::one_line;

/// The models `select` can fit: mclust's name, the covariance type, and
/// scikit-learn's name. mclust's table order.
pub const MODELS: &[(&str, CovarianceType)] = &[
    ("VII", CovarianceType::Spherical),
    ("VVI", CovarianceType::Diag),
    ("EEE", CovarianceType::Tied),
    ("VVV", CovarianceType::Full),
];

/// mclust's name of a covariance type.
pub fn mclust_name(t: CovarianceType) -> &'static str {
    MODELS
        .iter()
        .find(|(_, c)| *c == t)
        .map(|(n, _)| *n)
        .unwrap_or("?")
}

/// The model a name means: mclust's (case-insensitive) or scikit-learn's alias.
pub fn parse_model(s: &str) -> Result<CovarianceType, PlanError> {
    let t = s.trim();
    if let Some((_, c)) = MODELS.iter().find(|(n, _)| n.eq_ignore_ascii_case(t)) {
        return Ok(*c);
    }
    if let Some(c) = CovarianceType::ALL
        .iter()
        .find(|c| c.name().eq_ignore_ascii_case(t))
    {
        return Ok(*c);
    }
    let names: Vec<String> = MODELS
        .iter()
        .map(|(n, c)| format!("{n} ({})", c.name()))
        .collect();
    Err(PlanError::new(format!(
        "--models: unknown model \"{t}\" (available: {}, or all)",
        names.join(", ")
    )))
}

/// `all` or a comma-separated list of models, without repeats, in mclust's order.
pub fn parse_models(s: &str) -> Result<Vec<CovarianceType>, PlanError> {
    if s.trim().eq_ignore_ascii_case("all") {
        return Ok(MODELS.iter().map(|(_, c)| *c).collect());
    }
    let mut chosen = Vec::new();
    for part in s.split(',').filter(|p| !p.trim().is_empty()) {
        let c = parse_model(part)?;
        if !chosen.contains(&c) {
            chosen.push(c);
        }
    }
    if chosen.is_empty() {
        return Err(PlanError::new(
            "--models: no model named (e.g. all, or VVV,EEE)",
        ));
    }
    Ok(MODELS
        .iter()
        .map(|(_, c)| *c)
        .filter(|c| chosen.contains(c))
        .collect())
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
    pub covariance: CovarianceType,
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

/// ICL in clusterlab's sign: `BIC − 2 Σᵢ ln max_j r_ij` (mclust's `icl()` negated).
pub fn icl(bic: f64, fit: &GmmFit) -> f64 {
    let entropy: f64 = fit
        .responsibilities
        .rows()
        .into_iter()
        .map(|r| {
            r.iter()
                .copied()
                .fold(0.0, f64::max)
                .max(f64::MIN_POSITIVE)
                .ln()
        })
        .sum();
    bic - 2.0 * entropy
}

/// The row of a fit (or of its failure).
fn row(
    model: &'static str,
    covariance: CovarianceType,
    k: usize,
    x: ArrayView2<f64>,
    fit: Result<GmmFit, String>,
) -> (Row, Option<GmmFit>) {
    let mut r = Row {
        model,
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
            let n = x.nrows() as f64;
            let ll = f.log_likelihood * n;
            let p = f.model.n_parameters();
            let bic = -2.0 * ll + p as f64 * n.ln();
            if !bic.is_finite() {
                r.error = Some("the log-likelihood is not finite".into());
                return (r, None);
            }
            r.log_likelihood = Some(ll);
            r.n_parameters = Some(p);
            r.bic = Some(bic);
            r.icl = Some(icl(bic, &f));
            return (r, Some(f));
        }
    }
    (r, None)
}

/// Fit every (model, k) with the EM plan of `settings` and rank by `criterion`.
/// A setting that cannot make a plan (a bad `tol`, say) is an error; a fit
/// that fails is its row's `error`.
pub fn select(
    x: ArrayView2<f64>,
    settings: &Settings,
    models: &[CovarianceType],
    ks: &[usize],
    criterion: Criterion,
    seed: u64,
) -> Result<Selection, PlanError> {
    let plan_at = |cov: CovarianceType, k: usize| {
        let s = settings.with("covariance", json!(cov.name()), "--models");
        plan(Algorithm::Gmm, &s, &Context::new(x, Some(k), seed))
    };
    // The user's settings must plan at all (errors name their flags).
    let first = plan_at(models[0], ks[0])?;
    let start = Instant::now();
    let needs_hc = first.gmm().is_some_and(|p| *p.init() == Init::Hc);
    let hc = needs_hc.then(|| Arc::new(HcStart::new(x, seed)));
    let jobs: Vec<(CovarianceType, usize)> = ks
        .iter()
        .flat_map(|&k| models.iter().map(move |&m| (m, k)))
        .collect();
    let results: Vec<(Row, Option<GmmFit>)> = jobs
        .par_iter()
        .map(|&(cov, k)| {
            let fit = plan_at(cov, k).map_err(|e| e.0).and_then(|p| {
                let mut params = p.gmm().ok_or("not an EM plan")?.clone();
                if let Some(h) = &hc {
                    params = params.with_hc_start(h.clone());
                }
                params.fit(x, None).map_err(|e| one_line(&e.to_string()))
            });
            row(mclust_name(cov), cov, k, x, fit)
        })
        .collect();
    let fit_seconds = start.elapsed().as_secs_f64();
    let score = |r: &Row| match criterion {
        Criterion::Bic => r.bic,
        Criterion::Icl => r.icl,
    };
    let mut order: Vec<usize> = (0..results.len())
        .filter(|&i| score(&results[i].0).is_some())
        .collect();
    order.sort_by(|&a, &b| {
        score(&results[a].0)
            .unwrap()
            .total_cmp(&score(&results[b].0).unwrap())
    });
    let best: Vec<Best> = order
        .iter()
        .take(3)
        .map(|&i| {
            let r = &results[i].0;
            Best {
                model: r.model,
                k: r.k,
                bic: r.bic.expect("ranked rows have criteria"),
                icl: r.icl.expect("ranked rows have criteria"),
            }
        })
        .collect();
    let chosen_at = order.first().copied();
    let mut chosen = None;
    let mut table = Vec::with_capacity(results.len());
    for (i, (r, f)) in results.into_iter().enumerate() {
        if Some(i) == chosen_at {
            chosen = f;
        }
        table.push(r);
    }
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
        assert_eq!(parse_models("all").unwrap().len(), MODELS.len());
        assert_eq!(
            parse_models("vvv, spherical,VVV").unwrap(),
            vec![CovarianceType::Spherical, CovarianceType::Full]
        );
        assert!(parse_models("XYZ").unwrap_err().0.contains("XYZ"));
        assert_eq!(parse_ks("1..4").unwrap(), vec![1, 2, 3, 4]);
        assert_eq!(parse_ks("5,2,2").unwrap(), vec![2, 5]);
        assert_eq!(parse_ks("3").unwrap(), vec![3]);
        assert!(parse_ks("0..3").is_err() && parse_ks("4..2").is_err() && parse_ks("a").is_err());
    }
}
