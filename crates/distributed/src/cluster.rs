//! Who takes part: W worker threads in each of P processes, process I of
//! them here, the processes' `host:port` addresses (a host file: one line
//! per process, in process order), and how long to wait for a peer.
//!
//! The processes connect to each other here, with a deadline (a lower
//! process listens, a higher one connects; each connection opens with a
//! handshake naming the connecting process), and the connected sockets are
//! handed to timely's own networking (`initialize_networking_from_sockets`),
//! which runs the dataflow's exchanges over them.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, Instant};

use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::ProcessBuilder;
use timely::communication::{AllocatorBuilder, Hooks};

/// The first bytes of every connection: "clusterl" and a version.
const HANDSHAKE: u64 = 0x636c_7573_7465_726c;

/// Where this process stands in the computation.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    /// Worker threads per process (W).
    pub workers: usize,
    /// This process's index (I, 0-based).
    pub process: usize,
    /// Every process's `host:port`, in process order (P = its length).
    pub addresses: Vec<String>,
    /// Longest wait for a connection or for one exchange's data.
    pub timeout: Duration,
}

impl ClusterConfig {
    /// One process with `workers` threads.
    pub fn local(workers: usize, timeout: Duration) -> Self {
        ClusterConfig {
            workers,
            process: 0,
            addresses: vec!["localhost".into()],
            timeout,
        }
    }

    /// `processes` processes described by a host file (one `host:port` per
    /// line, in process order; blank lines and `#` comments are skipped).
    pub fn from_hostfile(
        workers: usize,
        processes: usize,
        process: usize,
        hostfile: &Path,
        timeout: Duration,
    ) -> Result<Self, String> {
        let shown = hostfile.display();
        let text = std::fs::read_to_string(hostfile).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!("{shown}: no such file (the host file lists one host:port per process)")
            } else {
                format!("{shown}: cannot read: {e}")
            }
        })?;
        let mut addresses = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let ok = line
                .rsplit_once(':')
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
            if !ok {
                return Err(format!(
                    "{shown}: line {}: \"{line}\" is not host:port",
                    i + 1
                ));
            }
            addresses.push(line.to_string());
        }
        if addresses.len() != processes {
            return Err(format!(
                "{shown}: {} addresses for --processes {processes} (one line per process, in process order)",
                addresses.len()
            ));
        }
        Self::new(workers, process, addresses, timeout)
    }

    /// Checks the counts.
    pub fn new(
        workers: usize,
        process: usize,
        addresses: Vec<String>,
        timeout: Duration,
    ) -> Result<Self, String> {
        if workers == 0 {
            return Err("--workers must be at least 1".into());
        }
        if addresses.is_empty() {
            return Err("--processes must be at least 1".into());
        }
        if process >= addresses.len() {
            return Err(format!(
                "--process {process} is not below --processes {}",
                addresses.len()
            ));
        }
        if timeout.is_zero() {
            return Err("--timeout must be positive".into());
        }
        Ok(ClusterConfig {
            workers,
            process,
            addresses,
            timeout,
        })
    }

    pub fn processes(&self) -> usize {
        self.addresses.len()
    }

    /// W·P: every worker of every process.
    pub fn total_workers(&self) -> usize {
        self.workers * self.processes()
    }

    /// "process I (host:port)", for messages.
    pub fn name(&self, process: usize) -> String {
        match self.addresses.get(process) {
            Some(a) if self.processes() > 1 => format!("process {process} ({a})"),
            _ => format!("process {process}"),
        }
    }

    /// The allocators of this process's workers, connected to every other
    /// process, and what keeps the network threads alive.
    pub(crate) fn build(
        &self,
    ) -> Result<(Vec<AllocatorBuilder>, Box<dyn std::any::Any + Send>), String> {
        let hooks = Hooks::default();
        if self.processes() == 1 {
            let builders =
                ProcessBuilder::new_typed_vector(self.workers, hooks.refill, hooks.spill)
                    .into_iter()
                    .map(AllocatorBuilder::Process)
                    .collect();
            return Ok((builders, Box::new(())));
        }
        let sockets = self.connect()?;
        let local = ProcessBuilder::new_typed_vector(
            self.workers,
            hooks.refill.clone(),
            hooks.spill.clone(),
        );
        let (builders, guard) =
            initialize_networking_from_sockets(local, sockets, self.process, self.workers, hooks)
                .map_err(|e| {
                format!(
                    "{}: cannot start the network threads: {e}",
                    self.name(self.process)
                )
            })?;
        Ok((
            builders.into_iter().map(AllocatorBuilder::Tcp).collect(),
            Box::new(guard),
        ))
    }

    /// One socket per other process (None at this process's place), made
    /// within the timeout.
    fn connect(&self) -> Result<Vec<Option<TcpStream>>, String> {
        let me = self.process;
        let deadline = Instant::now() + self.timeout;
        let mut sockets: Vec<Option<TcpStream>> = (0..self.processes()).map(|_| None).collect();
        let listener = if me + 1 < self.processes() {
            let l = TcpListener::bind(&self.addresses[me]).map_err(|e| {
                format!(
                    "{}: cannot listen on {}: {e}",
                    self.name(me),
                    self.addresses[me]
                )
            })?;
            l.set_nonblocking(true)
                .map_err(|e| format!("{}: {e}", self.name(me)))?;
            Some(l)
        } else {
            None
        };
        // Connect to every lower process (they listen), retrying until the deadline.
        for p in 0..me {
            let stream = loop {
                let last = match self.try_connect(p, deadline) {
                    Ok(s) => break s,
                    Err(e) => e,
                };
                if Instant::now() >= deadline {
                    return Err(format!(
                        "{}: cannot reach {} within {} s ({last})",
                        self.name(me),
                        self.name(p),
                        self.timeout.as_secs_f64()
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            sockets[p] = Some(stream);
        }
        // Accept every higher process.
        if let Some(listener) = listener {
            while sockets[me + 1..].iter().any(Option::is_none) {
                match listener.accept() {
                    Ok((mut s, _)) => {
                        s.set_nonblocking(false)
                            .and_then(|()| s.set_read_timeout(Some(self.timeout)))
                            .map_err(|e| format!("{}: {e}", self.name(me)))?;
                        let mut buf = [0u8; 16];
                        if s.read_exact(&mut buf).is_err() {
                            continue;
                        }
                        let magic = u64::from_le_bytes(buf[..8].try_into().expect("8 bytes"));
                        let from =
                            u64::from_le_bytes(buf[8..].try_into().expect("8 bytes")) as usize;
                        if magic != HANDSHAKE || from <= me || from >= self.processes() {
                            continue;
                        }
                        s.set_read_timeout(None)
                            .and_then(|()| s.set_nodelay(true))
                            .map_err(|e| format!("{}: {e}", self.name(me)))?;
                        sockets[from] = Some(s);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        if Instant::now() >= deadline {
                            let missing: Vec<String> = (me + 1..self.processes())
                                .filter(|&p| sockets[p].is_none())
                                .map(|p| self.name(p))
                                .collect();
                            return Err(format!(
                                "{}: no connection from {} within {} s",
                                self.name(me),
                                missing.join(", "),
                                self.timeout.as_secs_f64()
                            ));
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(e) => return Err(format!("{}: accepting connections: {e}", self.name(me))),
                }
            }
        }
        Ok(sockets)
    }

    fn try_connect(&self, p: usize, deadline: Instant) -> Result<TcpStream, String> {
        let addr = self.addresses[p]
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {}: {e}", self.addresses[p]))?
            .next()
            .ok_or_else(|| format!("{} resolves to no address", self.addresses[p]))?;
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(10));
        let mut s = TcpStream::connect_timeout(&addr, left).map_err(|e| e.to_string())?;
        s.set_nodelay(true).map_err(|e| e.to_string())?;
        let mut hello = [0u8; 16];
        hello[..8].copy_from_slice(&HANDSHAKE.to_le_bytes());
        hello[8..].copy_from_slice(&(self.process as u64).to_le_bytes());
        s.write_all(&hello).map_err(|e| e.to_string())?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostfile_lines_are_processes_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let h = dir.path().join("hosts");
        std::fs::write(&h, "# the cluster\nnode1:4000\n\n[::1]:4001  # local\n").unwrap();
        let t = Duration::from_secs(5);
        let c = ClusterConfig::from_hostfile(2, 2, 1, &h, t).unwrap();
        assert_eq!(c.addresses, ["node1:4000", "[::1]:4001"]);
        assert_eq!(
            (c.total_workers(), c.name(0)),
            (4, "process 0 (node1:4000)".to_string())
        );
        let e = ClusterConfig::from_hostfile(2, 3, 0, &h, t).unwrap_err();
        assert!(
            e.ends_with(
                "hosts: 2 addresses for --processes 3 (one line per process, in process order)"
            ),
            "{e}"
        );
        let e = ClusterConfig::from_hostfile(1, 2, 2, &h, t).unwrap_err();
        assert_eq!(e, "--process 2 is not below --processes 2");
        std::fs::write(&h, "node1\n").unwrap();
        let e = ClusterConfig::from_hostfile(1, 1, 0, &h, t).unwrap_err();
        assert!(
            e.ends_with("hosts: line 1: \"node1\" is not host:port"),
            "{e}"
        );
    }
}
