//! `/api/v1/rooms/*` and `/api/v1/dm/*`: rooms, the directory, membership and moderation.

use app::{
    model::{
        error::ErrorBody,
        room::{
            Ban, BanRequest, CreateRoom, MyRoom, Participant, RoleChange, Room, RoomSummary,
            UpdateRoom,
        },
    },
    services::rooms::DirectoryQuery,
};
use axum::{
    extract::State,
    http::{HeaderName, HeaderValue, StatusCode},
    response::IntoResponse,
    Json,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    error::ApiError,
    extract::{ApiJson, ApiPath, ApiQuery, Caller},
};
use crate::state::AppState;

/// Header carrying the number of rooms matching a directory query.
pub const TOTAL_HEADER: &str = "x-total-rooms";

/// Creates a room; the caller becomes its owner.
#[utoipa::path(post, path = "/api/v1/rooms", tag = "rooms", security(("bearer" = [])),
    request_body = CreateRoom,
    responses(
        (status = 201, description = "The new room", body = Room),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "A field or setting is invalid", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiJson(req): ApiJson<CreateRoom>,
) -> Result<(StatusCode, Json<Room>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.services.rooms.create(auth, req).await?),
    ))
}

/// The caller's rooms and direct conversations with unread counts and last messages.
#[utoipa::path(get, path = "/api/v1/rooms", tag = "rooms", security(("bearer" = [])),
    responses(
        (status = 200, description = "Rooms, newest activity first", body = [MyRoom]),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn mine(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> Result<Json<Vec<MyRoom>>, ApiError> {
    Ok(Json(state.services.rooms.mine(auth).await?))
}

/// Query of the directory.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryParams {
    /// Page size, 1–100 (default 20).
    #[param(schema_with = super::params::directory_limit)]
    pub limit: Option<i64>,
    /// Rooms to skip (default 0).
    #[param(schema_with = super::params::non_negative)]
    pub offset: Option<i64>,
    /// Text to find in names and descriptions (case-insensitive).
    #[param(schema_with = super::params::directory_search)]
    pub search: Option<String>,
    /// `members` (default) or `newest`.
    #[param(schema_with = super::params::directory_sort)]
    pub sort: Option<String>,
}

/// Public rooms; `X-Total-Rooms` holds the number of matching rooms.
#[utoipa::path(get, path = "/api/v1/rooms/public", tag = "rooms", security(("bearer" = [])),
    params(DirectoryParams),
    responses(
        (status = 200, description = "A page of public rooms", body = [RoomSummary],
            headers(("X-Total-Rooms" = i64, description = "Rooms matching the filter"))),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "Bad limit, offset or sort", body = ErrorBody),
    ))]
pub async fn directory(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    ApiQuery(q): ApiQuery<DirectoryParams>,
) -> Result<impl IntoResponse, ApiError> {
    let (page, total) = state
        .services
        .rooms
        .directory(DirectoryQuery {
            limit: q.limit,
            offset: q.offset,
            search: q.search,
            sort: q.sort,
        })
        .await?;
    Ok((
        [(
            HeaderName::from_static(TOTAL_HEADER),
            HeaderValue::from(total),
        )],
        Json(page),
    ))
}

/// A room the caller may see.
#[utoipa::path(get, path = "/api/v1/rooms/{id}", tag = "rooms", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 200, description = "The room", body = Room),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such room, or a private room of others", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Room>, ApiError> {
    Ok(Json(state.services.rooms.get(auth, id).await?))
}

/// Changes a room (owner or admin).
#[utoipa::path(patch, path = "/api/v1/rooms/{id}", tag = "rooms", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id")), request_body = UpdateRoom,
    responses(
        (status = 200, description = "The updated room", body = Room),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such room", body = ErrorBody),
        (status = 422, description = "Invalid field or unknown setting", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateRoom>,
) -> Result<Json<Room>, ApiError> {
    Ok(Json(state.services.rooms.update(auth, id, req).await?))
}

/// Deletes a room (owner).
#[utoipa::path(delete, path = "/api/v1/rooms/{id}", tag = "rooms", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not the owner", body = ErrorBody),
        (status = 404, description = "No such room", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.services.rooms.delete(auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a room looks like before joining.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/preview", tag = "rooms", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 200, description = "Summary", body = RoomSummary),
        (status = 404, description = "No such room", body = ErrorBody),
    ))]
pub async fn preview(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<RoomSummary>, ApiError> {
    Ok(Json(state.services.rooms.preview(auth, id).await?))
}

/// Joins a public room.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/join", tag = "rooms", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 200, description = "Joined (or already in)", body = Room),
        (status = 403, description = "Banned", body = ErrorBody),
        (status = 404, description = "No such room", body = ErrorBody),
        (status = 409, description = "The room is full", body = ErrorBody),
    ))]
pub async fn join(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Room>, ApiError> {
    Ok(Json(state.services.rooms.join(auth, id).await?))
}

/// Leaves a room.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/leave", tag = "rooms", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 204, description = "Left"),
        (status = 403, description = "A direct conversation (mute it instead)", body = ErrorBody),
        (status = 404, description = "No such room, or not in it", body = ErrorBody),
        (status = 409, description = "The last owner must hand over first", body = ErrorBody),
    ))]
pub async fn leave(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.services.rooms.leave(auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `PUT /rooms/{id}/mute`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MuteRequest {
    /// Whether to mute.
    pub muted: bool,
}

/// Mutes or unmutes a room for the caller.
#[utoipa::path(put, path = "/api/v1/rooms/{id}/mute", tag = "rooms", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id")), request_body = MuteRequest,
    responses(
        (status = 204, description = "Saved"),
        (status = 403, description = "Not in the room", body = ErrorBody),
        (status = 404, description = "No such room", body = ErrorBody),
    ))]
pub async fn mute(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<MuteRequest>,
) -> Result<StatusCode, ApiError> {
    state.services.rooms.set_muted(auth, id, req.muted).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Participants and their roles.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/participants", tag = "rooms", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 200, description = "Participants, owners first", body = [Participant]),
        (status = 404, description = "No such room", body = ErrorBody),
    ))]
pub async fn participants(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Participant>>, ApiError> {
    Ok(Json(state.services.rooms.participants(auth, id).await?))
}

/// Changes a participant's role (owner); `owner` transfers ownership.
#[utoipa::path(patch, path = "/api/v1/rooms/{id}/participants/{user_id}", tag = "rooms",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id"), ("user_id" = Uuid, Path, description = "Participant")),
    request_body = RoleChange,
    responses(
        (status = 200, description = "The participant", body = Participant),
        (status = 403, description = "Not the owner, or the caller's own role", body = ErrorBody),
        (status = 404, description = "No such room or participant", body = ErrorBody),
    ))]
pub async fn change_role(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath((id, user_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(req): ApiJson<RoleChange>,
) -> Result<Json<Participant>, ApiError> {
    Ok(Json(
        state
            .services
            .rooms
            .change_role(auth, id, user_id, req.role)
            .await?,
    ))
}

/// Removes a participant (admins remove members; the owner anyone).
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/participants/{user_id}", tag = "rooms",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id"), ("user_id" = Uuid, Path, description = "Participant")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not allowed, or the caller (who leaves instead)", body = ErrorBody),
        (status = 404, description = "No such room or participant", body = ErrorBody),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath((id, user_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    state.services.rooms.remove(auth, id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The room's bans (admins).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/bans", tag = "rooms", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 200, description = "Bans, newest first", body = [Ban]),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such room", body = ErrorBody),
    ))]
pub async fn bans(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Ban>>, ApiError> {
    Ok(Json(state.services.rooms.bans(auth, id).await?))
}

/// Bans a user from the room (admins).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/bans", tag = "rooms", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id")), request_body = BanRequest,
    responses(
        (status = 204, description = "Banned"),
        (status = 403, description = "Not allowed, or the caller", body = ErrorBody),
        (status = 404, description = "No such room or user", body = ErrorBody),
    ))]
pub async fn ban(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<BanRequest>,
) -> Result<StatusCode, ApiError> {
    state.services.rooms.ban(auth, id, req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lifts a ban (admins).
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/bans/{user_id}", tag = "rooms", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id"), ("user_id" = Uuid, Path, description = "Banned user")),
    responses(
        (status = 204, description = "Unbanned"),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such room or ban", body = ErrorBody),
    ))]
pub async fn unban(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath((id, user_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    state.services.rooms.unban(auth, id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Opens (or creates) the direct conversation with a user.
#[utoipa::path(post, path = "/api/v1/dm/{user_id}", tag = "rooms", security(("bearer" = [])),
    params(("user_id" = Uuid, Path, description = "The other person")),
    responses(
        (status = 200, description = "The conversation", body = Room),
        (status = 403, description = "With yourself", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
pub async fn direct(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(user_id): ApiPath<Uuid>,
) -> Result<Json<Room>, ApiError> {
    Ok(Json(state.services.rooms.open_direct(auth, user_id).await?))
}
