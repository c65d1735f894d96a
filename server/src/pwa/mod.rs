//! The installable app: the service worker at `/sw.js`, the offline page, the web app manifest
//! and how the built files are served (precompressed when the build has `.br`/`.gz` twins, and
//! cached for a year when their names carry a content hash).
//!
//! Everything is prepared once at start from the site root; `PWA=off` swaps the worker for one
//! that removes itself, and the shell then registers none.

pub mod bundle;
pub mod offline;
pub mod worker;

use std::{path::PathBuf, sync::Arc};

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use tower_http::services::ServeDir;

pub use bundle::Bundle;
pub use worker::{Worker, OFFLINE_URL};

/// For files whose name changes with their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For everything that may change under the same URL: use it, but ask the server first.
pub const NO_CACHE: &str = "no-cache";

/// The `PWA` setting: whether pages register the service worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PwaConfig {
    /// Register the worker and cache the shell.
    pub enabled: bool,
}

impl Default for PwaConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

impl PwaConfig {
    /// Reads the process environment (after `Config::from_env` loaded `.env`).
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// `PWA=on|off`; unset means on, except under `cargo leptos watch` (which sets
    /// `LEPTOS_WATCH`), where a worker would keep serving the build before the last change.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let enabled = match lookup("PWA").as_deref().map(str::trim) {
            None | Some("") => lookup("LEPTOS_WATCH").as_deref() != Some("true"),
            Some("on" | "true" | "1") => true,
            Some("off" | "false" | "0") => false,
            Some(other) => {
                return Err(format!(
                    "invalid PWA: {other:?} is neither \"on\" nor \"off\""
                ))
            }
        };
        Ok(Self { enabled })
    }
}

/// Everything the PWA routes serve, prepared at start.
#[derive(Debug)]
pub struct Pwa {
    /// Whether pages register the worker.
    pub enabled: bool,
    /// The built script, module and stylesheet.
    pub bundle: Bundle,
    /// The `/sw.js` served.
    pub worker: Worker,
    offline_page: String,
    manifest: Option<Vec<u8>>,
    site_root: PathBuf,
    pkg_dir: String,
}

impl Pwa {
    /// Reads the build in `site_root` (its bundle was resolved by [`Bundle::resolve`]).
    pub fn prepare(config: PwaConfig, bundle: Bundle, site_root: &str, pkg_dir: &str) -> Self {
        let site_root = PathBuf::from(site_root);
        let offline_page = offline::page(&bundle.css);
        let worker = if config.enabled {
            Worker::render(&bundle, &site_root, pkg_dir, &offline_page)
        } else {
            Worker::retire()
        };
        let manifest = std::fs::read(site_root.join("manifest.webmanifest")).ok();
        Self {
            enabled: config.enabled,
            bundle,
            worker,
            offline_page,
            manifest,
            site_root,
            pkg_dir: pkg_dir.to_owned(),
        }
    }
}

/// `/sw.js`, `/offline`, `/manifest.webmanifest` and the built files under `/pkg`.
pub fn routes<S: Clone + Send + Sync + 'static>(pwa: Arc<Pwa>) -> Router<S> {
    // Served from the site root itself (not below `/pkg`) so URLs map to paths one to one.
    let built = ServeDir::new(&pwa.site_root)
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .route_service(&format!("/{}/{{*file}}", pwa.pkg_dir), built)
        .route_layer(middleware::from_fn_with_state(
            pwa.clone(),
            cache_built_files,
        ))
        .route("/sw.js", get(service_worker))
        .route(OFFLINE_URL, get(offline))
        .route("/manifest.webmanifest", get(manifest))
        .with_state(pwa)
}

async fn service_worker(State(pwa): State<Arc<Pwa>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Browsers check for updates on every navigation; they must always see the newest.
            (header::CACHE_CONTROL, NO_CACHE),
        ],
        pwa.worker.script.clone(),
    )
        .into_response()
}

async fn offline(State(pwa): State<Arc<Pwa>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, NO_CACHE),
        ],
        pwa.offline_page.clone(),
    )
        .into_response()
}

async fn manifest(State(pwa): State<Arc<Pwa>>) -> Response {
    match &pwa.manifest {
        Some(body) => (
            [
                (header::CONTENT_TYPE, "application/manifest+json"),
                (header::CACHE_CONTROL, NO_CACHE),
            ],
            body.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Hashed files may be kept for a year; the rest of `/pkg` must be revalidated.
async fn cache_built_files(State(pwa): State<Arc<Pwa>>, request: Request, next: Next) -> Response {
    let immutable = pwa.bundle.is_immutable(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        let value = if immutable { IMMUTABLE } else { NO_CACHE };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// `no-cache` for HTML that set no caching policy of its own: pages must never be reused
/// without asking, or a new build's page could come with the old build's WASM.
pub fn html_no_cache<B>(response: &axum::http::Response<B>) -> Option<HeaderValue> {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
        .then(|| HeaderValue::from_static(NO_CACHE))
}

#[cfg(test)]
mod tests {
    use super::PwaConfig;

    fn parse(vars: &[(&str, &str)]) -> Result<bool, String> {
        PwaConfig::from_lookup(|k| {
            vars.iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| (*v).to_owned())
        })
        .map(|c| c.enabled)
    }

    #[test]
    fn on_by_default_off_under_watch_and_explicit_values_win() {
        assert_eq!(parse(&[]), Ok(true));
        assert_eq!(parse(&[("LEPTOS_WATCH", "true")]), Ok(false));
        assert_eq!(parse(&[("LEPTOS_WATCH", "true"), ("PWA", "on")]), Ok(true));
        assert_eq!(parse(&[("PWA", "off")]), Ok(false));
        assert!(parse(&[("PWA", "maybe")]).unwrap_err().contains("PWA"));
    }
}
