//! `GET /ws`: the realtime channel. Authenticates the upgrade (session cookie, bearer header,
//! `access_token` query parameter or `Sec-WebSocket-Protocol: bearer, <token>`), checks the
//! Origin of browser connections, then hands the socket to a [`connection`].

pub mod connection;
pub mod fanout;
pub mod limits;
mod reorder;
pub mod tracker;

use app::infra::client_addr::ClientAddr;
use app::{
    api::cookies::{read_cookie, ACCESS_COOKIE},
    services::auth::Authenticated,
};
use axum::{
    extract::{ws::WebSocketUpgrade, Extension, Query, State},
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    rest::{error::ApiError, extract::bearer_token},
    state::AppState,
};

/// Subprotocol a non-browser client offers together with its token.
const BEARER_PROTOCOL: &str = "bearer";
/// Largest frame and message a client may send; larger ones are closed with 1009.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// What the WebSocket reader takes in whole before refusing. Above the protocol limit, so a
/// message a little too big is read completely and answered with a clean 1009 close: cutting
/// the reader off mid-message leaves unread bytes, and the socket then ends in a reset that
/// can swallow the close frame.
const READ_LIMIT_BYTES: usize = 1024 * 1024;

/// Query of the upgrade request.
#[derive(Debug, Deserialize)]
pub struct WsQuery {
    /// Access token, for clients that cannot set headers.
    pub access_token: Option<String>,
}

/// Upgrades an authenticated, same-origin request to a WebSocket.
pub async fn upgrade(
    State(state): State<AppState>,
    Query(query): Query<WsQuery>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Err(e) = check_origin(&state, &headers) {
        return e.into_response();
    }
    let (token, via_protocol) = match token(&headers, &query) {
        Some(found) => found,
        None => {
            return ApiError::Unauthorized(
                "sign in, or send an access token, to open the realtime channel".into(),
            )
            .into_response()
        }
    };
    let auth: Authenticated = match state.services.auth.authenticate(&token).await {
        Ok(auth) => auth,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let permit = state
        .ws_limits
        .admit(auth.user_id, client.map(|Extension(ClientAddr(ip))| ip));
    // Small buffers: idle connections then cost kilobytes, not the default ~130 KB.
    let ws = ws
        .read_buffer_size(4096)
        .write_buffer_size(16 * 1024)
        .max_message_size(READ_LIMIT_BYTES)
        .max_frame_size(READ_LIMIT_BYTES);
    let ws = if via_protocol {
        ws.protocols([BEARER_PROTOCOL])
    } else {
        ws
    };
    // Over a cap, the socket is accepted only to be closed with a code saying why: browsers
    // cannot read the status of a refused upgrade.
    ws.on_upgrade(move |socket| async move {
        match permit {
            Ok(permit) => connection::run(socket, state, auth, permit).await,
            Err(refusal) => connection::refuse(socket, refusal).await,
        }
    })
}

fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    // Browsers always send Origin; other clients need none (they cannot ride on a cookie).
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default().to_ascii_lowercase();
    let config = &state.infra.config;
    let allowed = config.cors_origins.contains(&origin)
        || config
            .public_url
            .as_deref()
            .is_some_and(|u| u.trim_end_matches('/').eq_ignore_ascii_case(&origin));
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "origin {origin} may not open the realtime channel"
        )))
    }
}

/// The access token and whether it came in the subprotocol header.
fn token(headers: &HeaderMap, query: &WsQuery) -> Option<(String, bool)> {
    if let Some(value) = bearer_token(headers) {
        return Some((value.to_owned(), false));
    }
    if let Some(protocols) = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
    {
        let parts: Vec<&str> = protocols.split(',').map(str::trim).collect();
        if let [first, token, ..] = parts.as_slice() {
            if first.eq_ignore_ascii_case(BEARER_PROTOCOL) && !token.is_empty() {
                return Some(((*token).to_owned(), true));
            }
        }
    }
    if let Some(t) = query.access_token.as_deref().filter(|t| !t.is_empty()) {
        return Some((t.to_owned(), false));
    }
    read_cookie(headers, ACCESS_COOKIE).map(|t| (t.to_owned(), false))
}
