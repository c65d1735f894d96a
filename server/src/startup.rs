//! What the `serve`, `worker` and `migrate` commands do, and the one error type for starting up.

use std::net::SocketAddr;

use app::{
    infra::{
        config::Config,
        db::{self, DbError},
        health::readiness,
        Infra, InfraError,
    },
    services::{
        notifications::pipeline::{Pipeline, PipelineTasks},
        Services,
    },
};
use tokio::net::TcpListener;

use crate::{http_server, metrics_listener, pwa::PwaConfig, router, shutdown, state::AppState};

/// Why the process could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A backend could not be set up.
    #[error(transparent)]
    Infra(#[from] InfraError),
    /// Migrations failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The configured address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// A setting read outside `Config` (like `PWA`) is invalid.
    #[error("{0}")]
    Setting(String),
}

/// How long closing WebSockets get to finish their handshakes once the drain closes them.
const SOCKET_CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(6);

/// Connects, migrates and serves until SIGINT/SIGTERM, then drains and returns: `/readyz`
/// turns 503 at once, requests are served for `SHUTDOWN_GRACE_SECONDS` more while the load
/// balancer notices, then WebSockets close with 1012 (reconnect elsewhere), in-flight
/// requests finish, the outbox relay stops, and the process exits 0.
pub async fn serve(config: Config) -> Result<(), StartupError> {
    let addr = config.site_addr;
    let pwa = PwaConfig::from_env().map_err(StartupError::Setting)?;
    let infra = Infra::connect(config).await?;
    db::migrate(infra.db.primary()).await?;
    tracing::info!("backends: {}", infra.describe());
    infra
        .bus
        .wait_until_subscribed(std::time::Duration::from_secs(2))
        .await;
    for check in readiness(&infra)
        .await
        .checks
        .iter()
        .filter(|c| !c.ok && !c.degraded)
    {
        tracing::warn!(
            backend = %check.name,
            error = check.error.as_deref().unwrap_or(""),
            "backend unreachable at start; /readyz reports 503 until it answers"
        );
    }

    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartupError::Bind { addr, source })?;
    tracing::info!("listening on http://{addr}");
    let state = AppState::with_pwa(infra.clone(), pwa);
    let (stop_metrics, metrics) = stopper();
    let metrics = match infra.config.scale.metrics_addr {
        Some(addr) => Some(tokio::spawn(
            metrics_listener::bind(addr, infra.clone(), metrics).await?,
        )),
        None => None,
    };
    // The relay shares the services' outbox, which every cause wakes after committing; the
    // consumer runs here too unless NOTIFICATION_WORKER=false leaves it to `server worker`.
    let tasks = PipelineTasks {
        relay: true,
        worker: infra.config.notifications.worker,
    };
    let pipeline = Pipeline::start(&state.services.notifications, tasks);
    let (fanout, sockets, drain) = (
        state.fanout.clone(),
        state.sockets.clone(),
        state.drain.clone(),
    );
    let sockets_after = sockets.clone();
    let grace = infra.config.scale.shutdown_grace;
    let app = router::build(state);
    let draining = async move {
        shutdown::signal().await;
        drain.start();
        tracing::info!(
            grace_seconds = grace.as_secs_f64(),
            "draining: /readyz answers 503; serving on while the load balancer notices"
        );
        tokio::time::sleep(grace).await;
        tracing::info!(
            sockets = sockets.live(),
            "closing WebSockets (1012) and finishing in-flight requests"
        );
        fanout.restart_all();
    };
    let header_timeout = infra.config.limits.http_header_timeout;
    http_server::serve(listener, app, header_timeout, draining).await;
    // Upgraded sockets are not the HTTP server's to wait for: give their closing handshakes
    // a moment so clients get the 1012 rather than a reset.
    if !sockets_after.wait_idle(SOCKET_CLOSE_WAIT).await {
        tracing::warn!("some WebSockets did not finish closing in time");
    }
    pipeline.stop().await;
    infra.queue.close().await;
    stop_metrics.stop(metrics).await;
    infra.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// A one-shot stop signal for a background server, and the future it resolves.
fn stopper() -> (
    Stopper,
    impl std::future::Future<Output = ()> + Send + 'static,
) {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    (Stopper(tx), async move {
        let _ = rx.await;
    })
}

/// Stops the metrics listener last, so a scrape during the drain still sees the process.
struct Stopper(tokio::sync::oneshot::Sender<()>);

impl Stopper {
    async fn stop(self, task: Option<tokio::task::JoinHandle<()>>) {
        let _ = self.0.send(());
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

/// Consumes notification jobs until SIGINT/SIGTERM, serving no HTTP: consumers that scale
/// apart from the web servers. Applies migrations first, like `serve`.
pub async fn worker(config: Config) -> Result<(), StartupError> {
    let infra = Infra::connect(config).await?;
    db::migrate(infra.db.primary()).await?;
    tracing::info!("backends: {}", infra.describe());
    let services = Services::new(infra.clone());
    let (stop_metrics, metrics) = stopper();
    let metrics = match infra.config.scale.metrics_addr {
        Some(addr) => Some(tokio::spawn(
            metrics_listener::bind(addr, infra.clone(), metrics).await?,
        )),
        None => None,
    };
    let tasks = PipelineTasks {
        relay: false,
        worker: true,
    };
    let pipeline = Pipeline::start(&services.notifications, tasks);
    shutdown::signal().await;
    // An unfinished job is not acked: closing the connection hands it to another worker.
    pipeline.stop().await;
    infra.queue.close().await;
    stop_metrics.stop(metrics).await;
    infra.db.close().await;
    tracing::info!("worker stopped");
    Ok(())
}

/// Applies pending migrations and returns.
pub async fn migrate(config: Config) -> Result<(), StartupError> {
    let pool = db::connect(config.database_url.expose(), 2).await?;
    db::migrate(&pool).await?;
    tracing::info!("migrations applied");
    pool.close().await;
    Ok(())
}
