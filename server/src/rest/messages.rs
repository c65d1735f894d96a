//! `/api/v1/rooms/{id}/messages`, `/api/v1/messages/*`, read markers and search.

use app::model::{
    error::ErrorBody,
    message::{EditMessage, Message, Reaction, ReactionToggle, ReadMarker, SearchHit, SendMessage},
};
use axum::{extract::State, http::StatusCode, Json};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    error::ApiError,
    extract::{ApiJson, ApiPath, ApiQuery, Caller},
};
use crate::state::AppState;

/// Query of a history page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Messages with a smaller seq (scrolling back); default: the newest.
    #[param(schema_with = super::params::non_negative)]
    pub before: Option<i64>,
    /// Messages with a greater seq (catching up).
    #[param(schema_with = super::params::non_negative)]
    pub after: Option<i64>,
    /// Page size, 1–100 (default 50).
    #[param(schema_with = super::params::history_limit)]
    pub limit: Option<i64>,
}

/// A page of a room's history, in seq order.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/messages", tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id"), HistoryParams),
    responses(
        (status = 200, description = "Messages in seq order", body = [Message]),
        (status = 404, description = "No such room", body = ErrorBody),
        (status = 422, description = "Bad limit or seq", body = ErrorBody),
    ))]
pub async fn history(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<HistoryParams>,
) -> Result<Json<Vec<Message>>, ApiError> {
    let page = state
        .services
        .messages
        .history(auth, id, q.before, q.after, q.limit)
        .await?;
    Ok(Json(page))
}

/// Sends a message; a retry with the same `client_id` returns the stored one.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/messages", tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id")), request_body = SendMessage,
    responses(
        (status = 201, description = "The stored message", body = Message),
        (status = 403, description = "Not a participant, or posting restricted", body = ErrorBody),
        (status = 404, description = "No such room, or `reply_to` is not a message of it", body = ErrorBody),
        (status = 422, description = "Empty or too long", body = ErrorBody),
        (status = 429, description = "Slow mode or sending too fast", body = ErrorBody),
    ))]
pub async fn send(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SendMessage>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let message = state.services.messages.send(auth, id, req).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// Edits a message (its author).
#[utoipa::path(patch, path = "/api/v1/messages/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Message id")), request_body = EditMessage,
    responses(
        (status = 200, description = "The edited message", body = Message),
        (status = 403, description = "Not the author, editing off or too late", body = ErrorBody),
        (status = 404, description = "No such message", body = ErrorBody),
        (status = 409, description = "Deleted", body = ErrorBody),
        (status = 422, description = "Empty or too long", body = ErrorBody),
    ))]
pub async fn edit(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<EditMessage>,
) -> Result<Json<Message>, ApiError> {
    Ok(Json(state.services.messages.edit(auth, id, req).await?))
}

/// Deletes a message (its author or a room admin); a tombstone keeps its seq.
#[utoipa::path(delete, path = "/api/v1/messages/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Message id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Neither author nor admin", body = ErrorBody),
        (status = 404, description = "No such message", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.services.messages.delete(auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds or removes the caller's reaction.
#[utoipa::path(post, path = "/api/v1/messages/{id}/reactions", tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Message id")), request_body = ReactionToggle,
    responses(
        (status = 200, description = "The message's reactions now", body = [Reaction]),
        (status = 403, description = "Not a participant", body = ErrorBody),
        (status = 404, description = "No such message", body = ErrorBody),
        (status = 422, description = "Not an emoji", body = ErrorBody),
    ))]
pub async fn react(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ReactionToggle>,
) -> Result<Json<Vec<Reaction>>, ApiError> {
    Ok(Json(
        state
            .services
            .messages
            .toggle_reaction(auth, id, &req.emoji)
            .await?,
    ))
}

/// The caller's read marker after an update.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadState {
    /// Newest seq the caller has read.
    pub last_read_seq: i64,
}

/// Moves the caller's read marker forward.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/read", tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Room id")), request_body = ReadMarker,
    responses(
        (status = 200, description = "The marker", body = ReadState),
        (status = 403, description = "Not a participant", body = ErrorBody),
        (status = 404, description = "No such room", body = ErrorBody),
    ))]
pub async fn mark_read(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ReadMarker>,
) -> Result<Json<ReadState>, ApiError> {
    let last_read_seq = state.services.messages.mark_read(auth, id, req.seq).await?;
    Ok(Json(ReadState { last_read_seq }))
}

/// Query of a search.
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    /// Words to find, 1–200 characters (required; without it the answer is a 422 on `q`).
    pub q: Option<String>,
}

// By hand: a derived `schema_with` parameter is never marked required.
impl utoipa::IntoParams for SearchParams {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::{path, Required};
        vec![path::ParameterBuilder::new()
            .name("q")
            .parameter_in(path::ParameterIn::Query)
            .required(Required::True)
            .description(Some("Words to find, 1 to 200 characters."))
            .schema(Some(super::params::message_query()))
            .build()]
    }
}

/// Full-text search in the caller's rooms, newest first.
#[utoipa::path(get, path = "/api/v1/search", tag = "messages", security(("bearer" = [])),
    params(SearchParams),
    responses(
        (status = 200, description = "Matching messages", body = [SearchHit]),
        (status = 422, description = "Empty query", body = ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Json<Vec<SearchHit>>, ApiError> {
    let query = q.q.unwrap_or_default();
    Ok(Json(state.services.messages.search(auth, &query).await?))
}
