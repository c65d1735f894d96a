//! Requests and responses of sign-up, sign-in and session management. Secrets are never printed
//! by `Debug`, so they cannot end up in logs by accident.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::user::User;

/// Creates an account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Email address (unique, case-insensitive).
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::email))]
    pub email: String,
    /// Username (unique, case-insensitive).
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::username))]
    pub username: String,
    /// Password, 8–128 characters.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::password))]
    pub password: String,
    /// Name shown to others; defaults to the username.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::display_name_or_default))]
    pub display_name: Option<String>,
}

/// Signs in with an email address or a username.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email address or username (`email` and `username` are accepted as names too).
    #[serde(alias = "email", alias = "username")]
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::not_blank))]
    pub login: String,
    /// Password.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::non_empty))]
    pub password: String,
}

/// Exchanges a refresh token for a new pair.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh; it is used up by this call.
    pub refresh_token: String,
}

/// Tokens for an API client after login or refresh.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque token for `POST /auth/refresh`; single use.
    pub refresh_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Seconds until `access_token` expires.
    pub expires_in: u64,
    /// The signed-in account.
    pub user: User,
}

/// One signed-in device or client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// Session identifier (for `DELETE /auth/sessions/{id}`).
    pub id: Uuid,
    /// Browser or client that signed in.
    pub user_agent: Option<String>,
    /// Address it signed in from.
    pub ip_address: Option<String>,
    /// Sign-in time.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub created_at: DateTime<Utc>,
    /// Last token refresh.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub last_used_at: DateTime<Utc>,
    /// When the session ends unless refreshed.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub expires_at: DateTime<Utc>,
    /// Whether this is the session making the request.
    pub current: bool,
}

macro_rules! redacted_debug {
    ($($ty:ident { $($shown:ident),* }),* $(,)?) => {$(
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($shown), &self.$shown))*
                    .finish_non_exhaustive()
            }
        }
    )*};
}

redacted_debug! {
    RegisterRequest { email, username, display_name },
    LoginRequest { login },
    RefreshRequest {},
    TokenResponse { token_type, expires_in, user },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_secrets() {
        let login = LoginRequest {
            login: "ada".into(),
            password: "hunter2-hunter2".into(),
        };
        let refresh = RefreshRequest {
            refresh_token: "rt-secret-value".into(),
        };
        let printed = format!("{login:?} {refresh:?}");
        assert!(printed.contains("ada"));
        assert!(
            !printed.contains("hunter2") && !printed.contains("rt-secret"),
            "{printed}"
        );
    }
}
