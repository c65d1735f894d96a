//! Notifications reach every WebSocket of their recipient as `notification` frames with the
//! stored unread count, and `notification_count` follows reads made anywhere.

use std::{net::SocketAddr, time::Duration};

use app::services::notifications::pipeline::{Pipeline, PipelineTasks};
use futures::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::{connect_async, tungstenite::Message, MaybeTlsStream, WebSocketStream};

use super::support::Harness;
use crate::common::TestApp;

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

async fn serve(app: &TestApp) -> SocketAddr {
    assert!(
        app.infra
            .bus
            .wait_until_subscribed(Duration::from_secs(5))
            .await
    );
    let router = app.router.clone();
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
    let (socket, _) = connect_async(format!("ws://{addr}/ws?access_token={token}"))
        .await
        .expect("websocket connects");
    socket
}

/// The next frame about notifications, skipping presence and pings.
async fn next_notification_frame(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(15), socket.next())
            .await
            .expect("a frame arrives in time")
            .expect("socket open")
            .expect("frame");
        if let Message::Text(text) = message {
            let frame: Value = serde_json::from_str(text.as_str()).expect("json frame");
            if frame["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("notification"))
            {
                return frame;
            }
        }
    }
}

#[tokio::test]
async fn every_tab_of_the_recipient_gets_the_notification_and_the_count() {
    let h = Harness::spawn(&[]).await;
    let app = &h.app;
    let alice = app.register("ws_alice", "notification-test-password").await;
    let bob = app.register("ws_bob", "notification-test-password").await;
    let alice_token = alice["access_token"].as_str().expect("token");
    let bob_token = bob["access_token"].as_str().expect("token");
    let room = app
        .send(
            "POST",
            "/api/v1/rooms",
            Some(alice_token),
            Some(json!({"name": "live"})),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("room id")
        .to_owned();
    app.send(
        "POST",
        &format!("/api/v1/rooms/{room}/join"),
        Some(bob_token),
        None,
    )
    .await;
    let pipeline = Pipeline::start(
        &app.services.notifications,
        PipelineTasks {
            relay: true,
            worker: true,
        },
    );
    let addr = serve(app).await;
    let mut tab_one = connect(addr, bob_token).await;
    let mut tab_two = connect(addr, bob_token).await;

    let sent = app
        .send(
            "POST",
            &format!("/api/v1/rooms/{room}/messages"),
            Some(alice_token),
            Some(json!({"body": "@ws_bob over here"})),
        )
        .await
        .json();
    for tab in [&mut tab_one, &mut tab_two] {
        let frame = next_notification_frame(tab).await;
        assert_eq!(frame["type"], "notification", "{frame}");
        assert_eq!(frame["unread_count"], 1);
        assert_eq!(frame["alert"], true);
        assert_eq!(frame["notification"]["kind"], "mention");
        assert_eq!(frame["notification"]["payload"]["message_id"], sent["id"]);
    }

    // Read in one place: every tab learns the new count.
    let id = app
        .send("GET", "/api/v1/notifications", Some(bob_token), None)
        .await
        .json()["items"][0]["id"]
        .as_str()
        .expect("notification id")
        .to_owned();
    app.send(
        "POST",
        &format!("/api/v1/notifications/{id}/read"),
        Some(bob_token),
        None,
    )
    .await;
    for tab in [&mut tab_one, &mut tab_two] {
        let frame = next_notification_frame(tab).await;
        assert_eq!(
            frame,
            json!({"type": "notification_count", "unread_count": 0})
        );
    }
    pipeline.stop().await;
}
