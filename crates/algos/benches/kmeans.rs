//! k-means (our Lloyd backend; `--linfa` adds linfa's) at 100k × 2 and
//! 1M × 10: five Gaussian blobs (`synth::blobs(n, dim, 5, 1.0, 42)`),
//! z-scored, k = 5, n_init 10, seed 0, on 2 rayon threads (`KMEANS_THREADS`).
//!
//!     cargo bench -p clusterlab-algos --bench kmeans            # both sizes
//!     cargo bench -p clusterlab-algos --bench kmeans -- 100k    # one
//!     KMEANS_RUNS=7 cargo bench -p clusterlab-algos --bench kmeans -- --linfa
//!
//! Each fit is timed `KMEANS_RUNS` times (default 5); prints the median. The
//! z-scored data go to `target/kmeans-bench/<name>.csv` (written once, the
//! shortest round-trip decimals, so Python reads the same numbers) and the
//! medians and inertias to `target/kmeans-bench/ours.json`, which
//! `scripts/time_sklearn_kmeans.py` reads next to scikit-learn's times.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clusterlab_algos::{synth, Clusterer, Extras, KMeansBackend, KMeansParams};
use ndarray::{Array2, Axis};

const SIZES: [(&str, usize, usize); 2] = [("100k", 100_000, 2), ("1m", 1_000_000, 10)];

fn zscore(x: &Array2<f64>) -> Array2<f64> {
    let mean = x.mean_axis(Axis(0)).unwrap();
    let sd = x.std_axis(Axis(0), 0.0);
    (x - &mean) / &sd
}

fn out_dir() -> PathBuf {
    // benches run with the package directory as the working directory.
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("kmeans-bench")
}

fn write_csv(path: &PathBuf, x: &Array2<f64>) {
    if path.exists() {
        return;
    }
    let tmp = path.with_extension("tmp");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp).expect("create csv"));
    for row in x.rows() {
        let line: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
        writeln!(w, "{}", line.join(",")).expect("write csv");
    }
    w.flush().expect("flush csv");
    drop(w);
    std::fs::rename(&tmp, path).expect("rename csv");
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

/// (median seconds, all seconds, inertia, n_iter of the best run).
fn time(x: &Array2<f64>, backend: KMeansBackend, runs: usize) -> (f64, Vec<f64>, f64, usize) {
    let p = KMeansParams::new(5)
        .n_init(10)
        .seed(0)
        .backend(backend)
        .check()
        .unwrap();
    let mut secs = Vec::new();
    let mut inertia = 0.0;
    let mut n_iter = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let c = p.fit(x.view()).expect("fit");
        secs.push(t.elapsed().as_secs_f64());
        if let Extras::KMeans {
            inertia: i,
            n_iter: it,
            ..
        } = c.extras
        {
            inertia = i;
            n_iter = it;
        }
    }
    let all = secs.clone();
    (median(&mut secs), all, inertia, n_iter)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let with_linfa = args.iter().any(|a| a == "--linfa");
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let runs: usize = std::env::var("KMEANS_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let threads: usize = std::env::var("KMEANS_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let dir = out_dir();
    std::fs::create_dir_all(&dir).expect("output directory");
    let path = dir.join("ours.json");
    // Earlier entries (other sizes) are kept; the ones timed now replace theirs.
    let mut results: serde_json::Map<String, serde_json::Value> = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    for (name, n, dim) in SIZES {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let x = zscore(&synth::blobs(n, dim, 5, 1.0, 42));
        let csv = dir.join(format!("{name}.csv"));
        write_csv(&csv, &x);
        let mut backends = vec![KMeansBackend::Lloyd];
        if with_linfa {
            backends.push(KMeansBackend::Linfa);
        }
        for backend in backends {
            let (med, all, inertia, n_iter) = pool.install(|| time(&x, backend, runs));
            println!(
                "kmeans {backend:5} {name:5} ({n} x {dim}, k=5, n_init=10, {threads} threads): median {med:.4} s of {runs} {all:.3?}, inertia {inertia:.6}, n_iter {n_iter}"
            );
            let key = if backend == KMeansBackend::Lloyd {
                name.to_string()
            } else {
                format!("{name}-{backend}")
            };
            results.insert(
                key,
                serde_json::json!({
                    "csv": csv.display().to_string(),
                    "n": n, "dim": dim, "threads": threads, "runs": runs,
                    "median_seconds": med, "seconds": all, "inertia": inertia, "n_iter": n_iter,
                }),
            );
        }
    }
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&serde_json::Value::Object(results)).unwrap(),
    )
    .expect("write ours.json");
    println!("wrote {}", path.display());
}
