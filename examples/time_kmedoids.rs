//! Timing harness for `crates/algos/scripts/time_kmedoids.py` (release
//! build): `KM_N` (100000), `KM_DIM` (2), `KM_K` (5), `KM_METHOD` (auto),
//! `KM_SAMPLE_SIZE`, `KM_SAMPLES`, `KM_REPEATS` (3); data
//! `blobs(n, dim, 5, 1.0, 42)` z-scored. Prints one line per run:
//! `KMEDOIDS_TIMING {json}`.
//!
//! ```sh
//! KM_N=100000 cargo run --release -q -p clusterlab --example time_kmedoids
//! ```

use clusterlab_algos::kmedoids::KMedoidsMethod;
use clusterlab_algos::synth::blobs;
use clusterlab_algos::{Clusterer, Extras, KMedoidsParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k).ok();
    let num = |k: &str, d: usize| -> Result<usize, String> {
        env(k).map_or(Ok(d), |v| v.parse().map_err(|e| format!("{k}: {e}")))
    };
    let n = num("KM_N", 100_000)?;
    let dim = num("KM_DIM", 2)?;
    let k = num("KM_K", 5)?;
    let repeats = num("KM_REPEATS", 3)?;
    let method: KMedoidsMethod = match env("KM_METHOD") {
        Some(m) => m.parse().map_err(|e| format!("KM_METHOD: {e}"))?,
        None => KMedoidsMethod::Auto,
    };
    let (x, _, _) = clusterlab_data::zscore(&blobs(n, dim, 5, 1.0, 42));
    for r in 0..repeats {
        let mut p = KMedoidsParams::new(k).method(method).seed(r as u64);
        if let Some(m) = env("KM_SAMPLE_SIZE") {
            p = p.sample_size(m.parse().map_err(|e| format!("KM_SAMPLE_SIZE: {e}"))?);
        }
        if let Some(s) = env("KM_SAMPLES") {
            p = p.samples(s.parse().map_err(|e| format!("KM_SAMPLES: {e}"))?);
        }
        let c = p.check()?.fit(x.view())?;
        let Extras::KMedoids { loss, .. } = &c.extras else {
            return Err("k-medoids returned no medoids".into());
        };
        println!(
            "KMEDOIDS_TIMING {}",
            serde_json::json!({
                "n": n, "dim": dim, "k": k, "run": r,
                "method": c.approximation.as_ref().map_or("fasterpam", |a| a.method.as_str()),
                "sample_n": c.approximation.as_ref().map(|a| a.sample_n),
                "seconds": c.fit_seconds, "loss": loss,
            })
        );
    }
    Ok(())
}
