//! Queries on `rooms` and the directory.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Postgres};
use uuid::Uuid;

use super::StoreResult;
use crate::model::room::{RoomSettings, RoomSummary};

/// A room row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoomRow {
    /// Identifier.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Invite-only.
    pub is_private: bool,
    /// `group` or `direct`.
    pub kind: String,
    /// Seat limit.
    pub max_participants: Option<i32>,
    /// Picture.
    pub avatar_url: Option<String>,
    /// Settings object.
    pub settings: serde_json::Value,
    /// Creator.
    pub creator_id: Option<Uuid>,
    /// Newest message's sequence number.
    pub last_seq: i64,
    /// Participants (kept by a trigger).
    pub participant_count: i32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl RoomRow {
    /// The settings object as typed settings (defaults for anything unreadable).
    pub fn settings(&self) -> RoomSettings {
        serde_json::from_value(self.settings.clone()).unwrap_or_default()
    }
}

const ROOM_COLUMNS: &str = "id, name, description, is_private, kind, max_participants, \
     avatar_url, settings, creator_id, last_seq, participant_count, created_at";

/// Fields of a new room.
#[derive(Debug, Clone)]
pub struct NewRoom<'a> {
    /// Name.
    pub name: &'a str,
    /// Description.
    pub description: &'a str,
    /// Invite-only.
    pub is_private: bool,
    /// `group` or `direct`.
    pub kind: &'a str,
    /// Seat limit.
    pub max_participants: Option<i32>,
    /// Picture.
    pub avatar_url: Option<&'a str>,
    /// Settings object.
    pub settings: serde_json::Value,
    /// Creator.
    pub creator_id: Uuid,
    /// Pair key of a direct room.
    pub direct_key: Option<&'a str>,
}

/// Inserts a room.
pub async fn insert(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    r: NewRoom<'_>,
) -> StoreResult<RoomRow> {
    sqlx::query_as(&format!(
        "INSERT INTO rooms (name, description, is_private, kind, max_participants, avatar_url,
                            settings, creator_id, direct_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {ROOM_COLUMNS}"
    ))
    .bind(r.name)
    .bind(r.description)
    .bind(r.is_private)
    .bind(r.kind)
    .bind(r.max_participants)
    .bind(r.avatar_url)
    .bind(r.settings)
    .bind(r.creator_id)
    .bind(r.direct_key)
    .fetch_one(&mut **tx)
    .await
    .map_err(super::map_unique)
}

/// The room with this id.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> StoreResult<Option<RoomRow>> {
    Ok(
        sqlx::query_as(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// The room, locked until the transaction ends (serialises joins racing for seats).
pub async fn lock(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    id: Uuid,
) -> StoreResult<Option<RoomRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROOM_COLUMNS} FROM rooms WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The direct room of a pair, by its key.
pub async fn direct_by_key(db: impl PgExecutor<'_>, key: &str) -> StoreResult<Option<RoomRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROOM_COLUMNS} FROM rooms WHERE direct_key = $1"
    ))
    .bind(key)
    .fetch_optional(db)
    .await?)
}

/// Validated new values for a room (`None` keeps; for nullable columns the inner `None` clears).
#[derive(Debug, Clone, Default)]
pub struct RoomChanges {
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Seat limit.
    pub max_participants: Option<Option<i32>>,
    /// Picture.
    pub avatar_url: Option<Option<String>>,
    /// Complete new settings object.
    pub settings: Option<serde_json::Value>,
}

/// Applies changes and returns the room.
pub async fn update(
    db: impl PgExecutor<'_>,
    id: Uuid,
    c: RoomChanges,
) -> StoreResult<Option<RoomRow>> {
    Ok(sqlx::query_as(&format!(
        "UPDATE rooms SET
             name = coalesce($2, name),
             description = coalesce($3, description),
             max_participants = CASE WHEN $4 THEN $5 ELSE max_participants END,
             avatar_url = CASE WHEN $6 THEN $7 ELSE avatar_url END,
             settings = coalesce($8, settings),
             updated_at = now()
         WHERE id = $1 RETURNING {ROOM_COLUMNS}"
    ))
    .bind(id)
    .bind(c.name)
    .bind(c.description)
    .bind(c.max_participants.is_some())
    .bind(c.max_participants.flatten())
    .bind(c.avatar_url.is_some())
    .bind(c.avatar_url.flatten())
    .bind(c.settings)
    .fetch_optional(db)
    .await?)
}

/// Deletes a room and everything in it.
pub async fn delete(db: impl PgExecutor<'_>, id: Uuid) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM rooms WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Directory order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectorySort {
    /// Most participants first.
    Members,
    /// Newest first.
    Newest,
}

const DIRECTORY_FILTER: &str = "kind = 'group' AND NOT is_private
     AND ($1::text IS NULL OR lower(name) LIKE $1 ESCAPE '\\' OR lower(description) LIKE $1 ESCAPE '\\')";

/// `%term%` for a case-insensitive contains match, with LIKE wildcards escaped.
pub fn contains_pattern(term: &str) -> String {
    let escaped = term
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// How many public rooms match; a single-table count, no join.
pub async fn directory_count(db: impl PgExecutor<'_>, pattern: Option<&str>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT count(*) FROM rooms WHERE {DIRECTORY_FILTER}"
    ))
    .bind(pattern)
    .fetch_one(db)
    .await?)
}

/// One page of public rooms with their creators' usernames, in one query.
pub async fn directory_page(
    db: impl PgExecutor<'_>,
    pattern: Option<&str>,
    sort: DirectorySort,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<RoomSummary>> {
    let order = match sort {
        DirectorySort::Members => "r.participant_count DESC, r.created_at DESC, r.id",
        DirectorySort::Newest => "r.created_at DESC, r.id",
    };
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT r.id, r.name, r.description, r.avatar_url, r.participant_count, r.created_at,
                u.username AS creator_username
         FROM (SELECT * FROM rooms WHERE {DIRECTORY_FILTER}) r
         LEFT JOIN users u ON u.id = r.creator_id
         ORDER BY {order} LIMIT $2 OFFSET $3"
    ))
    .bind(pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// One public room's summary.
pub async fn summary(db: impl PgExecutor<'_>, id: Uuid) -> StoreResult<Option<RoomSummary>> {
    let row: Option<SummaryRow> = sqlx::query_as(
        "SELECT r.id, r.name, r.description, r.avatar_url, r.participant_count, r.created_at,
                u.username AS creator_username
         FROM rooms r LEFT JOIN users u ON u.id = r.creator_id WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    name: String,
    description: String,
    avatar_url: Option<String>,
    participant_count: i32,
    created_at: DateTime<Utc>,
    creator_username: Option<String>,
}

impl From<SummaryRow> for RoomSummary {
    fn from(r: SummaryRow) -> Self {
        RoomSummary {
            id: r.id,
            name: r.name,
            description: r.description,
            avatar_url: r.avatar_url,
            participant_count: r.participant_count,
            creator_username: r.creator_username,
            created_at: r.created_at,
        }
    }
}

/// A row of the caller's room list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MyRoomRow {
    /// Room id.
    pub id: Uuid,
    /// Room name.
    pub name: String,
    /// `group` or `direct`.
    pub kind: String,
    /// Invite-only.
    pub is_private: bool,
    /// The caller's role.
    pub role: String,
    /// Muted by the caller.
    pub muted: bool,
    /// Messages after the read marker.
    pub unread_count: i64,
    /// Newest message body.
    pub last_body: Option<String>,
    /// Its time.
    pub last_at: Option<DateTime<Utc>>,
    /// Its sender's display name.
    pub last_sender: Option<String>,
    /// Direct rooms: the other participant.
    pub peer_id: Option<Uuid>,
    /// Their username.
    pub peer_username: Option<String>,
    /// Their display name.
    pub peer_display_name: Option<String>,
}

/// Every room the user participates in, newest activity first, in one query.
pub async fn for_member(db: impl PgExecutor<'_>, user_id: Uuid) -> StoreResult<Vec<MyRoomRow>> {
    Ok(sqlx::query_as(
        "SELECT r.id, r.name, r.kind, r.is_private, p.role, p.muted,
                greatest(r.last_seq - p.last_read_seq, 0) AS unread_count,
                m.body AS last_body, m.created_at AS last_at, su.display_name AS last_sender,
                peer.id AS peer_id, peer.username AS peer_username,
                peer.display_name AS peer_display_name
         FROM room_participants p
         JOIN rooms r ON r.id = p.room_id
         LEFT JOIN messages m ON m.room_id = r.id AND m.seq = r.last_seq AND m.deleted_at IS NULL
         LEFT JOIN users su ON su.id = m.sender_id
         LEFT JOIN LATERAL (
             SELECT u.id, u.username, u.display_name FROM room_participants o
             JOIN users u ON u.id = o.user_id
             WHERE r.kind = 'direct' AND o.room_id = r.id AND o.user_id <> p.user_id LIMIT 1
         ) peer ON true
         WHERE p.user_id = $1
         ORDER BY coalesce(m.created_at, p.joined_at) DESC, r.id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?)
}
