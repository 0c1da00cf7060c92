//! Hyper-parameters: a builder whose `check` is the only way to a
//! [`ValidGmmParams`], so an invalid setting never reaches the algorithm.

use std::str::FromStr;
use std::sync::Arc;

use crate::covariance_model::CovarianceModel;
use crate::engine::Engine;
use crate::error::{invalid, non_negative, GmmError};
use crate::hc::HcStart;
use crate::init::StartMemo;
use crate::model::{CovarianceType, GmmModel};

/// How the first model of each run is obtained.
#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    /// Responsibilities = one-hot labels of a k-means run (k-means++ seeding,
    /// then Lloyd iterations), as scikit-learn's default.
    KMeans,
    /// One-hot responsibilities at k-means++ centres (no Lloyd iterations).
    KMeansPlusPlus,
    /// Uniform random responsibilities, normalised per point.
    Random,
    /// One-hot responsibilities at k distinct random points of the data.
    RandomFromData,
    /// mclust's default: the model-based hierarchical tree (VVV merges on the
    /// SVD-transformed data; quantile classes for one feature) cut at k, on a
    /// random subset of [`crate::hc::HC_SUBSET`] rows above that size (then
    /// one M-step on the subset and EM on all rows). See [`crate::hc`].
    Hc,
    /// Several starts of different kinds, the best kept: start `r` of
    /// `n_init` is `hc`, `kmeans`, `kmeans++`, `random-from-data` for
    /// r = 0..3, then `kmeans`, `kmeans++`, `random-from-data` in turn. Each
    /// start runs [`crate::AUTO_SHORT_ITER`] iterations at most; the best of
    /// them (highest mean log-likelihood) then runs on to convergence
    /// (Biernacki, Celeux & Govaert 2003's "short EM" strategy). The default
    /// of `clusterlab fit gmm`, `compare` and `select`.
    Auto,
    /// Start from this model: the first step is an E-step from exactly these
    /// weights, means and covariances (`reg_covar` applies from the first M-step on).
    Model(Box<GmmModel>),
    /// Start from a hard partition: one label in `0..k` per data row. The
    /// first step is an M-step on the one-hot responsibilities (scikit-learn's
    /// `_initialize(X, resp)`, mclust's `me(z = unmap(labels))`); `n_iter`
    /// counts the E+M iterations after it.
    Labels(Vec<usize>),
    /// A start with a noise component (`noise` on): one label per row, −1
    /// for noise and `0..k` for the clusters; the first step is an M-step on
    /// the one-hot responsibilities with the noise's column last (mclust's
    /// `me(z = cbind(unmap(labels), noise), Vinv = 1/hypvol(X))`).
    LabelsWithNoise(Vec<i64>),
}

impl Init {
    /// The command-line name (`kmeans`, `kmeans++`, `random`, `random-from-data`,
    /// `hc`, `model`, `labels`).
    pub fn name(&self) -> &'static str {
        match self {
            Init::KMeans => "kmeans",
            Init::KMeansPlusPlus => "kmeans++",
            Init::Random => "random",
            Init::RandomFromData => "random-from-data",
            Init::Hc => "hc",
            Init::Auto => "auto",
            Init::Model(_) => "model",
            Init::Labels(_) | Init::LabelsWithNoise(_) => "labels",
        }
    }
}

impl FromStr for Init {
    type Err = GmmError;
    fn from_str(s: &str) -> Result<Self, GmmError> {
        match s {
            "kmeans" | "k-means" => Ok(Init::KMeans),
            "kmeans++" | "k-means++" => Ok(Init::KMeansPlusPlus),
            "random" => Ok(Init::Random),
            "random-from-data" | "random_from_data" => Ok(Init::RandomFromData),
            "hc" => Ok(Init::Hc),
            "auto" => Ok(Init::Auto),
            other => Err(invalid(
                "init",
                format!("unknown init \"{other}\" (expected kmeans, kmeans++, random, random-from-data, hc or auto)"),
            )),
        }
    }
}

/// Checked hyper-parameters of a Gaussian mixture fit.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidGmmParams {
    pub(crate) n_components: usize,
    pub(crate) model: CovarianceModel,
    pub(crate) init: Init,
    pub(crate) n_init: usize,
    pub(crate) tol: f64,
    /// mclust's relative tolerance on the total log-likelihood (0 = off).
    pub(crate) rtol: f64,
    pub(crate) max_iter: usize,
    pub(crate) reg_covar: f64,
    pub(crate) seed: u64,
    pub(crate) trace: bool,
    /// Keep the model of every iteration ([`crate::GmmFit::path`]).
    pub(crate) record_path: bool,
    pub(crate) engine: Engine,
    pub(crate) inner_tol: f64,
    pub(crate) inner_max_iter: usize,
    /// A hierarchical start already built for the data (shared by many fits).
    pub(crate) hc_start: Option<Arc<HcStart>>,
    /// Starts remembered across the fits of one data set.
    pub(crate) start_memo: Option<Arc<StartMemo>>,
    pub(crate) prior: bool,
    pub(crate) noise: bool,
    /// The rows that start as noise when the start is a method (see [`NoiseStart`]).
    pub(crate) noise_start: Option<Arc<NoiseStart>>,
}

/// Rows that start as noise, for a fit with the noise component whose start
/// is a method (`auto`, `hc`, `kmeans`, …): the clusters' start is that
/// method on the other rows only, and the first model is one M-step on it
/// with these rows in the noise's column, as mclust's
/// `Mclust(X, initialization = list(noise = rows))` (`hc` on the rows that
/// are not noise). `clusterlab fit gmm --noise` gives DBSCAN's noise points
/// under its data-driven defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct NoiseStart {
    /// One flag per data row: `true` = the row starts as noise.
    pub rows: Vec<bool>,
    /// What marked them, for warnings (e.g. `DBSCAN (eps = 0.31, min_samples = 10)`).
    pub source: String,
}

impl NoiseStart {
    /// How many rows start as noise.
    pub fn n_noise(&self) -> usize {
        self.rows.iter().filter(|r| **r).count()
    }

    /// Why this start is not used, when it is not: no row is noise (there is
    /// nothing to start the noise from), or more than half of the rows are
    /// (a background that outweighs the clusters means the rule that marked
    /// them does not fit the data). The fit then starts as without it (the
    /// start's model with a noise proportion of 0.1) and says so.
    pub fn unusable(&self) -> Option<String> {
        let (m, n) = (self.n_noise(), self.rows.len());
        let why = if m == 0 {
            "marked no point as noise".to_string()
        } else if 2 * m > n {
            format!("marked {m} of the {n} points as noise, more than half")
        } else {
            return None;
        };
        Some(format!(
            "the noise start: {} {why}; started instead from the start's model with a noise \
             proportion of 0.1",
            self.source
        ))
    }
}

impl ValidGmmParams {
    pub fn n_components(&self) -> usize {
        self.n_components
    }
    /// How the covariances are stored: the model's representation (for
    /// scikit-learn's four types, the type itself).
    pub fn covariance_type(&self) -> CovarianceType {
        self.model.representation()
    }
    /// mclust's covariance model.
    pub fn model(&self) -> CovarianceModel {
        self.model
    }
    /// Tolerance of the iterative M-steps (VEI, VEE, VEV, EVE, VVE).
    pub fn inner_tol(&self) -> f64 {
        self.inner_tol
    }
    /// Iteration cap of the iterative M-steps.
    pub fn inner_max_iter(&self) -> usize {
        self.inner_max_iter
    }
    /// Whether the mixture has a uniform noise component.
    pub fn noise(&self) -> bool {
        self.noise
    }
    /// The rows that start as noise, when given (see [`NoiseStart`]).
    pub fn noise_start(&self) -> Option<&NoiseStart> {
        self.noise_start.as_deref()
    }
    /// Whether the M-step is the posterior mode under mclust's default conjugate prior.
    pub fn prior(&self) -> bool {
        self.prior
    }
    /// Why this fit has no maximum likelihood on rows of this [`Spread`]
    /// (the model rules them out and no prior bounds the likelihood), or
    /// `None` when it may have one.
    ///
    /// [`Spread`]: crate::Spread
    pub fn no_maximum_on(&self, spread: &crate::Spread) -> Option<String> {
        if self.prior {
            None
        } else {
            spread.rules_out(self.model)
        }
    }
    pub fn init(&self) -> &Init {
        &self.init
    }
    pub fn n_init(&self) -> usize {
        self.n_init
    }
    pub fn tol(&self) -> f64 {
        self.tol
    }
    /// Relative tolerance on the total log-likelihood (0 = off).
    pub fn rtol(&self) -> f64 {
        self.rtol
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
    pub fn trace(&self) -> bool {
        self.trace
    }
    pub fn record_path(&self) -> bool {
        self.record_path
    }
    /// Which engine runs the E-step, the statistics and the scoring.
    pub fn engine(&self) -> Engine {
        self.engine
    }
    /// A builder holding exactly these parameters (to change a few: another
    /// init, tracing on, …, keeping every other setting).
    pub fn to_builder(&self) -> GmmParams {
        GmmParams(self.clone())
    }
    /// These parameters with a hierarchical start built once for the data
    /// (see [`GmmParams::hc_start`]); the fit is the same as without it.
    pub fn with_hc_start(mut self, start: std::sync::Arc<HcStart>) -> Self {
        self.hc_start = Some(start);
        self
    }
    /// These parameters recording EM's path ([`crate::GmmFit::path`]; the
    /// fit is the same as without it).
    pub fn with_path_recorded(mut self) -> Self {
        self.record_path = true;
        self
    }
    /// These parameters with a [`StartMemo`] shared by many fits of the same
    /// data (the fit is the same as without it).
    pub fn with_start_memo(mut self, memo: Arc<StartMemo>) -> Self {
        self.start_memo = Some(memo);
        self
    }
}

/// Unchecked hyper-parameters; [`GmmParams::check`] validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct GmmParams(pub(crate) ValidGmmParams);

/// Entry point: `GaussianMixture::params(k)`.
pub struct GaussianMixture;

impl GaussianMixture {
    /// Defaults as scikit-learn's `GaussianMixture`: full covariances, k-means
    /// initialisation, one run, `tol = 1e-3`, `max_iter = 100`, `reg_covar = 1e-6`;
    /// the fast engine.
    pub fn params(n_components: usize) -> GmmParams {
        GmmParams(ValidGmmParams {
            n_components,
            model: CovarianceModel::VVV,
            init: Init::KMeans,
            n_init: 1,
            tol: 1e-3,
            rtol: 0.0,
            max_iter: 100,
            reg_covar: 1e-6,
            seed: 0,
            trace: false,
            record_path: false,
            engine: Engine::Fast,
            inner_tol: f64::EPSILON.sqrt(),
            inner_max_iter: 1000,
            hc_start: None,
            start_memo: None,
            prior: false,
            noise: false,
            noise_start: None,
        })
    }
}

impl GmmParams {
    /// One of scikit-learn's four types (the mclust model it is).
    pub fn covariance_type(mut self, t: CovarianceType) -> Self {
        self.0.model = t.into();
        self
    }
    /// One of mclust's covariance models.
    pub fn model(mut self, m: CovarianceModel) -> Self {
        self.0.model = m;
        self
    }
    /// Add a uniform noise component over the data's hypervolume (mclust's
    /// `hypvol`), its proportion estimated. Without [`Init::LabelsWithNoise`]
    /// or a usable [`GmmParams::noise_start`], the start's first model gets a
    /// noise proportion of 0.1.
    pub fn noise(mut self, on: bool) -> Self {
        self.0.noise = on;
        self
    }
    /// With the noise component and a start method (not a model or labels):
    /// these rows start as noise and the clusters' start is the method on
    /// the others (see [`NoiseStart`]).
    pub fn noise_start(mut self, start: Option<NoiseStart>) -> Self {
        self.0.noise_start = start.map(Arc::new);
        self
    }
    /// Regularise with mclust's default conjugate prior (`priorControl()`):
    /// the M-step becomes the posterior mode. mclust has it for E, V, EII,
    /// VII, EEI, VEI, EVI, VVI, EEE, EEV, VEV and VVV. With sample weights a
    /// row counts `w_i` times: the prior's mean and scale are the weighted
    /// mean and sample covariance (denominator `Σ w_i − 1`), so integer
    /// weights give the fit of the data with the rows repeated, and scaling
    /// all weights by c weighs the data c times against the prior.
    pub fn prior(mut self, on: bool) -> Self {
        self.0.prior = on;
        self
    }
    /// Tolerance and iteration cap of the iterative M-steps (VEI, VEE, VEV,
    /// EVE, VVE), as the second entries of mclust's `emControl(tol, itmax)`;
    /// default √ε and 1000.
    pub fn inner_control(mut self, tol: f64, max_iter: usize) -> Self {
        self.0.inner_tol = tol;
        self.0.inner_max_iter = max_iter;
        self
    }
    pub fn init(mut self, init: Init) -> Self {
        self.0.init = init;
        self
    }
    /// Number of runs from different starts; the best final lower bound wins.
    pub fn n_init(mut self, n: usize) -> Self {
        self.0.n_init = n;
        self
    }
    /// Stop when the mean log-likelihood changes by less than this (0 = run `max_iter`).
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }
    /// Also stop when the total log-likelihood `L` changes by at most
    /// `rtol · (1 + |L|)`, mclust's test (its `emControl(tol = 1e-5)`);
    /// 0 (the default) leaves only the absolute `tol`.
    pub fn rtol(mut self, rtol: f64) -> Self {
        self.0.rtol = rtol;
        self
    }
    pub fn max_iter(mut self, m: usize) -> Self {
        self.0.max_iter = m;
        self
    }
    /// Added to every covariance diagonal in the M-step.
    pub fn reg_covar(mut self, r: f64) -> Self {
        self.0.reg_covar = r;
        self
    }
    pub fn seed(mut self, s: u64) -> Self {
        self.0.seed = s;
        self
    }
    /// Keep every iteration's responsibilities and parameters (see [`crate::TraceStep`]).
    pub fn trace(mut self, on: bool) -> Self {
        self.0.trace = on;
        self
    }
    /// Keep the model of every iteration, without the responsibilities
    /// (see [`crate::GmmFit::path`]); the fit is the same either way.
    pub fn record_path(mut self, on: bool) -> Self {
        self.0.record_path = on;
        self
    }

    /// Run the E-step, statistics, M-step estimators and scoring on the
    /// tiled SIMD kernels ([`Engine::Fast`], the default) or on the plain
    /// reference functions ([`Engine::Reference`]).
    pub fn engine(mut self, engine: Engine) -> Self {
        self.0.engine = engine;
        self
    }

    /// Use this hierarchical start (built once by [`HcStart::new`] on the
    /// same data) for `Init::Hc` instead of building it in `fit`: many fits
    /// of one data set (every model and k of a selection) share one tree.
    pub fn hc_start(mut self, start: Arc<HcStart>) -> Self {
        self.0.hc_start = Some(start);
        self
    }

    /// Validate every hyper-parameter.
    pub fn check(self) -> Result<ValidGmmParams, GmmError> {
        self.check_ref()?;
        Ok(self.0)
    }

    /// Validate without consuming.
    pub fn check_ref(&self) -> Result<&ValidGmmParams, GmmError> {
        let p = &self.0;
        if p.n_components == 0 {
            return Err(invalid(
                "k",
                "the number of components must be at least 1 (got 0)",
            ));
        }
        non_negative("tol", p.tol)?;
        non_negative("reg_covar", p.reg_covar)?;
        non_negative("rtol", p.rtol)?;
        non_negative("inner_tol", p.inner_tol)?;
        if p.inner_max_iter == 0 {
            return Err(invalid("inner_max_iter", "must be at least 1 (got 0)"));
        }
        if let Init::LabelsWithNoise(labels) = &p.init {
            if !p.noise {
                return Err(invalid(
                    "noise-init",
                    "a start with noise labels needs the noise component (--noise)",
                ));
            }
            if let Some((i, l)) = labels
                .iter()
                .enumerate()
                .find(|(_, l)| **l < -1 || **l >= p.n_components as i64)
            {
                return Err(invalid(
                    "noise-init",
                    format!(
                        "row {}: label {l} is outside -1..{} (−1 is noise, k = {})",
                        i + 1,
                        p.n_components - 1,
                        p.n_components
                    ),
                ));
            }
        }
        if p.prior && !p.model.has_prior() {
            return Err(invalid(
                "prior",
                format!(
                    "mclust has no conjugate prior for {} (VEE, EVE, VVE and EVV have none); \
                     use one of E, V, EII, VII, EEI, VEI, EVI, VVI, EEE, EEV, VEV, VVV or drop --prior",
                    p.model
                ),
            ));
        }
        if p.max_iter == 0 {
            return Err(invalid("max_iter", "must be at least 1 (got 0)"));
        }
        if p.n_init == 0 {
            return Err(invalid("n_init", "must be at least 1 (got 0)"));
        }
        if let Init::Model(m) = &p.init {
            if m.n_components() != p.n_components {
                return Err(invalid(
                    "init-model",
                    format!(
                        "the model has {} components but k = {}",
                        m.n_components(),
                        p.n_components
                    ),
                ));
            }
            if m.covariance_type() != p.model.representation()
                && m.covariance_type() != CovarianceType::Full
            {
                return Err(invalid(
                    "init-model",
                    format!(
                        "the model has {} covariances but the fit asks for {} \
                         (a start needs k × d × d covariances or the fit's own shape)",
                        m.model().type_name(),
                        p.model.type_name()
                    ),
                ));
            }
        }
        if let Init::Labels(labels) = &p.init {
            if let Some((i, l)) = labels
                .iter()
                .enumerate()
                .find(|(_, l)| **l >= p.n_components)
            {
                return Err(invalid(
                    "init-labels",
                    format!(
                        "row {}: label {l} is outside 0..{} (k = {})",
                        i + 1,
                        p.n_components - 1,
                        p.n_components
                    ),
                ));
            }
        }
        Ok(p)
    }
}

impl linfa::ParamGuard for GmmParams {
    type Checked = ValidGmmParams;
    type Error = GmmError;
    fn check_ref(&self) -> Result<&ValidGmmParams, GmmError> {
        GmmParams::check_ref(self)
    }
    fn check(self) -> Result<ValidGmmParams, GmmError> {
        GmmParams::check(self)
    }
}
