//! PostgreSQL: the primary pool, optional streaming read replicas, and the migrations embedded
//! from `migrations/`.
//!
//! [`Db`] is the one handle the services get. [`Db::primary`] is where every write goes and
//! every read that must see the latest state (seq assignment, catch-up, permission checks,
//! anything read right after a write). [`Db::read`] and [`Db::read_with_fallback`] serve
//! lag-tolerant reads from a replica that is currently healthy (round-robin), else from the
//! primary. A background task probes each replica every [`PROBE_INTERVAL`]: a replica that is
//! down, not in recovery, or further behind than `DATABASE_READ_MAX_LAG` is skipped until it
//! is back, with one log line per change.

use std::{
    collections::VecDeque,
    future::Future,
    str::FromStr,
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex, OnceLock, Weak,
    },
    time::Duration,
};

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};
use tokio::{task::JoinHandle, time::Instant};

use super::{
    config::{redact_url, Secret},
    store::StoreError,
};

/// The project's migrations, compiled into the binary so a deployment needs no extra files.
///
/// Migrations applied by a newer release are tolerated (`ignore_missing`): migrations are
/// additive, so rolling back to this release must work on the schema a newer one left.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate::Migrator {
    ignore_missing: true,
    ..sqlx::migrate!("../migrations")
};

/// How often each replica's health and lag are measured.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(1);
/// How long one probe (or acquiring a replica connection) may take before the replica counts
/// as down.
pub const REPLICA_TIMEOUT: Duration = Duration::from_secs(1);

/// PostgreSQL could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be opened.
    #[error("cannot connect to PostgreSQL at {url}: {source}")]
    Connect {
        /// Redacted URL.
        url: String,
        /// Driver error.
        source: sqlx::Error,
    },
    /// Applying migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Opens the pool and proves it works with one connection, within a few seconds.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, DbError> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .map_err(|source| DbError::Connect {
            url: redact_url(url),
            source,
        })
}

/// Applies every pending migration.
pub async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// A round trip to the database, for readiness checks.
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}

/// A replica URL fit for logs, metrics and `/readyz`: no password, no query parameters
/// (which may hold one).
pub fn redact_replica_url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{}?…", redact_url(base)),
        None => redact_url(url),
    }
}

/// `text` with any URL in it redacted, so a driver message cannot carry a password into
/// logs or `/readyz`.
fn scrub(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains("://") {
                redact_replica_url(word)
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An error that may mean the server behind a pool is unusable (rather than the query being
/// wrong), so the read is worth retrying on the primary.
pub trait ReadError: std::fmt::Display {
    /// True for connection failures, timeouts, shutdowns and recovery conflicts.
    fn is_unavailable(&self) -> bool;
}

impl ReadError for sqlx::Error {
    fn is_unavailable(&self) -> bool {
        match self {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                // 08: connection exception; 57: operator intervention (shutdown, starting
                // up); 53: insufficient resources; 40001: cancelled by a recovery conflict;
                // 3D000: the database is not there (yet) on this server.
                code.starts_with("08")
                    || code.starts_with("57")
                    || code.starts_with("53")
                    || code == "40001"
                    || code == "3D000"
            }),
            _ => false,
        }
    }
}

impl ReadError for StoreError {
    fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Db(e) => e.is_unavailable(),
            StoreError::Duplicate(_) => false,
        }
    }
}

/// Size and use of one pool, for metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStats {
    /// `primary`, `replica0`, `replica1`, …
    pub name: String,
    /// Open connections.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Upper bound of open connections.
    pub max: u32,
    /// Routed reads ([`Db::read`], [`Db::read_with_fallback`]) this pool served.
    pub reads: u64,
}

/// What is known about one replica, for metrics and readiness.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaState {
    /// Its pool's name: `replica0`, `replica1`, …
    pub name: String,
    /// Its URL without password or query parameters.
    pub url: String,
    /// Whether reads are routed to it now.
    pub healthy: bool,
    /// Replication lag at the last probe, when it could be measured.
    pub lag: Option<Duration>,
    /// Why it is skipped, while it is.
    pub reason: Option<String>,
    /// Reads it served.
    pub reads: u64,
    /// Reads that failed on it and were served by the primary instead.
    pub fallbacks: u64,
    /// Reads whose answer from it looked stale and were served by the primary instead.
    pub stale_reads: u64,
    /// How many times it went from usable to skipped.
    pub skips: u64,
}

/// One observation of a replica.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    /// It answered as a server in recovery.
    Replaying {
        /// How long ago the primary was at the position it has replayed: zero when it has
        /// reached the primary's position read just before (see [`position_lag`]).
        position_lag: Option<Duration>,
        /// Time since the last transaction it replayed committed on the primary, if any.
        replay_age: Option<Duration>,
    },
    /// It failed, timed out or is not a replica; holds why.
    Down(String),
}

/// A change of a replica's usability, logged once when it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// It became usable (first probe, or back after being skipped).
    Usable,
    /// It is skipped from now on; holds why.
    Skipped(String),
}

/// The health of one replica, moved forward by samples; pure, so it is tested without a
/// database.
#[derive(Debug, Clone, Default)]
pub struct Health {
    /// `None` before the first sample.
    pub healthy: Option<bool>,
    /// Lag at the last sample, when known.
    pub lag: Option<Duration>,
    /// Why it is skipped, while it is.
    pub reason: Option<String>,
}

impl Health {
    /// Applies a sample; returns the transition to log, if the replica's usability changed.
    ///
    /// Its lag is at most how long ago the primary was at the position it replayed (zero
    /// when it has everything the primary had a moment ago), and at most the age of the last
    /// transaction it replayed: whichever bound is smaller. The first keeps an idle primary's
    /// old last commit from counting as lag; the second covers a replica behind every
    /// position still remembered.
    pub fn observe(&mut self, sample: Sample, max_lag: Duration) -> Option<Transition> {
        let (healthy, reason) = match sample {
            Sample::Down(why) => {
                self.lag = None;
                (false, format!("unreachable: {why}"))
            }
            Sample::Replaying {
                position_lag,
                replay_age,
            } => {
                self.lag = match (position_lag, replay_age) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                match self.lag {
                    Some(lag) if lag <= max_lag => (true, String::new()),
                    Some(lag) => (
                        false,
                        format!(
                            "{:.1}s behind the primary (more than {:.1}s)",
                            lag.as_secs_f64(),
                            max_lag.as_secs_f64()
                        ),
                    ),
                    None => (false, "behind the primary by an unknown time".to_owned()),
                }
            }
        };
        let was = self.healthy.replace(healthy);
        if healthy {
            self.reason = None;
            (was != Some(true)).then_some(Transition::Usable)
        } else {
            let changed = was != Some(false);
            self.reason = Some(reason.clone());
            changed.then_some(Transition::Skipped(reason))
        }
    }
}

/// A WAL position such as `16/B374D848` as a number, for comparing positions.
pub fn parse_lsn(text: &str) -> Option<u64> {
    let (high, low) = text.split_once('/')?;
    Some((u64::from_str_radix(high, 16).ok()? << 32) | u64::from_str_radix(low, 16).ok()?)
}

/// How long ago the primary was at a position the replica has replayed, given the primary's
/// positions read at recent probes (oldest first, the last one read `now`): zero when it has
/// replayed up to the newest one; `None` when it is behind all of them.
pub fn position_lag(replayed: u64, now: Instant, primary: &[(Instant, u64)]) -> Option<Duration> {
    primary
        .iter()
        .rev()
        .find(|(_, position)| *position <= replayed)
        .map(|(at, _)| now.saturating_duration_since(*at))
}

/// Primary positions kept for [`position_lag`]: a minute of probes.
const POSITION_HISTORY: usize = 64;

/// The next index at or after `start` (cyclically) for which `usable` holds.
pub fn round_robin(len: usize, start: usize, usable: impl Fn(usize) -> bool) -> Option<usize> {
    (0..len).map(|i| (start + i) % len).find(|&i| usable(i))
}

struct Replica {
    name: String,
    url: String,
    pool: PgPool,
    /// A connection of its own, so probes never queue behind busy reads.
    probe_pool: PgPool,
    health: Mutex<Health>,
    healthy: AtomicBool,
    reads: AtomicU64,
    fallbacks: AtomicU64,
    stale_reads: AtomicU64,
    skips: AtomicU64,
}

impl Replica {
    fn apply(&self, sample: Sample, max_lag: Duration) {
        let transition = {
            let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
            let t = health.observe(sample, max_lag);
            self.healthy
                .store(health.healthy == Some(true), Ordering::Relaxed);
            t
        };
        match transition {
            Some(Transition::Usable) => {
                tracing::info!(replica = %self.name, url = %self.url, "read replica in use");
            }
            Some(Transition::Skipped(reason)) => {
                self.skips.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    replica = %self.name,
                    url = %self.url,
                    %reason,
                    "read replica skipped; the primary serves its reads"
                );
            }
            None => {}
        }
    }

    /// Samples the replica `now`, just after reading the primary's positions `primary`.
    async fn sample(&self, now: Instant, primary: &[(Instant, u64)]) -> Sample {
        let query = sqlx::query_as::<_, (bool, Option<String>, Option<f64>)>(
            "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, \
                    EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))::float8",
        )
        .fetch_one(&self.probe_pool);
        match tokio::time::timeout(REPLICA_TIMEOUT, query).await {
            Err(_) => Sample::Down(format!("no answer within {REPLICA_TIMEOUT:?}")),
            Ok(Err(e)) => Sample::Down(scrub(&e.to_string())),
            Ok(Ok((false, _, _))) => Sample::Down("not in recovery (not a replica)".to_owned()),
            Ok(Ok((true, replayed, age))) => Sample::Replaying {
                position_lag: replayed
                    .as_deref()
                    .and_then(parse_lsn)
                    .and_then(|replayed| position_lag(replayed, now, primary)),
                replay_age: age.map(|s| Duration::from_secs_f64(s.max(0.0))),
            },
        }
    }
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct Inner {
    primary: PgPool,
    /// A connection of its own for reading the primary's WAL position.
    primary_probe: Option<PgPool>,
    replicas: Vec<Replica>,
    next: AtomicUsize,
    max_lag: Duration,
    primary_reads: AtomicU64,
    /// Held by the probe round in progress, so rounds never interleave; holds the primary's
    /// positions read at recent rounds (oldest first).
    probing: tokio::sync::Mutex<VecDeque<(Instant, u64)>>,
    prober: OnceLock<AbortOnDrop>,
}

impl Inner {
    /// Samples every replica once (concurrently) and applies the results. When the primary's
    /// position cannot be read, lag cannot be measured and the replicas keep their state.
    /// A call during a round waits for that round instead of starting another.
    async fn probe(&self) {
        let Some(primary_probe) = &self.primary_probe else {
            return;
        };
        let Ok(mut history) = self.probing.try_lock() else {
            let _ = self.probing.lock().await;
            return;
        };
        let now = Instant::now();
        let lsn = sqlx::query_scalar::<_, String>("SELECT pg_current_wal_lsn()::text")
            .fetch_one(primary_probe);
        let lsn = match tokio::time::timeout(REPLICA_TIMEOUT, lsn).await {
            Ok(Ok(lsn)) => parse_lsn(&lsn),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "cannot read the primary's WAL position");
                return;
            }
            Err(_) => return,
        };
        let Some(lsn) = lsn else {
            return;
        };
        if history.len() == POSITION_HISTORY {
            history.pop_front();
        }
        history.push_back((now, lsn));
        let primary = history.make_contiguous();
        let samples =
            futures::future::join_all(self.replicas.iter().map(|r| r.sample(now, primary))).await;
        for (replica, sample) in self.replicas.iter().zip(samples) {
            replica.apply(sample, self.max_lag);
        }
    }

    fn choose(&self) -> Option<&Replica> {
        let len = self.replicas.len();
        if len == 0 {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed) % len;
        round_robin(len, start, |i| {
            self.replicas[i].healthy.load(Ordering::Relaxed)
        })
        .map(|i| &self.replicas[i])
    }
}

/// The database: the primary pool plus any read replicas. Cheap to clone; the replica probe
/// stops when the last clone is dropped.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

impl From<PgPool> for Db {
    fn from(primary: PgPool) -> Self {
        Self::primary_only(primary)
    }
}

impl Db {
    /// A handle with no replicas: every read goes to `primary`.
    pub fn primary_only(primary: PgPool) -> Self {
        Self {
            inner: Arc::new(Inner {
                primary,
                primary_probe: None,
                replicas: Vec::new(),
                next: AtomicUsize::new(0),
                max_lag: Duration::ZERO,
                primary_reads: AtomicU64::new(0),
                probing: tokio::sync::Mutex::new(VecDeque::new()),
                prober: OnceLock::new(),
            }),
        }
    }

    /// Connects to the primary (failing fast when it is unreachable) and sets up replica
    /// pools that connect lazily, so a replica that is down at start stops nothing. Each
    /// replica is probed once before this returns, then every [`PROBE_INTERVAL`] in the
    /// background; must run inside a Tokio runtime.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        read_urls: &[Secret],
        max_lag: Duration,
    ) -> Result<Self, DbError> {
        let primary = connect(url, max_connections).await?;
        if read_urls.is_empty() {
            return Ok(Self::primary_only(primary));
        }
        let options = |url: &str| {
            PgConnectOptions::from_str(url).map_err(|source| DbError::Connect {
                url: redact_replica_url(url),
                source,
            })
        };
        let primary_probe = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(REPLICA_TIMEOUT)
            .connect_lazy_with(options(url)?);
        let mut replicas = Vec::with_capacity(read_urls.len());
        for (i, read_url) in read_urls.iter().enumerate() {
            let opts = options(read_url.expose())?;
            replicas.push(Replica {
                name: format!("replica{i}"),
                url: redact_replica_url(read_url.expose()),
                pool: PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(REPLICA_TIMEOUT)
                    .connect_lazy_with(opts.clone()),
                probe_pool: PgPoolOptions::new()
                    .max_connections(2)
                    .acquire_timeout(REPLICA_TIMEOUT)
                    .connect_lazy_with(opts),
                health: Mutex::new(Health::default()),
                healthy: AtomicBool::new(false),
                reads: AtomicU64::new(0),
                fallbacks: AtomicU64::new(0),
                stale_reads: AtomicU64::new(0),
                skips: AtomicU64::new(0),
            });
        }
        let inner = Arc::new(Inner {
            primary,
            primary_probe: Some(primary_probe),
            replicas,
            next: AtomicUsize::new(0),
            max_lag,
            primary_reads: AtomicU64::new(0),
            probing: tokio::sync::Mutex::new(VecDeque::new()),
            prober: OnceLock::new(),
        });
        inner.probe().await;
        let task = tokio::spawn(probe_forever(Arc::downgrade(&inner)));
        let _ = inner.prober.set(AbortOnDrop(task));
        Ok(Self { inner })
    }

    /// The primary: writes, and reads that must see the latest state.
    pub fn primary(&self) -> &PgPool {
        &self.inner.primary
    }

    /// A pool for a lag-tolerant read: a healthy replica (round-robin), else the primary.
    /// Prefer [`Db::read_with_fallback`], which also survives a replica failing mid-query.
    pub fn read(&self) -> &PgPool {
        match self.inner.choose() {
            Some(replica) => {
                replica.reads.fetch_add(1, Ordering::Relaxed);
                &replica.pool
            }
            None => {
                self.inner.primary_reads.fetch_add(1, Ordering::Relaxed);
                &self.inner.primary
            }
        }
    }

    /// Runs a lag-tolerant read on a healthy replica, else on the primary. If the replica
    /// fails in a way that says it is unusable (connection lost, timeout, shutdown, recovery
    /// conflict), it is marked down and the primary runs the read instead, so the caller
    /// never sees the replica's failure.
    pub async fn read_with_fallback<T, E, F, Fut>(&self, read: F) -> Result<T, E>
    where
        F: Fn(PgPool) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: ReadError,
    {
        self.read_checked(read, |_| true).await
    }

    /// Like [`Db::read_with_fallback`], and the primary also answers when the replica's
    /// answer fails `fresh_enough` (say, a row that was just written is missing there).
    pub async fn read_checked<T, E, F, Fut>(
        &self,
        read: F,
        fresh_enough: impl Fn(&T) -> bool,
    ) -> Result<T, E>
    where
        F: Fn(PgPool) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: ReadError,
    {
        if let Some(replica) = self.inner.choose() {
            match read(replica.pool.clone()).await {
                Ok(value) if fresh_enough(&value) => {
                    replica.reads.fetch_add(1, Ordering::Relaxed);
                    return Ok(value);
                }
                Ok(_) => {
                    replica.stale_reads.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) if e.is_unavailable() => {
                    replica.fallbacks.fetch_add(1, Ordering::Relaxed);
                    replica.apply(Sample::Down(scrub(&e.to_string())), self.inner.max_lag);
                }
                Err(e) => return Err(e),
            }
        }
        self.inner.primary_reads.fetch_add(1, Ordering::Relaxed);
        read(self.inner.primary.clone()).await
    }

    /// Whether any replica is configured.
    pub fn has_replicas(&self) -> bool {
        !self.inner.replicas.is_empty()
    }

    /// Probes every replica now (as the background task does every second) and returns
    /// what is known afterwards; `/readyz` calls this.
    pub async fn probe_replicas(&self) -> Vec<ReplicaState> {
        self.inner.probe().await;
        self.replica_states()
    }

    /// Size and routed reads of every pool: `primary`, then `replica0`, `replica1`, …
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        let stats = |name: &str, pool: &PgPool, reads: &AtomicU64| PoolStats {
            name: name.to_owned(),
            size: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
            reads: reads.load(Ordering::Relaxed),
        };
        let inner = &self.inner;
        std::iter::once(stats("primary", &inner.primary, &inner.primary_reads))
            .chain(
                inner
                    .replicas
                    .iter()
                    .map(|r| stats(&r.name, &r.pool, &r.reads)),
            )
            .collect()
    }

    /// Health, lag and counters of every replica, in configuration order.
    pub fn replica_states(&self) -> Vec<ReplicaState> {
        self.inner
            .replicas
            .iter()
            .map(|r| {
                let health = r.health.lock().unwrap_or_else(|e| e.into_inner()).clone();
                ReplicaState {
                    name: r.name.clone(),
                    url: r.url.clone(),
                    healthy: health.healthy == Some(true),
                    lag: health.lag,
                    reason: match health.healthy {
                        None => Some("not probed yet".to_owned()),
                        _ => health.reason,
                    },
                    reads: r.reads.load(Ordering::Relaxed),
                    fallbacks: r.fallbacks.load(Ordering::Relaxed),
                    stale_reads: r.stale_reads.load(Ordering::Relaxed),
                    skips: r.skips.load(Ordering::Relaxed),
                }
            })
            .collect()
    }

    /// Closes every pool (at shutdown).
    pub async fn close(&self) {
        let inner = &self.inner;
        let replicas = inner
            .replicas
            .iter()
            .flat_map(|r| [r.pool.close(), r.probe_pool.close()]);
        let probe = inner.primary_probe.iter().map(|p| p.close());
        futures::future::join_all(replicas.chain(probe)).await;
        inner.primary.close().await;
    }
}

async fn probe_forever(inner: Weak<Inner>) {
    let mut tick = tokio::time::interval(PROBE_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(inner) = inner.upgrade() else {
            return;
        };
        inner.probe().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = Duration::from_secs(5);

    /// A sample: the primary was at the replayed position `position` seconds ago (`Some(0)`:
    /// caught up); the last replayed commit is `age` seconds old.
    fn replaying(position: Option<u64>, age: Option<u64>) -> Sample {
        Sample::Replaying {
            position_lag: position.map(Duration::from_secs),
            replay_age: age.map(Duration::from_secs),
        }
    }

    #[test]
    fn the_first_sample_is_always_a_transition() {
        let mut up = Health::default();
        assert_eq!(
            up.observe(replaying(Some(0), None), MAX),
            Some(Transition::Usable)
        );
        assert_eq!(up.lag, Some(Duration::ZERO));
        let mut down = Health::default();
        assert!(matches!(
            down.observe(Sample::Down("refused".into()), MAX),
            Some(Transition::Skipped(reason)) if reason.contains("refused")
        ));
        assert_eq!(down.healthy, Some(false));
    }

    #[test]
    fn transitions_are_reported_once_each() {
        let mut h = Health::default();
        assert!(h.observe(replaying(Some(0), None), MAX).is_some());
        assert_eq!(h.observe(replaying(Some(0), Some(100)), MAX), None);
        assert!(matches!(
            h.observe(Sample::Down("gone".into()), MAX),
            Some(Transition::Skipped(_))
        ));
        assert_eq!(h.observe(Sample::Down("still gone".into()), MAX), None);
        assert_eq!(h.reason.as_deref(), Some("unreachable: still gone"));
        assert_eq!(
            h.observe(replaying(Some(0), None), MAX),
            Some(Transition::Usable)
        );
        assert_eq!(h.reason, None);
    }

    #[test]
    fn a_caught_up_replica_has_no_lag_however_old_its_last_replay() {
        let mut h = Health::default();
        h.observe(replaying(Some(0), Some(3600)), MAX);
        assert_eq!(h.healthy, Some(true));
        assert_eq!(h.lag, Some(Duration::ZERO));
    }

    #[test]
    fn lag_is_the_smaller_bound() {
        let mut h = Health::default();
        // The primary was idle for an hour, then wrote: the last replayed commit is old, but
        // the replica has what the primary had a second ago.
        assert_eq!(
            h.observe(replaying(Some(1), Some(3600)), MAX),
            Some(Transition::Usable)
        );
        assert_eq!(h.lag, Some(Duration::from_secs(1)));
        assert!(matches!(
            h.observe(replaying(Some(6), Some(3600)), MAX),
            Some(Transition::Skipped(reason)) if reason.contains("behind")
        ));
        assert_eq!(h.lag, Some(Duration::from_secs(6)));
        // Behind every remembered position: the replay age bounds it.
        h.observe(replaying(None, Some(2)), MAX);
        assert_eq!(
            (h.healthy, h.lag),
            (Some(true), Some(Duration::from_secs(2)))
        );
        let mut unknown = Health::default();
        unknown.observe(replaying(None, None), MAX);
        assert_eq!((unknown.healthy, unknown.lag), (Some(false), None));
    }

    #[test]
    fn position_lag_is_how_long_ago_the_primary_was_where_the_replica_is() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let primary = [(at(0), 100), (at(1), 200), (at(2), 200), (at(3), 300)];
        let now = at(3);
        assert_eq!(position_lag(300, now, &primary), Some(Duration::ZERO));
        assert_eq!(position_lag(350, now, &primary), Some(Duration::ZERO));
        // Between 200 and 300: it has everything the primary had at 2 s.
        assert_eq!(
            position_lag(250, now, &primary),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            position_lag(100, now, &primary),
            Some(Duration::from_secs(3))
        );
        assert_eq!(position_lag(99, now, &primary), None);
        assert_eq!(position_lag(1, now, &[]), None);
    }

    #[test]
    fn wal_positions_parse_as_numbers() {
        assert_eq!(parse_lsn("0/0"), Some(0));
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert!(parse_lsn("1/FFFFFFFF") < parse_lsn("2/0"));
        assert_eq!(parse_lsn("nope"), None);
    }

    #[test]
    fn round_robin_skips_unusable_replicas() {
        let healthy = [true, false, true];
        let pick = |start| round_robin(3, start, |i| healthy[i]);
        assert_eq!(pick(0), Some(0));
        assert_eq!(pick(1), Some(2));
        assert_eq!(pick(2), Some(2));
        assert_eq!(pick(3 % 3), Some(0));
        assert_eq!(round_robin(3, 1, |_| false), None);
        assert_eq!(round_robin(0, 0, |_| true), None);
    }

    #[test]
    fn replica_urls_lose_passwords_and_parameters() {
        assert_eq!(
            redact_replica_url("postgres://app:hunter2@r1:5432/parley?password=x&sslmode=require"),
            "postgres://app:***@r1:5432/parley?…"
        );
        assert_eq!(
            redact_replica_url("postgres://r1/parley"),
            "postgres://r1/parley"
        );
        assert_eq!(
            scrub("cannot reach postgres://app:pw@r1/db now"),
            "cannot reach postgres://app:***@r1/db now"
        );
    }

    #[test]
    fn connection_failures_are_retried_and_query_errors_are_not() {
        assert!(sqlx::Error::PoolTimedOut.is_unavailable());
        assert!(StoreError::Db(sqlx::Error::PoolClosed).is_unavailable());
        assert!(!sqlx::Error::RowNotFound.is_unavailable());
        assert!(!StoreError::Duplicate("x".into()).is_unavailable());
    }

    fn lazy_pool() -> PgPool {
        PgPoolOptions::new()
            .connect_lazy("postgres://127.0.0.1:1/none")
            .expect("lazy pool")
    }

    /// A handle with `n` replicas that are never probed; all start healthy.
    fn with_replicas(n: usize) -> Db {
        let replicas = (0..n)
            .map(|i| Replica {
                name: format!("replica{i}"),
                url: "postgres://r/db".to_owned(),
                pool: lazy_pool(),
                probe_pool: lazy_pool(),
                health: Mutex::new(Health::default()),
                healthy: AtomicBool::new(false),
                reads: AtomicU64::new(0),
                fallbacks: AtomicU64::new(0),
                stale_reads: AtomicU64::new(0),
                skips: AtomicU64::new(0),
            })
            .collect::<Vec<_>>();
        for r in &replicas {
            r.apply(replaying(Some(0), None), MAX);
        }
        Db {
            inner: Arc::new(Inner {
                primary: lazy_pool(),
                primary_probe: None,
                replicas,
                next: AtomicUsize::new(0),
                max_lag: MAX,
                primary_reads: AtomicU64::new(0),
                probing: tokio::sync::Mutex::new(VecDeque::new()),
                prober: OnceLock::new(),
            }),
        }
    }

    fn reads(db: &Db) -> Vec<u64> {
        db.pool_stats().iter().map(|s| s.reads).collect()
    }

    #[tokio::test]
    async fn reads_rotate_over_healthy_replicas() {
        let db = with_replicas(2);
        for _ in 0..4 {
            let _ = db.read();
        }
        assert_eq!(reads(&db), [0, 2, 2]);
        db.inner.replicas[0].apply(Sample::Down("gone".into()), MAX);
        for _ in 0..2 {
            let _ = db.read();
        }
        assert_eq!(reads(&db), [0, 2, 4]);
        db.inner.replicas[1].apply(Sample::Down("gone".into()), MAX);
        let _ = db.read();
        assert_eq!(
            reads(&db),
            [1, 2, 4],
            "the primary when no replica is healthy"
        );
    }

    #[tokio::test]
    async fn a_replica_failing_mid_read_is_marked_down_and_the_primary_answers() {
        let db = with_replicas(1);
        let calls = AtomicUsize::new(0);
        let answer: Result<&str, sqlx::Error> = db
            .read_with_fallback(|_| {
                let call = calls.fetch_add(1, Ordering::Relaxed);
                async move {
                    match call {
                        0 => Err(sqlx::Error::PoolTimedOut),
                        _ => Ok("from the primary"),
                    }
                }
            })
            .await;
        assert_eq!(answer.ok(), Some("from the primary"));
        let state = &db.replica_states()[0];
        assert!(!state.healthy);
        assert_eq!((state.fallbacks, state.skips, state.reads), (1, 1, 0));
        assert_eq!(reads(&db), [1, 0]);
    }

    #[tokio::test]
    async fn query_errors_are_not_retried_and_stale_answers_are() {
        let db = with_replicas(1);
        let wrong: Result<(), sqlx::Error> = db
            .read_with_fallback(|_| async { Err(sqlx::Error::RowNotFound) })
            .await;
        assert!(matches!(wrong, Err(sqlx::Error::RowNotFound)));
        assert_eq!(reads(&db), [0, 0], "nobody served it");
        assert!(db.replica_states()[0].healthy);

        let calls = AtomicUsize::new(0);
        let fresh: Result<Option<u8>, sqlx::Error> = db
            .read_checked(
                |_| {
                    let call = calls.fetch_add(1, Ordering::Relaxed);
                    async move { Ok((call > 0).then_some(1)) }
                },
                Option::is_some,
            )
            .await;
        assert_eq!(fresh.ok().flatten(), Some(1));
        let state = &db.replica_states()[0];
        assert_eq!((state.stale_reads, state.healthy), (1, true));
        assert_eq!(reads(&db), [1, 0]);
    }

    #[tokio::test]
    async fn without_replicas_every_read_goes_to_the_primary() {
        let pool = PgPoolOptions::new()
            .connect_lazy("postgres://127.0.0.1:1/none")
            .expect("lazy pool");
        let db = Db::from(pool);
        assert!(!db.has_replicas());
        let _ = db.read();
        let answer: Result<u8, sqlx::Error> = db.read_with_fallback(|_| async { Ok(7) }).await;
        assert_eq!(answer.ok(), Some(7));
        let stats = db.pool_stats();
        assert_eq!(stats.len(), 1);
        assert_eq!((stats[0].name.as_str(), stats[0].reads), ("primary", 2));
        assert!(db.replica_states().is_empty());
    }
}
