//! EM speed: time per iteration of our EM against linfa's
//! `GaussianMixtureModel` on the same generated data, in one process.
//!
//! ```text
//! cargo run --release -p clusterlab-em --example em_bench            # the table (ours, all sizes; linfa where it is affordable)
//! cargo run --release -p clusterlab-em --example em_bench -- --quick # 10k and 100k only
//! cargo run --release -p clusterlab-em --example em_bench -- --n 1000000 --d 10 --k 5  # one row
//! cargo run --release -p clusterlab-em --example em_bench -- --memory  # peak memory at 1M × 10, k = 5
//! cargo run --release -p clusterlab-em --example em_bench -- --profile diag --n 1000000 --d 10 --k 5
//!     # one covariance type only (median of 5 timings), e.g. under a profiler, and the
//!     # time to read the data once (the memory floor of an iteration)
//! cargo run --release -p clusterlab-em --example em_bench -- --export DIR --json DIR/ours.json
//!     # also write the data, start models and our timings for crates/em/scripts/time_sklearn_em.py
//! ```
//!
//! Per-iteration time is measured by difference: a fit of `1 + T` iterations
//! minus a fit of 1 iteration, divided by T (so set-up, initialisation and
//! the final E-step cancel; T is raised until the difference spans ~50 ms),
//! repeated and reported as the median. Both
//! libraries start from the same model and run a fixed number of iterations.

use std::io::Write;
use std::time::Instant;

use clusterlab_em::{CovarianceType, Covariances, GaussianMixture, GmmModel, Init};
use linfa::prelude::*;
use ndarray::{Array1, Array2, Array3};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Blobs: `k_true` centres in a cube of side 20, unit-ish spread per blob.
fn blobs(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let k_true = 5;
    let centres = Array2::from_shape_fn((k_true, d), |_| rng.gen_range(-10.0..10.0));
    let mut x = Array2::<f64>::zeros((n, d));
    for i in 0..n {
        let c = i % k_true;
        for a in 0..d {
            let u1: f64 = 1.0 - rng.gen::<f64>();
            let u2: f64 = rng.gen();
            let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            x[[i, a]] = centres[[c, a]] + (1.0 + 0.5 * c as f64) * z;
        }
    }
    x
}

/// The common start: equal weights, means at k evenly spaced rows, identity covariances × 4.
fn start_model(x: &Array2<f64>, k: usize, ty: CovarianceType) -> GmmModel {
    let (n, d) = x.dim();
    let means = Array2::from_shape_fn((k, d), |(j, a)| x[[j * (n / k), a]]);
    let cov = match ty {
        CovarianceType::Full => Covariances::Full(Array3::from_shape_fn((k, d, d), |(_, a, b)| {
            if a == b {
                4.0
            } else {
                0.0
            }
        })),
        CovarianceType::Diag => Covariances::Diag(Array2::from_elem((k, d), 4.0)),
        CovarianceType::Spherical => Covariances::Spherical(Array1::from_elem(k, 4.0)),
        CovarianceType::Tied => Covariances::Tied(Array2::eye(d) * 4.0),
    };
    GmmModel::new(Array1::from_elem(k, 1.0 / k as f64), means, cov).expect("valid start")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Our per-iteration time from `start`: by difference of a `1 + T` and a
/// 1-iteration fit, with T at least `iters` and large enough that the timed
/// difference spans about 50 ms (small problems are otherwise lost in noise).
fn time_ours(x: &Array2<f64>, start: &GmmModel, iters: usize) -> f64 {
    let run = |m: usize| {
        let p = GaussianMixture::params(start.n_components())
            .covariance_type(start.covariance_type())
            .init(Init::Model(Box::new(start.clone())))
            .tol(0.0)
            .max_iter(m)
            .check()
            .expect("valid params");
        let t = Instant::now();
        let fit = p.fit(x.view(), None).expect("fit");
        std::hint::black_box(fit.log_likelihood);
        t.elapsed().as_secs_f64()
    };
    let by_difference = |t: usize| (run(1 + t) - run(1)).max(0.0) / t as f64;
    let estimate = by_difference(iters).max(1e-7);
    let t = ((0.05 / estimate).ceil() as usize).clamp(iters, 1000);
    by_difference(t)
}

fn time_linfa(x: &Array2<f64>, k: usize, iters: usize) -> f64 {
    let ds = DatasetBase::from(x.clone());
    let run = |m: u64| {
        let p = linfa_clustering::GaussianMixtureModel::params(k)
            .init_method(linfa_clustering::GmmInitMethod::Random)
            .tolerance(1e-300)
            .max_n_iterations(m)
            .with_rng(Xoshiro256PlusPlus::seed_from_u64(1));
        let t = Instant::now();
        let r = p.fit(&ds);
        std::hint::black_box(r.is_ok());
        t.elapsed().as_secs_f64()
    };
    (run(1 + iters as u64) - run(1)).max(0.0) / iters as f64
}

/// Peak double-precision GFLOP/s, measured: every core runs 16 independent
/// chains of fused multiply-adds held in registers, at the widest vector
/// width the CPU has (what our kernels use), for about 0.2 s.
fn peak_gflops() -> (f64, String) {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        info.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split(':').nth(1))
            .map(|v| v.trim().to_string())
    };
    let mhz: f64 = field("cpu MHz")
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    let model = field("model name").unwrap_or_else(|| "?".into());
    let cores = rayon::current_num_threads();
    let (kernel, width): (fn(u64) -> f64, &str) = fma_kernel();
    let iters: u64 = 20_000_000;
    let flops_per_iter = match width {
        "AVX-512" => 16.0 * 8.0 * 2.0,
        "AVX2" => 16.0 * 4.0 * 2.0,
        _ => 16.0 * 2.0,
    };
    let mut best = 0.0f64;
    for _ in 0..3 {
        let t = Instant::now();
        let sink: f64 = (0..cores)
            .into_par_iter()
            .map(|_| kernel(std::hint::black_box(iters)))
            .sum();
        std::hint::black_box(sink);
        let secs = t.elapsed().as_secs_f64();
        best = best.max(cores as f64 * iters as f64 * flops_per_iter / secs / 1e9);
    }
    let per_cycle = best / (cores as f64 * mhz / 1000.0);
    (
        best,
        format!(
            "{model}, {cores} threads at {mhz:.0} MHz; measured {width} multiply-add peak \
             {best:.0} GFLOP/s ({per_cycle:.1} flops/cycle/core)"
        ),
    )
}

/// The widest multiply-add kernel this CPU runs, and its name.
fn fma_kernel() -> (fn(u64) -> f64, &'static str) {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            return (fma_avx512, "AVX-512");
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return (fma_avx2, "AVX2");
        }
    }
    (fma_scalar, "scalar")
}

#[cfg(target_arch = "x86_64")]
fn fma_avx512(iters: u64) -> f64 {
    #[target_feature(enable = "avx512f")]
    unsafe fn run(iters: u64) -> f64 {
        use std::arch::x86_64::*;
        let (a, b) = (_mm512_set1_pd(0.999_999), _mm512_set1_pd(1e-7));
        let mut acc = [_mm512_set1_pd(1.0); 16];
        for _ in 0..iters {
            for r in acc.iter_mut() {
                *r = _mm512_fmadd_pd(*r, a, b);
            }
        }
        acc.iter().map(|v| _mm512_reduce_add_pd(*v)).sum()
    }
    // SAFETY: only chosen after `is_x86_feature_detected!("avx512f")`.
    unsafe { run(iters) }
}

#[cfg(target_arch = "x86_64")]
fn fma_avx2(iters: u64) -> f64 {
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run(iters: u64) -> f64 {
        use std::arch::x86_64::*;
        let (a, b) = (_mm256_set1_pd(0.999_999), _mm256_set1_pd(1e-7));
        let mut acc = [_mm256_set1_pd(1.0); 16];
        for _ in 0..iters {
            for r in acc.iter_mut() {
                *r = _mm256_fmadd_pd(*r, a, b);
            }
        }
        let mut out = [0.0; 4];
        for v in &acc {
            let mut lanes = [0.0; 4];
            _mm256_storeu_pd(lanes.as_mut_ptr(), *v);
            for l in 0..4 {
                out[l] += lanes[l];
            }
        }
        out.iter().sum()
    }
    // SAFETY: only chosen after checking for AVX2 and FMA.
    unsafe { run(iters) }
}

fn fma_scalar(iters: u64) -> f64 {
    let mut acc = [1.0f64; 16];
    for _ in 0..iters {
        for r in acc.iter_mut() {
            *r = *r * 0.999_999 + 1e-7;
        }
    }
    acc.iter().sum()
}

/// Flops of one full-covariance iteration: E-step ≈ n·k·d² (triangular multiply, multiply-add), statistics ≈ n·k·d².
fn flops_full(n: usize, d: usize, k: usize) -> f64 {
    2.0 * (n * k * d * d) as f64
}

fn export(dir: &std::path::Path, x: &Array2<f64>, starts: &[(usize, GmmModel)]) {
    std::fs::create_dir_all(dir).expect("create export dir");
    let (n, d) = x.dim();
    let mut f = std::fs::File::create(dir.join(format!("x_{n}x{d}.f64"))).expect("create");
    let bytes: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
    f.write_all(&bytes).expect("write");
    for (k, m) in starts {
        let path = dir.join(format!("start_{n}x{d}_k{k}_{}.json", m.covariance_type()));
        std::fs::write(path, serde_json::to_string(m).expect("json")).expect("write");
    }
}

/// A field of /proc/self/status in MiB (Linux), e.g. `VmHWM` (peak) or `VmRSS`.
fn status_mib(field: &str) -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Peak resident memory of one 1M × 10, k = 5 full fit against data + responsibilities.
fn memory_check() {
    let base = status_mib("VmRSS").unwrap_or(0.0);
    let (n, d, k) = (1_000_000, 10, 5);
    let x = blobs(n, d, 7);
    let start = start_model(&x, k, CovarianceType::Full);
    let fit = GaussianMixture::params(k)
        .init(Init::Model(Box::new(start)))
        .tol(0.0)
        .max_iter(5)
        .check()
        .expect("valid params")
        .fit(x.view(), None)
        .expect("fit");
    std::hint::black_box(&fit);
    let peak = status_mib("VmHWM").unwrap_or(f64::NAN) - base;
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    let data = mib(n * d * 8);
    let resp = mib(n * k * 8);
    println!(
        "memory at {n} × {d}, k = {k}: peak resident {peak:.0} MiB above start; data {data:.0} MiB + responsibilities {resp:.0} MiB = {:.0} MiB; ratio {:.2}",
        data + resp,
        peak / (data + resp)
    );
}

/// The memory floor of an iteration: the median time to read every value of
/// `x` once, in parallel over the same kind of contiguous row chunks as the EM
/// (eight independent sums per chunk, so the adds never limit the reads).
/// An iteration reads the data once, so no iteration can beat this.
fn read_floor(x: &Array2<f64>) -> f64 {
    let flat = x.as_slice().expect("standard layout");
    let chunk = (flat.len() / 64).max(8192);
    let once = || {
        let t = Instant::now();
        let s: f64 = flat
            .par_chunks(chunk)
            .map(|c| {
                let mut acc = [0.0f64; 8];
                let mut it = c.chunks_exact(8);
                for v in &mut it {
                    for (a, x) in acc.iter_mut().zip(v) {
                        *a += x;
                    }
                }
                acc.iter().sum::<f64>() + it.remainder().iter().sum::<f64>()
            })
            .sum();
        std::hint::black_box(s);
        t.elapsed().as_secs_f64()
    };
    median((0..15).map(|_| once()).collect())
}

/// `--profile TYPE [--n N] [--d D] [--k K]`: the median of five timings of 20 iterations, nothing else.
fn profile(args: &[String], ty: &str) {
    let one = |flag: &str, default: usize| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().expect("an integer"))
    };
    let (n, d, k) = (one("--n", 1_000_000), one("--d", 10), one("--k", 5));
    let ty: CovarianceType = ty.parse().expect("full, diag, spherical or tied");
    let x = blobs(n, d, 7);
    let start = start_model(&x, k, ty);
    let secs = median((0..5).map(|_| time_ours(&x, &start, 20)).collect());
    let floor = read_floor(&x);
    println!(
        "{n} × {d}, k = {k}, {}: {:.3} ms per iteration (reading the data once: {:.3} ms)",
        ty.name(),
        secs * 1e3,
        floor * 1e3
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--memory") {
        memory_check();
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--profile") {
        profile(&args, args.get(i + 1).map(String::as_str).unwrap_or("full"));
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let no_peers = args.iter().any(|a| a == "--no-linfa");
    let value_of = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(std::path::PathBuf::from)
    };
    let export_dir = value_of("--export");
    let json_out = value_of("--json");
    let mut rows: Vec<serde_json::Value> = Vec::new();
    // `--n 100000,1000000`, `--d 10`, `--k 5` restrict the table.
    let list = |flag: &str, default: &[usize]| -> Vec<usize> {
        match args
            .iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
        {
            Some(v) => v
                .split(',')
                .map(|s| s.trim().parse().expect("a list of integers"))
                .collect(),
            None => default.to_vec(),
        }
    };
    let ns = list(
        "--n",
        if quick {
            &[10_000, 100_000]
        } else {
            &[10_000, 100_000, 1_000_000]
        },
    );
    let ds = list("--d", &[2, 10, 32]);
    let ks = list("--k", &[5, 16]);
    let (peak, machine) = peak_gflops();
    println!("machine: {machine}");
    println!("per-iteration medians (ms), full covariance unless noted; threads = all cores unless noted\n");
    println!("| n | d | k | ours full | GFLOP/s | % peak | ours 1 thread | linfa | ratio | diag | spherical | tied |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    for &n in &ns {
        for &d in &ds {
            let x = blobs(n, d, 7);
            let mut starts = Vec::new();
            for &k in &ks {
                let work = (n * k * d * d) as f64;
                let iters = if work > 5e8 {
                    3
                } else if work > 5e7 {
                    5
                } else {
                    10
                };
                let reps = if work > 5e8 { 3 } else { 5 };
                let full = start_model(&x, k, CovarianceType::Full);
                let ours = median((0..reps).map(|_| time_ours(&x, &full, iters)).collect());
                let single = median(
                    (0..reps.min(3))
                        .map(|_| one.install(|| time_ours(&x, &full, iters)))
                        .collect(),
                );
                let gflops = flops_full(n, d, k) / ours / 1e9;
                let linfa_ok = !no_peers && work <= 2e8;
                let linfa = if linfa_ok {
                    Some(median(
                        (0..3).map(|_| time_linfa(&x, k, iters.min(3))).collect(),
                    ))
                } else {
                    None
                };
                let others: Vec<f64> = [
                    CovarianceType::Diag,
                    CovarianceType::Spherical,
                    CovarianceType::Tied,
                ]
                .iter()
                .map(|t| {
                    let s = start_model(&x, k, *t);
                    starts.push((k, s.clone()));
                    let secs = median((0..reps).map(|_| time_ours(&x, &s, iters)).collect());
                    rows.push(serde_json::json!({"n": n, "d": d, "k": k,
                        "covariance_type": t.name(), "seconds_per_iteration": secs}));
                    secs
                })
                .collect();
                rows.push(
                    serde_json::json!({"n": n, "d": d, "k": k, "covariance_type": "full",
                    "seconds_per_iteration": ours, "seconds_per_iteration_1_thread": single,
                    "linfa_seconds_per_iteration": linfa, "gflops": gflops}),
                );
                starts.push((k, full));
                let ms = |s: f64| format!("{:.2}", s * 1e3);
                println!(
                    "| {n} | {d} | {k} | {} | {gflops:.1} | {:.0}% | {} | {} | {} | {} | {} | {} |",
                    ms(ours),
                    100.0 * gflops / peak,
                    ms(single),
                    linfa.map_or("–".into(), ms),
                    linfa.map_or("–".into(), |l| format!("{:.1}×", l / ours)),
                    ms(others[0]),
                    ms(others[1]),
                    ms(others[2]),
                );
            }
            if let Some(dir) = &export_dir {
                export(dir, &x, &starts);
            }
        }
    }
    if let Some(path) = json_out {
        std::fs::write(&path, serde_json::to_string_pretty(&rows).expect("json"))
            .expect("write --json file");
    }
}
