//! `/api/v1/notifications` and `/api/v1/rooms/{id}/notifications` over HTTP, including
//! every kind of bad input and other people's notifications.

use serde_json::{json, Value};

use super::support::{drain, Harness};
use crate::common::{assert_error, TestApp};

struct Client {
    token: String,
}

async fn client(app: &TestApp, name: &str) -> Client {
    let reg = app.register(name, "notification-test-password").await;
    Client {
        token: reg["access_token"].as_str().expect("token").to_owned(),
    }
}

impl Client {
    async fn call(&self, app: &TestApp, method: &str, path: &str, body: Option<Value>) -> Value {
        let r = app.send(method, path, Some(&self.token), body).await;
        assert!(
            r.status.is_success(),
            "{method} {path}: {} {}",
            r.status,
            r.text()
        );
        if r.body.is_empty() {
            Value::Null
        } else {
            r.json()
        }
    }
}

#[tokio::test]
async fn the_notification_api_lists_counts_marks_and_deletes() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let app = &h.app;
    let alice = client(app, "api_alice").await;
    let bob = client(app, "api_bob").await;
    let room = alice
        .call(app, "POST", "/api/v1/rooms", Some(json!({"name": "api"})))
        .await;
    let room_id = room["id"].as_str().expect("room id");
    bob.call(app, "POST", &format!("/api/v1/rooms/{room_id}/join"), None)
        .await;
    for i in 0..3 {
        alice
            .call(
                app,
                "POST",
                &format!("/api/v1/rooms/{room_id}/messages"),
                Some(json!({"body": format!("@api_bob number {i}")})),
            )
            .await;
    }
    assert_eq!(drain(app).await, 3);

    let count = bob
        .call(app, "GET", "/api/v1/notifications/unread-count", None)
        .await;
    assert_eq!(count["unread_count"], 3);

    // Pages, newest first, joined by the cursor without overlap.
    let first = bob
        .call(app, "GET", "/api/v1/notifications?limit=2", None)
        .await;
    let items = first["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["payload"]["excerpt"], "@api_bob number 2");
    assert_eq!(items[0]["kind"], "mention");
    assert!(items[0]["read_at"].is_null());
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = bob
        .call(
            app,
            "GET",
            &format!("/api/v1/notifications?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    let rest = second["items"].as_array().expect("items");
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["payload"]["excerpt"], "@api_bob number 0");
    assert!(second["next_cursor"].is_null());

    // Filters.
    let replies = bob
        .call(app, "GET", "/api/v1/notifications?kind=reply", None)
        .await;
    assert!(replies["items"].as_array().expect("items").is_empty());
    let oldest = rest[0]["id"].as_str().expect("id").to_owned();
    let newest = items[0]["id"].as_str().expect("id").to_owned();
    let after = bob
        .call(
            app,
            "POST",
            &format!("/api/v1/notifications/{oldest}/read"),
            None,
        )
        .await;
    assert_eq!(after["unread_count"], 2);
    let again = bob
        .call(
            app,
            "POST",
            &format!("/api/v1/notifications/{oldest}/read"),
            None,
        )
        .await;
    assert_eq!(again["unread_count"], 2, "marking read twice is harmless");
    let unread = bob
        .call(
            app,
            "GET",
            "/api/v1/notifications?unread=true&kind=mention",
            None,
        )
        .await;
    assert_eq!(unread["items"].as_array().expect("items").len(), 2);

    // Someone else's notification does not exist for Alice.
    for (method, path) in [
        ("POST", format!("/api/v1/notifications/{newest}/read")),
        ("DELETE", format!("/api/v1/notifications/{newest}")),
    ] {
        let r = app.send(method, &path, Some(&alice.token), None).await;
        assert_error(&r, 404, "not_found");
    }

    let deleted = bob
        .call(
            app,
            "DELETE",
            &format!("/api/v1/notifications/{newest}"),
            None,
        )
        .await;
    assert_eq!(deleted["unread_count"], 1);
    let r = app
        .send(
            "DELETE",
            &format!("/api/v1/notifications/{newest}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_error(&r, 404, "not_found");

    let all = bob
        .call(app, "POST", "/api/v1/notifications/read-all", None)
        .await;
    assert_eq!(all["unread_count"], 0);
    bob.call(app, "DELETE", "/api/v1/notifications/read", None)
        .await;
    let empty = bob.call(app, "GET", "/api/v1/notifications", None).await;
    assert!(empty["items"].as_array().expect("items").is_empty());
    assert!(empty["next_cursor"].is_null());
}

#[tokio::test]
async fn bad_notification_requests_get_the_standard_errors() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let app = &h.app;
    let bob = client(app, "bad_bob").await;
    let t = Some(bob.token.as_str());
    for (path, status, code) in [
        ("/api/v1/notifications?kind=bogus", 422, "validation_failed"),
        ("/api/v1/notifications?limit=0", 422, "validation_failed"),
        ("/api/v1/notifications?limit=101", 422, "validation_failed"),
        (
            "/api/v1/notifications?cursor=garbage",
            422,
            "validation_failed",
        ),
        ("/api/v1/notifications?unread=maybe", 400, "bad_request"),
        ("/api/v1/notifications?limit=many", 400, "bad_request"),
    ] {
        let r = app.send("GET", path, t, None).await;
        assert_error(&r, status, code);
    }
    let r = app
        .send("GET", "/api/v1/notifications?kind=bogus", t, None)
        .await;
    assert_eq!(r.json()["error"]["field"], "kind");
    let r = app
        .send("POST", "/api/v1/notifications/not-a-uuid/read", t, None)
        .await;
    assert_error(&r, 400, "bad_request");
    let r = app.send("GET", "/api/v1/notifications", None, None).await;
    assert_error(&r, 401, "unauthorized");
    let r = app
        .send("GET", "/api/v1/notifications/unread-count", None, None)
        .await;
    assert_error(&r, 401, "unauthorized");
}

#[tokio::test]
async fn preferences_are_stored_whole_and_validated() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let app = &h.app;
    let bob = client(app, "pref_bob").await;
    let t = Some(bob.token.as_str());
    let path = "/api/v1/notifications/preferences";

    let defaults = bob.call(app, "GET", path, None).await;
    assert_eq!(
        defaults,
        json!({"disabled_kinds": [], "do_not_disturb": false, "dnd_until": null})
    );
    let saved = bob
        .call(
            app,
            "PUT",
            path,
            Some(json!({"disabled_kinds": ["reply", "mention", "reply"], "do_not_disturb": true})),
        )
        .await;
    assert_eq!(saved["disabled_kinds"], json!(["mention", "reply"]));
    assert_eq!(saved["do_not_disturb"], true);
    assert_eq!(bob.call(app, "GET", path, None).await, saved);

    for body in [
        json!({"disabled_kinds": ["nope"]}),
        json!({"surprise": true}),
        json!({"do_not_disturb": "yes"}),
        json!({"dnd_until": "2999-01-01T00:00:00Z"}),
        json!({"dnd_until": "tomorrow"}),
    ] {
        let r = app.send("PUT", path, t, Some(body.clone())).await;
        assert_error(&r, 422, "validation_failed");
    }
    let r = app
        .request(
            axum::http::Request::put(path)
                .header("authorization", format!("Bearer {}", bob.token))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{not json"))
                .expect("request"),
        )
        .await;
    assert_error(&r, 400, "bad_request");
    assert_eq!(bob.call(app, "GET", path, None).await, saved, "unchanged");
}

#[tokio::test]
async fn room_levels_are_per_participant() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let app = &h.app;
    let alice = client(app, "lvlapi_alice").await;
    let carol = client(app, "lvlapi_carol").await;
    let public = alice
        .call(app, "POST", "/api/v1/rooms", Some(json!({"name": "open"})))
        .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let private = alice
        .call(
            app,
            "POST",
            "/api/v1/rooms",
            Some(json!({"name": "closed", "is_private": true})),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/api/v1/rooms/{public}/notifications");

    let initial = alice.call(app, "GET", &path, None).await;
    assert_eq!(
        initial,
        json!({"room_id": public, "level": "all", "muted": false})
    );
    let changed = alice
        .call(app, "PUT", &path, Some(json!({"level": "mentions"})))
        .await;
    assert_eq!(changed["level"], "mentions");
    alice
        .call(
            app,
            "PUT",
            &format!("/api/v1/rooms/{public}/mute"),
            Some(json!({"muted": true})),
        )
        .await;
    let muted = alice.call(app, "GET", &path, None).await;
    assert_eq!(muted["level"], "mentions", "mute keeps the level");
    assert_eq!(muted["muted"], true);

    let r = app
        .send(
            "PUT",
            &path,
            Some(&alice.token),
            Some(json!({"level": "loud"})),
        )
        .await;
    assert_error(&r, 422, "validation_failed");
    // Not a participant of a public room: forbidden; a private room of others: not found.
    let r = app.send("GET", &path, Some(&carol.token), None).await;
    assert_error(&r, 403, "forbidden");
    let r = app
        .send(
            "PUT",
            &format!("/api/v1/rooms/{private}/notifications"),
            Some(&carol.token),
            Some(json!({"level": "nothing"})),
        )
        .await;
    assert_error(&r, 404, "not_found");
    let r = app
        .send(
            "GET",
            &format!("/api/v1/rooms/{}/notifications", uuid::Uuid::new_v4()),
            Some(&carol.token),
            None,
        )
        .await;
    assert_error(&r, 404, "not_found");
}

#[tokio::test]
async fn the_openapi_document_describes_the_notification_api() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let doc = h.app.get("/api/v1/openapi.json").await.json();
    for path in [
        "/api/v1/notifications",
        "/api/v1/notifications/unread-count",
        "/api/v1/notifications/{id}/read",
        "/api/v1/notifications/read-all",
        "/api/v1/notifications/{id}",
        "/api/v1/notifications/read",
        "/api/v1/notifications/preferences",
        "/api/v1/rooms/{id}/notifications",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    for schema in [
        "Notification",
        "NotificationPage",
        "NotificationPayload",
        "NotificationKind",
        "NotificationPreferences",
        "RoomNotificationSettings",
        "UnreadCount",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
}
