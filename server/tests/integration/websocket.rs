//! The realtime channel over real sockets: authentication and Origin checks, malformed
//! frames, the catch-up boundary, live revocation, and fan-out between two instances.

use std::{net::SocketAddr, time::Duration};

use app::infra::Infra;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use server::{router, state::AppState};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    connect_async,
    tungstenite::{client::IntoClientRequest, Message},
    MaybeTlsStream, WebSocketStream,
};

use crate::common::{test_config, TestApp};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Serves `app`'s router (or a second instance over the same database) on a free port.
async fn serve(app: &TestApp, second_instance: bool) -> SocketAddr {
    let router = if second_instance {
        let infra = Infra::connect(test_config(&app.db, &[]))
            .await
            .expect("second instance connects");
        infra
            .bus
            .wait_until_subscribed(Duration::from_secs(5))
            .await;
        router::build(AppState::new(infra))
    } else {
        app.infra
            .bus
            .wait_until_subscribed(Duration::from_secs(5))
            .await;
        app.router.clone()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    addr
}

async fn connect(addr: SocketAddr, token: &str) -> Socket {
    let url = format!("ws://{addr}/ws?access_token={token}");
    let (socket, _) = connect_async(url).await.expect("websocket connects");
    socket
}

async fn send(socket: &mut Socket, frame: Value) {
    socket
        .send(Message::Text(frame.to_string().into()))
        .await
        .expect("send frame");
}

/// The next JSON frame, skipping pings and presence (tested on its own).
async fn next(socket: &mut Socket) -> Value {
    loop {
        let frame = next_any(socket).await;
        if frame["type"] != "presence" {
            return frame;
        }
    }
}

/// The next JSON frame, skipping pings.
async fn next_any(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame arrives in time")
            .expect("socket open")
            .expect("frame");
        match message {
            Message::Text(text) => return serde_json::from_str(text.as_str()).expect("json frame"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

struct User {
    token: String,
    id: String,
}

async fn user(app: &TestApp, name: &str) -> User {
    let reg = app.register(name, "websocket-test-password").await;
    User {
        token: reg["access_token"].as_str().expect("token").to_owned(),
        id: reg["user"]["id"].as_str().expect("id").to_owned(),
    }
}

async fn room(app: &TestApp, owner: &User, private: bool) -> String {
    let r = app
        .send(
            "POST",
            "/api/v1/rooms",
            Some(&owner.token),
            Some(json!({"name": "live", "is_private": private})),
        )
        .await;
    r.json()["id"].as_str().expect("room id").to_owned()
}

async fn post(app: &TestApp, who: &User, room: &str, body: &str) -> Value {
    let r = app
        .send(
            "POST",
            &format!("/api/v1/rooms/{room}/messages"),
            Some(&who.token),
            Some(json!({"body": body})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn upgrades_require_a_valid_token_and_an_allowed_origin() {
    let app = TestApp::spawn(&[]).await;
    let u = user(&app, "socketeer").await;
    let addr = serve(&app, false).await;

    let anonymous = connect_async(format!("ws://{addr}/ws")).await;
    assert!(anonymous.is_err(), "no token, no socket");
    let forged = connect_async(format!("ws://{addr}/ws?access_token=forged")).await;
    assert!(forged.is_err());

    let mut request = format!("ws://{addr}/ws?access_token={}", u.token)
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().expect("header"));
    assert!(
        connect_async(request).await.is_err(),
        "foreign origins are refused"
    );

    let mut request = format!("ws://{addr}/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        format!("bearer, {}", u.token).parse().expect("header"),
    );
    let (mut socket, response) = connect_async(request)
        .await
        .expect("token in the subprotocol");
    assert_eq!(response.headers()["sec-websocket-protocol"], "bearer");
    send(&mut socket, json!({"type": "ping", "nonce": "n1"})).await;
    assert_eq!(
        next(&mut socket).await,
        json!({"type": "pong", "nonce": "n1"})
    );
}

#[tokio::test]
async fn malformed_frames_get_errors_and_the_connection_survives() {
    let app = TestApp::spawn(&[]).await;
    let u = user(&app, "clumsy").await;
    let addr = serve(&app, false).await;
    let mut socket = connect(addr, &u.token).await;
    for bad in [
        "not json",
        "{\"type\": \"dance\"}",
        "{\"type\": \"send\"}",
        "[1,2]",
    ] {
        socket.send(Message::Text(bad.into())).await.expect("send");
        let frame = next(&mut socket).await;
        assert_eq!(frame["type"], "error", "{bad}");
        assert_eq!(frame["code"], "bad_request");
    }
    send(
        &mut socket,
        json!({"type": "subscribe", "rooms": [{"room_id": uuid::Uuid::new_v4()}]}),
    )
    .await;
    assert_eq!(next(&mut socket).await["code"], "not_found");
    send(&mut socket, json!({"type": "ping"})).await;
    assert_eq!(next(&mut socket).await["type"], "pong");
}

#[tokio::test]
async fn catch_up_then_live_without_gap_or_repeat() {
    let app = TestApp::spawn(&[]).await;
    let u = user(&app, "catcher").await;
    let room = room(&app, &u, false).await;
    for i in 1..=3 {
        post(&app, &u, &room, &format!("before {i}")).await;
    }
    let addr = serve(&app, false).await;
    let mut socket = connect(addr, &u.token).await;
    send(
        &mut socket,
        json!({"type": "subscribe", "rooms": [{"room_id": room, "last_seq": 1}]}),
    )
    .await;
    let mut seqs = Vec::new();
    loop {
        let frame = next(&mut socket).await;
        if frame["type"] == "subscribed" {
            assert_eq!(frame["last_seq"], 3);
            break;
        }
        assert_eq!(frame["event"]["type"], "message_created");
        seqs.push(frame["event"]["message"]["seq"].as_i64().expect("seq"));
    }
    assert_eq!(seqs, [2, 3]);

    // Live: a message sent over the socket is acknowledged and arrives once as an event.
    send(
        &mut socket,
        json!({"type": "send", "room_id": room, "body": "live one", "client_id": "c-1"}),
    )
    .await;
    let mut got_ack = false;
    let mut live = Vec::new();
    post(&app, &u, &room, "live two").await;
    while live.len() < 2 || !got_ack {
        let frame = next(&mut socket).await;
        match frame["type"].as_str() {
            Some("ack") => {
                assert_eq!(frame["client_id"], "c-1");
                got_ack = true;
            }
            Some("event") => live.push(frame["event"]["message"]["seq"].as_i64().expect("seq")),
            other => panic!("unexpected {other:?}: {frame}"),
        }
    }
    assert_eq!(live, [4, 5]);
}

#[tokio::test]
async fn a_kicked_member_stops_receiving_at_once() {
    let app = TestApp::spawn(&[]).await;
    let owner = user(&app, "ruler").await;
    let member = user(&app, "subject").await;
    let room = room(&app, &owner, false).await;
    app.send(
        "POST",
        &format!("/api/v1/rooms/{room}/join"),
        Some(&member.token),
        None,
    )
    .await;
    let addr = serve(&app, false).await;
    let mut socket = connect(addr, &member.token).await;
    send(
        &mut socket,
        json!({"type": "subscribe", "rooms": [{"room_id": room}]}),
    )
    .await;
    assert_eq!(next(&mut socket).await["type"], "subscribed");
    post(&app, &owner, &room, "still here?").await;
    assert_eq!(
        next(&mut socket).await["event"]["message"]["body"],
        "still here?"
    );

    let kick = app
        .send(
            "DELETE",
            &format!("/api/v1/rooms/{room}/participants/{}", member.id),
            Some(&owner.token),
            None,
        )
        .await;
    assert_eq!(kick.status, 204);
    post(&app, &owner, &room, "secret after the kick").await;
    let frame = next(&mut socket).await;
    assert_eq!(
        frame,
        json!({"type": "unsubscribed", "room_id": room, "reason": "not_a_member"})
    );
    post(&app, &owner, &room, "another secret").await;
    send(&mut socket, json!({"type": "ping"})).await;
    assert_eq!(
        next(&mut socket).await["type"],
        "pong",
        "nothing else arrived"
    );
}

#[tokio::test]
async fn members_hear_of_joins_role_changes_and_removals() {
    let app = TestApp::spawn(&[]).await;
    let owner = user(&app, "host").await;
    let guest = user(&app, "guest").await;
    let room = room(&app, &owner, false).await;
    let addr = serve(&app, false).await;
    let mut socket = connect(addr, &owner.token).await;
    send(
        &mut socket,
        json!({"type": "subscribe", "rooms": [{"room_id": room}]}),
    )
    .await;
    assert_eq!(next(&mut socket).await["type"], "subscribed");

    let changes = [
        ("POST", format!("/api/v1/rooms/{room}/join"), &guest, None),
        (
            "PATCH",
            format!("/api/v1/rooms/{room}/participants/{}", guest.id),
            &owner,
            Some(json!({"role": "admin"})),
        ),
        (
            "DELETE",
            format!("/api/v1/rooms/{room}/participants/{}", guest.id),
            &owner,
            None,
        ),
    ];
    let expected = [
        json!({"type": "member_changed", "room_id": room, "user_id": guest.id, "change": "joined"}),
        json!({"type": "member_changed", "room_id": room, "user_id": guest.id, "change": "role_changed", "role": "admin"}),
        json!({"type": "member_changed", "room_id": room, "user_id": guest.id, "change": "removed"}),
    ];
    for ((method, path, who, body), want) in changes.into_iter().zip(expected) {
        let response = app.send(method, &path, Some(&who.token), body).await;
        assert!(
            response.status.is_success(),
            "{method} {path}: {}",
            response.status
        );
        let frame = next(&mut socket).await;
        assert_eq!(frame["type"], "event", "{frame}");
        assert_eq!(frame["event"], want);
    }
}

#[tokio::test]
async fn two_instances_behave_as_one() {
    let app = TestApp::spawn(&[]).await;
    let a = user(&app, "left").await;
    let b = user(&app, "right").await;
    let room = room(&app, &a, false).await;
    app.send(
        "POST",
        &format!("/api/v1/rooms/{room}/join"),
        Some(&b.token),
        None,
    )
    .await;
    let first = serve(&app, false).await;
    let second = serve(&app, true).await;
    let mut on_first = connect(first, &a.token).await;
    let mut on_second = connect(second, &b.token).await;
    for socket in [&mut on_first, &mut on_second] {
        send(
            socket,
            json!({"type": "subscribe", "rooms": [{"room_id": room}]}),
        )
        .await;
        assert_eq!(next(socket).await["type"], "subscribed");
    }
    for i in 1..=5 {
        send(&mut on_second, json!({"type": "send", "room_id": room, "body": format!("m{i}"), "client_id": format!("k{i}")})).await;
    }
    let mut seen = Vec::new();
    while seen.len() < 5 {
        let frame = next(&mut on_first).await;
        assert_eq!(frame["type"], "event", "{frame}");
        seen.push(
            frame["event"]["message"]["body"]
                .as_str()
                .expect("body")
                .to_owned(),
        );
    }
    assert_eq!(seen, ["m1", "m2", "m3", "m4", "m5"]);
}

#[tokio::test]
async fn presence_follows_connections_and_tabs() {
    let app = TestApp::spawn(&[]).await;
    let a = user(&app, "watcher").await;
    let b = user(&app, "comer").await;
    let room = room(&app, &a, false).await;
    app.send(
        "POST",
        &format!("/api/v1/rooms/{room}/join"),
        Some(&b.token),
        None,
    )
    .await;
    let addr = serve(&app, false).await;
    let mut watcher = connect(addr, &a.token).await;
    send(
        &mut watcher,
        json!({"type": "subscribe", "rooms": [{"room_id": room}]}),
    )
    .await;
    assert_eq!(next(&mut watcher).await["type"], "subscribed");
    // The subscription's presence snapshot is taken after `subscribed` goes out; once a later
    // ping is answered it is done, so the comer's arrival is reported once (by the bus), not
    // also by a snapshot that happened to run after it.
    send(
        &mut watcher,
        json!({"type": "ping", "nonce": "after-snapshot"}),
    )
    .await;
    assert_eq!(next(&mut watcher).await["type"], "pong");

    let presence = |status: &str| json!({"type": "presence", "user_id": b.id, "status": status});
    let mut comer = connect(addr, &b.token).await;
    assert_eq!(next_any(&mut watcher).await, presence("online"));
    send(&mut comer, json!({"type": "presence", "status": "away"})).await;
    assert_eq!(next_any(&mut watcher).await, presence("away"));
    // A second tab in use makes the user online again; closing it leaves them away.
    let mut second_tab = connect(addr, &b.token).await;
    assert_eq!(next_any(&mut watcher).await, presence("online"));
    second_tab.close(None).await.expect("close");
    assert_eq!(next_any(&mut watcher).await, presence("away"));
    comer.close(None).await.expect("close");
    assert_eq!(next_any(&mut watcher).await, presence("offline"));
}

/// The close frame the server ends the socket with, skipping anything before it.
async fn close_frame(socket: &mut Socket) -> (u16, String) {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("the socket closes in time");
        match message {
            Some(Ok(Message::Close(Some(frame)))) => {
                return (u16::from(frame.code), frame.reason.to_string())
            }
            Some(Ok(Message::Close(None))) | None => panic!("closed without a close frame"),
            Some(Err(e)) => panic!("connection dropped without a close frame: {e}"),
            Some(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn an_oversized_message_is_closed_with_1009() {
    let app = TestApp::spawn(&[]).await;
    let u = user(&app, "bigmouth").await;
    let addr = serve(&app, false).await;
    let mut socket = connect(addr, &u.token).await;
    let huge = format!(
        r#"{{"type":"ping","nonce":"{}"}}"#,
        "x".repeat(server::ws::MAX_MESSAGE_BYTES)
    );
    socket.send(Message::Text(huge.into())).await.expect("send");
    let (code, reason) = close_frame(&mut socket).await;
    assert_eq!(code, 1009, "{reason}");
    assert!(reason.contains("65536"), "{reason}");
}

async fn ping_burst(socket: &mut Socket, count: usize) {
    for i in 0..count {
        let frame = json!({"type": "ping", "nonce": i.to_string()}).to_string();
        if socket.send(Message::Text(frame.into())).await.is_err() {
            break;
        }
    }
}

#[tokio::test]
async fn a_frame_flood_is_rate_limited_then_closed_with_1008() {
    let app = TestApp::spawn(&[]).await;
    let u = user(&app, "flooder").await;
    let addr = serve(&app, false).await;
    let mut socket = connect(addr, &u.token).await;

    // Over the burst of 100: the burst is answered, the rest refused with one error.
    ping_burst(&mut socket, 150).await;
    let (mut pongs, mut limited) = (0, 0);
    while pongs + limited < 101 {
        let frame = next(&mut socket).await;
        match frame["type"].as_str() {
            Some("pong") => pongs += 1,
            Some("error") => {
                assert_eq!(frame["code"], "rate_limited", "{frame}");
                limited += 1;
            }
            _ => panic!("unexpected {frame}"),
        }
    }
    assert!((100..=103).contains(&pongs), "the burst is served: {pongs}");
    assert_eq!(limited, 1, "told once, not once per frame");

    // Once the bucket refills the connection works as before...
    tokio::time::sleep(Duration::from_millis(2100)).await;
    send(&mut socket, json!({"type": "ping", "nonce": "calm"})).await;
    loop {
        let frame = next(&mut socket).await;
        if frame["nonce"] == "calm" {
            break;
        }
    }
    // ...and a flood that goes on is closed,
    ping_burst(&mut socket, 1000).await;
    let (code, reason) = close_frame(&mut socket).await;
    assert_eq!(code, 1008, "{reason}");
    // and the account may not come straight back.
    let mut again = connect(addr, &u.token).await;
    let (code, reason) = close_frame(&mut again).await;
    assert_eq!(code, 1008, "{reason}");
    assert!(reason.contains("reconnect in"), "{reason}");
}

#[tokio::test]
async fn sockets_per_account_are_capped_with_4003() {
    let app = TestApp::spawn(&[("WS_MAX_CONNECTIONS_PER_USER", "2")]).await;
    let u = user(&app, "manytabs").await;
    let addr = serve(&app, false).await;
    let mut first = connect(addr, &u.token).await;
    let _second = connect(addr, &u.token).await;
    let mut third = connect(addr, &u.token).await;
    let (code, reason) = close_frame(&mut third).await;
    assert_eq!(code, 4003, "{reason}");
    assert!(reason.contains("limit 2"), "{reason}");
    send(&mut first, json!({"type": "ping", "nonce": "still"})).await;
    assert_eq!(next(&mut first).await["nonce"], "still");

    first.close(None).await.expect("close");
    drop(first);
    // The place comes free once the server has seen the first socket go.
    let mut admitted = false;
    for _ in 0..50 {
        let mut again = connect(addr, &u.token).await;
        send(&mut again, json!({"type": "ping", "nonce": "again"})).await;
        let reply = tokio::time::timeout(Duration::from_secs(5), again.next()).await;
        if let Ok(Some(Ok(Message::Text(_)))) = reply {
            admitted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(admitted, "a closed socket frees its place");
}
