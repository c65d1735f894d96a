//! Security headers: a Content-Security-Policy that lets only the app's own scripts run
//! (a per-response nonce for the server-rendered pages' inline scripts, hashes for the
//! static offline page), and the headers every response gets.

use std::sync::OnceLock;

use app::{infra::config::Config, ui::theme::THEME_BOOTSTRAP};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::{pwa::offline::RETRY_SCRIPT, state::AppState};

/// Browser features the app does not use: no page of the site may ask for them.
const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
     geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), \
     usb=(), serial=(), hid=(), xr-spatial-tracking=()";
const HSTS: &str = "max-age=31536000; includeSubDomains";
const CSP: HeaderName = header::CONTENT_SECURITY_POLICY;

/// The policy of a server-rendered page whose inline scripts carry `nonce`.
pub fn page_policy(config: &Config, nonce: &str) -> String {
    policy(config, &format!("'nonce-{nonce}'"))
}

/// The policy of an HTML response without a nonce (the offline page): its static inline
/// scripts are allowed by their hashes, nothing else inline runs.
fn static_policy(config: &Config) -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        let hashes = [THEME_BOOTSTRAP, RETRY_SCRIPT]
            .map(|script| {
                let digest = Sha256::digest(script.as_bytes());
                format!(
                    "'sha256-{}'",
                    base64::engine::general_purpose::STANDARD.encode(digest)
                )
            })
            .join(" ");
        policy(config, &hashes)
    })
}

fn policy(config: &Config, inline_scripts: &str) -> String {
    // 'self' covers the same host's ws:/wss: in CSP Level 3; the public URL is named too for
    // browsers that read 'self' more narrowly.
    let mut connect = String::from("'self'");
    if let Some(url) = &config.public_url {
        let ws = url
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1);
        connect.push(' ');
        connect.push_str(ws.trim_end_matches('/'));
    }
    if config.environment == app::infra::config::Environment::Development {
        // cargo-leptos's live reload socket.
        let port = config.site.reload_port;
        connect.push_str(&format!(" ws://127.0.0.1:{port} ws://localhost:{port}"));
    }
    format!(
        "default-src 'self'; script-src 'self' {inline_scripts} 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; font-src 'self'; \
         connect-src {connect}; worker-src 'self'; manifest-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Middleware: headers for every response, and a CSP for HTML that has none yet.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let https = is_https(&state.infra.config, req.headers());
    let mut response = next.run(req).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if html {
        headers.insert(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        );
        headers.insert(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        if !headers.contains_key(CSP) {
            if let Ok(value) = HeaderValue::from_str(static_policy(&state.infra.config)) {
                headers.insert(CSP, value);
            }
        }
    }
    // API answers carry personal data: never store them in a shared or browser cache.
    if api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Whether the client reached the site over https (directly or through a proxy that says so).
pub fn is_https(config: &Config, headers: &HeaderMap) -> bool {
    let configured = config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    configured || forwarded
}

/// Sets the page's CSP for its nonce; called while a page renders.
pub fn provide_page_policy(config: &Config) {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(config, &nonce)) {
        response.insert_header(CSP, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::from_lookup(|_| None).expect("defaults")
    }

    #[test]
    fn pages_allow_only_own_and_nonced_scripts() {
        let policy = page_policy(&config(), "abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("'unsafe-inline' 'wasm"), "{policy}");
        let scripts = policy
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap_or_default();
        assert!(!scripts.contains("unsafe-inline"), "{scripts}");
        for directive in [
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ] {
            assert!(policy.contains(directive), "{directive}");
        }
    }

    #[test]
    fn the_static_policy_hashes_the_offline_page_scripts() {
        let policy = static_policy(&config());
        assert_eq!(policy.matches("'sha256-").count(), 2);
    }
}
