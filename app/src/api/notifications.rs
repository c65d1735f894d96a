//! Server functions for the bell, the notifications panel and notification settings.
//! Counts returned after a change are the stored unread count.

use leptos::prelude::*;
use uuid::Uuid;

use super::codec::Json;
use crate::model::{
    error::ErrorDetail,
    notification::{
        NotificationKind, NotificationPage, NotificationPreferences, RoomNotificationSettings,
        RoomNotifyLevel,
    },
};

#[cfg(feature = "ssr")]
use super::context::{fail, require_caller, services};

/// A page of the user's notifications, newest first: pass the previous page's
/// `next_cursor` for the next one; `limit` is 1–100 (default 20).
#[server(prefix = "/rpc", input = Json, output = Json)]
pub async fn list_notifications(
    cursor: Option<String>,
    unread_only: bool,
    kind: Option<NotificationKind>,
    limit: Option<i64>,
) -> Result<NotificationPage, ErrorDetail> {
    let auth = require_caller()?;
    let query = crate::services::notifications::ListQuery {
        cursor,
        limit,
        unread_only,
        kind: kind.map(|k| k.as_str().to_owned()),
    };
    services()?
        .notifications
        .list(auth, query)
        .await
        .map_err(fail)
}

/// The user's stored number of unread notifications.
#[server(prefix = "/rpc", output = Json)]
pub async fn unread_notification_count() -> Result<i64, ErrorDetail> {
    let auth = require_caller()?;
    let count = services()?
        .notifications
        .unread_count(auth)
        .await
        .map_err(fail)?;
    Ok(count.unread_count)
}

/// Marks one notification read; returns the unread count.
#[server(prefix = "/rpc", output = Json)]
pub async fn mark_notification_read(id: Uuid) -> Result<i64, ErrorDetail> {
    let auth = require_caller()?;
    let count = services()?
        .notifications
        .mark_read(auth, id)
        .await
        .map_err(fail)?;
    Ok(count.unread_count)
}

/// Marks every notification read; returns the unread count.
#[server(prefix = "/rpc", output = Json)]
pub async fn mark_all_notifications_read() -> Result<i64, ErrorDetail> {
    let auth = require_caller()?;
    let count = services()?
        .notifications
        .mark_all_read(auth)
        .await
        .map_err(fail)?;
    Ok(count.unread_count)
}

/// Deletes one notification; returns the unread count.
#[server(prefix = "/rpc", output = Json)]
pub async fn delete_notification(id: Uuid) -> Result<i64, ErrorDetail> {
    let auth = require_caller()?;
    let count = services()?
        .notifications
        .delete(auth, id)
        .await
        .map_err(fail)?;
    Ok(count.unread_count)
}

/// Deletes every read notification; returns the unread count.
#[server(prefix = "/rpc", output = Json)]
pub async fn delete_read_notifications() -> Result<i64, ErrorDetail> {
    let auth = require_caller()?;
    let count = services()?
        .notifications
        .delete_read(auth)
        .await
        .map_err(fail)?;
    Ok(count.unread_count)
}

/// The user's notification preferences.
#[server(prefix = "/rpc", output = Json)]
pub async fn get_notification_preferences() -> Result<NotificationPreferences, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .notifications
        .preferences(auth)
        .await
        .map_err(fail)
}

/// Replaces the user's notification preferences; returns them as stored.
#[server(prefix = "/rpc", input = Json, output = Json)]
pub async fn update_notification_preferences(
    preferences: NotificationPreferences,
) -> Result<NotificationPreferences, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .notifications
        .update_preferences(auth, preferences)
        .await
        .map_err(fail)
}

/// The user's notification level and mute for a room they are in.
#[server(prefix = "/rpc", output = Json)]
pub async fn get_room_notification_settings(
    room: Uuid,
) -> Result<RoomNotificationSettings, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .notifications
        .room_settings(auth, room)
        .await
        .map_err(fail)
}

/// Sets the user's notification level for a room.
#[server(prefix = "/rpc", input = Json, output = Json)]
pub async fn set_room_notify_level(
    room: Uuid,
    level: RoomNotifyLevel,
) -> Result<RoomNotificationSettings, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .notifications
        .set_room_level(auth, room, level)
        .await
        .map_err(fail)
}

/// Mutes or unmutes a room for the user (a muted room causes no notifications).
#[server(prefix = "/rpc", output = Json)]
pub async fn set_room_muted(
    room: Uuid,
    muted: bool,
) -> Result<RoomNotificationSettings, ErrorDetail> {
    let auth = require_caller()?;
    let services = services()?;
    services
        .rooms
        .set_muted(auth, room, muted)
        .await
        .map_err(fail)?;
    services
        .notifications
        .room_settings(auth, room)
        .await
        .map_err(fail)
}
