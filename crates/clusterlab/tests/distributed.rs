//! `fit gmm|kmeans --workers` end to end: 1, 2 and 4 processes of the built
//! binary on 127.0.0.1 (ports picked free) give the single-process answer;
//! failures end every process with one line naming the process and host.

#![cfg(feature = "distributed")]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clusterlab"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[String]) -> Output {
    bin()
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run clusterlab")
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("one JSON object")
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// A host file of `p` free ports on 127.0.0.1.
fn hostfile(dir: &Path, p: usize) -> PathBuf {
    let listeners: Vec<TcpListener> = (0..p)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let text: String = listeners
        .iter()
        .map(|l| format!("127.0.0.1:{}\n", l.local_addr().unwrap().port()))
        .collect();
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let path = dir.join(format!("hosts-{}", COUNT.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&path, text).unwrap();
    path
}

fn spawn(args: &[String]) -> Child {
    bin()
        .args(args)
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start clusterlab")
}

/// Runs `args` as processes 0..p with `w` workers each; returns process 0's
/// output after checking that every process succeeded and only process 0 printed.
fn run_cluster(dir: &Path, args: &[String], p: usize, w: usize) -> Value {
    let hosts = hostfile(dir, p);
    let children: Vec<Child> = (0..p)
        .rev()
        .map(|i| {
            let mut a = args.to_vec();
            a.extend(strings(&[
                "--workers",
                &w.to_string(),
                "--processes",
                &p.to_string(),
            ]));
            a.extend(strings(&["--process", &i.to_string(), "--timeout", "30"]));
            a.extend(strings(&["--hostfile", hosts.to_str().unwrap()]));
            spawn(&a)
        })
        .collect();
    let mut outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    outs.reverse();
    for (i, o) in outs.iter().enumerate() {
        assert!(
            o.status.success(),
            "process {i} of {p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        if i > 0 {
            assert!(o.stdout.is_empty(), "process {i} printed");
        }
    }
    json(&outs[0])
}

fn numbers(v: &Value) -> Vec<f64> {
    match v {
        Value::Number(n) => vec![n.as_f64().unwrap()],
        Value::Array(a) => a.iter().flat_map(numbers).collect(),
        _ => panic!("not numbers: {v}"),
    }
}

fn assert_close(a: &Value, b: &Value, abs: f64, what: &str) {
    let (a, b) = (numbers(a), numbers(b));
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= abs, "{what}: {x} vs {y}");
    }
}

fn assert_rel(a: f64, b: f64, rel: f64, what: &str) {
    assert!(
        (a - b).abs() <= rel * a.abs().max(b.abs()),
        "{what}: {a} vs {b}"
    );
}

/// iris as a .npy (with its labels), in `dir`.
/// Two `gmm` objects hold the same mixture: log-likelihoods within `rel`
/// relative, weights, means and covariances within `abs`.
fn assert_same_mixture(a: &Value, b: &Value, rel: f64, abs: f64, what: &str) {
    assert_rel(
        a["log_likelihood"].as_f64().unwrap(),
        b["log_likelihood"].as_f64().unwrap(),
        rel,
        what,
    );
    for key in ["weights", "means", "covariances"] {
        assert_close(&a[key], &b[key], abs, &format!("{what}: {key}"));
    }
}

fn iris_npy(dir: &Path) -> String {
    let npy = dir.join("iris.npy");
    let o = run(&strings(&[
        "convert",
        "datasets/iris.csv",
        npy.to_str().unwrap(),
    ]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    npy.to_string_lossy().into_owned()
}

#[test]
fn em_on_1_2_and_4_processes_equals_the_single_process_fit() {
    let dir = tempfile::tempdir().unwrap();
    let data = iris_npy(dir.path());
    for cov in ["full", "diag", "spherical", "tied"] {
        // A start: two EM iterations from k-means, written as a model JSON.
        let start = json(&run(&strings(&[
            "fit",
            "gmm",
            &data,
            "--k",
            "3",
            "--covariance",
            cov,
            "--max-iter",
            "2",
            "--n-init",
            "1",
            "--json",
        ])));
        let model = dir.path().join(format!("start-{cov}.json"));
        std::fs::write(&model, start["gmm"].to_string()).unwrap();
        let args = strings(&[
            "fit",
            "gmm",
            &data,
            "--k",
            "3",
            "--init-model",
            model.to_str().unwrap(),
            "--tol",
            "0",
            "--rtol",
            "0",
            "--max-iter",
            "20",
            "--json",
        ]);
        let one = json(&run(&args));
        assert_eq!(one["gmm"]["n_iter"], 20);
        for (p, w) in [(1, 2), (2, 1), (4, 1)] {
            let many = run_cluster(dir.path(), &args, p, w);
            let what = format!("{cov}, {p} processes × {w} workers");
            let (a, b) = (&many["gmm"], &one["gmm"]);
            assert_rel(
                a["log_likelihood"].as_f64().unwrap(),
                b["log_likelihood"].as_f64().unwrap(),
                1e-12,
                &what,
            );
            for (x, y) in numbers(&a["lower_bounds"])
                .iter()
                .zip(numbers(&b["lower_bounds"]))
            {
                assert_rel(*x, y, 1e-12, &what);
            }
            for key in ["weights", "means", "covariances"] {
                assert_close(&a[key], &b[key], 1e-10, &format!("{what}: {key}"));
            }
            assert_rel(
                a["bic"].as_f64().unwrap(),
                b["bic"].as_f64().unwrap(),
                1e-12,
                &what,
            );
            assert_eq!(a["n_iter"], b["n_iter"], "{what}");
            assert_eq!(a["converged"], b["converged"], "{what}");
            assert_eq!(a["warnings"], b["warnings"], "{what}");
            assert_eq!(many["labels"], one["labels"], "{what}");
            assert_eq!(many["ari"], one["ari"], "{what}");
            assert_eq!(many["params"], one["params"], "{what}");
            assert_eq!(many["n"], 150);
        }
    }
}

/// The data-driven starts (the default auto, k-means, k-means++, random
/// responsibilities, random points, mclust's hierarchical tree on the rows
/// gathered) and mclust's models: 1, 2 and 4
/// processes give the single-process fit from the same seed. Starts at single
/// points (kmeans++, random-from-data) begin with one-point components whose
/// covariance is reg_covar plus a difference of near-equal sums: the data's
/// mean, summed in another order, moves it at 1e-9 relative, so those are
/// compared at 1e-7; the others at 1e-12 (log-likelihood) and 1e-10.
#[test]
fn em_starts_and_models_on_1_2_and_4_processes_equal_the_single_process_fit() {
    let dir = tempfile::tempdir().unwrap();
    let data = iris_npy(dir.path());
    let cases = [
        ("full", "auto", "4", 1e-12),
        ("EEE", "kmeans", "1", 1e-12),
        ("VEV", "kmeans", "2", 1e-12),
        ("EEI", "random", "3", 1e-12),
        ("VVE", "kmeans++", "1", 1e-7),
        ("VII", "random-from-data", "1", 1e-7),
        ("VEV", "hc", "1", 1e-12),
    ];
    for (cov, init, n_init, rel) in cases {
        let mut args = strings(&[
            "fit",
            "gmm",
            &data,
            "--k",
            "3",
            "--covariance",
            cov,
            "--n-init",
            n_init,
            "--seed",
            "7",
            "--json",
        ]);
        // The default start is auto (hc, kmeans, kmeans++, random-from-data
        // for 50 iterations each, the best on): name it only for the other cases.
        if init != "auto" {
            args.extend(strings(&["--init", init]));
        }
        let one = json(&run(&args));
        for (p, w) in [(1, 2), (2, 1), (4, 1)] {
            let many = run_cluster(dir.path(), &args, p, w);
            let what = format!("{cov}, {init} × {n_init}, {p} processes × {w} workers");
            let (a, b) = (&many["gmm"], &one["gmm"]);
            let abs = if rel < 1e-10 { 1e-10 } else { rel };
            assert_same_mixture(a, b, rel, abs, &what);
            assert_eq!(a["n_iter"], b["n_iter"], "{what}");
            assert_eq!(a["model"], b["model"], "{what}");
            assert_eq!(many["labels"], one["labels"], "{what}");
        }
    }
}

/// Above 2500 rows the default start makes and screens its starts on a
/// sample of 2500 rows, which the processes gather and screen in memory, as
/// the single process does; then all rows go on, distributed.
#[test]
fn the_default_start_on_a_sample_equals_the_single_process_fit() {
    let dir = tempfile::tempdir().unwrap();
    let n = 3200;
    let centres = [[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]];
    let x = ndarray::Array2::from_shape_fn((n, 2), |(i, c)| {
        let b = i % 3;
        let t = (i / 3) as f64;
        centres[b][c] + (0.6 + 0.3 * b as f64) * (t * 1.7 + c as f64 * 2.3 + b as f64).sin()
    });
    let path = dir.path().join("blobs.npy");
    clusterlab_data::write_npy(&path, &x).unwrap();
    let data = path.to_string_lossy().into_owned();
    let args = strings(&["fit", "gmm", &data, "--k", "3", "--seed", "5", "--json"]);
    let one = json(&run(&args));
    for (p, w) in [(1, 2), (2, 1)] {
        let many = run_cluster(dir.path(), &args, p, w);
        let what = format!("auto on a sample, {p} processes × {w} workers");
        let (a, b) = (&many["gmm"], &one["gmm"]);
        assert_same_mixture(a, b, 1e-12, 1e-10, &what);
        assert_eq!(a["n_iter"], b["n_iter"], "{what}");
        assert_eq!(many["labels"], one["labels"], "{what}");
    }
}

/// `--standardize`: the columns' unit, mean and variance are summed over the
/// workers and every worker z-scores its rows (streamed ones as they are
/// read), giving the single-process `--standardize` fit (EM and k-means).
#[test]
fn standardize_on_1_2_and_4_processes_equals_the_single_process_fit() {
    let dir = tempfile::tempdir().unwrap();
    let data = iris_npy(dir.path());
    for alg in ["gmm", "kmeans"] {
        let args = strings(&[
            "fit",
            alg,
            &data,
            "--k",
            "3",
            "--n-init",
            "2",
            "--seed",
            "5",
            "--standardize",
            "--json",
        ]);
        let one = json(&run(&args));
        assert_eq!(one["standardized"], true);
        let mut runs = vec![
            ("1 × 2", run_cluster(dir.path(), &args, 1, 2)),
            ("2 × 1", run_cluster(dir.path(), &args, 2, 1)),
            ("4 × 1", run_cluster(dir.path(), &args, 4, 1)),
        ];
        if alg == "gmm" {
            let mut streamed = args.clone();
            streamed.push("--stream".into());
            runs.push(("2 × 1 streamed", run_cluster(dir.path(), &streamed, 2, 1)));
        }
        for (how, many) in runs {
            let what = format!("{alg} --standardize, {how}");
            let (a, b) = (&many[alg], &one[alg]);
            assert_eq!(many["standardized"], true, "{what}");
            assert_eq!(many["labels"], one["labels"], "{what}");
            if alg == "gmm" {
                assert_same_mixture(a, b, 1e-12, 1e-10, &what);
                assert_eq!(a["n_iter"], b["n_iter"], "{what}");
            } else {
                assert_close(&a["centroids"], &b["centroids"], 1e-10, &what);
                assert_rel(
                    a["inertia"].as_f64().unwrap(),
                    b["inertia"].as_f64().unwrap(),
                    1e-12,
                    &what,
                );
            }
        }
    }
}

#[test]
fn kmeans_on_1_2_and_4_processes_equals_the_single_process_fit() {
    let dir = tempfile::tempdir().unwrap();
    let data = iris_npy(dir.path());
    for (seed, init) in [("3", "kmeans++"), ("11", "kmeans++"), ("5", "random")] {
        let args = strings(&[
            "fit", "kmeans", &data, "--k", "4", "--n-init", "1", "--seed", seed, "--init", init,
            "--json",
        ]);
        let one = json(&run(&args));
        for (p, w) in [(1, 2), (2, 1), (4, 1)] {
            let many = run_cluster(dir.path(), &args, p, w);
            let what = format!("seed {seed}, {init}, {p} processes × {w} workers");
            let (a, b) = (&many["kmeans"], &one["kmeans"]);
            assert_close(&a["centroids"], &b["centroids"], 1e-10, &what);
            assert_rel(
                a["inertia"].as_f64().unwrap(),
                b["inertia"].as_f64().unwrap(),
                1e-12,
                &what,
            );
            assert_eq!(a["n_iter"], b["n_iter"], "{what}");
            assert_eq!(many["labels"], one["labels"], "{what}");
        }
    }
    // n_init > 1: the best of the same runs.
    let args = strings(&[
        "fit", "kmeans", &data, "--k", "3", "--n-init", "4", "--seed", "2", "--json",
    ]);
    let (one, many) = (json(&run(&args)), run_cluster(dir.path(), &args, 2, 1));
    assert_close(
        &many["kmeans"]["centroids"],
        &one["kmeans"]["centroids"],
        1e-10,
        "n_init 4",
    );
    // --stream (nothing per row kept between scans): the same fit.
    for init in ["kmeans++", "random"] {
        let mut args = strings(&[
            "fit", "kmeans", &data, "--k", "4", "--n-init", "3", "--seed", "2", "--init", init,
            "--json",
        ]);
        let one = json(&run(&args));
        args.push("--stream".into());
        for (p, w) in [(1, 3), (2, 1)] {
            let many = run_cluster(dir.path(), &args, p, w);
            let what = format!("{init} --stream, {p} processes × {w} workers");
            let (a, b) = (&many["kmeans"], &one["kmeans"]);
            assert_close(&a["centroids"], &b["centroids"], 1e-10, &what);
            assert_rel(
                a["inertia"].as_f64().unwrap(),
                b["inertia"].as_f64().unwrap(),
                1e-12,
                &what,
            );
            assert_eq!(a["n_iter"], b["n_iter"], "{what}");
            assert_eq!(many["labels"], one["labels"], "{what}");
        }
    }
}

/// Exactly one line on stderr, naming `needle`; a failing exit; no panic text.
fn assert_one_line_error(o: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "expected failure; stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err:?}");
    for n in needles {
        assert!(err.contains(n), "{err:?} does not mention {n:?}");
    }
}

/// Rows with enough work per iteration that a debug build takes a while.
fn long_data(dir: &Path) -> String {
    let n = 20_000;
    let x = ndarray::Array2::from_shape_fn((n, 3), |(i, j)| {
        ((i * 7 + j * 13) % 101) as f64 / 10.0 + if i % 2 == 0 { 5.0 } else { 0.0 }
    });
    let path = dir.join("long.npy");
    clusterlab_data::write_npy(&path, &x).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn a_peer_killed_mid_fit_ends_every_process_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = long_data(dir.path());
    let hosts = hostfile(dir.path(), 2);
    let port1 = std::fs::read_to_string(&hosts)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    let args = |i: usize| {
        strings(&[
            "fit",
            "kmeans",
            &data,
            "--k",
            "5",
            "--n-init",
            "1000",
            "--max-iter",
            "1000",
            "--tol",
            "1e-12",
            "--workers",
            "1",
            "--processes",
            "2",
            "--process",
            &i.to_string(),
            "--hostfile",
            hosts.to_str().unwrap(),
            "--timeout",
            "4",
        ])
    };
    let p1 = spawn(&args(1));
    let p0 = spawn(&args(0));
    std::thread::sleep(Duration::from_millis(1500));
    let mut p1 = p1;
    p1.kill().unwrap();
    let _ = p1.wait();
    let killed = Instant::now();
    // Process 0 must end by itself within the timeout (plus slack), never hang.
    let mut p0 = p0;
    let deadline = killed + Duration::from_secs(15);
    while p0.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            p0.kill().unwrap();
            panic!("process 0 still running 15 s after its peer died");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = p0.wait_with_output().unwrap();
    assert_one_line_error(
        &o,
        &["process 0 (127.0.0.1:", &format!("process 1 ({port1})")],
    );
}

#[test]
fn an_unreachable_peer_or_a_missing_file_is_one_line_on_every_process() {
    let dir = tempfile::tempdir().unwrap();
    let data = iris_npy(dir.path());
    // Process 1 alone: process 0 never answers.
    let hosts = hostfile(dir.path(), 2);
    let port0 = std::fs::read_to_string(&hosts)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let started = Instant::now();
    let o = run(&strings(&[
        "fit",
        "gmm",
        &data,
        "--k",
        "2",
        "--workers",
        "1",
        "--processes",
        "2",
        "--process",
        "1",
        "--hostfile",
        hosts.to_str().unwrap(),
        "--timeout",
        "1",
    ]));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_one_line_error(
        &o,
        &[
            "process 1 (127.0.0.1:",
            &format!("cannot reach process 0 ({port0}) within 1 s"),
        ],
    );

    // Process 1's file is missing: both processes stop, naming process 1 and the file.
    let hosts = hostfile(dir.path(), 2);
    let model = dir.path().join("m.json");
    let start = json(&run(&strings(&[
        "fit",
        "gmm",
        &data,
        "--k",
        "2",
        "--max-iter",
        "1",
        "--json",
    ])));
    std::fs::write(&model, start["gmm"].to_string()).unwrap();
    let args = |i: usize, file: &str| {
        strings(&[
            "fit",
            "gmm",
            file,
            "--k",
            "2",
            "--init-model",
            model.to_str().unwrap(),
            "--workers",
            "1",
            "--processes",
            "2",
            "--process",
            &i.to_string(),
            "--hostfile",
            hosts.to_str().unwrap(),
            "--timeout",
            "10",
        ])
    };
    let missing = dir.path().join("absent.npy");
    let p1 = spawn(&args(1, missing.to_str().unwrap()));
    let p0 = spawn(&args(0, &data));
    for o in [
        p0.wait_with_output().unwrap(),
        p1.wait_with_output().unwrap(),
    ] {
        assert_one_line_error(&o, &["process 1 (127.0.0.1:", "absent.npy: no such file"]);
    }

    // A bad host file and labels that do not fit the data are refused before connecting.
    let bad = dir.path().join("bad-hosts");
    let mut f = std::fs::File::create(&bad).unwrap();
    writeln!(f, "127.0.0.1:1\nnot-an-address").unwrap();
    let o = run(&strings(&[
        "fit",
        "gmm",
        &data,
        "--k",
        "2",
        "--workers",
        "1",
        "--processes",
        "2",
        "--hostfile",
        bad.to_str().unwrap(),
    ]));
    assert_one_line_error(&o, &["bad-hosts: line 2", "is not host:port"]);
    let labels = dir.path().join("short.txt");
    std::fs::write(&labels, "0\n1\n1\n").unwrap();
    let o = run(&strings(&[
        "fit",
        "gmm",
        &data,
        "--k",
        "2",
        "--init-labels",
        labels.to_str().unwrap(),
        "--workers",
        "2",
    ]));
    assert_one_line_error(&o, &["short.txt: 3 labels for 150 data rows"]);
}

/// The peak resident memory (VmHWM, KiB) of a child, polled from /proc until it exits.
fn peak_kib(mut child: Child) -> (u64, Output) {
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(text) = std::fs::read_to_string(&status) {
            if let Some(v) = text
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
            {
                peak = peak.max(v);
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (peak, child.wait_with_output().unwrap())
}

#[test]
fn streaming_keeps_resident_memory_flat_in_n_for_em_and_kmeans() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("diag.json");
    std::fs::write(
        &model,
        r#"{"covariance_type": "diag", "weights": [0.5, 0.5],
            "means": [[0,0,0,0,0,0,0,0,0,0], [3,3,3,3,3,3,3,3,3,3]],
            "covariances": [[1,1,1,1,1,1,1,1,1,1], [1,1,1,1,1,1,1,1,1,1]]}"#,
    )
    .unwrap();
    let (mut peaks, mut kmeans_peaks, mut start_peaks) = (Vec::new(), Vec::new(), Vec::new());
    for n in [100_000usize, 200_000] {
        let x = ndarray::Array2::from_shape_fn((n, 10), |(i, j)| {
            ((i * 31 + j * 17) % 97) as f64 / 40.0 + if i % 2 == 0 { 3.0 } else { 0.0 }
        });
        let path = dir.path().join(format!("x{n}.npy"));
        clusterlab_data::write_npy(&path, &x).unwrap();
        drop(x);
        let args = strings(&[
            "fit",
            "gmm",
            path.to_str().unwrap(),
            "--k",
            "2",
            "--init-model",
            model.to_str().unwrap(),
            "--tol",
            "0",
            "--max-iter",
            "1",
            "--workers",
            "1",
            "--stream",
        ]);
        let (peak, o) = peak_kib(spawn(&args));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("({n} points × 10 features)")));
        peaks.push(peak);
        // k-means: k-means++ seeding (a scan per centre) and Lloyd, streamed.
        let args = strings(&[
            "fit",
            "kmeans",
            path.to_str().unwrap(),
            "--k",
            "4",
            "--n-init",
            "1",
            "--max-iter",
            "3",
            "--workers",
            "1",
            "--stream",
        ]);
        let (peak, o) = peak_kib(spawn(&args));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("({n} points × 10 features)")));
        kmeans_peaks.push(peak);
        // EM from the k-means start (seeding and Lloyd streamed too).
        let args = strings(&[
            "fit",
            "gmm",
            path.to_str().unwrap(),
            "--init",
            "kmeans",
            "--k",
            "2",
            "--covariance",
            "diag",
            "--n-init",
            "1",
            "--max-iter",
            "1",
            "--workers",
            "1",
            "--stream",
        ]);
        let (peak, o) = peak_kib(spawn(&args));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        start_peaks.push(peak);
    }
    // 8 MB more data, and no more than 1.5 MB more memory: the rows are not held.
    let (small, large) = (peaks[0] as f64 / 1024.0, peaks[1] as f64 / 1024.0);
    assert!(
        large - small < 1.5,
        "resident peak grew from {small:.1} MiB to {large:.1} MiB with n"
    );
    // A tenth of the larger data (1.6 MB) plus a fixed allowance for the
    // program itself (its code, threads and allocator).
    assert!(large < 1.6 + 40.0, "resident peak {large:.1} MiB");
    let (small, large) = (
        kmeans_peaks[0] as f64 / 1024.0,
        kmeans_peaks[1] as f64 / 1024.0,
    );
    assert!(
        large - small < 1.5,
        "k-means: resident peak grew from {small:.1} MiB to {large:.1} MiB with n"
    );
    assert!(large < 1.6 + 40.0, "k-means: resident peak {large:.1} MiB");
    let (small, large) = (
        start_peaks[0] as f64 / 1024.0,
        start_peaks[1] as f64 / 1024.0,
    );
    assert!(
        large - small < 1.5,
        "EM's k-means start: resident peak grew from {small:.1} MiB to {large:.1} MiB with n"
    );
    assert!(
        large < 1.6 + 40.0,
        "EM's k-means start: resident peak {large:.1} MiB"
    );
}
