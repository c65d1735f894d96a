//! `/api/v1/users/*`: the caller's account and profile, and other users.

use app::model::{
    error::ErrorBody,
    user::{AccountUpdate, PasswordChange, Profile, ProfileUpdate, PublicUser, User},
};
use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    error::ApiError,
    extract::{ApiJson, ApiPath, ApiQuery, Caller},
};
use crate::state::AppState;

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = User),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn me(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> Result<Json<User>, ApiError> {
    Ok(Json(state.services.users.me(auth).await?))
}

/// Changes username, display name or email (email needs `current_password`).
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    request_body = AccountUpdate,
    responses(
        (status = 200, description = "The updated account", body = User),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 409, description = "Email or username taken", body = ErrorBody),
        (status = 422, description = "A field failed validation", body = ErrorBody),
        (status = 429, description = "Password checks are busy; retry after `Retry-After`", body = ErrorBody),
    ))]
pub async fn update_me(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiJson(change): ApiJson<AccountUpdate>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(
        state.services.users.update_account(auth, change).await?,
    ))
}

/// Changes the password; other sessions are signed out.
#[utoipa::path(put, path = "/api/v1/users/me/password", tag = "users", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Password changed"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "Wrong current password or weak new one", body = ErrorBody),
        (status = 429, description = "Password hashing is busy; retry after `Retry-After`", body = ErrorBody),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    state.services.users.change_password(auth, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's profile.
#[utoipa::path(get, path = "/api/v1/users/me/profile", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = Profile),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn profile(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(state.services.users.profile(auth).await?))
}

/// Changes profile fields; absent fields are kept, empty strings clear.
#[utoipa::path(patch, path = "/api/v1/users/me/profile", tag = "users", security(("bearer" = [])),
    request_body = ProfileUpdate,
    responses(
        (status = 200, description = "The updated profile", body = Profile),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "A field failed validation", body = ErrorBody),
    ))]
pub async fn update_profile(
    State(state): State<AppState>,
    Caller(auth): Caller,
    ApiJson(change): ApiJson<ProfileUpdate>,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(
        state.services.users.update_profile(auth, change).await?,
    ))
}

/// Another user by id.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = PublicUser),
        (status = 400, description = "Not a user id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
pub async fn by_id(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<PublicUser>, ApiError> {
    Ok(Json(state.services.users.public(id).await?))
}

/// Query of `GET /users`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Start of a username (case-insensitive).
    #[param(schema_with = super::params::user_prefix)]
    pub search: Option<String>,
    /// Exact username (case-insensitive).
    pub username: Option<String>,
    /// Most results, 1 to 50 (default 20).
    #[param(schema_with = super::params::user_search_limit)]
    pub limit: Option<i64>,
}

/// Finds users by username prefix (`search`) or exact username (`username`).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    params(SearchQuery),
    responses(
        (status = 200, description = "Matching users, alphabetically", body = [PublicUser]),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No user has that exact username", body = ErrorBody),
        (status = 422, description = "Neither search nor username given, or bad limit", body = ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<Vec<PublicUser>>, ApiError> {
    let users = &state.services.users;
    match (q.username, q.search) {
        (Some(username), _) => Ok(Json(vec![users.public_by_username(&username).await?])),
        (None, Some(prefix)) => Ok(Json(users.search(&prefix, q.limit).await?)),
        (None, None) => Err(ApiError::Validation {
            field: "search".to_owned(),
            message: "give ?search=<prefix> or ?username=<name>".to_owned(),
        }),
    }
}
