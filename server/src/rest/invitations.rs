//! `/api/v1/invitations/*`, `/api/v1/rooms/{id}/invitations` and invite links.

use app::model::{
    error::ErrorBody,
    room::{CreateInviteLink, Invitation, InviteLink, InviteRequest, Room},
};
use axum::{extract::State, http::StatusCode, Json};
use uuid::Uuid;

use super::{
    error::ApiError,
    extract::{ApiJson, ApiPath, Caller},
};
use crate::state::AppState;

/// Invites a user to a private room.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/invitations", tag = "invitations",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Room id")),
    request_body = InviteRequest,
    responses(
        (status = 201, description = "Invitation sent", body = Invitation),
        (status = 403, description = "Not in the room", body = ErrorBody),
        (status = 404, description = "No such room or user", body = ErrorBody),
        (status = 409, description = "Already in, banned, already invited, or a public room", body = ErrorBody),
    ))]
pub async fn invite(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<InviteRequest>,
) -> Result<(StatusCode, Json<Invitation>), ApiError> {
    let invitation = state.services.invitations.invite(auth, id, req).await?;
    Ok((StatusCode::CREATED, Json(invitation)))
}

/// A room's pending invitations (admins).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/invitations", tag = "invitations",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 200, description = "Pending invitations", body = [Invitation]),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such room", body = ErrorBody),
    ))]
pub async fn of_room(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Invitation>>, ApiError> {
    Ok(Json(state.services.invitations.of_room(auth, id).await?))
}

/// The caller's pending invitations.
#[utoipa::path(get, path = "/api/v1/invitations", tag = "invitations", security(("bearer" = [])),
    responses(
        (status = 200, description = "Pending invitations, newest first", body = [Invitation]),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn mine(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> Result<Json<Vec<Invitation>>, ApiError> {
    Ok(Json(state.services.invitations.mine(auth).await?))
}

/// Accepts an invitation and joins the room.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/accept", tag = "invitations",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Invitation id")),
    responses(
        (status = 200, description = "Joined", body = Room),
        (status = 403, description = "Banned", body = ErrorBody),
        (status = 404, description = "No such invitation for the caller", body = ErrorBody),
        (status = 409, description = "Already answered, or the room is full", body = ErrorBody),
    ))]
pub async fn accept(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Room>, ApiError> {
    Ok(Json(state.services.invitations.accept(auth, id).await?))
}

/// Declines an invitation.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/decline", tag = "invitations",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Invitation id")),
    responses(
        (status = 204, description = "Declined"),
        (status = 404, description = "No such invitation for the caller", body = ErrorBody),
        (status = 409, description = "Already answered", body = ErrorBody),
    ))]
pub async fn decline(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.services.invitations.decline(auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraws an invitation (its inviter or a room admin).
#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "invitations",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Invitation id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 403, description = "Neither inviter nor admin", body = ErrorBody),
        (status = 404, description = "No such invitation", body = ErrorBody),
        (status = 409, description = "Already answered", body = ErrorBody),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.services.invitations.revoke(auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates an invite link (admins); the code is shown only in this response.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/invite-links", tag = "invitations",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Room id")),
    request_body = CreateInviteLink,
    responses(
        (status = 201, description = "The link, with its code", body = InviteLink),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such room", body = ErrorBody),
        (status = 422, description = "Bad expiry or use limit", body = ErrorBody),
    ))]
pub async fn create_link(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CreateInviteLink>,
) -> Result<(StatusCode, Json<InviteLink>), ApiError> {
    let link = state
        .services
        .invitations
        .create_link(auth, id, req)
        .await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// The room's active invite links (admins).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/invite-links", tag = "invitations",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 200, description = "Active links (without codes)", body = [InviteLink]),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such room", body = ErrorBody),
    ))]
pub async fn links(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<InviteLink>>, ApiError> {
    Ok(Json(state.services.invitations.links(auth, id).await?))
}

/// Revokes an invite link (admins).
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/invite-links/{link_id}", tag = "invitations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id"), ("link_id" = Uuid, Path, description = "Link id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such room or link", body = ErrorBody),
    ))]
pub async fn revoke_link(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath((id, link_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .invitations
        .revoke_link(auth, id, link_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Joins the room behind an invite link.
#[utoipa::path(post, path = "/api/v1/invite-links/{code}/join", tag = "invitations",
    security(("bearer" = [])), params(("code" = String, Path, description = "Link code")),
    responses(
        (status = 200, description = "Joined (or already in)", body = Room),
        (status = 403, description = "Banned", body = ErrorBody),
        (status = 404, description = "Invalid, expired, used up or revoked", body = ErrorBody),
        (status = 409, description = "The room is full", body = ErrorBody),
    ))]
pub async fn join_by_link(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Room>, ApiError> {
    Ok(Json(
        state.services.invitations.join_by_link(auth, &code).await?,
    ))
}
