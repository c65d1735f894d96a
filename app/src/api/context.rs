//! What every server function needs: the services, the caller from the session cookies, and
//! one mapping from service errors to the error the UI shows (with the right HTTP status).

use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use crate::{
    infra::client_addr::ClientAddr,
    model::error::ErrorDetail,
    services::{
        auth::{Authenticated, ClientInfo},
        ServiceError, Services,
    },
};

/// Set on each page and server-function request by the server's session middleware.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserSession {
    /// The signed-in caller, if the cookies hold a valid session.
    pub auth: Option<Authenticated>,
    /// Whether cookies must be `Secure` (the site is served over https).
    pub secure: bool,
}

/// The services provided to the Leptos context by the server.
pub fn services() -> Result<Services, ErrorDetail> {
    use_context::<Services>().ok_or_else(|| {
        fail(ServiceError::Internal(
            "services missing from context".into(),
        ))
    })
}

/// The session of this request.
pub fn session() -> BrowserSession {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<BrowserSession>().copied())
        .unwrap_or_default()
}

/// The caller, or a 401 error that sends the UI to the sign-in page.
pub fn require_caller() -> Result<Authenticated, ErrorDetail> {
    session()
        .auth
        .ok_or_else(|| fail(ServiceError::Unauthenticated("Please sign in to continue.")))
}

/// Maps a service error for the UI, setting the response status to match.
pub fn fail(error: ServiceError) -> ErrorDetail {
    let status = match &error {
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        ServiceError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let code = error.code();
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(status);
        if let ServiceError::RateLimited { retry_after } = &error {
            response.insert_header(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
    }
    let field = match &error {
        ServiceError::Invalid(f) => Some(f.field.to_owned()),
        ServiceError::Conflict { field, .. } => Some((*field).to_owned()),
        _ => None,
    };
    let message = match &error {
        ServiceError::Internal(detail) => {
            tracing::error!(%detail, "internal error in server function");
            "Something went wrong on our side. Please try again.".to_owned()
        }
        ServiceError::RateLimited { retry_after } => {
            format!(
                "Too many attempts. Try again in {} minutes.",
                retry_after.div_ceil(60)
            )
        }
        other => sentence(&other.to_string()),
    };
    ErrorDetail {
        code: code.to_owned(),
        message,
        field,
    }
}

/// The client's address (resolved by the server, behind trusted proxies too) and
/// `User-Agent` of a request.
pub fn client_info(parts: &Parts) -> ClientInfo {
    let ip = match parts.extensions.get::<ClientAddr>() {
        Some(ClientAddr(ip)) => Some(ip.to_string()),
        None => parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|axum::extract::ConnectInfo(addr)| addr.ip().to_string()),
    };
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    ClientInfo { ip, user_agent }
}

/// Adds `Set-Cookie` headers to the response.
pub fn set_cookies(values: Vec<HeaderValue>) {
    if let Some(response) = use_context::<ResponseOptions>() {
        for value in values {
            response.append_header(header::SET_COOKIE, value);
        }
    }
}

/// Capitalised with a full stop, for messages written in lower case for API clients.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}
