//! Request extractors for the REST API: JSON/path/query with our error shape, the bearer
//! caller and the client's address.

use app::services::auth::{Authenticated, ClientInfo};
use axum::{
    extract::{FromRequest, FromRequestParts, Path, Query, Request},
    http::{header, request::Parts, HeaderMap},
};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::state::AppState;

/// A JSON body of type `T` whose rejections are [`ApiError`]s: 415 without a JSON content type,
/// 413 when too large, 400 when not JSON, and 422 naming the field (by its path) when the JSON
/// does not fit `T`.
///
/// The body is read as a JSON value first and whole numbers written as floats (`2.0`) become
/// integers: JSON Schema, and so the OpenAPI document, counts `2.0` as an integer, so an integer
/// field accepts it.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(mut value) =
            axum::Json::<serde_json::Value>::from_request(req, state).await?;
        if !value.is_object() {
            return Err(ApiError::Validation {
                field: "body".to_owned(),
                message: "the body must be a JSON object".to_owned(),
            });
        }
        whole_floats_to_integers(&mut value);
        serde_path_to_error::deserialize(value)
            .map(ApiJson)
            .map_err(|e| ApiError::from_path_error(e.path(), &e.inner().to_string()))
    }
}

/// Rewrites every float with an integral value that fits an `i64` or `u64` as that integer.
fn whole_floats_to_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                // 2^63 and 2^64 are exactly representable, so the range checks are exact.
                const I64_END: f64 = 9_223_372_036_854_775_808.0;
                const U64_END: f64 = 18_446_744_073_709_551_616.0;
                if f.fract() == 0.0 && (-I64_END..I64_END).contains(&f) {
                    #[allow(clippy::cast_possible_truncation)]
                    let i = f as i64;
                    *value = Value::from(i);
                } else if f.fract() == 0.0 && (0.0..U64_END).contains(&f) {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let u = f as u64;
                    *value = Value::from(u);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_floats_to_integers),
        Value::Object(map) => map.values_mut().for_each(whole_floats_to_integers),
        _ => {}
    }
}

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
