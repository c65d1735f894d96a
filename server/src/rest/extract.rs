//! Request extractors for the REST API: JSON/path/query with our error shape, the bearer
//! caller and the client's address.

use std::net::SocketAddr;

use app::services::auth::{Authenticated, ClientInfo};
use axum::{
    extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query},
    http::{header, request::Parts},
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
        let token = bearer_token(parts).ok_or_else(|| {
            ApiError::Unauthorized("send an access token as Authorization: Bearer <token>".into())
        })?;
        let auth = state.services.auth.authenticate(token).await?;
        Ok(Caller(auth))
    }
}

/// The token of an `Authorization: Bearer` header (scheme matched case-insensitively).
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
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
        Ok(Client(client_info(parts)))
    }
}

/// Reads the peer address (set by the server) and `User-Agent`.
pub fn client_info(parts: &Parts) -> ClientInfo {
    let ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    ClientInfo { ip, user_agent }
}
