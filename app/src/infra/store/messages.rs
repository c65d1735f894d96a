//! Queries on `messages` and `message_reactions`.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Postgres};
use uuid::Uuid;

use super::StoreResult;
use crate::model::{
    message::{Message, Reaction},
    user::PublicUser,
};

/// A message row with its sender.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    /// Identifier.
    pub id: Uuid,
    /// Room.
    pub room_id: Uuid,
    /// Position in the room.
    pub seq: i64,
    /// Sender id.
    pub sender_id: Option<Uuid>,
    /// Sender username.
    pub sender_username: Option<String>,
    /// Sender display name.
    pub sender_name: Option<String>,
    /// Text.
    pub body: String,
    /// Replied-to message.
    pub reply_to: Option<Uuid>,
    /// Idempotency key.
    pub client_id: Option<String>,
    /// Mentioned users.
    pub mentions: Vec<Uuid>,
    /// Send time.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub edited_at: Option<DateTime<Utc>>,
    /// Deletion time.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl MessageRow {
    /// The API view, with the given reactions.
    pub fn into_message(self, reactions: Vec<Reaction>) -> Message {
        let sender =
            PublicUser::from_columns(self.sender_id, self.sender_username, self.sender_name);
        Message {
            id: self.id,
            room_id: self.room_id,
            seq: self.seq,
            sender,
            body: self.body,
            reply_to: self.reply_to,
            client_id: self.client_id,
            mentions: self.mentions,
            reactions,
            created_at: self.created_at,
            edited_at: self.edited_at,
            deleted: self.deleted_at.is_some(),
        }
    }
}

const SELECT: &str = "SELECT m.id, m.room_id, m.seq, m.sender_id, u.username AS sender_username,
        u.display_name AS sender_name, m.body, m.reply_to, m.client_id, m.mentions,
        m.created_at, m.edited_at, m.deleted_at
     FROM messages m LEFT JOIN users u ON u.id = m.sender_id";

/// Takes the room's next seq, holding the room row locked until the transaction ends: senders
/// of one room queue here, so seqs are gapless and in commit order.
pub async fn next_seq(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    room: Uuid,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
    )
    .bind(room)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The message a sender already stored under `client_id` in the room.
pub async fn by_client_id(
    db: impl PgExecutor<'_>,
    room: Uuid,
    sender: Uuid,
    client_id: &str,
) -> StoreResult<Option<MessageRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE m.room_id = $1 AND m.sender_id = $2 AND m.client_id = $3"
    ))
    .bind(room)
    .bind(sender)
    .bind(client_id)
    .fetch_optional(db)
    .await?)
}

/// Fields of a new message.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Room.
    pub room_id: Uuid,
    /// Sender.
    pub sender_id: Uuid,
    /// Its seq from [`next_seq`].
    pub seq: i64,
    /// Text.
    pub body: &'a str,
    /// Replied-to message.
    pub reply_to: Option<Uuid>,
    /// Idempotency key.
    pub client_id: Option<&'a str>,
    /// Mentioned users.
    pub mentions: &'a [Uuid],
}

/// Stores a message.
pub async fn insert(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    m: NewMessage<'_>,
) -> StoreResult<Uuid> {
    Ok(sqlx::query_scalar(
        "INSERT INTO messages (room_id, sender_id, seq, body, reply_to, client_id, mentions)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(m.room_id)
    .bind(m.sender_id)
    .bind(m.seq)
    .bind(m.body)
    .bind(m.reply_to)
    .bind(m.client_id)
    .bind(m.mentions)
    .fetch_one(&mut **tx)
    .await?)
}

/// One message.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> StoreResult<Option<MessageRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// A page of a room's history: before `before` (newest first, then returned oldest first), or
/// after `after` (oldest first).
pub async fn page(
    db: impl PgExecutor<'_>,
    room: Uuid,
    before: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<MessageRow>> {
    let mut rows: Vec<MessageRow> = match after {
        Some(after) => {
            sqlx::query_as(&format!(
                "{SELECT} WHERE m.room_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3"
            ))
            .bind(room)
            .bind(after)
            .bind(limit)
            .fetch_all(db)
            .await?
        }
        None => {
            sqlx::query_as(&format!(
                "{SELECT} WHERE m.room_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3"
            ))
            .bind(room)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(db)
            .await?
        }
    };
    rows.sort_by_key(|r| r.seq);
    Ok(rows)
}

/// The newest time `sender` posted in `room`, for slow mode.
pub async fn last_sent_at(
    db: impl PgExecutor<'_>,
    room: Uuid,
    sender: Uuid,
) -> StoreResult<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar(
        "SELECT max(created_at) FROM messages WHERE room_id = $1 AND sender_id = $2",
    )
    .bind(room)
    .bind(sender)
    .fetch_one(db)
    .await?)
}

/// Replaces the text and mentions of a message.
pub async fn edit(
    db: impl PgExecutor<'_>,
    id: Uuid,
    body: &str,
    mentions: &[Uuid],
) -> StoreResult<()> {
    sqlx::query("UPDATE messages SET body = $2, mentions = $3, edited_at = now() WHERE id = $1")
        .bind(id)
        .bind(body)
        .bind(mentions)
        .execute(db)
        .await?;
    Ok(())
}

/// Turns a message into a tombstone: the seq stays, the content goes.
pub async fn tombstone(db: impl PgExecutor<'_>, id: Uuid) -> StoreResult<()> {
    sqlx::query("UPDATE messages SET body = '', mentions = '{}', deleted_at = now() WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Adds the reaction if absent, removes it if present; true when it is now present.
pub async fn toggle_reaction(
    db: &sqlx::PgPool,
    message: Uuid,
    user: Uuid,
    emoji: &str,
) -> StoreResult<bool> {
    let removed = sqlx::query(
        "DELETE FROM message_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
    )
    .bind(message)
    .bind(user)
    .bind(emoji)
    .execute(db)
    .await?;
    if removed.rows_affected() > 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO message_reactions (message_id, user_id, emoji) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(message)
    .bind(user)
    .bind(emoji)
    .execute(db)
    .await?;
    Ok(true)
}

/// Reactions of the given messages, grouped by message and emoji, in one query.
pub async fn reactions(
    db: impl PgExecutor<'_>,
    messages: &[Uuid],
) -> StoreResult<Vec<(Uuid, Reaction)>> {
    let rows: Vec<(Uuid, String, i64, Vec<Uuid>)> = sqlx::query_as(
        "SELECT message_id, emoji, count(*), array_agg(user_id ORDER BY created_at)
         FROM message_reactions WHERE message_id = ANY($1)
         GROUP BY message_id, emoji ORDER BY message_id, min(created_at)",
    )
    .bind(messages)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, emoji, count, user_ids)| {
            (
                id,
                Reaction {
                    emoji,
                    count,
                    user_ids,
                },
            )
        })
        .collect())
}

/// Moves a read marker forward (never back), up to the room's newest seq.
pub async fn mark_read(
    db: impl PgExecutor<'_>,
    room: Uuid,
    user: Uuid,
    seq: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "UPDATE room_participants p
         SET last_read_seq = greatest(p.last_read_seq, least($3, r.last_seq))
         FROM rooms r WHERE r.id = p.room_id AND p.room_id = $1 AND p.user_id = $2
         RETURNING p.last_read_seq",
    )
    .bind(room)
    .bind(user)
    .bind(seq)
    .fetch_optional(db)
    .await?
    .unwrap_or(0))
}

/// Messages matching `query` in the user's rooms, newest first.
pub async fn search(
    db: impl PgExecutor<'_>,
    user: Uuid,
    query: &str,
    limit: i64,
) -> StoreResult<Vec<(MessageRow, String)>> {
    #[derive(sqlx::FromRow)]
    struct Hit {
        #[sqlx(flatten)]
        row: MessageRow,
        room_name: String,
    }
    let hits: Vec<Hit> = sqlx::query_as(
        "SELECT m.id, m.room_id, m.seq, m.sender_id, u.username AS sender_username,
                u.display_name AS sender_name, m.body, m.reply_to, m.client_id, m.mentions,
                m.created_at, m.edited_at, m.deleted_at, r.name AS room_name
         FROM messages m
         JOIN room_participants p ON p.room_id = m.room_id AND p.user_id = $1
         JOIN rooms r ON r.id = m.room_id
         LEFT JOIN users u ON u.id = m.sender_id
         WHERE m.deleted_at IS NULL AND m.search @@ plainto_tsquery('simple', $2)
         ORDER BY m.created_at DESC LIMIT $3",
    )
    .bind(user)
    .bind(query)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(hits.into_iter().map(|h| (h.row, h.room_name)).collect())
}

/// Ids of users by lower-cased username.
pub async fn user_ids_by_username(
    db: impl PgExecutor<'_>,
    names: &[String],
) -> StoreResult<Vec<Uuid>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    Ok(
        sqlx::query_scalar("SELECT id FROM users WHERE lower(username) = ANY($1)")
            .bind(names)
            .fetch_all(db)
            .await?,
    )
}
