//! Cookie sessions for pages and server functions: authenticates the access cookie, silently
//! refreshes an expired one with the refresh cookie, and hands the result to Leptos.

use app::{
    api::{
        context::BrowserSession,
        cookies::{
            clear_cookies, read_cookie, response_sets, session_cookies, ACCESS_COOKIE,
            REFRESH_COOKIE,
        },
    },
    services::{
        auth::{Authenticated, CookieRefresh},
        ServiceError,
    },
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue},
    middleware::Next,
    response::Response,
};

use crate::state::AppState;

/// Middleware: puts a [`BrowserSession`] into the request extensions and, when tokens were
/// rotated or found invalid, updates the cookies on the way out.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if is_static_asset(req.uri().path()) {
        return next.run(req).await;
    }
    let secure = is_secure(&state, req.headers());
    let (auth, cookies) = resolve(&state, req.headers(), secure).await;
    req.extensions_mut().insert(BrowserSession { auth, secure });
    let mut response = next.run(req).await;
    // A server function that signed in or out has set the cookies itself; it wins.
    let handled = response_sets(response.headers(), ACCESS_COOKIE)
        || response_sets(response.headers(), REFRESH_COOKIE);
    if !handled {
        for cookie in cookies {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    if auth.is_some() {
        // Pages rendered for a signed-in user must not be stored by shared caches.
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    response
}

async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    secure: bool,
) -> (Option<Authenticated>, Vec<HeaderValue>) {
    let auth = &state.services.auth;
    if let Some(token) = read_cookie(headers, ACCESS_COOKIE) {
        if let Ok(caller) = auth.authenticate(token).await {
            return (Some(caller), Vec::new());
        }
    }
    let Some(refresh) = read_cookie(headers, REFRESH_COOKIE) else {
        return (None, Vec::new());
    };
    match auth.refresh_cookie(refresh).await {
        Ok(CookieRefresh::Rotated(tokens)) => {
            let caller = Authenticated {
                user_id: tokens.user.id,
                session_id: tokens.session_id,
            };
            (Some(caller), session_cookies(&tokens, secure))
        }
        Ok(CookieRefresh::AlreadyRotated(caller)) => (Some(caller), Vec::new()),
        Err(ServiceError::Unauthenticated(_)) => (None, clear_cookies(secure)),
        Err(e) => {
            // A database hiccup must not sign the user out; the next request tries again.
            tracing::warn!(error = %e, "cannot refresh a browser session");
            (None, Vec::new())
        }
    }
}

fn is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    crate::security_headers::is_https(&state.infra.config, headers)
}

/// Built files and anything with an extension (favicon, manifest) need no session.
fn is_static_asset(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}
