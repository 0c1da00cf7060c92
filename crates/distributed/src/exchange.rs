//! The one communication pattern the fits need, as a timely dataflow: in
//! round r every worker sends a vector of numbers (or an error) to every
//! worker (`all_gather`) or to worker 0 (`gather`), and receives what was
//! sent to it, ordered by sender. The dataflow is an input, an `exchange`
//! routed by the target worker, and a sink into this worker's inbox; the
//! round number is the timely timestamp.
//!
//! Waiting for a round is bounded: past the timeout, or once the network
//! threads report a broken connection, the round fails with a message
//! naming the processes whose data did not arrive.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use timely::container::CapacityContainerBuilder;
use timely::dataflow::operators::{Exchange, Input, Inspect};
use timely::dataflow::InputHandle;
use timely::worker::Worker;

use crate::cluster::ClusterConfig;

/// (round, sender, target, numbers, error: empty when none).
type Msg = (u64, u32, u32, Vec<f64>, String);

/// The first panic of a network thread (a peer went away), as its message.
static BROKEN: OnceLock<String> = OnceLock::new();
/// Serialises installing the hook.
static HOOK: Mutex<bool> = Mutex::new(false);

/// Replaces the default panic output: timely's network threads panic when a
/// connection breaks; the message is kept for the waiting workers to report
/// on one line instead of a backtrace on stderr.
pub(crate) fn install_panic_hook() {
    let mut done = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    if *done {
        return;
    }
    *done = true;
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a thread panicked".into());
        let _ = BROKEN.set(msg.replace('\n', " "));
    }));
}

/// The network failure seen so far, if any.
pub(crate) fn broken() -> Option<&'static str> {
    BROKEN.get().map(String::as_str)
}

/// What went wrong in a round: an error a worker sent, or one found waiting.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundError(pub String);

/// One worker's end of the exchange dataflow.
pub struct Exchanger<'w> {
    worker: &'w mut Worker,
    input: InputHandle<u64, CapacityContainerBuilder<Vec<Msg>>>,
    inbox: Rc<RefCell<BTreeMap<u64, Vec<Msg>>>>,
    round: u64,
    pub(crate) index: usize,
    pub(crate) peers: usize,
    cluster: ClusterConfig,
    /// What the current round is for, in messages ("iteration 3").
    pub(crate) stage: String,
}

impl<'w> Exchanger<'w> {
    /// Builds the dataflow on `worker`.
    pub fn new(worker: &'w mut Worker, cluster: ClusterConfig) -> Self {
        let inbox: Rc<RefCell<BTreeMap<u64, Vec<Msg>>>> = Rc::default();
        let sink = inbox.clone();
        let mut input = InputHandle::<u64, CapacityContainerBuilder<Vec<Msg>>>::new();
        worker.dataflow::<u64, _, _>(|scope| {
            scope
                .input_from(&mut input)
                .container::<Vec<Msg>>()
                .exchange(|m: &Msg| m.2 as u64)
                .inspect(move |m: &Msg| {
                    sink.borrow_mut().entry(m.0).or_default().push(m.clone());
                });
        });
        let (index, peers) = (worker.index(), worker.peers());
        Exchanger {
            worker,
            input,
            inbox,
            round: 0,
            index,
            peers,
            cluster,
            stage: "start".into(),
        }
    }

    /// The process of worker `w`.
    fn process_of(&self, w: usize) -> usize {
        w / self.cluster.workers
    }

    /// Sends `payload` to every worker; returns every worker's payload, by sender.
    pub fn all_gather(
        &mut self,
        payload: Result<Vec<f64>, String>,
    ) -> Result<Vec<Vec<f64>>, RoundError> {
        let (numbers, error) = split(payload);
        for t in 0..self.peers {
            self.input.send((
                self.round,
                self.index as u32,
                t as u32,
                numbers.clone(),
                error.clone(),
            ));
        }
        self.finish_round(self.peers)
            .map(|v| v.expect("all_gather receives on every worker"))
    }

    /// Sends `payload` to worker 0; worker 0 gets every payload, by sender, the others `None`.
    pub fn gather(
        &mut self,
        payload: Result<Vec<f64>, String>,
    ) -> Result<Option<Vec<Vec<f64>>>, RoundError> {
        let (numbers, error) = split(payload);
        self.input
            .send((self.round, self.index as u32, 0, numbers, error));
        let expected = if self.index == 0 { self.peers } else { 0 };
        self.finish_round(expected)
    }

    /// Closes the round and waits for `expected` messages addressed here.
    fn finish_round(&mut self, expected: usize) -> Result<Option<Vec<Vec<f64>>>, RoundError> {
        let round = self.round;
        self.round += 1;
        self.input.advance_to(self.round);
        let started = Instant::now();
        loop {
            let got = self.inbox.borrow().get(&round).map_or(0, Vec::len);
            if got >= expected {
                break;
            }
            if let Some(cause) = broken() {
                return Err(RoundError(format!(
                    "{}: lost {} in {}: {cause}",
                    self.cluster.name(self.cluster.process),
                    self.missing(round),
                    self.stage
                )));
            }
            if started.elapsed() > self.cluster.timeout {
                return Err(RoundError(format!(
                    "{}: no data from {} within {} s in {} (a peer died, hangs or is unreachable)",
                    self.cluster.name(self.cluster.process),
                    self.missing(round),
                    self.cluster.timeout.as_secs_f64(),
                    self.stage
                )));
            }
            // A broken connection can surface as a panic inside the step
            // (a poisoned queue): report it like the network thread's.
            let step = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.worker.step_or_park(Some(Duration::from_millis(20)));
            }));
            if step.is_err() {
                return Err(RoundError(format!(
                    "{}: lost {} in {}: {}",
                    self.cluster.name(self.cluster.process),
                    self.missing(round),
                    self.stage,
                    broken().unwrap_or("the connection broke")
                )));
            }
        }
        if expected == 0 {
            return Ok(None);
        }
        let mut msgs = self.inbox.borrow_mut().remove(&round).unwrap_or_default();
        msgs.sort_by_key(|m| m.1);
        if let Some(m) = msgs.iter().find(|m| !m.4.is_empty()) {
            return Err(RoundError(m.4.clone()));
        }
        Ok(Some(msgs.into_iter().map(|m| m.3).collect()))
    }

    /// The processes whose workers sent nothing yet in `round` (to this
    /// worker), or every other process when all of them did.
    fn missing(&self, round: u64) -> String {
        let inbox = self.inbox.borrow();
        let seen: Vec<u32> = inbox
            .get(&round)
            .map(|v| v.iter().map(|m| m.1).collect())
            .unwrap_or_default();
        let mut procs: Vec<usize> = (0..self.peers)
            .filter(|w| !seen.contains(&(*w as u32)))
            .map(|w| self.process_of(w))
            .filter(|&p| p != self.cluster.process)
            .collect();
        procs.dedup();
        if procs.is_empty() {
            // Everyone's data for this round is in: the loss is one of the others.
            procs = (0..self.cluster.processes())
                .filter(|&p| p != self.cluster.process)
                .collect();
        }
        procs
            .iter()
            .map(|&p| self.cluster.name(p))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn split(payload: Result<Vec<f64>, String>) -> (Vec<f64>, String) {
    match payload {
        Ok(v) => (v, String::new()),
        Err(e) if e.is_empty() => (Vec::new(), "an unnamed error".into()),
        Err(e) => (Vec::new(), e),
    }
}
