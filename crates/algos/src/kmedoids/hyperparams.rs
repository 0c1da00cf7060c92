use std::fmt;
use std::str::FromStr;

use crate::error::AlgoError;

/// Largest n for which the distance matrix is precomputed by default.
pub const DEFAULT_PRECOMPUTE_LIMIT: usize = 5000;

/// How the initial medoids are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KMedoidsInit {
    /// k-means++-style: first medoid uniform, each next one drawn with
    /// probability ∝ (distance to the nearest chosen medoid)².
    #[default]
    KMeansPlusPlus,
    /// k distinct points drawn uniformly.
    Random,
    /// PAM's greedy BUILD (deterministic, O(n²·k) distance look-ups; the
    /// best start, but slow for large n).
    Build,
}

impl FromStr for KMedoidsInit {
    type Err = AlgoError;
    /// `k-means++` (or `kmeans++`) and `random`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "k-means++" | "kmeans++" => Ok(KMedoidsInit::KMeansPlusPlus),
            "random" => Ok(KMedoidsInit::Random),
            "build" => Ok(KMedoidsInit::Build),
            other => Err(AlgoError::invalid(
                "init",
                "k-means++, random or build",
                other,
            )),
        }
    }
}

impl fmt::Display for KMedoidsInit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KMedoidsInit::KMeansPlusPlus => "kmeans++",
            KMedoidsInit::Random => "random",
            KMedoidsInit::Build => "build",
        })
    }
}

/// Checked k-medoids hyper-parameters; implements [`crate::Clusterer`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidKMedoidsParams {
    pub(crate) n_clusters: usize,
    pub(crate) max_iter: usize,
    pub(crate) n_init: usize,
    pub(crate) seed: u64,
    pub(crate) init: KMedoidsInit,
    pub(crate) precompute_limit: usize,
}

/// k-medoids hyper-parameters (unchecked builder).
///
/// Defaults: `max_iter = 100` (as the Python `kmedoids` package), `n_init = 1`,
/// `init = k-means++`, `seed = 0`, `precompute_limit = 5000`.
#[derive(Debug, Clone, PartialEq)]
pub struct KMedoidsParams(ValidKMedoidsParams);

impl KMedoidsParams {
    /// `k` clusters, other values at their defaults.
    pub fn new(n_clusters: usize) -> Self {
        KMedoidsParams(ValidKMedoidsParams {
            n_clusters,
            max_iter: 100,
            n_init: 1,
            seed: 0,
            init: KMedoidsInit::KMeansPlusPlus,
            precompute_limit: DEFAULT_PRECOMPUTE_LIMIT,
        })
    }

    /// Maximum number of FasterPAM passes over the data.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.0.max_iter = max_iter;
        self
    }

    /// Number of runs from different initial medoids; the lowest loss is
    /// kept (one run with `Build`, which is deterministic).
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.0.n_init = n_init;
        self
    }

    /// Seed of the random number generator.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }

    /// Initialisation method.
    pub fn init(mut self, init: KMedoidsInit) -> Self {
        self.0.init = init;
        self
    }

    /// Largest n for which the n×n distances are precomputed (above it they
    /// are computed on the fly).
    pub fn precompute_limit(mut self, limit: usize) -> Self {
        self.0.precompute_limit = limit;
        self
    }

    /// Checks every value; no work is done before this succeeds.
    pub fn check_ref(&self) -> Result<&ValidKMedoidsParams, AlgoError> {
        let p = &self.0;
        if p.n_clusters == 0 {
            return Err(AlgoError::invalid("k", ">= 1", p.n_clusters));
        }
        if p.max_iter == 0 {
            return Err(AlgoError::invalid("max_iter", ">= 1", p.max_iter));
        }
        if p.n_init == 0 {
            return Err(AlgoError::invalid("n_init", ">= 1", p.n_init));
        }
        Ok(p)
    }

    /// Checks every value and returns the runnable parameters.
    pub fn check(self) -> Result<ValidKMedoidsParams, AlgoError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl ValidKMedoidsParams {
    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }
    pub fn max_iter(&self) -> usize {
        self.max_iter
    }
    pub fn n_init(&self) -> usize {
        self.n_init
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn init(&self) -> KMedoidsInit {
        self.init
    }
    pub fn precompute_limit(&self) -> usize {
        self.precompute_limit
    }
}
