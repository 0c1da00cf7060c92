//! EM's path: the parameters of every iteration of the fit the report draws
//! (the k-means/EM pair's EM, which is metrics.json's gmm row), so the
//! explorable page can scrub through it.
//!
//! The fit itself keeps only its start and its end. The path is replayed
//! from the start one E+M step at a time (`Init::Model` with `max_iter` 1,
//! the same plan otherwise): model `i + 1` is one step from model `i`, which
//! is exactly what the fit's own loop computes. The replay is checked
//! against the fit (its log-likelihoods and its final model) and refused
//! when it strays.

use clusterlab_algos::{plan, Algorithm, Context, Settings};
use clusterlab_em::{GmmFit, GmmModel, Init};
use ndarray::ArrayView2;
use serde_json::json;

use crate::error::one_line;

/// Every model EM went through: `models[0]` is the start, `models[i]` the
/// model after iteration `i`'s M-step, `models[iterations]` the fitted one.
#[derive(Debug, Clone)]
pub struct EmPath {
    pub models: Vec<GmmModel>,
    /// `log_likelihoods[i]`: the mean log-likelihood per point of `models[i]`.
    pub log_likelihoods: Vec<f64>,
    pub converged: bool,
}

impl EmPath {
    /// The number of iterations (the last index of `models`).
    pub fn iterations(&self) -> usize {
        self.models.len().saturating_sub(1)
    }
}

/// Largest absolute difference between two models' weights and means.
fn model_gap(a: &GmmModel, b: &GmmModel) -> f64 {
    let w = (a.weights() - b.weights()).mapv(f64::abs);
    let m = (a.means() - b.means()).mapv(f64::abs);
    w.iter().chain(m.iter()).copied().fold(0.0, f64::max)
}

/// How far a replayed log-likelihood may be from the fit's.
const LL_TOLERANCE: f64 = 1e-8;
/// How far the replayed final model may be from the fit's.
const MODEL_TOLERANCE: f64 = 1e-7;

/// Replays `fit` (the EM plan of `settings` at `k` on `z`) one iteration at
/// a time and returns its path.
pub fn em_path(
    z: ArrayView2<f64>,
    fit: &GmmFit,
    settings: &Settings,
    k: usize,
    seed: u64,
) -> Result<EmPath, String> {
    let s = settings.with(
        "covariance",
        json!(fit.model.model().name().to_ascii_lowercase()),
        "the EM path",
    );
    let planned =
        plan(Algorithm::Gmm, &s, &Context::new(z, Some(k), seed)).map_err(|e| one_line(&e.0))?;
    let p = planned.gmm().ok_or("not an EM plan")?;
    let step = |m: &GmmModel| -> Result<GmmFit, String> {
        p.to_builder()
            .init(Init::Model(Box::new(m.clone())))
            .n_init(1)
            .max_iter(1)
            .check()
            .map_err(|e| one_line(&e.to_string()))?
            .fit(z, None)
            .map_err(|e| format!("EM path: {}", one_line(&e.to_string())))
    };
    let mut models = vec![fit.initial_model.clone()];
    let mut log_likelihoods = Vec::with_capacity(fit.n_iter + 1);
    for i in 0..fit.n_iter {
        let f = step(&models[i])?;
        let ll = f.lower_bounds.first().copied().unwrap_or(f64::NAN);
        if let Some(&want) = fit.lower_bounds.get(i) {
            if !((ll - want).abs() <= LL_TOLERANCE * want.abs().max(1.0)) {
                return Err(format!(
                    "EM path: the replayed iteration {} has log-likelihood {ll} where the fit had {want}",
                    i + 1
                ));
            }
        }
        log_likelihoods.push(ll);
        models.push(f.model);
    }
    log_likelihoods.push(fit.log_likelihood);
    let last = models.last().expect("the start");
    let gap = model_gap(last, &fit.model);
    if !(gap <= MODEL_TOLERANCE) {
        return Err(format!(
            "EM path: the replayed fit ends {gap:.2e} away from the fitted model"
        ));
    }
    // The last entry is the fitted model itself (bit for bit what was reported).
    *models.last_mut().expect("the start") = fit.model.clone();
    Ok(EmPath {
        models,
        log_likelihoods,
        converged: fit.converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// Three blobs of n points (a fixed pattern, no randomness).
    fn blobs(n: usize) -> Array2<f64> {
        let centres = [[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]];
        Array2::from_shape_fn((n, 2), |(i, c)| {
            let b = i % 3;
            let t = (i / 3) as f64;
            centres[b][c] + 0.9 * ((t * 1.7 + c as f64 * 2.3 + b as f64).sin())
        })
    }

    #[test]
    fn the_replayed_path_is_the_fit() {
        replay(90);
    }

    /// Above `AUTO_SCREEN_ROWS` the default screens its starts on a sample:
    /// the path starts where the iterations on all rows did.
    #[test]
    fn the_replayed_path_is_the_fit_of_a_screened_start() {
        replay(clusterlab_em::AUTO_SCREEN_ROWS + 100);
    }

    fn replay(n: usize) {
        let z = blobs(n);
        let settings = Settings::default();
        let p = plan(
            Algorithm::Gmm,
            &settings,
            &Context::new(z.view(), Some(3), 7),
        )
        .unwrap();
        let fit = p.gmm().unwrap().fit(z.view(), None).unwrap();
        assert!(fit.n_iter >= 2, "{} iterations", fit.n_iter);
        let path = em_path(z.view(), &fit, &settings, 3, 7).unwrap();
        assert_eq!(path.iterations(), fit.n_iter);
        assert_eq!(path.models.len(), fit.n_iter + 1);
        assert_eq!(path.models[0], fit.initial_model);
        assert_eq!(path.models[fit.n_iter], fit.model);
        for i in 0..fit.n_iter {
            assert!((path.log_likelihoods[i] - fit.lower_bounds[i]).abs() < 1e-10);
        }
        assert_eq!(path.log_likelihoods[fit.n_iter], fit.log_likelihood);
        // EM never lowers the likelihood.
        for w in path.log_likelihoods.windows(2) {
            assert!(w[1] >= w[0] - 1e-9, "{w:?}");
        }
    }
}
