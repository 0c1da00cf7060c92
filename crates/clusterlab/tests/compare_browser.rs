//! The report page in a real browser: `clusterlab compare` writes a report,
//! headless Chromium opens `index.html` from the file system (no server) and
//! takes a screenshot, which must show the gallery (the pictures loaded).
//!
//! Run locally with
//! `cargo test --release -p clusterlab --test compare_browser -- --nocapture`;
//! set `CLUSTERLAB_SCREENSHOT=path.png` to keep the screenshot. Skips (passes
//! with a note) when `/usr/bin/chromium` is not installed
//! (`apt-get install -y chromium`).

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const WINDOW: (u32, u32) = (1400, 1800);

#[test]
fn report_page_renders_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("skipped: {CHROMIUM} is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    let o = Command::new(env!("CARGO_BIN_EXE_clusterlab"))
        .args(["compare", "overlap", "seed-1d", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let shot = tmp.path().join("shot.png");
    let page = format!(
        "file://{}",
        out.join("index.html").canonicalize().unwrap().display()
    );
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            tmp.path().join("profile").display()
        ))
        .arg(format!("--window-size={},{}", WINDOW.0, WINDOW.1))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&page)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let img = image::open(&shot).expect("a screenshot").to_rgb8();
    assert_eq!(img.dimensions(), WINDOW);
    // Text alone gives a few hundred colours; the pictures give thousands.
    let colours: HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(
        colours.len() > 2000,
        "only {} colours: pictures missing?",
        colours.len()
    );
    // The gallery starts in the first screen: its lower half is not page background.
    let lower: HashSet<[u8; 3]> = img
        .enumerate_pixels()
        .filter(|(_, y, _)| *y > WINDOW.1 / 2)
        .map(|(_, _, p)| p.0)
        .collect();
    assert!(
        lower.len() > 500,
        "lower half nearly empty: {} colours",
        lower.len()
    );
    if let Some(keep) = std::env::var_os("CLUSTERLAB_SCREENSHOT") {
        std::fs::copy(&shot, &keep).unwrap();
        eprintln!("screenshot kept at {}", Path::new(&keep).display());
    }
}
