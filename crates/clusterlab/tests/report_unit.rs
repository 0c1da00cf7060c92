//! A report is one unit: a rerun replaces the whole report (no stale
//! dataset folders), files that are not the report's survive, a run that
//! fails or is killed mid-write leaves the previous report byte-identical,
//! and a second writer is refused while the first holds the lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> String {
    env!("CARGO_BIN_EXE_clusterlab").to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .output()
        .expect("run clusterlab")
}

/// Six points in two groups, as `tiny.csv` in `dir` (its folder is `tiny/`).
fn tiny(dir: &Path) -> String {
    let p = dir.join("tiny.csv");
    std::fs::write(&p, "x,y\n0,0\n0.1,0\n0,0.1\n5,5\n5.1,5\n5,5.1\n").unwrap();
    p.to_str().unwrap().to_string()
}

/// A quick report: one or two small datasets, k-means only.
fn compare(datasets: &[&str], out: &Path) -> Output {
    let mut args = vec!["compare"];
    args.extend_from_slice(datasets);
    let out = out.to_str().unwrap();
    args.extend_from_slice(&["--algorithms", "kmeans", "--out", out, "--quiet"]);
    run(&args)
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Every file under `dir` (relative path → bytes).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, acc: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, acc);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_path_buf();
                acc.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut acc = BTreeMap::new();
    walk(dir, dir, &mut acc);
    acc
}

/// Names in `dir` (hidden ones too).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn one_line(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "not one line: {err:?}");
    lines[0].to_string()
}

#[test]
fn rerun_replaces_the_report_and_keeps_foreign_files() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let tiny = tiny(data.path());
    let out = tmp.path().join("reports");
    std::fs::create_dir_all(out.join("gallery")).unwrap();
    std::fs::write(out.join("README.md"), "committed").unwrap();
    std::fs::write(out.join("gallery/hard-vs-soft.png"), "committed png").unwrap();

    ok(&compare(&["seed-1d", &tiny], &out));
    assert!(out.join("tiny").is_dir() && out.join("seed-1d").is_dir());
    ok(&compare(&["seed-1d"], &out));
    assert!(!out.join("tiny").exists(), "stale dataset folder left");
    assert_eq!(
        names(&out),
        [
            ".clusterlab-report",
            "README.md",
            "gallery",
            "grid.png",
            "index.html",
            "metrics.csv",
            "metrics.json",
            "seed-1d",
            "summary.md"
        ]
    );
    assert_eq!(std::fs::read(out.join("README.md")).unwrap(), b"committed");
    assert_eq!(
        std::fs::read(out.join("gallery/hard-vs-soft.png")).unwrap(),
        b"committed png"
    );
    // Nothing hidden is left beside the report: no build folder, no lock.
    assert_eq!(names(tmp.path()), ["reports"]);
}

#[test]
fn a_failed_run_leaves_the_previous_report_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let tiny = tiny(data.path());
    let out = tmp.path().join("out");
    ok(&compare(&["seed-1d"], &out));
    // A file where the report needs a folder (`tiny/`), not written by it.
    std::fs::write(out.join("tiny"), "a user's file").unwrap();
    let before = snapshot(&out);
    let o = compare(&["seed-1d", &tiny], &out);
    assert!(!o.status.success());
    let line = one_line(&o);
    assert!(
        line.contains("tiny") && line.contains("not part of an earlier report"),
        "{line}"
    );
    assert_eq!(snapshot(&out), before, "the previous report changed");
    assert_eq!(names(tmp.path()), ["out"], "a build folder or lock left");
}

#[test]
fn a_write_error_mid_run_names_the_file_and_keeps_the_previous_report() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let tiny = tiny(data.path());
    let out = tmp.path().join("out");
    ok(&compare(&["seed-1d"], &out));
    let before = snapshot(&out);
    // A 20 KiB file-size limit (the grid is larger): writes fail with
    // EFBIG, as on a full disk. SIGXFSZ ignored, so the write returns the error.
    let script = format!(
        "trap '' XFSZ; ulimit -f 40; exec '{}' compare seed-1d '{}' --algorithms kmeans --out '{}' --quiet",
        bin(),
        tiny,
        out.display()
    );
    let o = Command::new("sh").args(["-c", &script]).output().unwrap();
    assert!(!o.status.success());
    let line = one_line(&o);
    assert!(
        line.contains(&out.display().to_string())
            && line.contains("cannot")
            && line.contains("too large"),
        "{line}"
    );
    assert!(
        !line.contains(".building-"),
        "names the hidden folder: {line}"
    );
    assert_eq!(snapshot(&out), before, "the previous report changed");
    assert_eq!(names(tmp.path()), ["out"], "a build folder or lock left");

    // Killed mid-write (SIGXFSZ's default): the previous report stays; the
    // next run removes the half-built folder.
    let script = format!(
        "ulimit -f 40; exec '{}' compare seed-1d '{}' --algorithms kmeans --out '{}' --quiet",
        bin(),
        tiny,
        out.display()
    );
    let o = Command::new("sh").args(["-c", &script]).output().unwrap();
    assert!(!o.status.success());
    assert_eq!(snapshot(&out), before, "the previous report changed");
    ok(&compare(&[&tiny], &out));
    assert_eq!(names(tmp.path()), ["out"], "the half-built folder stayed");
    assert!(out.join("tiny").is_dir() && !out.join("seed-1d").exists());
}

#[test]
fn a_second_writer_is_refused_and_a_dead_writers_lock_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let lock = tmp.path().join(".out.lock");
    // This test process is alive: its pid holds the lock.
    let me = std::process::id();
    std::fs::write(&lock, format!("{me}\n")).unwrap();
    let o = compare(&["seed-1d"], &out);
    assert!(!o.status.success());
    let line = one_line(&o);
    assert!(
        line.contains(&out.display().to_string()) && line.contains(&format!("pid {me}")),
        "{line}"
    );
    assert!(!out.exists());
    assert_eq!(std::fs::read_to_string(&lock).unwrap(), format!("{me}\n"));
    // pid 0 is never a running writer: the lock is stale and taken over.
    std::fs::write(&lock, "0\n").unwrap();
    ok(&compare(&["seed-1d"], &out));
    assert!(out.join("index.html").is_file());
    assert!(!lock.exists(), "the lock was not released");
}
