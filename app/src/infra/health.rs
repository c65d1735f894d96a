//! Readiness: probes every backend concurrently, each within a deadline, so a dead backend
//! makes `/readyz` answer 503 quickly instead of hanging. A read replica that is down or
//! lagging only degrades service (the primary serves its reads): reported, never a 503.

use std::{future::Future, time::Duration};

use tokio::time::Instant;

use super::{
    db::{self, Db},
    redis_conn, Infra,
};
use crate::model::health::{CheckResult, Readiness};

/// How long one backend may take to answer a probe.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

async fn probe<E: std::fmt::Display>(
    name: &str,
    backend: &str,
    check: impl Future<Output = Result<(), E>>,
) -> CheckResult {
    let started = Instant::now();
    let outcome = tokio::time::timeout(PROBE_TIMEOUT, check).await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let error = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some(format!("no answer within {PROBE_TIMEOUT:?}")),
    };
    CheckResult {
        name: name.to_owned(),
        backend: backend.to_owned(),
        ok: error.is_none(),
        latency_ms,
        error,
        degraded: false,
        lag_ms: None,
    }
}

/// Probes every read replica once and reports each as a `postgres_replica` check named by
/// its pool; a failing one is marked degraded. Never shows a connection string.
async fn replicas(db: &Db) -> Vec<CheckResult> {
    if !db.has_replicas() {
        return Vec::new();
    }
    let started = Instant::now();
    let states = match tokio::time::timeout(PROBE_TIMEOUT, db.probe_replicas()).await {
        Ok(states) => states,
        // Keep what the background probe last saw.
        Err(_) => db.replica_states(),
    };
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    states
        .into_iter()
        .map(|state| CheckResult {
            name: "postgres_replica".to_owned(),
            backend: state.name,
            ok: state.healthy,
            latency_ms,
            error: if state.healthy { None } else { state.reason },
            degraded: !state.healthy,
            lag_ms: state
                .lag
                .map(|lag| u64::try_from(lag.as_millis()).unwrap_or(u64::MAX)),
        })
        .collect()
}

/// Probes PostgreSQL (and its read replicas), and Redis and RabbitMQ when they are configured.
pub async fn readiness(infra: &Infra) -> Readiness {
    let postgres = probe("postgres", "postgres", db::ping(infra.db.primary()));
    let replicas = replicas(&infra.db);
    let redis = async {
        match &infra.redis {
            Some(conn) => Some(probe("redis", "redis", redis_conn::ping(conn)).await),
            None => None,
        }
    };
    let bus = probe("event_bus", infra.bus.backend(), infra.bus.ping());
    let queue = probe("rabbitmq", infra.queue.backend(), infra.queue.ping());
    let (postgres, replicas, redis, bus, queue) =
        tokio::join!(postgres, replicas, redis, bus, queue);

    let mut checks = vec![postgres];
    checks.extend(replicas);
    checks.extend(redis);
    checks.push(bus);
    let mut queue = queue;
    if infra.queue.backend() == "in-process" {
        queue.name = "job_queue".to_owned();
    }
    checks.push(queue);
    Readiness::from_checks(checks)
}
