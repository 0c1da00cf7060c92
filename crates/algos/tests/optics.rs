//! OPTICS against scikit-learn's `OPTICS` (fixtures).

mod common;

use clusterlab_algos::{ClusterMethod, Clusterer, Extras, OpticsParams, Size};
use common::*;
use serde_json::Value;

fn params(case: &Value) -> OpticsParams {
    let ms = case["min_samples"].as_f64().unwrap();
    let mut p = OpticsParams::new(ms).xi(case["xi"].as_f64().unwrap());
    if let Some(m) = case["max_eps"].as_f64() {
        p = p.max_eps(m);
    }
    if let Some(m) = case["min_cluster_size"].as_f64() {
        p = p.min_cluster_size(Some(Size::from(m)));
    }
    p
}

fn assert_close_inf(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if w.is_infinite() {
            assert!(g.is_infinite(), "{what}[{i}]: got {g}, want ∞");
        } else {
            assert!((g - w).abs() <= 1e-9, "{what}[{i}]: got {g}, want {w}");
        }
    }
}

#[test]
fn graph_and_xi_labels_match_sklearn() {
    let mut cases = 0;
    for name in DATASETS {
        let fx = fixture(name);
        let x = data(&fx);
        for case in fx["optics"].as_array().unwrap() {
            let what = format!("{name} {case_ms}", case_ms = case["min_samples"]);
            let c = params(case).check().unwrap().fit(x.view()).unwrap();
            let Extras::Optics {
                ordering,
                reachability,
                core_distances,
            } = &c.extras
            else {
                panic!("wrong extras")
            };
            assert_close_inf(
                core_distances.as_slice().unwrap(),
                &f64s_inf(&case["core_distances"]),
                &format!("{what} core"),
            );
            assert_close_inf(
                reachability.as_slice().unwrap(),
                &f64s_inf(&case["reachability"]),
                &format!("{what} reachability"),
            );
            // Same tie rule as scikit-learn, so the same ordering.
            assert_eq!(ordering, &usizes(&case["ordering"]), "{what} ordering");
            let want = i64s(&case["xi_labels"]);
            assert!(ari(&c.labels, &want) >= 0.99, "{what}");
            assert_eq!(c.labels, want, "{what} xi labels");
            cases += 1;
        }
    }
    assert_eq!(cases, 9);
}

#[test]
fn dbscan_cut_labels_match_sklearn() {
    let mut cuts = 0;
    for name in DATASETS {
        let fx = fixture(name);
        let x = data(&fx);
        for case in fx["optics"].as_array().unwrap() {
            for cut in case["dbscan_cuts"].as_array().unwrap() {
                let eps = cut["eps"].as_f64().unwrap();
                let c = params(case)
                    .cluster_method(ClusterMethod::Dbscan)
                    .eps(Some(eps))
                    .check()
                    .unwrap()
                    .fit(x.view())
                    .unwrap();
                assert_eq!(c.labels, i64s(&cut["labels"]), "{name} eps={eps}");
                cuts += 1;
            }
        }
    }
    assert_eq!(cuts, 12);
}
