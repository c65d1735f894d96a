//! `/api/v1/auth/*`: sign-up, sign-in, token refresh, sign-out and sessions.

use app::{
    model::{
        auth::{LoginRequest, RefreshRequest, RegisterRequest, SessionInfo, TokenResponse},
        error::ErrorBody,
    },
    services::auth::IssuedTokens,
};
use axum::{extract::State, http::StatusCode, Json};
use uuid::Uuid;

use super::{
    error::ApiError,
    extract::{ApiJson, ApiPath, Caller, Client},
};
use crate::state::AppState;

fn token_response(t: IssuedTokens) -> TokenResponse {
    TokenResponse {
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        token_type: "bearer".to_owned(),
        expires_in: t.expires_in,
        user: t.user,
    }
}

/// Creates an account and signs it in.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created and signed in", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "Email or username taken", body = ErrorBody),
        (status = 422, description = "A field failed validation", body = ErrorBody),
        (status = 429, description = "Too many registrations from this address, or password hashing busy", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), ApiError> {
    let tokens = state.services.auth.register(req, &client).await?;
    Ok((StatusCode::CREATED, Json(token_response(tokens))))
}

/// Signs in with email or username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Wrong credentials", body = ErrorBody),
        (status = 422, description = "A field is missing", body = ErrorBody),
        (status = 429, description = "Too many attempts, or password hashing busy", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let tokens = state.services.auth.login(req, &client).await?;
    Ok(Json(token_response(tokens)))
}

/// Exchanges a refresh token for a new pair; the old one stops working.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Unknown, expired or reused token (reuse revokes the session)", body = ErrorBody),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let tokens = state.services.auth.refresh(&req.refresh_token).await?;
    Ok(Json(token_response(tokens)))
}

/// Ends the caller's session; its tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn logout(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> Result<StatusCode, ApiError> {
    state.services.auth.logout(auth).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends every session of the caller, on every device.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out everywhere"),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn logout_all(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> Result<StatusCode, ApiError> {
    state.services.auth.logout_all(auth).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's active sessions.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "Active sessions, most recent first", body = [SessionInfo]),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn sessions(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> Result<Json<Vec<SessionInfo>>, ApiError> {
    Ok(Json(state.services.auth.sessions(auth).await?))
}

/// Ends one of the caller's sessions.
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Session ended"),
        (status = 400, description = "Not a session id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such active session of the caller", body = ErrorBody),
    ))]
pub async fn revoke_session(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.services.auth.revoke_session(auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
