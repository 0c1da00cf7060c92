//! # The variational Bayesian Gaussian mixture
//!
//! EM fits k components whatever the data; the variational Bayesian mixture
//! (scikit-learn's `BayesianGaussianMixture`) puts priors on the weights,
//! means and precisions and fits a posterior over them, so components the
//! data do not need get weights near 0: given an upper bound `k`, it finds
//! how many it uses.
//!
//! * [`special`]: `ln Γ`, `ψ`, `ln B`;
//! * [`prior`]: the priors and scikit-learn's data-driven defaults;
//! * [`posterior`]: the M-step, E-step and lower-bound equations, one
//!   function each;
//! * `fit.rs`: the loop ([`BayesianMixture::params`]`(k)…check()?.fit(x)`),
//!   with EM's E-step and statistics ([`crate::Engine`]).
//!
//! ```
//! use clusterlab_em::bayes::BayesianMixture;
//! use ndarray::array;
//! let x = array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]];
//! let fit = BayesianMixture::params(4).check().unwrap().fit(x.view()).unwrap();
//! assert!(fit.lower_bounds.len() >= 1);
//! assert!((fit.weights.sum() - 1.0).abs() < 1e-12);
//! ```

mod fit;
pub mod posterior;
pub mod prior;
pub mod special;

pub use fit::{BayesianMixture, BgmmFit, BgmmInit, BgmmParams, Concentration, ValidBgmmParams};
pub use prior::{CovariancePrior, Priors, WeightPrior};
