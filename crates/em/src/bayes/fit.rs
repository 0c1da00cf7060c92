//! The variational loop: start from responsibilities (k-means' labels or
//! given labels, one-hot), then alternate E-step and M-step until the lower
//! bound changes by less than `tol`, as scikit-learn's `BayesianGaussianMixture`
//! (one start; its `lower_bounds_` are the bounds after each M-step).
//!
//! The E-step is EM's own ([`Engine`]): the expected log-density
//! `ln ρ_ij` is a Gaussian log-density of the stored covariance plus a
//! per-component offset, so a [`GmmModel`] whose weights are the softmax of
//! the offsets gives exactly the variational responsibilities, and the
//! statistics of the M-step come out of the same pass.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

use super::posterior as eq;
use super::prior::{default_priors, CovariancePrior, Priors, WeightPrior};
use crate::engine::Engine;
use crate::error::{invalid, non_negative, GmmError};
use crate::init;
use crate::model::{argmax_rows, CovarianceType, Covariances, GmmModel};
use crate::reference::{
    estimate_diag_covariance, estimate_full_covariance, estimate_shifted_means,
    estimate_spherical_covariance, estimate_tied_covariance,
};
use crate::stats::{SecondMoments, SuffStats};

/// `10 ε` added to every count, as scikit-learn does (a switched-off component stays defined).
const N_EPS: f64 = 10.0 * f64::EPSILON;

/// How the first responsibilities are made.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum BgmmInit {
    /// One-hot labels of a k-means run (k-means++ seeding, Lloyd), as scikit-learn's default.
    #[default]
    KMeans,
    /// One-hot responsibilities of these labels (one per row, in 0..k).
    Labels(Vec<usize>),
}

impl BgmmInit {
    pub fn name(&self) -> &'static str {
        match self {
            BgmmInit::KMeans => "kmeans",
            BgmmInit::Labels(_) => "labels",
        }
    }
}

/// Checked hyper-parameters of a variational Bayesian mixture.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidBgmmParams {
    n_components: usize,
    covariance_type: CovarianceType,
    weight_prior: WeightPrior,
    weight_concentration: Option<f64>,
    mean_precision: Option<f64>,
    init: BgmmInit,
    tol: f64,
    max_iter: usize,
    reg_covar: f64,
    seed: u64,
    engine: Engine,
}

/// Unchecked hyper-parameters; [`BgmmParams::check`] validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct BgmmParams(ValidBgmmParams);

/// Entry point: `BayesianMixture::params(k_max)`.
pub struct BayesianMixture;

impl BayesianMixture {
    /// scikit-learn's defaults: full covariances, a Dirichlet-process weight
    /// prior with concentration `1/k`, `β₀ = 1`, `m₀` the data's mean,
    /// `ν₀ = d`, `W₀⁻¹` the data's covariance; k-means start, `tol = 1e-3`,
    /// `max_iter = 100`, `reg_covar = 1e-6`.
    pub fn params(n_components: usize) -> BgmmParams {
        BgmmParams(ValidBgmmParams {
            n_components,
            covariance_type: CovarianceType::Full,
            weight_prior: WeightPrior::DirichletProcess,
            weight_concentration: None,
            mean_precision: None,
            init: BgmmInit::KMeans,
            tol: 1e-3,
            max_iter: 100,
            reg_covar: 1e-6,
            seed: 0,
            engine: Engine::Fast,
        })
    }
}

impl BgmmParams {
    pub fn covariance_type(mut self, t: CovarianceType) -> Self {
        self.0.covariance_type = t;
        self
    }
    pub fn weight_prior(mut self, w: WeightPrior) -> Self {
        self.0.weight_prior = w;
        self
    }
    /// `γ`: the prior's concentration (default `1/k`).
    pub fn weight_concentration(mut self, g: f64) -> Self {
        self.0.weight_concentration = Some(g);
        self
    }
    /// `β₀`: the prior's precision on the means, relative to the components' (default 1).
    pub fn mean_precision(mut self, b: f64) -> Self {
        self.0.mean_precision = Some(b);
        self
    }
    pub fn init(mut self, init: BgmmInit) -> Self {
        self.0.init = init;
        self
    }
    /// Stop when the lower bound changes by less than this (0 = run `max_iter`).
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }
    pub fn max_iter(mut self, m: usize) -> Self {
        self.0.max_iter = m;
        self
    }
    pub fn reg_covar(mut self, r: f64) -> Self {
        self.0.reg_covar = r;
        self
    }
    pub fn seed(mut self, s: u64) -> Self {
        self.0.seed = s;
        self
    }
    pub fn engine(mut self, e: Engine) -> Self {
        self.0.engine = e;
        self
    }

    /// Validates every hyper-parameter (errors name it).
    pub fn check(self) -> Result<ValidBgmmParams, GmmError> {
        let p = &self.0;
        if p.n_components == 0 {
            return Err(invalid(
                "k",
                "the number of components must be at least 1 (got 0)",
            ));
        }
        let positive = |name: &'static str, v: Option<f64>| match v {
            Some(v) if !(v > 0.0 && v.is_finite()) => Err(invalid(
                name,
                format!("must be a finite number > 0 (got {v})"),
            )),
            _ => Ok(()),
        };
        positive("weight-concentration", p.weight_concentration)?;
        positive("mean-precision", p.mean_precision)?;
        non_negative("tol", p.tol)?;
        non_negative("reg-covar", p.reg_covar)?;
        if p.max_iter == 0 {
            return Err(invalid("max-iter", "must be at least 1 (got 0)"));
        }
        Ok(self.0)
    }
}

impl ValidBgmmParams {
    pub fn n_components(&self) -> usize {
        self.n_components
    }
    pub fn covariance_type(&self) -> CovarianceType {
        self.covariance_type
    }
    pub fn weight_prior(&self) -> WeightPrior {
        self.weight_prior
    }
    /// The concentration actually used on `k` components.
    pub fn weight_concentration(&self) -> f64 {
        self.weight_concentration
            .unwrap_or(1.0 / self.n_components as f64)
    }
    pub fn mean_precision(&self) -> f64 {
        self.mean_precision.unwrap_or(1.0)
    }
    pub fn init(&self) -> &BgmmInit {
        &self.init
    }
    pub fn tol(&self) -> f64 {
        self.tol
    }
    pub fn max_iter(&self) -> usize {
        self.max_iter
    }
    pub fn reg_covar(&self) -> f64 {
        self.reg_covar
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn engine(&self) -> Engine {
        self.engine
    }
}

/// The weights' posterior.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Concentration {
    /// Beta(a_j, b_j) sticks.
    Sticks { a: Array1<f64>, b: Array1<f64> },
    /// Dirichlet(α).
    Dirichlet(Array1<f64>),
}

/// The variational posterior after one M-step.
#[derive(Debug, Clone)]
struct Posterior {
    concentration: Concentration,
    /// `β_j`.
    mean_precision: Array1<f64>,
    /// `ν_j` (all equal for tied).
    degrees_of_freedom: Array1<f64>,
    /// Means `m_j` and covariances `W_j⁻¹/ν_j`; its weights are the E-step's
    /// `softmax(ln ρ offsets)`, so its responsibilities are the variational ones.
    model: GmmModel,
}

/// EM's statistics in scikit-learn's form: `N_j` (+10ε), `x̄_j`, `S_j` (with `reg_covar`).
struct Gaussians {
    nk: Array1<f64>,
    xk: Array2<f64>,
    sk: Covariances,
}

fn gaussians(stats: &SuffStats, centre: ArrayView1<f64>, reg: f64) -> Gaussians {
    let k = stats.nk.len();
    let nk = stats.nk.mapv(|v| v + N_EPS);
    let m = estimate_shifted_means(nk.view(), stats.sx.view());
    let sk = match &stats.second {
        SecondMoments::PerComponent(q) => {
            let mut c = ndarray::Array3::<f64>::zeros(q.dim());
            for j in 0..k {
                c.index_axis_mut(Axis(0), j)
                    .assign(&estimate_full_covariance(
                        q.index_axis(Axis(0), j),
                        nk[j],
                        m.row(j),
                        reg,
                    ));
            }
            Covariances::Full(c)
        }
        SecondMoments::Diagonal(q) => {
            let mut c = Array2::<f64>::zeros(q.dim());
            for j in 0..k {
                c.row_mut(j)
                    .assign(&estimate_diag_covariance(q.row(j), nk[j], m.row(j), reg));
            }
            Covariances::Diag(c)
        }
        SecondMoments::Spherical(q) => Covariances::Spherical(Array1::from_shape_fn(k, |j| {
            estimate_spherical_covariance(q[j], nk[j], m.row(j), reg)
        })),
        SecondMoments::Total(q) => {
            Covariances::Tied(estimate_tied_covariance(q.view(), nk.view(), m.view(), reg))
        }
    };
    let xk = &m + &centre.insert_axis(Axis(0));
    Gaussians { nk, xk, sk }
}

/// The M-step: the posterior from the statistics and the priors.
fn m_step(
    g: &Gaussians,
    priors: &Priors,
    weight_prior: WeightPrior,
) -> Result<Posterior, GmmError> {
    let (k, d) = g.xk.dim();
    let (nk, xk) = (g.nk.view(), g.xk.view());
    let concentration = match weight_prior {
        WeightPrior::DirichletProcess => {
            let (a, b) = eq::stick_breaking_concentration(nk, priors.weight_concentration);
            Concentration::Sticks { a, b }
        }
        WeightPrior::DirichletDistribution => {
            Concentration::Dirichlet(eq::dirichlet_concentration(nk, priors.weight_concentration))
        }
    };
    let beta0 = priors.mean_precision;
    let m0 = priors.mean.view();
    let beta = eq::mean_precision(nk, beta0);
    let means = eq::posterior_means(nk, xk, beta0, m0, beta.view());
    let nu0 = priors.degrees_of_freedom;
    let (nu, covariances) = match (&g.sk, &priors.covariance) {
        (Covariances::Full(s), CovariancePrior::Matrix(w0)) => {
            let nu = eq::degrees_of_freedom(nk, nu0);
            let mut c = ndarray::Array3::<f64>::zeros((k, d, d));
            for j in 0..k {
                c.index_axis_mut(Axis(0), j).assign(&eq::wishart_full(
                    w0.view(),
                    nk[j],
                    xk.row(j),
                    s.index_axis(Axis(0), j),
                    m0,
                    beta0,
                    beta[j],
                    nu[j],
                ));
            }
            (nu, Covariances::Full(c))
        }
        (Covariances::Tied(s), CovariancePrior::Matrix(w0)) => {
            let nu = eq::tied_degrees_of_freedom(nk, nu0);
            let c = eq::wishart_tied(w0.view(), nk, xk, s.view(), m0, beta0, beta.view(), nu);
            (Array1::from_elem(k, nu), Covariances::Tied(c))
        }
        (Covariances::Diag(s), CovariancePrior::Diagonal(w0)) => {
            let nu = eq::degrees_of_freedom(nk, nu0);
            let mut c = Array2::<f64>::zeros((k, d));
            for j in 0..k {
                c.row_mut(j).assign(&eq::wishart_diag(
                    w0.view(),
                    nk[j],
                    xk.row(j),
                    s.row(j),
                    m0,
                    beta0,
                    beta[j],
                    nu[j],
                ));
            }
            (nu, Covariances::Diag(c))
        }
        (Covariances::Spherical(s), CovariancePrior::Scalar(w0)) => {
            let nu = eq::degrees_of_freedom(nk, nu0);
            let c = Array1::from_shape_fn(k, |j| {
                eq::wishart_spherical(*w0, nk[j], xk.row(j), s[j], m0, beta0, beta[j], nu[j])
            });
            (nu, Covariances::Spherical(c))
        }
        _ => unreachable!("the prior is shaped for the covariance type"),
    };
    let expected = match &concentration {
        Concentration::Sticks { a, b } => eq::expected_log_weights_stick(a.view(), b.view()),
        Concentration::Dirichlet(alpha) => eq::expected_log_weights_dirichlet(alpha.view()),
    };
    let offsets = eq::log_weight_offsets(expected.view(), nu.view(), beta.view(), d);
    let model = GmmModel::new(softmax(offsets.view()), means, covariances).map_err(|e| {
        GmmError::InvalidData(format!(
            "the variational posterior broke down ({e}); raise reg_covar or rescale the data"
        ))
    })?;
    Ok(Posterior {
        concentration,
        mean_precision: beta,
        degrees_of_freedom: nu,
        model,
    })
}

/// `e^(v_j − m) / Σ e^(v_l − m)`, each at least the smallest normal number
/// (a switched-off component keeps a finite log-weight, as in scikit-learn's log space).
fn softmax(v: ArrayView1<f64>) -> Array1<f64> {
    let m = v.fold(f64::NEG_INFINITY, |a, b| a.max(*b));
    let e = v.mapv(|x| (x - m).exp().max(f64::MIN_POSITIVE));
    let total = e.sum();
    e / total
}

impl Posterior {
    /// The posterior-mean weights.
    fn weights(&self) -> Array1<f64> {
        match &self.concentration {
            Concentration::Sticks { a, b } => eq::stick_breaking_weights(a.view(), b.view()),
            Concentration::Dirichlet(alpha) => eq::dirichlet_weights(alpha.view()),
        }
    }

    /// scikit-learn's `lower_bound_` given the E-step's responsibility entropy.
    fn lower_bound(&self, entropy: f64, ty: CovarianceType) -> f64 {
        let d = self.model.n_features();
        let df = d as f64;
        let nu = &self.degrees_of_freedom;
        let log_det = |j: usize| self.model.log_det_factor[j] - 0.5 * df * nu[j].ln();
        let log_wishart = match ty {
            CovarianceType::Tied => nu.len() as f64 * eq::log_wishart_norm(nu[0], log_det(0), d),
            _ => (0..nu.len())
                .map(|j| eq::log_wishart_norm(nu[j], log_det(j), d))
                .sum(),
        };
        let log_norm_weight = match &self.concentration {
            Concentration::Sticks { a, b } => eq::stick_breaking_norm(a.view(), b.view()),
            Concentration::Dirichlet(alpha) => eq::log_dirichlet_norm(alpha.view()),
        };
        eq::lower_bound(
            entropy,
            log_wishart,
            log_norm_weight,
            self.mean_precision.view(),
            d,
        )
    }
}

/// A fitted variational Bayesian mixture.
#[derive(Debug, Clone)]
pub struct BgmmFit {
    /// Posterior-mean weights (scikit-learn's `weights_`).
    pub weights: Array1<f64>,
    /// Posterior means `m_j` (`means_`).
    pub means: Array2<f64>,
    /// `W_j⁻¹ / ν_j` (`covariances_`), shaped by type.
    pub covariances: Covariances,
    /// The weights' posterior (`weight_concentration_`).
    pub weight_concentration: Concentration,
    /// `β_j` (`mean_precision_`).
    pub mean_precision: Array1<f64>,
    /// `ν_j` (`degrees_of_freedom_`; one value repeated for tied).
    pub degrees_of_freedom: Array1<f64>,
    /// The priors used.
    pub priors: Priors,
    /// The lower bound after each iteration's M-step (scikit-learn's units: the total bound).
    pub lower_bounds: Vec<f64>,
    /// The weights after the first M-step (index 0) and after each iteration.
    pub weights_history: Vec<Array1<f64>>,
    pub n_iter: usize,
    pub converged: bool,
    /// Most responsible component per point, after a final E-step.
    pub labels: Array1<usize>,
    /// The final E-step's responsibilities (n × k).
    pub responsibilities: Array2<f64>,
}

impl BgmmFit {
    /// Components whose weight exceeds `1/(100 k)`.
    pub fn effective_components(&self) -> usize {
        let k = self.weights.len() as f64;
        self.weights
            .iter()
            .filter(|w| **w > 1.0 / (100.0 * k))
            .count()
    }

    /// The fitted mixture as a Gaussian mixture (posterior-mean weights,
    /// means and covariances), e.g. for drawing.
    pub fn model(&self) -> Result<GmmModel, GmmError> {
        GmmModel::new(
            self.weights.clone(),
            self.means.clone(),
            self.covariances.clone(),
        )
    }
}

impl ValidBgmmParams {
    /// The first responsibilities (one-hot).
    fn initial_responsibilities(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, GmmError> {
        let (n, k) = (x.nrows(), self.n_components);
        match &self.init {
            BgmmInit::KMeans => {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
                Ok(init::one_hot(&init::kmeans_labels(x, None, k, &mut rng), k))
            }
            BgmmInit::Labels(labels) => {
                if labels.len() != n {
                    return Err(invalid(
                        "init-labels",
                        format!("{} labels for {n} data rows", labels.len()),
                    ));
                }
                if let Some((i, l)) = labels.iter().enumerate().find(|(_, l)| **l >= k) {
                    return Err(invalid(
                        "init-labels",
                        format!("label {l} on row {} is not in 0..{k} (k = {k})", i + 1),
                    ));
                }
                Ok(init::one_hot(labels, k))
            }
        }
    }

    /// Fits the mixture to the rows of `x` (n ≥ 2, finite, k ≤ n).
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<BgmmFit, GmmError> {
        crate::fit::validate_data(x, None, self.n_components)?;
        if x.nrows() < 2 {
            return Err(GmmError::InvalidData(
                "the Bayesian mixture's covariance prior needs at least 2 points".into(),
            ));
        }
        let (n, k) = (x.nrows(), self.n_components);
        let ty = self.covariance_type;
        let priors = default_priors(x, ty, k, self.weight_concentration, self.mean_precision);
        let centre = priors.mean.clone();
        let mut resp = self.initial_responsibilities(x)?;
        let stats = self
            .engine
            .stats_from_responsibilities(ty, x, None, centre.view(), &mut resp);
        let mut post = m_step(
            &gaussians(&stats, centre.view(), self.reg_covar),
            &priors,
            self.weight_prior,
        )?;
        let mut weights_history = vec![post.weights()];
        let mut lower_bounds = Vec::new();
        let mut converged = false;
        let mut ll = Array1::<f64>::zeros(n);
        let mut previous = f64::NEG_INFINITY;
        for _ in 0..self.max_iter {
            let step = self.engine.e_step(
                &post.model,
                x,
                None,
                centre.view(),
                Some((resp.view_mut(), ll.view_mut())),
            );
            let entropy = eq::responsibility_entropy(resp.view());
            post = m_step(
                &gaussians(&step.stats, centre.view(), self.reg_covar),
                &priors,
                self.weight_prior,
            )?;
            let bound = post.lower_bound(entropy, ty);
            lower_bounds.push(bound);
            weights_history.push(post.weights());
            if (bound - previous).abs() < self.tol {
                converged = true;
                break;
            }
            previous = bound;
        }
        let (responsibilities, _) = self.engine.evaluate(&post.model, x);
        Ok(BgmmFit {
            weights: post.weights(),
            means: post.model.means().clone(),
            covariances: post.model.covariances().clone(),
            weight_concentration: post.concentration,
            mean_precision: post.mean_precision,
            degrees_of_freedom: post.degrees_of_freedom,
            priors,
            n_iter: lower_bounds.len(),
            lower_bounds,
            weights_history,
            converged,
            labels: argmax_rows(responsibilities.view()),
            responsibilities,
        })
    }
}
