use std::time::Instant;

use kmedoids::arrayadapter::LowerTriangle;
use kmedoids::ArrayAdapter;
use ndarray::ArrayView2;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;
use rayon::prelude::*;

use super::clara::{fasterclara, thousands};
use super::hyperparams::{KMedoidsInit, KMedoidsMethod, ValidKMedoidsParams};
use crate::clustering::{Approximation, Clustering, Extras};
use crate::common::{check_at_most_points, check_data, sq_dist, to_row_major};
use crate::error::AlgoError;
use crate::Clusterer;

/// Euclidean distances computed from the data whenever FasterPAM asks for
/// one: the `kmedoids` crate's [`ArrayAdapter`] without an n×n matrix.
#[derive(Debug, Clone)]
pub struct EuclideanOnTheFly<'a> {
    data: &'a [f64],
    dim: usize,
    n: usize,
}

impl<'a> EuclideanOnTheFly<'a> {
    /// `data` holds `data.len() / dim` points row-major; `dim` must be ≥ 1.
    pub fn new(data: &'a [f64], dim: usize) -> Self {
        let dim = dim.max(1);
        EuclideanOnTheFly {
            data,
            dim,
            n: data.len() / dim,
        }
    }
}

impl ArrayAdapter<f64> for EuclideanOnTheFly<'_> {
    fn len(&self) -> usize {
        self.n
    }

    fn is_square(&self) -> bool {
        true
    }

    #[inline]
    fn get(&self, x: usize, y: usize) -> f64 {
        let d = self.dim;
        sq_dist(
            &self.data[x * d..(x + 1) * d],
            &self.data[y * d..(y + 1) * d],
        )
        .sqrt()
    }
}

/// The lower triangle (without diagonal) of the euclidean distance matrix,
/// row x holding d(x, 0..x), computed in parallel.
pub(super) fn lower_triangle(data: &[f64], dim: usize) -> LowerTriangle<f64> {
    let n = data.len() / dim;
    let values: Vec<f64> = (0..n)
        .into_par_iter()
        .flat_map_iter(|x| {
            let px = &data[x * dim..(x + 1) * dim];
            (0..x).map(move |y| sq_dist(px, &data[y * dim..(y + 1) * dim]).sqrt())
        })
        .collect();
    LowerTriangle { n, data: values }
}

/// k distinct initial medoids.
fn initial_medoids<M: ArrayAdapter<f64>>(
    mat: &M,
    k: usize,
    init: KMedoidsInit,
    rng: &mut Xoshiro256Plus,
) -> Vec<usize> {
    let n = mat.len();
    match init {
        KMedoidsInit::Build => {
            let (_loss, _assignment, meds): (f64, Vec<usize>, Vec<usize>) =
                kmedoids::pam_build(mat, k);
            meds
        }
        KMedoidsInit::Random => rand::seq::index::sample(rng, n, k).into_vec(),
        KMedoidsInit::KMeansPlusPlus => {
            let mut chosen = vec![false; n];
            let first = rng.gen_range(0..n);
            let mut meds = vec![first];
            chosen[first] = true;
            let mut nearest: Vec<f64> = (0..n).map(|i| mat.get(i, first)).collect();
            while meds.len() < k {
                let total: f64 = nearest
                    .iter()
                    .zip(&chosen)
                    .filter(|(_, &c)| !c)
                    .map(|(d, _)| d * d)
                    .sum();
                let next = if total > 0.0 && total.is_finite() {
                    let mut u = rng.gen::<f64>() * total;
                    let mut pick = None;
                    for i in 0..n {
                        if chosen[i] {
                            continue;
                        }
                        let w = nearest[i] * nearest[i];
                        if w > 0.0 {
                            pick = Some(i);
                            if u < w {
                                break;
                            }
                            u -= w;
                        }
                    }
                    pick
                } else {
                    None
                };
                // All remaining points coincide with medoids: any unchosen point.
                let next = match next {
                    Some(i) => i,
                    None => {
                        let free: Vec<usize> = (0..n).filter(|&i| !chosen[i]).collect();
                        free[rng.gen_range(0..free.len())]
                    }
                };
                chosen[next] = true;
                meds.push(next);
                for (i, d) in nearest.iter_mut().enumerate() {
                    let dn = mat.get(i, next);
                    if dn < *d {
                        *d = dn;
                    }
                }
            }
            meds
        }
    }
}

/// Best of `n_init` FasterPAM runs: (loss, labels, medoids).
pub(super) fn best_fasterpam<M: ArrayAdapter<f64>>(
    mat: &M,
    p: &ValidKMedoidsParams,
    rng: &mut Xoshiro256Plus,
) -> (f64, Vec<usize>, Vec<usize>) {
    let mut best: Option<(f64, Vec<usize>, Vec<usize>)> = None;
    let runs = if p.init == KMedoidsInit::Build {
        1
    } else {
        p.n_init
    };
    for _ in 0..runs {
        let mut meds = initial_medoids(mat, p.n_clusters, p.init, rng);
        let (loss, assignment, _iters, _swaps): (f64, Vec<usize>, usize, usize) =
            kmedoids::fasterpam(mat, &mut meds, p.max_iter);
        if best.as_ref().is_none_or(|b| loss < b.0) {
            best = Some((loss, assignment, meds));
        }
    }
    // n_init >= 1 is checked, so a run exists.
    best.unwrap_or_default()
}

impl Clusterer for ValidKMedoidsParams {
    fn name(&self) -> &'static str {
        "kmedoids"
    }

    fn fit(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError> {
        check_data(&x, 1)?;
        let (n, dim) = x.dim();
        check_at_most_points("k", self.n_clusters, n)?;
        let start = Instant::now();
        let data = to_row_major(&x);
        let (loss, assignment, medoids, approximation) = match self.method_for(n) {
            KMedoidsMethod::FasterClara => {
                let fit = fasterclara(&data, dim, self);
                let note = format!(
                    "FasterCLARA: FasterPAM on {} sample{} of {} points, best loss on all {}",
                    self.samples,
                    if self.samples == 1 { "" } else { "s" },
                    thousands(fit.sample_size),
                    thousands(n)
                );
                let approximation = Approximation {
                    method: KMedoidsMethod::FasterClara.to_string(),
                    sample_n: fit.sample_size,
                    note,
                };
                (fit.loss, fit.labels, fit.medoids, Some(approximation))
            }
            _ => {
                let mut rng = Xoshiro256Plus::seed_from_u64(self.seed);
                let (loss, assignment, medoids) = if n <= self.precompute_limit {
                    best_fasterpam(&lower_triangle(&data, dim), self, &mut rng)
                } else {
                    best_fasterpam(&EuclideanOnTheFly::new(&data, dim), self, &mut rng)
                };
                (loss, assignment, medoids, None)
            }
        };
        let fit_seconds = start.elapsed().as_secs_f64();
        Ok(Clustering {
            algorithm: "kmedoids",
            labels: assignment.iter().map(|&l| l as i64).collect(),
            membership: None,
            scores: None,
            n_clusters: self.n_clusters,
            n_noise: 0,
            fit_seconds,
            extras: Extras::KMedoids { medoids, loss },
            approximation,
        })
    }
}
