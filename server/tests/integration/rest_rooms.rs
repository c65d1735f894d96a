//! Room, membership, invitation and directory endpoints through the real router, including
//! attempts to reach private rooms by outsiders, removed and banned users.

use crate::common::{assert_error, TestApp, TestResponse};
use serde_json::{json, Value};

const PASSWORD: &str = "rooms-rest-password";

struct Actor {
    token: String,
    id: String,
}

async fn actor(app: &TestApp, name: &str) -> Actor {
    let reg = app.register(name, PASSWORD).await;
    Actor {
        token: reg["access_token"].as_str().expect("token").to_owned(),
        id: reg["user"]["id"].as_str().expect("id").to_owned(),
    }
}

async fn call(
    app: &TestApp,
    who: &Actor,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    app.send(method, path, Some(&who.token), body).await
}

async fn create(app: &TestApp, who: &Actor, body: Value) -> String {
    let r = call(app, who, "POST", "/api/v1/rooms", Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn room_lifecycle_and_membership_endpoints() {
    let app = TestApp::spawn(&[]).await;
    let owner = actor(&app, "olga").await;
    let member = actor(&app, "mike").await;
    let id = create(
        &app,
        &owner,
        json!({"name": "General", "description": "Everything"}),
    )
    .await;

    let got = call(&app, &owner, "GET", &format!("/api/v1/rooms/{id}"), None).await;
    assert_eq!(got.json()["my_role"], "owner");
    assert_eq!(got.json()["settings"]["who_can_post"], "everyone");

    let preview = call(
        &app,
        &member,
        "GET",
        &format!("/api/v1/rooms/{id}/preview"),
        None,
    )
    .await;
    assert_eq!(preview.status, 200);
    assert_eq!(preview.json()["creator_username"], "olga");
    let joined = call(
        &app,
        &member,
        "POST",
        &format!("/api/v1/rooms/{id}/join"),
        None,
    )
    .await;
    assert_eq!(joined.status, 200, "{}", joined.text());
    assert_eq!(joined.json()["participant_count"], 2);

    let mine = call(&app, &member, "GET", "/api/v1/rooms", None).await;
    assert_eq!(mine.json()[0]["name"], "General");
    assert_eq!(mine.json()[0]["unread_count"], 0);

    let parts = call(
        &app,
        &member,
        "GET",
        &format!("/api/v1/rooms/{id}/participants"),
        None,
    )
    .await;
    assert_eq!(parts.json()[0]["role"], "owner");

    let promote = call(
        &app,
        &owner,
        "PATCH",
        &format!("/api/v1/rooms/{id}/participants/{}", member.id),
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!(promote.status, 200, "{}", promote.text());
    assert_eq!(promote.json()["role"], "admin");
    let bad_role = call(
        &app,
        &owner,
        "PATCH",
        &format!("/api/v1/rooms/{id}/participants/{}", member.id),
        Some(json!({"role": "god"})),
    )
    .await;
    assert_error(&bad_role, 422, "validation_failed");

    let patch = call(
        &app,
        &member,
        "PATCH",
        &format!("/api/v1/rooms/{id}"),
        Some(json!({"name": "Town square", "settings": {"slow_mode_seconds": 10}})),
    )
    .await;
    assert_eq!(patch.status, 200, "{}", patch.text());
    assert_eq!(patch.json()["settings"]["slow_mode_seconds"], 10);
    let unknown = call(
        &app,
        &member,
        "PATCH",
        &format!("/api/v1/rooms/{id}"),
        Some(json!({"settings": {"nope": 1}})),
    )
    .await;
    assert_error(&unknown, 422, "validation_failed");
    assert_eq!(unknown.json()["error"]["field"], "settings");

    let mute = call(
        &app,
        &member,
        "PUT",
        &format!("/api/v1/rooms/{id}/mute"),
        Some(json!({"muted": true})),
    )
    .await;
    assert_eq!(mute.status, 204);
    let owner_leaves = call(
        &app,
        &owner,
        "POST",
        &format!("/api/v1/rooms/{id}/leave"),
        None,
    )
    .await;
    assert_error(&owner_leaves, 409, "conflict");
    let member_deletes = call(
        &app,
        &member,
        "DELETE",
        &format!("/api/v1/rooms/{id}"),
        None,
    )
    .await;
    assert_error(&member_deletes, 403, "forbidden");
    let leave = call(
        &app,
        &member,
        "POST",
        &format!("/api/v1/rooms/{id}/leave"),
        None,
    )
    .await;
    assert_eq!(leave.status, 204);
    let delete = call(&app, &owner, "DELETE", &format!("/api/v1/rooms/{id}"), None).await;
    assert_eq!(delete.status, 204);
    let gone = call(&app, &owner, "GET", &format!("/api/v1/rooms/{id}"), None).await;
    assert_error(&gone, 404, "not_found");
    let bad_id = call(&app, &owner, "GET", "/api/v1/rooms/not-a-room", None).await;
    assert_error(&bad_id, 400, "bad_request");
    let no_name = call(
        &app,
        &owner,
        "POST",
        "/api/v1/rooms",
        Some(json!({"description": "x"})),
    )
    .await;
    assert_error(&no_name, 422, "validation_failed");
    let anonymous = app.send("GET", "/api/v1/rooms", None, None).await;
    assert_error(&anonymous, 401, "unauthorized");
}

/// Every endpoint that names a private room answers 404 to someone outside it: a stranger, a
/// removed member and a banned user alike.
#[tokio::test]
async fn private_rooms_are_invisible_to_outsiders_removed_and_banned_users() {
    let app = TestApp::spawn(&[]).await;
    let owner = actor(&app, "keeper").await;
    let stranger = actor(&app, "stranger").await;
    let kicked = actor(&app, "kicked").await;
    let banned = actor(&app, "banned").await;
    let id = create(&app, &owner, json!({"name": "Vault", "is_private": true})).await;

    for who in [&kicked, &banned] {
        let inv = call(
            &app,
            &owner,
            "POST",
            &format!("/api/v1/rooms/{id}/invitations"),
            Some(json!({"user": who.id.clone()})),
        )
        .await;
        // Invitations go by username or email, not id.
        assert_error(&inv, 404, "not_found");
    }
    for name in ["kicked", "banned"] {
        let inv = call(
            &app,
            &owner,
            "POST",
            &format!("/api/v1/rooms/{id}/invitations"),
            Some(json!({"user": name})),
        )
        .await;
        assert_eq!(inv.status, 201, "{}", inv.text());
    }
    for who in [&kicked, &banned] {
        let inbox = call(&app, who, "GET", "/api/v1/invitations", None).await;
        let inv_id = inbox.json()[0]["id"]
            .as_str()
            .expect("invitation")
            .to_owned();
        let accept = call(
            &app,
            who,
            "POST",
            &format!("/api/v1/invitations/{inv_id}/accept"),
            None,
        )
        .await;
        assert_eq!(accept.status, 200, "{}", accept.text());
        // Members can read it (this also warms the membership cache).
        let read = call(
            &app,
            who,
            "GET",
            &format!("/api/v1/rooms/{id}/participants"),
            None,
        )
        .await;
        assert_eq!(read.status, 200);
    }
    let kick = call(
        &app,
        &owner,
        "DELETE",
        &format!("/api/v1/rooms/{id}/participants/{}", kicked.id),
        None,
    )
    .await;
    assert_eq!(kick.status, 204);
    let ban = call(
        &app,
        &owner,
        "POST",
        &format!("/api/v1/rooms/{id}/bans"),
        Some(json!({"user_id": banned.id})),
    )
    .await;
    assert_eq!(ban.status, 204, "{}", ban.text());

    let probes: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/api/v1/rooms/{id}"), None),
        (
            "PATCH",
            format!("/api/v1/rooms/{id}"),
            Some(json!({"name": "Mine now"})),
        ),
        ("DELETE", format!("/api/v1/rooms/{id}"), None),
        ("GET", format!("/api/v1/rooms/{id}/preview"), None),
        ("POST", format!("/api/v1/rooms/{id}/join"), None),
        ("POST", format!("/api/v1/rooms/{id}/leave"), None),
        (
            "PUT",
            format!("/api/v1/rooms/{id}/mute"),
            Some(json!({"muted": true})),
        ),
        ("GET", format!("/api/v1/rooms/{id}/participants"), None),
        (
            "PATCH",
            format!("/api/v1/rooms/{id}/participants/{}", owner.id),
            Some(json!({"role": "member"})),
        ),
        (
            "DELETE",
            format!("/api/v1/rooms/{id}/participants/{}", owner.id),
            None,
        ),
        ("GET", format!("/api/v1/rooms/{id}/bans"), None),
        (
            "POST",
            format!("/api/v1/rooms/{id}/bans"),
            Some(json!({"user_id": owner.id})),
        ),
        (
            "DELETE",
            format!("/api/v1/rooms/{id}/bans/{}", banned.id),
            None,
        ),
        ("GET", format!("/api/v1/rooms/{id}/invitations"), None),
        (
            "POST",
            format!("/api/v1/rooms/{id}/invitations"),
            Some(json!({"user": "stranger"})),
        ),
        ("GET", format!("/api/v1/rooms/{id}/invite-links"), None),
        (
            "POST",
            format!("/api/v1/rooms/{id}/invite-links"),
            Some(json!({})),
        ),
    ];
    for who in [&stranger, &kicked, &banned] {
        for (method, path, body) in &probes {
            let r = call(&app, who, method, path, body.clone()).await;
            assert_error(&r, 404, "not_found");
            assert!(
                !r.text().contains("Vault"),
                "{method} {path} leaked the name"
            );
        }
        let mine = call(&app, who, "GET", "/api/v1/rooms", None).await;
        assert_eq!(mine.json(), json!([]));
    }
    // The room still exists and is intact for its owner.
    let parts = call(
        &app,
        &owner,
        "GET",
        &format!("/api/v1/rooms/{id}/participants"),
        None,
    )
    .await;
    assert_eq!(parts.json().as_array().map(Vec::len), Some(1));
    let bans = call(
        &app,
        &owner,
        "GET",
        &format!("/api/v1/rooms/{id}/bans"),
        None,
    )
    .await;
    assert_eq!(bans.json()[0]["user"]["username"], "banned");
}

#[tokio::test]
async fn invitations_and_links_over_rest() {
    let app = TestApp::spawn(&[]).await;
    let owner = actor(&app, "hostess").await;
    let guest = actor(&app, "visitor").await;
    let id = create(
        &app,
        &owner,
        json!({"name": "Back room", "is_private": true}),
    )
    .await;

    let inv = call(
        &app,
        &owner,
        "POST",
        &format!("/api/v1/rooms/{id}/invitations"),
        Some(json!({"user": "visitor"})),
    )
    .await;
    let inv_id = inv.json()["id"].as_str().expect("id").to_owned();
    let pending = call(
        &app,
        &owner,
        "GET",
        &format!("/api/v1/rooms/{id}/invitations"),
        None,
    )
    .await;
    assert_eq!(pending.json()[0]["invitee"]["username"], "visitor");
    let dup = call(
        &app,
        &owner,
        "POST",
        &format!("/api/v1/rooms/{id}/invitations"),
        Some(json!({"user": "visitor"})),
    )
    .await;
    assert_error(&dup, 409, "conflict");
    let revoke = call(
        &app,
        &owner,
        "DELETE",
        &format!("/api/v1/invitations/{inv_id}"),
        None,
    )
    .await;
    assert_eq!(revoke.status, 204);
    let too_late = call(
        &app,
        &guest,
        "POST",
        &format!("/api/v1/invitations/{inv_id}/accept"),
        None,
    )
    .await;
    assert_error(&too_late, 409, "conflict");
    let inv = call(
        &app,
        &owner,
        "POST",
        &format!("/api/v1/rooms/{id}/invitations"),
        Some(json!({"user": "visitor"})),
    )
    .await;
    let inv_id = inv.json()["id"].as_str().expect("id").to_owned();
    let decline = call(
        &app,
        &guest,
        "POST",
        &format!("/api/v1/invitations/{inv_id}/decline"),
        None,
    )
    .await;
    assert_eq!(decline.status, 204);

    let link = call(
        &app,
        &owner,
        "POST",
        &format!("/api/v1/rooms/{id}/invite-links"),
        Some(json!({"max_uses": 5, "expires_in_seconds": 600})),
    )
    .await;
    assert_eq!(link.status, 201, "{}", link.text());
    let code = link.json()["code"].as_str().expect("code").to_owned();
    let listed = call(
        &app,
        &owner,
        "GET",
        &format!("/api/v1/rooms/{id}/invite-links"),
        None,
    )
    .await;
    assert!(
        listed.json()[0]["code"].is_null(),
        "codes are shown only once"
    );
    let join = call(
        &app,
        &guest,
        "POST",
        &format!("/api/v1/invite-links/{code}/join"),
        None,
    )
    .await;
    assert_eq!(join.status, 200, "{}", join.text());
    assert_eq!(join.json()["name"], "Back room");
    let again = call(
        &app,
        &guest,
        "POST",
        &format!("/api/v1/invite-links/{code}/join"),
        None,
    )
    .await;
    assert_eq!(again.status, 200, "joining twice is harmless");
    let link_id = listed.json()[0]["id"].as_str().expect("id").to_owned();
    let revoke = call(
        &app,
        &owner,
        "DELETE",
        &format!("/api/v1/rooms/{id}/invite-links/{link_id}"),
        None,
    )
    .await;
    assert_eq!(revoke.status, 204);
    let bogus = call(
        &app,
        &guest,
        "POST",
        "/api/v1/invite-links/bogus/join",
        None,
    )
    .await;
    assert_error(&bogus, 404, "not_found");

    let dm = call(
        &app,
        &guest,
        "POST",
        &format!("/api/v1/dm/{}", owner.id),
        None,
    )
    .await;
    assert_eq!(dm.status, 200, "{}", dm.text());
    assert_eq!(dm.json()["kind"], "direct");
    assert_eq!(dm.json()["name"], "hostess");
    let self_dm = call(
        &app,
        &guest,
        "POST",
        &format!("/api/v1/dm/{}", guest.id),
        None,
    )
    .await;
    assert_error(&self_dm, 403, "forbidden");
}

#[tokio::test]
async fn directory_pages_filters_and_total_header() {
    let app = TestApp::spawn(&[]).await;
    let owner = actor(&app, "curator").await;
    let fan = actor(&app, "fan").await;
    for (name, description) in [
        ("Rust", "systems programming"),
        ("rustaceans", "crab talk"),
        ("Gardening", "Tomatoes and RUST on tools"),
        ("Cooking", "recipes"),
        ("100%_real", "percent sign"),
    ] {
        create(
            &app,
            &owner,
            json!({"name": name, "description": description}),
        )
        .await;
    }
    create(
        &app,
        &owner,
        json!({"name": "Rust insiders", "is_private": true}),
    )
    .await;
    let popular = create(&app, &owner, json!({"name": "Popular"})).await;
    call(
        &app,
        &fan,
        "POST",
        &format!("/api/v1/rooms/{popular}/join"),
        None,
    )
    .await;

    let total = |r: &TestResponse| -> i64 {
        r.headers["x-total-rooms"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("number")
    };
    let all = call(&app, &fan, "GET", "/api/v1/rooms/public", None).await;
    assert_eq!(all.status, 200);
    assert_eq!(total(&all), 6);
    assert_eq!(
        all.json()[0]["name"],
        "Popular",
        "sorted by members by default"
    );
    assert_eq!(all.json()[0]["participant_count"], 2);

    let rust = call(&app, &fan, "GET", "/api/v1/rooms/public?search=RUST", None).await;
    assert_eq!(
        total(&rust),
        3,
        "name or description, any case, never private rooms"
    );
    let page = call(
        &app,
        &fan,
        "GET",
        "/api/v1/rooms/public?search=rust&limit=2&offset=2&sort=newest",
        None,
    )
    .await;
    assert_eq!(total(&page), 3);
    assert_eq!(page.json().as_array().map(Vec::len), Some(1));
    let literal = call(&app, &fan, "GET", "/api/v1/rooms/public?search=%25_", None).await;
    assert_eq!(total(&literal), 1, "LIKE wildcards are literal");
    let none = call(&app, &fan, "GET", "/api/v1/rooms/public?search=zzz", None).await;
    assert_eq!(total(&none), 0);
    assert_eq!(none.json(), json!([]));

    for bad in ["limit=0", "limit=101", "offset=-1", "sort=random"] {
        let r = call(
            &app,
            &fan,
            "GET",
            &format!("/api/v1/rooms/public?{bad}"),
            None,
        )
        .await;
        assert_error(&r, 422, "validation_failed");
    }
    let malformed = call(&app, &fan, "GET", "/api/v1/rooms/public?limit=ten", None).await;
    assert_error(&malformed, 400, "bad_request");

    // Browsers may read the header.
    let cors = app
        .request(
            axum::http::Request::get("/api/v1/rooms/public")
                .header("origin", "http://127.0.0.1:3000")
                .header("authorization", format!("Bearer {}", fan.token))
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    let exposed = cors.headers["access-control-expose-headers"]
        .to_str()
        .expect("ascii")
        .to_lowercase();
    assert!(exposed.contains("x-total-rooms"), "{exposed}");
}

#[tokio::test]
async fn openapi_documents_every_room_endpoint() {
    let app = TestApp::spawn(&[]).await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    for (path, methods) in [
        ("/api/v1/rooms", &["get", "post"][..]),
        ("/api/v1/rooms/public", &["get"]),
        ("/api/v1/rooms/{id}", &["get", "patch", "delete"]),
        ("/api/v1/rooms/{id}/preview", &["get"]),
        ("/api/v1/rooms/{id}/join", &["post"]),
        ("/api/v1/rooms/{id}/leave", &["post"]),
        ("/api/v1/rooms/{id}/mute", &["put"]),
        ("/api/v1/rooms/{id}/participants", &["get"]),
        (
            "/api/v1/rooms/{id}/participants/{user_id}",
            &["patch", "delete"],
        ),
        ("/api/v1/rooms/{id}/bans", &["get", "post"]),
        ("/api/v1/rooms/{id}/bans/{user_id}", &["delete"]),
        ("/api/v1/rooms/{id}/invitations", &["get", "post"]),
        ("/api/v1/rooms/{id}/invite-links", &["get", "post"]),
        ("/api/v1/rooms/{id}/invite-links/{link_id}", &["delete"]),
        ("/api/v1/invitations", &["get"]),
        ("/api/v1/invitations/{id}", &["delete"]),
        ("/api/v1/invitations/{id}/accept", &["post"]),
        ("/api/v1/invitations/{id}/decline", &["post"]),
        ("/api/v1/invite-links/{code}/join", &["post"]),
        ("/api/v1/dm/{user_id}", &["post"]),
    ] {
        for method in methods {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} undocumented"
            );
        }
    }
}
