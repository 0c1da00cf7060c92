//! Mean silhouette coefficient (euclidean).

use ndarray::ArrayView2;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::contingency::encode;
use crate::NOISE;

/// Largest number of points [`silhouette`] is evaluated on by default: the
/// cost is quadratic (`O(m²·d)` for `m` points), so beyond this a
/// deterministic random sample of this many points is used.
pub const DEFAULT_SILHOUETTE_MAX_N: usize = 2000;

/// Per-point silhouette values of the non-noise points of `x` (rows =
/// points), `None` where the label is noise (`-1`).
///
/// For a point in cluster `C`, `a` is its mean distance to the other points
/// of `C` and `b` the smallest mean distance to the points of another
/// cluster; its value is `(b − a) / max(a, b)`, and 0 for a point alone in
/// its cluster (or when `a = b = 0`), as scikit-learn's
/// `silhouette_samples` on the non-noise points.
///
/// `None` when fewer than 2 clusters remain after dropping noise, when every
/// remaining point is a cluster of its own (scikit-learn rejects both), when
/// `labels.len()` differs from the number of rows, or when a used
/// coordinate is not finite.
pub fn silhouette_samples(x: ArrayView2<f64>, labels: &[i64]) -> Option<Vec<Option<f64>>> {
    if labels.len() != x.nrows() {
        return None;
    }
    let keep: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] != NOISE).collect();
    let values = silhouette_of(x, labels, &keep)?;
    let mut out = vec![None; labels.len()];
    for (&i, v) in keep.iter().zip(values) {
        out[i] = Some(v);
    }
    Some(out)
}

/// Mean silhouette coefficient (euclidean distance) of the non-noise points,
/// as scikit-learn's `silhouette_score` on the points whose label is not
/// `-1`; see [`silhouette_samples`] for the per-point value and when the
/// result is `None`.
///
/// When more than `max_n` points are not noise, the mean is taken over a
/// random sample of `max_n` of them (distances only among the sample, as
/// scikit-learn's `sample_size`), drawn deterministically from `seed`. Use
/// [`DEFAULT_SILHOUETTE_MAX_N`] unless you have a reason not to.
pub fn silhouette(x: ArrayView2<f64>, labels: &[i64], max_n: usize, seed: u64) -> Option<f64> {
    if labels.len() != x.nrows() {
        return None;
    }
    let mut keep: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] != NOISE).collect();
    if keep.len() > max_n {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut picked: Vec<usize> = rand::seq::index::sample(&mut rng, keep.len(), max_n)
            .into_iter()
            .map(|j| keep[j])
            .collect();
        picked.sort_unstable();
        keep = picked;
    }
    let values = silhouette_of(x, labels, &keep)?;
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// Silhouette values of the points `idx` (ascending, no noise) computed
/// among themselves.
fn silhouette_of(x: ArrayView2<f64>, labels: &[i64], idx: &[usize]) -> Option<Vec<f64>> {
    let sub_labels: Vec<i64> = idx.iter().map(|&i| labels[i]).collect();
    let (uniq, codes) = encode(&sub_labels);
    let k = uniq.len();
    let m = idx.len();
    if k < 2 || k >= m {
        return None;
    }
    if idx.iter().any(|&i| x.row(i).iter().any(|v| !v.is_finite())) {
        return None;
    }
    let mut sizes = vec![0usize; k];
    for &c in &codes {
        sizes[c] += 1;
    }
    // Rows gathered once, contiguous, for the quadratic loop.
    let d = x.ncols();
    let mut rows = Vec::with_capacity(m * d);
    for &i in idx {
        rows.extend(x.row(i).iter().copied());
    }
    let values = (0..m)
        .into_par_iter()
        .map(|p| {
            let own = codes[p];
            if sizes[own] == 1 {
                return 0.0;
            }
            let xp = &rows[p * d..(p + 1) * d];
            let mut sums = vec![0.0f64; k];
            for q in 0..m {
                let xq = &rows[q * d..(q + 1) * d];
                let dist2: f64 = xp.iter().zip(xq).map(|(a, b)| (a - b) * (a - b)).sum();
                sums[codes[q]] += dist2.sqrt();
            }
            let a = sums[own] / (sizes[own] - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own)
                .map(|c| sums[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            let scale = a.max(b);
            if scale > 0.0 {
                (b - a) / scale
            } else {
                0.0
            }
        })
        .collect();
    Some(values)
}
