//! Values worked out by hand.

use clusterlab_metrics::*;
use ndarray::{array, Array2};

// a = 0 0 0 1 1 1, b = 0 0 1 1 2 2.
// Contingency: row 0 = (2, 1, 0), row 1 = (0, 1, 2).
const A: [i64; 6] = [0, 0, 0, 1, 1, 1];
const B: [i64; 6] = [0, 0, 1, 1, 2, 2];

#[test]
fn ari_by_hand() {
    // Pairs together in both: C(2,2) + C(2,2) = 2; in a: 2·C(3,2) = 6;
    // in b: 3·C(2,2) = 3; of C(6,2) = 15 pairs. Expected 6·3/15 = 1.2,
    // maximum (6 + 3)/2 = 4.5: ARI = (2 − 1.2)/(4.5 − 1.2) = 8/33.
    assert!((adjusted_rand_index(&A, &B) - 8.0 / 33.0).abs() < 1e-15);
    assert!((adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]) + 0.5).abs() < 1e-15);
    // Identical partitions under other names: 1.
    assert_eq!(adjusted_rand_index(&[4, 4, -1, 9], &[0, 0, 5, 1]), 1.0);
    // Both one cluster, and no points: 1 (scikit-learn's convention).
    assert_eq!(adjusted_rand_index(&[2, 2, 2], &[7, 7, 7]), 1.0);
    assert_eq!(adjusted_rand_index(&[], &[]), 1.0);
    // One cluster against all singletons: 0.
    assert_eq!(adjusted_rand_index(&[0, 0, 0, 0], &[0, 1, 2, 3]), 0.0);
}

#[test]
fn nmi_by_hand() {
    // p(a) = 1/2, 1/2; p(b) = 1/3 each. Cells 2/6 contribute (1/3)·ln 2
    // each, cells 1/6 contribute ln 1 = 0: MI = (2/3) ln 2.
    // H(a) = ln 2, H(b) = ln 3: NMI = (2/3) ln 2 / ((ln 2 + ln 3)/2).
    let expect = (2.0 / 3.0) * 2f64.ln() / ((2f64.ln() + 3f64.ln()) / 2.0);
    assert!((normalized_mutual_info(&A, &B) - expect).abs() < 1e-15);
    assert_eq!(normalized_mutual_info(&[1, 1], &[3, 3]), 1.0);
    assert_eq!(normalized_mutual_info(&[], &[]), 1.0);
    assert_eq!(normalized_mutual_info(&[0, 0, 0], &[0, 1, 1]), 0.0);
    // Noise is just another label here: a perfect relabelling scores 1.
    assert!((normalized_mutual_info(&[-1, -1, 0, 0], &[3, 3, 1, 1]) - 1.0).abs() < 1e-15);
}

#[test]
fn matching_by_hand() {
    // b's cluster 0 lies in a's 0 (2 points), b's 2 in a's 1 (2 points);
    // b's 1 is split 1/1 and left without a partner.
    assert_eq!(best_matching(&A, &B), vec![(0, 0), (1, 2)]);
    assert_eq!(relabel_to_match(&A, &B), vec![0, 0, 2, 2, 1, 1]);
    assert!((agreement(&A, &B) - 4.0 / 6.0).abs() < 1e-15);
    // More clusters in a than in b.
    assert_eq!(best_matching(&B, &A), vec![(0, 0), (2, 1)]);
    assert_eq!(relabel_to_match(&B, &A), vec![0, 0, 0, 2, 2, 2]);
}

#[test]
fn matching_with_noise() {
    // Noise is never matched; noise in both counts as agreeing.
    let truth = [0, 0, 0, 1, 1, -1, -1];
    let found = [-1, 4, 4, 9, 9, -1, 4];
    assert_eq!(best_matching(&truth, &found), vec![(0, 4), (1, 9)]);
    assert_eq!(
        relabel_to_match(&truth, &found),
        vec![-1, 0, 0, 1, 1, -1, 0]
    );
    // Agreeing: points 1, 2 (cluster 0), 3, 4 (cluster 1), 5 (noise) = 5/7.
    assert!((agreement(&truth, &found) - 5.0 / 7.0).abs() < 1e-15);
    // Everything noise on one side: nothing matched; unmatched clusters get
    // ids above the reference's maximum, in order.
    assert!(best_matching(&[-1, -1], &[0, 1]).is_empty());
    assert_eq!(relabel_to_match(&[-1, -1], &[3, 1]), vec![1, 0]);
    assert_eq!(relabel_to_match(&[5, 5, 5], &[3, 1, 1]), vec![6, 5, 5]);
    assert_eq!(agreement(&[-1, -1], &[-1, 0]), 0.5);
}

#[test]
fn seed_silhouette_by_hand() {
    // Left cluster 0.8 1.1 1.4, right cluster 4.7 5.1 5.5.
    // point: a (mean distance within), b (mean distance to the other)
    // 0.8: (0.3+0.6)/2 = 0.45, (3.9+4.3+4.7)/3 = 4.3
    // 1.1: 0.3,                (3.6+4.0+4.4)/3 = 4.0
    // 1.4: 0.45,               (3.3+3.7+4.1)/3 = 3.7
    // 4.7: (0.4+0.8)/2 = 0.6,  (3.9+3.6+3.3)/3 = 3.6
    // 5.1: 0.4,                (4.3+4.0+3.7)/3 = 4.0
    // 5.5: 0.6,                (4.7+4.4+4.1)/3 = 4.4
    let s = [
        3.85 / 4.3,
        3.7 / 4.0,
        3.25 / 3.7,
        3.0 / 3.6,
        3.6 / 4.0,
        3.8 / 4.4,
    ];
    let expect = s.iter().sum::<f64>() / 6.0;
    let x = array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]];
    let labels = [0, 0, 0, 1, 1, 1];
    let got = silhouette(x.view(), &labels, DEFAULT_SILHOUETTE_MAX_N, 0).unwrap();
    assert!((got - expect).abs() < 1e-12, "{got} vs {expect}");
    let per = silhouette_samples(x.view(), &labels).unwrap();
    for (p, e) in per.iter().zip(s) {
        assert!((p.unwrap() - e).abs() < 1e-12);
    }
}

#[test]
fn silhouette_none_cases() {
    let x = array![[0.0], [1.0], [2.0], [3.0]];
    // One cluster, or one after dropping noise.
    assert_eq!(silhouette(x.view(), &[0, 0, 0, 0], 100, 0), None);
    assert_eq!(silhouette(x.view(), &[0, 0, -1, -1], 100, 0), None);
    assert_eq!(silhouette(x.view(), &[-1, -1, -1, -1], 100, 0), None);
    // Every point its own cluster.
    assert_eq!(silhouette(x.view(), &[0, 1, 2, 3], 100, 0), None);
    // Wrong number of labels, non-finite data.
    assert_eq!(silhouette(x.view(), &[0, 1], 100, 0), None);
    let bad = array![[0.0], [f64::NAN], [2.0], [3.0]];
    assert_eq!(silhouette(bad.view(), &[0, 0, 1, 1], 100, 0), None);
    // A NaN on a noise point is not used.
    assert!(silhouette(bad.view(), &[0, -1, 1, 1], 100, 0).is_some());
    assert_eq!(silhouette(x.view(), &[0, 0, 1, 1], 0, 0), None);
}

#[test]
fn silhouette_noise_is_excluded() {
    // The noise point at 100 would change every b if it were used.
    let x = array![[0.0], [1.0], [10.0], [11.0], [100.0]];
    let with_noise = silhouette(x.view(), &[0, 0, 1, 1, -1], 100, 0).unwrap();
    let without = silhouette(x.slice(ndarray::s![..4, ..]), &[0, 0, 1, 1], 100, 0).unwrap();
    assert_eq!(with_noise, without);
    // a = 1 for every point; b = (10+11)/2, (9+10)/2, (10+9)/2, (11+10)/2
    // = 10.5, 9.5, 9.5, 10.5 -> s = 9.5/10.5, 8.5/9.5, 8.5/9.5, 9.5/10.5.
    let expect = (9.5 / 10.5 + 8.5 / 9.5) / 2.0;
    assert!((with_noise - expect).abs() < 1e-15);
}

fn two_blobs(n: usize) -> (Array2<f64>, Vec<i64>) {
    // Deterministic, no RNG: points on two small spirals.
    let mut x = Array2::zeros((n, 2));
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let k = (i % 2) as i64;
        let t = i as f64 * 0.37;
        let r = 0.2 + 0.8 * ((i * 7919) % 1000) as f64 / 1000.0;
        x[[i, 0]] = 4.0 * k as f64 + r * t.cos();
        x[[i, 1]] = r * t.sin();
        labels.push(k);
    }
    (x, labels)
}

#[test]
fn silhouette_sampling_is_deterministic_and_close() {
    let (x, labels) = two_blobs(1500);
    let full = silhouette(x.view(), &labels, 2000, 0).unwrap();
    // max_n >= n: no sampling, the seed does not matter.
    assert_eq!(silhouette(x.view(), &labels, 1500, 9), Some(full));
    let s1 = silhouette(x.view(), &labels, 300, 1).unwrap();
    let s1_again = silhouette(x.view(), &labels, 300, 1).unwrap();
    let s2 = silhouette(x.view(), &labels, 300, 2).unwrap();
    assert_eq!(s1, s1_again);
    assert_ne!(s1, s2);
    assert!((s1 - full).abs() < 0.03, "{s1} vs {full}");
    assert!((s2 - full).abs() < 0.03, "{s2} vs {full}");
    assert_eq!(DEFAULT_SILHOUETTE_MAX_N, 2000);
}

#[test]
fn entropy_by_hand() {
    let m = array![
        [1.0, 0.0, 0.0],
        [0.5, 0.5, 0.0],
        [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
        [0.75, 0.25, 0.0]
    ];
    let h = soft_entropy(m.view());
    // 0; ln 2; ln 3; −(¾ ln ¾ + ¼ ln ¼) = ln 4 − ¾ ln 3.
    let e = [0.0, 2f64.ln(), 3f64.ln(), 4f64.ln() - 0.75 * 3f64.ln()];
    for i in 0..4 {
        assert!((h[i] - e[i]).abs() < 1e-15, "row {i}: {}", h[i]);
    }
    let mean = mean_soft_entropy(m.view());
    assert!((mean - e.iter().sum::<f64>() / 4.0).abs() < 1e-15);
    assert_eq!(mean_soft_entropy(Array2::<f64>::zeros((0, 3)).view()), 0.0);
    let nan = array![[f64::NAN, 1.0]];
    assert!(soft_entropy(nan.view())[0].is_nan());
}

#[test]
fn different_lengths_do_not_panic() {
    assert!(adjusted_rand_index(&[0, 1], &[0]).is_nan());
    assert!(normalized_mutual_info(&[0, 1], &[0]).is_nan());
    assert!(agreement(&[0, 1], &[0]).is_nan());
    assert!(best_matching(&[0, 1], &[0]).is_empty());
    assert_eq!(relabel_to_match(&[0, 1], &[0, 5, -1]), vec![2, 3, -1]);
}
