//! Built-in generators: determinism, shapes, label counts and geometry.

use clusterlab_data::{builtin, builtin_description, builtin_names, Dataset};
use ndarray::Array1;

fn counts(ds: &Dataset) -> Vec<usize> {
    let labels = ds.labels.as_ref().unwrap();
    let k = *labels.iter().max().unwrap() as usize + 1;
    let mut c = vec![0; k];
    for &l in labels {
        c[l as usize] += 1;
    }
    c
}

fn cluster_mean(ds: &Dataset, k: i64) -> Array1<f64> {
    let labels = ds.labels.as_ref().unwrap();
    let rows: Vec<usize> = (0..ds.n()).filter(|&i| labels[i] == k).collect();
    let sub = ds.x.select(ndarray::Axis(0), &rows);
    sub.mean_axis(ndarray::Axis(0)).unwrap()
}

#[test]
fn names_and_descriptions() {
    let names = builtin_names();
    assert_eq!(names.len(), 9);
    for n in names {
        assert!(builtin_description(n).is_some(), "{n}");
        let ds = builtin(n, 0).unwrap();
        assert_eq!(&ds.name, n);
        assert_eq!(ds.source, "built-in");
        assert_eq!(ds.feature_names.len(), ds.d());
        assert!(ds.x.iter().all(|v| v.is_finite()));
    }
    assert!(builtin("nope", 0).is_none());
    assert!(builtin_description("nope").is_none());
}

#[test]
fn deterministic_by_seed() {
    for n in builtin_names() {
        let a = builtin(n, 42).unwrap();
        let b = builtin(n, 42).unwrap();
        assert_eq!(a, b, "{n}");
        let c = builtin(n, 43).unwrap();
        if *n == "seed-1d" {
            assert_eq!(a, c);
        } else {
            assert_ne!(a.x, c.x, "{n}");
        }
    }
}

#[test]
fn shapes_and_label_counts() {
    let expect: &[(&str, usize, usize, Option<Vec<usize>>)] = &[
        ("noisy-circles", 500, 2, Some(vec![250, 250])),
        ("noisy-moons", 500, 2, Some(vec![250, 250])),
        ("varied", 500, 2, Some(vec![167, 167, 166])),
        ("aniso", 500, 2, Some(vec![167, 167, 166])),
        ("blobs", 500, 2, Some(vec![167, 167, 166])),
        ("no-structure", 500, 2, None),
        ("overlap", 500, 2, Some(vec![250, 150, 100])),
        ("unequal-sizes", 500, 2, Some(vec![400, 80, 20])),
        ("seed-1d", 6, 1, Some(vec![3, 3])),
    ];
    for (name, n, d, c) in expect {
        let ds = builtin(name, 5).unwrap();
        assert_eq!((ds.n(), ds.d()), (*n, *d), "{name}");
        match c {
            Some(c) => {
                assert_eq!(&counts(&ds), c, "{name}");
                assert_eq!(ds.n_true_clusters(), Some(c.len()));
            }
            None => assert_eq!(ds.labels, None),
        }
    }
}

#[test]
fn rows_are_shuffled() {
    let ds = builtin("blobs", 1).unwrap();
    let labels = ds.labels.unwrap();
    assert!(labels[..167].iter().any(|&l| l != 0));
}

#[test]
fn seed_1d_is_the_seed() {
    let ds = builtin("seed-1d", 99).unwrap();
    assert_eq!(
        ds.x.column(0).to_vec(),
        vec![0.80, 1.10, 1.40, 4.70, 5.10, 5.50]
    );
    assert_eq!(ds.labels, Some(vec![0, 0, 0, 1, 1, 1]));
    assert_eq!(ds.feature_names, vec!["x"]);
}

#[test]
fn circles_radii() {
    // Noise sd 0.05 per coordinate: the mean radius of 250 points is within
    // a few thousandths of the circle's radius.
    let ds = builtin("noisy-circles", 8).unwrap();
    let labels = ds.labels.as_ref().unwrap();
    for (k, r) in [(0, 1.0), (1, 0.5)] {
        let radii: Vec<f64> = (0..ds.n())
            .filter(|&i| labels[i] == k)
            .map(|i| ds.x[[i, 0]].hypot(ds.x[[i, 1]]))
            .collect();
        let mean = radii.iter().sum::<f64>() / radii.len() as f64;
        assert!((mean - r).abs() < 0.02, "label {k}: mean radius {mean}");
    }
}

#[test]
fn moons_geometry() {
    // Upper moon: unit half circle about (0, 0); lower moon: about (1, 0.5).
    let ds = builtin("noisy-moons", 8).unwrap();
    let labels = ds.labels.as_ref().unwrap();
    for (k, cx, cy, upper) in [(0, 0.0, 0.0, true), (1, 1.0, 0.5, false)] {
        let rows: Vec<usize> = (0..ds.n()).filter(|&i| labels[i] == k).collect();
        let mean_r = rows
            .iter()
            .map(|&i| (ds.x[[i, 0]] - cx).hypot(ds.x[[i, 1]] - cy))
            .sum::<f64>()
            / rows.len() as f64;
        assert!((mean_r - 1.0).abs() < 0.02, "moon {k}: {mean_r}");
        let above = rows.iter().filter(|&&i| ds.x[[i, 1]] > cy).count();
        let frac = above as f64 / rows.len() as f64;
        if upper {
            assert!(frac > 0.9, "{frac}");
        } else {
            assert!(frac < 0.1, "{frac}");
        }
    }
}

fn cluster_sd(ds: &Dataset, k: i64) -> f64 {
    let labels = ds.labels.as_ref().unwrap();
    let m = cluster_mean(ds, k);
    let rows: Vec<usize> = (0..ds.n()).filter(|&i| labels[i] == k).collect();
    let ss: f64 = rows
        .iter()
        .map(|&i| (ds.x[[i, 0]] - m[0]).powi(2) + (ds.x[[i, 1]] - m[1]).powi(2))
        .sum();
    (ss / (2.0 * rows.len() as f64)).sqrt()
}

#[test]
fn varied_blob_spreads_and_centres() {
    let ds = builtin("varied", 170).unwrap();
    let centres = [[-8.95, -5.46], [-4.59, 0.09], [1.94, 0.51]];
    for (k, sd) in [(0, 1.0), (1, 2.5), (2, 0.5)] {
        let s = cluster_sd(&ds, k);
        assert!((s / sd - 1.0).abs() < 0.15, "blob {k}: sd {s} vs {sd}");
        let m = cluster_mean(&ds, k);
        let c = centres[k as usize];
        assert!(
            (m[0] - c[0]).hypot(m[1] - c[1]) < 4.0 * sd / 167f64.sqrt() + 0.05,
            "blob {k}: mean {m}"
        );
    }
}

#[test]
fn aniso_is_sheared_blobs() {
    // Centre (-8.95, -5.46) maps to (-8.95*0.6 + -5.46*-0.4, -8.95*-0.6 + -5.46*0.8)
    // = (-3.186, 1.002).
    let ds = builtin("aniso", 3).unwrap();
    let m = cluster_mean(&ds, 0);
    assert!(
        (m[0] + 3.186).abs() < 0.15 && (m[1] - 1.002).abs() < 0.15,
        "{m}"
    );
    // Unit blobs times T have covariance TᵀT = [[0.52, -0.68], [-0.68, 1.0]]:
    // correlation -0.68 / sqrt(0.52) = -0.943.
    let labels = ds.labels.as_ref().unwrap();
    let rows: Vec<usize> = (0..ds.n()).filter(|&i| labels[i] == 1).collect();
    let m = cluster_mean(&ds, 1);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for &i in &rows {
        let (dx, dy) = (ds.x[[i, 0]] - m[0], ds.x[[i, 1]] - m[1]);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    let corr = sxy / (sxx * syy).sqrt();
    assert!((corr + 0.943).abs() < 0.03, "{corr}");
}

#[test]
fn blobs_are_separated() {
    let ds = builtin("blobs", 0).unwrap();
    let means: Vec<Array1<f64>> = (0..3).map(|k| cluster_mean(&ds, k)).collect();
    for a in 0..3 {
        for b in a + 1..3 {
            let d = (&means[a] - &means[b]).mapv(|v| v * v).sum().sqrt();
            assert!(d > 8.0, "{a}-{b}: {d}");
        }
    }
}

#[test]
fn no_structure_in_unit_square() {
    let ds = builtin("no-structure", 4).unwrap();
    assert!(ds.x.iter().all(|&v| (0.0..1.0).contains(&v)));
    let mean = ds.x.mean().unwrap();
    assert!((mean - 0.5).abs() < 0.03, "{mean}");
}

/// Log density of N(mean, diag(var)) at (x, y), all covariances of
/// `overlap` being diagonal.
fn log_gauss(x: f64, y: f64, mean: [f64; 2], var: [f64; 2]) -> f64 {
    let q = (x - mean[0]).powi(2) / var[0] + (y - mean[1]).powi(2) / var[1];
    -0.5 * (q + (2.0 * std::f64::consts::PI).ln() * 2.0 + (var[0] * var[1]).ln())
}

#[test]
fn overlap_bayes_labels_differ_from_voronoi() {
    // True parameters of `overlap` (see builtin.rs).
    let w: [f64; 3] = [0.5, 0.3, 0.2];
    let means = [[0.0, 0.0], [3.0, 0.5], [0.0, 3.0]];
    let vars = [[9.0, 0.5], [0.1, 0.1], [0.6, 0.6]];
    let mut disagree = 0;
    let mut bayes_right = 0;
    let mut voronoi_right = 0;
    let mut total = 0;
    for seed in 0..4 {
        let ds = builtin("overlap", seed).unwrap();
        let labels = ds.labels.as_ref().unwrap();
        for i in 0..ds.n() {
            let (x, y) = (ds.x[[i, 0]], ds.x[[i, 1]]);
            let bayes = (0..3)
                .max_by(|&a, &b| {
                    let fa = w[a].ln() + log_gauss(x, y, means[a], vars[a]);
                    let fb = w[b].ln() + log_gauss(x, y, means[b], vars[b]);
                    fa.total_cmp(&fb)
                })
                .unwrap();
            let voronoi = (0..3)
                .min_by(|&a, &b| {
                    let da = (x - means[a][0]).hypot(y - means[a][1]);
                    let db = (x - means[b][0]).hypot(y - means[b][1]);
                    da.total_cmp(&db)
                })
                .unwrap();
            disagree += usize::from(bayes != voronoi);
            bayes_right += usize::from(bayes as i64 == labels[i]);
            voronoi_right += usize::from(voronoi as i64 == labels[i]);
            total += 1;
        }
    }
    // Large-sample values (check_overlap.py): 13% disagreement, Bayes 95%
    // right, Voronoi 84% right.
    let frac = disagree as f64 / total as f64;
    assert!((0.09..0.18).contains(&frac), "disagreement {frac}");
    assert!(bayes_right as f64 / total as f64 > 0.92);
    assert!((voronoi_right as f64) < 0.9 * total as f64);
    assert!(bayes_right > voronoi_right + total / 20);
}

#[test]
fn unequal_sizes_centres() {
    let ds = builtin("unequal-sizes", 6).unwrap();
    for (k, c) in [(0, [0.0, 0.0]), (1, [4.5, 1.0]), (2, [1.0, 4.5])] {
        let m = cluster_mean(&ds, k);
        assert!((m[0] - c[0]).hypot(m[1] - c[1]) < 0.35, "cluster {k}: {m}");
    }
}
