//! A report is one unit. It is built in a fresh hidden folder beside `--out`
//! (same parent, so the renames below are atomic) and swapped in at the end:
//! the old folder is renamed away, the new one renamed in, the old one
//! removed. Readers see a whole old or a whole new report; dataset folders
//! and pictures of earlier runs go with the old report; a failed or
//! interrupted run leaves the previous report as it was.
//!
//! Files in `--out` that are not the report's own (the committed
//! `reports/README.md` and `reports/gallery/`, a datasets folder's CSVs) are
//! carried over into the new report by rename. The report's own entries are
//! the top-level names listed in its manifest ([`MANIFEST`]), the fixed
//! table and page names, and (for reports written before the manifest) the
//! dataset folders named in its `metrics.json`. An entry of the new report
//! whose name is taken by a file that is not the report's is an error: a run
//! never deletes what it did not write.
//!
//! One writer at a time: a lock file beside `--out` (`.NAME.lock`) holds the
//! writer's pid; a second writer is refused, naming the folder and the pid; a
//! lock whose pid is no longer running is taken over.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::ReportError;

/// The report's list of its own top-level entries, one name per line.
pub const MANIFEST: &str = ".clusterlab-report";

/// Top-level files every report writes.
pub const OWN_FILES: [&str; 5] = [
    "index.html",
    "metrics.json",
    "metrics.csv",
    "summary.md",
    "grid.png",
];

/// Distinguishes the hidden folders of runs inside one process (tests).
static SERIAL: AtomicU64 = AtomicU64::new(0);

fn unique_suffix() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    )
}

/// Where a report goes: the folder's parent and its name.
#[derive(Debug, Clone)]
pub struct Target {
    /// `--out`, as the user wrote it (for messages).
    pub shown: PathBuf,
    parent: PathBuf,
    name: OsString,
}

impl Target {
    /// Resolves `--out` and checks, without creating anything, that the
    /// report can be built beside it and swapped in: the parent (or its
    /// nearest existing ancestor) is a writable folder, `--out` is a
    /// writable folder if it exists, and it is not the current folder or
    /// one of its parents (which cannot be swapped).
    pub fn check(out: &Path) -> Result<Target, ReportError> {
        let abs = if out.exists() {
            if !out.is_dir() {
                return Err(ReportError::write(out, "exists and is not a directory"));
            }
            fs::canonicalize(out).map_err(|e| ReportError::write(out, e))?
        } else {
            std::path::absolute(out).map_err(|e| ReportError::write(out, e))?
        };
        let (Some(parent), Some(name)) = (abs.parent(), abs.file_name()) else {
            return Err(ReportError::write(
                out,
                "cannot be a report folder (the report is swapped in as a whole folder; name a subfolder)",
            ));
        };
        if let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize) {
            if cwd.starts_with(&abs) {
                return Err(ReportError::write(
                    out,
                    "is the current folder or one of its parents; the report is swapped in as a whole folder, so name a subfolder (e.g. --out reports)",
                ));
            }
        }
        crate::atomic::check_writable_dir(parent)?;
        if abs.is_dir() {
            // Named as the user wrote it, with the OS reason.
            crate::atomic::check_writable_dir(&abs).map_err(|e| match e {
                ReportError::Write { message, .. } => ReportError::write(out, message),
                other => other,
            })?;
        }
        Ok(Target {
            shown: out.to_path_buf(),
            parent: parent.to_path_buf(),
            name: name.to_os_string(),
        })
    }

    fn hidden(&self, what: &str) -> PathBuf {
        let mut n = OsString::from(".");
        n.push(&self.name);
        n.push(format!(".{what}"));
        self.parent.join(n)
    }

    fn path(&self) -> PathBuf {
        self.parent.join(&self.name)
    }

    /// Hidden sibling folders of earlier runs: `(building, old)`.
    fn leftovers(&self) -> (Vec<PathBuf>, Vec<PathBuf>) {
        let mut prefix = OsString::from(".");
        prefix.push(&self.name);
        let prefix = prefix.to_string_lossy().into_owned();
        let (mut building, mut old) = (Vec::new(), Vec::new());
        if let Ok(entries) = fs::read_dir(&self.parent) {
            for e in entries.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                if let Some(rest) = n.strip_prefix(&prefix) {
                    if rest.starts_with(".building-") {
                        building.push(e.path());
                    } else if rest.starts_with(".old-") {
                        old.push(e.path());
                    }
                }
            }
        }
        (building, old)
    }
}

/// The lock of one writer; released (the file removed) when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    mine: String,
}

/// Whether a process with this pid is running (unknown counts as running).
fn pid_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    proc.join(pid.to_string()).exists()
}

impl Lock {
    /// Takes the lock of `t`, creating its parent folders. The lock file is
    /// linked into place complete (pid inside), so no reader sees it empty.
    pub fn acquire(t: &Target) -> Result<Lock, ReportError> {
        fs::create_dir_all(&t.parent).map_err(|e| ReportError::write(&t.parent, e))?;
        let path = t.hidden("lock");
        let mine = format!("{}\n", std::process::id());
        let staged = t.hidden(&format!("lock.{}", unique_suffix()));
        fs::write(&staged, &mine).map_err(|e| ReportError::write(&staged, e))?;
        let taken = Self::link(&staged, &path, t);
        let _ = fs::remove_file(&staged);
        taken?;
        let lock = Lock { path, mine };
        lock.clean_leftovers(t);
        Ok(lock)
    }

    fn link(staged: &Path, path: &Path, t: &Target) -> Result<(), ReportError> {
        for attempt in 0..2 {
            match fs::hard_link(staged, path) {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(path).unwrap_or_default();
                    match holder.trim().parse::<u32>() {
                        Ok(pid) if attempt == 0 && !pid_alive(pid) => {
                            // A stale lock of a dead writer: take it over.
                            let _ = fs::remove_file(path);
                        }
                        Ok(pid) => {
                            return Err(ReportError::write(
                                &t.shown,
                                format!(
                                    "another clusterlab (pid {pid}) is writing this report (lock {}); wait for it to finish",
                                    path.display()
                                ),
                            ))
                        }
                        Err(_) => {
                            return Err(ReportError::write(
                                &t.shown,
                                format!(
                                    "locked by {} (no pid in it); remove it if no clusterlab is running",
                                    path.display()
                                ),
                            ))
                        }
                    }
                }
                Err(e) => return Err(ReportError::write(path, e)),
            }
        }
        Err(ReportError::write(
            &t.shown,
            "another clusterlab took the lock first",
        ))
    }

    /// With the lock held no other writer runs, so hidden folders beside
    /// `--out` are an interrupted run's: a half-built report is removed; an
    /// old report renamed away but not replaced is put back.
    fn clean_leftovers(&self, t: &Target) {
        let (building, old) = t.leftovers();
        for b in building {
            let _ = fs::remove_dir_all(b);
        }
        let mut old = old.into_iter();
        if !t.path().exists() {
            if let Some(o) = old.next() {
                let _ = fs::rename(o, t.path());
            }
        }
        for o in old {
            let _ = fs::remove_dir_all(o);
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if fs::read_to_string(&self.path).is_ok_and(|s| s == self.mine) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// A report being built in its hidden folder; removed unless committed.
#[derive(Debug)]
pub struct Build {
    target: Target,
    dir: PathBuf,
    committed: bool,
}

impl Build {
    /// Creates the fresh hidden folder beside `--out` (the lock is held).
    pub fn begin(t: &Target, _lock: &Lock) -> Result<Build, ReportError> {
        let dir = t.hidden(&format!("building-{}", unique_suffix()));
        fs::create_dir(&dir).map_err(|e| ReportError::write(&dir, e))?;
        Ok(Build {
            target: t.clone(),
            dir,
            committed: false,
        })
    }

    /// The folder the report is written into.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// An error about a file in the hidden folder, about the file in `--out`.
    pub fn shown(&self, e: ReportError) -> ReportError {
        let from = self.dir.display().to_string();
        let to = self.target.shown.display().to_string();
        match e {
            ReportError::Write { path, message } => ReportError::Write {
                path: path.replacen(&from, &to, 1),
                message,
            },
            ReportError::Render { path, message } => ReportError::Render {
                path: path.replacen(&from, &to, 1),
                message,
            },
            other => other,
        }
    }

    /// Swaps the finished report in: carries over what in the old folder is
    /// not the old report's own, writes the manifest, renames the old folder
    /// away and the new one in, and removes the old one.
    pub fn commit(mut self) -> Result<(), ReportError> {
        let out = self.target.path();
        let mut own_new: Vec<OsString> = Vec::new();
        for e in fs::read_dir(&self.dir).map_err(|e| ReportError::write(&self.dir, e))? {
            let e = e.map_err(|e| ReportError::write(&self.dir, e))?;
            own_new.push(e.file_name());
        }
        own_new.sort();
        let mut manifest = String::new();
        for n in &own_new {
            manifest.push_str(&n.to_string_lossy());
            manifest.push('\n');
        }
        let manifest_path = self.dir.join(MANIFEST);
        fs::write(&manifest_path, manifest)
            .map_err(|e| ReportError::write(&out.join(MANIFEST), e))?;

        if out.exists() {
            self.carry_over(&out, &own_new)?;
            let old = self.target.hidden(&format!("old-{}", unique_suffix()));
            fs::rename(&out, &old).map_err(|e| ReportError::write(&self.target.shown, e))?;
            if let Err(e) = fs::rename(&self.dir, &out) {
                let _ = fs::rename(&old, &out);
                return Err(ReportError::write(&self.target.shown, e));
            }
            self.committed = true;
            // Best effort: a leftover is removed by the next run.
            let _ = fs::remove_dir_all(&old);
        } else {
            fs::rename(&self.dir, &out).map_err(|e| ReportError::write(&self.target.shown, e))?;
            self.committed = true;
        }
        Ok(())
    }

    /// Moves every entry of the old folder that is not the old report's own
    /// into the new one; on failure moves them back.
    fn carry_over(&self, out: &Path, own_new: &[OsString]) -> Result<(), ReportError> {
        let own_old = old_report_entries(out);
        let new: HashSet<&OsString> = own_new.iter().collect();
        let entries = fs::read_dir(out).map_err(|e| ReportError::write(out, e))?;
        let mut moved: Vec<OsString> = Vec::new();
        let undo = |moved: &[OsString]| {
            for n in moved {
                let _ = fs::rename(self.dir.join(n), out.join(n));
            }
        };
        for e in entries {
            let e = match e {
                Ok(e) => e,
                Err(err) => {
                    undo(&moved);
                    return Err(ReportError::write(out, err));
                }
            };
            let n = e.file_name();
            let s = n.to_string_lossy();
            if own_old.contains(&n) || n == MANIFEST || is_partial(&s) {
                continue;
            }
            if new.contains(&n) {
                undo(&moved);
                return Err(ReportError::write(
                    &self.target.shown.join(&n),
                    "is not part of an earlier report and the new report needs the name; move it away or choose another --out",
                ));
            }
            if let Err(err) = fs::rename(out.join(&n), self.dir.join(&n)) {
                undo(&moved);
                return Err(ReportError::write(&self.target.shown.join(&n), err));
            }
            moved.push(n);
        }
        Ok(())
    }
}

impl Drop for Build {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn is_partial(name: &str) -> bool {
    name.starts_with('.') && name.contains(crate::atomic::PARTIAL)
}

/// The top-level entries of the report in `out`: its manifest, the fixed
/// names, and the dataset folders its `metrics.json` names (reports written
/// before the manifest).
fn old_report_entries(out: &Path) -> HashSet<OsString> {
    let mut own: HashSet<OsString> = OWN_FILES.iter().map(OsString::from).collect();
    if let Ok(text) = fs::read_to_string(out.join(MANIFEST)) {
        own.extend(text.lines().filter(|l| !l.is_empty()).map(OsString::from));
    }
    let metrics = fs::read(out.join("metrics.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    if let Some(rows) = metrics
        .as_ref()
        .and_then(|m| m.get("rows"))
        .and_then(|r| r.as_array())
    {
        for r in rows {
            if let Some(d) = r.get("dataset").and_then(|d| d.as_str()) {
                own.insert(OsString::from(clusterlab_study::study::slug(d)));
            }
        }
    }
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_writer_is_refused_and_a_dead_writers_lock_taken_over() {
        let tmp = tempfile::tempdir().unwrap();
        let t = Target::check(&tmp.path().join("out")).unwrap();
        let first = Lock::acquire(&t).unwrap();
        let err = Lock::acquire(&t).unwrap_err().to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id())) && err.contains("out"),
            "{err}"
        );
        drop(first);
        assert!(!t.hidden("lock").exists());
        // pid 0 is never a running process's.
        fs::write(t.hidden("lock"), "0\n").unwrap();
        let taken = Lock::acquire(&t).unwrap();
        assert_eq!(
            fs::read_to_string(t.hidden("lock")).unwrap(),
            format!("{}\n", std::process::id())
        );
        drop(taken);
    }

    #[test]
    fn commit_swaps_carries_foreign_files_and_drops_stale_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir_all(out.join("gallery")).unwrap();
        fs::create_dir_all(out.join("stale-ds")).unwrap();
        fs::write(out.join("README.md"), "mine").unwrap();
        fs::write(out.join("gallery/a.png"), "png").unwrap();
        fs::write(out.join("stale-ds/bic.png"), "old").unwrap();
        fs::write(out.join("index.html"), "old page").unwrap();
        fs::write(out.join(MANIFEST), "index.html\nstale-ds\n").unwrap();
        let t = Target::check(&out).unwrap();
        let lock = Lock::acquire(&t).unwrap();
        let b = Build::begin(&t, &lock).unwrap();
        fs::write(b.dir().join("index.html"), "new page").unwrap();
        fs::create_dir(b.dir().join("new-ds")).unwrap();
        let dir = b.dir().to_path_buf();
        b.commit().unwrap();
        assert!(!dir.exists());
        assert_eq!(
            fs::read_to_string(out.join("index.html")).unwrap(),
            "new page"
        );
        assert_eq!(fs::read_to_string(out.join("README.md")).unwrap(), "mine");
        assert_eq!(
            fs::read_to_string(out.join("gallery/a.png")).unwrap(),
            "png"
        );
        assert!(out.join("new-ds").is_dir() && !out.join("stale-ds").exists());
        assert_eq!(
            fs::read_to_string(out.join(MANIFEST)).unwrap(),
            "index.html\nnew-ds\n"
        );
        let (building, old) = t.leftovers();
        assert!(building.is_empty() && old.is_empty());
    }

    #[test]
    fn a_foreign_file_under_a_needed_name_is_an_error_and_nothing_moves() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir_all(out.join("iris")).unwrap();
        fs::write(out.join("iris/notes.txt"), "user").unwrap();
        fs::write(out.join("a.csv"), "x\n1\n").unwrap();
        let t = Target::check(&out).unwrap();
        let lock = Lock::acquire(&t).unwrap();
        let b = Build::begin(&t, &lock).unwrap();
        fs::create_dir(b.dir().join("iris")).unwrap();
        let dir = b.dir().to_path_buf();
        let err = b.commit().unwrap_err().to_string();
        assert!(err.contains("iris") && err.contains("not part of"), "{err}");
        assert!(!dir.exists(), "the half-built report stays");
        assert_eq!(
            fs::read_to_string(out.join("iris/notes.txt")).unwrap(),
            "user"
        );
        assert_eq!(fs::read_to_string(out.join("a.csv")).unwrap(), "x\n1\n");
    }

    #[test]
    fn an_interrupted_swap_is_put_back() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let t = Target::check(&out).unwrap();
        // As if killed between the two renames, and while building.
        let old = t.hidden("old-999999-0");
        fs::create_dir_all(&old).unwrap();
        fs::write(old.join("index.html"), "old page").unwrap();
        fs::create_dir_all(t.hidden("building-999999-1")).unwrap();
        let lock = Lock::acquire(&t).unwrap();
        assert_eq!(
            fs::read_to_string(out.join("index.html")).unwrap(),
            "old page"
        );
        let (building, old) = t.leftovers();
        assert!(building.is_empty() && old.is_empty());
        drop(lock);
    }

    #[test]
    fn the_current_folder_cannot_be_swapped() {
        let cwd = std::env::current_dir().unwrap();
        let err = Target::check(&cwd).unwrap_err().to_string();
        assert!(err.contains("current folder"), "{err}");
        let err = Target::check(Path::new("/")).unwrap_err().to_string();
        assert!(
            err.contains("current folder") || err.contains("subfolder"),
            "{err}"
        );
    }
}
