//! Density methods at scale: fit on a random sample, then give every other
//! point a label by the algorithm's own reach, never silently (the
//! [`Approximation`] says so in the JSON, the metrics row and the captions).
//!
//! A point outside the sample takes the cluster of a sample point `j` (the
//! first found, searching nearer regions first, as DBSCAN gives a border
//! point the cluster of the first core point that reaches it) when it lies
//! within `j`'s reach: DBSCAN's `eps` around a core point
//! (its rule for border points), or, for OPTICS and HDBSCAN, `j`'s core
//! distance (the distance to its `min_samples`-th neighbour in the sample,
//! so that the mutual reachability of the two points is `j`'s core
//! distance: the point is as reachable as `j`'s own core). Otherwise it is
//! noise. Per-point extras of the points outside the sample are those of
//! the sample point they joined (HDBSCAN's probabilities and outlier
//! scores; membership 0 and outlier score 1 out of every reach) or
//! undefined (OPTICS' reachabilities, `null` in the JSON).

use std::time::Instant;

use ndarray::{Array1, ArrayView2, Axis};
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::clustering::{Approximation, Clustering, Extras, PointScores, NOISE};
use crate::common::{check_data, count_labels, to_row_major};
use crate::error::AlgoError;
use crate::kdtree::{KdTree, LEAF_SIZE};
use crate::Clusterer;

/// Leaf size of the tree of reaching points (large leaves: fewer boxes to
/// test in 10-D, as DBSCAN's own tree).
const REACH_LEAF_SIZE: usize = 128;

/// How far a sample point reaches to the points outside the sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reach {
    /// `eps` around each core point (DBSCAN).
    Eps(f64),
    /// Each point's distance to its `min_samples`-th neighbour in the sample (OPTICS, HDBSCAN).
    CoreDistance(usize),
}

/// `m` of `n` row indices, drawn without replacement from `seed`, ascending.
pub fn sample_indices(n: usize, m: usize, seed: u64) -> Vec<usize> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5A4D_504C_4520_4E21);
    let mut idx = sample(&mut rng, n, m.min(n)).into_vec();
    idx.sort_unstable();
    idx
}

/// An algorithm fitted on the rows `idx` of the data, extended to all rows.
pub struct Sampled {
    pub inner: Box<dyn Clusterer + Send + Sync>,
    /// The sample (ascending row indices); the data must have the `n` rows it was drawn from.
    pub idx: Vec<usize>,
    pub n: usize,
    pub reach: Reach,
}

impl Clusterer for Sampled {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn fit(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError> {
        check_data(&x, 1)?;
        if x.nrows() != self.n {
            return Err(AlgoError::Backend {
                algorithm: self.inner.name(),
                message: format!("planned for {} rows, given {}", self.n, x.nrows()),
            });
        }
        let start = Instant::now();
        let xs = x.select(Axis(0), &self.idx);
        let mut c = self.inner.fit(xs.view())?;
        let (m, d) = xs.dim();
        let data = to_row_major(&xs.view());
        // Which sample points reach out, and how far.
        let reach: Vec<f64> = match self.reach {
            Reach::Eps(eps) => {
                let mut r = vec![-1.0; m];
                if let Extras::Dbscan { core_points } = &c.extras {
                    for &j in core_points {
                        r[j] = eps;
                    }
                }
                r
            }
            Reach::CoreDistance(k) => {
                let all = KdTree::build(&data, d, (0..m).collect(), LEAF_SIZE);
                (0..m)
                    .into_par_iter()
                    .map(|j| {
                        if c.labels[j] == NOISE {
                            -1.0
                        } else {
                            all.kth_nn_sq_dist(&data[j * d..(j + 1) * d], k.clamp(1, m))
                                .sqrt()
                        }
                    })
                    .collect()
            }
        };
        let reaching: Vec<usize> = (0..m).filter(|&j| reach[j] >= 0.0).collect();
        let mut rows = Vec::with_capacity(reaching.len() * d);
        for &j in &reaching {
            rows.extend_from_slice(&data[j * d..(j + 1) * d]);
        }
        let tree = KdTree::build(&rows, d, reaching.clone(), REACH_LEAF_SIZE);
        // One range query per point, out to the farthest reach.
        let r2 = reaching
            .iter()
            .map(|&j| reach[j] * reach[j])
            .fold(0.0, f64::max);
        let mut in_sample = vec![usize::MAX; self.n];
        for (j, &i) in self.idx.iter().enumerate() {
            in_sample[i] = j;
        }
        // Per row outside the sample: the sample point it joins
        // (`usize::MAX`: none, noise out of every reach).
        let outside: Vec<usize> = (0..self.n)
            .filter(|&i| in_sample[i] == usize::MAX)
            .collect();
        let joined: Vec<usize> = outside
            .par_iter()
            .map(|&i| {
                let q = x.row(i).to_vec();
                let within = |pos: usize, d2: f64| {
                    let j = tree.ids[pos];
                    d2 <= reach[j] * reach[j]
                };
                tree.find_within(&q, r2, &within)
                    .map_or(usize::MAX, |pos| tree.ids[pos])
            })
            .collect();
        // Per row: its label and the sample point whose extras it takes.
        let mut assigned: Vec<(i64, usize)> = vec![(NOISE, usize::MAX); self.n];
        for (j, &i) in self.idx.iter().enumerate() {
            assigned[i] = (c.labels[j], j);
        }
        for (&i, &j) in outside.iter().zip(&joined) {
            if j != usize::MAX {
                assigned[i] = (c.labels[j], j);
            }
        }
        let labels: Vec<i64> = assigned.iter().map(|a| a.0).collect();
        // Out of every reach: membership 0 and the largest outlier score.
        c.scores = c.scores.take().map(|s| PointScores {
            probabilities: assigned
                .iter()
                .map(|&(l, j)| {
                    if l == NOISE || j == usize::MAX {
                        0.0
                    } else {
                        s.probabilities[j]
                    }
                })
                .collect(),
            outlier_scores: assigned
                .iter()
                .map(|&(_, j)| s.outlier_scores.get(j).copied().unwrap_or(1.0))
                .collect(),
        });
        c.extras = match c.extras {
            Extras::Dbscan { core_points } => Extras::Dbscan {
                core_points: core_points.iter().map(|&j| self.idx[j]).collect(),
            },
            Extras::Optics {
                ordering,
                reachability,
                core_distances,
            } => {
                let spread = |a: &Array1<f64>| {
                    let mut full = Array1::from_elem(self.n, f64::INFINITY);
                    for (j, &i) in self.idx.iter().enumerate() {
                        full[i] = a[j];
                    }
                    full
                };
                Extras::Optics {
                    ordering: ordering.iter().map(|&j| self.idx[j]).collect(),
                    reachability: spread(&reachability),
                    core_distances: spread(&core_distances),
                }
            }
            Extras::Hdbscan { tree: Some(mut t) } => {
                // Tree points are sample rows; every row takes the place of
                // the sample point it joined (membership vectors).
                t.point_rows = Some(self.idx.clone());
                t.stand_in = Some(assigned.iter().map(|a| a.1).collect());
                Extras::Hdbscan { tree: Some(t) }
            }
            other => other,
        };
        let (n_clusters, n_noise) = count_labels(&labels);
        let rule = match self.reach {
            Reach::Eps(_) => "within eps of one of its core points",
            Reach::CoreDistance(_) => "within the core distance of one of its points",
        };
        c.approximation = Some(Approximation {
            method: "sample+nearest-core".into(),
            sample_n: m,
            note: format!(
                "fitted on a random sample of {m} of the {} points; each other point joins a cluster when it lies {rule}, else it is noise",
                self.n
            ),
        });
        c.labels = labels;
        c.n_clusters = n_clusters;
        c.n_noise = n_noise;
        c.fit_seconds = start.elapsed().as_secs_f64();
        Ok(c)
    }
}

/// The rows a density method is fitted on: all of them, or a sample when
/// there are more than the algorithm's `sample_size` (its parameter).
pub(crate) struct FitRows {
    /// The sample, when one is drawn.
    pub idx: Option<Vec<usize>>,
    sample: Option<ndarray::Array2<f64>>,
    pub n: usize,
}

impl FitRows {
    /// Reads the `sample_size` setting (0 = every point; default `limit`).
    pub(crate) fn plan(
        s: &super::Settings,
        ctx: &super::Context,
        limit: usize,
    ) -> Result<FitRows, super::PlanError> {
        let n = ctx.x.nrows();
        let m = match s.count("sample_size")? {
            Some(0) => n,
            Some(v) => v.min(n),
            None => limit.min(n),
        };
        if m >= n {
            return Ok(FitRows {
                idx: None,
                sample: None,
                n,
            });
        }
        let idx = sample_indices(n, m, ctx.seed);
        Ok(FitRows {
            sample: Some(ctx.x.select(Axis(0), &idx)),
            idx: Some(idx),
            n,
        })
    }

    /// The rows the algorithm sees (the sample, or all of `x`).
    pub(crate) fn view<'a>(&'a self, x: ArrayView2<'a, f64>) -> ArrayView2<'a, f64> {
        self.sample.as_ref().map_or(x, |a| a.view())
    }

    /// How many rows the algorithm sees.
    pub(crate) fn len(&self) -> usize {
        self.idx.as_ref().map_or(self.n, Vec::len)
    }

    /// Whether the algorithm sees every row.
    pub(crate) fn is_all(&self) -> bool {
        self.idx.is_none()
    }

    /// The runnable: `inner` itself, or `inner` on the sample extended by `reach`.
    pub(crate) fn runnable(
        self,
        inner: Box<dyn Clusterer + Send + Sync>,
        reach: Reach,
    ) -> super::Runnable {
        match self.idx {
            None => super::Runnable::Clusterer(inner),
            Some(idx) => super::Runnable::Clusterer(Box::new(Sampled {
                inner,
                idx,
                n: self.n,
                reach,
            })),
        }
    }
}

/// The `sample_size` parameter of a density method.
pub(crate) const fn sample_size_spec(default: &'static str) -> super::ParamSpec {
    super::ParamSpec {
        name: "sample_size",
        help: "Fit on a random sample of this many points when there are more (0 = all points); the others join by the algorithm's reach",
        kind: super::Kind::Count,
        default,
        fit_only: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DbscanParams;

    /// The help text's default is the constant the plan uses.
    #[test]
    fn sample_size_defaults_are_the_constants() {
        use crate::plan::{defaults, Algorithm};
        for (a, limit) in [
            (Algorithm::Dbscan, defaults::DBSCAN_MAX_N),
            (Algorithm::Optics, defaults::OPTICS_MAX_N),
            (Algorithm::Hdbscan, defaults::HDBSCAN_MAX_N),
        ] {
            assert_eq!(
                a.param("sample_size").unwrap().default,
                limit.to_string(),
                "{a}"
            );
        }
    }

    #[test]
    fn samples_are_sorted_distinct_and_seeded() {
        let a = sample_indices(1000, 100, 3);
        assert_eq!(a.len(), 100);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a, sample_indices(1000, 100, 3));
        assert_ne!(a, sample_indices(1000, 100, 4));
        assert_eq!(sample_indices(5, 10, 0), vec![0, 1, 2, 3, 4]);
    }

    /// Two far clusters: every point outside the sample joins its own
    /// cluster; a far outlier outside the sample is noise.
    #[test]
    fn points_outside_the_sample_join_by_reach() {
        let mut x = crate::synth::blobs(2000, 2, 2, 0.3, 5);
        x[[1999, 0]] = 1e3;
        x[[1999, 1]] = 1e3;
        let idx: Vec<usize> = (0..1999).step_by(3).collect();
        let full = DbscanParams::new(0.5, 5)
            .check()
            .unwrap()
            .fit(x.view())
            .unwrap();
        let s = Sampled {
            inner: Box::new(DbscanParams::new(0.5, 5).check().unwrap()),
            idx: idx.clone(),
            n: 2000,
            reach: Reach::Eps(0.5),
        };
        let c = s.fit(x.view()).unwrap();
        assert_eq!(full.n_clusters, 2, "full fit: {} clusters", full.n_clusters);
        assert_eq!(c.labels.len(), 2000);
        assert_eq!(c.labels[1999], NOISE);
        assert_eq!(c.n_clusters, 2);
        let a = c.approximation.as_ref().unwrap();
        assert_eq!(a.sample_n, idx.len());
        // The same partition as the full fit on the blobs (labels may be
        // renumbered): each full cluster maps to one sampled cluster.
        let mut pairs = std::collections::HashMap::new();
        for i in 0..1999 {
            *pairs.entry((full.labels[i], c.labels[i])).or_insert(0usize) += 1;
        }
        let agree: usize = (0..2)
            .map(|l| {
                pairs
                    .iter()
                    .filter(|((f, _), _)| *f == l)
                    .map(|(_, n)| *n)
                    .max()
                    .unwrap_or(0)
            })
            .sum();
        assert!(agree >= 1990, "{pairs:?}");
        let h = Sampled {
            inner: Box::new(crate::HdbscanParams::new(20).check().unwrap()),
            idx,
            n: 2000,
            reach: Reach::CoreDistance(20),
        };
        let c = h.fit(x.view()).unwrap();
        assert_eq!(c.labels[1999], NOISE);
        assert_eq!(c.scores.as_ref().unwrap().probabilities.len(), 2000);
    }
}
