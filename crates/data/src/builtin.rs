//! Built-in generated datasets, modelled on scikit-learn's cluster-comparison
//! gallery, plus the seed's six-point example.
//!
//! Every generator draws from a [`Xoshiro256PlusPlus`] seeded with the given
//! seed, so a (name, seed) pair always gives the same points; the rows are
//! shuffled (as scikit-learn's generators do) so that clusters are not
//! stored in blocks.

use ndarray::{Array2, Axis};
use ndarray_rand::rand_distr::{StandardNormal, Uniform};
use ndarray_rand::RandomExt;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::dataset::Dataset;

/// Source string of every built-in dataset.
pub const BUILTIN_SOURCE: &str = "built-in";

const NAMES: &[&str] = &[
    "noisy-circles",
    "noisy-moons",
    "varied",
    "aniso",
    "blobs",
    "no-structure",
    "overlap",
    "unequal-sizes",
    "seed-1d",
];

/// Number of points of every generated built-in except `seed-1d`.
pub const BUILTIN_N: usize = 500;

/// Blob centres of scikit-learn's `make_blobs(random_state=170)` (rounded),
/// used by `varied` and `aniso` as in the gallery.
const CENTERS_170: [[f64; 2]; 3] = [[-8.95, -5.46], [-4.59, 0.09], [1.94, 0.51]];
/// Blob centres of `make_blobs(random_state=8)` (rounded), used by `blobs`.
const CENTERS_8: [[f64; 2]; 3] = [[7.47, 9.37], [7.38, 0.62], [-5.35, -9.77]];
/// `make_blobs` splits 500 points over three centres as 167/167/166.
const BLOB_SIZES: [usize; 3] = [167, 167, 166];
/// The linear map of the gallery's anisotropic blobs (rows times matrix).
const ANISO_TRANSFORM: [[f64; 2]; 2] = [[0.6, -0.6], [-0.4, 0.8]];

/// One Gaussian component of a generated mixture.
#[derive(Debug, Clone, Copy)]
struct Component {
    size: usize,
    mean: [f64; 2],
    /// Covariance `[[a, b], [b, c]]`, positive definite.
    cov: [[f64; 2]; 2],
}

/// `overlap`: a wide component elongated along x, a tight one sitting on
/// its right arm, and a round one above. With these true parameters the
/// Bayes-optimal labels (largest weight × density) and the Voronoi labels of
/// the true means (what k-means draws even with perfect centroids) disagree
/// on about 13% of the points: the tight component owns only a small disc,
/// while its Voronoi cell takes most of the wide component's right half.
/// `crates/data/scripts/check_overlap.py` checks this and that a
/// full-covariance Gaussian mixture recovers the truth far better than
/// k-means (ARI ≈ 0.83 against ≈ 0.40).
const OVERLAP_COMPONENTS: [Component; 3] = [
    Component {
        size: 250,
        mean: [0.0, 0.0],
        cov: [[9.0, 0.0], [0.0, 0.5]],
    },
    Component {
        size: 150,
        mean: [3.0, 0.5],
        cov: [[0.1, 0.0], [0.0, 0.1]],
    },
    Component {
        size: 100,
        mean: [0.0, 3.0],
        cov: [[0.6, 0.0], [0.0, 0.6]],
    },
];

/// `unequal-sizes`: 400/80/20 points, spherical, reasonably separated.
const UNEQUAL_COMPONENTS: [Component; 3] = [
    Component {
        size: 400,
        mean: [0.0, 0.0],
        cov: [[1.0, 0.0], [0.0, 1.0]],
    },
    Component {
        size: 80,
        mean: [4.5, 1.0],
        cov: [[0.36, 0.0], [0.0, 0.36]],
    },
    Component {
        size: 20,
        mean: [1.0, 4.5],
        cov: [[0.1225, 0.0], [0.0, 0.1225]],
    },
];

/// The seed's six-point trace lab.
pub const SEED_1D_X: [f64; 6] = [0.80, 1.10, 1.40, 4.70, 5.10, 5.50];
/// Its ground truth: the three left points and the three right points.
pub const SEED_1D_LABELS: [i64; 6] = [0, 0, 0, 1, 1, 1];

/// Names of all built-in datasets, in a stable order.
pub fn builtin_names() -> &'static [&'static str] {
    NAMES
}

/// One-line description of a built-in dataset.
pub fn builtin_description(name: &str) -> Option<&'static str> {
    Some(match name {
        "noisy-circles" => "500 points on two concentric circles (radius 1 and 0.5), Gaussian noise sd 0.05; 2 clusters",
        "noisy-moons" => "500 points on two interleaved half circles, Gaussian noise sd 0.05; 2 clusters",
        "varied" => "500 points in 3 Gaussian blobs of standard deviations 1.0, 2.5 and 0.5; 3 clusters",
        "aniso" => "500 points in 3 unit blobs sheared by [[0.6, -0.6], [-0.4, 0.8]]; 3 elongated clusters",
        "blobs" => "500 points in 3 well separated unit Gaussian blobs; 3 clusters",
        "no-structure" => "500 points uniform on the unit square; no clusters, no ground truth",
        "overlap" => "500 points from 3 overlapping 2-D Gaussians with unequal covariances (wide elongated, tight, round); where EM beats k-means",
        "unequal-sizes" => "500 points in 3 Gaussian clusters of 400, 80 and 20 points",
        "seed-1d" => "the seed's six 1-D points 0.80 1.10 1.40 | 4.70 5.10 5.50; 2 clusters",
        _ => return None,
    })
}

/// Generates the built-in dataset `name` from `seed`; `None` for an unknown
/// name. `seed-1d` is fixed and ignores the seed.
pub fn builtin(name: &str, seed: u64) -> Option<Dataset> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (x, labels) = match name {
        "noisy-circles" => circles(&mut rng, BUILTIN_N, 0.5, 0.05),
        "noisy-moons" => moons(&mut rng, BUILTIN_N, 0.05),
        "varied" => blobs(&mut rng, &CENTERS_170, &[1.0, 2.5, 0.5]),
        "aniso" => {
            let (x, labels) = blobs(&mut rng, &CENTERS_170, &[1.0, 1.0, 1.0]);
            let t = Array2::from_shape_fn((2, 2), |(i, j)| ANISO_TRANSFORM[i][j]);
            (x.dot(&t), labels)
        }
        "blobs" => blobs(&mut rng, &CENTERS_8, &[1.0, 1.0, 1.0]),
        "no-structure" => {
            let x = Array2::random_using((BUILTIN_N, 2), Uniform::new(0.0, 1.0), &mut rng);
            return Some(make("no-structure", x, None));
        }
        "overlap" => gaussian_mixture(&mut rng, &OVERLAP_COMPONENTS),
        "unequal-sizes" => gaussian_mixture(&mut rng, &UNEQUAL_COMPONENTS),
        "seed-1d" => {
            let x = Array2::from_shape_vec((6, 1), SEED_1D_X.to_vec()).ok()?;
            let mut ds = make("seed-1d", x, Some(SEED_1D_LABELS.to_vec()));
            ds.feature_names = vec!["x".to_string()];
            return Some(ds);
        }
        _ => return None,
    };
    Some(make(name, x, Some(labels)))
}

fn make(name: &str, x: Array2<f64>, labels: Option<Vec<i64>>) -> Dataset {
    Dataset {
        name: name.to_string(),
        feature_names: (1..=x.ncols()).map(|j| format!("x{j}")).collect(),
        x,
        labels,
        source: BUILTIN_SOURCE.to_string(),
    }
}

/// Adds N(0, sd²) to every coordinate.
fn add_noise<R: Rng>(rng: &mut R, x: &mut Array2<f64>, sd: f64) {
    let noise = Array2::<f64>::random_using(x.raw_dim(), StandardNormal, rng);
    x.scaled_add(sd, &noise);
}

/// Shuffles rows (and labels alike).
fn shuffled<R: Rng>(rng: &mut R, x: Array2<f64>, labels: Vec<i64>) -> (Array2<f64>, Vec<i64>) {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.shuffle(rng);
    let x = x.select(Axis(0), &order);
    let labels = order.iter().map(|&i| labels[i]).collect();
    (x, labels)
}

/// scikit-learn's `make_circles`: `n / 2` points evenly spaced on the unit
/// circle (label 0), the rest on the circle of radius `factor` (label 1).
fn circles<R: Rng>(rng: &mut R, n: usize, factor: f64, noise: f64) -> (Array2<f64>, Vec<i64>) {
    let n_out = n / 2;
    let n_in = n - n_out;
    let mut x = Array2::zeros((n, 2));
    let mut labels = Vec::with_capacity(n);
    let tau = 2.0 * std::f64::consts::PI;
    for i in 0..n_out {
        let t = tau * i as f64 / n_out as f64;
        x[[i, 0]] = t.cos();
        x[[i, 1]] = t.sin();
        labels.push(0);
    }
    for i in 0..n_in {
        let t = tau * i as f64 / n_in as f64;
        x[[n_out + i, 0]] = factor * t.cos();
        x[[n_out + i, 1]] = factor * t.sin();
        labels.push(1);
    }
    add_noise(rng, &mut x, noise);
    shuffled(rng, x, labels)
}

/// scikit-learn's `make_moons`: an upper half circle (label 0) and a lower
/// half circle shifted right by 1 and down by 0.5 (label 1).
fn moons<R: Rng>(rng: &mut R, n: usize, noise: f64) -> (Array2<f64>, Vec<i64>) {
    let n_out = n / 2;
    let n_in = n - n_out;
    let mut x = Array2::zeros((n, 2));
    let mut labels = Vec::with_capacity(n);
    let angle = |i: usize, m: usize| {
        if m > 1 {
            std::f64::consts::PI * i as f64 / (m - 1) as f64
        } else {
            0.0
        }
    };
    for i in 0..n_out {
        let t = angle(i, n_out);
        x[[i, 0]] = t.cos();
        x[[i, 1]] = t.sin();
        labels.push(0);
    }
    for i in 0..n_in {
        let t = angle(i, n_in);
        x[[n_out + i, 0]] = 1.0 - t.cos();
        x[[n_out + i, 1]] = 1.0 - t.sin() - 0.5;
        labels.push(1);
    }
    add_noise(rng, &mut x, noise);
    shuffled(rng, x, labels)
}

/// Isotropic Gaussian blobs of 167/167/166 points around `centers`.
fn blobs<R: Rng>(rng: &mut R, centers: &[[f64; 2]; 3], sds: &[f64; 3]) -> (Array2<f64>, Vec<i64>) {
    let comps: Vec<Component> = (0..3)
        .map(|k| Component {
            size: BLOB_SIZES[k],
            mean: centers[k],
            cov: [[sds[k] * sds[k], 0.0], [0.0, sds[k] * sds[k]]],
        })
        .collect();
    gaussian_mixture(rng, &comps)
}

/// `size` points from each component, labelled by component index.
fn gaussian_mixture<R: Rng>(rng: &mut R, comps: &[Component]) -> (Array2<f64>, Vec<i64>) {
    let n: usize = comps.iter().map(|c| c.size).sum();
    let mut x = Array2::zeros((n, 2));
    let mut labels = Vec::with_capacity(n);
    let mut row = 0;
    for (k, c) in comps.iter().enumerate() {
        // Cholesky factor L (lower) of [[a, b], [b, c]]: x = mean + L z.
        let [[a, b], [_, cc]] = c.cov;
        let l11 = a.sqrt();
        let l21 = b / l11;
        let l22 = (cc - l21 * l21).sqrt();
        let z = Array2::<f64>::random_using((c.size, 2), StandardNormal, rng);
        for i in 0..c.size {
            x[[row, 0]] = c.mean[0] + l11 * z[[i, 0]];
            x[[row, 1]] = c.mean[1] + l21 * z[[i, 0]] + l22 * z[[i, 1]];
            labels.push(k as i64);
            row += 1;
        }
    }
    shuffled(rng, x, labels)
}
