//! What the notification consumer reads about a job's cause and its possible recipients.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::{notification_prefs::PrefsRow, StoreResult};
use crate::model::{
    notification::{NotificationPreferences, RoomNotifyLevel},
    user::PublicUser,
};

/// A message as its notifications need it.
#[derive(Debug, Clone)]
pub struct MessageFacts {
    /// The message.
    pub id: Uuid,
    /// Its room.
    pub room_id: Uuid,
    /// The room's stored name.
    pub room_name: String,
    /// Whether the room is a direct conversation.
    pub direct: bool,
    /// Its seq.
    pub seq: i64,
    /// Who sent it (None when the account is gone).
    pub sender: Option<PublicUser>,
    /// Its text.
    pub body: String,
    /// Users it mentions.
    pub mentions: Vec<Uuid>,
    /// The author of the message it replies to.
    pub reply_to_sender: Option<Uuid>,
    /// Whether it was deleted since.
    pub deleted: bool,
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: Uuid,
    room_id: Uuid,
    room_name: String,
    room_kind: String,
    seq: i64,
    sender_id: Option<Uuid>,
    sender_username: Option<String>,
    sender_name: Option<String>,
    sender_avatar: Option<String>,
    body: String,
    mentions: Vec<Uuid>,
    reply_to_sender: Option<Uuid>,
    deleted: bool,
}

/// One message with its room, sender and the author of the message it replies to.
pub async fn message(db: impl PgExecutor<'_>, id: Uuid) -> StoreResult<Option<MessageFacts>> {
    let row: Option<MessageRow> = sqlx::query_as(
        "SELECT m.id, m.room_id, r.name AS room_name, r.kind AS room_kind, m.seq, m.sender_id,
                u.username AS sender_username, u.display_name AS sender_name,
                pr.avatar_url AS sender_avatar, m.body, m.mentions,
                parent.sender_id AS reply_to_sender, m.deleted_at IS NOT NULL AS deleted
         FROM messages m
         JOIN rooms r ON r.id = m.room_id
         LEFT JOIN users u ON u.id = m.sender_id
         LEFT JOIN user_profiles pr ON pr.user_id = u.id
         LEFT JOIN messages parent ON parent.id = m.reply_to
         WHERE m.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let mut sender = PublicUser::from_columns(r.sender_id, r.sender_username, r.sender_name);
        if let Some(s) = sender.as_mut() {
            s.avatar_url = r.sender_avatar;
        }
        MessageFacts {
            id: r.id,
            room_id: r.room_id,
            room_name: r.room_name,
            direct: r.room_kind == "direct",
            seq: r.seq,
            sender,
            body: r.body,
            mentions: r.mentions,
            reply_to_sender: r.reply_to_sender,
            deleted: r.deleted,
        }
    }))
}

/// Everything that decides whether one user gets a notification about a room.
#[derive(Debug, Clone)]
pub struct RecipientFacts {
    /// The user.
    pub user_id: Uuid,
    /// Their level in the room; `None` when they are not in it.
    pub level: Option<RoomNotifyLevel>,
    /// Whether they muted the room.
    pub muted: bool,
    /// Their read marker in the room.
    pub last_read_seq: Option<i64>,
    /// Their preferences.
    pub preferences: NotificationPreferences,
}

#[derive(sqlx::FromRow)]
struct RecipientRow {
    user_id: Uuid,
    notify_level: Option<String>,
    muted: Option<bool>,
    last_read_seq: Option<i64>,
    disabled_kinds: Option<Vec<String>>,
    do_not_disturb: Option<bool>,
    dnd_until: Option<DateTime<Utc>>,
}

/// The settings of `users` (those that exist) with respect to `room`, in one query.
pub async fn recipients(
    db: impl PgExecutor<'_>,
    room: Uuid,
    users: &[Uuid],
) -> StoreResult<Vec<RecipientFacts>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<RecipientRow> = sqlx::query_as(
        "SELECT u.id AS user_id, p.notify_level, p.muted, p.last_read_seq,
                np.disabled_kinds, np.do_not_disturb, np.dnd_until
         FROM users u
         LEFT JOIN room_participants p ON p.room_id = $1 AND p.user_id = u.id
         LEFT JOIN notification_preferences np ON np.user_id = u.id
         WHERE u.id = ANY($2)",
    )
    .bind(room)
    .bind(users)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RecipientFacts {
            user_id: r.user_id,
            level: r
                .notify_level
                .as_deref()
                .map(|l| RoomNotifyLevel::parse(l).unwrap_or_default()),
            muted: r.muted.unwrap_or(false),
            last_read_seq: r.last_read_seq,
            preferences: match r.disabled_kinds {
                Some(disabled_kinds) => PrefsRow {
                    disabled_kinds,
                    do_not_disturb: r.do_not_disturb.unwrap_or(false),
                    dnd_until: r.dnd_until,
                }
                .into_preferences(),
                None => NotificationPreferences::default(),
            },
        })
        .collect())
}

/// The room's participants other than `except`.
pub async fn other_participants(
    db: impl PgExecutor<'_>,
    room: Uuid,
    except: Option<Uuid>,
) -> StoreResult<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM room_participants
         WHERE room_id = $1 AND ($2::uuid IS NULL OR user_id <> $2)",
    )
    .bind(room)
    .bind(except)
    .fetch_all(db)
    .await?)
}
