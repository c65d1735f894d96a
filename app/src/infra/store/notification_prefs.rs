//! Queries on `notification_preferences` and the per-room level on `room_participants`.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::StoreResult;
use crate::model::notification::{NotificationKind, NotificationPreferences, RoomNotifyLevel};

/// The stored columns of a user's preferences.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PrefsRow {
    /// Kinds turned off.
    pub disabled_kinds: Vec<String>,
    /// Do not disturb until switched off.
    pub do_not_disturb: bool,
    /// Do not disturb until this time.
    pub dnd_until: Option<DateTime<Utc>>,
}

impl PrefsRow {
    /// The typed preferences (unknown kind names, which the table's CHECK rules out, are
    /// ignored).
    pub fn into_preferences(self) -> NotificationPreferences {
        NotificationPreferences {
            disabled_kinds: self
                .disabled_kinds
                .iter()
                .filter_map(|k| NotificationKind::parse(k))
                .collect(),
            do_not_disturb: self.do_not_disturb,
            dnd_until: self.dnd_until,
        }
    }
}

/// The user's preferences; the defaults when they never saved any.
pub async fn preferences(
    db: impl PgExecutor<'_>,
    user: Uuid,
) -> StoreResult<NotificationPreferences> {
    let row: Option<PrefsRow> = sqlx::query_as(
        "SELECT disabled_kinds, do_not_disturb, dnd_until
         FROM notification_preferences WHERE user_id = $1",
    )
    .bind(user)
    .fetch_optional(db)
    .await?;
    Ok(row.map(PrefsRow::into_preferences).unwrap_or_default())
}

/// Replaces the user's preferences.
pub async fn save_preferences(
    db: impl PgExecutor<'_>,
    user: Uuid,
    prefs: &NotificationPreferences,
) -> StoreResult<()> {
    let kinds: Vec<&str> = prefs.disabled_kinds.iter().map(|k| k.as_str()).collect();
    sqlx::query(
        "INSERT INTO notification_preferences (user_id, disabled_kinds, do_not_disturb, dnd_until)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET disabled_kinds = EXCLUDED.disabled_kinds,
             do_not_disturb = EXCLUDED.do_not_disturb, dnd_until = EXCLUDED.dnd_until,
             updated_at = now()",
    )
    .bind(user)
    .bind(kinds)
    .bind(prefs.do_not_disturb)
    .bind(prefs.dnd_until)
    .execute(db)
    .await?;
    Ok(())
}

/// A participant's level and mute for a room; `None` when they are not in it.
pub async fn room_settings(
    db: impl PgExecutor<'_>,
    room: Uuid,
    user: Uuid,
) -> StoreResult<Option<(RoomNotifyLevel, bool)>> {
    let row: Option<(String, bool)> = sqlx::query_as(
        "SELECT notify_level, muted FROM room_participants WHERE room_id = $1 AND user_id = $2",
    )
    .bind(room)
    .bind(user)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(level, muted)| (RoomNotifyLevel::parse(&level).unwrap_or_default(), muted)))
}

/// Sets a participant's level for a room; false when they are not in it.
pub async fn set_room_level(
    db: impl PgExecutor<'_>,
    room: Uuid,
    user: Uuid,
    level: RoomNotifyLevel,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE room_participants SET notify_level = $3 WHERE room_id = $1 AND user_id = $2",
    )
    .bind(room)
    .bind(user)
    .bind(level.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
