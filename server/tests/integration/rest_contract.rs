//! The REST API keeps the contract of its OpenAPI document: error details name fields without
//! echoing input, unknown fields are refused where the schema forbids them, and the document
//! lists the errors every operation can return.

use crate::common::{assert_error, TestApp};
use axum::{body::Body, http::Request};
use serde_json::{json, Value};

async fn app() -> TestApp {
    TestApp::spawn(&[("REDIS_URL", "memory"), ("AMQP_URL", "memory")]).await
}

async fn token(app: &TestApp, name: &str) -> String {
    let tokens = app.register(name, "contract-test-password").await;
    tokens["access_token"]
        .as_str()
        .expect("access token")
        .to_owned()
}

fn field(response: &crate::common::TestResponse) -> String {
    response.json()["error"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn message(response: &crate::common::TestResponse) -> String {
    response.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_type_error_names_the_field_not_the_value() {
    let app = app().await;
    let token = token(&app, "typed").await;
    for value in [
        json!(-286.5),
        json!("many"),
        json!([1, 2]),
        json!({"seats": 3}),
    ] {
        let response = app
            .send(
                "POST",
                "/api/v1/rooms",
                Some(&token),
                Some(json!({"name": "Typed", "max_participants": value})),
            )
            .await;
        assert_error(&response, 422, "validation_failed");
        assert_eq!(field(&response), "max_participants", "{}", response.text());
        assert!(
            !message(&response).contains(" at line "),
            "position leaked: {}",
            response.text()
        );
    }
    // A nested path names the inner field.
    let bad_uuid = app
        .send(
            "POST",
            &format!("/api/v1/rooms/{}/bans", uuid::Uuid::new_v4()),
            Some(&token),
            Some(json!({"user_id": "not-a-uuid"})),
        )
        .await;
    assert_error(&bad_uuid, 422, "validation_failed");
    assert_eq!(field(&bad_uuid), "user_id");
}

#[tokio::test]
async fn a_missing_field_is_named() {
    let app = app().await;
    let response = app
        .send(
            "POST",
            "/api/v1/auth/register",
            None,
            Some(json!({"email": "nobody@example.com", "password": "long enough password"})),
        )
        .await;
    assert_error(&response, 422, "validation_failed");
    assert_eq!(field(&response), "username", "{}", response.text());
    assert!(message(&response).contains("missing field"));
}

#[tokio::test]
async fn long_input_is_never_echoed() {
    let app = app().await;
    let token = token(&app, "echoes").await;
    let long = format!("{}\n\u{1b}[31m{}", "A".repeat(5000), "B".repeat(5000));
    let cases = [
        json!({"name": "Echo", "max_participants": long}),
        json!({"name": "Echo", "is_private": long}),
        json!({"name": "Echo", (long.clone()): 1}),
    ];
    for body in cases {
        let response = app
            .send("POST", "/api/v1/rooms", Some(&token), Some(body))
            .await;
        assert_error(&response, 422, "validation_failed");
        let text = response.text();
        assert!(!text.contains(&"A".repeat(33)), "input echoed: {text}");
        assert!(!text.contains('\u{1b}'), "control character echoed: {text}");
        assert!(text.len() < 600, "error too long: {text}");
        assert!(field(&response).chars().count() <= 33, "{text}");
    }
}

#[tokio::test]
async fn unknown_fields_are_refused_where_the_schema_forbids_them() {
    let app = app().await;
    let token = token(&app, "strict").await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let schemas = &doc["components"]["schemas"];
    for name in [
        "RegisterRequest",
        "LoginRequest",
        "CreateRoom",
        "UpdateRoom",
        "SendMessage",
        "ProfileUpdate",
        "NotificationPreferences",
    ] {
        assert_eq!(
            schemas[name]["additionalProperties"],
            json!(false),
            "{name} should forbid unknown fields"
        );
    }
    let response = app
        .send(
            "POST",
            "/api/v1/rooms",
            Some(&token),
            Some(json!({"name": "Strict", "colour": "red"})),
        )
        .await;
    assert_error(&response, 422, "validation_failed");
    assert_eq!(field(&response), "colour", "{}", response.text());

    let settings = app
        .send(
            "POST",
            "/api/v1/rooms",
            Some(&token),
            Some(json!({"name": "Strict", "settings": {"colour": "red"}})),
        )
        .await;
    assert_error(&settings, 422, "validation_failed");
    assert_eq!(
        schemas["CreateRoom"]["properties"]["settings"]["additionalProperties"],
        json!(false)
    );
}

#[tokio::test]
async fn bodies_are_objects_and_whole_floats_are_integers() {
    let app = app().await;
    let token = token(&app, "shapes").await;
    let array = app
        .send(
            "POST",
            "/api/v1/rooms",
            Some(&token),
            Some(json!([null, null])),
        )
        .await;
    assert_error(&array, 422, "validation_failed");
    assert_eq!(field(&array), "body");

    // JSON Schema counts 10.0 as an integer, so an integer field takes it.
    let whole = app
        .send(
            "POST",
            "/api/v1/rooms",
            Some(&token),
            Some(json!({"name": "Whole", "max_participants": 10.0, "settings": {"slow_mode_seconds": 5.0}})),
        )
        .await;
    assert_eq!(whole.status, 201, "{}", whole.text());
    assert_eq!(whole.json()["max_participants"], 10);
    assert_eq!(whole.json()["settings"]["slow_mode_seconds"], 5);
}

#[tokio::test]
async fn not_json_and_malformed_json_keep_their_statuses() {
    let app = app().await;
    let token = token(&app, "formats").await;
    let text = app
        .request(
            Request::post("/api/v1/rooms")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "text/plain")
                .body(Body::from("{}"))
                .expect("request"),
        )
        .await;
    assert_error(&text, 415, "unsupported_media_type");
    let broken = app
        .request(
            Request::post("/api/v1/rooms")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(Body::from("{\"name\": "))
                .expect("request"),
        )
        .await;
    assert_error(&broken, 400, "bad_request");
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            out.push((method.clone(), path.clone(), operation));
        }
    }
    out
}

#[tokio::test]
async fn the_document_lists_the_errors_of_every_operation() {
    let app = app().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let mut ids = std::collections::HashSet::new();
    for (method, path, operation) in operations(&doc) {
        let responses = &operation["responses"];
        let has = |status: &str| responses[status].is_object();
        let label = format!("{method} {path}");
        assert!(
            ids.insert(operation["operationId"].to_string()),
            "duplicate operationId at {label}"
        );
        if operation["security"].is_array() {
            assert!(has("401"), "{label} lacks 401");
        }
        if operation["requestBody"].is_object() {
            for status in ["400", "413", "415", "422"] {
                assert!(has(status), "{label} lacks {status}");
            }
        }
        let params = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for p in &params {
            assert!(
                p["in"] == "path" || p["in"] == "query",
                "{label}: parameter in {}",
                p["in"]
            );
            if p["in"] == "path" {
                assert!(has("400") && has("404"), "{label} lacks 400/404");
            }
        }
        for (status, response) in responses.as_object().expect("responses") {
            if status.starts_with('4') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{label} {status} has no error schema"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_document_states_the_validation_limits() {
    let app = app().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let schemas = &doc["components"]["schemas"];
    let register = &schemas["RegisterRequest"]["properties"];
    assert_eq!(register["password"]["minLength"], 8);
    assert_eq!(register["password"]["maxLength"], 128);
    assert_eq!(register["email"]["maxLength"], 254);
    assert!(register["username"]["pattern"]
        .as_str()
        .is_some_and(|p| p.contains("{3,32}")));
    let create = &schemas["CreateRoom"]["properties"];
    assert_eq!(create["max_participants"]["minimum"], 2);
    assert_eq!(create["max_participants"]["maximum"], 100_000);
    assert_eq!(create["description"]["maxLength"], 1000);
    assert_eq!(
        create["settings"]["properties"]["slow_mode_seconds"]["maximum"],
        21_600
    );
    let directory = &doc["paths"]["/api/v1/rooms/public"]["get"]["parameters"];
    let limit = directory
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "limit"))
        .expect("limit parameter");
    assert_eq!(limit["in"], "query");
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 100);
}
