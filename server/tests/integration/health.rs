//! `/healthz` and `/readyz` through the real router, against real and unreachable backends.

use std::time::Duration;

use crate::common::TestApp;

#[tokio::test]
async fn healthz_answers_without_touching_backends() {
    let app = TestApp::spawn(&[]).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["status"], "ok");
    assert_eq!(response.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn readyz_is_ready_with_real_postgres_redis_and_rabbitmq() {
    let app = TestApp::spawn(&[]).await;
    assert!(
        app.infra
            .bus
            .wait_until_subscribed(Duration::from_secs(5))
            .await
    );
    let response = app.get("/readyz").await;
    let body = response.json();
    assert_eq!(response.status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    let names: Vec<&str> = body["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["postgres", "redis", "event_bus", "rabbitmq"]);
}

#[tokio::test]
async fn readyz_is_ready_with_in_process_fallbacks() {
    let app = TestApp::spawn(&[("REDIS_URL", "memory"), ("AMQP_URL", "memory")]).await;
    let response = app.get("/readyz").await;
    let body = response.json();
    assert_eq!(response.status, 200, "{body}");
    let backends: Vec<(&str, &str)> = body["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or(""),
                c["backend"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        backends,
        [
            ("postgres", "postgres"),
            ("event_bus", "in-process"),
            ("job_queue", "in-process")
        ]
    );
}

#[tokio::test]
async fn readyz_reports_unreachable_redis_and_rabbitmq_promptly() {
    // Port 1 on loopback refuses connections: the state of a stopped service.
    let app = TestApp::spawn(&[
        ("REDIS_URL", "redis://127.0.0.1:1"),
        ("AMQP_URL", "amqp://guest:guest@127.0.0.1:1/%2f"),
    ])
    .await;
    let response = tokio::time::timeout(Duration::from_secs(10), app.get("/readyz"))
        .await
        .expect("/readyz must answer instead of hanging when a backend is down");
    let body = response.json();
    assert_eq!(response.status, 503, "{body}");
    assert_eq!(body["status"], "unavailable");
    let failed: Vec<&str> = body["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .filter(|c| c["ok"] == false)
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(failed, ["redis", "event_bus", "rabbitmq"], "{body}");
    let postgres = &body["checks"][0];
    assert_eq!(postgres["ok"], true, "{body}");
    assert!(body["checks"][1]["error"]
        .as_str()
        .is_some_and(|e| !e.is_empty()));
}
