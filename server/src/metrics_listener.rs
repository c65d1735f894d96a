//! `GET /metrics` on its own listener (`METRICS_ADDR`), never on the public port: the
//! Prometheus exposition of what the process recorded, plus figures read at scrape time
//! (pool state, outbox backlog, process RSS/CPU/fds).

use std::{future::Future, net::SocketAddr, time::Duration};

use app::infra::{
    metrics::{self, ProcessStats},
    store::outbox,
    Infra,
};
use axum::{extract::State, http::header, response::IntoResponse, routing::get, Router};
use tokio::net::TcpListener;

use crate::startup::StartupError;

/// How long the scrape may wait for the outbox query.
const BACKLOG_TIMEOUT: Duration = Duration::from_secs(1);
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Binds `addr` now (so a taken port fails the start) and returns the server future, which
/// runs until `shutdown` resolves.
pub async fn bind(
    addr: SocketAddr,
    infra: Infra,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<impl Future<Output = ()>, StartupError> {
    metrics::install().map_err(|e| StartupError::Setting(e.to_string()))?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartupError::Bind { addr, source })?;
    tracing::info!("metrics on http://{addr}/metrics");
    let app = Router::new()
        .route("/metrics", get(scrape))
        .with_state(infra);
    Ok(async move {
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::warn!(error = %e, "metrics listener failed");
        }
    })
}

async fn scrape(State(infra): State<Infra>) -> impl IntoResponse {
    for pool in infra.db.pool_stats() {
        metrics::db_pool(&pool.name, pool.size, pool.idle, pool.max, pool.reads);
    }
    for replica in infra.db.replica_states() {
        metrics::db_replica(&metrics::ReplicaFigures {
            pool: &replica.name,
            healthy: replica.healthy,
            lag: replica.lag,
            fallbacks: replica.fallbacks,
            stale_reads: replica.stale_reads,
            skips: replica.skips,
        });
    }
    match tokio::time::timeout(BACKLOG_TIMEOUT, outbox::backlog(infra.db.primary())).await {
        Ok(Ok((depth, oldest))) => {
            metrics::outbox_backlog(depth, Duration::from_secs_f64(oldest.max(0.0)))
        }
        Ok(Err(e)) => tracing::debug!(error = %e, "cannot measure the outbox for metrics"),
        Err(_) => tracing::debug!("outbox measurement timed out"),
    }
    let mut body = metrics::render();
    if let Some(process) = ProcessStats::read() {
        body.push_str(&process.render());
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], body)
}
