//! `clusterlab compare` end to end: every report file exists, every picture
//! decodes at its size and is not blank, the tables parse, the page's links
//! resolve; bad input fails on one line and leaves no report.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clusterlab_report::render;
use clusterlab_report::{Algorithm, Picture};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clusterlab"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run clusterlab")
}

/// A small 3-D dataset with ground truth: three Gaussian clusters, one of them wide.
fn write_small_csv(dir: &Path) -> PathBuf {
    let p = dir.join("tri3d.csv");
    let mut s = String::from("a,b,c,label\n");
    // A deterministic LCG so the test needs no random crate.
    let mut state: u64 = 12345;
    let mut unif = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let centres = [[0.0, 0.0, 0.0], [4.0, 0.5, 1.0], [1.0, 4.0, -1.0]];
    let spread = [0.5, 1.5, 0.7];
    for i in 0..90 {
        let c = i % 3;
        let mut row = Vec::new();
        for j in 0..3 {
            // Sum of uniforms ≈ normal.
            let g: f64 = (0..6).map(|_| unif()).sum::<f64>() - 3.0;
            row.push(format!("{:.4}", centres[c][j] + spread[c] * g));
        }
        s.push_str(&format!("{},{}\n", row.join(","), c));
    }
    std::fs::write(&p, s).unwrap();
    p
}

fn picture_size(p: Picture) -> (u32, u32) {
    match p {
        Picture::HardVsSoft => render::hard_vs_soft::SIZE,
        Picture::EmVsKmeans => render::em_vs_kmeans::SIZE,
        Picture::Responsibilities => render::responsibilities::SIZE,
        Picture::Convergence => render::convergence::SIZE,
        Picture::Bic => render::bic::SIZE,
        Picture::OpticsReachability => render::optics::SIZE,
        Picture::Hdbscan => render::hdbscan::SIZE,
        Picture::HdbscanSoft => render::hdbscan_soft::SIZE,
        Picture::CondensedTree => render::condensed_tree::SIZE,
        Picture::InitSensitivity => render::init_sensitivity::SIZE,
        Picture::EmFromKmeans => render::em_from_kmeans::SIZE,
        Picture::EmTrace => render::trace_gif::SIZE,
        Picture::KChoice => render::k_choice::SIZE,
        Picture::EmToKmeansGif => render::em_to_kmeans::GIF_SIZE,
        Picture::EmToKmeansPng => render::em_to_kmeans::STRIP_SIZE,
    }
}

/// Distinct colours in an RGB(A) image.
fn distinct_colours(img: &image::RgbaImage) -> usize {
    img.pixels().map(|p| p.0).collect::<HashSet<_>>().len()
}

/// Whether some pixel is within 8 per channel of `c`.
fn has_colour(img: &image::RgbaImage, c: (u8, u8, u8)) -> bool {
    img.pixels().any(|p| {
        (p.0[0] as i32 - c.0 as i32).abs() <= 8
            && (p.0[1] as i32 - c.1 as i32).abs() <= 8
            && (p.0[2] as i32 - c.2 as i32).abs() <= 8
    })
}

fn check_png(path: &Path, size: (u32, u32)) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgba8();
    assert_eq!(img.dimensions(), size, "{}", path.display());
    let n = distinct_colours(&img);
    assert!(n >= 50, "{} looks blank: {n} colours", path.display());
}

fn check_gif(path: &Path, size: (u32, u32)) {
    use image::AnimationDecoder;
    let f = std::fs::File::open(path).unwrap();
    let dec = image::codecs::gif::GifDecoder::new(std::io::BufReader::new(f)).unwrap();
    let frames = dec.into_frames().collect_frames().unwrap();
    assert!(
        frames.len() >= 2,
        "{}: {} frames",
        path.display(),
        frames.len()
    );
    let first = frames[0].buffer();
    let last = frames[frames.len() - 1].buffer();
    assert_eq!(first.dimensions(), size, "{}", path.display());
    assert!(
        distinct_colours(first) >= 20,
        "{}: first frame blank",
        path.display()
    );
    assert_ne!(
        first.as_raw(),
        last.as_raw(),
        "{}: nothing moves",
        path.display()
    );
}

/// Every `href="…"` and `src="…"` of a page.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let h = u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap();
            out.push(h);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn compare_writes_a_complete_report() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = write_small_csv(tmp.path());
    let out = tmp.path().join("out");
    let o = run(&[
        "compare",
        "seed-1d",
        csv.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("index.html"), "{stdout}");

    for f in [
        "index.html",
        "metrics.json",
        "metrics.csv",
        "summary.md",
        "grid.png",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    // The grid: one row per dataset, ground truth + six algorithms.
    check_png(&out.join("grid.png"), render::grid::size(2, 7));
    for ds in ["seed-1d", "tri3d"] {
        for p in Picture::ALL {
            let path = out.join(ds).join(p.file());
            assert!(path.is_file(), "missing {}", path.display());
            if p.file().ends_with(".gif") {
                check_gif(&path, picture_size(p));
            } else {
                check_png(&path, picture_size(p));
            }
        }
    }
    // No temporary file is left behind.
    for e in walk(&out) {
        let name = e.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.contains(".partial-"), "left over: {}", e.display());
    }

    // metrics.json: a row per dataset × algorithm, with the EM fields.
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    let rows = m["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2 * Algorithm::ALL.len());
    for ds in ["seed-1d", "tri3d"] {
        for a in Algorithm::ALL {
            let r = rows
                .iter()
                .find(|r| r["dataset"] == ds && r["algorithm"] == a.name())
                .unwrap_or_else(|| panic!("no row {ds} × {a}"));
            for key in [
                "n",
                "d",
                "params",
                "clusters",
                "noise",
                "ari",
                "nmi",
                "silhouette",
                "fit_seconds",
                "error",
            ] {
                assert!(r.get(key).is_some(), "{ds} × {a}: no {key}");
            }
            if a == Algorithm::Gmm {
                assert!(r["error"].is_null(), "{r}");
                assert!(r["log_likelihood"].is_f64() && r["bic"].is_f64());
                assert!(r["iterations"].is_u64() && r["converged"].is_boolean());
            }
        }
    }
    let tri = rows
        .iter()
        .find(|r| r["dataset"] == "tri3d" && r["algorithm"] == "gmm")
        .unwrap();
    assert_eq!(tri["n"], 90);
    assert_eq!(tri["d"], 3);
    assert!(tri["ari"].as_f64().unwrap() > 0.5, "{tri}");
    let datasets = m["datasets"].as_array().unwrap();
    assert_eq!(datasets.len(), 2);
    for d in datasets {
        let a = d["em_kmeans_agreement"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&a));
        assert!(d["em_kmeans_reason"]["headline"].as_str().unwrap().len() > 20);
        // EM's σ² path: shrinking σ², hardening responsibilities, and the
        // last frame's labels k-means' on at least 99% of the points.
        let frames = d["em_to_kmeans"]["frames"].as_array().unwrap();
        assert!(frames.len() >= 4, "{}", d["dataset"]);
        let last = frames.last().unwrap();
        assert!(
            last["agreement_with_kmeans"].as_f64().unwrap() >= 0.99,
            "{last}"
        );
        assert!(
            last["mean_max_responsibility"].as_f64().unwrap() > 0.99,
            "{last}"
        );
        for w in frames.windows(2) {
            assert!(w[1]["sigma2"].as_f64().unwrap() < w[0]["sigma2"].as_f64().unwrap());
        }
        // The Bayesian mixture's k beside BIC's; its k counts the weights above 1/(100·kmax).
        let kc = &d["k_choice"];
        let kmax = kc["kmax"].as_u64().unwrap() as usize;
        let weights: Vec<f64> = kc["bgmm"]["weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_f64().unwrap())
            .collect();
        assert_eq!(weights.len(), kmax);
        let kept = weights
            .iter()
            .filter(|w| **w > 1.0 / (100.0 * kmax as f64))
            .count();
        assert_eq!(kc["k"], kept as u64, "{kc}");
        assert_eq!(kc["bic_k"], d["best_bic_k"]);
    }
    // HDBSCAN's soft clusters: the summary, as many clusters as its row.
    for d in datasets {
        let ds = d["dataset"].as_str().unwrap();
        let h = &d["hdbscan_soft"];
        let row = rows
            .iter()
            .find(|r| r["dataset"] == ds && r["algorithm"] == "hdbscan")
            .unwrap();
        assert_eq!(h["clusters"], row["clusters"], "{ds}: {h}");
        for key in ["mean_in_some_cluster", "argmax_is_label", "boundary_share"] {
            let v = h[key].as_f64().unwrap_or(-1.0);
            assert!((0.0..=1.0).contains(&v), "{ds}: {key} {v}");
        }
        // The two HDBSCAN pictures show its clusters' colours: the blended
        // points (a point wholly in one cluster is that cluster's colour)
        // and the rings of the condensed tree.
        let k = h["clusters"].as_u64().unwrap() as i64;
        let soft = image::open(out.join(ds).join("hdbscan-soft.png"))
            .unwrap()
            .to_rgba8();
        let tree = image::open(out.join(ds).join("condensed-tree.png"))
            .unwrap()
            .to_rgba8();
        for g in 0..k.min(3) {
            let c = clusterlab_report::palette::cluster(g);
            assert!(
                has_colour(&soft, (c.0, c.1, c.2)),
                "{ds}: hdbscan-soft.png lacks cluster {g}"
            );
            let ring = clusterlab_report::palette::shade(c, 0.1);
            assert!(
                has_colour(&tree, (ring.0, ring.1, ring.2)),
                "{ds}: condensed-tree.png lacks ring {g}"
            );
        }
    }
    // EM from 50 starts: the documented shape; the default fit is one of
    // the starts, so the best optimum is never worse than the fit the other
    // pictures draw (the gmm row's log-likelihood).
    for d in datasets {
        let ds = d["dataset"].as_str().unwrap();
        let is = &d["init_sensitivity"];
        let starts = is["starts"].as_array().unwrap();
        let optima = is["optima"].as_array().unwrap();
        assert_eq!(starts.len(), 50, "{ds}: {}", is["skipped"]);
        for s in starts {
            for key in ["method", "seed", "log_likelihood", "n_iter", "optimum"] {
                assert!(s.get(key).is_some(), "{ds}: start without {key}: {s}");
            }
        }
        let counted: u64 = optima.iter().map(|o| o["count"].as_u64().unwrap()).sum();
        assert_eq!(counted, 50);
        for (i, o) in optima.iter().enumerate() {
            assert_eq!(o["id"], i);
            assert_eq!(
                o["means"].as_array().unwrap().len(),
                o["weights"].as_array().unwrap().len()
            );
        }
        let best = optima[0]["log_likelihood"].as_f64().unwrap();
        assert!(starts
            .iter()
            .all(|s| s["log_likelihood"].as_f64().unwrap() <= best + 1e-12));
        let gmm = rows
            .iter()
            .find(|r| r["dataset"] == ds && r["algorithm"] == "gmm")
            .unwrap();
        let drawn = gmm["log_likelihood"].as_f64().unwrap();
        assert!(best >= drawn - 1e-12, "{ds}: best {best} < default {drawn}");
        let default = starts.iter().find(|s| s["method"] == "default").unwrap();
        assert_eq!(default["log_likelihood"].as_f64().unwrap(), drawn);
        // The best optimum's colour marks its starts and bar.
        let pic = image::open(out.join(ds).join("init-sensitivity.png"))
            .unwrap()
            .to_rgba8();
        let best_colour = render::init_sensitivity::optimum_colour(0);
        assert!(
            has_colour(&pic, (best_colour.0, best_colour.1, best_colour.2)),
            "{ds}"
        );
        let shares = is["best_share_by_method"].as_object().unwrap();
        for m in [
            "default",
            "kmeans",
            "kmeans++",
            "random",
            "random-from-data",
            "kmeans-labels",
        ] {
            let v = shares[m].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&v), "{ds}: {m} {v}");
        }
        assert_eq!(
            shares["default"].as_f64(),
            Some(if default["optimum"] == 0 { 1.0 } else { 0.0 })
        );
    }
    // EM from k-means' labels: the end is `fit gmm --init-labels` from the
    // k-means row's labels (the same partition, numbered otherwise) on the
    // same z-scored data, and EM never lowers the start's log-likelihood.
    let tri_ds = datasets.iter().find(|d| d["dataset"] == "tri3d").unwrap();
    let efk = &tri_ds["em_from_kmeans"];
    let (start, end) = (
        efk["start_log_likelihood"].as_f64().unwrap(),
        efk["end_log_likelihood"].as_f64().unwrap(),
    );
    assert!(end >= start - 1e-12, "{efk}");
    let km = rows
        .iter()
        .find(|r| r["dataset"] == "tri3d" && r["algorithm"] == "kmeans")
        .unwrap();
    let labels: Vec<String> = km["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.to_string())
        .collect();
    let lf = tmp.path().join("km-labels.txt");
    std::fs::write(&lf, labels.join("\n")).unwrap();
    let k = tri_ds["k"].to_string();
    // The EM model compare fitted (the selection's choice at k).
    let em_row = rows
        .iter()
        .find(|r| r["dataset"] == "tri3d" && r["algorithm"] == "gmm")
        .unwrap();
    let model = em_row["params"]["covariance"].as_str().unwrap().to_string();
    let o = run(&[
        "fit",
        "gmm",
        csv.to_str().unwrap(),
        "--k",
        &k,
        "--standardize",
        "--covariance",
        &model,
        "--init-labels",
        lf.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fit: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let g = &fit["gmm"];
    assert!(
        (g["log_likelihood"].as_f64().unwrap() - end).abs() < 1e-9,
        "{g} vs {efk}"
    );
    assert!((g["lower_bounds"][0].as_f64().unwrap() - start).abs() < 1e-9);
    assert_eq!(g["n_iter"], efk["n_iter"]);
    let n = tri_ds["n"].as_f64().unwrap();
    let changed = efk["points_changed"].as_f64().unwrap();
    assert_eq!(efk["share_changed"].as_f64().unwrap(), changed / n);
    // metrics.csv: header + the same rows.
    let csv_text = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let mut lines = csv_text.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("dataset,algorithm,n,d,params,")
            && header.contains("em_kmeans_agreement")
    );
    assert_eq!(
        lines.filter(|l| !l.is_empty()).count(),
        2 * Algorithm::ALL.len()
    );
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("## seed-1d") && md.contains("## tri3d") && md.contains("| EM (GMM) |"));

    // Every link of the page resolves to a file that exists.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let ls = links(&html);
    assert!(ls.len() >= 2 * Picture::ALL.len() + 4, "{} links", ls.len());
    for l in ls {
        assert!(
            !l.starts_with("http") && !l.starts_with('/'),
            "not relative: {l}"
        );
        if let Some(anchor) = l.strip_prefix('#') {
            assert!(
                html.contains(&format!("id=\"{anchor}\"")),
                "dangling anchor {l}"
            );
            continue;
        }
        let p = out.join(percent_decode(&l));
        assert!(p.is_file(), "broken link {l}");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn assert_one_line_failure(o: &Output, needle: &str) {
    assert!(!o.status.success(), "should fail");
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "not one line: {err:?}");
    assert!(
        lines[0].contains(needle),
        "{:?} does not mention {needle}",
        lines[0]
    );
}

#[test]
fn missing_dataset_fails_without_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let missing = tmp.path().join("nope.csv");
    let o = run(&[
        "compare",
        "seed-1d",
        missing.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_one_line_failure(&o, "nope.csv");
    assert!(!out.exists(), "a report folder was created");
}

#[test]
fn unwritable_out_fails_without_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    // A folder under a regular file can never be created (even as root).
    let out = file.join("reports");
    let o = run(&[
        "compare",
        "seed-1d",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_one_line_failure(&o, "a-file");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    // An existing file as --out.
    let o = run(&[
        "compare",
        "seed-1d",
        "--out",
        file.to_str().unwrap(),
        "--quiet",
    ]);
    assert_one_line_failure(&o, "not a directory");
}

#[test]
fn malformed_config_fails_without_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cases = [
        ("bad.toml", "k = 3\n[dbscan]\neps = \"wide\"\n", "bad.toml"),
        ("typo.toml", "[gmm]\ncovarience = \"full\"\n", "covarience"),
        ("bad.json", "{\"k\": 3,,}", "bad.json"),
        ("neg.toml", "[dbscan]\neps = -1.0\n", "eps"),
        ("cov.toml", "[gmm]\ncovariance = \"round\"\n", "round"),
    ];
    for (name, text, needle) in cases {
        let cfg = tmp.path().join(name);
        std::fs::write(&cfg, text).unwrap();
        let o = run(&[
            "compare",
            "seed-1d",
            "--config",
            cfg.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert_one_line_failure(&o, needle);
        assert!(!out.exists(), "{name}: a report folder was created");
    }
    let o = run(&[
        "compare",
        "seed-1d",
        "--algorithms",
        "kmeans,spectral",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_one_line_failure(&o, "spectral");
    assert!(!out.exists());
}

#[test]
fn config_file_and_flags_choose_the_algorithms() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cfg = tmp.path().join("c.json");
    std::fs::write(
        &cfg,
        r#"{"algorithms": ["kmeans", "dbscan"], "k": 2, "dbscan": {"eps": 100.0}}"#,
    )
    .unwrap();
    let o = run(&[
        "compare",
        "seed-1d",
        "--config",
        cfg.to_str().unwrap(),
        "--algorithms",
        "kmeans,gmm,dbscan",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    let algs: Vec<&str> = m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["algorithm"].as_str().unwrap())
        .collect();
    assert_eq!(algs, vec!["kmeans", "dbscan", "gmm"]);
    let db = &m["rows"][1];
    assert_eq!(db["params"]["eps"], 100.0);
    assert_eq!(db["clusters"], 1, "eps 100 joins everything: {db}");
    // Pictures of algorithms not run are not drawn; the rest are.
    assert!(!out.join("seed-1d/optics-reachability.png").exists());
    assert!(out.join("seed-1d/em-vs-kmeans.png").is_file());
}
