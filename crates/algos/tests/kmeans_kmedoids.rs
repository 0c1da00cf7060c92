//! k-means against scikit-learn's `KMeans`, k-medoids against the Python
//! `kmedoids` package's FasterPAM (fixtures).

mod common;

use clusterlab_algos::{Clusterer, Extras, KMeansInit, KMeansParams, KMedoidsInit, KMedoidsParams};
use common::*;
use ndarray::{array, Array2};

fn sq(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

#[test]
fn kmeans_best_of_10_inertia_within_1_percent_of_sklearn() {
    let mut cases = 0;
    for name in DATASETS {
        let fx = fixture(name);
        let x = data(&fx);
        for case in fx["kmeans"].as_array().unwrap() {
            let k = case["k"].as_u64().unwrap() as usize;
            let want = case["inertia"].as_f64().unwrap();
            let c = KMeansParams::new(k)
                .seed(3)
                .check()
                .unwrap()
                .fit(x.view())
                .unwrap();
            let Extras::KMeans {
                centroids,
                inertia,
                n_iter,
            } = &c.extras
            else {
                panic!("wrong extras")
            };
            assert!(
                *inertia <= want * 1.01,
                "{name} k={k}: inertia {inertia} vs sklearn {want}"
            );
            assert!(*n_iter >= 1 && *n_iter <= 300);
            // The inertia is the sum of squared distances to the nearest centroid.
            let mut sum = 0.0;
            for (i, row) in x.rows().into_iter().enumerate() {
                let r = row.as_slice().unwrap();
                let d: Vec<f64> = centroids
                    .rows()
                    .into_iter()
                    .map(|c| sq(r, c.as_slice().unwrap()))
                    .collect();
                let best = d.iter().cloned().fold(f64::INFINITY, f64::min);
                assert_eq!(d[c.labels[i] as usize], best);
                sum += best;
            }
            assert!((sum - inertia).abs() <= 1e-9 * sum);
            assert!(ari(&c.labels, &i64s(&case["labels"])) > 0.9, "{name} k={k}");
            cases += 1;
        }
    }
    assert_eq!(cases, 5);
}

#[test]
fn kmeans_by_hand() {
    // Two pairs: centroids are the pair means, inertia 4 · 0.05² = 0.01.
    let x = array![[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]];
    for init in [KMeansInit::KMeansPlusPlus, KMeansInit::Random] {
        let c = KMeansParams::new(2)
            .init(init)
            .check()
            .unwrap()
            .fit(x.view())
            .unwrap();
        let Extras::KMeans {
            centroids, inertia, ..
        } = &c.extras
        else {
            panic!()
        };
        assert!((inertia - 0.01).abs() < 1e-12, "{inertia}");
        let j = c.labels[0] as usize;
        assert!((centroids[[j, 0]] - 0.05).abs() < 1e-12 && centroids[[j, 1]].abs() < 1e-12);
        assert_eq!((c.n_clusters, c.n_noise), (2, 0));
    }
    // k = n: every point its own centroid.
    let c = KMeansParams::new(4).check().unwrap().fit(x.view()).unwrap();
    assert!(matches!(c.extras, Extras::KMeans { inertia, .. } if inertia == 0.0));
}

#[test]
fn kmeans_is_deterministic_per_seed() {
    let x = clusterlab_algos::synth::blobs(2000, 3, 6, 2.0, 5);
    let a = KMeansParams::new(6)
        .seed(11)
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    let b = KMeansParams::new(6)
        .seed(11)
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    assert_eq!(a.labels, b.labels);
}

fn loss_of(x: &Array2<f64>, labels: &[i64], medoids: &[usize]) -> f64 {
    x.rows()
        .into_iter()
        .zip(labels)
        .map(|(r, &l)| {
            let m = x.row(medoids[l as usize]);
            sq(r.as_slice().unwrap(), m.as_slice().unwrap()).sqrt()
        })
        .sum()
}

#[test]
fn kmedoids_loss_within_0_1_percent_of_python_fasterpam() {
    let mut cases = 0;
    for name in DATASETS {
        let fx = fixture(name);
        let x = data(&fx);
        for case in fx["kmedoids"].as_array().unwrap() {
            let k = case["k"].as_u64().unwrap() as usize;
            let want = case["loss_best_of_10"].as_f64().unwrap();
            // Best of 10 runs against Python's best of 10 random starts.
            for (init, limit) in [
                (KMedoidsInit::KMeansPlusPlus, 5000),
                (KMedoidsInit::Random, 5000),
                (KMedoidsInit::Build, 5000),
                // Above the limit: distances computed on the fly.
                (KMedoidsInit::KMeansPlusPlus, 10),
            ] {
                let c = KMedoidsParams::new(k)
                    .init(init)
                    .n_init(10)
                    .precompute_limit(limit)
                    .check()
                    .unwrap()
                    .fit(x.view())
                    .unwrap();
                let Extras::KMedoids { medoids, loss } = &c.extras else {
                    panic!("wrong extras")
                };
                assert!(
                    *loss <= want * 1.001,
                    "{name} k={k} {init:?}: loss {loss} vs python {want}"
                );
                assert_eq!(medoids.len(), k);
                for (j, &m) in medoids.iter().enumerate() {
                    assert_eq!(
                        c.labels[m], j as i64,
                        "medoid {j} labelled with its cluster"
                    );
                }
                assert!((loss_of(&x, &c.labels, medoids) - loss).abs() < 1e-9 * loss);
            }
            cases += 1;
        }
    }
    assert_eq!(cases, 5);
}

#[test]
fn kmedoids_by_hand() {
    let x = array![[0.0], [1.0], [2.0], [10.0], [11.0], [12.0], [30.0]];
    let c = KMedoidsParams::new(3)
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    let Extras::KMedoids { medoids, loss } = &c.extras else {
        panic!()
    };
    let mut m = medoids.clone();
    m.sort();
    assert_eq!(m, vec![1, 4, 6]);
    assert_eq!(*loss, 4.0);
    // Duplicate points: k-means++ must still pick k distinct medoids.
    let x = array![[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [2.0, 2.0]];
    let c = KMedoidsParams::new(3)
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    let Extras::KMedoids { medoids, .. } = &c.extras else {
        panic!()
    };
    let mut m = medoids.clone();
    m.sort();
    m.dedup();
    assert_eq!(m.len(), 3);
}
