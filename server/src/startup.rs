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
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

use crate::{pwa::PwaConfig, router, shutdown, state::AppState};

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
    /// The HTTP server failed while running.
    #[error("http server failed: {0}")]
    Serve(std::io::Error),
}

/// Connects, migrates and serves until SIGINT/SIGTERM, then drains and returns.
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
    for check in readiness(&infra).await.checks.iter().filter(|c| !c.ok) {
        tracing::warn!(
            backend = %check.name,
            error = check.error.as_deref().unwrap_or(""),
            "backend unreachable at start; /readyz reports 503 until it answers"
        );
    }

    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartupError::Bind { addr, source })?
        // Chat frames are small and latency-sensitive; never wait to coalesce them.
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    tracing::info!("listening on http://{addr}");
    let state = AppState::with_pwa(infra.clone(), pwa);
    // The relay shares the services' outbox, which every cause wakes after committing; the
    // consumer runs here too unless NOTIFICATION_WORKER=false leaves it to `server worker`.
    let tasks = PipelineTasks {
        relay: true,
        worker: infra.config.notifications.worker,
    };
    let pipeline = Pipeline::start(&state.services.notifications, tasks);
    let app = router::build(state);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown::signal())
    .await
    .map_err(StartupError::Serve);
    pipeline.stop().await;
    infra.queue.close().await;
    infra.db.close().await;
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// Consumes notification jobs until SIGINT/SIGTERM, serving no HTTP: consumers that scale
/// apart from the web servers. Applies migrations first, like `serve`.
pub async fn worker(config: Config) -> Result<(), StartupError> {
    let infra = Infra::connect(config).await?;
    db::migrate(infra.db.primary()).await?;
    tracing::info!("backends: {}", infra.describe());
    let services = Services::new(infra.clone());
    let tasks = PipelineTasks {
        relay: false,
        worker: true,
    };
    let pipeline = Pipeline::start(&services.notifications, tasks);
    shutdown::signal().await;
    // An unfinished job is not acked: closing the connection hands it to another worker.
    pipeline.stop().await;
    infra.queue.close().await;
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
