//! The comparison runner: check everything, fit every algorithm on every
//! dataset (with a progress bar), render the pictures in parallel, write the
//! tables and the HTML page, each file atomically.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clusterlab_study::{load_datasets, Progress, Study};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::atomic;
use crate::error::ReportError;
use crate::html;
use crate::render;
use crate::tables;
use crate::unit;
use crate::{Algorithm, CompareConfig};

/// One picture of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Picture {
    HardVsSoft,
    EmVsKmeans,
    Responsibilities,
    Convergence,
    Bic,
    OpticsReachability,
    Hdbscan,
    HdbscanSoft,
    CondensedTree,
    InitSensitivity,
    EmFromKmeans,
    EmTrace,
    KChoice,
    EmToKmeansGif,
    EmToKmeansPng,
}

impl Picture {
    /// Every per-dataset picture, in the order the page shows them.
    pub const ALL: [Picture; 15] = [
        Picture::HardVsSoft,
        Picture::EmVsKmeans,
        Picture::Responsibilities,
        Picture::EmTrace,
        Picture::InitSensitivity,
        Picture::EmFromKmeans,
        Picture::Convergence,
        Picture::Bic,
        Picture::OpticsReachability,
        Picture::Hdbscan,
        Picture::KChoice,
        Picture::EmToKmeansGif,
        Picture::EmToKmeansPng,
        Picture::HdbscanSoft,
        Picture::CondensedTree,
    ];

    /// File name inside the dataset's folder.
    pub fn file(self) -> &'static str {
        match self {
            Picture::HardVsSoft => "hard-vs-soft.png",
            Picture::EmVsKmeans => "em-vs-kmeans.png",
            Picture::Responsibilities => "responsibilities.png",
            Picture::Convergence => "convergence.png",
            Picture::Bic => "bic.png",
            Picture::OpticsReachability => "optics-reachability.png",
            Picture::Hdbscan => "hdbscan.png",
            Picture::HdbscanSoft => "hdbscan-soft.png",
            Picture::CondensedTree => "condensed-tree.png",
            Picture::InitSensitivity => "init-sensitivity.png",
            Picture::EmFromKmeans => "em-from-kmeans.png",
            Picture::EmTrace => "em-trace.gif",
            Picture::KChoice => "k-choice.png",
            Picture::EmToKmeansGif => "em-to-kmeans.gif",
            Picture::EmToKmeansPng => "em-to-kmeans.png",
        }
    }

    /// What the picture answers (its caption on the page).
    pub fn caption(self) -> &'static str {
        match self {
            Picture::HardVsSoft => "Hard versus soft: k-means gives each point one cluster; EM gives it a responsibility for every component (colours blend, faint points are unsure).",
            Picture::EmVsKmeans => "Where EM differs from k-means: both decision boundaries, EM's uncertainty as shading, the points they disagree on ringed.",
            Picture::Responsibilities => "The most uncertain points, each a stacked bar of its responsibilities: a boundary point counts fractionally toward each component.",
            Picture::Convergence => "EM's mean log-likelihood per iteration for the four covariance types: it never decreases.",
            Picture::Bic => "BIC against the number of components for the four covariance types (lower is better); the best is marked.",
            Picture::OpticsReachability => "OPTICS reachability plot: valleys are clusters, coloured by the extracted cluster.",
            Picture::Hdbscan => "HDBSCAN clusters; faint points have low membership probability, × marks noise.",
            Picture::HdbscanSoft => "Soft density clusters: HDBSCAN's membership vectors beside EM's responsibilities, blended alike; compare them point by point (faint on the left = little chance of being in any cluster).",
            Picture::CondensedTree => "HDBSCAN's condensed tree: λ = 1/distance downward, bar width = points left; the ringed bars are the clusters selected.",
            Picture::InitSensitivity => "Initialisation matters: EM from 50 starts; the optima they reach by init method, how many reach the best, and the best and the worst optimum side by side.",
            Picture::EmFromKmeans => "Where the start leads: EM started from k-means' labels; arrows from each centroid to EM's final mean, the points that change cluster ringed, the log-likelihood of the start and of the end.",
            Picture::EmTrace => "EM animated: responsibilities and covariance ellipses at each iteration until convergence.",
            Picture::KChoice => "Choosing k two ways: BIC per k beside the variational Bayesian mixture, whose unneeded components fade out as it fits.",
            Picture::EmToKmeansGif => "EM's limit is k-means: one shared variance σ² shrinks to 0, responsibilities harden, circles shrink to points.",
            Picture::EmToKmeansPng => "EM's limit is k-means, as a strip: the same σ² path in five frames, with the mean entropy and the agreement with k-means.",
        }
    }

    /// Whether the study has what this picture needs (else why not).
    pub fn available(self, s: &Study) -> Result<(), String> {
        let run_ok = |a: Algorithm| match s.run(a) {
            None => Err(format!("{} was not run", a.title())),
            Some(r) => r
                .result
                .as_ref()
                .map(|_| ())
                .map_err(|e| format!("{}: {e}", a.title())),
        };
        match self {
            Picture::HardVsSoft | Picture::EmVsKmeans | Picture::Responsibilities => {
                s.pair.as_ref().map(|_| ()).map_err(Clone::clone)
            }
            Picture::EmTrace => s.trace.as_ref().map(|_| ()).map_err(Clone::clone),
            Picture::Convergence => {
                if s.sweep.curves.iter().any(|c| c.result.is_ok()) {
                    Ok(())
                } else {
                    Err("no EM fit converged at this k".into())
                }
            }
            Picture::Bic => {
                if s.sweep.best.is_some() {
                    Ok(())
                } else {
                    Err("no EM fit of the BIC sweep succeeded".into())
                }
            }
            Picture::OpticsReachability => run_ok(Algorithm::Optics),
            Picture::Hdbscan => run_ok(Algorithm::Hdbscan),
            Picture::KChoice => s.k_choice.as_ref().map(|_| ()).map_err(Clone::clone),
            Picture::EmToKmeansGif | Picture::EmToKmeansPng => {
                s.em_to_kmeans.as_ref().map(|_| ()).map_err(Clone::clone)
            }
            Picture::HdbscanSoft => {
                s.pair.as_ref().map_err(Clone::clone)?;
                s.hdbscan_soft.as_ref().map(|_| ()).map_err(Clone::clone)
            }
            Picture::CondensedTree => s.hdbscan_soft.as_ref().map(|_| ()).map_err(Clone::clone),
            Picture::InitSensitivity => s
                .init_sensitivity
                .as_ref()
                .map(|_| ())
                .map_err(Clone::clone),
            Picture::EmFromKmeans => s.em_from_kmeans.as_ref().map(|_| ()).map_err(Clone::clone),
        }
    }

    fn render(self, s: &Study, path: &Path) -> Result<(), ReportError> {
        match self {
            Picture::HardVsSoft => render::hard_vs_soft::render(s, path),
            Picture::EmVsKmeans => render::em_vs_kmeans::render(s, path),
            Picture::Responsibilities => render::responsibilities::render(s, path),
            Picture::Convergence => render::convergence::render(s, path),
            Picture::Bic => render::bic::render(s, path),
            Picture::OpticsReachability => render::optics::render(s, path),
            Picture::Hdbscan => render::hdbscan::render(s, path),
            Picture::HdbscanSoft => render::hdbscan_soft::render(s, path),
            Picture::CondensedTree => render::condensed_tree::render(s, path),
            Picture::InitSensitivity => render::init_sensitivity::render(s, path),
            Picture::EmFromKmeans => render::em_from_kmeans::render(s, path),
            Picture::EmTrace => render::trace_gif::render(s, path),
            Picture::KChoice => render::k_choice::render(s, path),
            Picture::EmToKmeansGif => render::em_to_kmeans::render_gif(s, path),
            Picture::EmToKmeansPng => render::em_to_kmeans::render_strip(s, path),
        }
    }
}

/// What a finished run produced.
#[derive(Debug)]
pub struct RunSummary {
    /// The output folder.
    pub out: PathBuf,
    /// Every dataset's computed results.
    pub studies: Vec<Study>,
    /// The algorithms run.
    pub algorithms: Vec<Algorithm>,
    /// Files written, relative to `out`.
    pub files: Vec<PathBuf>,
    /// Pictures that could not be drawn (also listed on the page).
    pub skipped: Vec<String>,
    /// Wall-clock seconds: fitting, rendering, total.
    pub fit_seconds: f64,
    pub render_seconds: f64,
    pub total_seconds: f64,
}

/// The progress of a run: a bar on a terminal, plain stage lines when
/// stderr is not one, nothing with `--quiet`. `compare` shows its fits and
/// its pictures with it, `select` its fits.
pub struct Shown {
    bar: Option<ProgressBar>,
    lines: bool,
}

impl Shown {
    /// Progress over `len` steps (the bar's length), the bar labelled `prefix`.
    pub fn new(quiet: bool, len: u64, prefix: &'static str) -> Shown {
        if quiet {
            return Shown {
                bar: None,
                lines: false,
            };
        }
        if !std::io::stderr().is_terminal() {
            return Shown {
                bar: None,
                lines: true,
            };
        }
        let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template("{prefix:>9} [{bar:32}] {pos}/{len} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        pb.set_prefix(prefix);
        pb.enable_steady_tick(Duration::from_millis(200));
        Shown {
            bar: Some(pb),
            lines: false,
        }
    }

    /// Clears the bar (lines stay as printed).
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Shown {
    fn stage(&self, what: &str) {
        if let Some(b) = &self.bar {
            b.set_message(what.to_string());
        } else if self.lines {
            eprintln!("clusterlab: {what} …");
        }
    }
    fn finished(&self, what: &str, seconds: f64) {
        if let Some(b) = &self.bar {
            // The bar counts fits; the other stages only change the message.
            if !what.contains(" and ") {
                b.inc(1);
            }
        } else if self.lines {
            eprintln!("clusterlab: {what} done in {seconds:.2} s");
        }
    }
}

/// Progress of one step with no parts to count (one fit, reading one
/// file): silent if it ends within `after`; past that, a spinner with the
/// elapsed time on a terminal (cleared at the end), or, when stderr is not
/// one, `clusterlab: WHAT …` and, when it succeeded ([`Waiting::done`]),
/// `clusterlab: WHAT done in S s`. Nothing with `quiet`. The step ends when
/// this is dropped (a failure: its error says the rest).
pub struct Waiting {
    watch: Option<(WaitState, std::thread::JoinHandle<()>)>,
}

/// (ended, succeeded) and the signal that it ended.
type WaitState = std::sync::Arc<(std::sync::Mutex<(bool, bool)>, std::sync::Condvar)>;

impl Waiting {
    /// Starts watching `what` (e.g. `fit · HDBSCAN on NAME (n × d)`).
    pub fn start(quiet: bool, what: String, after: Duration) -> Waiting {
        if quiet {
            return Waiting { watch: None };
        }
        let terminal = std::io::stderr().is_terminal();
        Waiting::watching(what, after, terminal, Box::new(std::io::stderr()))
    }

    /// [`Waiting::start`] with its lines (when not on a terminal) going to `sink`.
    fn watching(
        what: String,
        after: Duration,
        terminal: bool,
        mut sink: Box<dyn std::io::Write + Send>,
    ) -> Waiting {
        let state: WaitState = Default::default();
        let shared = state.clone();
        let started = Instant::now();
        let handle = std::thread::spawn(move || {
            let (lock, ended) = &*shared;
            let until_done = |g| ended.wait_while(g, |s: &mut (bool, bool)| !s.0).ok();
            let Ok(g) = lock.lock() else { return };
            let Ok((g, _)) = ended.wait_timeout_while(g, after, |s| !s.0) else {
                return;
            };
            if g.0 {
                return;
            }
            if terminal {
                let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                    .with_elapsed(started.elapsed());
                pb.set_style(
                    ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                pb.set_message(what);
                pb.enable_steady_tick(Duration::from_millis(200));
                until_done(g);
                pb.finish_and_clear();
            } else {
                let _ = writeln!(sink, "clusterlab: {what} …");
                if until_done(g).is_some_and(|s| s.1) {
                    let s = started.elapsed().as_secs_f64();
                    let _ = writeln!(sink, "clusterlab: {what} done in {s:.2} s");
                }
            }
        });
        Waiting {
            watch: Some((state, handle)),
        }
    }
}

impl Waiting {
    /// The step succeeded.
    pub fn done(mut self) {
        self.end(true);
    }

    fn end(&mut self, ok: bool) {
        if let Some((state, handle)) = self.watch.take() {
            let (lock, ended) = &*state;
            if let Ok(mut s) = lock.lock() {
                *s = (true, ok);
            }
            ended.notify_all();
            let _ = handle.join();
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.end(false);
    }
}

/// Runs the whole comparison and writes the report.
///
/// Everything that can be checked before fitting is (parameters, datasets,
/// that the output folder can be written) so bad input fails with one line
/// and leaves no report behind. One algorithm failing on one dataset is
/// recorded in the tables and the page, and the run goes on.
pub fn run(cfg: &CompareConfig) -> Result<RunSummary, ReportError> {
    let t0 = Instant::now();
    let algorithms = cfg.algorithm_list()?;
    cfg.check_settings()?;
    let datasets = load_datasets(cfg)?;
    // The report is one unit: built beside --out, swapped in at the end,
    // one writer at a time (see `unit`).
    let target = unit::Target::check(&cfg.out)?;
    let lock = unit::Lock::acquire(&target)?;
    render::ensure_fonts();

    let pb = Shown::new(
        cfg.quiet,
        (datasets.len() * algorithms.len()) as u64,
        "fitting",
    );
    let studies = datasets
        .iter()
        .map(|ds| clusterlab_study::study(ds, &algorithms, cfg, &pb))
        .collect::<Result<Vec<Study>, _>>();
    pb.finish();
    let studies = studies?;
    let build = unit::Build::begin(&target, &lock)?;
    let fit_seconds = t0.elapsed().as_secs_f64();
    let summary = write_report(cfg, &build, studies, algorithms, t0, fit_seconds)
        .map_err(|e| build.shown(e))?;
    build.commit()?;
    drop(lock);
    Ok(summary)
}

/// Draws every picture and writes the tables and the page into the
/// report's hidden build folder.
fn write_report(
    cfg: &CompareConfig,
    build: &unit::Build,
    studies: Vec<Study>,
    algorithms: Vec<Algorithm>,
    t0: Instant,
    fit_seconds: f64,
) -> Result<RunSummary, ReportError> {
    let root = build.dir();

    // Folders first, then every picture in parallel.
    for s in &studies {
        let dir = root.join(s.slug());
        std::fs::create_dir_all(&dir).map_err(|e| ReportError::write(&dir, e))?;
    }
    let t1 = Instant::now();
    let mut jobs: Vec<(Option<usize>, Option<Picture>)> = vec![(None, None)];
    let mut skipped = Vec::new();
    for (i, s) in studies.iter().enumerate() {
        for p in Picture::ALL {
            match p.available(s) {
                Ok(()) => jobs.push((Some(i), Some(p))),
                Err(why) => skipped.push(format!("{}/{}: {why}", s.slug(), p.file())),
            }
        }
    }
    // Slowest first (the GIFs), so the two cores stay busy to the end.
    jobs.sort_by_key(|j| !matches!(j.1, Some(Picture::EmTrace) | Some(Picture::EmToKmeansGif)));
    let rb = Shown::new(cfg.quiet, jobs.len() as u64, "rendering");
    rb.stage(&format!("drawing {} pictures", jobs.len()));
    let results: Vec<(PathBuf, Result<(), ReportError>)> = jobs
        .par_iter()
        .map(|&(i, p)| {
            let tj = Instant::now();
            let (rel, res) = match (i, p) {
                (Some(i), Some(p)) => {
                    let s = &studies[i];
                    let rel = PathBuf::from(s.slug()).join(p.file());
                    let res = p.render(s, &root.join(&rel));
                    (rel, res)
                }
                _ => {
                    let rel = PathBuf::from("grid.png");
                    (
                        rel.clone(),
                        render::grid::render(&studies, &algorithms, &root.join(&rel)),
                    )
                }
            };
            if let Some(b) = &rb.bar {
                b.inc(1);
            }
            if std::env::var_os("CLUSTERLAB_TIMING").is_some() {
                eprintln!(
                    "render {:>7.3} s  {}",
                    tj.elapsed().as_secs_f64(),
                    rel.display()
                );
            }
            (rel, res)
        })
        .collect();
    rb.finish();
    let render_seconds = t1.elapsed().as_secs_f64();
    rb.finished("the pictures", render_seconds);
    let mut files = Vec::new();
    // A picture that could be drawn but not written (or not drawn) is an
    // error of the run, not a quiet gap in the report: one line naming the
    // file and the reason, a non-zero exit, no index.html written.
    for (rel, res) in results {
        match res {
            Ok(()) => files.push(rel),
            Err(e) => return Err(e),
        }
    }

    let mut summary = RunSummary {
        out: cfg.out.clone(),
        studies,
        algorithms,
        files,
        skipped,
        fit_seconds,
        render_seconds,
        total_seconds: 0.0,
    };
    for (name, bytes) in [
        ("metrics.json", tables::metrics_json(&summary, cfg)?),
        (
            clusterlab_study::config::METRICS_CSV,
            tables::metrics_csv(&summary)?,
        ),
        ("summary.md", tables::summary_md(&summary).into_bytes()),
    ] {
        atomic::write_atomic(&root.join(name), &bytes)?;
        summary.files.push(PathBuf::from(name));
    }
    summary.total_seconds = t0.elapsed().as_secs_f64();
    let page = html::index(&summary);
    atomic::write_atomic(&root.join("index.html"), page.as_bytes())?;
    summary.files.push(PathBuf::from("index.html"));
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A sink the test reads back.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn text(l: &Lines) -> String {
        String::from_utf8(l.0.lock().unwrap().clone()).unwrap()
    }

    /// Off a terminal: nothing for a step that ends in time; a line when it
    /// runs past the wait and one when it succeeds; no "done" for a failure.
    #[test]
    fn waiting_speaks_only_of_long_steps() {
        // Off a terminal, its lines read back.
        let watch = |what: &str, after: Duration| {
            let lines = Lines::default();
            let w = Waiting::watching(what.into(), after, false, Box::new(lines.clone()));
            (lines, w)
        };
        let (quick, w) = watch("quick", Duration::from_secs(5));
        w.done();
        assert_eq!(text(&quick), "");

        let (long, w) = watch("long", Duration::from_millis(20));
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(text(&long), "clusterlab: long …\n");
        w.done();
        let t = text(&long);
        let (first, second) = t.split_once('\n').unwrap();
        assert_eq!(first, "clusterlab: long …");
        let secs: f64 = second
            .strip_prefix("clusterlab: long done in ")
            .and_then(|r| r.strip_suffix(" s\n"))
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.2..5.0).contains(&secs), "{secs}");

        let (failed, w) = watch("failed", Duration::from_millis(20));
        std::thread::sleep(Duration::from_millis(200));
        drop(w);
        assert_eq!(text(&failed), "clusterlab: failed …\n");
    }
}
