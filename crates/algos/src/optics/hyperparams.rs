use std::fmt;
use std::str::FromStr;

use crate::common::Size;
use crate::error::AlgoError;

/// How clusters are read off the OPTICS reachability plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClusterMethod {
    /// scikit-learn's `cluster_optics_xi`: steep down / up areas of relative
    /// steepness `xi`, with predecessor correction.
    #[default]
    Xi,
    /// scikit-learn's `cluster_optics_dbscan`: a DBSCAN-like cut at `eps`.
    Dbscan,
}

impl FromStr for ClusterMethod {
    type Err = AlgoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "xi" => Ok(ClusterMethod::Xi),
            "dbscan" => Ok(ClusterMethod::Dbscan),
            other => Err(AlgoError::invalid("cluster_method", "xi or dbscan", other)),
        }
    }
}

impl fmt::Display for ClusterMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClusterMethod::Xi => "xi",
            ClusterMethod::Dbscan => "dbscan",
        })
    }
}

/// Checked OPTICS hyper-parameters; implements [`crate::Clusterer`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidOpticsParams {
    pub(crate) min_samples: Size,
    pub(crate) max_eps: f64,
    pub(crate) xi: f64,
    pub(crate) min_cluster_size: Option<Size>,
    pub(crate) cluster_method: ClusterMethod,
    pub(crate) eps: Option<f64>,
    pub(crate) predecessor_correction: bool,
}

/// OPTICS hyper-parameters (unchecked builder), with scikit-learn's defaults:
///
/// * `min_samples = 5`: neighbours (the point itself included) that make a
///   core point; a count ≥ 2 or a fraction of n in (0, 1] (→ `max(2, ⌊f·n⌋)`);
/// * `max_eps = ∞`: neighbourhood radius; smaller values run faster;
/// * `cluster_method = xi`, `xi = 0.05` (in (0, 1)),
///   `min_cluster_size = min_samples` (count ≥ 2 or fraction in (0, 1)),
///   `predecessor_correction = true`;
/// * `eps` for `cluster_method = dbscan`: the cut (default `max_eps`; must
///   be ≤ `max_eps`, and given when `max_eps` is ∞).
#[derive(Debug, Clone, PartialEq)]
pub struct OpticsParams(ValidOpticsParams);

impl Default for OpticsParams {
    fn default() -> Self {
        OpticsParams(ValidOpticsParams {
            min_samples: Size::Count(5),
            max_eps: f64::INFINITY,
            xi: 0.05,
            min_cluster_size: None,
            cluster_method: ClusterMethod::Xi,
            eps: None,
            predecessor_correction: true,
        })
    }
}

impl OpticsParams {
    /// Defaults with the given `min_samples` (a count or a fraction of n).
    pub fn new(min_samples: impl Into<Size>) -> Self {
        OpticsParams::default().min_samples(min_samples)
    }

    pub fn min_samples(mut self, min_samples: impl Into<Size>) -> Self {
        self.0.min_samples = min_samples.into();
        self
    }

    pub fn max_eps(mut self, max_eps: f64) -> Self {
        self.0.max_eps = max_eps;
        self
    }

    pub fn xi(mut self, xi: f64) -> Self {
        self.0.xi = xi;
        self
    }

    /// Minimum cluster size for the ξ extraction (`None`: `min_samples`).
    pub fn min_cluster_size(mut self, size: Option<Size>) -> Self {
        self.0.min_cluster_size = size;
        self
    }

    pub fn cluster_method(mut self, method: ClusterMethod) -> Self {
        self.0.cluster_method = method;
        self
    }

    /// The cut for `cluster_method = dbscan` (`None`: `max_eps`).
    pub fn eps(mut self, eps: Option<f64>) -> Self {
        self.0.eps = eps;
        self
    }

    pub fn predecessor_correction(mut self, on: bool) -> Self {
        self.0.predecessor_correction = on;
        self
    }

    /// Checks every value; no work is done before this succeeds.
    pub fn check_ref(&self) -> Result<&ValidOpticsParams, AlgoError> {
        let p = &self.0;
        p.min_samples
            .check("min_samples", 2, "an integer >= 2 or a fraction in (0, 1)")?;
        if !(p.max_eps > 0.0) {
            return Err(AlgoError::invalid("max_eps", "> 0", p.max_eps));
        }
        if !(p.xi > 0.0 && p.xi < 1.0) {
            return Err(AlgoError::invalid("xi", "in (0, 1)", p.xi));
        }
        if let Some(m) = p.min_cluster_size {
            m.check(
                "min_cluster_size",
                2,
                "an integer >= 2 or a fraction in (0, 1)",
            )?;
        }
        if let Some(eps) = p.eps {
            if !(eps > 0.0) || !eps.is_finite() {
                return Err(AlgoError::invalid("eps", "> 0 and finite", eps));
            }
            if eps > p.max_eps {
                return Err(AlgoError::invalid(
                    "eps",
                    "<= max_eps",
                    format!("{eps} > max_eps {}", p.max_eps),
                ));
            }
        } else if p.cluster_method == ClusterMethod::Dbscan && !p.max_eps.is_finite() {
            return Err(AlgoError::invalid(
                "eps",
                "given (finite) for cluster_method dbscan when max_eps is infinite",
                "none",
            ));
        }
        Ok(p)
    }

    /// Checks every value and returns the runnable parameters.
    pub fn check(self) -> Result<ValidOpticsParams, AlgoError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl ValidOpticsParams {
    pub fn min_samples(&self) -> Size {
        self.min_samples
    }
    pub fn max_eps(&self) -> f64 {
        self.max_eps
    }
    pub fn xi(&self) -> f64 {
        self.xi
    }
    pub fn min_cluster_size(&self) -> Option<Size> {
        self.min_cluster_size
    }
    pub fn cluster_method(&self) -> ClusterMethod {
        self.cluster_method
    }
    pub fn eps(&self) -> Option<f64> {
        self.eps
    }
    pub fn predecessor_correction(&self) -> bool {
        self.predecessor_correction
    }
}
