//! Finding the browser the browser tests drive (shared by `compare_browser`
//! and `explorer_browser`).
//!
//! The browser is `$CLUSTERLAB_CHROMIUM` when that is set (and then nothing
//! else, so a path to no file means "no browser"), else `/usr/bin/chromium`,
//! else the first of `chromium`, `chromium-browser`, `google-chrome` on `PATH`.
//! Without one a browser test fails when `CI` is `true` or `1` (CI must not go
//! green without running it) and otherwise skips with a note on stderr.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";
pub const INSTALL: &str = "apt-get install -y --no-install-recommends chromium";

/// An executable regular file (following symlinks).
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The browser per the module doc, or a description of where it was looked for.
pub fn find_chromium(
    override_var: Option<&OsStr>,
    default: &Path,
    path_var: Option<&OsStr>,
) -> Result<PathBuf, String> {
    if let Some(p) = override_var.filter(|v| !v.is_empty()) {
        let p = PathBuf::from(p);
        return if is_executable(&p) {
            Ok(p)
        } else {
            Err(format!(
                "CLUSTERLAB_CHROMIUM={} is not an executable file",
                p.display()
            ))
        };
    }
    if is_executable(default) {
        return Ok(default.to_path_buf());
    }
    const NAMES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];
    for name in NAMES {
        for dir in path_var.map(std::env::split_paths).into_iter().flatten() {
            let p = dir.join(name);
            if is_executable(&p) {
                return Ok(p);
            }
        }
    }
    Err(format!(
        "no browser found: not {}, nor {} on PATH, nor CLUSTERLAB_CHROMIUM",
        default.display(),
        NAMES.join(", ")
    ))
}

/// `CI` set to a true value, as CI services set it.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        let v = v.trim();
        v == "1" || v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("yes")
    })
}

/// The browser for the test named `test` from this process's environment:
/// panics when there is none and [`in_ci`]; otherwise `None` after a
/// `SKIPPED` note on stderr.
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    match find_chromium(
        std::env::var_os("CLUSTERLAB_CHROMIUM").as_deref(),
        Path::new(DEFAULT_CHROMIUM),
        std::env::var_os("PATH").as_deref(),
    ) {
        Ok(p) => Some(p),
        Err(why) if in_ci() => panic!(
            "headless Chromium is required when CI is set, but {why}; install it with `{INSTALL}` or set CLUSTERLAB_CHROMIUM"
        ),
        Err(why) => {
            eprintln!("SKIPPED {test}: {why} (install it with `{INSTALL}`; with CI=true this fails)");
            None
        }
    }
}
