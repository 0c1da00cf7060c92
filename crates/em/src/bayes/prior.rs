//! The priors of the variational Bayesian mixture and scikit-learn's
//! data-driven defaults for them (`BayesianGaussianMixture`):
//!
//! * weights: a Dirichlet process (stick-breaking, `Beta(1, γ)` sticks) or a
//!   Dirichlet distribution `Dir(γ, …, γ)`, with `γ = 1/k` unless given;
//! * means: `N(m₀, (β₀ Λ)⁻¹)` with `m₀` the data's mean and `β₀ = 1`;
//! * precisions: Wishart with `ν₀ = d` degrees of freedom and scale
//!   `W₀⁻¹` = the data's covariance (unbiased, `n − 1`), shaped per type:
//!   the matrix (full, tied), its diagonal (diag), the mean of its diagonal
//!   (spherical).

use std::fmt;
use std::str::FromStr;

use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::Serialize;

use crate::error::{invalid, GmmError};
use crate::model::CovarianceType;

/// The prior on the mixing weights.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WeightPrior {
    /// Stick-breaking (truncated Dirichlet process): later components get
    /// what the earlier ones leave, so unneeded ones switch off.
    #[default]
    DirichletProcess,
    /// A symmetric Dirichlet distribution over the k weights.
    DirichletDistribution,
}

impl WeightPrior {
    /// The command-line and JSON name.
    pub fn name(self) -> &'static str {
        match self {
            WeightPrior::DirichletProcess => "dirichlet-process",
            WeightPrior::DirichletDistribution => "dirichlet-distribution",
        }
    }
}

impl fmt::Display for WeightPrior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for WeightPrior {
    type Err = GmmError;
    fn from_str(s: &str) -> Result<Self, GmmError> {
        match s.replace('_', "-").as_str() {
            "dirichlet-process" => Ok(WeightPrior::DirichletProcess),
            "dirichlet-distribution" => Ok(WeightPrior::DirichletDistribution),
            other => Err(invalid(
                "weight-prior",
                format!(
                    "unknown weight prior \"{other}\" (expected dirichlet-process or dirichlet-distribution)"
                ),
            )),
        }
    }
}

/// The Wishart prior's covariance `W₀⁻¹`, shaped by the covariance type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CovariancePrior {
    /// d × d (full, tied).
    Matrix(Array2<f64>),
    /// d variances (diag).
    Diagonal(Array1<f64>),
    /// One variance (spherical).
    Scalar(f64),
}

/// Every prior value a fit used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Priors {
    pub weight_concentration: f64,
    pub mean_precision: f64,
    pub mean: Array1<f64>,
    pub degrees_of_freedom: f64,
    pub covariance: CovariancePrior,
}

/// The data's mean `m₀ = Σ x / n`.
pub(crate) fn data_mean(x: ArrayView2<f64>) -> Array1<f64> {
    x.mean_axis(Axis(0)).expect("n ≥ 1")
}

/// The unbiased covariance `Σ (x − m₀)(x − m₀)ᵀ / (n − 1)` (n ≥ 2),
/// exactly symmetric.
pub(crate) fn data_covariance(x: ArrayView2<f64>, mean: &Array1<f64>) -> Array2<f64> {
    let centred = &x - &mean.view().insert_axis(Axis(0));
    let c = centred.t().dot(&centred) / (x.nrows() as f64 - 1.0);
    (&c + &c.t()) * 0.5
}

/// `W₀⁻¹` shaped for `ty` from the data's covariance.
pub(crate) fn default_covariance_prior(ty: CovarianceType, cov: Array2<f64>) -> CovariancePrior {
    match ty {
        CovarianceType::Full | CovarianceType::Tied => CovariancePrior::Matrix(cov),
        CovarianceType::Diag => CovariancePrior::Diagonal(cov.diag().to_owned()),
        CovarianceType::Spherical => CovariancePrior::Scalar(cov.diag().mean().unwrap_or(0.0)),
    }
}

/// scikit-learn's priors for `x` (n ≥ 2), with `γ` and `β₀` when given.
pub(crate) fn default_priors(
    x: ArrayView2<f64>,
    ty: CovarianceType,
    k: usize,
    weight_concentration: Option<f64>,
    mean_precision: Option<f64>,
) -> Priors {
    let mean = data_mean(x);
    let cov = data_covariance(x, &mean);
    Priors {
        weight_concentration: weight_concentration.unwrap_or(1.0 / k as f64),
        mean_precision: mean_precision.unwrap_or(1.0),
        degrees_of_freedom: x.ncols() as f64,
        covariance: default_covariance_prior(ty, cov),
        mean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// By hand: x = (0, 0), (2, 0), (1, 3): mean (1, 1); deviations (−1, −1),
    /// (1, −1), (0, 2); covariance [[2, 0], [0, 6]] / 2 = [[1, 0], [0, 3]].
    #[test]
    fn defaults_by_hand() {
        let x = array![[0.0, 0.0], [2.0, 0.0], [1.0, 3.0]];
        let p = default_priors(x.view(), CovarianceType::Full, 4, None, None);
        assert_eq!(p.mean, array![1.0, 1.0]);
        assert_eq!(p.weight_concentration, 0.25);
        assert_eq!(p.mean_precision, 1.0);
        assert_eq!(p.degrees_of_freedom, 2.0);
        assert_eq!(
            p.covariance,
            CovariancePrior::Matrix(array![[1.0, 0.0], [0.0, 3.0]])
        );
        let diag = default_priors(x.view(), CovarianceType::Diag, 4, Some(2.0), Some(0.5));
        assert_eq!(diag.covariance, CovariancePrior::Diagonal(array![1.0, 3.0]));
        assert_eq!((diag.weight_concentration, diag.mean_precision), (2.0, 0.5));
        let sph = default_priors(x.view(), CovarianceType::Spherical, 4, None, None);
        assert_eq!(sph.covariance, CovariancePrior::Scalar(2.0));
    }

    #[test]
    fn weight_prior_names() {
        for w in [
            WeightPrior::DirichletProcess,
            WeightPrior::DirichletDistribution,
        ] {
            assert_eq!(w.name().parse::<WeightPrior>().unwrap(), w);
        }
        assert_eq!(
            "dirichlet_process".parse::<WeightPrior>().unwrap(),
            WeightPrior::DirichletProcess
        );
        let e = "beta".parse::<WeightPrior>().unwrap_err().to_string();
        assert!(
            e.contains("weight-prior") && e.contains("dirichlet-process"),
            "{e}"
        );
    }
}
