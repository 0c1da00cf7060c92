//! HDBSCAN membership vectors against the Python `hdbscan` library's
//! `all_points_membership_vectors`, on the fixtures of
//! `scripts/make_fixtures_hdbscan_soft.py` (the library given our
//! `min_samples` − 1 and its exact spanning tree).

mod common;

use clusterlab_algos::hdbscan::membership_vectors;
use clusterlab_algos::{Clusterer, Extras, HdbscanParams};
use common::{ari, data, fixture, i64s};
use serde_json::Value;

fn rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_f64().unwrap())
                .collect()
        })
        .collect()
}

/// For each of the library's labels, the one of ours it shares most points with.
fn matched_columns(ours: &[i64], theirs: &[i64], k: usize) -> Vec<usize> {
    let mut counts = vec![vec![0usize; k]; k];
    for (&a, &b) in ours.iter().zip(theirs) {
        if a >= 0 && b >= 0 && (a as usize) < k && (b as usize) < k {
            counts[b as usize][a as usize] += 1;
        }
    }
    let column: Vec<usize> = counts
        .iter()
        .map(|row| (0..k).max_by_key(|&j| row[j]).unwrap())
        .collect();
    let mut seen = column.clone();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(
        seen.len(),
        k,
        "clusters do not match one to one: {counts:?}"
    );
    column
}

#[test]
fn membership_vectors_agree_with_the_hdbscan_library() {
    let fx = fixture("hdbscan_soft");
    let sets = fx["datasets"].as_object().unwrap();
    assert_eq!(sets.len(), 3);
    let mut checked = 0;
    for (name, set) in sets {
        let x = data(set);
        for case in set["cases"].as_array().unwrap() {
            let mcs = case["min_cluster_size"].as_u64().unwrap() as usize;
            let ms = case["min_samples"].as_u64().unwrap() as usize;
            let c = HdbscanParams::new(mcs)
                .min_samples(Some(ms))
                .check()
                .unwrap()
                .fit(x.view())
                .unwrap();
            let want_labels = i64s(&case["labels"]);
            // The comparison holds where the clusters match.
            let a = ari(&want_labels, &c.labels);
            assert!(a >= 0.98, "{name} mcs={mcs}: ARI {a} against the library");
            let Extras::Hdbscan { tree: Some(tree) } = &c.extras else {
                panic!("{name}: no condensed tree");
            };
            let v = membership_vectors(x.view(), tree);
            // Our column j is our label j; the library's columns follow its
            // labels: match each of ours to the label it shares most points with.
            let column = matched_columns(&c.labels, &want_labels, v.ncols());
            let v = v.select(ndarray::Axis(1), &column);
            let want = rows(&case["membership_vectors"]);
            assert_eq!(v.nrows(), want.len());
            assert_eq!(v.ncols(), want[0].len(), "{name} mcs={mcs}: cluster count");
            let n = want.len();
            let mut abs = 0.0;
            let mut same_argmax = 0;
            for i in 0..n {
                let got = v.row(i);
                for (g, w) in got.iter().zip(&want[i]) {
                    abs += (g - w).abs();
                }
                let am = |r: &mut dyn Iterator<Item = f64>| {
                    r.enumerate()
                        .fold(
                            (0, f64::NEG_INFINITY),
                            |b, (j, t)| if t > b.1 { (j, t) } else { b },
                        )
                        .0
                };
                if am(&mut got.iter().copied()) == am(&mut want[i].iter().copied()) {
                    same_argmax += 1;
                }
                // Rows sum to the chance of being in some cluster: in [0, 1].
                let s: f64 = got.sum();
                assert!(
                    (0.0..=1.0 + 1e-9).contains(&s),
                    "{name}: row {i} sums to {s}"
                );
            }
            let mean = abs / (n * v.ncols()) as f64;
            let share = same_argmax as f64 / n as f64;
            assert!(mean <= 0.02, "{name} mcs={mcs}: mean |Δ| {mean}");
            assert!(share >= 0.98, "{name} mcs={mcs}: same argmax on {share}");
            eprintln!(
                "{name} mcs={mcs} ms={ms}: ARI {a:.4}, mean |Δ| {mean:.2e}, argmax {share:.4}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
}
