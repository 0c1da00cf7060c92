//! # clusterlab-em: expectation–maximisation for Gaussian mixtures
//!
//! A Gaussian mixture says each point was drawn by first picking component
//! `j` with probability `π_j`, then drawing from `N(μ_j, Σ_j)`. EM fits it by
//! alternating two steps until the mean log-likelihood stops improving:
//!
//! * **E-step**: the *responsibility* of component `j` for point `x_i`,
//!   `r_ij = π_j N(x_i | μ_j, Σ_j) / Σ_l π_l N(x_i | μ_l, Σ_l)`: a soft
//!   membership, computed in log space by log-sum-exp.
//! * **M-step**: each component is re-estimated from all points, each
//!   counted with its responsibility: `N_j = Σ_i r_ij`, `π_j = N_j / n`,
//!   `μ_j = Σ_i r_ij x_i / N_j`, `Σ_j = Σ_i r_ij (x_i − μ_j)(x_i − μ_j)ᵀ / N_j + reg·I`.
//!
//! k-means is the limit where every responsibility is 0 or 1 and every
//! covariance is the same sphere; EM keeps the uncertainty of boundary points.
//!
//! Densities use the Cholesky factor `U` of each precision (`U Uᵀ = Σ⁻¹`,
//! from a triangular solve, never an explicit inverse):
//! `ln N(x) = −½(d ln 2π + ‖(x − μ)ᵀU‖²) + Σ ln diag(U)`.
//! The M-step works from sufficient statistics (`Σr`, `Σr·x`, `Σr·xxᵀ`,
//! taken around the data's mean so they do not cancel).
//!
//! ## Two engines
//!
//! Everything a fit or a model's scoring computes from the data goes through
//! one interface, [`Engine`] (chosen by [`GmmParams::engine`]; the model's
//! `*_with` methods such as [`GmmModel::score_samples_with`]):
//!
//! * [`Engine::Reference`]: the equations as plain, single-threaded f64
//!   functions, one per equation, in `src/reference.rs`:
//!   `log_gaussian_density_{full,diag,spherical,tied}` (the formula above),
//!   `weighted_log_prob` (`ln π_j + ln N_j`), `log_sum_exp`,
//!   `log_responsibilities` (`ln r = ln π + ln N − logsumexp`), `lower_bound`
//!   (the weighted mean of `ln p(x_i)`), `sufficient_statistics`
//!   (`N_j = Σ w r`, `S_j = Σ w r (x − c)`, the second moments of each
//!   covariance type) and the M-step estimators `estimate_weights`,
//!   `estimate_shifted_means`, `estimate_{full,diag,spherical,tied}_covariance`.
//! * [`Engine::Fast`] (the default): the same E-step and statistics as tiled
//!   SIMD kernels in `src/fast/`, one file per stage (`layout.rs`:
//!   transposition into feature-major blocks; `log_density.rs`;
//!   `log_sum_exp.rs`; `fused.rs`: both for diag/spherical at small k;
//!   `stats.rs`; `simd.rs` and `vmath.rs`: the SIMD levels; `dispatch.rs`:
//!   choosing the level at run time, `CLUSTERLAB_SIMD=baseline|avx2|avx512`
//!   to ask for a lower one), run over row chunks in parallel and merged in
//!   a fixed order (`estep.rs`), so results do not depend on the thread count.
//!
//! The driver (`fit.rs`: initialisation, `n_init`, convergence, trace,
//! warnings) and the M-step (`mstep.rs`: re-seeding collapsed components,
//! calling the reference estimators) are shared, so the engines differ only
//! by rounding; tests check the fast engine against the reference one at
//! every SIMD level the CPU supports and for every covariance type.
//!
//! ```
//! use clusterlab_em::{GaussianMixture, CovarianceType};
//! use ndarray::array;
//! let x = array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]];
//! let fit = GaussianMixture::params(2)
//!     .covariance_type(CovarianceType::Full)
//!     .check()
//!     .unwrap()
//!     .fit(x.view(), None)
//!     .unwrap();
//! assert!(fit.converged);
//! assert_eq!(fit.labels[0], fit.labels[2]);
//! assert_ne!(fit.labels[0], fit.labels[3]);
//! ```
//!
//! ## Past one process
//!
//! [`ValidGmmParams::fit_collective`] runs the same loop over data split
//! into shards held elsewhere: each shard's E-step and statistics come from
//! [`shard_statistics`] (the fast engine), a [`Collective`] sums the
//! [`ShardStats`] in a fixed order, and every participant applies the same
//! M-step (`clusterlab-distributed` does this on timely dataflow).
//!
//! ## mclust's models, its prior and its noise component
//!
//! [`CovarianceModel`] names R mclust's 14 covariance models (EII … VVV, and
//! E, V for one feature); scikit-learn's four types are four of them and keep
//! their own code paths. [`GmmParams::model`] picks one; each model's M-step
//! is a function of the per-component scatter matrices in `reference.rs`, so
//! the E-step and the statistics are shared with the four types.
//! [`GmmParams::prior`] makes the M-step the posterior mode under mclust's
//! default conjugate prior; [`GmmParams::noise`] adds a uniform noise
//! component over the data's hypervolume ([`log_hypervolume`]);
//! [`Init::Labels`] and [`Init::LabelsWithNoise`] start from a partition, as
//! mclust's `me(z = unmap(labels))`. [`GmmFit::icl`] is mclust's ICL, negated.
//!
//! ## Beyond EM
//!
//! * [`bayes`]: the variational Bayesian mixture (scikit-learn's
//!   `BayesianGaussianMixture`): priors on weights (Dirichlet process or
//!   distribution), means and precisions; given at most k components, it
//!   switches off those the data do not need. Its E-step and statistics are
//!   the engines' own.
//! * [`limit`]: EM with one shared spherical variance held fixed and shrunk
//!   to 0: its hard limit is k-means.
//!
//! Conventions follow scikit-learn's `GaussianMixture` (defaults, shapes,
//! `lower_bounds`, BIC/AIC), so a run started from the same model gives the
//! same log-likelihood.

pub mod bayes;
mod collective;
mod covariance_model;
mod engine;
#[cfg(test)]
mod engines_agree;
mod error;
mod fast;
mod fit;
pub mod hc;
mod init;
pub mod limit;
pub mod linalg;
mod linfa_impl;
mod model;
mod mstep;
mod noise;
mod params;
mod reference;
mod spread;
mod stats;

pub use collective::{
    shard_point_log_likelihoods, shard_statistics, shard_statistics_from_responsibilities,
    Collective, CollectiveFit, ShardStats, Start,
};
pub use covariance_model::CovarianceModel;
pub use engine::Engine;
pub use error::GmmError;
pub use fit::{
    screen_sample, GmmFit, TraceStep, AUTO_SCREEN_ROWS, AUTO_SHORT_INNER_ITER, AUTO_SHORT_ITER,
};
pub use hc::HcStart;
pub use init::StartMemo;
pub use init::{random_responsibility_row, KMEANS_START_MAX_ITER, KMEANS_START_TOL};
pub use model::{argmax_rows, CovarianceType, Covariances, GmmModel};
pub use noise::{log_hypervolume, Noise};
pub use params::{GaussianMixture, GmmParams, Init, NoiseStart, ValidGmmParams};
pub use spread::Spread;
