//! Queries on `refresh_sessions` (one per sign-in) and `refresh_tokens` (hashed, rotating).

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Postgres};
use uuid::Uuid;

use super::StoreResult;

/// A session row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// Identifier (also the `sid` claim of its access tokens).
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Client description.
    pub user_agent: Option<String>,
    /// Client address.
    pub ip_address: Option<String>,
    /// Sign-in time.
    pub created_at: DateTime<Utc>,
    /// Last refresh.
    pub last_used_at: DateTime<Utc>,
    /// End of the session unless refreshed.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

const SESSION_COLUMNS: &str =
    "id, user_id, user_agent, ip_address, created_at, last_used_at, expires_at, revoked_at";

/// Creates a session with its first refresh token.
pub async fn create(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    user_id: Uuid,
    user_agent: Option<&str>,
    ip_address: Option<&str>,
    expires_at: DateTime<Utc>,
    token_hash: &[u8],
) -> StoreResult<SessionRow> {
    let row: SessionRow = sqlx::query_as(&format!(
        "INSERT INTO refresh_sessions (user_id, user_agent, ip_address, expires_at)
         VALUES ($1, $2, $3, $4) RETURNING {SESSION_COLUMNS}"
    ))
    .bind(user_id)
    .bind(user_agent)
    .bind(ip_address)
    .bind(expires_at)
    .fetch_one(&mut **tx)
    .await?;
    insert_token(&mut **tx, row.id, token_hash).await?;
    Ok(row)
}

/// Stores a new refresh token of a session.
pub async fn insert_token(
    db: impl PgExecutor<'_>,
    session_id: Uuid,
    token_hash: &[u8],
) -> StoreResult<()> {
    sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)")
        .bind(token_hash)
        .bind(session_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A presented refresh token with its session, locked for the rest of the transaction so two
/// concurrent refreshes of one token cannot both succeed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenLookup {
    /// The session.
    #[sqlx(flatten)]
    pub session: SessionRow,
    /// When this token was exchanged already (a replay if set).
    pub rotated_at: Option<DateTime<Utc>>,
}

/// Finds the token by hash and locks it.
pub async fn lock_token(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    token_hash: &[u8],
) -> StoreResult<Option<TokenLookup>> {
    Ok(sqlx::query_as(
        "SELECT s.id, s.user_id, s.user_agent, s.ip_address, s.created_at, s.last_used_at,
                s.expires_at, s.revoked_at, t.rotated_at
         FROM refresh_tokens t JOIN refresh_sessions s ON s.id = t.session_id
         WHERE t.token_hash = $1
         FOR UPDATE OF t, s",
    )
    .bind(token_hash)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Marks a token as used and extends its session.
pub async fn rotate(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    old_hash: &[u8],
    new_hash: &[u8],
    session_id: Uuid,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1")
        .bind(old_hash)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE refresh_sessions SET last_used_at = now(), expires_at = $2 WHERE id = $1")
        .bind(session_id)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
    insert_token(&mut **tx, session_id, new_hash).await
}

/// Revokes one session of a user; false when it does not exist, is not theirs or was revoked.
pub async fn revoke(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    session_id: Uuid,
    reason: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE refresh_sessions SET revoked_at = now(), revoked_reason = $3
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every active session of a user except `keep`; returns how many.
pub async fn revoke_all(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE refresh_sessions SET revoked_at = now(), revoked_reason = $3
         WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2)",
    )
    .bind(user_id)
    .bind(keep)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Whether the session exists, belongs to `user_id`, is not revoked and has not expired.
pub async fn is_active(
    db: impl PgExecutor<'_>,
    session_id: Uuid,
    user_id: Uuid,
) -> StoreResult<bool> {
    let active: Option<bool> = sqlx::query_scalar(
        "SELECT revoked_at IS NULL AND expires_at > now() FROM refresh_sessions
         WHERE id = $1 AND user_id = $2",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(active.unwrap_or(false))
}

/// The user's active sessions, most recently used first.
pub async fn list_active(db: impl PgExecutor<'_>, user_id: Uuid) -> StoreResult<Vec<SessionRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SESSION_COLUMNS} FROM refresh_sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
         ORDER BY last_used_at DESC"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await?)
}
