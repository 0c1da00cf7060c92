//! The two computed questions on the built-in datasets: EM's σ² path ends
//! in k-means' assignment, and the Bayesian mixture's k sits beside BIC's.

use clusterlab_algos::Algorithm;
use clusterlab_study::{study, CompareConfig, Silent};

/// The study of a built-in with the BIC sweep up to `bic_max_k`.
fn studied(name: &str, bic_max_k: usize) -> clusterlab_study::Study {
    let cfg = CompareConfig {
        bic_max_k,
        ..CompareConfig::default()
    };
    let ds = clusterlab_data::resolve(name, None, cfg.seed).unwrap();
    study(&ds, &[Algorithm::KMeans, Algorithm::Gmm], &cfg, &Silent).unwrap()
}

/// On every 2-D built-in with structure, the last frame's most responsible
/// component is k-means' cluster (Lloyd from the same centres) for at least
/// 99% of the points; responsibilities only harden along the path (the mean
/// largest responsibility rises to 1, the entropy falls to 0) and σ² shrinks
/// geometrically.
#[test]
fn the_sigma_path_ends_in_kmeans() {
    for name in ["blobs", "aniso", "varied", "noisy-moons", "unequal-sizes"] {
        // k is the ground-truth count; a short BIC sweep keeps the test quick.
        let s = studied(name, 2);
        let e = s.em_to_kmeans.as_ref().unwrap();
        let last = e.frames.last().unwrap();
        assert!(
            last.agreement_with_kmeans >= 0.99,
            "{name}: {}",
            last.agreement_with_kmeans
        );
        assert!(last.mean_max_responsibility > 0.99, "{name}");
        assert!(
            last.mean_entropy < 0.05 * e.frames[0].mean_entropy.max(1e-12),
            "{name}"
        );
        let q = e.frames[1].sigma2 / e.frames[0].sigma2;
        for w in e.frames.windows(2) {
            assert!(
                (w[1].sigma2 / w[0].sigma2 - q).abs() < 1e-9,
                "{name}: not geometric"
            );
        }
        assert_eq!(e.kmeans_labels.len(), e.points.len());
        let json = e.to_json();
        assert_eq!(json["frames"].as_array().unwrap().len(), e.frames.len());
    }
}

/// blobs has three groups: BIC, ICL and the Bayesian mixture (from k = 6)
/// all say 3.
#[test]
fn both_answers_for_k_on_blobs() {
    let s = studied("blobs", 6);
    let kc = s.k_choice.as_ref().unwrap();
    assert_eq!(s.sweep.best.map(|b| b.0), Some(3));
    assert_eq!(kc.kmax, 6);
    assert_eq!(kc.k(), 3, "weights {}", kc.fit.weights);
    let j = kc.to_json(&s.sweep);
    assert_eq!(j["k"], 3);
    assert_eq!(j["bic_k"], 3);
    assert_eq!(j["bgmm"]["effective_components"], 3);
    // ICL is BIC plus twice the classification's entropy: never below it.
    for (b, i) in s.sweep.bic.iter().zip(&s.sweep.icl) {
        for (b, i) in b.iter().zip(i) {
            if let (Some(b), Some(i)) = (b, i) {
                assert!(*i >= b - 1e-9 * b.abs(), "ICL {i} below BIC {b}");
            }
        }
    }
    assert_eq!(j["icl_k"], 3);
}
