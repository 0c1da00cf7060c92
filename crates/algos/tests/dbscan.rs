//! DBSCAN against scikit-learn's `DBSCAN` (fixtures) and by hand.

mod common;

use clusterlab_algos::{Clusterer, DbscanParams, Extras};
use common::*;
use ndarray::array;

#[test]
fn same_clusters_and_core_points_as_sklearn() {
    let mut cases = 0;
    for name in DATASETS {
        let fx = fixture(name);
        let x = data(&fx);
        for case in fx["dbscan"].as_array().unwrap() {
            let eps = case["eps"].as_f64().unwrap();
            let ms = case["min_samples"].as_u64().unwrap() as usize;
            let c = DbscanParams::new(eps, ms)
                .check()
                .unwrap()
                .fit(x.view())
                .unwrap();
            let want = i64s(&case["labels"]);
            // Our border rule is scikit-learn's (first cluster by lowest core
            // index), so the labels agree exactly, numbering included.
            assert_eq!(c.labels, want, "{name} eps={eps} min_samples={ms}");
            assert_eq!(ari(&c.labels, &want), 1.0);
            let Extras::Dbscan { core_points } = &c.extras else {
                panic!("wrong extras")
            };
            assert_eq!(
                core_points,
                &usizes(&case["core_points"]),
                "{name} {eps} {ms}"
            );
            assert_eq!(c.n_noise, want.iter().filter(|&&l| l == -1).count());
            assert_eq!(c.n_clusters as i64, want.iter().max().unwrap() + 1);
            cases += 1;
        }
    }
    assert_eq!(cases, 10);
}

/// `min_samples` counts the point itself. On the line 0, 1, 2 (and 10) with
/// eps = 1, point 1 has exactly 3 points within eps counting itself: with
/// min_samples = 3 it is a core point and {0, 1, 2} a cluster; a convention
/// not counting the point itself (linfa's neighbours-only reading) would
/// leave everything noise. With min_samples = 4 nothing is core.
#[test]
fn min_samples_counts_the_point_itself() {
    let x = array![[0.0], [1.0], [2.0], [10.0]];
    let c = DbscanParams::new(1.0, 3)
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    assert_eq!(c.labels, vec![0, 0, 0, -1]);
    assert!(matches!(&c.extras, Extras::Dbscan { core_points } if core_points == &vec![1]));
    assert_eq!((c.n_clusters, c.n_noise), (1, 1));

    let c = DbscanParams::new(1.0, 4)
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    assert_eq!(c.labels, vec![-1; 4]);
    assert_eq!((c.n_clusters, c.n_noise), (0, 4));

    // min_samples = 1: every point is core, clusters are eps-components.
    let c = DbscanParams::new(1.0, 1)
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    assert_eq!(c.labels, vec![0, 0, 0, 1]);
}

/// A border point within eps of core points of two clusters goes to the
/// cluster of the lowest-index core point, as in scikit-learn.
#[test]
fn shared_border_point_goes_to_first_cluster() {
    // Five points at 1.9..2.3 (indices 0..5), five at −0.4..0.0 (5..10),
    // and 0.95 (index 10): within 1 of 1.9 and of 0.0 only, so 3 points
    // within eps counting itself: a border point of both clusters.
    let x = array![
        [1.9],
        [2.0],
        [2.1],
        [2.2],
        [2.3],
        [-0.4],
        [-0.3],
        [-0.2],
        [-0.1],
        [0.0],
        [0.95]
    ];
    let c = DbscanParams::new(1.0, 5)
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    // The cluster of the lowest core index (0) claims it first.
    assert_eq!(c.labels, vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0]);
    let Extras::Dbscan { core_points } = &c.extras else {
        panic!("wrong extras")
    };
    assert_eq!(core_points, &(0..10).collect::<Vec<_>>());
}
