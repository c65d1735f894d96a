//! Request extractors for the REST API: JSON/path/query with our error shape, the bearer
//! caller and the client's address.

use app::services::auth::{Authenticated, ClientInfo};
use axum::{
    extract::{FromRequest, FromRequestParts, Path, Query},
    http::{header, request::Parts, HeaderMap},
};

use super::error::ApiError;
use crate::state::AppState;

/// `axum::Json` whose rejections are [`ApiError`]s.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Path` whose rejections are [`ApiError`]s.
#[derive(Debug, FromRequestParts)]
#[from_request(via(Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `axum::extract::Query` whose rejections are [`ApiError`]s.
#[derive(Debug, FromRequestParts)]
#[from_request(via(Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// The caller, authenticated by `Authorization: Bearer <access token>`.
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub Authenticated);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            ApiError::Unauthorized("send an access token as Authorization: Bearer <token>".into())
        })?;
        let auth = state.services.auth.authenticate(token).await?;
        Ok(Caller(auth))
    }
}

/// The token of an `Authorization: Bearer` header (scheme matched case-insensitively).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Address and user agent of the client.
#[derive(Debug, Clone)]
pub struct Client(pub ClientInfo);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(app::api::context::client_info(parts)))
    }
}
