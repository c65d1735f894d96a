//! `bench run`: one socket per member, an open-loop sender schedule, and per-socket accounting
//! of every message delivered.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures::{stream, SinkExt, StreamExt, TryStreamExt};
use serde::Serialize;
use tokio::{
    sync::mpsc,
    time::{sleep, timeout, MissedTickBehavior},
};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::{
    cli::RunArgs,
    error::{BenchError, Result},
    rss::{self, PeakSampler},
    setup::{self, RunNames},
    stats::{self, Latency, Received, SeqCheck, Tally},
    ws::{self, ClientFrame, Cursor, RoomEvent, ServerFrame, Socket},
};

/// Sends one user may make per 10 s before the server answers `rate_limited`
/// (`SEND_LIMIT` in app/src/services/messages.rs).
const SERVER_SENDS_PER_10S: f64 = 30.0;
/// How often server RSS is sampled for the peak.
const RSS_EVERY: Duration = Duration::from_millis(100);
/// Pause between the last subscription and the first send, so connection setup work
/// (presence, caches) does not count against the first messages.
const SETTLE: Duration = Duration::from_secs(2);
/// Longest drain, even while deliveries are still trickling in.
const MAX_DRAIN: Duration = Duration::from_secs(600);
/// Longest wait for every socket to confirm its subscription.
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(120);

/// The text of a probe message: its number and the time it was due to be sent.
pub fn probe_body(n: u64, due_us: u64) -> String {
    format!("bench {n} {due_us}")
}

/// Reads a [`probe_body`]; `None` for any other text.
pub fn parse_probe(body: &str) -> Option<(u64, u64)> {
    let mut parts = body.strip_prefix("bench ")?.split(' ');
    let n = parts.next()?.parse().ok()?;
    let due = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((n, due))
}

/// What the run was asked to do.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// Rooms.
    pub rooms: usize,
    /// Members (sockets) per room.
    pub members: usize,
    /// Sockets in all.
    pub clients: usize,
    /// Sockets that send.
    pub senders: usize,
    /// Target messages per second.
    pub target_rate: f64,
    /// Seconds of sending.
    pub duration_s: f64,
}

/// Server memory at the run's milestones, in KiB (absent when the process is unknown).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ServerRss {
    /// Before any of the run's sockets were opened.
    pub start_kib: Option<u64>,
    /// With every socket open and subscribed, before the first send.
    pub before_kib: Option<u64>,
    /// Highest sample while sending and draining.
    pub peak_kib: Option<u64>,
    /// After draining, sockets still open.
    pub after_kib: Option<u64>,
}

/// Everything a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The scenario.
    pub scenario: Scenario,
    /// Messages handed to sockets.
    pub sent: u64,
    /// Messages the server acknowledged (stored).
    pub acked: u64,
    /// Sends answered with an error, by error code.
    pub send_errors: BTreeMap<String, u64>,
    /// Sends neither acknowledged nor refused by the end of the drain.
    pub unanswered: u64,
    /// Messages sent per second of the sending phase.
    pub achieved_send_rate: f64,
    /// Delivery accounting.
    pub deliveries: Tally,
    /// Distinct deliveries per second, from the first due send to the last delivery.
    pub deliveries_per_s: f64,
    /// Due-time-to-arrival latency of every delivery, duplicates excluded.
    pub latency: Option<Latency>,
    /// Seqs skipped in some socket's stream.
    pub seq_gaps: u64,
    /// Seqs that arrived at or below one already seen.
    pub seq_regressions: u64,
    /// Sockets the server closed (or that failed) during the run, by reason.
    pub disconnects: BTreeMap<String, u64>,
    /// `error` frames not tied to a send, and unreadable frames.
    pub other_errors: u64,
    /// Messages of a room the socket did not subscribe to.
    pub misrouted: u64,
    /// Server memory.
    pub server_rss: ServerRss,
    /// The bench process's own memory at the end, KiB.
    pub bench_rss_kib: Option<u64>,
    /// Whether the drain ended because everything arrived (not because nothing more came).
    pub drained: bool,
}

impl RunReport {
    /// True when nothing was lost, duplicated, reordered or refused.
    pub fn clean(&self) -> bool {
        let d = &self.deliveries;
        d.lost == 0
            && d.duplicated == 0
            && d.unexpected == 0
            && self.send_errors.is_empty()
            && self.unanswered == 0
            && self.seq_gaps == 0
            && self.seq_regressions == 0
            && self.disconnects.is_empty()
            && self.misrouted == 0
    }
}

/// One socket of the run.
struct Member {
    room: usize,
    room_id: Uuid,
    /// Sockets following the room (this one included): deliveries each ack promises.
    room_sockets: u64,
}

/// Counters every socket updates, so the driver can tell when the run has settled.
#[derive(Default)]
struct Progress {
    subscribed: AtomicUsize,
    acked: AtomicU64,
    refused: AtomicU64,
    expected: AtomicU64,
    delivered: AtomicU64,
    last_delivery_us: AtomicU64,
}

/// Due time of a send, in microseconds since the run's epoch.
struct SendCommand {
    n: u64,
    due_us: u64,
}

/// What one socket saw and did.
#[derive(Default)]
struct MemberLog {
    received: Received,
    latencies_us: Vec<u64>,
    seq: SeqCheck,
    acked: Vec<u64>,
    refused: Vec<String>,
    other_errors: u64,
    misrouted: u64,
    disconnect: Option<String>,
}

/// Runs the scenario.
pub async fn run(args: &RunArgs) -> Result<RunReport> {
    let common = &args.common;
    let pid = server_pid(common.server_pid, common.server.port());
    let mut server_rss = ServerRss {
        start_kib: pid.and_then(|p| rss::vm_rss_kib(p).ok()),
        ..ServerRss::default()
    };
    let clients = args.rooms * args.members;
    let senders_per_room = args.senders_per_room;
    let per_user = args.rate / (args.rooms * senders_per_room) as f64;
    if per_user * 10.0 > SERVER_SENDS_PER_10S * 0.8 {
        eprintln!(
            "warning: each sender sends {per_user:.2} messages/s; the server allows {} per 10 s",
            SERVER_SENDS_PER_10S
        );
    }

    let names = RunNames::new();
    eprintln!(
        "setup {}: {clients} accounts, {} rooms",
        names.tag, args.rooms
    );
    let accounts = setup::accounts(common, &names, clients).await?;
    // Account `r * members + m` is member `m` of room `r`; member 0 owns the room.
    let owners: Vec<_> = accounts.iter().step_by(args.members).collect();
    let room_ids =
        setup::create_rooms(common.server, &names, &owners, common.setup_concurrency).await?;
    let joins: Vec<_> = accounts
        .iter()
        .enumerate()
        .filter(|(a, _)| a % args.members != 0)
        .map(|(a, account)| (account, room_ids[a / args.members]))
        .collect();
    setup::join_rooms(common.server, &joins, common.setup_concurrency).await?;

    eprintln!("connecting {clients} sockets");
    let sockets: Vec<Socket> = stream::iter(accounts.iter())
        .map(|account| ws::connect(common.server, &account.access_token))
        .buffered(common.connect_concurrency)
        .try_collect()
        .await?;

    let epoch = Instant::now();
    let progress = Arc::new(Progress::default());
    let mut commands = Vec::with_capacity(clients);
    let mut tasks = Vec::with_capacity(clients);
    for (a, socket) in sockets.into_iter().enumerate() {
        let room = a / args.members;
        let member = Member {
            room,
            room_id: room_ids[room],
            room_sockets: args.members as u64,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        commands.push(tx);
        tasks.push(tokio::spawn(member_task(
            socket,
            member,
            names.tag.clone(),
            rx,
            progress.clone(),
            epoch,
        )));
    }
    let all_subscribed = async {
        while progress.subscribed.load(Ordering::Relaxed) < clients {
            sleep(Duration::from_millis(50)).await;
        }
    };
    timeout(SUBSCRIBE_TIMEOUT, all_subscribed)
        .await
        .map_err(|_| {
            BenchError::Timeout(format!(
                "only {} of {clients} sockets subscribed",
                progress.subscribed.load(Ordering::Relaxed)
            ))
        })?;
    sleep(SETTLE).await;
    server_rss.before_kib = pid.and_then(|p| rss::vm_rss_kib(p).ok());

    // Consecutive sends go to different rooms, and each room's senders take turns.
    let senders: Vec<usize> = (0..senders_per_room)
        .flat_map(|m| (0..args.rooms).map(move |r| r * args.members + m))
        .collect();
    let total = (args.rate * args.duration.as_secs_f64()).round() as u64;
    eprintln!(
        "sending {total} messages at {} per second for {:?}",
        args.rate, args.duration
    );
    let sampler = pid.map(|p| PeakSampler::start(p, RSS_EVERY));
    let sending = send_schedule(args.rate, total, &senders, &commands, epoch).await;
    let sent = total;

    let drained = drain(&progress, sent, args.drain).await;
    if let Some(sampler) = sampler {
        server_rss.peak_kib = Some(sampler.finish().await);
    }
    server_rss.after_kib = pid.and_then(|p| rss::vm_rss_kib(p).ok());

    // Closing the command channels ends the socket tasks.
    drop(commands);
    let logs = join_all_tasks(tasks, "a socket task").await?;

    let scenario = Scenario {
        rooms: args.rooms,
        members: args.members,
        clients,
        senders: senders.len(),
        target_rate: args.rate,
        duration_s: args.duration.as_secs_f64(),
    };
    Ok(summarise(
        scenario, logs, sent, sending, &progress, drained, server_rss,
    ))
}

/// Waits for every task, in order; a task that panicked fails the run, named as `what`.
pub async fn join_all_tasks<T>(
    tasks: Vec<tokio::task::JoinHandle<T>>,
    what: &str,
) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        match task.await {
            Ok(value) => out.push(value),
            Err(e) => return Err(BenchError::Process(format!("{what} failed: {e}"))),
        }
    }
    Ok(out)
}

/// The server process: given, or found by its listening port; `None` (with a warning) when
/// neither works, and the report then has no server memory.
pub fn server_pid(given: Option<u32>, port: u16) -> Option<u32> {
    if given.is_some() {
        return given;
    }
    match rss::pid_listening_on(port) {
        Ok(pid) => Some(pid),
        Err(e) => {
            eprintln!("warning: no server memory in the report: {e}");
            None
        }
    }
}

/// When the sending phase started and how long it took.
struct Sending {
    first_due_us: u64,
    took: Duration,
}

/// Hands out `total` sends at `rate` per second regardless of how fast they are answered
/// (open loop: a slow server does not slow the schedule, so its latency shows). Each send is
/// stamped with the time it was due, not when it went out, so a stall in the bench itself
/// shows as latency instead of hiding it.
async fn send_schedule(
    rate: f64,
    total: u64,
    senders: &[usize],
    commands: &[mpsc::UnboundedSender<SendCommand>],
    epoch: Instant,
) -> Sending {
    let period = Duration::from_secs_f64(1.0 / rate);
    let mut tick = tokio::time::interval(period);
    // Burst: after a stall, catch up on the missed sends, keeping the average rate.
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let start = Instant::now();
    let first_due_us = start.saturating_duration_since(epoch).as_micros() as u64;
    for n in 0..total {
        let due = tick.tick().await;
        let due_us = due.into_std().saturating_duration_since(epoch).as_micros() as u64;
        let sender = senders[(n as usize) % senders.len()];
        // A task only ends when its socket died; that shows up as a disconnect.
        let _ = commands[sender].send(SendCommand { n, due_us });
    }
    Sending {
        first_due_us,
        // Each of the `total` sends owns one period; the last one's ends a period after it.
        took: start.elapsed() + period,
    }
}

/// Waits until every send is answered and every promised delivery arrived. A server that
/// falls behind still makes progress, so the wait only gives up after `quiet` without any
/// new answer or delivery (or after [`MAX_DRAIN`]): what is missing then is lost, not late.
async fn drain(progress: &Progress, sent: u64, quiet: Duration) -> bool {
    let started = Instant::now();
    let mut last_seen = (0, 0);
    let mut last_change = started;
    loop {
        let answered =
            progress.acked.load(Ordering::Relaxed) + progress.refused.load(Ordering::Relaxed);
        let delivered = progress.delivered.load(Ordering::Relaxed);
        if answered >= sent && delivered >= progress.expected.load(Ordering::Relaxed) {
            return true;
        }
        let now = Instant::now();
        if (answered, delivered) != last_seen {
            last_seen = (answered, delivered);
            last_change = now;
        }
        if now - last_change >= quiet || now - started >= MAX_DRAIN {
            return false;
        }
        sleep(Duration::from_millis(20)).await;
    }
}

/// One member's socket: subscribes to its room, sends what it is told, and records every
/// frame. Ends when its command channel closes (end of run) or the socket does.
async fn member_task(
    mut socket: Socket,
    member: Member,
    tag: String,
    mut commands: mpsc::UnboundedReceiver<SendCommand>,
    progress: Arc<Progress>,
    epoch: Instant,
) -> MemberLog {
    let mut log = MemberLog {
        received: Received {
            room: member.room,
            counts: HashMap::new(),
        },
        ..MemberLog::default()
    };
    let subscribe = ClientFrame::Subscribe {
        rooms: vec![Cursor {
            room_id: member.room_id,
            last_seq: 0,
        }],
    };
    if let Err(e) = send_frame(&mut socket, &subscribe).await {
        log.disconnect = Some(format!("subscribe failed: {e}"));
        return log;
    }
    loop {
        tokio::select! {
            incoming = socket.next() => {
                let at_us = epoch.elapsed().as_micros() as u64;
                match incoming {
                    Some(Ok(Message::Text(text))) => {
                        on_frame(text.as_str(), at_us, &member, &tag, &progress, &mut log);
                    }
                    Some(Ok(Message::Close(frame))) => {
                        log.disconnect = Some(match frame {
                            Some(f) => format!("closed by server: {} {}", u16::from(f.code), f.reason),
                            None => "closed by server".to_owned(),
                        });
                        break;
                    }
                    // Pings are answered by tungstenite on the next read.
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        log.disconnect = Some(format!("socket error: {e}"));
                        break;
                    }
                    None => {
                        log.disconnect = Some("connection ended".to_owned());
                        break;
                    }
                }
            }
            command = commands.recv() => match command {
                Some(SendCommand { n, due_us }) => {
                    let body = probe_body(n, due_us);
                    let client_id = format!("{tag}-{n}");
                    let frame = ClientFrame::Send { room_id: member.room_id, body: &body, client_id: &client_id };
                    if let Err(e) = send_frame(&mut socket, &frame).await {
                        log.disconnect = Some(format!("send failed: {e}"));
                        break;
                    }
                }
                None => {
                    let _ = socket.close(None).await;
                    break;
                }
            },
        }
    }
    log
}

async fn send_frame(socket: &mut Socket, frame: &ClientFrame<'_>) -> Result<()> {
    let text = serde_json::to_string(frame)?;
    socket.send(Message::Text(text.into())).await?;
    Ok(())
}

/// Records one text frame.
fn on_frame(
    text: &str,
    at_us: u64,
    member: &Member,
    tag: &str,
    progress: &Progress,
    log: &mut MemberLog,
) {
    let Ok(frame) = serde_json::from_str::<ServerFrame>(text) else {
        log.other_errors += 1;
        return;
    };
    match frame {
        ServerFrame::Event {
            event: RoomEvent::MessageCreated { message },
        } => {
            if message.room_id != member.room_id {
                log.misrouted += 1;
                return;
            }
            log.seq.see(message.seq);
            let Some((n, due_us)) = parse_probe(&message.body) else {
                return;
            };
            let count = log.received.counts.entry(n).or_default();
            *count += 1;
            if *count == 1 {
                log.latencies_us.push(at_us.saturating_sub(due_us));
                progress.delivered.fetch_add(1, Ordering::Relaxed);
                progress
                    .last_delivery_us
                    .fetch_max(at_us, Ordering::Relaxed);
            }
        }
        ServerFrame::Subscribed { room_id, last_seq } if room_id == member.room_id => {
            log.seq = SeqCheck::after(last_seq);
            progress.subscribed.fetch_add(1, Ordering::Relaxed);
        }
        ServerFrame::Ack { client_id, .. } => {
            if let Some(n) = probe_number(&client_id, tag) {
                log.acked.push(n);
                progress.acked.fetch_add(1, Ordering::Relaxed);
                progress
                    .expected
                    .fetch_add(member.room_sockets, Ordering::Relaxed);
            }
        }
        ServerFrame::Error {
            code,
            message,
            client_id: Some(_),
        } => {
            eprintln!("send refused: {code}: {message}");
            log.refused.push(code);
            progress.refused.fetch_add(1, Ordering::Relaxed);
        }
        ServerFrame::Error { code, message, .. } => {
            eprintln!("error frame: {code}: {message}");
            log.other_errors += 1;
        }
        ServerFrame::Subscribed { .. } | ServerFrame::Event { .. } | ServerFrame::Other => {}
    }
}

fn probe_number(client_id: &str, tag: &str) -> Option<u64> {
    client_id.strip_prefix(tag)?.strip_prefix('-')?.parse().ok()
}

fn summarise(
    scenario: Scenario,
    logs: Vec<MemberLog>,
    sent: u64,
    sending: Sending,
    progress: &Progress,
    drained: bool,
    server_rss: ServerRss,
) -> RunReport {
    let mut acked = HashMap::new();
    let mut send_errors = BTreeMap::new();
    let mut disconnects = BTreeMap::new();
    let mut latencies = Vec::new();
    let mut receivers = Vec::with_capacity(logs.len());
    let (mut seq_gaps, mut seq_regressions, mut other_errors, mut misrouted) = (0, 0, 0, 0);
    for log in logs {
        for n in log.acked {
            acked.insert(n, log.received.room);
        }
        for code in log.refused {
            *send_errors.entry(code).or_insert(0) += 1;
        }
        if let Some(reason) = log.disconnect {
            *disconnects.entry(reason).or_insert(0) += 1;
        }
        latencies.extend(log.latencies_us);
        seq_gaps += log.seq.gaps;
        seq_regressions += log.seq.regressions;
        other_errors += log.other_errors;
        misrouted += log.misrouted;
        receivers.push(log.received);
    }
    let deliveries = stats::tally(&acked, &receivers);
    let refused: u64 = send_errors.values().sum();
    let acked_count = acked.len() as u64;
    let span_us = progress
        .last_delivery_us
        .load(Ordering::Relaxed)
        .saturating_sub(sending.first_due_us);
    let deliveries_per_s = if span_us == 0 {
        0.0
    } else {
        deliveries.delivered as f64 / (span_us as f64 / 1e6)
    };
    RunReport {
        scenario,
        sent,
        acked: acked_count,
        unanswered: sent.saturating_sub(acked_count + refused),
        send_errors,
        achieved_send_rate: sent as f64 / sending.took.as_secs_f64().max(1e-9),
        deliveries,
        deliveries_per_s,
        latency: Latency::of(latencies),
        seq_gaps,
        seq_regressions,
        disconnects,
        other_errors,
        misrouted,
        server_rss,
        bench_rss_kib: rss::vm_rss_kib(std::process::id()).ok(),
        drained,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_round_trip_and_other_text_is_ignored() {
        assert_eq!(
            parse_probe(&probe_body(42, 1_234_567)),
            Some((42, 1_234_567))
        );
        assert_eq!(parse_probe("hello"), None);
        assert_eq!(parse_probe("bench 1"), None);
        assert_eq!(parse_probe("bench 1 2 3"), None);
        assert_eq!(parse_probe("bench x 2"), None);
    }

    #[test]
    fn client_ids_carry_the_probe_number_of_this_run_only() {
        assert_eq!(probe_number("b1234abcd-17", "b1234abcd"), Some(17));
        assert_eq!(probe_number("bffff0000-17", "b1234abcd"), None);
        assert_eq!(probe_number("b1234abcd17", "b1234abcd"), None);
    }
}
