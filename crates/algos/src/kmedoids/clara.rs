//! FasterCLARA (Schubert & Rousseeuw): CLARA with FasterPAM on each sample.
//!
//! `samples` random samples of `sample_size` points are drawn one after the
//! other, each holding the best medoids found so far (as in Kaufman &
//! Rousseeuw's CLARA) and `sample_size − k` other points drawn uniformly;
//! FasterPAM runs on each sample's precomputed distance matrix, and the
//! medoids of each run are scored by their loss on all points (computed in
//! parallel, summed in a fixed order). The medoids with the lowest loss on
//! all points are kept; every point is labelled by its nearest medoid.
//!
//! Deterministic from the seed and independent of the number of threads:
//! the samples and the FasterPAM starts come from one sequential generator,
//! and the parallel sums are over fixed chunks added in order.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use rayon::prelude::*;

use super::algorithm::{best_fasterpam, lower_triangle, EuclideanOnTheFly};
use super::hyperparams::ValidKMedoidsParams;
use crate::common::sq_dist;

/// Points per chunk of the evaluation on all points: a fixed chunking, so
/// the loss is summed in the same order whatever the number of threads.
const CHUNK: usize = 4096;

/// The result of FasterCLARA.
pub(super) struct ClaraFit {
    /// Sum over all points of the distance to the nearest medoid.
    pub loss: f64,
    /// Index of each point's nearest medoid in `medoids` (the first on ties).
    pub labels: Vec<usize>,
    /// Indices into the full data.
    pub medoids: Vec<usize>,
    /// Points per sample.
    pub sample_size: usize,
}

/// Each point's nearest medoid (the first on ties) and the sum over all
/// points of the distance to it. `data` is row-major with `dim` columns.
pub(super) fn assign(data: &[f64], dim: usize, medoids: &[usize]) -> (Vec<usize>, f64) {
    let n = data.len() / dim;
    let centers: Vec<f64> = medoids
        .iter()
        .flat_map(|&m| data[m * dim..(m + 1) * dim].iter().copied())
        .collect();
    let mut labels = vec![0usize; n];
    let partial: Vec<f64> = labels
        .par_chunks_mut(CHUNK)
        .enumerate()
        .map(|(c, out)| {
            let mut sum = 0.0;
            for (i, label) in out.iter_mut().enumerate() {
                let start = (c * CHUNK + i) * dim;
                let p = &data[start..start + dim];
                let mut best = f64::INFINITY;
                let mut best_j = 0;
                for (j, center) in centers.chunks_exact(dim).enumerate() {
                    let d = sq_dist(p, center);
                    if d < best {
                        best = d;
                        best_j = j;
                    }
                }
                *label = best_j;
                sum += best.sqrt();
            }
            sum
        })
        .collect();
    (labels, partial.iter().sum())
}

/// `m` distinct indices of `0..n`: those of `keep` (distinct) first, then
/// `m − keep.len()` others drawn uniformly among the rest.
fn draw_sample(n: usize, m: usize, keep: &[usize], rng: &mut Xoshiro256Plus) -> Vec<usize> {
    if m >= n {
        return (0..n).collect();
    }
    let mut sorted = keep.to_vec();
    sorted.sort_unstable();
    let mut sample = keep.to_vec();
    // The r-th index of 0..n that is not kept.
    sample.extend(
        rand::seq::index::sample(rng, n - keep.len(), m - keep.len())
            .into_iter()
            .map(|r| {
                let mut v = r;
                for &s in &sorted {
                    if s <= v {
                        v += 1;
                    } else {
                        break;
                    }
                }
                v
            }),
    );
    sample
}

/// FasterCLARA on the `data.len() / dim` points of `data` (row-major).
pub(super) fn fasterclara(data: &[f64], dim: usize, p: &ValidKMedoidsParams) -> ClaraFit {
    let n = data.len() / dim;
    let k = p.n_clusters;
    let m = p.sample_size_for(n).max(k);
    let mut rng = Xoshiro256Plus::seed_from_u64(p.seed);
    let mut best: Option<(f64, Vec<usize>, Vec<usize>)> = None;
    let mut sample_data = Vec::with_capacity(m * dim);
    for _ in 0..p.samples {
        let keep = best.as_ref().map_or(&[][..], |b| &b.2[..]);
        let sample = draw_sample(n, m, keep, &mut rng);
        sample_data.clear();
        for &i in &sample {
            sample_data.extend_from_slice(&data[i * dim..(i + 1) * dim]);
        }
        let (_, _, meds) = if m <= p.precompute_limit {
            best_fasterpam(&lower_triangle(&sample_data, dim), p, &mut rng)
        } else {
            best_fasterpam(&EuclideanOnTheFly::new(&sample_data, dim), p, &mut rng)
        };
        let medoids: Vec<usize> = meds.iter().map(|&j| sample[j]).collect();
        let (labels, loss) = assign(data, dim, &medoids);
        if best.as_ref().is_none_or(|b| loss < b.0) {
            best = Some((loss, labels, medoids));
        }
    }
    // samples >= 1 is checked, so a sample ran.
    let (loss, labels, medoids) = best.unwrap_or_default();
    ClaraFit {
        loss,
        labels,
        medoids,
        sample_size: m,
    }
}

/// `1234567` → `"1,234,567"`.
pub(super) fn thousands(v: usize) -> String {
    let s = v.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(2080), "2,080");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn samples_are_distinct_and_keep_the_medoids_first() {
        let mut rng = Xoshiro256Plus::seed_from_u64(3);
        for keep in [vec![], vec![7, 2, 9], vec![0, 19]] {
            let s = draw_sample(20, 12, &keep, &mut rng);
            assert_eq!(s.len(), 12);
            assert_eq!(&s[..keep.len()], &keep[..]);
            let mut u = s.clone();
            u.sort_unstable();
            u.dedup();
            assert_eq!(u.len(), 12);
            assert!(u.iter().all(|&i| i < 20));
        }
        assert_eq!(draw_sample(5, 9, &[1], &mut rng), vec![0, 1, 2, 3, 4]);
    }
}
