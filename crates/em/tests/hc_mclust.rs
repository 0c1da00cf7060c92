//! mclust's hierarchical start, partition for partition.
//!
//! `tests/fixtures/mclust_hc.json` is written by `scripts/make_fixtures_hc.R`
//! (R mclust 6.0.0): for iris, Old Faithful, wine and two synthetic sets,
//! `hclass(hc(X, modelName = "VVV", use = "SVD"), k)` for k = 1..9 (what
//! `Mclust(X)` starts EM from), and for the two columns of Old Faithful alone
//! `qclass(x, k)` (its start for one feature). Our tree, on the same data
//! (SVD transform included), must give the same partitions up to the
//! numbering of the groups.

mod common;
use common::matrix;
use std::collections::HashMap;

use clusterlab_em::hc::{hc, qclass, svd_transform, HcModel};
use clusterlab_em::HcStart;
use ndarray::Array2;
use serde_json::Value;

fn fixture() -> Value {
    common::read_fixture("mclust_hc.json", "scripts/make_fixtures_hc.R")
}

/// Whether two labelings are the same partition (a bijection maps one onto the other).
fn same_partition(a: &[usize], b: &[i64]) -> bool {
    let (mut ab, mut ba) = (HashMap::new(), HashMap::new());
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(&x, &y)| *ab.entry(x).or_insert(y) == y && *ba.entry(y).or_insert(x) == x)
}

fn expected(case: &Value) -> Vec<Vec<i64>> {
    case["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn hc_vvv_svd_partitions_equal_mclusts() {
    let f = fixture();
    let mut checked = 0;
    for case in f["cases"].as_array().unwrap() {
        if case["kind"] != "hc_vvv_svd" {
            continue;
        }
        let name = case["dataset"].as_str().unwrap();
        let x = matrix(&case["x"]);
        let z = svd_transform(x.view());
        let tree = hc(z.view(), HcModel::Vvv);
        // The start a fit uses builds the same tree (all rows: n ≤ 2000).
        let start = HcStart::new(x.view(), 0);
        for (k0, want) in expected(case).iter().enumerate() {
            let k = k0 + 1;
            let got = tree.labels(k).unwrap();
            assert!(
                same_partition(&got, want),
                "{name}, k = {k}: ours {got:?}\nmclust {want:?}"
            );
            assert_eq!(start.labels(k).unwrap(), got, "{name}, k = {k}");
            checked += 1;
        }
    }
    assert_eq!(checked, 5 * 9);
}

#[test]
fn qclass_partitions_equal_mclusts() {
    let f = fixture();
    let mut checked = 0;
    for case in f["cases"].as_array().unwrap() {
        if case["kind"] != "qclass" {
            continue;
        }
        let name = case["dataset"].as_str().unwrap();
        let x = matrix(&case["x"]);
        let col: Vec<f64> = x.column(0).to_vec();
        let start = HcStart::new(x.view(), 0);
        for (k0, want) in expected(case).iter().enumerate() {
            let k = k0 + 1;
            let got = qclass(&col, k).unwrap();
            // mclust numbers classes 1..k from the left: the same numbering, shifted.
            let shifted: Vec<i64> = got.iter().map(|&l| l as i64 + 1).collect();
            assert_eq!(&shifted, want, "{name}, k = {k}");
            assert_eq!(start.labels(k).unwrap(), got);
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * 9);
}

/// `Init::Hc` starts EM from one M-step on mclust's partition: the first
/// model's weights and means are the classes' proportions and means.
#[test]
fn init_hc_starts_from_mclusts_partition() {
    use clusterlab_em::{CovarianceType, GaussianMixture, Init};
    let f = fixture();
    let case = f["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["dataset"] == "wine")
        .unwrap();
    let x = matrix(&case["x"]);
    let want = &expected(case)[2];
    let fit = GaussianMixture::params(3)
        .covariance_type(CovarianceType::Full)
        .init(Init::Hc)
        .max_iter(1)
        .check()
        .unwrap()
        .fit(x.view(), None)
        .unwrap();
    let m = &fit.initial_model;
    let n = x.nrows() as f64;
    for class in 1..=3i64 {
        let rows: Vec<usize> = (0..want.len()).filter(|&i| want[i] == class).collect();
        let mean = x
            .select(ndarray::Axis(0), &rows)
            .mean_axis(ndarray::Axis(0))
            .unwrap();
        // The component with this class's mean has its proportion.
        let j = (0..3)
            .min_by(|&a, &b| {
                let da = (&m.means().row(a) - &mean).mapv(f64::abs).sum();
                let db = (&m.means().row(b) - &mean).mapv(f64::abs).sum();
                da.total_cmp(&db)
            })
            .unwrap();
        assert!((&m.means().row(j) - &mean).mapv(f64::abs).sum() < 1e-9);
        assert!((m.weights()[j] - rows.len() as f64 / n).abs() < 1e-12);
    }
}

/// Above 2000 rows the tree is built on a subset of 2000, drawn from the seed.
#[test]
fn large_data_uses_a_seeded_subset_of_2000() {
    let x = Array2::from_shape_fn((2500, 2), |(i, j)| ((i * 7919 + j * 104729) % 1000) as f64);
    let a = HcStart::new(x.view(), 3);
    let b = HcStart::new(x.view(), 3);
    let c = HcStart::new(x.view(), 4);
    let s = a.subset.as_ref().unwrap();
    assert_eq!(s.len(), 2000);
    assert!(s.windows(2).all(|w| w[0] < w[1]) && *s.last().unwrap() < 2500);
    assert_eq!(a, b);
    assert_ne!(a.subset, c.subset);
    assert_eq!(a.labels(4).unwrap().len(), 2000);
}
