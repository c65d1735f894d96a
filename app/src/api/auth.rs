//! Server functions for signing up, in and out, and managing sessions.

use leptos::prelude::*;
use uuid::Uuid;

use super::codec::Json;
use crate::model::{auth::SessionInfo, error::ErrorDetail, user::User};

#[cfg(feature = "ssr")]
use super::{
    context::{fail, require_caller, services, session, set_cookies},
    cookies::{clear_cookies, session_cookies},
};

#[cfg(feature = "ssr")]
fn client() -> crate::services::auth::ClientInfo {
    use_context::<axum::http::request::Parts>()
        .map(|parts| super::context::client_info(&parts))
        .unwrap_or_default()
}

/// The signed-in user, or `None`; drives the header and page guards.
#[server(prefix = "/rpc", output = Json)]
pub async fn current_user() -> Result<Option<User>, ErrorDetail> {
    let Some(auth) = session().auth else {
        return Ok(None);
    };
    match services()?.users.me(auth).await {
        Ok(user) => Ok(Some(user)),
        Err(crate::services::ServiceError::Unauthenticated(_)) => Ok(None),
        Err(e) => Err(fail(e)),
    }
}

/// Creates an account and signs in (sets the session cookies).
#[server(prefix = "/rpc", output = Json)]
pub async fn sign_up(
    email: String,
    username: String,
    display_name: String,
    password: String,
) -> Result<User, ErrorDetail> {
    let request = crate::model::auth::RegisterRequest {
        email,
        username,
        password,
        display_name: Some(display_name),
    };
    let tokens = services()?
        .auth
        .register(request, &client())
        .await
        .map_err(fail)?;
    set_cookies(session_cookies(&tokens, session().secure));
    Ok(tokens.user)
}

/// Signs in with email or username (sets the session cookies).
#[server(prefix = "/rpc", output = Json)]
pub async fn sign_in(login: String, password: String) -> Result<User, ErrorDetail> {
    let request = crate::model::auth::LoginRequest { login, password };
    let tokens = services()?
        .auth
        .login(request, &client())
        .await
        .map_err(fail)?;
    set_cookies(session_cookies(&tokens, session().secure));
    Ok(tokens.user)
}

/// Ends this browser's session and clears its cookies.
#[server(prefix = "/rpc", output = Json)]
pub async fn sign_out() -> Result<(), ErrorDetail> {
    let current = session();
    if let Some(auth) = current.auth {
        services()?.auth.logout(auth).await.map_err(fail)?;
    }
    set_cookies(clear_cookies(current.secure));
    Ok(())
}

/// Ends every session of the user, this one included.
#[server(prefix = "/rpc", output = Json)]
pub async fn sign_out_everywhere() -> Result<(), ErrorDetail> {
    let auth = require_caller()?;
    services()?.auth.logout_all(auth).await.map_err(fail)?;
    set_cookies(clear_cookies(session().secure));
    Ok(())
}

/// The user's active sessions.
#[server(prefix = "/rpc", output = Json)]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, ErrorDetail> {
    let auth = require_caller()?;
    services()?.auth.sessions(auth).await.map_err(fail)
}

/// Ends one of the user's other sessions.
#[server(prefix = "/rpc", output = Json)]
pub async fn end_session(id: Uuid) -> Result<(), ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .auth
        .revoke_session(auth, id)
        .await
        .map_err(fail)
}
