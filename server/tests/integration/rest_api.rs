//! The `/api/v1` group: JSON bodies, the shared error shape, CORS and the OpenAPI document.

use crate::common::{assert_error, TestApp};
use axum::{body::Body, http::Request};

#[tokio::test]
async fn meta_describes_the_server_and_its_backends() {
    let app = TestApp::spawn(&[("REDIS_URL", "memory"), ("AMQP_URL", "memory")]).await;
    let response = app.get("/api/v1/meta").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.headers["content-type"], "application/json");
    let body = response.json();
    assert_eq!(body["name"], "Parley");
    assert_eq!(body["api_version"], "v1");
    assert_eq!(body["event_bus"], "in-process");
    assert_eq!(body["job_queue"], "in-process");
}

#[tokio::test]
async fn unknown_endpoints_get_a_json_404() {
    let app = TestApp::spawn(&[("REDIS_URL", "memory"), ("AMQP_URL", "memory")]).await;
    let response = app.get("/api/v1/does-not-exist").await;
    assert_error(&response, 404, "not_found");
}

#[tokio::test]
async fn wrong_methods_get_a_json_405() {
    let app = TestApp::spawn(&[("REDIS_URL", "memory"), ("AMQP_URL", "memory")]).await;
    let response = app
        .request(
            Request::delete("/api/v1/meta")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_error(&response, 405, "method_not_allowed");
}

#[tokio::test]
async fn openapi_document_lists_the_endpoints_and_error_shape() {
    let app = TestApp::spawn(&[("REDIS_URL", "memory"), ("AMQP_URL", "memory")]).await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status, 200);
    let doc = response.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in ["/api/v1/meta", "/healthz", "/readyz"] {
        assert!(doc["paths"][path].is_object(), "missing {path} in {doc}");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test]
async fn cors_allows_configured_origins_only() {
    let app = TestApp::spawn(&[
        ("REDIS_URL", "memory"),
        ("AMQP_URL", "memory"),
        ("CORS_ORIGINS", "https://chat.example.com"),
    ])
    .await;
    let preflight = |origin: &str| {
        Request::options("/api/v1/meta")
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .body(Body::empty())
            .expect("request")
    };
    let allowed = app.request(preflight("https://chat.example.com")).await;
    assert_eq!(
        allowed.headers["access-control-allow-origin"],
        "https://chat.example.com"
    );
    let denied = app.request(preflight("https://evil.example.net")).await;
    assert!(denied.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn pages_are_server_rendered_and_unknown_pages_are_404() {
    let app = TestApp::spawn(&[("REDIS_URL", "memory"), ("AMQP_URL", "memory")]).await;
    let landing = app.get("/").await;
    assert_eq!(landing.status, 200);
    let html = landing.text();
    assert!(
        html.contains("Conversations that keep up with your team."),
        "{html}"
    );
    assert!(
        html.contains("/pkg/parley.js"),
        "hydration script missing: {html}"
    );

    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("This page does not exist"));
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let app = TestApp::spawn(&[]).await;
    let huge = serde_json::json!({
        "email": "big@example.com",
        "username": "big",
        "password": "x".repeat(server::router::API_BODY_LIMIT),
    });
    let response = app
        .send("POST", "/api/v1/auth/register", None, Some(huge))
        .await;
    assert_error(&response, 413, "payload_too_large");

    let page_post = app
        .request(
            Request::post("/rpc/anything")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("content-length", server::router::SITE_BODY_LIMIT + 1)
                .body(Body::from(vec![b'a'; server::router::SITE_BODY_LIMIT + 1]))
                .expect("request"),
        )
        .await;
    assert_eq!(page_post.status.as_u16(), 413);
}

#[tokio::test]
async fn readiness_never_shows_connection_strings() {
    let app = TestApp::spawn(&[
        ("REDIS_URL", "redis://:hunter2secret@127.0.0.1:1"),
        ("AMQP_URL", "amqp://guest:hunter2secret@127.0.0.1:1/%2f"),
    ])
    .await;
    let ready = app.get("/readyz").await;
    let text = ready.text();
    assert_eq!(ready.status.as_u16(), 503, "{text}");
    for secret in ["hunter2secret", "redis://", "amqp://", "postgres://"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}
