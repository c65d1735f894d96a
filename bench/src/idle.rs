//! `bench idle`: the server's memory cost of open, authenticated, idle WebSockets.

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures::{stream, SinkExt, StreamExt};
use serde::Serialize;
use tokio::{sync::watch, time::sleep};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    cli::IdleArgs,
    error::Result,
    load::server_pid,
    rss::{self, PeakSampler},
    setup::{self, RunNames},
    ws::{self, Socket},
};

/// Pause before measuring, so allocations of the connection burst settle.
const SETTLE: Duration = Duration::from_secs(5);

/// Everything an idle run measured.
#[derive(Debug, Clone, Serialize)]
pub struct IdleReport {
    /// Sockets asked for.
    pub requested: usize,
    /// Sockets whose handshake succeeded.
    pub opened: usize,
    /// Handshakes that failed, by error.
    pub connect_errors: BTreeMap<String, u64>,
    /// Seconds the handshakes took in all.
    pub connect_s: f64,
    /// Sockets still open after the hold.
    pub open_after_hold: usize,
    /// Seconds the sockets were held.
    pub hold_s: f64,
    /// Why sockets closed during the hold.
    pub closed: BTreeMap<String, u64>,
    /// Server RSS before the sockets, KiB.
    pub rss_before_kib: Option<u64>,
    /// Server RSS with every socket open, after settling, KiB.
    pub rss_connected_kib: Option<u64>,
    /// Highest server RSS sampled while connecting and holding, KiB.
    pub rss_peak_kib: Option<u64>,
    /// Server RSS at the end of the hold, KiB.
    pub rss_end_kib: Option<u64>,
    /// (connected − before) / opened, KiB.
    pub kib_per_connection: Option<f64>,
    /// The bench process's own RSS with every socket open, KiB.
    pub bench_rss_kib: Option<u64>,
}

impl IdleReport {
    /// True when every socket opened and stayed open.
    pub fn clean(&self) -> bool {
        self.opened == self.requested && self.open_after_hold == self.opened
    }
}

/// Runs the idle measurement.
pub async fn run(args: &IdleArgs) -> Result<IdleReport> {
    let common = &args.common;
    if let Some(limit) = open_files_limit() {
        if limit < args.connections as u64 + 100 {
            eprintln!(
                "warning: this process may open only {limit} files; raise it with `ulimit -n`"
            );
        }
    }
    let pid = server_pid(common.server_pid, common.server.port());
    let names = RunNames::new();
    let users = args.users.min(args.connections);
    eprintln!("setup {}: {users} accounts", names.tag);
    let accounts = setup::accounts(common, &names, users).await?;

    sleep(SETTLE).await;
    let rss_before_kib = pid.and_then(|p| rss::vm_rss_kib(p).ok());
    let sampler = pid.map(|p| PeakSampler::start(p, Duration::from_millis(250)));

    eprintln!("opening {} sockets", args.connections);
    let (stop_tx, stop_rx) = watch::channel(false);
    let open = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut connect_errors = BTreeMap::new();
    let mut holders = Vec::with_capacity(args.connections);
    let mut attempts = stream::iter(0..args.connections)
        .map(|i| ws::connect(common.server, &accounts[i % accounts.len()].access_token))
        .buffer_unordered(common.connect_concurrency);
    while let Some(result) = attempts.next().await {
        match result {
            Ok(socket) => {
                open.fetch_add(1, Ordering::Relaxed);
                holders.push(tokio::spawn(hold(socket, stop_rx.clone(), open.clone())));
                if holders.len().is_multiple_of(1000) {
                    eprintln!("  {} open", holders.len());
                }
            }
            Err(e) => *connect_errors.entry(e.to_string()).or_insert(0) += 1,
        }
    }
    drop(attempts);
    let connect_s = started.elapsed().as_secs_f64();
    let opened = holders.len();

    sleep(SETTLE).await;
    let rss_connected_kib = pid.and_then(|p| rss::vm_rss_kib(p).ok());
    let bench_rss_kib = rss::vm_rss_kib(std::process::id()).ok();
    eprintln!("holding {opened} sockets for {:?}", args.hold);
    sleep(args.hold).await;
    let rss_end_kib = pid.and_then(|p| rss::vm_rss_kib(p).ok());
    let rss_peak_kib = match sampler {
        Some(s) => Some(s.finish().await),
        None => None,
    };
    let open_after_hold = open.load(Ordering::Relaxed);

    let _ = stop_tx.send(true);
    let mut closed = BTreeMap::new();
    for holder in holders {
        if let Ok(Some(reason)) = holder.await {
            *closed.entry(reason).or_insert(0) += 1;
        }
    }
    let kib_per_connection = match (rss_before_kib, rss_connected_kib) {
        (Some(b), Some(c)) if opened > 0 => Some((c as f64 - b as f64) / opened as f64),
        _ => None,
    };
    Ok(IdleReport {
        requested: args.connections,
        opened,
        connect_errors,
        connect_s,
        open_after_hold,
        hold_s: args.hold.as_secs_f64(),
        closed,
        rss_before_kib,
        rss_connected_kib,
        rss_peak_kib,
        rss_end_kib,
        kib_per_connection,
        bench_rss_kib,
    })
}

/// Keeps a socket open, reading (which answers the server's pings) until told to stop.
/// Returns why the socket closed early, if it did.
async fn hold(
    mut socket: Socket,
    mut stop: watch::Receiver<bool>,
    open: Arc<AtomicUsize>,
) -> Option<String> {
    let reason = loop {
        tokio::select! {
            _ = stop.changed() => {
                let _ = socket.close(None).await;
                return None;
            }
            incoming = socket.next() => match incoming {
                Some(Ok(Message::Close(Some(f)))) => break format!("closed by server: {}", u16::from(f.code)),
                Some(Ok(Message::Close(None))) | None => break "connection ended".to_owned(),
                Some(Err(e)) => break format!("socket error: {e}"),
                // Presence frames of other users and pings: nothing to do.
                Some(Ok(_)) => {}
            },
        }
    };
    open.fetch_sub(1, Ordering::Relaxed);
    // Flush a possible close reply; the connection is over either way.
    let _ = socket.flush().await;
    Some(reason)
}

/// The soft limit on open files of this process, from `/proc/self/limits`.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_open_files(&limits)
}

fn parse_open_files(limits: &str) -> Option<u64> {
    limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_files_limit_is_read_from_proc_limits() {
        let text = "Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                20000                files
";
        assert_eq!(parse_open_files(text), Some(20000));
        assert_eq!(parse_open_files("Max cpu time unlimited"), None);
        assert!(open_files_limit().is_some());
    }
}
