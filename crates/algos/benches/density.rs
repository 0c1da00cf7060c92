//! DBSCAN, OPTICS and HDBSCAN at 100k points in 2-D and 10-D (five Gaussian
//! blobs, `synth::blobs(100_000, dim, 5, 1.0, 42)`), the data and parameters
//! `scripts/time_sklearn.py` times scikit-learn on.
//!
//!     cargo bench -p clusterlab-algos --bench density
//!     cargo bench -p clusterlab-algos --bench density -- optics
//!
//! Ten samples of one fit each (flat sampling).

use std::time::Duration;

use clusterlab_algos::{synth, Clusterer, DbscanParams, HdbscanParams, OpticsParams};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use ndarray::Array2;

const N: usize = 100_000;

fn bench_one(c: &mut Criterion, name: &str, x: &Array2<f64>, algo: &dyn Clusterer) {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    group.bench_function("100k", |b| {
        b.iter(|| {
            let fit = algo.fit(x.view()).expect("fit");
            std::hint::black_box(fit.n_clusters)
        })
    });
    group.finish();
}

fn density(c: &mut Criterion) {
    let x2 = synth::blobs(N, 2, 5, 1.0, 42);
    let x10 = synth::blobs(N, 10, 5, 1.0, 42);
    let runs: Vec<(&str, &Array2<f64>, Box<dyn Clusterer>)> = vec![
        (
            "dbscan-2d",
            &x2,
            Box::new(DbscanParams::new(0.1, 10).check().unwrap()),
        ),
        (
            "dbscan-10d",
            &x10,
            Box::new(DbscanParams::new(3.0, 200).check().unwrap()),
        ),
        (
            "optics-2d",
            &x2,
            Box::new(OpticsParams::new(5).xi(0.05).check().unwrap()),
        ),
        (
            "optics-10d",
            &x10,
            Box::new(OpticsParams::new(5).xi(0.05).check().unwrap()),
        ),
        (
            "hdbscan-2d",
            &x2,
            Box::new(
                HdbscanParams::new(500)
                    .min_samples(Some(10))
                    .check()
                    .unwrap(),
            ),
        ),
        (
            "hdbscan-10d",
            &x10,
            Box::new(
                HdbscanParams::new(500)
                    .min_samples(Some(10))
                    .check()
                    .unwrap(),
            ),
        ),
    ];
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    for (name, x, algo) in &runs {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        // What the fit finds, to compare with scikit-learn's.
        let fit = algo.fit(x.view()).expect("fit");
        eprintln!(
            "{name}: {} clusters, {} noise, fit {:.2} s",
            fit.n_clusters, fit.n_noise, fit.fit_seconds
        );
        bench_one(c, name, x, algo.as_ref());
    }
}

criterion_group!(benches, density);
criterion_main!(benches);
