//! The browser's session cookies: names, and `Set-Cookie` values that set or clear them.

use axum::http::{header, HeaderMap, HeaderValue};

use crate::services::auth::{IssuedTokens, SESSION_TTL_DAYS};

/// Access token cookie (HttpOnly, 15 minutes).
pub const ACCESS_COOKIE: &str = "parley_at";
/// Refresh token cookie (HttpOnly, rotated on use).
pub const REFRESH_COOKIE: &str = "parley_rt";

/// `Set-Cookie` values storing a fresh token pair.
pub fn session_cookies(tokens: &IssuedTokens, secure: bool) -> Vec<HeaderValue> {
    let refresh_secs = SESSION_TTL_DAYS * 24 * 60 * 60;
    [
        cookie(
            ACCESS_COOKIE,
            &tokens.access_token,
            tokens.expires_in as i64,
            secure,
        ),
        cookie(REFRESH_COOKIE, &tokens.refresh_token, refresh_secs, secure),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `Set-Cookie` values deleting both cookies.
pub fn clear_cookies(secure: bool) -> Vec<HeaderValue> {
    [
        cookie(ACCESS_COOKIE, "", 0, secure),
        cookie(REFRESH_COOKIE, "", 0, secure),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn cookie(name: &str, value: &str, max_age: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .ok()
}

/// The value of cookie `name` in the request headers.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v)
}

/// Whether the response already sets cookie `name` (a server function signed in or out).
pub fn response_sets(headers: &HeaderMap, name: &str) -> bool {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with(&format!("{name}=")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; parley_at=tok.en; parley_rt="),
        );
        assert_eq!(read_cookie(&headers, ACCESS_COOKIE), Some("tok.en"));
        assert_eq!(read_cookie(&headers, REFRESH_COOKIE), None);
    }

    #[test]
    fn clearing_expires_both_http_only() {
        let values = clear_cookies(true);
        assert_eq!(values.len(), 2);
        for v in values {
            let v = v.to_str().unwrap_or_default().to_owned();
            assert!(
                v.contains("Max-Age=0") && v.contains("HttpOnly") && v.contains("Secure"),
                "{v}"
            );
            assert!(v.contains("SameSite=Lax"), "{v}");
        }
    }
}
