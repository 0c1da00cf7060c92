//! Data-driven defaults of the density-based algorithms, used when a run
//! does not set them. All distances are on the data the algorithms see
//! (z-scored by `--standardize` and by `compare`'s default), so the rules do
//! not depend on units.
//!
//! * `min_samples` (DBSCAN, OPTICS): `2·d` (Sander et al.'s rule of thumb),
//!   at least 10 and at least `n / 2000` (a fixed count fragments large data:
//!   at 100k × 2, 10 gave DBSCAN 93 clusters of five blobs, `n / 2000` = 50
//!   gives the 3 density-separated groups), but at most `n / 10` (at least 2)
//!   so small data still has core points. (On the built-in 500-point sets 10 beats scikit-learn's 5:
//!   ARI on the circles 1.0 instead of 0.58 at the same eps rule.)
//! * DBSCAN `eps`: the [`EPS_QUANTILE`] quantile of the k-distances, the
//!   distance of each point to its `(min_samples − 1)`-th nearest other
//!   point (so `min_samples` counts the point itself, as scikit-learn), rounded
//!   to four significant digits (the value used is the value shown). With
//!   this eps that share of the points are core points; the rest of the
//!   sorted k-distance curve is its steep tail, where noise lives. The
//!   k-distances come from a kd-tree over all points, queried at every point,
//!   or at [`KDIST_SAMPLE`] evenly spread points for larger data.
//! * OPTICS: the same `min_samples`, `xi` = [`OPTICS_XI`] and
//!   `min_cluster_size` = [`OPTICS_MIN_CLUSTER_FRACTION`] of n (at least 2),
//!   as scikit-learn's cluster-comparison gallery uses for most of its data
//!   (its default xi 0.05 leaves most points of the built-ins as noise).
//! * HDBSCAN: `min_cluster_size` = [`HDBSCAN_MIN_CLUSTER_FRACTION`] of n,
//!   between 5 and 100 (at most n/2, at least 2), and
//!   `min_samples` = `min(min_cluster_size, max(5, n / 5000))` (at 1M × 10,
//!   fitted on 100k points, 5 left 6% of five separated blobs as noise, ARI
//!   0.91; 20 gives ARI 0.99).

use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::common::to_row_major;
use crate::kdtree::KdTree;

/// Share of points that are core points at the default DBSCAN eps.
pub const EPS_QUANTILE: f64 = 0.9;
/// Points queried for the k-distance quantile.
pub const KDIST_SAMPLE: usize = 2000;
/// OPTICS `xi`.
pub const OPTICS_XI: f64 = 0.1;
/// OPTICS `min_cluster_size` as a fraction of n.
pub const OPTICS_MIN_CLUSTER_FRACTION: f64 = 0.1;
/// HDBSCAN `min_cluster_size` as a fraction of n.
pub const HDBSCAN_MIN_CLUSTER_FRACTION: f64 = 0.03;
/// Points DBSCAN fits at most (a random sample beyond; see [`super::sample`]).
pub const DBSCAN_MAX_N: usize = 200_000;
/// Points OPTICS fits at most.
pub const OPTICS_MAX_N: usize = 50_000;
/// Points HDBSCAN fits at most.
pub const HDBSCAN_MAX_N: usize = 100_000;
/// Significant digits of the default eps.
pub const EPS_DIGITS: i32 = 4;

/// The density parameters chosen for one dataset.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DensityDefaults {
    pub min_samples: usize,
    pub eps: f64,
    pub optics_min_cluster_size: usize,
    pub hdbscan_min_cluster_size: usize,
    pub hdbscan_min_samples: usize,
}

/// `min_samples` for `n` points in `d` dimensions.
pub fn min_samples(n: usize, d: usize) -> usize {
    (2 * d).max(10).max(n / 2000).min((n / 10).max(2))
}

/// OPTICS `min_cluster_size` for `n` points.
pub fn optics_min_cluster_size(n: usize) -> usize {
    ((OPTICS_MIN_CLUSTER_FRACTION * n as f64).floor() as usize).max(2)
}

/// HDBSCAN `min_cluster_size` for `n` points.
pub fn hdbscan_min_cluster_size(n: usize) -> usize {
    ((HDBSCAN_MIN_CLUSTER_FRACTION * n as f64).round() as usize)
        .clamp(5, 100)
        .min((n / 2).max(2))
}

/// HDBSCAN `min_samples` for a `min_cluster_size` and `n` points.
pub fn hdbscan_min_samples(min_cluster_size: usize, n: usize) -> usize {
    min_cluster_size.min((n / 5000).max(5))
}

/// The default DBSCAN eps for `min_samples`: the [`EPS_QUANTILE`] quantile
/// of the `(min_samples − 1)`-nearest-other-point distances, rounded to
/// [`EPS_DIGITS`] significant digits.
pub fn eps(x: ArrayView2<f64>, min_samples: usize) -> f64 {
    let (n, d) = x.dim();
    if n < 2 || d == 0 {
        return 1.0;
    }
    let kth = min_samples.saturating_sub(1).clamp(1, n - 1);
    let data = to_row_major(&x);
    let tree = KdTree::build(&data, d, (0..n).collect(), crate::kdtree::LEAF_SIZE);
    let queries: Vec<usize> = if n <= KDIST_SAMPLE {
        (0..n).collect()
    } else {
        (0..KDIST_SAMPLE).map(|i| i * n / KDIST_SAMPLE).collect()
    };
    // The point itself is in the tree at distance 0, so the kth other point
    // is the (kth + 1)-th nearest.
    let mut kd: Vec<f64> = queries
        .par_iter()
        .map(|&i| {
            tree.kth_nn_sq_dist(&data[i * d..(i + 1) * d], kth + 1)
                .sqrt()
        })
        .collect();
    kd.sort_by(f64::total_cmp);
    let q = round_sig(quantile(&kd, EPS_QUANTILE), EPS_DIGITS);
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

/// `v` rounded to `sig` significant digits.
pub fn round_sig(v: f64, sig: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let p = 10f64.powi(sig - 1 - v.abs().log10().floor() as i32);
    if !p.is_finite() || p == 0.0 {
        return v;
    }
    (v * p).round() / p
}

/// Every density default for data `x` (rows = points).
pub fn density_defaults(x: ArrayView2<f64>) -> DensityDefaults {
    let (n, d) = x.dim();
    let ms = min_samples(n, d);
    let hd_mcs = hdbscan_min_cluster_size(n);
    DensityDefaults {
        min_samples: ms,
        eps: eps(x, ms),
        optics_min_cluster_size: optics_min_cluster_size(n),
        hdbscan_min_cluster_size: hd_mcs,
        hdbscan_min_samples: hdbscan_min_samples(hd_mcs, n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

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
    fn quantiles_and_rounding() {
        assert_eq!(quantile(&[1.0, 2.0, 3.0], 0.5), 2.0);
        assert_eq!(quantile(&[1.0, 3.0], 0.25), 1.5);
        assert_eq!(round_sig(0.123456, 3), 0.123);
        assert_eq!(round_sig(1234.5, 2), 1200.0);
    }

    /// The kd-tree k-distances equal a brute-force computation.
    #[test]
    fn kd_tree_eps_equals_brute_force() {
        let n = 300;
        let x = Array2::from_shape_fn((n, 3), |(i, j)| {
            ((i * 7919 + j * 104729) % 1000) as f64 / 97.0
        });
        for ms in [2, 5, 10] {
            let kth = ms - 1;
            let mut kd: Vec<f64> = (0..n)
                .map(|i| {
                    let mut ds: Vec<f64> = (0..n)
                        .filter(|&j| j != i)
                        .map(|j| {
                            x.row(i)
                                .iter()
                                .zip(x.row(j).iter())
                                .map(|(a, b)| (a - b) * (a - b))
                                .sum::<f64>()
                                .sqrt()
                        })
                        .collect();
                    ds.sort_by(f64::total_cmp);
                    ds[kth - 1]
                })
                .collect();
            kd.sort_by(f64::total_cmp);
            let want = round_sig(quantile(&kd, EPS_QUANTILE), EPS_DIGITS);
            assert_eq!(eps(x.view(), ms), want, "min_samples {ms}");
        }
    }
}
