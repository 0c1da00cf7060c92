use std::fmt;
use std::str::FromStr;

use crate::error::AlgoError;

/// How the initial centroids of each run are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KMeansInit {
    /// k-means++: each next centroid drawn with probability ∝ D(x)².
    #[default]
    KMeansPlusPlus,
    /// k distinct data points drawn uniformly.
    Random,
}

impl FromStr for KMeansInit {
    type Err = AlgoError;
    /// `k-means++` (or `kmeans++`) and `random`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "k-means++" | "kmeans++" => Ok(KMeansInit::KMeansPlusPlus),
            "random" => Ok(KMeansInit::Random),
            other => Err(AlgoError::invalid("init", "k-means++ or random", other)),
        }
    }
}

impl fmt::Display for KMeansInit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KMeansInit::KMeansPlusPlus => "kmeans++",
            KMeansInit::Random => "random",
        })
    }
}

/// Which implementation runs the Lloyd iterations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KMeansBackend {
    /// Ours: k-means++ (or random) seeding, then Hamerly's bounded Lloyd
    /// iterations over fixed row chunks in parallel (exact Lloyd results).
    #[default]
    Lloyd,
    /// `linfa-clustering`'s `KMeans` (m_k-means updates) from the same
    /// initial centroids, polished by exact Lloyd steps until the labels are
    /// stable; kept to compare against.
    Linfa,
}

impl FromStr for KMeansBackend {
    type Err = AlgoError;
    /// `lloyd` and `linfa`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "lloyd" => Ok(KMeansBackend::Lloyd),
            "linfa" => Ok(KMeansBackend::Linfa),
            other => Err(AlgoError::invalid("backend", "lloyd or linfa", other)),
        }
    }
}

impl fmt::Display for KMeansBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KMeansBackend::Lloyd => "lloyd",
            KMeansBackend::Linfa => "linfa",
        })
    }
}

/// Checked k-means hyper-parameters; implements [`crate::Clusterer`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidKMeansParams {
    pub(crate) n_clusters: usize,
    pub(crate) n_init: usize,
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) seed: u64,
    pub(crate) init: KMeansInit,
    pub(crate) backend: KMeansBackend,
}

/// k-means hyper-parameters (unchecked builder).
///
/// Defaults (scikit-learn's): `n_init = 10`, `max_iter = 300`, `tol = 1e-4`,
/// `init = k-means++`, `seed = 0`; `backend = lloyd` (ours).
///
/// `tol` is relative, as in scikit-learn: a run stops when the centroids move
/// (Frobenius norm of the change) by less than `sqrt(tol · mean per-feature
/// variance of the data)`.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams(ValidKMeansParams);

impl KMeansParams {
    /// `k` clusters, other values at their defaults.
    pub fn new(n_clusters: usize) -> Self {
        KMeansParams(ValidKMeansParams {
            n_clusters,
            n_init: 10,
            max_iter: 300,
            tol: 1e-4,
            seed: 0,
            init: KMeansInit::KMeansPlusPlus,
            backend: KMeansBackend::Lloyd,
        })
    }

    /// Number of runs from different seeds; the one with the lowest inertia is kept.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.0.n_init = n_init;
        self
    }

    /// Maximum number of iterations of one run.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.0.max_iter = max_iter;
        self
    }

    /// Relative tolerance on the centroid movement (see the type's docs).
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }

    /// Seed of the random number generator.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }

    /// Initialisation method.
    pub fn init(mut self, init: KMeansInit) -> Self {
        self.0.init = init;
        self
    }

    /// Implementation of the iterations (both start from the same centroids).
    pub fn backend(mut self, backend: KMeansBackend) -> Self {
        self.0.backend = backend;
        self
    }

    /// Checks every value; no work is done before this succeeds.
    pub fn check_ref(&self) -> Result<&ValidKMeansParams, AlgoError> {
        let p = &self.0;
        if p.n_clusters == 0 {
            return Err(AlgoError::invalid("k", ">= 1", p.n_clusters));
        }
        if p.n_init == 0 {
            return Err(AlgoError::invalid("n_init", ">= 1", p.n_init));
        }
        if p.max_iter == 0 {
            return Err(AlgoError::invalid("max_iter", ">= 1", p.max_iter));
        }
        if !(p.tol > 0.0) || !p.tol.is_finite() {
            return Err(AlgoError::invalid("tol", "> 0 and finite", p.tol));
        }
        Ok(p)
    }

    /// Checks every value and returns the runnable parameters.
    pub fn check(self) -> Result<ValidKMeansParams, AlgoError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl ValidKMeansParams {
    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }
    pub fn n_init(&self) -> usize {
        self.n_init
    }
    pub fn max_iter(&self) -> usize {
        self.max_iter
    }
    pub fn tol(&self) -> f64 {
        self.tol
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn init(&self) -> KMeansInit {
        self.init
    }
    pub fn backend(&self) -> KMeansBackend {
        self.backend
    }
}
