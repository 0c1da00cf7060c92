//! `clusterlab compare --gmm-noise` end to end: EM with mclust's noise
//! component in the report. Its metrics row labels noise −1 (as DBSCAN's),
//! equal to `clusterlab fit gmm --noise` with the same parameters; the BIC
//! selection is `select --noise`'s; every picture is written and decodes; the
//! explorer carries the noise column.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clusterlab"))
        .args(args)
        .output()
        .expect("run clusterlab")
}

/// Three round clusters of 50 points and 20 points uniform over the box
/// around them (a deterministic LCG, so the test needs no random crate).
fn write_csv(dir: &Path) -> PathBuf {
    let p = dir.join("background.csv");
    let mut s = String::from("x,y\n");
    let mut state: u64 = 2026;
    let mut unif = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let centres = [[0.0, 0.0], [5.0, 1.0], [2.0, 5.0]];
    for i in 0..150 {
        let c = centres[i % 3];
        let g = |u: &mut dyn FnMut() -> f64| (0..6).map(|_| u()).sum::<f64>() - 3.0;
        let (a, b) = (g(&mut unif), g(&mut unif));
        s.push_str(&format!("{:.4},{:.4}\n", c[0] + 0.6 * a, c[1] + 0.6 * b));
    }
    for _ in 0..20 {
        let (a, b) = (unif(), unif());
        s.push_str(&format!("{:.4},{:.4}\n", -3.0 + 11.0 * a, -3.0 + 11.0 * b));
    }
    std::fs::write(&p, s).unwrap();
    p
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|l| l.as_i64().expect("an integer"))
        .collect()
}

#[test]
fn compare_with_the_noise_component() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = write_csv(tmp.path());
    let out = tmp.path().join("out");
    let o = run(&[
        "compare",
        csv.to_str().unwrap(),
        "--k",
        "3",
        "--gmm-noise",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let metrics: Value =
        serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    let rows = metrics["rows"].as_array().unwrap();
    let gmm = rows
        .iter()
        .find(|r| r["algorithm"] == "gmm")
        .expect("a gmm row");
    assert_eq!(gmm["error"], Value::Null);
    let params = &gmm["params"];
    assert_eq!(params["noise"], Value::Bool(true));
    assert_eq!(params["noise_init"], "dbscan");
    // DBSCAN's defaults in the noise start are the DBSCAN row's.
    let dbscan = rows.iter().find(|r| r["algorithm"] == "dbscan").unwrap();
    assert_eq!(params["noise_init_eps"], dbscan["params"]["eps"]);
    assert_eq!(
        params["noise_init_min_samples"],
        dbscan["params"]["min_samples"]
    );
    assert_eq!(params["noise_init_points"], dbscan["noise"]);
    let labels = ints(&gmm["labels"]);
    let noise = labels.iter().filter(|l| **l == -1).count();
    assert!(noise >= 5, "{noise} noise points");
    assert_eq!(gmm["noise"], noise);
    assert!(labels.iter().all(|l| (-1..3).contains(l)), "{labels:?}");
    let pi0 = gmm["noise_proportion"].as_f64().expect("noise_proportion");
    assert!(pi0 > 0.0 && pi0 < 0.5, "{pi0}");
    // Rows without the noise component carry no noise_proportion.
    let km = rows.iter().find(|r| r["algorithm"] == "kmeans").unwrap();
    assert!(km.get("noise_proportion").is_none());
    // metrics.csv carries the same proportion and model (empty for k-means).
    let mut table = csv::Reader::from_path(out.join("metrics.csv")).unwrap();
    let header = table.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = table.records().map(|r| r.unwrap()).collect();
    let of = |alg: &str| {
        records
            .iter()
            .find(|r| &r[col("algorithm")] == alg)
            .unwrap()
            .clone()
    };
    let (g, k) = (of("gmm"), of("kmeans"));
    let csv_pi0: f64 = g[col("noise_proportion")].parse().unwrap();
    assert!((csv_pi0 - pi0).abs() <= 5e-7, "{csv_pi0} vs {pi0}");
    assert_eq!(&g[col("model")], gmm["model"].as_str().unwrap());
    assert_eq!((&k[col("noise_proportion")], &k[col("model")]), ("", ""));

    // The same fit by `fit gmm` with the parameters the row reports.
    let cov = params["covariance"].as_str().unwrap();
    let o = run(&[
        "fit",
        "gmm",
        csv.to_str().unwrap(),
        "--k",
        "3",
        "--standardize",
        "--noise",
        "--covariance",
        cov,
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fit: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(&fit["params"], params);
    assert_eq!(ints(&fit["labels"]), labels);
    assert_eq!(fit["gmm"]["noise_proportion"].as_f64().unwrap(), pi0);

    // The BIC selection ran with noise too: its choice is `select --noise`'s
    // over compare's k = 1..10 on the same (z-scored) data.
    let o = run(&[
        "select",
        csv.to_str().unwrap(),
        "--standardize",
        "--noise",
        "--k",
        "1..10",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sel: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ds = &metrics["datasets"][0];
    assert_eq!(ds["best_bic_model"], sel["best"][0]["model"], "{ds}");
    assert_eq!(ds["best_bic_k"], sel["best"][0]["k"], "{ds}");

    // Every picture is there and decodes.
    let dir = out.join("background");
    let mut pictures = 0;
    for name in [
        "hard-vs-soft.png",
        "em-vs-kmeans.png",
        "responsibilities.png",
        "convergence.png",
        "bic.png",
        "optics-reachability.png",
        "hdbscan.png",
        "hdbscan-soft.png",
        "condensed-tree.png",
        "init-sensitivity.png",
        "em-from-kmeans.png",
        "k-choice.png",
        "em-to-kmeans.png",
    ] {
        let img = image::open(dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .to_rgba8();
        let colours: std::collections::HashSet<[u8; 4]> = img.pixels().map(|p| p.0).collect();
        assert!(colours.len() >= 50, "{name} looks blank");
        pictures += 1;
    }
    for name in ["em-trace.gif", "em-to-kmeans.gif"] {
        use image::AnimationDecoder;
        let f = std::fs::File::open(dir.join(name)).unwrap();
        let dec = image::codecs::gif::GifDecoder::new(std::io::BufReader::new(f)).unwrap();
        let frames = dec.into_frames().collect_frames().unwrap();
        assert!(frames.len() >= 2, "{name}: {} frames", frames.len());
        pictures += 1;
    }
    let written = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            let p = e.as_ref().unwrap().path();
            matches!(p.extension().and_then(|x| x.to_str()), Some("png" | "gif"))
        })
        .count();
    assert_eq!(written, pictures, "pictures in {}", dir.display());
    assert_eq!(metrics["skipped_pictures"], Value::Array(Vec::new()));

    // The explorer has EM's noise column and −1 labels.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        html.contains("\"noise\":["),
        "no noise column in the explorer"
    );
}
