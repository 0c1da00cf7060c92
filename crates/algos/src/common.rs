//! Small helpers shared by the algorithms: input checks, sizes given as a
//! count or a fraction of n, label bookkeeping.

use std::fmt;
use std::str::FromStr;

use ndarray::ArrayView2;

use crate::clustering::NOISE;
use crate::error::AlgoError;

/// A size parameter (`k`, `min_samples`, …) cannot exceed the number of points.
pub(crate) fn check_at_most_points(
    name: &'static str,
    got: usize,
    n_points: usize,
) -> Result<(), AlgoError> {
    if got > n_points {
        return Err(AlgoError::TooLargeForData {
            name,
            got,
            n_points,
        });
    }
    Ok(())
}

/// Checks that `x` has at least `min_rows` rows, at least one column and only
/// finite values.
pub(crate) fn check_data(x: &ArrayView2<f64>, min_rows: usize) -> Result<(), AlgoError> {
    let (rows, cols) = x.dim();
    if rows < min_rows.max(1) || cols == 0 {
        return Err(AlgoError::EmptyData {
            rows,
            cols,
            min_rows: min_rows.max(1),
        });
    }
    for (row, r) in x.rows().into_iter().enumerate() {
        for (col, &value) in r.iter().enumerate() {
            if !value.is_finite() {
                return Err(AlgoError::NonFiniteData { row, col, value });
            }
        }
    }
    Ok(())
}

/// Copies `x` into a contiguous row-major buffer (n·d values).
pub(crate) fn to_row_major(x: &ArrayView2<f64>) -> Vec<f64> {
    let mut v = Vec::with_capacity(x.len());
    for r in x.rows() {
        v.extend(r.iter().copied());
    }
    v
}

/// Squared euclidean distance of two equal-length slices.
#[inline]
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        let t = x - y;
        s += t * t;
    }
    s
}

/// A size parameter given either as a count of points or as a fraction of
/// the number of points n, as scikit-learn's OPTICS `min_samples` /
/// `min_cluster_size`: a fraction `f` in (0, 1) means `max(2, ⌊f·n⌋)` points (1 is
/// the count 1, as "1.0" is: a whole number is a count).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    /// An absolute number of points.
    Count(usize),
    /// A fraction of n, in (0, 1).
    Fraction(f64),
}

impl Size {
    /// The count this size means for `n` points.
    pub fn resolve(self, n: usize) -> usize {
        match self {
            Size::Count(c) => c,
            Size::Fraction(f) => ((f * n as f64).floor() as usize).max(2),
        }
    }

    /// Checks the value (a count at least `min_count`, or a fraction in (0, 1)).
    pub(crate) fn check(
        self,
        name: &'static str,
        min_count: usize,
        expected: &'static str,
    ) -> Result<(), AlgoError> {
        match self {
            Size::Count(c) if c >= min_count => Ok(()),
            Size::Fraction(f) if f > 0.0 && f < 1.0 => Ok(()),
            other => Err(AlgoError::invalid(name, expected, other)),
        }
    }
}

impl From<usize> for Size {
    fn from(c: usize) -> Self {
        Size::Count(c)
    }
}

/// A float below 1 is a fraction; an integral float ≥ 1 is a count; any other
/// float is kept as a fraction so that `check()` rejects it.
impl From<f64> for Size {
    fn from(v: f64) -> Self {
        if v >= 1.0 && v.fract() == 0.0 && v <= usize::MAX as f64 {
            Size::Count(v as usize)
        } else {
            Size::Fraction(v)
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Size::Count(c) => write!(f, "{c}"),
            Size::Fraction(v) => write!(f, "{v}"),
        }
    }
}

impl FromStr for Size {
    type Err = AlgoError;
    /// `"10"` is a count, `"0.05"` a fraction.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(c) = s.parse::<usize>() {
            return Ok(Size::Count(c));
        }
        match s.parse::<f64>() {
            Ok(v) => Ok(Size::from(v)),
            Err(_) => Err(AlgoError::invalid(
                "size",
                "an integer count or a fraction in (0, 1)",
                s,
            )),
        }
    }
}

/// Number of clusters (largest label + 1) and number of noise points.
pub(crate) fn count_labels(labels: &[i64]) -> (usize, usize) {
    let n_clusters = labels.iter().copied().max().map_or(0, |m| (m + 1).max(0)) as usize;
    let n_noise = labels.iter().filter(|&&l| l == NOISE).count();
    (n_clusters, n_noise)
}

/// Union–find with path halving and union by size.
pub(crate) struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    pub(crate) fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    pub(crate) fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Merges the sets of `a` and `b`; returns the new root, or `None` if they
    /// were already one set.
    pub(crate) fn union(&mut self, a: usize, b: usize) -> Option<usize> {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return None;
        }
        if self.size[ra] < self.size[rb] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb] = ra;
        self.size[ra] += self.size[rb];
        Some(ra)
    }
}
