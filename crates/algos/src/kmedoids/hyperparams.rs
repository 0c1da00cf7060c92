use std::fmt;
use std::str::FromStr;

use crate::error::AlgoError;

/// Largest n for which the distance matrix is precomputed by default.
pub const DEFAULT_PRECOMPUTE_LIMIT: usize = 5000;

/// Largest n for which [`KMedoidsMethod::Auto`] runs the exact FasterPAM on
/// all points (with the precomputed matrix up to
/// [`DEFAULT_PRECOMPUTE_LIMIT`]); above it, FasterCLARA.
pub const DEFAULT_EXACT_LIMIT: usize = 10_000;

/// FasterCLARA's default number of samples (as CLARA's `n_sampling_iter`).
pub const DEFAULT_SAMPLES: usize = 5;

/// FasterCLARA's default sample size for `n` points and `k` clusters:
/// `min(n, 4000 + 20k)`. CLARA's `40 + 2k` is far too small for a good
/// loss: a medoid is a sample point, and the loss on all points falls as the
/// samples grow (most in higher dimensions), while FasterPAM on a
/// precomputed matrix of 4000 points takes a fraction of a second.
pub fn default_sample_size(n: usize, k: usize) -> usize {
    (4000 + 20 * k).min(n)
}

/// Which k-medoids method runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KMedoidsMethod {
    /// [`KMedoidsMethod::Exact`] up to the exact limit
    /// ([`DEFAULT_EXACT_LIMIT`] points), [`KMedoidsMethod::FasterClara`] above.
    #[default]
    Auto,
    /// FasterPAM on all points (`fasterpam`).
    Exact,
    /// FasterCLARA (`fasterclara`): FasterPAM on `samples` random samples of
    /// `sample_size` points (each holding the best medoids so far, as in
    /// CLARA), the medoids with the lowest loss on all points kept.
    FasterClara,
}

impl FromStr for KMedoidsMethod {
    type Err = AlgoError;
    /// `auto`, `fasterpam` (or `exact`) and `fasterclara` (or `clara`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(KMedoidsMethod::Auto),
            "fasterpam" | "exact" => Ok(KMedoidsMethod::Exact),
            "fasterclara" | "clara" => Ok(KMedoidsMethod::FasterClara),
            other => Err(AlgoError::invalid(
                "method",
                "auto, fasterpam or fasterclara",
                other,
            )),
        }
    }
}

impl fmt::Display for KMedoidsMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KMedoidsMethod::Auto => "auto",
            KMedoidsMethod::Exact => "fasterpam",
            KMedoidsMethod::FasterClara => "fasterclara",
        })
    }
}

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
    pub(crate) method: KMedoidsMethod,
    pub(crate) exact_limit: usize,
    pub(crate) samples: usize,
    /// `None`: [`default_sample_size`].
    pub(crate) sample_size: Option<usize>,
}

/// k-medoids hyper-parameters (unchecked builder).
///
/// Defaults: `max_iter = 100` (as the Python `kmedoids` package), `n_init = 1`,
/// `init = k-means++`, `seed = 0`, `precompute_limit = 5000`,
/// `method = auto` (exact up to `exact_limit = 10000` points), `samples = 5`,
/// `sample_size =` [`default_sample_size`].
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
            method: KMedoidsMethod::Auto,
            exact_limit: DEFAULT_EXACT_LIMIT,
            samples: DEFAULT_SAMPLES,
            sample_size: None,
        })
    }

    /// Exact FasterPAM, FasterCLARA, or the one that fits the data size.
    pub fn method(mut self, method: KMedoidsMethod) -> Self {
        self.0.method = method;
        self
    }

    /// Largest n for which [`KMedoidsMethod::Auto`] runs the exact method.
    pub fn exact_limit(mut self, limit: usize) -> Self {
        self.0.exact_limit = limit;
        self
    }

    /// FasterCLARA: number of samples (each one FasterPAM run).
    pub fn samples(mut self, samples: usize) -> Self {
        self.0.samples = samples;
        self
    }

    /// FasterCLARA: points per sample (capped at n when fitting).
    pub fn sample_size(mut self, sample_size: usize) -> Self {
        self.0.sample_size = Some(sample_size);
        self
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
        if p.samples == 0 {
            return Err(AlgoError::invalid("samples", ">= 1", p.samples));
        }
        if let Some(m) = p.sample_size {
            if m < p.n_clusters {
                return Err(AlgoError::invalid("sample_size", ">= k", m));
            }
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
    pub fn method(&self) -> KMedoidsMethod {
        self.method
    }
    pub fn exact_limit(&self) -> usize {
        self.exact_limit
    }
    pub fn samples(&self) -> usize {
        self.samples
    }
    /// The sample size set, `None` for [`default_sample_size`].
    pub fn sample_size(&self) -> Option<usize> {
        self.sample_size
    }

    /// The method that runs on `n` points: [`KMedoidsMethod::Exact`] or
    /// [`KMedoidsMethod::FasterClara`] (never `Auto`).
    pub fn method_for(&self, n: usize) -> KMedoidsMethod {
        match self.method {
            KMedoidsMethod::Auto if n <= self.exact_limit => KMedoidsMethod::Exact,
            KMedoidsMethod::Auto => KMedoidsMethod::FasterClara,
            m => m,
        }
    }

    /// FasterCLARA's points per sample on `n` points (at most n).
    pub fn sample_size_for(&self, n: usize) -> usize {
        self.sample_size
            .unwrap_or_else(|| default_sample_size(n, self.n_clusters))
            .min(n)
    }
}
