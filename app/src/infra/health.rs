//! Readiness: probes every backend concurrently, each within a deadline, so a dead backend
//! makes `/readyz` answer 503 quickly instead of hanging.

use std::{future::Future, time::Duration};

use tokio::time::Instant;

use super::{db, redis_conn, Infra};
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
    }
}

/// Probes PostgreSQL, and Redis and RabbitMQ when they are configured.
pub async fn readiness(infra: &Infra) -> Readiness {
    let postgres = probe("postgres", "postgres", db::ping(&infra.db));
    let redis = async {
        match &infra.redis {
            Some(conn) => Some(probe("redis", "redis", redis_conn::ping(conn)).await),
            None => None,
        }
    };
    let bus = probe("event_bus", infra.bus.backend(), infra.bus.ping());
    let queue = probe("rabbitmq", infra.queue.backend(), infra.queue.ping());
    let (postgres, redis, bus, queue) = tokio::join!(postgres, redis, bus, queue);

    let mut checks = vec![postgres];
    checks.extend(redis);
    checks.push(bus);
    let mut queue = queue;
    if infra.queue.backend() == "in-process" {
        queue.name = "job_queue".to_owned();
    }
    checks.push(queue);
    Readiness::from_checks(checks)
}
