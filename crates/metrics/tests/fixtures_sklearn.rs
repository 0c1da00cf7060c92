//! Against values computed by scikit-learn / scipy
//! (`scripts/make_fixtures.py` writes `tests/fixtures/metrics.json`).

use clusterlab_metrics::*;
use ndarray::Array2;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixtures {
    pairs: Vec<PairCase>,
    silhouette: Vec<SilCase>,
    entropy: Vec<EntropyCase>,
}

#[derive(Deserialize)]
struct PairCase {
    name: String,
    a: Vec<i64>,
    b: Vec<i64>,
    ari: f64,
    nmi: f64,
    matched_overlap: u64,
    agreement: f64,
    matching: Option<Vec<(i64, i64)>>,
    relabel: Option<Vec<i64>>,
}

#[derive(Deserialize)]
struct SilCase {
    name: String,
    x: Vec<Vec<f64>>,
    labels: Vec<i64>,
    value: Option<f64>,
}

#[derive(Deserialize)]
struct EntropyCase {
    membership: Vec<Vec<f64>>,
    entropy: Vec<f64>,
    mean: f64,
}

fn fixtures() -> Fixtures {
    let text = include_str!("fixtures/metrics.json");
    serde_json::from_str(text).expect("fixtures/metrics.json parses")
}

fn matrix(rows: &[Vec<f64>]) -> Array2<f64> {
    let d = rows.first().map_or(0, Vec::len);
    Array2::from_shape_fn((rows.len(), d), |(i, j)| rows[i][j])
}

#[test]
fn ari_matches_sklearn() {
    let f = fixtures();
    assert!(f.pairs.len() >= 15);
    for c in &f.pairs {
        let got = adjusted_rand_index(&c.a, &c.b);
        assert!(
            (got - c.ari).abs() < 1e-12,
            "{}: {got} vs {}",
            c.name,
            c.ari
        );
        let sym = adjusted_rand_index(&c.b, &c.a);
        assert!((sym - c.ari).abs() < 1e-12, "{}: not symmetric", c.name);
    }
}

#[test]
fn nmi_matches_sklearn() {
    for c in &fixtures().pairs {
        let got = normalized_mutual_info(&c.a, &c.b);
        assert!(
            (got - c.nmi).abs() < 1e-12,
            "{}: {got} vs {}",
            c.name,
            c.nmi
        );
    }
}

#[test]
fn matching_matches_scipy() {
    let mut unique = 0;
    for c in &fixtures().pairs {
        let pairs = best_matching(&c.a, &c.b);
        // One-to-one.
        let mut la: Vec<i64> = pairs.iter().map(|p| p.0).collect();
        let mut lb: Vec<i64> = pairs.iter().map(|p| p.1).collect();
        la.dedup();
        lb.sort_unstable();
        lb.dedup();
        assert_eq!(la.len(), pairs.len(), "{}", c.name);
        assert_eq!(lb.len(), pairs.len(), "{}", c.name);
        // Optimal: the same total overlap as scipy's assignment.
        let total: u64 = pairs
            .iter()
            .map(|&(x, y)| {
                c.a.iter()
                    .zip(&c.b)
                    .filter(|&(&p, &q)| p == x && q == y)
                    .count() as u64
            })
            .sum();
        assert_eq!(total, c.matched_overlap, "{}", c.name);
        let ag = agreement(&c.a, &c.b);
        assert!(
            (ag - c.agreement).abs() < 1e-12,
            "{}: {ag} vs {}",
            c.name,
            c.agreement
        );
        // Where the optimum is unique, the same pairs and relabelling.
        if let (Some(m), Some(r)) = (&c.matching, &c.relabel) {
            unique += 1;
            assert_eq!(&pairs, m, "{}", c.name);
            assert_eq!(&relabel_to_match(&c.a, &c.b), r, "{}", c.name);
        }
    }
    assert!(unique >= 10);
}

#[test]
fn silhouette_matches_sklearn() {
    let f = fixtures();
    let mut some = 0;
    for c in &f.silhouette {
        let x = matrix(&c.x);
        let got = silhouette(x.view(), &c.labels, DEFAULT_SILHOUETTE_MAX_N, 0);
        match (got, c.value) {
            (Some(g), Some(v)) => {
                some += 1;
                assert!((g - v).abs() < 1e-10, "{}: {g} vs {v}", c.name);
                // The per-point values average to the same number.
                let per = silhouette_samples(x.view(), &c.labels).unwrap();
                let vals: Vec<f64> = per.iter().flatten().copied().collect();
                let noise = c.labels.iter().filter(|&&l| l == -1).count();
                assert_eq!(vals.len(), c.labels.len() - noise);
                assert!(per
                    .iter()
                    .zip(&c.labels)
                    .all(|(v, &l)| v.is_none() == (l == -1)));
                let mean = vals.iter().sum::<f64>() / vals.len() as f64;
                assert!((mean - v).abs() < 1e-10, "{}", c.name);
            }
            (None, None) => {}
            (g, v) => panic!("{}: got {g:?}, expected {v:?}", c.name),
        }
    }
    assert!(some >= 5);
}

#[test]
fn entropy_matches_scipy() {
    for c in &fixtures().entropy {
        let m = matrix(&c.membership);
        let h = soft_entropy(m.view());
        assert_eq!(h.len(), c.entropy.len());
        for (g, e) in h.iter().zip(&c.entropy) {
            assert!((g - e).abs() < 1e-12, "{g} vs {e}");
        }
        assert!((mean_soft_entropy(m.view()) - c.mean).abs() < 1e-12);
    }
}
