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

/// scikit-learn's `compute_optics_graph` written naively (O(n²), rounding
/// included): the reference for the property tests below.
fn naive_optics(
    x: &ndarray::Array2<f64>,
    min_samples: usize,
    max_eps: f64,
) -> (Vec<usize>, Vec<f64>, Vec<f64>) {
    let n = x.nrows();
    let r15 = |v: f64| {
        if v.is_finite() {
            (v * 1e15).round_ties_even() / 1e15
        } else {
            v
        }
    };
    let d = |i: usize, j: usize| -> f64 {
        x.row(i)
            .iter()
            .zip(x.row(j).iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt()
    };
    let core: Vec<f64> = (0..n)
        .map(|i| {
            let mut ds: Vec<f64> = (0..n).map(|j| d(i, j)).collect();
            ds.sort_by(f64::total_cmp);
            let c = ds[min_samples - 1];
            if c > max_eps {
                f64::INFINITY
            } else {
                r15(c)
            }
        })
        .collect();
    let mut reach = vec![f64::INFINITY; n];
    let mut done = vec![false; n];
    let mut ordering = vec![];
    for _ in 0..n {
        let mut p = usize::MAX;
        for i in 0..n {
            if !done[i] && (p == usize::MAX || reach[i] < reach[p]) {
                p = i;
            }
        }
        done[p] = true;
        ordering.push(p);
        if core[p].is_finite() {
            for q in 0..n {
                if !done[q] && d(p, q) <= max_eps {
                    let r = r15(d(p, q).max(core[p]));
                    if r < reach[q] {
                        reach[q] = r;
                    }
                }
            }
        }
    }
    (ordering, core, reach)
}

mod properties {
    use super::*;
    use ndarray::Array2;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// On small integer grids (many exact ties, duplicates) and random
        /// max_eps, the ordering, reachability and core distances equal the
        /// naive scikit-learn algorithm's exactly.
        #[test]
        fn same_graph_as_naive(
            pts in proptest::collection::vec((0i32..7, 0i32..7, 0i32..3), 2..70),
            ms in 2usize..6,
            max_eps in prop_oneof![Just(f64::INFINITY), 1.0f64..4.0],
        ) {
            let n = pts.len();
            let ms = ms.min(n);
            let x = Array2::from_shape_fn((n, 3), |(i, j)| match j {
                0 => pts[i].0 as f64,
                1 => pts[i].1 as f64,
                _ => pts[i].2 as f64 * 0.5,
            });
            let (ord, core, reach) = naive_optics(&x, ms, max_eps);
            let c = OpticsParams::new(ms).max_eps(max_eps).check().unwrap().fit(x.view()).unwrap();
            let Extras::Optics { ordering, reachability, core_distances } = &c.extras else { panic!() };
            prop_assert_eq!(ordering, &ord);
            prop_assert_eq!(core_distances.to_vec(), core);
            prop_assert_eq!(reachability.to_vec(), reach);
        }

    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// Same on clustered random data in 4-D, large enough (up to 1000
        /// points) for the neighbour lists and bounds to matter.
        #[test]
        fn same_graph_as_naive_blobs(n in 200usize..1000, seed in 0u64..1000, ms in 2usize..12) {
            let x = clusterlab_algos::synth::blobs(n, 4, 6, 1.0, seed);
            let (ord, core, reach) = naive_optics(&x, ms, f64::INFINITY);
            let c = OpticsParams::new(ms).check().unwrap().fit(x.view()).unwrap();
            let Extras::Optics { ordering, reachability, core_distances } = &c.extras else { panic!() };
            prop_assert_eq!(ordering, &ord);
            prop_assert_eq!(core_distances.to_vec(), core);
            prop_assert_eq!(reachability.to_vec(), reach);
        }
    }
}
