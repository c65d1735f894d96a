//! `bench run --reconnect`: clients that survive losing their server instance, as the browser
//! does. Each client reconnects after any close or reset with jittered exponential backoff
//! (through the same address, normally a load balancer), renews its token when it is old or
//! refused, resubscribes from the last seq it holds, fills seq gaps from history, and resends
//! every unacknowledged send with the same `client_id` until it is acknowledged. The report
//! says whether anything acknowledged was lost or shown twice; see [`crate::ledger`] for the
//! definitions.

use std::{
    collections::{BTreeMap, HashMap},
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures::{SinkExt, StreamExt};
use serde::Serialize;
use tokio::{
    sync::mpsc,
    time::{sleep, timeout, MissedTickBehavior},
};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::{
    api::{Account, Api},
    cli::RunArgs,
    error::{BenchError, Result},
    ledger::{AckResult, Arrival, Backoff, Outbox, Timeline},
    load::{self, parse_probe, probe_body, ServerRss},
    rss::{self, PeakSampler},
    setup::{self, RunNames},
    stats::{self, Latency, Received, SeqCheck, Tally},
    ws::{self, ClientFrame, Cursor, RoomEvent, ServerFrame, Socket, WireMessage},
};

/// First reconnect delay (the upper bound of its jitter range).
const BACKOFF_START: Duration = Duration::from_millis(200);
/// Longest reconnect delay.
const BACKOFF_CAP: Duration = Duration::from_secs(2);
/// Longest wait for a TCP connect plus WebSocket handshake.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for one REST call (history page, token renewal).
const REST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long after a failed token renewal the next one is tried (a refused handshake asks
/// for one at once).
const RENEW_RETRY: Duration = Duration::from_secs(10);
/// How long a refused send waits before it is tried again.
const RETRY_AFTER_REFUSAL: Duration = Duration::from_secs(1);
/// How often unacknowledged sends and unfilled gaps are looked at.
const TICK: Duration = Duration::from_millis(250);
/// How long a gap known only from an `ack` or a `subscribed` may stay before it is filled
/// from history (the event normally follows its ack within milliseconds, but under load the
/// tail reaches a second).
const GAP_GRACE: Duration = Duration::from_secs(2);
/// History page size (the API's maximum).
const HISTORY_PAGE: u32 = 100;
/// Tries of one history fill before it gives up (the next tick starts another if needed).
const FILL_TRIES: u32 = 5;
/// Pause between the last first subscription and the first send.
const SETTLE: Duration = Duration::from_secs(2);
/// Longest wait for every client's first subscription.
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest drain, even while deliveries are still trickling in.
const MAX_DRAIN: Duration = Duration::from_secs(600);
/// How often server RSS is sampled for the peak (only with `--server-pid`).
const RSS_EVERY: Duration = Duration::from_millis(100);

/// The scenario of a reconnecting run.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// Rooms.
    pub rooms: usize,
    /// Members (clients) per room.
    pub members: usize,
    /// Clients in all.
    pub clients: usize,
    /// Clients that send.
    pub senders: usize,
    /// Target messages per second.
    pub target_rate: f64,
    /// Seconds of sending.
    pub duration_s: f64,
    /// Seconds a send may go unacknowledged before it is sent again.
    pub ack_timeout_s: f64,
}

/// What a reconnecting run measured.
#[derive(Debug, Clone, Serialize)]
pub struct ReconnectReport {
    /// The scenario.
    pub scenario: Scenario,
    /// Sends handed to clients (each with its own `client_id`).
    pub sends_attempted: u64,
    /// Sends acknowledged (each counted once, however many times it was sent).
    pub sends_acked: u64,
    /// Sends that went out more than once (timeout, dropped connection or refusal).
    pub sends_retried: u64,
    /// Send frames beyond the first of each send.
    pub send_retries: u64,
    /// Acks of a send already acknowledged, naming the same message (a retry's answer).
    pub repeated_acks: u64,
    /// Sends never acknowledged by the end of the run.
    pub unacknowledged: u64,
    /// `error` answers to sends, by code (each was retried).
    pub send_errors: BTreeMap<String, u64>,
    /// Messages sent per second of the sending phase.
    pub achieved_send_rate: f64,
    /// Expected, delivered, lost and unexpected (message, client) pairs; `duplicated` there
    /// is always 0 (see `duplicated` below).
    pub deliveries: Tally,
    /// Acknowledged messages a member of their room did not hold at the end of the drain.
    pub lost: u64,
    /// Messages a client would show twice or wrongly: two message ids for one `client_id`,
    /// one seq with two different messages, or two different acks for one send.
    pub duplicated: u64,
    /// Messages that arrived again as the same message and were shown once.
    pub redelivered_deduped: u64,
    /// Seqs missing from a client's final timeline below the newest it holds.
    pub seq_gaps: u64,
    /// Clients with a seq gap.
    pub clients_with_gaps: u64,
    /// Messages whose seq was not above the previous one on the same connection.
    pub seq_regressions: u64,
    /// Clients with a regression.
    pub clients_with_regressions: u64,
    /// Seqs skipped on a connection (then filled from history).
    pub wire_gaps: u64,
    /// History fills started to close a gap.
    pub catch_ups: u64,
    /// Connections opened after a client's first.
    pub reconnects: u64,
    /// Connections that ended during the run, by reason.
    pub disconnects: BTreeMap<String, u64>,
    /// Connection attempts that failed, by reason.
    pub connect_failures: BTreeMap<String, u64>,
    /// Access tokens renewed (refresh, or sign-in again).
    pub token_renewals: u64,
    /// Token renewals that failed, by reason (tried again later).
    pub token_failures: BTreeMap<String, u64>,
    /// `error` frames not tied to a send, and unreadable frames.
    pub other_errors: u64,
    /// Messages of another room.
    pub misrouted: u64,
    /// Due-time-to-first-arrival latency of every delivery.
    pub latency: Option<Latency>,
    /// Distinct deliveries per second, from the first due send to the last delivery.
    pub deliveries_per_s: f64,
    /// Server memory (only with `--server-pid`: behind a load balancer the port is not the
    /// server's).
    pub server_rss: ServerRss,
    /// The bench process's own memory at the end, KiB.
    pub bench_rss_kib: Option<u64>,
    /// Whether the drain ended because everything was acknowledged and delivered.
    pub drained: bool,
}

impl ReconnectReport {
    /// Nothing lost, duplicated, missing or reordered, and every send acknowledged.
    pub fn clean(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.seq_gaps == 0
            && self.seq_regressions == 0
            && self.unacknowledged == 0
            && self.deliveries.unexpected == 0
            && self.misrouted == 0
    }

    /// What made the run unclean, for a one-line verdict.
    pub fn failures(&self) -> Vec<String> {
        let counts = [
            ("lost", self.lost),
            ("duplicated", self.duplicated),
            ("seq gaps", self.seq_gaps),
            ("seq regressions", self.seq_regressions),
            ("unacknowledged sends", self.unacknowledged),
            ("unexpected", self.deliveries.unexpected),
            ("misrouted", self.misrouted),
        ];
        counts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!("{what} {n}"))
            .collect()
    }
}

/// Counters every client updates, so the driver can tell when the run has settled.
#[derive(Default)]
struct Progress {
    subscribed: AtomicUsize,
    acked: AtomicU64,
    expected: AtomicU64,
    delivered: AtomicU64,
    last_delivery_us: AtomicU64,
    reconnects: AtomicU64,
}

/// What every client shares.
struct Shared {
    server: SocketAddr,
    tag: String,
    /// The accounts' password, when this run registered them (to sign in again).
    password: Option<String>,
    ack_timeout: Duration,
    /// Renew a client's access token once it is this old (they live 15 minutes).
    token_renew_after: Duration,
    epoch: Instant,
    progress: Progress,
}

/// One client's place in the run.
struct Member {
    index: usize,
    room: usize,
    room_id: Uuid,
    /// Clients following the room (this one included): deliveries each ack promises.
    room_clients: u64,
}

/// A send the schedule hands a client.
struct SendCommand {
    n: u64,
    due_us: u64,
}

/// What a history fill reports back.
enum Fill {
    Page(Vec<WireMessage>),
    Done,
}

/// What one client saw and did.
struct ClientLog {
    room: usize,
    timeline: Timeline,
    outbox: Outbox,
    latencies_us: Vec<u64>,
    seq_regressions: u64,
    wire_gaps: u64,
    catch_ups: u64,
    reconnects: u64,
    token_renewals: u64,
    token_failures: BTreeMap<String, u64>,
    disconnects: BTreeMap<String, u64>,
    connect_failures: BTreeMap<String, u64>,
    send_errors: BTreeMap<String, u64>,
    other_errors: u64,
    misrouted: u64,
}

/// Runs the scenario with reconnecting clients.
pub async fn run(args: &RunArgs) -> Result<ReconnectReport> {
    let common = &args.common;
    // Behind a load balancer the listening process is the balancer: only an explicit pid.
    let pid = common.server_pid;
    let mut server_rss = ServerRss {
        start_kib: pid.and_then(|p| rss::vm_rss_kib(p).ok()),
        ..ServerRss::default()
    };
    let clients = args.rooms * args.members;
    let names = RunNames::new();
    eprintln!(
        "setup {}: {clients} accounts, {} rooms (reconnecting clients)",
        names.tag, args.rooms
    );
    let accounts = setup::accounts(common, &names, clients).await?;
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

    let shared = Arc::new(Shared {
        server: common.server,
        tag: names.tag.clone(),
        password: common
            .accounts
            .is_none()
            .then(|| names.password().to_owned()),
        ack_timeout: args.ack_timeout,
        token_renew_after: args.token_renew_after,
        epoch: Instant::now(),
        progress: Progress::default(),
    });
    eprintln!("connecting {clients} clients");
    let mut commands = Vec::with_capacity(clients);
    let mut tasks = Vec::with_capacity(clients);
    for (index, account) in accounts.into_iter().enumerate() {
        let room = index / args.members;
        let member = Member {
            index,
            room,
            room_id: room_ids[room],
            room_clients: args.members as u64,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        commands.push(tx);
        tasks.push(tokio::spawn(client_task(
            account,
            member,
            shared.clone(),
            rx,
        )));
        // Spread the first handshakes a little, as the other mode's connect concurrency does.
        if index % common.connect_concurrency == common.connect_concurrency - 1 {
            sleep(Duration::from_millis(20)).await;
        }
    }
    let progress = &shared.progress;
    let all_subscribed = async {
        while progress.subscribed.load(Ordering::Relaxed) < clients {
            sleep(Duration::from_millis(50)).await;
        }
    };
    timeout(SUBSCRIBE_TIMEOUT, all_subscribed)
        .await
        .map_err(|_| {
            BenchError::Timeout(format!(
                "only {} of {clients} clients subscribed",
                progress.subscribed.load(Ordering::Relaxed)
            ))
        })?;
    sleep(SETTLE).await;
    server_rss.before_kib = pid.and_then(|p| rss::vm_rss_kib(p).ok());

    let senders: Vec<usize> = (0..args.senders_per_room)
        .flat_map(|m| (0..args.rooms).map(move |r| r * args.members + m))
        .collect();
    let total = (args.rate * args.duration.as_secs_f64()).round() as u64;
    eprintln!(
        "sending {total} messages at {} per second for {:?}",
        args.rate, args.duration
    );
    let sampler = pid.map(|p| PeakSampler::start(p, RSS_EVERY));
    let period = Duration::from_secs_f64(1.0 / args.rate);
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let start = Instant::now();
    let first_due_us = start.saturating_duration_since(shared.epoch).as_micros() as u64;
    let mut last_report = start;
    for n in 0..total {
        let due = tick.tick().await;
        let due_us = due
            .into_std()
            .saturating_duration_since(shared.epoch)
            .as_micros() as u64;
        let sender = senders[(n as usize) % senders.len()];
        // A client task only ends with the run.
        let _ = commands[sender].send(SendCommand { n, due_us });
        if last_report.elapsed() >= Duration::from_secs(5) {
            last_report = Instant::now();
            eprintln!(
                "  {:.0} s: {} sent, {} acked, {} reconnects",
                start.elapsed().as_secs_f64(),
                n + 1,
                progress.acked.load(Ordering::Relaxed),
                progress.reconnects.load(Ordering::Relaxed)
            );
        }
    }
    let took = start.elapsed() + period;

    let drained = drain(progress, total, args.drain).await;
    if let Some(sampler) = sampler {
        server_rss.peak_kib = Some(sampler.finish().await);
    }
    server_rss.after_kib = pid.and_then(|p| rss::vm_rss_kib(p).ok());
    drop(commands);
    let logs = load::join_all_tasks(tasks, "a client task").await?;
    let scenario = Scenario {
        rooms: args.rooms,
        members: args.members,
        clients,
        senders: senders.len(),
        target_rate: args.rate,
        duration_s: args.duration.as_secs_f64(),
        ack_timeout_s: args.ack_timeout.as_secs_f64(),
    };
    let last_delivery_us = progress.last_delivery_us.load(Ordering::Relaxed);
    let mut report = summarise(scenario, logs, &shared.tag, total, drained, server_rss);
    report.achieved_send_rate = total as f64 / took.as_secs_f64().max(1e-9);
    let span_us = last_delivery_us.saturating_sub(first_due_us);
    report.deliveries_per_s = if span_us == 0 {
        0.0
    } else {
        report.deliveries.delivered as f64 / (span_us as f64 / 1e6)
    };
    Ok(report)
}

/// Waits until every send is acknowledged and every promised delivery held, giving up after
/// `quiet` without progress (or [`MAX_DRAIN`]).
async fn drain(progress: &Progress, sent: u64, quiet: Duration) -> bool {
    let started = Instant::now();
    let mut last_seen = (0, 0);
    let mut last_change = started;
    let mut last_report = started;
    loop {
        let acked = progress.acked.load(Ordering::Relaxed);
        let delivered = progress.delivered.load(Ordering::Relaxed);
        let expected = progress.expected.load(Ordering::Relaxed);
        if acked >= sent && delivered >= expected {
            return true;
        }
        let now = Instant::now();
        if now - last_report >= Duration::from_secs(5) {
            last_report = now;
            eprintln!(
                "  draining {:.0} s: {acked}/{sent} acked, {delivered}/{expected} delivered",
                (now - started).as_secs_f64()
            );
        }
        if (acked, delivered) != last_seen {
            last_seen = (acked, delivered);
            last_change = now;
        }
        if now - last_change >= quiet || now - started >= MAX_DRAIN {
            return false;
        }
        sleep(Duration::from_millis(20)).await;
    }
}

/// A client's state across its connections.
struct Client {
    member: Member,
    shared: Arc<Shared>,
    account: Account,
    token_at: Instant,
    /// After a failed renewal, when to try the next one.
    renew_not_before: Option<Instant>,
    log: ClientLog,
    fills: mpsc::UnboundedSender<Fill>,
    filling: bool,
    gap_since: Option<Instant>,
    subscribed_once: bool,
}

impl Client {
    fn progress(&self) -> &Progress {
        &self.shared.progress
    }

    /// Takes a new send into the outbox.
    fn queue(&mut self, SendCommand { n, due_us }: SendCommand) {
        let client_id = format!("{}-{n}", self.shared.tag);
        self.log.outbox.add(client_id, probe_body(n, due_us));
    }

    /// Merges a message (live, replayed or from history) into the timeline.
    fn merge(&mut self, message: &WireMessage, at_us: u64) {
        if message.room_id != self.member.room_id {
            self.log.misrouted += 1;
            return;
        }
        if self.log.timeline.insert(message) != Arrival::New {
            return;
        }
        let ours = message
            .client_id
            .as_deref()
            .and_then(|c| c.strip_prefix(self.shared.tag.as_str()))
            .is_some_and(|rest| rest.starts_with('-'));
        if let (true, Some((_, due_us))) = (ours, parse_probe(&message.body)) {
            self.log.latencies_us.push(at_us.saturating_sub(due_us));
            let progress = self.progress();
            progress.delivered.fetch_add(1, Ordering::Relaxed);
            progress
                .last_delivery_us
                .fetch_max(at_us, Ordering::Relaxed);
        }
    }

    /// Starts a history fill when the timeline has a gap (at once when a held message is
    /// beyond a hole; after [`GAP_GRACE`] when only an ack named the missing seq).
    fn maybe_fill(&mut self, now: Instant, hole_seen: bool) {
        let Some(after) = self.log.timeline.gap() else {
            self.gap_since = None;
            return;
        };
        let since = *self.gap_since.get_or_insert(now);
        if self.filling || !(hole_seen || now.duration_since(since) >= GAP_GRACE) {
            return;
        }
        self.filling = true;
        self.log.catch_ups += 1;
        tokio::spawn(fill(
            self.shared.server,
            self.account.access_token.clone(),
            self.member.room_id,
            after,
            self.fills.clone(),
        ));
    }

    /// Whether the access token is old enough to renew.
    fn token_old(&self) -> bool {
        self.token_at.elapsed() >= self.shared.token_renew_after
            && self.renew_not_before.is_none_or(|t| Instant::now() >= t)
    }

    /// Renews the access token (see [`try_renew_token`](Self::try_renew_token)); false, with
    /// the failure counted, when that did not work.
    async fn renew_token(&mut self) -> bool {
        match self.try_renew_token().await {
            Ok(()) => {
                self.renew_not_before = None;
                true
            }
            Err(e) => {
                bump(&mut self.log.token_failures, reason(&e));
                self.renew_not_before = Some(Instant::now() + RENEW_RETRY);
                false
            }
        }
    }

    /// Renews the access token: refresh, or sign in again when the refresh token is refused
    /// and the password is known.
    async fn try_renew_token(&mut self) -> Result<()> {
        let mut api = Api::new(self.shared.server, None);
        let refreshed = timeout(REST_TIMEOUT, api.refresh(&self.account))
            .await
            .unwrap_or_else(|_| Err(BenchError::Timeout("token refresh".to_owned())));
        let account = match (refreshed, &self.shared.password) {
            (Ok(account), _) => account,
            (Err(BenchError::Status { status: 401, .. }), Some(password)) => {
                timeout(REST_TIMEOUT, api.login(&self.account.username, password))
                    .await
                    .unwrap_or_else(|_| Err(BenchError::Timeout("sign-in".to_owned())))?
            }
            (Err(e), _) => return Err(e),
        };
        self.account = account;
        self.token_at = Instant::now();
        self.log.token_renewals += 1;
        Ok(())
    }
}

fn bump(map: &mut BTreeMap<String, u64>, key: impl Into<String>) {
    *map.entry(key.into()).or_insert(0) += 1;
}

/// Short reason for a failed attempt: the error's text up to the first detail that varies.
fn reason(e: &BenchError) -> String {
    let text = e.to_string();
    text.split(" (os error")
        .next()
        .unwrap_or(&text)
        .chars()
        .take(120)
        .collect()
}

/// One reconnecting client. Ends when its command channel closes (the end of the run).
async fn client_task(
    account: Account,
    member: Member,
    shared: Arc<Shared>,
    mut commands: mpsc::UnboundedReceiver<SendCommand>,
) -> ClientLog {
    let (fill_tx, mut fill_rx) = mpsc::unbounded_channel();
    let seed = u64::try_from(member.index).unwrap_or(0) ^ (Uuid::new_v4().as_u128() as u64);
    let mut backoff = Backoff::new(BACKOFF_START, BACKOFF_CAP, seed);
    let mut client = Client {
        log: ClientLog {
            room: member.room,
            timeline: Timeline::default(),
            outbox: Outbox::default(),
            latencies_us: Vec::new(),
            seq_regressions: 0,
            wire_gaps: 0,
            catch_ups: 0,
            reconnects: 0,
            token_renewals: 0,
            token_failures: BTreeMap::new(),
            disconnects: BTreeMap::new(),
            connect_failures: BTreeMap::new(),
            send_errors: BTreeMap::new(),
            other_errors: 0,
            misrouted: 0,
        },
        member,
        shared,
        account,
        token_at: Instant::now(),
        renew_not_before: None,
        fills: fill_tx,
        filling: false,
        gap_since: None,
        subscribed_once: false,
    };
    let mut connected_before = false;
    let mut renew = false;
    let mut ended = false;
    while !ended {
        if renew || client.token_old() {
            renew = !client.renew_token().await;
        }
        let attempt = timeout(
            CONNECT_TIMEOUT,
            ws::connect(client.shared.server, &client.account.access_token),
        )
        .await
        .unwrap_or_else(|_| Err(BenchError::Timeout("websocket handshake".to_owned())));
        match attempt {
            Ok(socket) => {
                if connected_before {
                    client.log.reconnects += 1;
                    client.progress().reconnects.fetch_add(1, Ordering::Relaxed);
                }
                connected_before = true;
                let outcome = session(
                    &mut client,
                    socket,
                    &mut commands,
                    &mut fill_rx,
                    &mut backoff,
                )
                .await;
                client.log.outbox.connection_lost();
                match outcome {
                    SessionEnd::RunOver => ended = true,
                    SessionEnd::Lost(why) => bump(&mut client.log.disconnects, why),
                }
            }
            Err(e) => {
                renew |= ws::is_unauthorized(&e);
                bump(&mut client.log.connect_failures, reason(&e));
            }
        }
        if ended {
            break;
        }
        // Wait before the next attempt, still taking sends and history pages.
        let wait = sleep(backoff.next_delay());
        tokio::pin!(wait);
        loop {
            tokio::select! {
                () = &mut wait => break,
                command = commands.recv() => match command {
                    Some(c) => client.queue(c),
                    None => { ended = true; break; }
                },
                Some(fill) = fill_rx.recv() => on_fill(&mut client, fill),
            }
        }
    }
    client.log
}

/// How a connection ended.
enum SessionEnd {
    /// The run is over (the client closed the socket).
    RunOver,
    /// The connection was lost, for this reason.
    Lost(String),
}

fn on_fill(client: &mut Client, fill: Fill) {
    match fill {
        Fill::Page(page) => {
            let at_us = client.shared.epoch.elapsed().as_micros() as u64;
            for message in &page {
                client.merge(message, at_us);
            }
        }
        Fill::Done => client.filling = false,
    }
}

/// One connection: subscribe from the timeline's cursor, resend what is unacknowledged once
/// subscribed, then relay sends and record frames until the connection or the run ends.
async fn session(
    client: &mut Client,
    mut socket: Socket,
    commands: &mut mpsc::UnboundedReceiver<SendCommand>,
    fills: &mut mpsc::UnboundedReceiver<Fill>,
    backoff: &mut Backoff,
) -> SessionEnd {
    let cursor = client.log.timeline.contiguous();
    let subscribe = ClientFrame::Subscribe {
        rooms: vec![Cursor {
            room_id: client.member.room_id,
            last_seq: cursor,
        }],
    };
    if let Err(e) = send_frame(&mut socket, &subscribe).await {
        return SessionEnd::Lost(format!("subscribe failed: {}", reason(&e)));
    }
    let mut order = SeqCheck::after(cursor);
    // The subscription replays everything after the cursor: a gap seen before is its job now.
    client.gap_since = None;
    let mut live = false;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let mut flush = false;
        tokio::select! {
            incoming = socket.next() => {
                let at_us = client.shared.epoch.elapsed().as_micros() as u64;
                match incoming {
                    Some(Ok(Message::Text(text))) => {
                        match serde_json::from_str::<ServerFrame>(text.as_str()) {
                            Ok(ServerFrame::Event { event: RoomEvent::MessageCreated { message } }) => {
                                if message.room_id == client.member.room_id {
                                    let before = (order.gaps, order.regressions);
                                    order.see(message.seq);
                                    client.log.wire_gaps += order.gaps - before.0;
                                    client.log.seq_regressions += order.regressions - before.1;
                                }
                                client.merge(&message, at_us);
                                // A message held beyond a hole: fetch what is missing at once.
                                let hole = message.room_id == client.member.room_id
                                    && message.seq > client.log.timeline.contiguous();
                                client.maybe_fill(Instant::now(), hole);
                            }
                            Ok(ServerFrame::Subscribed { room_id, last_seq }) if room_id == client.member.room_id => {
                                client.log.timeline.exists(last_seq);
                                client.gap_since = None;
                                live = true;
                                backoff.reset();
                                if !client.subscribed_once {
                                    client.subscribed_once = true;
                                    client.progress().subscribed.fetch_add(1, Ordering::Relaxed);
                                }
                                flush = true;
                            }
                            Ok(ServerFrame::Ack { client_id, message }) => {
                                let id = message.as_ref().and_then(|m| m.id);
                                if let Some(m) = &message {
                                    client.log.timeline.exists(m.seq);
                                }
                                if client.log.outbox.ack(&client_id, id) == AckResult::First {
                                    let progress = client.progress();
                                    progress.acked.fetch_add(1, Ordering::Relaxed);
                                    progress.expected.fetch_add(client.member.room_clients, Ordering::Relaxed);
                                }
                            }
                            Ok(ServerFrame::Error { code, client_id: Some(client_id), .. }) => {
                                bump(&mut client.log.send_errors, code);
                                client.log.outbox.refused(&client_id, Instant::now(), RETRY_AFTER_REFUSAL);
                            }
                            Ok(ServerFrame::Error { code, message, .. }) => {
                                eprintln!("error frame: {code}: {message}");
                                client.log.other_errors += 1;
                            }
                            Ok(_) => {}
                            Err(_) => client.log.other_errors += 1,
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        break SessionEnd::Lost(match frame {
                            Some(f) => format!("closed by server: {} {}", u16::from(f.code), f.reason),
                            None => "closed by server".to_owned(),
                        });
                    }
                    // Pings are answered by tungstenite on the next read.
                    Some(Ok(_)) => {}
                    Some(Err(e)) => break SessionEnd::Lost(format!("socket error: {}", reason(&e.into()))),
                    None => break SessionEnd::Lost("connection ended".to_owned()),
                }
            }
            command = commands.recv() => match command {
                Some(c) => {
                    client.queue(c);
                    flush = live;
                }
                None => {
                    let _ = timeout(Duration::from_secs(1), socket.close(None)).await;
                    break SessionEnd::RunOver;
                }
            },
            Some(fill) = fills.recv() => {
                on_fill(client, fill);
                client.maybe_fill(Instant::now(), false);
            }
            _ = tick.tick() => {
                flush = live;
                // An open socket outlives its token, but history requests need a fresh one.
                if client.token_old() {
                    client.renew_token().await;
                }
                if live {
                    client.maybe_fill(Instant::now(), false);
                }
            }
        }
        if flush {
            let due = client
                .log
                .outbox
                .due(Instant::now(), client.shared.ack_timeout);
            for (client_id, body) in due {
                let frame = ClientFrame::Send {
                    room_id: client.member.room_id,
                    body: &body,
                    client_id: &client_id,
                };
                // A failed write means the connection is going: the read side reports it on
                // the next turn, and the outbox sends these again on the next connection.
                if send_frame(&mut socket, &frame).await.is_err() {
                    break;
                }
            }
        }
    }
}

async fn send_frame(socket: &mut Socket, frame: &ClientFrame<'_>) -> Result<()> {
    let text = serde_json::to_string(frame)?;
    socket.send(Message::Text(text.into())).await?;
    Ok(())
}

/// Fetches a room's messages after `after` page by page and hands them to the client; ends
/// with [`Fill::Done`] whether it got everything or gave up.
async fn fill(
    server: SocketAddr,
    token: String,
    room: Uuid,
    mut after: i64,
    out: mpsc::UnboundedSender<Fill>,
) {
    let mut api = Api::new(server, None);
    let mut tries = 0;
    while tries < FILL_TRIES {
        let page = timeout(
            REST_TIMEOUT,
            api.history_after(&token, room, after, HISTORY_PAGE),
        )
        .await;
        match page {
            Ok(Ok(page)) => {
                let full = page.len() as u32 == HISTORY_PAGE;
                if let Some(last) = page.last() {
                    after = after.max(last.seq);
                }
                if out.send(Fill::Page(page)).is_err() || !full {
                    break;
                }
            }
            _ => {
                tries += 1;
                api = Api::new(server, None);
                sleep(Duration::from_millis(200) * tries).await;
            }
        }
    }
    let _ = out.send(Fill::Done);
}

fn summarise(
    scenario: Scenario,
    logs: Vec<ClientLog>,
    tag: &str,
    sent: u64,
    drained: bool,
    server_rss: ServerRss,
) -> ReconnectReport {
    let probe = |client_id: &str| -> Option<u64> {
        client_id.strip_prefix(tag)?.strip_prefix('-')?.parse().ok()
    };
    let mut acked = HashMap::new();
    let mut receivers = Vec::with_capacity(logs.len());
    let mut r = ReconnectReport {
        scenario,
        sends_attempted: sent,
        sends_acked: 0,
        sends_retried: 0,
        send_retries: 0,
        repeated_acks: 0,
        unacknowledged: 0,
        send_errors: BTreeMap::new(),
        achieved_send_rate: 0.0,
        deliveries: Tally::default(),
        lost: 0,
        duplicated: 0,
        redelivered_deduped: 0,
        seq_gaps: 0,
        clients_with_gaps: 0,
        seq_regressions: 0,
        clients_with_regressions: 0,
        wire_gaps: 0,
        catch_ups: 0,
        reconnects: 0,
        disconnects: BTreeMap::new(),
        connect_failures: BTreeMap::new(),
        token_renewals: 0,
        token_failures: BTreeMap::new(),
        other_errors: 0,
        misrouted: 0,
        latency: None,
        deliveries_per_s: 0.0,
        server_rss,
        bench_rss_kib: None,
        drained,
    };
    let mut latencies = Vec::new();
    for log in logs {
        let o = &log.outbox;
        for client_id in o.acked_ids() {
            if let Some(n) = probe(client_id) {
                acked.insert(n, log.room);
            }
        }
        r.sends_retried += o.retried_sends;
        r.send_retries += o.retries;
        r.repeated_acks += o.repeated_acks;
        r.unacknowledged += o.unacked();
        r.duplicated += o.ack_conflicts;
        let t = &log.timeline;
        r.duplicated += t.seq_conflicts + t.client_id_duplicates;
        r.redelivered_deduped += t.redelivered;
        let holes = t.holes();
        r.seq_gaps += holes;
        r.clients_with_gaps += u64::from(holes > 0);
        r.seq_regressions += log.seq_regressions;
        r.clients_with_regressions += u64::from(log.seq_regressions > 0);
        r.wire_gaps += log.wire_gaps;
        r.catch_ups += log.catch_ups;
        r.reconnects += log.reconnects;
        r.token_renewals += log.token_renewals;
        r.other_errors += log.other_errors;
        r.misrouted += log.misrouted;
        for (k, v) in log.disconnects {
            *r.disconnects.entry(k).or_insert(0) += v;
        }
        for (k, v) in log.connect_failures {
            *r.connect_failures.entry(k).or_insert(0) += v;
        }
        for (k, v) in log.token_failures {
            *r.token_failures.entry(k).or_insert(0) += v;
        }
        for (k, v) in log.send_errors {
            *r.send_errors.entry(k).or_insert(0) += v;
        }
        latencies.extend(log.latencies_us);
        receivers.push(Received {
            room: log.room,
            counts: t.client_ids().filter_map(probe).map(|n| (n, 1)).collect(),
        });
    }
    r.sends_acked = acked.len() as u64;
    r.deliveries = stats::tally(&acked, &receivers);
    r.lost = r.deliveries.lost;
    r.latency = Latency::of(latencies);
    r.bench_rss_kib = rss::vm_rss_kib(std::process::id()).ok();
    r
}
