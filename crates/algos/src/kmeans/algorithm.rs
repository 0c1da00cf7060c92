use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use linfa::traits::Fit;
use linfa::DatasetBase;
use linfa_clustering::{KMeans, KMeansInit as LinfaInit};
use linfa_nn::distance::{Distance, L2Dist};
use ndarray::{Array2, ArrayView, ArrayView2, Dimension};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use rayon::prelude::*;

use super::hyperparams::{KMeansBackend, ValidKMeansParams};
use super::lloyd::{initial_centroids, lloyd, run_rng, Run, CHUNK};
use crate::clustering::{Clustering, Extras};
use crate::common::{check_at_most_points, check_data, sq_dist, to_row_major};
use crate::error::AlgoError;
use crate::Clusterer;

/// Euclidean distance that counts linfa's iterations: linfa's k-means calls
/// `distance` on the whole k × d centroid matrices exactly once per iteration
/// (to measure how far the centroids moved) and uses `rdistance` on rows
/// everywhere else, so the number of 2-D calls is the number of iterations.
#[derive(Debug, Clone, Default)]
struct CountingL2(Arc<AtomicUsize>);

impl Distance<f64> for CountingL2 {
    fn distance<D: Dimension>(&self, a: ArrayView<f64, D>, b: ArrayView<f64, D>) -> f64 {
        if a.ndim() == 2 {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        L2Dist.distance(a, b)
    }

    fn rdistance<D: Dimension>(&self, a: ArrayView<f64, D>, b: ArrayView<f64, D>) -> f64 {
        L2Dist.rdistance(a, b)
    }

    fn rdist_to_dist(&self, rdist: f64) -> f64 {
        rdist.sqrt()
    }

    fn dist_to_rdist(&self, dist: f64) -> f64 {
        dist * dist
    }
}

/// Nearest centroid of every point (ties to the lower index) and the sum of
/// squared distances.
fn assign(data: &[f64], dim: usize, centroids: &[f64]) -> (Vec<usize>, f64) {
    let res: Vec<(usize, f64)> = data
        .par_chunks(dim)
        .map(|p| {
            let mut best = (0, f64::INFINITY);
            for (j, c) in centroids.chunks(dim).enumerate() {
                let d2 = sq_dist(p, c);
                if d2 < best.1 {
                    best = (j, d2);
                }
            }
            best
        })
        .collect();
    let inertia = res.iter().map(|r| r.1).sum();
    (res.into_iter().map(|r| r.0).collect(), inertia)
}

/// Lloyd steps from `centroids` until the labels stop changing (at most
/// `max_steps`): makes the returned centroids the means of their clusters.
/// A cluster left empty keeps its centroid.
fn polish(data: &[f64], dim: usize, mut centroids: Vec<f64>, max_steps: usize) -> Run {
    let k = centroids.len() / dim;
    let (mut labels, mut inertia) = assign(data, dim, &centroids);
    let mut steps = 0;
    while steps < max_steps {
        let mut sums = vec![0.0; k * dim];
        let mut counts = vec![0usize; k];
        for (p, &l) in data.chunks(dim).zip(&labels) {
            counts[l] += 1;
            for (s, v) in sums[l * dim..(l + 1) * dim].iter_mut().zip(p) {
                *s += v;
            }
        }
        for j in 0..k {
            if counts[j] > 0 {
                for t in 0..dim {
                    centroids[j * dim + t] = sums[j * dim + t] / counts[j] as f64;
                }
            }
        }
        steps += 1;
        let (new_labels, new_inertia) = assign(data, dim, &centroids);
        let stable = new_labels == labels;
        labels = new_labels;
        inertia = new_inertia;
        if stable {
            break;
        }
    }
    Run {
        centroids,
        labels: vec![labels.into_iter().map(|l| l as u32).collect()],
        inertia,
        n_iter: steps,
    }
}

impl ValidKMeansParams {
    /// The initial centroids (k × d) of run `run` (0-based, `< n_init`) on
    /// `x`: what both backends start that run from. Run r draws from the
    /// seed's xoshiro256+ stream advanced by r jumps.
    pub fn initial_centroids(
        &self,
        x: ArrayView2<f64>,
        run: usize,
    ) -> Result<Array2<f64>, AlgoError> {
        check_data(&x, 1)?;
        let (n, dim) = x.dim();
        check_at_most_points("k", self.n_clusters, n)?;
        let data = row_major(&x);
        let mut rng = [run_rng(self.seed, run)];
        let c = initial_centroids(&data, dim, self.n_clusters, self.init, &mut rng);
        let c = c.into_iter().next().expect("one start");
        to_array(c.centers, self.n_clusters, dim)
    }
}

/// Memory the k-means++ seeding of a group of runs may hold (20 bytes per
/// point and run).
const SEED_BYTES: usize = 256 << 20;

/// Mean over the features of the population variance (two passes over fixed
/// chunks, summed in chunk order: independent of the thread count).
fn mean_variance(data: &[f64], dim: usize) -> f64 {
    let n = (data.len() / dim) as f64;
    let add = |mut a: Vec<f64>, b: Vec<f64>| {
        a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
        a
    };
    let chunked = |f: &(dyn Fn(&[f64], &mut [f64]) + Sync)| -> Vec<f64> {
        let parts: Vec<Vec<f64>> = data
            .par_chunks(CHUNK * dim)
            .map(|xs| {
                let mut acc = vec![0.0; dim];
                for p in xs.chunks_exact(dim) {
                    f(p, &mut acc);
                }
                acc
            })
            .collect();
        parts.into_iter().fold(vec![0.0; dim], add)
    };
    let mean: Vec<f64> = chunked(&|p, acc| acc.iter_mut().zip(p).for_each(|(a, v)| *a += v))
        .into_iter()
        .map(|s| s / n)
        .collect();
    let ss = chunked(&|p, acc| {
        for ((a, v), m) in acc.iter_mut().zip(p).zip(&mean) {
            let t = v - m;
            *a += t * t;
        }
    });
    ss.iter().map(|s| s / n).sum::<f64>() / dim as f64
}

/// `x` as one row-major slice, borrowed when it already is one.
fn row_major<'a>(x: &ArrayView2<'a, f64>) -> Cow<'a, [f64]> {
    match x.to_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(to_row_major(x)),
    }
}

fn to_array(v: Vec<f64>, k: usize, dim: usize) -> Result<Array2<f64>, AlgoError> {
    Array2::from_shape_vec((k, dim), v).map_err(|e| AlgoError::Backend {
        algorithm: "kmeans",
        message: e.to_string(),
    })
}

/// linfa's k-means (m_k-means updates, linfa's absolute tolerance) from
/// `init`, polished by exact Lloyd steps until the labels are stable.
/// `n_iter` counts linfa's iterations (through the distance it calls) plus
/// the polishing steps.
fn linfa_run(
    x: ArrayView2<f64>,
    data: &[f64],
    init: Vec<f64>,
    p: &ValidKMeansParams,
    abs_tol: f64,
) -> Result<Run, AlgoError> {
    let dim = x.ncols();
    let k = p.n_clusters;
    let init = to_array(init, k, dim)?;
    let dataset = DatasetBase::from(x);
    let counter = CountingL2::default();
    // The generator is unused with precomputed centroids.
    let model = KMeans::params_with(k, Xoshiro256Plus::seed_from_u64(0), counter.clone())
        .n_runs(1)
        .tolerance(abs_tol)
        .max_n_iterations(p.max_iter as u64)
        .init_method(LinfaInit::Precomputed(init))
        .fit(&dataset)
        .map_err(|e| AlgoError::Backend {
            algorithm: "kmeans",
            message: e.to_string(),
        })?;
    let linfa_iters = counter.0.load(Ordering::Relaxed);
    let centroids: Vec<f64> = model.centroids().iter().copied().collect();
    let mut run = polish(
        data,
        dim,
        centroids,
        p.max_iter.saturating_sub(linfa_iters).max(1),
    );
    run.n_iter += linfa_iters;
    Ok(run)
}

impl Clusterer for ValidKMeansParams {
    fn name(&self) -> &'static str {
        "kmeans"
    }

    /// Runs k-means `n_init` times, run r from the initial centroids
    /// [`ValidKMeansParams::initial_centroids`] gives for r, and keeps the
    /// run with the lowest inertia (the first on ties). The Lloyd backend
    /// iterates with scikit-learn's stopping rule (strict convergence or a
    /// squared centroid move of at most `tol` · mean variance); the linfa
    /// backend runs linfa's k-means and polishes its result.
    fn fit(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError> {
        check_data(&x, 1)?;
        let (n, dim) = x.dim();
        check_at_most_points("k", self.n_clusters, n)?;
        let start = Instant::now();
        let data = row_major(&x);
        // scikit-learn's relative tolerance: squared centroid shift <= tol · mean variance.
        let mean_var = mean_variance(&data, dim);
        let tol_sq = self.tol * mean_var;
        let abs_tol = tol_sq.sqrt().max(f64::MIN_POSITIVE);
        let mut best: Option<Run> = None;
        // Runs are seeded in groups (every pass over the data serves a whole
        // group) whose seeding state stays within SEED_BYTES.
        let group = (SEED_BYTES / (20 * n).max(1)).clamp(1, self.n_init);
        let mut r0 = 0;
        while r0 < self.n_init {
            let r1 = (r0 + group).min(self.n_init);
            let mut rngs: Vec<_> = (r0..r1).map(|r| run_rng(self.seed, r)).collect();
            let starts = initial_centroids(&data, dim, self.n_clusters, self.init, &mut rngs);
            for init in starts {
                let run = match self.backend {
                    KMeansBackend::Lloyd => lloyd(&data, dim, init, self.max_iter, tol_sq),
                    KMeansBackend::Linfa => linfa_run(x, &data, init.centers, self, abs_tol)?,
                };
                if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                    best = Some(run);
                }
            }
            r0 = r1;
        }
        let best = best.ok_or_else(|| AlgoError::Backend {
            algorithm: "kmeans",
            message: "no run finished".into(),
        })?;
        let fit_seconds = start.elapsed().as_secs_f64();
        let labels: Vec<i64> = best.labels.iter().flatten().map(|&l| l as i64).collect();
        let n_clusters = self.n_clusters;
        let centroids = to_array(best.centroids, n_clusters, dim)?;
        Ok(Clustering {
            algorithm: "kmeans",
            labels,
            membership: None,
            scores: None,
            n_clusters,
            n_noise: 0,
            fit_seconds,
            extras: Extras::KMeans {
                centroids,
                inertia: best.inertia,
                n_iter: best.n_iter,
            },
            approximation: None,
        })
    }
}
