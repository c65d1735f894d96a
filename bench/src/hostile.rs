//! `bench hostile`: the `bench run` scenario quiet, then again while attackers flood the
//! server with bad WebSocket frames and failed sign-ins; the verdict compares the two.
//!
//! The attack uses its own accounts and source addresses, so the scenario's sockets are
//! never the ones being closed or rate limited: whatever happens to them is collateral.
//! It runs in a second process (`bench attack`, fed an [`AttackPlan`] on stdin) at the lowest
//! CPU priority: a real attacker's CPU is someone else's machine, so here the attack gets the
//! CPU that the server, its database and the measuring clients leave over, and never shares a
//! runtime with the clients that measure latency. How much it managed to send is reported.

use std::{
    collections::BTreeMap,
    net::{IpAddr, SocketAddr},
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    time::{Duration, Instant},
};

use futures::{stream, SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    process::Command,
    time::{sleep, sleep_until, timeout},
};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    api::Api,
    cli::HostileArgs,
    error::{BenchError, Result},
    load::{self, join_all_tasks, RunReport},
    net::SourceAddrs,
    setup::{self, RunNames},
    ws::{self, ServerFrame, Socket},
};

/// Accounts the WebSocket attackers share (the per-account socket cap is lifted for benches).
const ATTACKER_ACCOUNTS: usize = 4;
/// Size of an oversized message: past the server's 64 KiB limit.
const OVERSIZED_BYTES: usize = 65_536 + 4_096;
/// How long an attacker waits for the server's answer to what it sent before calling it
/// unanswered.
const ANSWER_WAIT: Duration = Duration::from_secs(5);
/// How long an open flooding socket may linger after the attack window.
const LINGER: Duration = Duration::from_secs(1);
/// Pause before an attacker reconnects after a close.
const RECONNECT_PAUSE: Duration = Duration::from_millis(200);
/// Bounds on one attacker: connections, and frames per connection.
const MAX_CONNECTIONS: u64 = 1_000;
const MAX_FRAMES_PER_CONNECTION: u64 = 50_000;
/// Longest WebSocket handshake and sign-in request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const LOGIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Sign-ins not started this long after the attack window are not made at all.
const LOGIN_GRACE: Duration = Duration::from_secs(30);

/// What an attacking socket sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Text frames that are not JSON, as fast as possible.
    Malformed,
    /// Binary frames, as fast as possible.
    Binary,
    /// JSON frames of a type the protocol does not have, as fast as possible.
    UnknownType,
    /// One `send` of more than 64 KiB per connection.
    Oversized,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::Malformed,
        Kind::Binary,
        Kind::UnknownType,
        Kind::Oversized,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Malformed => "malformed",
            Kind::Binary => "binary",
            Kind::UnknownType => "unknown_type",
            Kind::Oversized => "oversized",
        }
    }

    /// The `n`th frame of a connection.
    fn frame(self, n: u64) -> Message {
        match self {
            Kind::Malformed => Message::Text(format!("{{\"type\":\"send\",\"body\":{n}").into()),
            Kind::Binary => Message::Binary(vec![0xde, 0xad, 0xbe, 0xef, n as u8].into()),
            Kind::UnknownType => {
                Message::Text(format!("{{\"type\":\"teleport\",\"n\":{n}}}").into())
            }
            Kind::Oversized => Message::Text(
                format!(
                    "{{\"type\":\"send\",\"room_id\":\"00000000-0000-0000-0000-000000000000\",\"client_id\":\"big-{n}\",\"body\":\"{}\"}}",
                    "x".repeat(OVERSIZED_BYTES)
                )
                .into(),
            ),
        }
    }

    /// Frames sent per connection.
    fn frames_per_connection(self) -> u64 {
        match self {
            Kind::Oversized => 1,
            _ => MAX_FRAMES_PER_CONNECTION,
        }
    }

    /// Whether `code` is a documented answer (docs/realtime.md): bad frames get
    /// `bad_request`, a flood `rate_limited`; an oversized message gets no error, only 1009.
    fn expects_error(self, code: &str) -> bool {
        self != Kind::Oversized && matches!(code, "bad_request" | "rate_limited")
    }

    /// Whether the way a connection ended is the documented one.
    fn expects_end(self, end: &End) -> bool {
        if *end == End::NothingSent {
            return true;
        }
        match self {
            Kind::Oversized => *end == End::Closed(1009),
            // A flood is closed with 1008 once 200 frames in a row were dropped; a flood too
            // slow for that (a busy machine) runs until the attack window ends.
            _ => matches!(end, End::Closed(1008) | End::StillOpen),
        }
    }
}

/// How one attacking connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// A close frame with this code.
    Closed(u16),
    /// A close frame without a code.
    ClosedWithoutCode,
    /// The connection ended or failed without a close frame.
    Reset(String),
    /// Nothing arrived within [`ANSWER_WAIT`] of the last frame sent.
    Unanswered,
    /// Open at the end of the attack window (the bench closed it).
    StillOpen,
    /// Opened as the window ended: nothing was sent, so nothing is judged.
    NothingSent,
}

impl End {
    fn label(&self) -> String {
        match self {
            End::Closed(code) => code.to_string(),
            End::ClosedWithoutCode => "close without code".to_owned(),
            End::Reset(e) => format!("reset: {e}"),
            End::Unanswered => "no answer".to_owned(),
            End::StillOpen => "open at the end".to_owned(),
            End::NothingSent => "opened at the end, nothing sent".to_owned(),
        }
    }
}

/// What the attackers of one kind did and got.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SocketCounts {
    /// Sockets attacking this way.
    pub sockets: u64,
    /// Connections opened (the first and every reconnect).
    pub connections: u64,
    /// Handshakes that failed, by error.
    pub connect_failures: BTreeMap<String, u64>,
    /// Frames sent.
    pub frames_sent: u64,
    /// `error` frames received, by code.
    pub errors: BTreeMap<String, u64>,
    /// How connections ended, by close code or reason.
    pub ends: BTreeMap<String, u64>,
    /// Other frames received (presence, ...).
    pub other_frames: u64,
    /// Answers that are not the documented ones, described.
    pub unexpected: BTreeMap<String, u64>,
}

impl SocketCounts {
    /// Records an `error` frame.
    fn error(&mut self, kind: Kind, code: &str) {
        *self.errors.entry(code.to_owned()).or_default() += 1;
        if !kind.expects_error(code) {
            *self
                .unexpected
                .entry(format!("{}: error {code}", kind.name()))
                .or_default() += 1;
        }
    }

    /// Records how a connection ended.
    fn end(&mut self, kind: Kind, end: &End) {
        *self.ends.entry(end.label()).or_default() += 1;
        if !kind.expects_end(end) {
            *self
                .unexpected
                .entry(format!("{}: ended {}", kind.name(), end.label()))
                .or_default() += 1;
        }
    }

    fn merge(&mut self, other: SocketCounts) {
        self.sockets += other.sockets;
        self.connections += other.connections;
        self.frames_sent += other.frames_sent;
        self.other_frames += other.other_frames;
        for (map, theirs) in [
            (&mut self.connect_failures, other.connect_failures),
            (&mut self.errors, other.errors),
            (&mut self.ends, other.ends),
            (&mut self.unexpected, other.unexpected),
        ] {
            for (k, v) in theirs {
                *map.entry(k).or_default() += v;
            }
        }
    }
}

/// The failed sign-ins.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoginCounts {
    /// Sign-ins asked for.
    pub planned: u64,
    /// Answers by status code, and failed exchanges by error.
    pub outcomes: BTreeMap<String, u64>,
    /// Sign-ins not started because the window (plus grace) was over.
    pub not_sent: u64,
    /// Source addresses used.
    pub addresses: usize,
}

impl LoginCounts {
    fn record(&mut self, outcome: String) {
        *self.outcomes.entry(outcome).or_default() += 1;
    }

    /// Answers with a 5xx status.
    pub fn server_errors(&self) -> u64 {
        self.outcomes
            .iter()
            .filter(|(k, _)| k.starts_with('5') && k.len() == 3)
            .map(|(_, v)| v)
            .sum()
    }

    /// Outcomes other than the documented `401` (wrong login) and `429` (limited).
    pub fn unexpected(&self) -> BTreeMap<&str, u64> {
        self.outcomes
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "401" | "429"))
            .map(|(k, v)| (k.as_str(), *v))
            .collect()
    }
}

/// Everything the attack did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AttackReport {
    /// WebSocket attackers by kind.
    pub sockets: BTreeMap<Kind, SocketCounts>,
    /// Failed sign-ins.
    pub logins: LoginCounts,
    /// How long the attack ran, seconds.
    pub took_s: f64,
}

/// The quiet and hostile runs and the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct HostileReport {
    /// 1-minute load average before each phase (from /proc/loadavg).
    pub load_average: [Option<f64>; 2],
    /// The scenario alone.
    pub quiet: RunReport,
    /// The scenario under attack.
    pub hostile: RunReport,
    /// The attack.
    pub attack: AttackReport,
    /// p99 hostile / p99 quiet.
    pub p99_ratio: Option<f64>,
    /// The bounds applied.
    pub max_p99_ratio: f64,
    /// KiB.
    pub rss_margin_kib: u64,
    /// Why the run failed; empty when it passed.
    pub failures: Vec<String>,
}

/// Runs both phases.
pub async fn run(args: &HostileArgs) -> Result<HostileReport> {
    let server = args.run.common.server;
    let load_quiet = load_average();
    eprintln!("== quiet phase");
    let quiet = load::run(&args.run).await?;

    eprintln!("== hostile phase: registering {ATTACKER_ACCOUNTS} attacker accounts");
    let names = RunNames::new();
    let attackers = setup::register(
        server,
        &names,
        ATTACKER_ACCOUNTS,
        args.run.common.setup_concurrency,
    )
    .await?;
    let usernames: Vec<String> = attackers.iter().map(|a| a.username.clone()).collect();
    let tokens: Vec<String> = attackers.iter().map(|a| a.access_token.clone()).collect();
    // Different addresses from the registrations (which used `seed`'s).
    let addrs = SourceAddrs::new(server, names.seed().wrapping_add(1 << 20));
    let socket_addrs: Vec<Option<IpAddr>> = (0..args.attackers).map(|_| addrs.next()).collect();
    let login_addrs: Vec<Option<IpAddr>> =
        (0..args.login_addresses).map(|_| addrs.next()).collect();
    let plan = AttackPlan {
        server,
        tag: names.tag.clone(),
        tokens,
        usernames,
        socket_addrs,
        login_addrs,
        logins: args.logins,
        login_concurrency: args.login_concurrency,
        window_ms: args.run.duration.as_millis() as u64,
    };

    let load_hostile = load_average();
    eprintln!(
        "== hostile phase: {} attacking sockets, {} failed sign-ins from {} addresses",
        args.attackers, args.logins, args.login_addresses
    );
    let attack = attack_in_child(&plan);
    let (hostile, attack) = load::run_alongside(&args.run, attack).await?;
    let attack = attack?;

    let quiet_s = PhaseSummary::of(&quiet);
    let hostile_s = PhaseSummary::of(&hostile);
    let bounds = Bounds {
        max_p99_ratio: args.max_p99_ratio,
        rss_margin_kib: args.rss_margin_kib,
    };
    Ok(HostileReport {
        load_average: [load_quiet, load_hostile],
        p99_ratio: p99_ratio(&quiet_s, &hostile_s),
        failures: failures(&quiet_s, &hostile_s, &attack, &bounds),
        quiet,
        hostile,
        attack,
        max_p99_ratio: args.max_p99_ratio,
        rss_margin_kib: args.rss_margin_kib,
    })
}

/// What the attacking process is to do; `bench hostile` hands it to `bench attack` as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttackPlan {
    /// The server under attack.
    pub server: SocketAddr,
    /// The run's tag, for the names of accounts that do not exist.
    pub tag: String,
    /// Access tokens of the attackers' accounts.
    pub tokens: Vec<String>,
    /// Their usernames, for sign-ins with wrong passwords.
    pub usernames: Vec<String>,
    /// One source address per attacking socket.
    pub socket_addrs: Vec<Option<IpAddr>>,
    /// The addresses sign-ins come from, in turn.
    pub login_addrs: Vec<Option<IpAddr>>,
    /// Failed sign-ins to make.
    pub logins: usize,
    /// Sign-ins in flight at once.
    pub login_concurrency: usize,
    /// The attack window, ms.
    pub window_ms: u64,
}

/// Runs `plan` in a child process (`bench attack`) and returns its report.
async fn attack_in_child(plan: &AttackPlan) -> Result<AttackReport> {
    let exe = std::env::current_exe().map_err(|e| BenchError::io("finding bench itself", e))?;
    let mut child = Command::new(exe)
        .arg("attack")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| BenchError::io("starting `bench attack`", e))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| BenchError::Attack("no stdin".into()))?;
    stdin
        .write_all(&serde_json::to_vec(plan)?)
        .await
        .map_err(|e| BenchError::io("handing the plan to `bench attack`", e))?;
    drop(stdin);
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| BenchError::Attack("no stdout".into()))?;
    let mut report = Vec::new();
    stdout
        .read_to_end(&mut report)
        .await
        .map_err(|e| BenchError::io("reading the attack report", e))?;
    let status = child
        .wait()
        .await
        .map_err(|e| BenchError::io("waiting for `bench attack`", e))?;
    if !status.success() {
        return Err(BenchError::Attack(format!("exited with {status}")));
    }
    Ok(serde_json::from_slice(&report)?)
}

/// Gives the calling thread (and the threads it starts later) the lowest CPU priority.
pub fn yield_to_the_measured() {
    // SAFETY: setpriority takes no pointers; `0` is the calling thread.
    if unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) } != 0 {
        eprintln!(
            "bench attack: cannot lower its priority: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// `bench attack`: reads an [`AttackPlan`] from stdin, carries it out and prints the
/// [`AttackReport`] as JSON.
pub async fn attack_from_stdin() -> Result<()> {
    let mut input = Vec::new();
    tokio::io::stdin()
        .read_to_end(&mut input)
        .await
        .map_err(|e| BenchError::io("reading the attack plan", e))?;
    let plan: AttackPlan = serde_json::from_slice(&input)?;
    let report = attack(&plan).await?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// Every attacking socket and the sign-in flood, for the plan's window.
async fn attack(plan: &AttackPlan) -> Result<AttackReport> {
    let started = Instant::now();
    let window = Duration::from_millis(plan.window_ms);
    let deadline = tokio::time::Instant::now() + window;
    if plan.tokens.is_empty() {
        return Err(BenchError::Attack("the plan has no accounts".into()));
    }
    let sockets: Vec<_> = plan
        .socket_addrs
        .iter()
        .enumerate()
        .map(|(i, local)| {
            let token = plan.tokens[i % plan.tokens.len()].clone();
            tokio::spawn(attacker(
                plan.server,
                token,
                *local,
                Kind::ALL[i % 4],
                deadline,
            ))
        })
        .collect();
    let logins = login_flood(
        plan.server,
        &plan.tag,
        &plan.usernames,
        &plan.login_addrs,
        plan.logins,
        plan.login_concurrency,
        window,
    );
    let (logins, sockets) = tokio::join!(logins, join_all_tasks(sockets, "an attacker"));
    let mut by_kind: BTreeMap<Kind, SocketCounts> = BTreeMap::new();
    for (kind, counts) in sockets? {
        by_kind.entry(kind).or_default().merge(counts);
    }
    Ok(AttackReport {
        sockets: by_kind,
        logins,
        took_s: started.elapsed().as_secs_f64(),
    })
}

/// The 1-minute load average, for the record.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// One attacking socket: connects, attacks until the server closes the connection (or the
/// window ends), pauses, reconnects, until `deadline`.
async fn attacker(
    server: SocketAddr,
    token: String,
    local: Option<IpAddr>,
    kind: Kind,
    deadline: tokio::time::Instant,
) -> (Kind, SocketCounts) {
    let mut counts = SocketCounts {
        sockets: 1,
        ..SocketCounts::default()
    };
    while tokio::time::Instant::now() < deadline && counts.connections < MAX_CONNECTIONS {
        counts.connections += 1;
        match timeout(CONNECT_TIMEOUT, ws::connect_from(server, &token, local)).await {
            Ok(Ok(socket)) => {
                let end = attack_once(socket, kind, deadline, &mut counts).await;
                counts.end(kind, &end);
            }
            Ok(Err(e)) => {
                let e = e.to_string();
                *counts
                    .connect_failures
                    .entry(e.chars().take(120).collect())
                    .or_default() += 1;
            }
            Err(_) => *counts.connect_failures.entry("timeout".into()).or_default() += 1,
        }
        sleep(RECONNECT_PAUSE).await;
    }
    (kind, counts)
}

/// One connection: sends `kind`'s frames as fast as the socket takes them while reading the
/// answers, until the server closes, the frames are all sent and answered, or the window ends.
async fn attack_once(
    socket: Socket,
    kind: Kind,
    deadline: tokio::time::Instant,
    counts: &mut SocketCounts,
) -> End {
    let (mut sink, mut stream) = socket.split();
    let stop = AtomicBool::new(false);
    // When the writer finished, µs after `base`; 0 while it still writes.
    let base = tokio::time::Instant::now();
    let wrote_until = AtomicU64::new(0);
    let writer = async {
        let mut n = 0;
        while n < kind.frames_per_connection()
            && !stop.load(Ordering::Relaxed)
            && tokio::time::Instant::now() < deadline
        {
            if sink.send(kind.frame(n)).await.is_err() {
                break;
            }
            n += 1;
            // Let the reader run: loopback writes rarely wait.
            if n % 16 == 0 {
                tokio::task::yield_now().await;
            }
        }
        wrote_until.store(base.elapsed().as_micros().max(1) as u64, Ordering::Relaxed);
        n
    };
    let reader = async {
        let mut errors: Vec<String> = Vec::new();
        let mut other = 0;
        let end = loop {
            let next = timeout(Duration::from_millis(100), stream.next()).await;
            let finished = wrote_until.load(Ordering::Relaxed);
            match next {
                Err(_) if finished == 0 => continue,
                Err(_) => {
                    let idle = base
                        .elapsed()
                        .saturating_sub(Duration::from_micros(finished));
                    if kind == Kind::Oversized && idle >= ANSWER_WAIT {
                        break End::Unanswered;
                    }
                    if kind != Kind::Oversized
                        && (idle >= LINGER || tokio::time::Instant::now() >= deadline)
                    {
                        break End::StillOpen;
                    }
                }
                Ok(Some(Ok(Message::Text(text)))) => match serde_json::from_str(&text) {
                    Ok(ServerFrame::Error { code, .. }) => errors.push(code),
                    _ => other += 1,
                },
                Ok(Some(Ok(Message::Close(frame)))) => {
                    break match frame {
                        Some(f) => End::Closed(u16::from(f.code)),
                        None => End::ClosedWithoutCode,
                    }
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(e))) => break End::Reset(e.to_string().chars().take(80).collect()),
                Ok(None) => break End::Reset("stream ended".to_owned()),
            }
        };
        stop.store(true, Ordering::Relaxed);
        (end, errors, other)
    };
    let (sent, (end, errors, other)) = tokio::join!(writer, reader);
    // A connection opened just as the window ended sent nothing; its silence means nothing.
    let end = if sent == 0 && matches!(end, End::Unanswered | End::StillOpen) {
        End::NothingSent
    } else {
        end
    };
    counts.frames_sent += sent;
    counts.other_frames += other;
    for code in errors {
        counts.error(kind, &code);
    }
    // Answer the server's close (or close ourselves), briefly; the socket is dropped anyway.
    let _ = timeout(Duration::from_secs(1), sink.close()).await;
    end
}

/// `total` failed sign-ins spread evenly over `window`, at most `concurrency` at once, from
/// `addrs` in turn: half for accounts that do not exist, half with wrong passwords for the
/// attackers' own accounts.
async fn login_flood(
    server: SocketAddr,
    tag: &str,
    usernames: &[String],
    addrs: &[Option<IpAddr>],
    total: usize,
    concurrency: usize,
    window: Duration,
) -> LoginCounts {
    let start = tokio::time::Instant::now();
    let give_up = start + window + LOGIN_GRACE;
    let mut counts = LoginCounts {
        planned: total as u64,
        addresses: addrs.len(),
        ..LoginCounts::default()
    };
    let outcomes: Vec<Option<String>> = stream::iter(0..total)
        .map(|i| async move {
            let due = start + window.mul_f64(i as f64 / total.max(1) as f64);
            sleep_until(due).await;
            if tokio::time::Instant::now() >= give_up {
                return None;
            }
            let mut api = Api::new(server, addrs[i % addrs.len()]);
            let (login, password) = if i % 2 == 0 {
                (format!("{tag}-nobody-{i}"), format!("wrong-{i}"))
            } else {
                (usernames[i % usernames.len()].clone(), format!("wrong-{i}"))
            };
            Some(
                match timeout(LOGIN_TIMEOUT, api.login_status(&login, &password)).await {
                    Ok(Ok(status)) => status.to_string(),
                    Ok(Err(e)) => format!(
                        "error: {}",
                        e.to_string().chars().take(80).collect::<String>()
                    ),
                    Err(_) => "timeout".to_owned(),
                },
            )
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    for outcome in outcomes {
        match outcome {
            Some(o) => counts.record(o),
            None => counts.not_sent += 1,
        }
    }
    counts
}

/// The parts of a phase the verdict reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhaseSummary {
    /// Latency p99, µs.
    pub p99_us: Option<u64>,
    /// Why the run is not clean (empty when it is).
    pub problems: Vec<String>,
    /// Server RSS peak, KiB.
    pub rss_peak_kib: Option<u64>,
}

impl PhaseSummary {
    /// Reads a run's report.
    pub fn of(r: &RunReport) -> Self {
        let d = &r.deliveries;
        let mut problems = Vec::new();
        for (what, n) in [
            ("lost", d.lost),
            ("duplicated", d.duplicated),
            ("unexpected", d.unexpected),
            ("seq gaps", r.seq_gaps),
            ("seq regressions", r.seq_regressions),
            ("unanswered sends", r.unanswered),
            ("refused sends", r.send_errors.values().sum()),
            ("disconnects", r.disconnects.values().sum()),
            ("misrouted", r.misrouted),
        ] {
            if n > 0 {
                problems.push(format!("{n} {what}"));
            }
        }
        Self {
            p99_us: r.latency.map(|l| l.p99_us),
            problems,
            rss_peak_kib: r.server_rss.peak_kib,
        }
    }
}

/// The pass bounds.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Largest p99 hostile / p99 quiet.
    pub max_p99_ratio: f64,
    /// Largest RSS peak growth, KiB.
    pub rss_margin_kib: u64,
}

/// p99 hostile / p99 quiet, when both exist.
pub fn p99_ratio(quiet: &PhaseSummary, hostile: &PhaseSummary) -> Option<f64> {
    Some(hostile.p99_us? as f64 / quiet.p99_us?.max(1) as f64)
}

/// Why the hostile test failed; empty when it passed.
pub fn failures(
    quiet: &PhaseSummary,
    hostile: &PhaseSummary,
    attack: &AttackReport,
    bounds: &Bounds,
) -> Vec<String> {
    let mut out = Vec::new();
    if !quiet.problems.is_empty() {
        out.push(format!("quiet phase: {}", quiet.problems.join(", ")));
    }
    if !hostile.problems.is_empty() {
        out.push(format!("hostile phase: {}", hostile.problems.join(", ")));
    }
    match p99_ratio(quiet, hostile) {
        Some(r) if r > bounds.max_p99_ratio => out.push(format!(
            "p99 {:.1} ms under attack is {r:.2}× the quiet {:.1} ms (bound {}×)",
            hostile.p99_us.unwrap_or(0) as f64 / 1000.0,
            quiet.p99_us.unwrap_or(0) as f64 / 1000.0,
            bounds.max_p99_ratio
        )),
        Some(_) => {}
        None => out.push("no latency to compare (a phase had no deliveries)".to_owned()),
    }
    if let (Some(q), Some(h)) = (quiet.rss_peak_kib, hostile.rss_peak_kib) {
        if h > q + bounds.rss_margin_kib {
            out.push(format!(
                "server RSS peak {} KiB under attack exceeds the quiet peak {q} KiB + {} KiB",
                h, bounds.rss_margin_kib
            ));
        }
    }
    let server_errors = attack.logins.server_errors();
    if server_errors > 0 {
        out.push(format!("{server_errors} sign-ins answered 5xx"));
    }
    let odd: Vec<String> = attack
        .logins
        .unexpected()
        .iter()
        .filter(|(k, _)| !(k.starts_with('5') && k.len() == 3))
        .map(|(k, v)| format!("{v}× {k}"))
        .collect();
    if !odd.is_empty() {
        out.push(format!(
            "sign-ins answered other than 401/429: {}",
            odd.join("; ")
        ));
    }
    if attack.logins.not_sent > 0 {
        out.push(format!(
            "{} of {} sign-ins could not be made in time (attack incomplete)",
            attack.logins.not_sent, attack.logins.planned
        ));
    }
    for counts in attack.sockets.values() {
        for (what, n) in &counts.unexpected {
            out.push(format!("{n}× {what}"));
        }
        for (what, n) in &counts.connect_failures {
            out.push(format!("{n} attacker handshakes failed: {what}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(p99_ms: u64, peak_mib: u64) -> PhaseSummary {
        PhaseSummary {
            p99_us: Some(p99_ms * 1000),
            problems: Vec::new(),
            rss_peak_kib: Some(peak_mib * 1024),
        }
    }

    const BOUNDS: Bounds = Bounds {
        max_p99_ratio: 2.0,
        rss_margin_kib: 256 * 1024,
    };

    fn clean_attack() -> AttackReport {
        let mut logins = LoginCounts {
            planned: 3,
            ..LoginCounts::default()
        };
        logins.record("401".into());
        logins.record("429".into());
        logins.record("429".into());
        let mut ws = SocketCounts::default();
        ws.error(Kind::Binary, "bad_request");
        ws.error(Kind::Binary, "rate_limited");
        ws.end(Kind::Binary, &End::Closed(1008));
        ws.end(Kind::Malformed, &End::StillOpen);
        ws.end(Kind::Oversized, &End::Closed(1009));
        ws.end(Kind::Oversized, &End::NothingSent);
        AttackReport {
            sockets: BTreeMap::from([(Kind::Binary, ws)]),
            logins,
            took_s: 1.0,
        }
    }

    #[test]
    fn a_clean_run_within_bounds_passes() {
        let f = failures(&phase(10, 60), &phase(20, 300), &clean_attack(), &BOUNDS);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn p99_over_twice_the_quiet_one_fails() {
        let f = failures(&phase(10, 60), &phase(21, 60), &clean_attack(), &BOUNDS);
        assert_eq!(f.len(), 1);
        assert!(f[0].contains("2.10×"), "{f:?}");
        assert_eq!(p99_ratio(&phase(10, 0), &phase(21, 0)), Some(2.1));
    }

    #[test]
    fn loss_in_either_phase_fails() {
        let mut hostile = phase(10, 60);
        hostile.problems.push("3 lost".into());
        let f = failures(&phase(10, 60), &hostile, &clean_attack(), &BOUNDS);
        assert_eq!(f, vec!["hostile phase: 3 lost".to_owned()]);
    }

    #[test]
    fn rss_past_the_margin_fails() {
        let f = failures(&phase(10, 60), &phase(10, 317), &clean_attack(), &BOUNDS);
        assert_eq!(f.len(), 1);
        assert!(f[0].contains("RSS"), "{f:?}");
    }

    #[test]
    fn server_errors_and_odd_statuses_fail_separately() {
        let mut attack = clean_attack();
        attack.logins.record("500".into());
        attack.logins.record("503".into());
        attack.logins.record("timeout".into());
        assert_eq!(attack.logins.server_errors(), 2);
        let f = failures(&phase(10, 60), &phase(10, 60), &attack, &BOUNDS);
        assert_eq!(
            f,
            vec![
                "2 sign-ins answered 5xx".to_owned(),
                "sign-ins answered other than 401/429: 1× timeout".to_owned()
            ]
        );
    }

    #[test]
    fn answers_are_judged_by_kind() {
        let mut c = SocketCounts::default();
        c.end(Kind::Oversized, &End::Closed(1009));
        c.end(Kind::Oversized, &End::Reset("connection reset".into()));
        c.end(Kind::Malformed, &End::Closed(1009));
        c.end(Kind::UnknownType, &End::Closed(1008));
        c.error(Kind::UnknownType, "bad_request");
        c.error(Kind::Oversized, "bad_request");
        c.error(Kind::Malformed, "internal");
        assert_eq!(c.ends["1009"], 2);
        assert_eq!(c.errors["bad_request"], 2);
        let unexpected: Vec<&str> = c.unexpected.keys().map(String::as_str).collect();
        assert_eq!(
            unexpected,
            vec![
                "malformed: ended 1009",
                "malformed: error internal",
                "oversized: ended reset: connection reset",
                "oversized: error bad_request",
            ]
        );
        let mut attack = clean_attack();
        attack.sockets.insert(Kind::Oversized, c);
        assert_eq!(
            failures(&phase(10, 60), &phase(10, 60), &attack, &BOUNDS).len(),
            4
        );
    }

    #[test]
    fn counts_merge_by_key() {
        let mut a = SocketCounts::default();
        a.error(Kind::Binary, "bad_request");
        a.frames_sent = 5;
        let mut b = SocketCounts::default();
        b.error(Kind::Binary, "bad_request");
        b.error(Kind::Binary, "rate_limited");
        b.frames_sent = 7;
        a.merge(b);
        assert_eq!(a.frames_sent, 12);
        assert_eq!(a.errors["bad_request"], 2);
        assert_eq!(a.errors["rate_limited"], 1);
    }

    #[test]
    fn oversized_frames_are_over_the_limit_and_others_under() {
        assert!(Kind::Oversized.frame(0).len() > 65_536);
        for kind in [Kind::Malformed, Kind::Binary, Kind::UnknownType] {
            assert!(kind.frame(123).len() < 100);
        }
        let Message::Text(t) = Kind::Malformed.frame(1) else {
            panic!("text")
        };
        assert!(serde_json::from_str::<serde_json::Value>(&t).is_err());
    }
}
