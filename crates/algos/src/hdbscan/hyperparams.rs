use std::fmt;
use std::str::FromStr;

use crate::common::Size;
use crate::error::AlgoError;

/// Which implementation builds the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HdbscanBackend {
    /// Here: core distances and Borůvka's minimum spanning tree on our
    /// kd-tree (parallel), then scikit-learn's condensing, excess-of-mass
    /// selection and labelling step by step. Same labels as scikit-learn
    /// (up to ties), and fast in 10-D.
    #[default]
    KdTree,
    /// petal-clustering's HDBSCAN (Borůvka on a ball tree) for labels and
    /// GLOSH scores; probabilities rebuilt here. Its ball tree is slow in
    /// 10-D (100k × 10: about twice scikit-learn's time).
    Petal,
}

impl FromStr for HdbscanBackend {
    type Err = AlgoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "kdtree" | "kd-tree" | "kd_tree" => Ok(HdbscanBackend::KdTree),
            "petal" => Ok(HdbscanBackend::Petal),
            other => Err(AlgoError::invalid("backend", "kdtree or petal", other)),
        }
    }
}

impl fmt::Display for HdbscanBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HdbscanBackend::KdTree => "kdtree",
            HdbscanBackend::Petal => "petal",
        })
    }
}

/// Checked HDBSCAN hyper-parameters; implements [`crate::Clusterer`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidHdbscanParams {
    pub(crate) min_cluster_size: Size,
    pub(crate) min_samples: Option<usize>,
    pub(crate) backend: HdbscanBackend,
}

/// HDBSCAN hyper-parameters (unchecked builder).
///
/// Defaults (scikit-learn's): `min_cluster_size = 5`, `min_samples` =
/// `min_cluster_size`; `backend = kdtree`. `min_cluster_size` is a count, or a fraction of n when
/// below 1; `min_samples` counts the point itself.
#[derive(Debug, Clone, PartialEq)]
pub struct HdbscanParams(ValidHdbscanParams);

impl Default for HdbscanParams {
    fn default() -> Self {
        HdbscanParams::new(5usize)
    }
}

impl HdbscanParams {
    pub fn new(min_cluster_size: impl Into<Size>) -> Self {
        HdbscanParams(ValidHdbscanParams {
            min_cluster_size: min_cluster_size.into(),
            min_samples: None,
            backend: HdbscanBackend::KdTree,
        })
    }

    /// Smallest cluster: a count (≥ 2) or a fraction of n in (0, 1].
    pub fn min_cluster_size(mut self, size: impl Into<Size>) -> Self {
        self.0.min_cluster_size = size.into();
        self
    }

    /// Neighbours (the point itself included) for the core distance; `None` = `min_cluster_size`.
    pub fn min_samples(mut self, min_samples: Option<usize>) -> Self {
        self.0.min_samples = min_samples;
        self
    }

    /// The implementation (default: [`HdbscanBackend::KdTree`]).
    pub fn backend(mut self, backend: HdbscanBackend) -> Self {
        self.0.backend = backend;
        self
    }

    /// Checks every value; no work is done before this succeeds.
    pub fn check_ref(&self) -> Result<&ValidHdbscanParams, AlgoError> {
        let p = &self.0;
        p.min_cluster_size.check(
            "min_cluster_size",
            2,
            "an integer >= 2 or a fraction in (0, 1)",
        )?;
        if p.min_samples == Some(0) {
            return Err(AlgoError::invalid("min_samples", ">= 1", 0));
        }
        Ok(p)
    }

    /// Checks every value and returns the runnable parameters.
    pub fn check(self) -> Result<ValidHdbscanParams, AlgoError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl ValidHdbscanParams {
    pub fn min_cluster_size(&self) -> Size {
        self.min_cluster_size
    }
    pub fn min_samples(&self) -> Option<usize> {
        self.min_samples
    }
    pub fn backend(&self) -> HdbscanBackend {
        self.backend
    }
}
