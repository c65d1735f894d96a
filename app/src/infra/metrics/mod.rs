//! The one place metrics are named: typed recording functions over the `metrics` facade,
//! and the Prometheus recorder a process installs when it serves `/metrics`.
//!
//! Recording without an installed recorder is a no-op, so tests and processes without
//! `METRICS_ADDR` pay nothing. Names follow Prometheus conventions: a `parley_` prefix,
//! `_total` counters, `_seconds` and `_bytes` units. Labels are bounded sets (route templates,
//! status codes, outcomes), never user input.

mod process;

use std::{sync::OnceLock, time::Duration};

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub use self::process::ProcessStats;

/// Latency buckets in seconds: a chat request is expected in milliseconds, but slow queries
/// and long catch-ups need the tail too.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The recorder could not be installed.
#[derive(Debug, thiserror::Error)]
#[error("cannot install the metrics recorder: {0}")]
pub struct MetricsError(String);

/// Installs the process-wide Prometheus recorder (once; later calls reuse it).
pub fn install() -> Result<(), MetricsError> {
    if HANDLE.get().is_some() {
        return Ok(());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)
        .map_err(|e| MetricsError(e.to_string()))?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|e| MetricsError(e.to_string()))?;
    let _ = HANDLE.set(handle);
    describe();
    Ok(())
}

/// The exposition of everything recorded so far, in the Prometheus text format; empty when
/// no recorder is installed.
pub fn render() -> String {
    HANDLE
        .get()
        .map(PrometheusHandle::render)
        .unwrap_or_default()
}

/// Help texts shown in the exposition.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        "parley_http_requests_total",
        "HTTP requests answered, by route template and status."
    );
    describe_histogram!(
        "parley_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by route template."
    );
    describe_gauge!(
        "parley_ws_connections",
        "Open realtime WebSocket connections."
    );
    describe_counter!(
        "parley_ws_frames_received_total",
        "Frames received from WebSocket clients."
    );
    describe_counter!(
        "parley_ws_frames_sent_total",
        "Text frames queued to WebSocket clients."
    );
    describe_counter!(
        "parley_ws_closes_total",
        "WebSocket connections closed by the server, by close code."
    );
    describe_counter!(
        "parley_messages_stored_total",
        "Messages stored (retried sends of a stored message are not counted)."
    );
    describe_counter!(
        "parley_fanout_deliveries_total",
        "Events handed to connections by this instance's fan-out."
    );
    describe_counter!(
        "parley_fanout_reorder_waits_total",
        "Room messages held back because an earlier seq had not arrived yet."
    );
    describe_counter!(
        "parley_fanout_reorder_timeouts_total",
        "Held room messages released after the wait ran out (the gap is filled from PostgreSQL)."
    );
    describe_counter!(
        "parley_bus_events_received_total",
        "Events this instance received from the event bus."
    );
    describe_counter!(
        "parley_bus_events_dropped_total",
        "Bus events dropped by this instance, by reason."
    );
    describe_gauge!(
        "parley_bus_subscribed_channels",
        "Event bus channels this instance is subscribed to."
    );
    describe_counter!(
        "parley_bus_subscription_changes_total",
        "Channels subscribed to or unsubscribed from, by action."
    );
    describe_gauge!(
        "parley_outbox_depth",
        "Outbox rows waiting to be relayed to the job queue."
    );
    describe_gauge!(
        "parley_outbox_oldest_age_seconds",
        Unit::Seconds,
        "Age of the oldest outbox row waiting to be relayed."
    );
    describe_counter!(
        "parley_notification_jobs_total",
        "Notification jobs handled by this process, by outcome."
    );
    describe_gauge!(
        "parley_db_pool_connections",
        "Connections of a PostgreSQL pool, by pool and state."
    );
    describe_gauge!(
        "parley_db_pool_max_connections",
        "Upper bound of a PostgreSQL pool."
    );
    describe_counter!(
        "parley_db_reads_total",
        "Lag-tolerant reads routed to a pool (primary or replica)."
    );
    describe_gauge!(
        "parley_db_replica_healthy",
        "1 while a read replica is up and within DATABASE_READ_MAX_LAG."
    );
    describe_gauge!(
        "parley_db_replica_lag_seconds",
        Unit::Seconds,
        "Replication lag of a read replica at its last probe."
    );
    describe_counter!(
        "parley_db_replica_fallbacks_total",
        "Reads a replica failed (error) or answered stale (stale), served by the primary."
    );
    describe_counter!(
        "parley_db_replica_skips_total",
        "Times a read replica was taken out of rotation (down or lagging)."
    );
    describe_counter!(
        "parley_redis_errors_total",
        "Failed Redis operations, by operation."
    );
    describe_counter!(
        "parley_amqp_errors_total",
        "Failed RabbitMQ operations, by operation."
    );
    describe_counter!(
        "parley_password_hashes_refused_total",
        "Sign-ins, sign-ups and password checks refused (429) because the hashing queue was full."
    );
    describe_gauge!(
        "parley_draining",
        "1 while this instance drains after SIGTERM."
    );
}

/// One answered HTTP request; `route` is the matched route template, never the raw path.
pub fn http_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    counter!("parley_http_requests_total", "method" => method.to_owned(), "route" => route.to_owned(), "status" => status.to_string()).increment(1);
    histogram!("parley_http_request_duration_seconds", "method" => method.to_owned(), "route" => route.to_owned()).record(elapsed.as_secs_f64());
}

/// A WebSocket connection opened.
pub fn ws_opened() {
    gauge!("parley_ws_connections").increment(1.0);
}

/// A WebSocket connection ended; `close_code` is the code the server sent, if it closed it.
pub fn ws_closed(close_code: Option<u16>) {
    gauge!("parley_ws_connections").decrement(1.0);
    if let Some(code) = close_code {
        counter!("parley_ws_closes_total", "code" => code.to_string()).increment(1);
    }
}

/// A socket over a connection cap was closed at once with `close_code`.
pub fn ws_refused(close_code: u16) {
    counter!("parley_ws_closes_total", "code" => close_code.to_string()).increment(1);
}

/// A frame arrived from a client.
pub fn ws_frame_received() {
    counter!("parley_ws_frames_received_total").increment(1);
}

/// A text frame was queued for a client.
pub fn ws_frame_sent() {
    counter!("parley_ws_frames_sent_total").increment(1);
}

/// A new message was stored.
pub fn message_stored() {
    counter!("parley_messages_stored_total").increment(1);
}

/// The fan-out handed `n` dispatches to connections.
pub fn fanout_delivered(n: usize) {
    counter!("parley_fanout_deliveries_total").increment(n as u64);
}

/// A room message waits for an earlier seq.
pub fn fanout_reorder_wait() {
    counter!("parley_fanout_reorder_waits_total").increment(1);
}

/// `n` held room messages went out because their wait ran out.
pub fn fanout_reorder_timeouts(n: usize) {
    counter!("parley_fanout_reorder_timeouts_total").increment(n as u64);
}

/// An event arrived from the bus.
pub fn bus_event_received() {
    counter!("parley_bus_events_received_total").increment(1);
}

/// `n` bus events were dropped: `lagged` (this instance fell behind), `unreadable`, or
/// `no_follower` (arrived for a room nobody here follows any more).
pub fn bus_events_dropped(reason: &'static str, n: u64) {
    counter!("parley_bus_events_dropped_total", "reason" => reason).increment(n);
}

/// The bus subscribed to (`subscribe`) or left (`unsubscribe`) `n` channels; `now` are left.
pub fn bus_subscriptions_changed(action: &'static str, n: usize, now: usize) {
    counter!("parley_bus_subscription_changes_total", "action" => action).increment(n as u64);
    gauge!("parley_bus_subscribed_channels").set(now as f64);
}

/// The outbox backlog as last measured.
pub fn outbox_backlog(depth: i64, oldest_age: Duration) {
    gauge!("parley_outbox_depth").set(depth as f64);
    gauge!("parley_outbox_oldest_age_seconds").set(oldest_age.as_secs_f64());
}

/// A notification job ended: `done`, `retried`, `dead_lettered` or `requeued`.
pub fn notification_job(outcome: &'static str) {
    counter!("parley_notification_jobs_total", "outcome" => outcome).increment(1);
}

/// The state of one PostgreSQL pool and the routed reads it served so far.
pub fn db_pool(pool: &str, size: u32, idle: u32, max: u32, reads: u64) {
    let in_use = size.saturating_sub(idle);
    counter!("parley_db_reads_total", "pool" => pool.to_owned()).absolute(reads);
    gauge!("parley_db_pool_connections", "pool" => pool.to_owned(), "state" => "idle")
        .set(f64::from(idle));
    gauge!("parley_db_pool_connections", "pool" => pool.to_owned(), "state" => "in_use")
        .set(f64::from(in_use));
    gauge!("parley_db_pool_max_connections", "pool" => pool.to_owned()).set(f64::from(max));
}

/// What the last probe of a read replica found, and its counters so far.
pub struct ReplicaFigures<'a> {
    /// Pool name (`replica0`, …).
    pub pool: &'a str,
    /// Whether reads go to it now.
    pub healthy: bool,
    /// Replication lag, when measured.
    pub lag: Option<Duration>,
    /// Reads that failed on it and went to the primary.
    pub fallbacks: u64,
    /// Reads whose answer looked stale and went to the primary.
    pub stale_reads: u64,
    /// Times it was taken out of rotation.
    pub skips: u64,
}

/// Records a read replica's state.
pub fn db_replica(r: &ReplicaFigures<'_>) {
    let pool = r.pool.to_owned();
    gauge!("parley_db_replica_healthy", "pool" => pool.clone()).set(if r.healthy {
        1.0
    } else {
        0.0
    });
    if let Some(lag) = r.lag {
        gauge!("parley_db_replica_lag_seconds", "pool" => pool.clone()).set(lag.as_secs_f64());
    }
    counter!("parley_db_replica_fallbacks_total", "pool" => pool.clone(), "reason" => "error")
        .absolute(r.fallbacks);
    counter!("parley_db_replica_fallbacks_total", "pool" => pool.clone(), "reason" => "stale")
        .absolute(r.stale_reads);
    counter!("parley_db_replica_skips_total", "pool" => pool).absolute(r.skips);
}

/// A Redis operation failed (`publish`, `subscribe`, `rate_limit`, `cache`, `presence`).
pub fn redis_error(op: &'static str) {
    counter!("parley_redis_errors_total", "op" => op).increment(1);
}

/// A RabbitMQ operation failed (`connect`, `publish`, `consume`, `ack`).
pub fn amqp_error(op: &'static str) {
    counter!("parley_amqp_errors_total", "op" => op).increment(1);
}

/// A password hash was refused because the hashing queue was full.
pub fn password_hash_refused() {
    counter!("parley_password_hashes_refused_total").increment(1);
}

/// Whether this instance is draining.
pub fn draining(on: bool) {
    gauge!("parley_draining").set(if on { 1.0 } else { 0.0 });
}
