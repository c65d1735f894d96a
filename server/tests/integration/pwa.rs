//! The installable app on the server: `/sw.js` (type, caching, what it may cache), the
//! offline page, the manifest's content type, and the caching and compression of built files.

use std::path::PathBuf;

use axum::{body::Body, http::Request};
use server::{pwa::PwaConfig, router, state::AppState};

use crate::common::{TestApp, TestResponse};

/// A built site without hashed names, with a precompressed twin of the WASM module.
fn site() -> PathBuf {
    let root = std::env::temp_dir().join(format!("parley-pwa-site-{}", uuid::Uuid::new_v4()));
    let manifest = include_str!("../../../public/manifest.webmanifest");
    for (file, content) in [
        ("pkg/parley.js", "export default function init() {}"),
        ("pkg/parley.wasm", "\0asm"),
        ("pkg/parley.wasm.br", "compressed"),
        ("pkg/parley.css", ":root { --accent: #4f46e5; }"),
        ("manifest.webmanifest", manifest),
        ("favicon.svg", "<svg/>"),
    ] {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }
    root
}

async fn spawn(site: &std::path::Path) -> TestApp {
    let site = site.to_str().expect("utf-8 temp path");
    TestApp::spawn(&[
        ("REDIS_URL", "memory"),
        ("AMQP_URL", "memory"),
        ("LEPTOS_SITE_ROOT", site),
    ])
    .await
}

fn header<'a>(response: &'a TestResponse, name: &str) -> &'a str {
    response
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The JSON array the script assigns to `const <name> = [...];`.
fn listed(script: &str, name: &str) -> Vec<String> {
    let prefix = format!("const {name} = ");
    let line = script
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {name} in {script}"));
    serde_json::from_str(line.trim_end_matches(';')).expect("a JSON list of URLs")
}

#[tokio::test]
async fn the_service_worker_is_never_cached_and_never_caches_live_traffic() {
    let site = site();
    let app = spawn(&site).await;
    let sw = app.get("/sw.js").await;
    assert_eq!(sw.status, 200);
    assert!(header(&sw, "content-type").starts_with("text/javascript"));
    assert_eq!(header(&sw, "cache-control"), "no-cache");

    let script = sw.text();
    assert!(script.contains(r#"addEventListener("fetch""#), "{script}");
    let immutable = listed(&script, "IMMUTABLE");
    let revalidated = listed(&script, "REVALIDATED");
    // Unhashed names are revalidated, never trusted forever.
    assert!(immutable.is_empty(), "{immutable:?}");
    for url in [
        "/offline",
        "/pkg/parley.wasm",
        "/pkg/parley.css",
        "/manifest.webmanifest",
    ] {
        assert!(
            revalidated.iter().any(|u| u == url),
            "{url} missing: {revalidated:?}"
        );
    }
    // Only files that exist: a missing one would fail the whole install.
    assert!(!revalidated
        .iter()
        .any(|u| u.ends_with(".br") || u.contains("icon-192")));
    for url in immutable.iter().chain(&revalidated) {
        for live in ["/api", "/rpc", "/ws", "/healthz", "/readyz"] {
            assert!(!url.starts_with(live), "{url} must never be cached");
        }
    }
    let never = script
        .lines()
        .find(|l| l.starts_with("const NEVER"))
        .expect("the list of live paths");
    for pattern in [r"/^\/api\//", r"/^\/rpc\//", r"/^\/ws$/"] {
        assert!(never.contains(pattern), "{pattern} not in {never}");
    }
    // One build, one script: the version only changes with the files.
    assert_eq!(app.get("/sw.js").await.text(), script);
    let _ = std::fs::remove_dir_all(site);
}

#[tokio::test]
async fn offline_page_manifest_pages_and_built_files_carry_their_types_and_cache_policies() {
    let site = site();
    let app = spawn(&site).await;

    let offline = app.get("/offline").await;
    assert_eq!(offline.status, 200);
    assert!(header(&offline, "content-type").starts_with("text/html"));
    assert_eq!(header(&offline, "cache-control"), "no-cache");
    assert!(offline.text().contains("You are offline"));
    assert!(offline.text().contains(r#"href="/pkg/parley.css""#));

    let manifest = app.get("/manifest.webmanifest").await;
    assert_eq!(
        header(&manifest, "content-type"),
        "application/manifest+json"
    );
    assert_eq!(manifest.json()["display"], "standalone");

    let page = app.get("/").await;
    assert_eq!(header(&page, "cache-control"), "no-cache");
    let html = page.text();
    assert!(html.contains(r#"<link rel="manifest" href="/manifest.webmanifest">"#));
    assert!(
        html.contains("sw.register('/sw.js'"),
        "no registration: {html}"
    );

    // The precompressed twin is sent as it is; an unhashed name must be revalidated.
    let wasm = app
        .request(
            Request::get("/pkg/parley.wasm")
                .header("accept-encoding", "br")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(wasm.status, 200);
    assert_eq!(header(&wasm, "content-encoding"), "br");
    assert_eq!(wasm.body, b"compressed");
    assert_eq!(header(&wasm, "cache-control"), "no-cache");
    assert_eq!(app.get("/pkg/nope.js").await.status, 404);
    let _ = std::fs::remove_dir_all(site);
}

#[tokio::test]
async fn with_pwa_off_the_worker_removes_itself_and_pages_do_not_register_it() {
    let site = site();
    let app = spawn(&site).await;
    let off = TestApp {
        router: router::build(AppState::with_pwa(
            app.infra.clone(),
            PwaConfig { enabled: false },
        )),
        ..app
    };
    let script = off.get("/sw.js").await.text();
    assert!(script.contains("unregister()"), "{script}");
    assert!(!script.contains(r#"addEventListener("fetch""#));
    let html = off.get("/").await.text();
    assert!(html.contains(r#"rel="manifest""#));
    assert!(!html.contains("sw.register"), "{html}");
    let _ = std::fs::remove_dir_all(site);
}
