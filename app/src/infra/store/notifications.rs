//! Queries on `notifications`: storing them idempotently, pages, the unread count, marking
//! read and deleting. Every query is scoped to one user, so nobody reaches another's rows.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::StoreResult;
use crate::model::notification::{Notification, NotificationKind, NotificationPayload};

/// A notification about to be stored.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    /// Recipient.
    pub user_id: Uuid,
    /// Kind.
    pub kind: NotificationKind,
    /// What it shows.
    pub payload: &'a NotificationPayload,
    /// Identifies its cause; a second notification with the same key is not stored.
    pub dedupe_key: &'a str,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    kind: String,
    payload: serde_json::Value,
    read_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl Row {
    fn into_notification(self) -> Option<Notification> {
        let kind = NotificationKind::parse(&self.kind)?;
        // A payload written by an older version may lack fields: they take their defaults
        // rather than making the whole list unreadable.
        let payload = serde_json::from_value(self.payload).unwrap_or_else(|e| {
            tracing::warn!(error = %e, id = %self.id, "unreadable notification payload");
            NotificationPayload::default()
        });
        Some(Notification {
            id: self.id,
            kind,
            payload,
            read_at: self.read_at,
            created_at: self.created_at,
        })
    }
}

const COLUMNS: &str = "id, kind, payload, read_at, created_at";

/// Stores a notification unless one with the same recipient and dedupe key exists; returns
/// it when it is new, `None` when it was stored before (a redelivered job).
pub async fn insert(
    db: impl PgExecutor<'_>,
    n: NewNotification<'_>,
) -> StoreResult<Option<Notification>> {
    let payload = serde_json::to_value(n.payload)
        .map_err(|e| super::StoreError::Db(sqlx::Error::Encode(Box::new(e))))?;
    let row: Option<Row> = sqlx::query_as(&format!(
        "INSERT INTO notifications (user_id, kind, payload, dedupe_key) VALUES ($1, $2, $3, $4)
         ON CONFLICT ON CONSTRAINT notifications_dedupe_key DO NOTHING RETURNING {COLUMNS}"
    ))
    .bind(n.user_id)
    .bind(n.kind.as_str())
    .bind(payload)
    .bind(n.dedupe_key)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(Row::into_notification))
}

/// What a page asks for.
#[derive(Debug, Clone, Copy)]
pub struct PageQuery {
    /// Whose notifications.
    pub user_id: Uuid,
    /// Only those older than this `(created_at, id)` position.
    pub before: Option<(DateTime<Utc>, Uuid)>,
    /// Only unread ones.
    pub unread_only: bool,
    /// Only this kind.
    pub kind: Option<NotificationKind>,
    /// At most this many.
    pub limit: i64,
}

/// A page of the user's notifications, newest first.
pub async fn page(db: impl PgExecutor<'_>, q: PageQuery) -> StoreResult<Vec<Notification>> {
    let (before_at, before_id) = q.before.unzip();
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM notifications
         WHERE user_id = $1
           AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
           AND (NOT $4 OR read_at IS NULL)
           AND ($5::text IS NULL OR kind = $5)
         ORDER BY created_at DESC, id DESC LIMIT $6"
    ))
    .bind(q.user_id)
    .bind(before_at)
    .bind(before_id)
    .bind(q.unread_only)
    .bind(q.kind.map(NotificationKind::as_str))
    .bind(q.limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(Row::into_notification)
        .collect())
}

/// The user's number of unread notifications, counted from the stored rows.
pub async fn unread_count(db: impl PgExecutor<'_>, user: Uuid) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user)
    .fetch_one(db)
    .await?)
}

/// Marks one of the user's notifications read (keeping the first read time); false when the
/// user has no such notification.
pub async fn mark_read(db: impl PgExecutor<'_>, user: Uuid, id: Uuid) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = coalesce(read_at, now())
         WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks every unread notification of the user read; returns how many changed.
pub async fn mark_all_read(db: impl PgExecutor<'_>, user: Uuid) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Marks the user's unread message notifications of a room up to `seq` read: reading the
/// conversation reads what pointed at it. Returns how many changed.
pub async fn mark_read_in_room(
    db: impl PgExecutor<'_>,
    user: Uuid,
    room: Uuid,
    seq: i64,
) -> StoreResult<u64> {
    // The partial index on unread rows keeps this to the user's few unread notifications.
    let done = sqlx::query(
        "UPDATE notifications SET read_at = now()
         WHERE user_id = $1 AND read_at IS NULL
           AND kind IN ('mention', 'reply', 'direct_message')
           AND payload -> 'room' ->> 'id' = $2::text
           AND (payload ->> 'seq')::bigint <= $3",
    )
    .bind(user)
    .bind(room.to_string())
    .bind(seq)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes one of the user's notifications; false when the user has no such notification.
pub async fn delete(db: impl PgExecutor<'_>, user: Uuid, id: Uuid) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM notifications WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes every read notification of the user; returns how many went.
pub async fn delete_read(db: impl PgExecutor<'_>, user: Uuid) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM notifications WHERE user_id = $1 AND read_at IS NOT NULL")
        .bind(user)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
