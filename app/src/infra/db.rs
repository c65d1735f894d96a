//! PostgreSQL: the connection pool and the migrations embedded from `migrations/`.

use std::time::Duration;

use sqlx::{postgres::PgPoolOptions, PgPool};

use super::config::redact_url;

/// The project's migrations, compiled into the binary so a deployment needs no extra files.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

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
