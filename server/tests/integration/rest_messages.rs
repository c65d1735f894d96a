//! Message endpoints through the real router.

use serde_json::json;

use crate::common::{assert_error, TestApp};

#[tokio::test]
async fn message_endpoints() {
    let app = TestApp::spawn(&[]).await;
    let reg = app.register("poster", "messages-rest-password").await;
    let t = reg["access_token"].as_str().expect("token").to_owned();
    let other = app.register("lurker", "messages-rest-password").await;
    let o = other["access_token"].as_str().expect("token").to_owned();
    let room = app
        .send(
            "POST",
            "/api/v1/rooms",
            Some(&t),
            Some(json!({"name": "Talk", "is_private": true})),
        )
        .await
        .json();
    let room_id = room["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/rooms/{room_id}/messages");

    let sent = app
        .send(
            "POST",
            &path,
            Some(&t),
            Some(json!({"body": "  **hello** <script>  ", "client_id": "k1"})),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.text());
    let message = sent.json();
    assert_eq!(message["seq"], 1);
    assert_eq!(
        message["body"], "**hello** <script>",
        "stored as text, trimmed"
    );
    let again = app
        .send(
            "POST",
            &path,
            Some(&t),
            Some(json!({"body": "**hello** <script>", "client_id": "k1"})),
        )
        .await;
    assert_eq!(again.json()["id"], message["id"]);

    let empty = app
        .send("POST", &path, Some(&t), Some(json!({"body": " "})))
        .await;
    assert_error(&empty, 422, "validation_failed");
    assert_eq!(empty.json()["error"]["field"], "body");

    let page = app
        .send("GET", &format!("{path}?after=0&limit=10"), Some(&t), None)
        .await;
    assert_eq!(page.json().as_array().map(Vec::len), Some(1));
    let bad = app
        .send("GET", &format!("{path}?limit=500"), Some(&t), None)
        .await;
    assert_error(&bad, 422, "validation_failed");

    let id = message["id"].as_str().expect("id");
    let edited = app
        .send(
            "PATCH",
            &format!("/api/v1/messages/{id}"),
            Some(&t),
            Some(json!({"body": "hello again"})),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    assert!(edited.json()["edited_at"].is_string());
    let reacted = app
        .send(
            "POST",
            &format!("/api/v1/messages/{id}/reactions"),
            Some(&t),
            Some(json!({"emoji": "🎉"})),
        )
        .await;
    assert_eq!(reacted.json()[0]["count"], 1);
    let read = app
        .send(
            "POST",
            &format!("/api/v1/rooms/{room_id}/read"),
            Some(&t),
            Some(json!({"seq": 1})),
        )
        .await;
    assert_eq!(read.json()["last_read_seq"], 1);
    let found = app
        .send("GET", "/api/v1/search?q=again", Some(&t), None)
        .await;
    assert_eq!(found.json()[0]["room_name"], "Talk");
    let no_query = app.send("GET", "/api/v1/search", Some(&t), None).await;
    assert_error(&no_query, 422, "validation_failed");

    // An outsider learns nothing about the private room's messages.
    for (method, p, body) in [
        ("GET", path.clone(), None),
        ("POST", path.clone(), Some(json!({"body": "let me in"}))),
        (
            "PATCH",
            format!("/api/v1/messages/{id}"),
            Some(json!({"body": "x"})),
        ),
        ("DELETE", format!("/api/v1/messages/{id}"), None),
        (
            "POST",
            format!("/api/v1/messages/{id}/reactions"),
            Some(json!({"emoji": "👀"})),
        ),
        (
            "POST",
            format!("/api/v1/rooms/{room_id}/read"),
            Some(json!({"seq": 1})),
        ),
    ] {
        let r = app.send(method, &p, Some(&o), body).await;
        assert_error(&r, 404, "not_found");
    }
    assert_eq!(
        app.send("GET", "/api/v1/search?q=again", Some(&o), None)
            .await
            .json(),
        json!([])
    );

    let deleted = app
        .send("DELETE", &format!("/api/v1/messages/{id}"), Some(&t), None)
        .await;
    assert_eq!(deleted.status, 204);
    let history = app.send("GET", &path, Some(&t), None).await.json();
    assert_eq!(history[0]["deleted"], true);
    assert_eq!(history[0]["body"], "");
}
