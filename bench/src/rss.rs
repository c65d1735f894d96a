//! Resident memory of the server process, read from `/proc` (Linux only).

use std::{
    fs,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use crate::error::{BenchError, Result};

/// TCP state `LISTEN` in `/proc/net/tcp`.
const TCP_LISTEN: &str = "0A";

/// `VmRSS` of a process, in KiB.
pub fn vm_rss_kib(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status =
        fs::read_to_string(&path).map_err(|e| BenchError::io(format!("read {path}"), e))?;
    parse_vm_rss(&status).ok_or_else(|| BenchError::Process(format!("no VmRSS line in {path}")))
}

/// The `VmRSS:  1234 kB` line of a `/proc/<pid>/status` text.
fn parse_vm_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// The process that has a socket listening on TCP `port`, found through the socket's inode in
/// `/proc/net/tcp{,6}` and the file descriptors under `/proc/*/fd`. Needs permission to read
/// the server's descriptors (same user, or root); otherwise pass `--server-pid`.
pub fn pid_listening_on(port: u16) -> Result<u32> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        if let Ok(text) = fs::read_to_string(table) {
            inodes.extend(listening_inodes(&text, port));
        }
    }
    if inodes.is_empty() {
        return Err(BenchError::Process(format!(
            "nothing listens on port {port}; is the server running?"
        )));
    }
    let wanted: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    let procs = fs::read_dir("/proc").map_err(|e| BenchError::io("read /proc", e))?;
    for entry in procs.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // Processes come and go, and others' descriptors may be unreadable: skip those.
        let Ok(fds) = fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(target) = fs::read_link(fd.path()) {
                if wanted.iter().any(|w| target.as_os_str() == w.as_str()) {
                    return Ok(pid);
                }
            }
        }
    }
    Err(BenchError::Process(format!(
        "cannot tell which process listens on port {port}; pass --server-pid"
    )))
}

/// Inodes of sockets listening on `port` in a `/proc/net/tcp`-style table.
fn listening_inodes(table: &str, port: u16) -> Vec<u64> {
    let port_hex = format!("{port:04X}");
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            let local = fields.get(1)?;
            let state = fields.get(3)?;
            let inode = fields.get(9)?;
            let (_, local_port) = local.rsplit_once(':')?;
            (local_port.eq_ignore_ascii_case(&port_hex) && *state == TCP_LISTEN)
                .then(|| inode.parse().ok())
                .flatten()
        })
        .collect()
}

/// Samples a process's RSS in the background and remembers the peak.
pub struct PeakSampler {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl PeakSampler {
    /// Starts sampling `pid` every `every`.
    pub fn start(pid: u32, every: Duration) -> Self {
        let peak = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let (peak, stop) = (peak.clone(), stop.clone());
            async move {
                let mut tick = tokio::time::interval(every);
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    // A failed read means the process is gone; the caller notices that itself.
                    if let Ok(kib) = vm_rss_kib(pid) {
                        peak.fetch_max(kib, Ordering::Relaxed);
                    }
                }
            }
        });
        Self { peak, stop, task }
    }

    /// Stops sampling and returns the highest value seen (KiB).
    pub async fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        self.peak.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss_is_read_from_a_status_text() {
        let status = "Name:\tserver\nVmPeak:\t  999 kB\nVmRSS:\t   51234 kB\nThreads:\t4\n";
        assert_eq!(parse_vm_rss(status), Some(51234));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
    }

    #[test]
    fn own_rss_is_positive() {
        assert!(vm_rss_kib(std::process::id()).expect("own status is readable") > 0);
    }

    #[test]
    fn only_listening_sockets_on_the_port_count() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0C80 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0
   1: 0100007F:0C80 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0 20 4 30 10 -1
   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0 100 0 0 10 0";
        assert_eq!(listening_inodes(table, 3200), vec![111]);
        assert_eq!(listening_inodes(table, 8080), vec![333]);
        assert!(listening_inodes(table, 1).is_empty());
    }

    #[test]
    fn finds_this_process_by_its_listening_port() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        assert_eq!(pid_listening_on(port).expect("found"), std::process::id());
    }
}
