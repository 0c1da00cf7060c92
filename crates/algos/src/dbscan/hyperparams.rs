use crate::error::AlgoError;

/// Checked DBSCAN hyper-parameters; implements [`crate::Clusterer`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidDbscanParams {
    pub(crate) eps: f64,
    pub(crate) min_samples: usize,
}

/// DBSCAN hyper-parameters (unchecked builder).
///
/// Defaults (scikit-learn's): `eps = 0.5`, `min_samples = 5`. `min_samples`
/// counts the point itself: a point is a core point when at least
/// `min_samples` points, itself included, lie within distance `eps`
/// (boundary included).
#[derive(Debug, Clone, PartialEq)]
pub struct DbscanParams(ValidDbscanParams);

impl Default for DbscanParams {
    fn default() -> Self {
        DbscanParams(ValidDbscanParams {
            eps: 0.5,
            min_samples: 5,
        })
    }
}

impl DbscanParams {
    /// Radius `eps` and `min_samples`.
    pub fn new(eps: f64, min_samples: usize) -> Self {
        DbscanParams(ValidDbscanParams { eps, min_samples })
    }

    /// Neighbourhood radius.
    pub fn eps(mut self, eps: f64) -> Self {
        self.0.eps = eps;
        self
    }

    /// Points (the point itself included) within `eps` that make a core point.
    pub fn min_samples(mut self, min_samples: usize) -> Self {
        self.0.min_samples = min_samples;
        self
    }

    /// Checks every value; no work is done before this succeeds.
    pub fn check_ref(&self) -> Result<&ValidDbscanParams, AlgoError> {
        let p = &self.0;
        if !(p.eps > 0.0) || !p.eps.is_finite() {
            return Err(AlgoError::invalid("eps", "> 0 and finite", p.eps));
        }
        if p.min_samples == 0 {
            return Err(AlgoError::invalid("min_samples", ">= 1", p.min_samples));
        }
        Ok(p)
    }

    /// Checks every value and returns the runnable parameters.
    pub fn check(self) -> Result<ValidDbscanParams, AlgoError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl ValidDbscanParams {
    pub fn eps(&self) -> f64 {
        self.eps
    }
    pub fn min_samples(&self) -> usize {
        self.min_samples
    }
}
