//! # clusterlab-distributed: EM and k-means past one machine
//!
//! The same binary runs as every process of a computation on timely
//! dataflow: W worker threads in each of P processes (on one or many hosts,
//! listed in a host file). Worker t of the T = W·P reads only the rows
//! `i mod T = t` of the data file itself, computes its E-step and
//! statistics with the single-process fast engine, and the statistics are
//! summed through the dataflow (an all-gather, added in worker order, so
//! every worker applies the same M-step to the same numbers). Process 0's
//! worker 0 returns the result.
//!
//! * [`ClusterConfig`]: who takes part, how they connect (with a deadline).
//! * `exchange`: the all-gather and gather rounds as a timely dataflow,
//!   each round's wait bounded by the timeout.
//! * `shard`: a worker's rows, in memory or streamed from a memory-mapped
//!   `.npy` (`--stream`); `standardize`: `--standardize` from summed column statistics.
//! * `gmm`, `kmeans`: the two fits (EM with every start but `hc`);
//!   `kmeans_stream`: k-means with nothing per row kept (`--stream`).
//!
//! Failures (an unreachable peer, a missing file on one process, a peer
//! that dies mid-fit) end every process with one line naming the process
//! and host, never a hang.

mod cluster;
mod exchange;
mod gmm;
mod kmeans;
mod kmeans_stream;
mod shard;
mod standardize;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clusterlab_em::ValidGmmParams;

pub use cluster::ClusterConfig;
pub use gmm::GmmOutcome;
pub use kmeans::{KMeansJob, KMeansOutcome};
pub use shard::STREAM_BLOCK;

use exchange::{broken, install_panic_hook, Exchanger};
use shard::Shard;

/// What to fit.
#[derive(Debug, Clone)]
pub enum Fit {
    Gmm(ValidGmmParams),
    KMeans(KMeansJob),
}

/// One distributed fit: the data file, the fit and what to bring back.
#[derive(Debug, Clone)]
pub struct Job {
    pub data: PathBuf,
    pub fit: Fit,
    /// Stream the rows from the memory-mapped `.npy` on every pass.
    pub stream: bool,
    /// z-score every column first (as the single-process `--standardize`).
    pub standardize: bool,
    /// Gather the labels to process 0.
    pub labels: bool,
    /// Gather the responsibilities to process 0 (EM).
    pub proba: bool,
}

/// Process 0's result.
#[derive(Debug, Clone)]
pub enum Outcome {
    Gmm(Box<GmmOutcome>),
    KMeans(KMeansOutcome),
}

type WorkerResult = Result<Option<Outcome>, String>;

/// One worker's part: open the shard, agree that every worker could, fit.
fn worker_main(ex: &mut Exchanger, cluster: &ClusterConfig, job: &Job) -> WorkerResult {
    let me = cluster.name(cluster.process);
    ex.stage = "opening the data".into();
    let shard =
        Shard::open(&job.data, ex.index, ex.peers, job.stream).map_err(|e| format!("{me}: {e}"));
    let status = match &shard {
        Ok(s) => Ok(vec![s.n_total as f64, s.d as f64]),
        Err(e) => Err(e.clone()),
    };
    let all = ex.all_gather(status).map_err(|e| e.0)?;
    let shard = shard?;
    if let Some((w, p)) = all
        .iter()
        .enumerate()
        .find(|(_, p)| p[..] != [shard.n_total as f64, shard.d as f64])
    {
        return Err(format!(
            "{me}: {} has {} rows × {} features but {} sees {} × {} (every host needs the same file)",
            job.data.display(),
            shard.n_total,
            shard.d,
            cluster.name(w / cluster.workers),
            p[0],
            p[1]
        ));
    }
    let mut shard = shard;
    if job.standardize {
        standardize::zscore(ex, &mut shard).map_err(|e| e.0)?;
    }
    match &job.fit {
        Fit::Gmm(params) => gmm::run(ex, &shard, params, job.labels, job.proba)
            .map(|o| o.map(|g| Outcome::Gmm(Box::new(g)))),
        Fit::KMeans(k) if job.stream => {
            kmeans_stream::run(ex, &shard, k, job.labels).map(|o| o.map(Outcome::KMeans))
        }
        Fit::KMeans(k) => kmeans::run(ex, &shard, k, job.labels).map(|o| o.map(Outcome::KMeans)),
    }
}

/// Runs `job` as process `cluster.process` of the computation. Returns the
/// outcome on process 0 (`None` elsewhere), or one line naming the process
/// and what failed. After an error the worker and network threads are left
/// running: the caller is to exit the process.
pub fn run(cluster: &ClusterConfig, job: &Job) -> Result<Option<Outcome>, String> {
    install_panic_hook();
    let (builders, others) = cluster.build()?;
    let workers = cluster.workers;
    let results: Arc<Mutex<Vec<Option<WorkerResult>>>> =
        Arc::new(Mutex::new((0..workers).map(|_| None).collect()));
    let (c, j, r) = (cluster.clone(), job.clone(), results.clone());
    let guards = timely::execute::execute_from(
        builders,
        others,
        timely::WorkerConfig::default(),
        move |worker| {
            let local = worker.index() % c.workers;
            let out = {
                let mut ex = Exchanger::new(worker, c.clone());
                worker_main(&mut ex, &c, &j)
            };
            r.lock().unwrap_or_else(|e| e.into_inner())[local] = Some(out);
        },
    )
    .map_err(|e| format!("{}: {e}", cluster.name(cluster.process)))?;
    // Wait for every worker's result; a broken connection that no worker
    // reports within the timeout (a worker stuck outside an exchange) is
    // reported here.
    let mut broken_since: Option<Instant> = None;
    loop {
        let done = results
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .all(Option::is_some);
        if done {
            break;
        }
        if let Some(cause) = broken() {
            let since = *broken_since.get_or_insert_with(Instant::now);
            if since.elapsed() > cluster.timeout.max(Duration::from_secs(1)) {
                std::mem::forget(guards);
                return Err(format!(
                    "{}: a worker stopped: {cause}",
                    cluster.name(cluster.process)
                ));
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut all: Vec<WorkerResult> = results
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .drain(..)
        .map(|r| r.expect("every worker reported"))
        .collect();
    if let Some(e) = all.iter().find_map(|r| r.as_ref().err()) {
        let e = e.clone();
        std::mem::forget(guards);
        return Err(e);
    }
    for r in guards.join() {
        r.map_err(|e| format!("{}: a worker failed: {e}", cluster.name(cluster.process)))?;
    }
    Ok(all.swap_remove(0).expect("checked above"))
}
