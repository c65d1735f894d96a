//! Queries on `outbox`: jobs written in the transaction of their cause and relayed to the
//! queue after commit.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Postgres};

use super::StoreResult;

/// One row waiting to be relayed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    /// Position in the outbox.
    pub id: i64,
    /// The queue it goes to.
    pub topic: String,
    /// The job.
    pub payload: serde_json::Value,
    /// Failed relay attempts so far.
    pub attempts: i32,
}

/// Adds a job; it becomes visible to the relay when the surrounding transaction commits.
pub async fn insert(
    db: impl PgExecutor<'_>,
    topic: &str,
    payload: &serde_json::Value,
) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar("INSERT INTO outbox (topic, payload) VALUES ($1, $2) RETURNING id")
            .bind(topic)
            .bind(payload)
            .fetch_one(db)
            .await?,
    )
}

/// The oldest unsent rows, locked until the transaction ends. Rows another relay holds are
/// skipped rather than waited for, so several instances share the backlog without blocking
/// each other or sending a row twice at the same time.
pub async fn claim(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    limit: i64,
) -> StoreResult<Vec<OutboxRow>> {
    Ok(sqlx::query_as(
        "SELECT id, topic, payload, attempts FROM outbox
         WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?)
}

/// Marks rows as relayed.
pub async fn mark_sent(db: impl PgExecutor<'_>, ids: &[i64]) -> StoreResult<()> {
    sqlx::query("UPDATE outbox SET sent_at = now() WHERE id = ANY($1)")
        .bind(ids)
        .execute(db)
        .await?;
    Ok(())
}

/// Counts a failed attempt to relay a row and keeps the reason.
pub async fn record_failure(db: impl PgExecutor<'_>, id: i64, error: &str) -> StoreResult<()> {
    let error: String = error.chars().take(1000).collect();
    sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1")
        .bind(id)
        .bind(error)
        .execute(db)
        .await?;
    Ok(())
}

/// How many rows wait to be relayed.
pub async fn unsent_count(db: impl PgExecutor<'_>) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            .fetch_one(db)
            .await?,
    )
}

/// Deletes up to `limit` rows relayed before `before`; returns how many went.
pub async fn delete_sent_before(
    db: impl PgExecutor<'_>,
    before: DateTime<Utc>,
    limit: i64,
) -> StoreResult<u64> {
    let done = sqlx::query(
        "DELETE FROM outbox WHERE id IN (
             SELECT id FROM outbox WHERE sent_at < $1 ORDER BY sent_at LIMIT $2
         )",
    )
    .bind(before)
    .bind(limit)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// How many rows wait to be relayed and how long the oldest of them has waited.
pub async fn backlog(db: impl PgExecutor<'_>) -> StoreResult<(i64, f64)> {
    Ok(sqlx::query_as(
        "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at))::float8, 0)
         FROM outbox WHERE sent_at IS NULL",
    )
    .fetch_one(db)
    .await?)
}
