//! Data-driven defaults for the density-based algorithms, used when a run
//! does not set them. All distances are on the data the algorithms see
//! (z-scored by default), so the rules do not depend on units.
//!
//! * `min_samples` (DBSCAN, OPTICS): `2·d` (Sander et al.'s rule of thumb),
//!   at least 10, but at most `n / 10` (at least 2) so small data still has
//!   core points. (On the built-in 500-point sets 10 beats scikit-learn's 5:
//!   ARI on the circles 1.0 instead of 0.58 at the same eps rule.)
//! * DBSCAN `eps`: the [`EPS_QUANTILE`] quantile of the k-distances, the
//!   distance of each point to its `(min_samples − 1)`-th nearest other
//!   point (so `min_samples` counts the point itself, as scikit-learn). With
//!   this eps that share of the points are core points; the rest of the
//!   sorted k-distance curve is its steep tail, where noise lives. For more
//!   than [`KDIST_SAMPLE`] points the quantile is taken over a
//!   deterministic sample of that many points (distances to all points).
//! * OPTICS: the same `min_samples`, `xi` = [`OPTICS_XI`] and
//!   `min_cluster_size` = [`OPTICS_MIN_CLUSTER_FRACTION`] of n (at least 2),
//!   as scikit-learn's cluster-comparison gallery uses for most of its data
//!   (its default xi 0.05 leaves most points of the built-ins as noise).
//! * HDBSCAN: `min_cluster_size` = [`HDBSCAN_MIN_CLUSTER_FRACTION`] of n,
//!   between 5 and 100 (at most n/2, at least 2), and
//!   `min_samples` = `min(min_cluster_size, 5)`.

use ndarray::ArrayView2;

/// Share of points that are core points at the default DBSCAN eps.
pub const EPS_QUANTILE: f64 = 0.9;
/// Points sampled for the k-distance quantile.
pub const KDIST_SAMPLE: usize = 2000;
/// OPTICS `xi`.
pub const OPTICS_XI: f64 = 0.1;
/// OPTICS `min_cluster_size` as a fraction of n.
pub const OPTICS_MIN_CLUSTER_FRACTION: f64 = 0.1;
/// HDBSCAN `min_cluster_size` as a fraction of n.
pub const HDBSCAN_MIN_CLUSTER_FRACTION: f64 = 0.03;

/// The density parameters chosen for one dataset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DensityDefaults {
    pub min_samples: usize,
    pub eps: f64,
    pub optics_min_cluster_size: usize,
    pub hdbscan_min_cluster_size: usize,
    pub hdbscan_min_samples: usize,
}

/// `min_samples` for `n` points in `d` dimensions.
pub fn min_samples(n: usize, d: usize) -> usize {
    (2 * d).max(10).min((n / 10).max(2))
}

/// The default DBSCAN eps: the [`EPS_QUANTILE`] quantile of the
/// `(min_samples − 1)`-nearest-neighbour distances.
pub fn eps(x: ArrayView2<f64>, min_samples: usize) -> f64 {
    let n = x.nrows();
    if n < 2 {
        return 1.0;
    }
    let kth = min_samples.saturating_sub(1).clamp(1, n - 1);
    let queries: Vec<usize> = if n <= KDIST_SAMPLE {
        (0..n).collect()
    } else {
        // A deterministic, evenly spread sample.
        (0..KDIST_SAMPLE).map(|i| i * n / KDIST_SAMPLE).collect()
    };
    use rayon::prelude::*;
    let mut kd: Vec<f64> = queries
        .par_iter()
        .map(|&i| {
            let xi = x.row(i);
            // Keep the kth smallest distances (squared) by a bounded insertion.
            let mut best: Vec<f64> = Vec::with_capacity(kth + 1);
            for (j, xj) in x.rows().into_iter().enumerate() {
                if j == i {
                    continue;
                }
                let d2: f64 = xi
                    .iter()
                    .zip(xj.iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                if best.len() < kth {
                    let pos = best.partition_point(|&v| v <= d2);
                    best.insert(pos, d2);
                } else if d2 < best[kth - 1] {
                    let pos = best.partition_point(|&v| v <= d2);
                    best.insert(pos, d2);
                    best.pop();
                }
            }
            best.last().copied().unwrap_or(0.0).sqrt()
        })
        .collect();
    kd.sort_by(f64::total_cmp);
    let q = quantile(&kd, EPS_QUANTILE);
    if q > 0.0 && q.is_finite() {
        q
    } else {
        // All points coincide with their neighbours: any small radius works.
        1e-9
    }
}

/// Linear-interpolated quantile of sorted values.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let t = pos - lo as f64;
    sorted[lo] * (1.0 - t) + sorted[hi] * t
}

/// Every density default for data `x` (rows = points).
pub fn density_defaults(x: ArrayView2<f64>) -> DensityDefaults {
    let (n, d) = x.dim();
    let ms = min_samples(n, d);
    let optics_mcs = ((OPTICS_MIN_CLUSTER_FRACTION * n as f64).floor() as usize).max(2);
    let hd_mcs = ((HDBSCAN_MIN_CLUSTER_FRACTION * n as f64).round() as usize)
        .clamp(5, 100)
        .min((n / 2).max(2));
    DensityDefaults {
        min_samples: ms,
        eps: eps(x, ms),
        optics_min_cluster_size: optics_mcs,
        hdbscan_min_cluster_size: hd_mcs,
        hdbscan_min_samples: hd_mcs.min(5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn rules_for_small_and_wide_data() {
        assert_eq!(min_samples(500, 2), 10);
        assert_eq!(min_samples(150, 4), 10);
        assert_eq!(min_samples(178, 13), 17);
        assert_eq!(min_samples(6, 1), 2);
        let x = array![[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]];
        let d = density_defaults(x.view());
        assert_eq!(d.min_samples, 2);
        assert!((d.eps - 0.1).abs() < 1e-9, "{}", d.eps);
        assert_eq!(d.hdbscan_min_cluster_size, 3);
    }

    #[test]
    fn quantiles() {
        assert_eq!(quantile(&[1.0, 2.0, 3.0], 0.5), 2.0);
        assert_eq!(quantile(&[1.0, 3.0], 0.25), 1.5);
    }
}
