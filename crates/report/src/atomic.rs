//! Atomic file writes: every report file is written under a hidden temporary
//! name in the same folder and renamed over its final name, so an
//! interrupted run never leaves a half-written file behind a real name.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::ReportError;

/// Marker in the names of temporary files (`.<stem>.partial-<pid>.<ext>`).
pub(crate) const PARTIAL: &str = ".partial-";

/// The temporary sibling of `path`. The extension is kept last, because the
/// image encoder picks the format from it.
pub(crate) fn temp_sibling(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!(
            ".{stem}{PARTIAL}{}.{}",
            std::process::id(),
            ext.to_string_lossy()
        ),
        None => format!(".{stem}{PARTIAL}{}", std::process::id()),
    };
    dir.join(name)
}

/// Renames a finished temporary file over `path`.
pub(crate) fn commit(tmp: &Path, path: &Path) -> Result<(), ReportError> {
    fs::rename(tmp, path).map_err(|e| {
        let _ = fs::remove_file(tmp);
        ReportError::write(path, e)
    })
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let tmp = temp_sibling(path);
    if let Err(e) = fs::write(&tmp, bytes) {
        let _ = fs::remove_file(&tmp);
        return Err(ReportError::write(path, e));
    }
    commit(&tmp, path)
}

/// Checks, without creating anything, that `dir` could be created (or is a
/// folder) and written: the nearest existing ancestor must be a writable
/// folder. Run before the fits so a bad `--out` fails at once and a failed
/// plan leaves no folder behind.
pub(crate) fn check_writable_dir(dir: &Path) -> Result<(), ReportError> {
    let mut existing = dir;
    while !existing.as_os_str().is_empty() && !existing.exists() {
        existing = existing.parent().unwrap_or(Path::new(""));
    }
    let existing = if existing.as_os_str().is_empty() {
        Path::new(".")
    } else {
        existing
    };
    if !existing.is_dir() {
        return Err(ReportError::write(
            existing,
            "exists and is not a directory",
        ));
    }
    let probe = temp_sibling(&existing.join("write-probe"));
    fs::write(&probe, b"").map_err(|e| ReportError::write(dir, e))?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_name_keeps_extension_last() {
        let t = temp_sibling(Path::new("out/a/hard-vs-soft.png"));
        let name = t.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(".hard-vs-soft.partial-"), "{name}");
        assert!(name.ends_with(".png"), "{name}");
        assert_eq!(t.parent().unwrap(), Path::new("out/a"));
    }

    #[test]
    fn write_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        write_atomic(&p, b"{}").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"{}");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }
}
