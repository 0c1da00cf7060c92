//! EM's path: the parameters of every iteration of the fit the report draws
//! (the k-means/EM pair's EM, which is metrics.json's gmm row), so the
//! explorable page can scrub through it.
//!
//! The fit records them as it goes (`GmmParams::record_path`, turned on by
//! `compare` for its EM plan): each is the model the fit's own loop computed,
//! whatever state its M-steps carry from one iteration to the next (the MM
//! of EVE and VVE is warm-started from the previous M-step, which a replay
//! one step at a time from the models alone could not reproduce).

use clusterlab_em::{GmmFit, GmmModel};

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

/// The path of `fit`, from the models it recorded.
pub fn em_path(fit: &GmmFit) -> Result<EmPath, String> {
    let recorded = fit
        .path
        .as_ref()
        .ok_or("EM path: the fit did not record its iterations")?;
    if recorded.len() != fit.n_iter || fit.lower_bounds.len() != fit.n_iter {
        return Err(format!(
            "EM path: {} models and {} log-likelihoods recorded for {} iterations",
            recorded.len(),
            fit.lower_bounds.len(),
            fit.n_iter
        ));
    }
    let mut models = Vec::with_capacity(fit.n_iter + 1);
    models.push(fit.initial_model.clone());
    models.extend(recorded.iter().cloned());
    let mut log_likelihoods = fit.lower_bounds.clone();
    log_likelihoods.push(fit.log_likelihood);
    Ok(EmPath {
        models,
        log_likelihoods,
        converged: fit.converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clusterlab_algos::{plan, Algorithm, Context, Settings};
    use clusterlab_em::Init;
    use ndarray::{Array2, ArrayView2};
    use serde_json::json;

    /// Three blobs of n points (a fixed pattern, no randomness).
    fn blobs(n: usize) -> Array2<f64> {
        let centres = [[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]];
        Array2::from_shape_fn((n, 2), |(i, c)| {
            let b = i % 3;
            let t = (i / 3) as f64;
            centres[b][c] + 0.9 * ((t * 1.7 + c as f64 * 2.3 + b as f64).sin())
        })
    }

    fn settings(covariance: &str) -> Settings {
        Settings::default().with("covariance", json!(covariance), "test")
    }

    /// The default EM plan at k = 3, with and without the path recorded.
    fn fits(z: ArrayView2<f64>, s: &Settings) -> (GmmFit, GmmFit) {
        let p = plan(Algorithm::Gmm, s, &Context::new(z, Some(3), 7)).unwrap();
        let plain = p.gmm().unwrap().fit(z, None).unwrap();
        let p = p.recording_em_path();
        let recorded = p.gmm().unwrap().fit(z, None).unwrap();
        (plain, recorded)
    }

    /// The recorded path against an independent replay: model `i + 1` is one
    /// E+M step (`Init::Model`, `max_iter` 1, the same plan) from model `i`,
    /// and each step's log-likelihood is the fit's `lower_bounds[i]`.
    fn check_by_replay(z: ArrayView2<f64>, s: &Settings) {
        let (plain, fit) = fits(z, s);
        // Recording changes nothing.
        assert_eq!(plain.model, fit.model);
        assert_eq!(plain.lower_bounds, fit.lower_bounds);
        assert!(plain.path.is_none());
        assert!(fit.n_iter >= 2, "{} iterations", fit.n_iter);
        let path = em_path(&fit).unwrap();
        assert_eq!(path.iterations(), fit.n_iter);
        assert_eq!(path.models[0], fit.initial_model);
        assert_eq!(path.models[fit.n_iter], fit.model);
        assert_eq!(path.log_likelihoods[fit.n_iter], fit.log_likelihood);
        let p = plan(Algorithm::Gmm, s, &Context::new(z, Some(3), 7)).unwrap();
        for i in 0..fit.n_iter {
            let step = p
                .gmm()
                .unwrap()
                .to_builder()
                .init(Init::Model(Box::new(path.models[i].clone())))
                .n_init(1)
                .max_iter(1)
                .check()
                .unwrap()
                .fit(z, None)
                .unwrap();
            assert_eq!(
                step.lower_bounds[0],
                path.log_likelihoods[i],
                "iteration {}",
                i + 1
            );
            let (a, b) = (&step.model, &path.models[i + 1]);
            let gap = (a.weights() - b.weights())
                .iter()
                .chain((a.means() - b.means()).iter())
                .fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(gap < 1e-12, "iteration {}: {gap:e}", i + 1);
        }
        // EM never lowers the likelihood.
        for w in path.log_likelihoods.windows(2) {
            assert!(w[1] >= w[0] - 1e-9, "{w:?}");
        }
    }

    #[test]
    fn the_recorded_path_is_em_step_by_step() {
        check_by_replay(blobs(90).view(), &Settings::default());
        check_by_replay(blobs(90).view(), &settings("diag"));
    }

    /// Above `AUTO_SCREEN_ROWS` the default screens its starts on a sample:
    /// the path starts where the iterations on all rows did.
    #[test]
    fn the_recorded_path_of_a_screened_start_starts_on_all_rows() {
        check_by_replay(
            blobs(clusterlab_em::AUTO_SCREEN_ROWS + 100).view(),
            &Settings::default(),
        );
    }

    /// VVE's M-step is an MM warm-started from the previous M-step: its path
    /// (which one step from the models alone cannot replay) is the fit's own.
    #[test]
    fn a_vve_fit_has_its_path() {
        let z = blobs(120);
        let (plain, fit) = fits(z.view(), &settings("vve"));
        assert_eq!(plain.model, fit.model);
        let path = em_path(&fit).unwrap();
        assert_eq!(path.models.len(), fit.n_iter + 1);
        assert_eq!(path.models[fit.n_iter], fit.model);
        assert_eq!(&path.log_likelihoods[..fit.n_iter], &fit.lower_bounds[..]);
    }

    #[test]
    fn a_fit_without_its_path_says_so() {
        let z = blobs(60);
        let (plain, _) = fits(z.view(), &Settings::default());
        let e = em_path(&plain).unwrap_err();
        assert!(e.contains("did not record"), "{e}");
    }
}
