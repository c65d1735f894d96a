//! `/api/v1/notifications/*` and `/api/v1/rooms/{id}/notifications`: the caller's
//! notifications, unread count and preferences.

use app::{
    model::{
        error::ErrorBody,
        notification::{
            NotificationPage, NotificationPreferences, RoomNotificationSettings,
            SetRoomNotifyLevel, UnreadCount,
        },
    },
    services::notifications::ListQuery,
};
use axum::{extract::State, Json};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    error::ApiError,
    extract::{ApiJson, ApiPath, ApiQuery, Caller},
};
use crate::state::AppState;

/// Query of the notification list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `next_cursor` of the previous page.
    #[param(schema_with = super::params::notification_cursor)]
    pub cursor: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(schema_with = super::params::notification_limit)]
    pub limit: Option<i64>,
    /// `true` for unread notifications only.
    pub unread: Option<bool>,
    /// Only this kind, e.g. `mention`.
    #[param(schema_with = super::params::notification_kind)]
    pub kind: Option<String>,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    security(("bearer" = [])), params(ListParams),
    responses(
        (status = 200, description = "A page of notifications", body = NotificationPage),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "Bad limit, cursor or kind", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Json<NotificationPage>, ApiError> {
    let query = ListQuery {
        cursor: q.cursor,
        limit: q.limit,
        unread_only: q.unread.unwrap_or(false),
        kind: q.kind,
    };
    Ok(Json(state.services.notifications.list(auth, query).await?))
}

/// The caller's number of unread notifications.
#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The stored unread count", body = UnreadCount),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn unread_count(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> Result<Json<UnreadCount>, ApiError> {
    Ok(Json(state.services.notifications.unread_count(auth).await?))
}

/// Marks one notification read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Notification id")),
    responses(
        (status = 200, description = "Read; the new unread count", body = UnreadCount),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 404, description = "No such notification of the caller", body = ErrorBody),
    ))]
pub async fn mark_read(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<UnreadCount>, ApiError> {
    Ok(Json(
        state.services.notifications.mark_read(auth, id).await?,
    ))
}

/// Marks every notification read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "All read; the new unread count (0)", body = UnreadCount),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn mark_all_read(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> Result<Json<UnreadCount>, ApiError> {
    Ok(Json(
        state.services.notifications.mark_all_read(auth).await?,
    ))
}

/// Deletes one notification.
#[utoipa::path(delete, path = "/api/v1/notifications/{id}", tag = "notifications",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Notification id")),
    responses(
        (status = 200, description = "Deleted; the new unread count", body = UnreadCount),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 404, description = "No such notification of the caller", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<UnreadCount>, ApiError> {
    Ok(Json(state.services.notifications.delete(auth, id).await?))
}

/// Deletes every read notification.
#[utoipa::path(delete, path = "/api/v1/notifications/read", tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Read notifications deleted; the unread count", body = UnreadCount),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn delete_read(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> Result<Json<UnreadCount>, ApiError> {
    Ok(Json(state.services.notifications.delete_read(auth).await?))
}

/// The caller's notification preferences.
#[utoipa::path(get, path = "/api/v1/notifications/preferences", tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Preferences (defaults when never saved)", body = NotificationPreferences),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn preferences(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> Result<Json<NotificationPreferences>, ApiError> {
    Ok(Json(state.services.notifications.preferences(auth).await?))
}

/// Replaces the caller's notification preferences (missing fields take their defaults).
#[utoipa::path(put, path = "/api/v1/notifications/preferences", tag = "notifications",
    security(("bearer" = [])), request_body = NotificationPreferences,
    responses(
        (status = 200, description = "The stored preferences", body = NotificationPreferences),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 422, description = "Unknown kind or field, or do not disturb too far ahead", body = ErrorBody),
    ))]
pub async fn update_preferences(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiJson(prefs): ApiJson<NotificationPreferences>,
) -> Result<Json<NotificationPreferences>, ApiError> {
    Ok(Json(
        state
            .services
            .notifications
            .update_preferences(auth, prefs)
            .await?,
    ))
}

/// The caller's notification level and mute for a room.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/notifications", tag = "notifications",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 200, description = "Level and mute", body = RoomNotificationSettings),
        (status = 403, description = "Not in the room", body = ErrorBody),
        (status = 404, description = "No such room", body = ErrorBody),
    ))]
pub async fn room_settings(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<RoomNotificationSettings>, ApiError> {
    Ok(Json(
        state.services.notifications.room_settings(auth, id).await?,
    ))
}

/// Sets the caller's notification level for a room: `all`, `mentions` or `nothing`.
#[utoipa::path(put, path = "/api/v1/rooms/{id}/notifications", tag = "notifications",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Room id")),
    request_body = SetRoomNotifyLevel,
    responses(
        (status = 200, description = "Level and mute now", body = RoomNotificationSettings),
        (status = 403, description = "Not in the room", body = ErrorBody),
        (status = 404, description = "No such room", body = ErrorBody),
        (status = 422, description = "Unknown level", body = ErrorBody),
    ))]
pub async fn set_room_level(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SetRoomNotifyLevel>,
) -> Result<Json<RoomNotificationSettings>, ApiError> {
    Ok(Json(
        state
            .services
            .notifications
            .set_room_level(auth, id, req.level)
            .await?,
    ))
}
