//! k-medoids at scale: FasterCLARA against the exact FasterPAM where both
//! run, and `method = auto`'s choice. (The timing harness that
//! `scripts/time_kmedoids.py` drives is the `time_kmedoids` example.)

use clusterlab_algos::kmedoids::KMedoidsMethod;
use clusterlab_algos::synth::blobs;
use clusterlab_algos::{Clusterer, Clustering, Extras, KMedoidsParams};
use ndarray::Array2;

/// Five Gaussian blobs, each column z-scored (population standard deviation).
fn zscored_blobs(n: usize, dim: usize, seed: u64) -> Array2<f64> {
    let mut x = blobs(n, dim, 5, 1.0, seed);
    for mut c in x.columns_mut() {
        let mean = c.sum() / n as f64;
        let sd = (c.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64).sqrt();
        c.mapv_inplace(|v| (v - mean) / sd);
    }
    x
}

fn dist(a: ndarray::ArrayView1<f64>, b: ndarray::ArrayView1<f64>) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q) * (p - q))
        .sum::<f64>()
        .sqrt()
}

/// Checks the labels are the nearest medoids and returns the loss
/// recomputed on all points, in a plain sequential loop.
fn checked_loss(x: &Array2<f64>, c: &Clustering) -> f64 {
    let Extras::KMedoids { medoids, loss } = &c.extras else {
        panic!("no medoids")
    };
    assert_eq!(c.labels.len(), x.nrows());
    assert_eq!(medoids.len(), c.n_clusters);
    let mut total = 0.0;
    for (i, &l) in c.labels.iter().enumerate() {
        let ds: Vec<f64> = medoids.iter().map(|&m| dist(x.row(i), x.row(m))).collect();
        let min = ds.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!(l >= 0 && (l as usize) < medoids.len());
        assert_eq!(
            ds[l as usize], min,
            "point {i} is not labelled by its nearest medoid"
        );
        total += min;
    }
    assert!(
        (total - loss).abs() <= 1e-9 * total,
        "loss {loss} vs recomputed {total}"
    );
    total
}

fn fit(x: &Array2<f64>, p: KMedoidsParams) -> Clustering {
    p.check().unwrap().fit(x.view()).unwrap()
}

#[test]
fn fasterclara_loss_close_to_exact_fasterpam() {
    // (n, dim, k, seed) where both run.
    for (n, dim, k, seed) in [(3000, 2, 5, 1), (3000, 5, 8, 2), (2500, 3, 3, 3)] {
        let x = zscored_blobs(n, dim, seed);
        let exact = fit(&x, KMedoidsParams::new(k).method(KMedoidsMethod::Exact));
        assert!(exact.approximation.is_none());
        let exact_loss = checked_loss(&x, &exact);
        // The default (all 3000 points here: FasterPAM from 5 starts), then
        // true samples.
        for sample_size in [None, Some(1000), Some(300)] {
            let mut p = KMedoidsParams::new(k).method(KMedoidsMethod::FasterClara);
            if let Some(m) = sample_size {
                p = p.sample_size(m);
            }
            let clara = fit(&x, p);
            let loss = checked_loss(&x, &clara);
            let ratio = loss / exact_loss;
            // Measured ratios: 1 (default = all points), ≤ 1.0052 (1000),
            // ≤ 1.022 (300); tested about twice as loose.
            let bound = match sample_size {
                None => 1.001,
                Some(1000) => 1.01,
                _ => 1.04,
            };
            assert!(
                ratio <= bound,
                "n={n} dim={dim} k={k} sample {sample_size:?}: clara {loss} vs exact {exact_loss}"
            );
            let a = clara.approximation.as_ref().expect("fasterclara says so");
            assert_eq!(a.method, "fasterclara");
            assert_eq!(a.sample_n, sample_size.unwrap_or(4000 + 20 * k).min(n));
            assert!(a
                .note
                .starts_with("FasterCLARA: FasterPAM on 5 samples of "));
        }
    }
}

#[test]
fn auto_is_exact_below_the_limit_and_clara_above() {
    let x = zscored_blobs(1200, 2, 4);
    let auto = fit(&x, KMedoidsParams::new(5));
    let exact = fit(&x, KMedoidsParams::new(5).method(KMedoidsMethod::Exact));
    assert!(auto.approximation.is_none());
    assert_eq!(auto.labels, exact.labels);
    let (
        Extras::KMedoids {
            medoids: ma,
            loss: la,
        },
        Extras::KMedoids {
            medoids: me,
            loss: le,
        },
    ) = (&auto.extras, &exact.extras)
    else {
        panic!("no medoids")
    };
    assert_eq!((ma, la), (me, le));
    // Above a (lowered) exact limit, auto samples.
    let above = fit(
        &x,
        KMedoidsParams::new(5).exact_limit(1000).sample_size(300),
    );
    let a = above
        .approximation
        .as_ref()
        .expect("auto above the limit samples");
    assert_eq!((a.method.as_str(), a.sample_n), ("fasterclara", 300));
    assert_eq!(
        a.note,
        "FasterCLARA: FasterPAM on 5 samples of 300 points, best loss on all 1,200"
    );
    checked_loss(&x, &above);
    // At the limit, exact.
    let at = fit(&x, KMedoidsParams::new(5).exact_limit(1200));
    assert!(at.approximation.is_none());
}

#[test]
fn fasterclara_is_deterministic_and_independent_of_threads() {
    let x = zscored_blobs(20_000, 3, 5);
    let p = || {
        KMedoidsParams::new(6)
            .method(KMedoidsMethod::FasterClara)
            .sample_size(400)
            .samples(3)
            .seed(9)
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| fit(&x, p()));
    let many = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| fit(&x, p()));
    assert_eq!(one.labels, many.labels);
    let (
        Extras::KMedoids {
            medoids: m1,
            loss: l1,
        },
        Extras::KMedoids {
            medoids: m4,
            loss: l4,
        },
    ) = (&one.extras, &many.extras)
    else {
        panic!("no medoids")
    };
    assert_eq!(m1, m4);
    assert_eq!(l1.to_bits(), l4.to_bits());
    checked_loss(&x, &one);
    // Medoids are indices into the full data, one per cluster, distinct.
    let mut m = m1.clone();
    m.sort_unstable();
    m.dedup();
    assert_eq!(m.len(), 6);
    assert!(m.iter().all(|&i| i < x.nrows()));
}

#[test]
fn fasterclara_on_a_sample_as_large_as_the_data() {
    let x = zscored_blobs(300, 2, 6);
    let c = fit(
        &x,
        KMedoidsParams::new(4)
            .method(KMedoidsMethod::FasterClara)
            .sample_size(10_000),
    );
    assert_eq!(c.approximation.as_ref().unwrap().sample_n, 300);
    checked_loss(&x, &c);
}

#[test]
fn bad_fasterclara_parameters_are_refused() {
    assert!(KMedoidsParams::new(5).samples(0).check().is_err());
    assert!(KMedoidsParams::new(5).sample_size(4).check().is_err());
    assert!(KMedoidsParams::new(5).sample_size(5).check().is_ok());
    assert_eq!(
        "clara".parse::<KMedoidsMethod>().unwrap(),
        KMedoidsMethod::FasterClara
    );
    assert_eq!(
        "fasterpam".parse::<KMedoidsMethod>().unwrap(),
        KMedoidsMethod::Exact
    );
    assert!("pam".parse::<KMedoidsMethod>().is_err());
}

#[test]
fn the_plan_shows_the_method_used_and_the_json_states_the_sampling() {
    use clusterlab_algos::{plan, Algorithm, Context, Settings};
    use serde_json::json;
    let x = zscored_blobs(1500, 2, 7);
    let ctx = Context::new(x.view(), Some(4), 0);
    // auto, below the limit: the exact method, no sampling parameters.
    let p = plan(Algorithm::KMedoids, &Settings::new(), &ctx).unwrap();
    assert_eq!(p.params["method"], json!("fasterpam"));
    assert!(p.params.get("samples").is_none() && p.params.get("sample_size").is_none());
    let c = p.fit(x.view()).unwrap();
    let v = p.result_json(&c, x.view()).unwrap();
    assert!(v.get("method").is_none() && v.get("sample_n").is_none());
    // fasterclara asked for: its samples and their size (capped at n).
    let mut s = Settings::new();
    s.set("method", json!("fasterclara"), "--method");
    s.set("samples", json!(3), "--samples");
    let p = plan(Algorithm::KMedoids, &s, &ctx).unwrap();
    assert_eq!(p.params["method"], json!("fasterclara"));
    assert_eq!(p.params["samples"], json!(3));
    assert_eq!(p.params["sample_size"], json!(1500));
    s.set("sample_size", json!("600"), "--sample-size");
    let p = plan(Algorithm::KMedoids, &s, &ctx).unwrap();
    assert_eq!(p.params["sample_size"], json!(600));
    let c = p.fit(x.view()).unwrap();
    let v = p.result_json(&c, x.view()).unwrap();
    assert_eq!(v["method"], json!("fasterclara"));
    assert_eq!(v["sample_n"], json!(600));
    assert_eq!(
        c.approximation.unwrap().note,
        "FasterCLARA: FasterPAM on 3 samples of 600 points, best loss on all 1,500"
    );
    // Refused values name the flag.
    s.set("method", json!("pam"), "--method");
    let e = plan(Algorithm::KMedoids, &s, &ctx).err().unwrap();
    assert!(e.to_string().contains("--method"), "{e}");
    let mut s = Settings::new();
    s.set("samples", json!(0), "--samples");
    let e = plan(Algorithm::KMedoids, &s, &ctx).err().unwrap();
    assert!(e.to_string().contains("--samples"), "{e}");
}
