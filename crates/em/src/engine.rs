//! One interface, two engines: everything a fit or a model's scoring asks of
//! the data goes through [`Engine`].
//!
//! * [`Engine::Fast`] runs the tiled SIMD kernels of `fast/` (the default).
//! * [`Engine::Reference`] runs the plain functions of `reference.rs`, one
//!   per equation, so the mathematics can be read and run on any data.
//!
//! Both produce the same quantities (responsibilities, per-row
//! log-likelihoods, the sufficient statistics around a centre and the lower
//! bound); the driver loop (`fit.rs`) and the M-step's re-seeding are shared.

use std::fmt;
use std::str::FromStr;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2};

use crate::error::{invalid, GmmError};
use crate::fast::dispatch::simd;
use crate::fast::estep;
use crate::model::{CovarianceType, GmmModel};
use crate::reference;
use crate::stats::SuffStats;

/// Which implementation of the E-step, the statistics and the scoring runs.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// Tiled SIMD kernels, parallel over row chunks.
    #[default]
    Fast,
    /// Plain f64 loops, one small function per equation, single-threaded.
    Reference,
}

impl Engine {
    /// Both engines, the default first.
    pub const ALL: [Engine; 2] = [Engine::Fast, Engine::Reference];

    /// The command-line and JSON name (`fast`, `reference`).
    pub fn name(self) -> &'static str {
        match self {
            Engine::Fast => "fast",
            Engine::Reference => "reference",
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Engine {
    type Err = GmmError;
    fn from_str(s: &str) -> Result<Self, GmmError> {
        match s {
            "fast" => Ok(Engine::Fast),
            "reference" => Ok(Engine::Reference),
            other => Err(invalid(
                "engine",
                format!("unknown engine \"{other}\" (expected fast or reference)"),
            )),
        }
    }
}

/// Where an E-step writes per-row values: responsibilities (n × k) and `ln p(x_i)` (n).
pub(crate) type RowOut<'a> = (ArrayViewMut2<'a, f64>, ArrayViewMut1<'a, f64>);

/// What one E-step gives the M-step.
pub(crate) struct EStep {
    /// Sufficient statistics of the new responsibilities, around the centre.
    pub stats: SuffStats,
    /// The mean (weighted) per-sample log-likelihood under the E-step's model.
    pub lower_bound: f64,
}

impl Engine {
    /// E-step plus statistics around `centre`; writes responsibilities and
    /// per-row log-likelihoods to `out` when it is given.
    pub(crate) fn e_step(
        self,
        model: &GmmModel,
        x: ArrayView2<f64>,
        w: Option<ArrayView1<f64>>,
        centre: ArrayView1<f64>,
        out: Option<RowOut>,
    ) -> EStep {
        if model.noise().is_some() {
            return self.e_step_with_noise(model, x, w, centre, out);
        }
        match self {
            Engine::Fast => {
                let stats = estep::e_step_with_stats(simd(), model, x, w, centre, out);
                let lower_bound = stats.ll_sum / stats.weight_sum;
                EStep { stats, lower_bound }
            }
            Engine::Reference => reference::e_step(model, x, w, centre, out),
        }
    }

    /// The E-step of a model with a noise component: the responsibilities
    /// with the noise's column last, then the Gaussian statistics from the
    /// Gaussian part with row weights `w_i (1 − r_i0)` (a second pass over the
    /// data, only with noise). `weight_sum` is `Σ w_i`, so the M-step reads
    /// the noise proportion as `1 − Σ_j N_j / Σ w_i`.
    fn e_step_with_noise(
        self,
        model: &GmmModel,
        x: ArrayView2<f64>,
        w: Option<ArrayView1<f64>>,
        centre: ArrayView1<f64>,
        out: Option<RowOut>,
    ) -> EStep {
        let (resp, ll) = self.evaluate_around(model, x, centre);
        let (mut gauss, u) = crate::noise::gaussian_part(resp.view(), w);
        let mut stats = self.stats_from_responsibilities(
            model.covariance_type(),
            x,
            Some(u.view()),
            centre,
            &mut gauss,
        );
        stats.weight_sum = w.map_or(x.nrows() as f64, |w| w.sum());
        stats.ll_sum = ll
            .iter()
            .enumerate()
            .map(|(i, l)| w.map_or(1.0, |w| w[i]) * l)
            .sum();
        let lower_bound = crate::noise::mean_ll(ll.view(), w);
        if let Some((mut r, mut l)) = out {
            r.assign(&resp);
            l.assign(&ll);
        }
        EStep { stats, lower_bound }
    }

    /// Statistics of given responsibilities (no E-step), around `centre`.
    pub(crate) fn stats_from_responsibilities(
        self,
        ty: CovarianceType,
        x: ArrayView2<f64>,
        w: Option<ArrayView1<f64>>,
        centre: ArrayView1<f64>,
        resp: &mut Array2<f64>,
    ) -> SuffStats {
        match self {
            Engine::Fast => estep::stats_from_responsibilities(simd(), ty, x, w, centre, resp),
            Engine::Reference => reference::sufficient_statistics(ty, x, w, resp.view(), centre),
        }
    }

    /// Responsibilities and per-row log-likelihoods of `x` under `model`,
    /// computed around `centre` (the fast engine shifts the data by it; the
    /// reference engine does not need it).
    pub(crate) fn evaluate_around(
        self,
        model: &GmmModel,
        x: ArrayView2<f64>,
        centre: ArrayView1<f64>,
    ) -> (Array2<f64>, Array1<f64>) {
        let (resp, ll) = match self {
            Engine::Fast => estep::evaluate_around(simd(), model, x, centre),
            Engine::Reference => reference::responsibilities(model, x),
        };
        match model.noise() {
            Some(noise) => crate::noise::with_noise(noise, resp, ll),
            None => (resp, ll),
        }
    }

    /// Responsibilities and per-row log-likelihoods of `x` under `model`.
    pub(crate) fn evaluate(
        self,
        model: &GmmModel,
        x: ArrayView2<f64>,
    ) -> (Array2<f64>, Array1<f64>) {
        let (resp, ll) = match self {
            Engine::Fast => estep::evaluate(simd(), model, x),
            Engine::Reference => reference::responsibilities(model, x),
        };
        match model.noise() {
            Some(noise) => crate::noise::with_noise(noise, resp, ll),
            None => (resp, ll),
        }
    }

    /// The mean log-likelihood of per-row values `ll`, weighted by `w` when given.
    pub(crate) fn mean_log_likelihood(
        self,
        ll: ArrayView1<f64>,
        w: Option<ArrayView1<f64>>,
    ) -> f64 {
        match self {
            Engine::Fast => match w {
                Some(w) => w.dot(&ll) / w.sum(),
                None => ll.mean().unwrap_or(f64::NAN),
            },
            Engine::Reference => reference::lower_bound(ll, w),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in Engine::ALL {
            assert_eq!(e.name().parse::<Engine>().unwrap(), e);
            assert_eq!(e.to_string(), e.name());
        }
        assert_eq!(Engine::default(), Engine::Fast);
        match "slow".parse::<Engine>() {
            Err(GmmError::InvalidParameter { name, reason }) => {
                assert_eq!(name, "engine");
                assert!(reason.contains("fast") && reason.contains("reference"));
            }
            other => panic!("{other:?}"),
        }
    }
}
