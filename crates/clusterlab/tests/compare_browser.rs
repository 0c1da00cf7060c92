//! The report page in a real browser: `clusterlab compare` writes a report,
//! headless Chromium opens `index.html` from the file system (no server) and
//! takes a screenshot, which must show the gallery (the pictures loaded).
//!
//! `cargo test --workspace` runs it; alone:
//! `cargo test -p clusterlab --test compare_browser -- --nocapture`;
//! set `CLUSTERLAB_SCREENSHOT=path.png` to keep the screenshot.
//!
//! How the browser is found, and what happens without one, is in `common`.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{chromium_or_skip, find_chromium};

const WINDOW: (u32, u32) = (1400, 1800);
const TIMEOUT: Duration = Duration::from_secs(120);

#[test]
fn report_page_renders_in_headless_chromium() {
    let Some(chromium) = chromium_or_skip("report_page_renders_in_headless_chromium") else {
        return;
    };
    eprintln!("browser: {}", chromium.display());

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    // Two small datasets and the default algorithms: every picture of the
    // report, quick even in a debug build.
    let t = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_clusterlab"))
        .args(["compare", "overlap", "seed-1d", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    eprintln!("compare: {:.1} s", t.elapsed().as_secs_f64());

    // The page has pictures to load, and they are there, so a screenshot
    // without them is the browser's doing.
    let index = out.join("index.html");
    let html = std::fs::read_to_string(&index).unwrap();
    let imgs = html.matches("<img").count();
    assert!(imgs >= 10, "index.html has only {imgs} <img>");

    let shot = tmp.path().join("shot.png");
    assert!(!shot.exists());
    let log_path = tmp.path().join("chromium.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let page = format!("file://{}", index.canonicalize().unwrap().display());
    let t = Instant::now();
    let mut child = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            tmp.path().join("profile").display()
        ))
        .arg(format!("--window-size={},{}", WINDOW.0, WINDOW.1))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&page)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish in {} s; its output:\n{}",
                TIMEOUT.as_secs(),
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(
        status.success() && shot.exists(),
        "chromium exited with {status} and {} a screenshot; its output:\n{log}",
        if shot.exists() { "wrote" } else { "no" }
    );
    eprintln!("chromium: {:.1} s", t.elapsed().as_secs_f64());

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
        lower.len() > 1000,
        "lower half nearly empty: {} colours",
        lower.len()
    );
    eprintln!(
        "screenshot: {} colours, {} in the lower half",
        colours.len(),
        lower.len()
    );
    if let Some(keep) = std::env::var_os("CLUSTERLAB_SCREENSHOT") {
        std::fs::copy(&shot, &keep).unwrap();
        eprintln!("screenshot kept at {}", Path::new(&keep).display());
    }
}

#[test]
fn browser_lookup_honours_the_override_then_the_default_then_path() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let exe = |name: &str| {
        let p = tmp.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    };
    let default = exe("usr/bin/chromium");
    let on_path = exe("bin/google-chrome");
    let earlier_name = exe("bin2/chromium-browser");
    let not_exe = tmp.path().join("bin3/chromium");
    std::fs::create_dir_all(not_exe.parent().unwrap()).unwrap();
    std::fs::write(&not_exe, "").unwrap();
    let nowhere = tmp.path().join("no-such-browser");
    let path =
        |dirs: &[&str]| std::env::join_paths(dirs.iter().map(|d| tmp.path().join(d))).unwrap();
    let none = OsStr::new("");

    // The default first, then PATH in the order of the names, skipping what is not executable.
    assert_eq!(
        find_chromium(None, &default, Some(&path(&["bin"]))).unwrap(),
        default
    );
    assert_eq!(
        find_chromium(Some(none), &nowhere, Some(&path(&["bin3", "bin"]))).unwrap(),
        on_path
    );
    assert_eq!(
        find_chromium(None, &nowhere, Some(&path(&["bin", "bin2"]))).unwrap(),
        earlier_name
    );
    // The override wins, and an override to no file is "no browser", whatever else is there.
    assert_eq!(
        find_chromium(Some(on_path.as_os_str()), &default, None).unwrap(),
        on_path
    );
    let e = find_chromium(Some(nowhere.as_os_str()), &default, Some(&path(&["bin"]))).unwrap_err();
    assert!(e.contains("CLUSTERLAB_CHROMIUM"), "{e}");
    // Nothing anywhere.
    let e = find_chromium(None, &nowhere, Some(&path(&["bin3"]))).unwrap_err();
    assert!(e.starts_with("no browser found"), "{e}");
    assert!(find_chromium(None, &nowhere, None).is_err());
}
