//! The message service against the real PostgreSQL, Redis and bus.

use app::{
    model::{
        event::RoomEvent,
        message::{EditMessage, SendMessage},
        room::{CreateRoom, Role, UpdateRoom},
    },
    services::{auth::Authenticated, ServiceError, Services},
};
use serde_json::json;
use uuid::Uuid;

use crate::common::TestApp;

async fn user(s: &Services, name: &str) -> Authenticated {
    crate::common::service_user(s, name).await
}

async fn public_room(s: &Services, owner: Authenticated, members: &[Authenticated]) -> Uuid {
    let id = s
        .rooms
        .create(
            owner,
            CreateRoom {
                name: "chat".into(),
                ..Default::default()
            },
        )
        .await
        .expect("room")
        .id;
    for m in members {
        s.rooms.join(*m, id).await.expect("join");
    }
    id
}

fn text(body: &str) -> SendMessage {
    SendMessage {
        body: body.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn seqs_are_gapless_and_ordered_under_concurrent_senders() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let a = user(s, "sender_a").await;
    let b = user(s, "sender_b").await;
    let room = public_room(s, a, &[b]).await;
    let sends = (0..20).map(|i| {
        let who = if i % 2 == 0 { a } else { b };
        s.messages.send(
            who,
            room,
            SendMessage {
                body: format!("message {i}"),
                client_id: Some(format!("c-{i}")),
                reply_to: None,
            },
        )
    });
    let results = futures::future::join_all(sends).await;
    let mut seqs: Vec<i64> = results.into_iter().map(|r| r.expect("send").seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=20).collect::<Vec<i64>>());
    let history = s
        .messages
        .history(a, room, None, None, Some(100))
        .await
        .expect("history");
    assert_eq!(
        history.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=20).collect::<Vec<i64>>()
    );
}

#[tokio::test]
async fn a_retried_send_returns_the_stored_message() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let a = user(s, "retrier").await;
    let room = public_room(s, a, &[]).await;
    let send = || SendMessage {
        body: "only once".into(),
        client_id: Some("retry-1".into()),
        reply_to: None,
    };
    let (first, second) = tokio::join!(
        s.messages.send(a, room, send()),
        s.messages.send(a, room, send())
    );
    let (first, second) = (first.expect("send"), second.expect("send"));
    assert_eq!((first.id, first.seq), (second.id, second.seq));
    let third = s.messages.send(a, room, send()).await.expect("retry");
    assert_eq!(third.id, first.id);
    let next = s.messages.send(a, room, text("next")).await.expect("send");
    assert_eq!(
        next.seq,
        first.seq + 1,
        "a deduplicated retry leaves no gap"
    );
    assert_eq!(
        s.messages
            .history(a, room, None, None, None)
            .await
            .expect("history")
            .len(),
        2
    );
}

#[tokio::test]
async fn history_pages_by_seq() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let a = user(s, "historian").await;
    let room = public_room(s, a, &[]).await;
    for i in 1..=7 {
        s.messages
            .send(a, room, text(&format!("m{i}")))
            .await
            .expect("send");
    }
    let newest = s
        .messages
        .history(a, room, None, None, Some(3))
        .await
        .expect("page");
    assert_eq!(newest.iter().map(|m| m.seq).collect::<Vec<_>>(), [5, 6, 7]);
    let older = s
        .messages
        .history(a, room, Some(5), None, Some(3))
        .await
        .expect("page");
    assert_eq!(older.iter().map(|m| m.seq).collect::<Vec<_>>(), [2, 3, 4]);
    let after = s
        .messages
        .history(a, room, None, Some(5), Some(10))
        .await
        .expect("page");
    assert_eq!(after.iter().map(|m| m.seq).collect::<Vec<_>>(), [6, 7]);
    assert!(s
        .messages
        .history(a, room, None, None, Some(0))
        .await
        .is_err());
    assert!(s
        .messages
        .history(a, room, Some(3), Some(1), None)
        .await
        .is_err());
}

#[tokio::test]
async fn edit_delete_and_reaction_rules() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let owner = user(s, "boss").await;
    let author = user(s, "writer").await;
    let other = user(s, "reader").await;
    let room = public_room(s, owner, &[author, other]).await;
    let m = s
        .messages
        .send(author, room, text("first draft @reader"))
        .await
        .expect("send");
    assert_eq!(m.mentions, vec![other.user_id]);

    let edit = |who, body: &str| {
        s.messages
            .edit(who, m.id, EditMessage { body: body.into() })
    };
    assert!(matches!(
        edit(other, "hijack").await,
        Err(ServiceError::Forbidden(_))
    ));
    let edited = edit(author, "final text").await.expect("edit");
    assert!(edited.edited_at.is_some());
    assert!(edited.mentions.is_empty());
    s.rooms
        .update(
            owner,
            room,
            UpdateRoom {
                settings: Some(json!({"allow_editing": false})),
                ..Default::default()
            },
        )
        .await
        .expect("settings");
    assert!(matches!(
        edit(author, "again").await,
        Err(ServiceError::Forbidden(_))
    ));

    let reactions = s
        .messages
        .toggle_reaction(other, m.id, "👍")
        .await
        .expect("react");
    assert_eq!(reactions[0].count, 1);
    let reactions = s
        .messages
        .toggle_reaction(other, m.id, "👍")
        .await
        .expect("unreact");
    assert!(reactions.is_empty());
    assert!(matches!(
        s.messages.toggle_reaction(other, m.id, "thumbs up").await,
        Err(ServiceError::Invalid(_))
    ));

    assert!(matches!(
        s.messages.delete(other, m.id).await,
        Err(ServiceError::Forbidden(_))
    ));
    s.messages.delete(owner, m.id).await.expect("admin deletes");
    let history = s
        .messages
        .history(owner, room, None, None, None)
        .await
        .expect("history");
    assert!(
        history[0].deleted && history[0].body.is_empty(),
        "tombstone keeps the seq only"
    );
    assert_eq!(history[0].seq, m.seq);
}

#[tokio::test]
async fn posting_rules_are_enforced() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let owner = user(s, "announcer").await;
    let member = user(s, "listener").await;
    let outsider = user(s, "passerby").await;
    let room = public_room(s, owner, &[member]).await;
    assert!(matches!(
        s.messages.send(outsider, room, text("hi")).await,
        Err(ServiceError::Forbidden(_))
    ));
    assert!(matches!(
        s.messages.send(member, room, text("   ")).await,
        Err(ServiceError::Invalid(_))
    ));
    assert!(matches!(
        s.messages.send(member, room, text(&"x".repeat(4001))).await,
        Err(ServiceError::Invalid(_))
    ));
    s.rooms
        .update(
            owner,
            room,
            UpdateRoom {
                settings: Some(json!({"who_can_post": "admins"})),
                ..Default::default()
            },
        )
        .await
        .expect("announcement room");
    assert!(matches!(
        s.messages.send(member, room, text("hi")).await,
        Err(ServiceError::Forbidden(_))
    ));
    s.messages
        .send(owner, room, text("news"))
        .await
        .expect("admins may post");

    s.rooms
        .update(
            owner,
            room,
            UpdateRoom {
                settings: Some(json!({"who_can_post": "everyone", "slow_mode_seconds": 60})),
                ..Default::default()
            },
        )
        .await
        .expect("slow mode");
    s.messages
        .send(member, room, text("one"))
        .await
        .expect("first is fine");
    match s.messages.send(member, room, text("two")).await {
        Err(ServiceError::RateLimited { retry_after }) => {
            assert!(retry_after > 0 && retry_after <= 60)
        }
        other => panic!("expected slow mode, got {:?}", other.err()),
    }
    assert_eq!(
        s.rooms.role_of(room, owner.user_id).await.expect("role"),
        Some(Role::Owner)
    );
    s.messages
        .send(owner, room, text("admins skip slow mode"))
        .await
        .expect("owner");
}

#[tokio::test]
async fn private_messages_stay_private_and_search_covers_my_rooms_only() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let a = user(s, "insider").await;
    let b = user(s, "outsider").await;
    let secret = s
        .rooms
        .create(
            a,
            CreateRoom {
                name: "vault".into(),
                is_private: true,
                ..Default::default()
            },
        )
        .await
        .expect("room")
        .id;
    let m = s
        .messages
        .send(a, secret, text("the launch code is zebra"))
        .await
        .expect("send");
    assert!(matches!(
        s.messages.history(b, secret, None, None, None).await,
        Err(ServiceError::NotFound(_))
    ));
    assert!(matches!(
        s.messages.delete(b, m.id).await,
        Err(ServiceError::NotFound(_))
    ));
    assert!(matches!(
        s.messages.toggle_reaction(b, m.id, "👀").await,
        Err(ServiceError::NotFound(_))
    ));
    assert!(s
        .messages
        .search(b, "zebra")
        .await
        .expect("search")
        .is_empty());
    let hits = s.messages.search(a, "ZEBRA").await.expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].room_name, "vault");
    assert!(s.messages.search(a, " ").await.is_err());
}

#[tokio::test]
async fn read_markers_drive_unread_counts() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let a = user(s, "talker").await;
    let b = user(s, "catcher").await;
    let room = public_room(s, a, &[b]).await;
    for i in 0..3 {
        s.messages
            .send(a, room, text(&format!("hello {i}")))
            .await
            .expect("send");
    }
    let mine = s.rooms.mine(b).await.expect("rooms");
    assert_eq!(mine[0].unread_count, 3);
    assert_eq!(
        mine[0].last_message.as_ref().map(|m| m.text.as_str()),
        Some("hello 2")
    );
    assert_eq!(s.messages.mark_read(b, room, 2).await.expect("read"), 2);
    assert_eq!(
        s.messages
            .mark_read(b, room, 1)
            .await
            .expect("never backwards"),
        2
    );
    assert_eq!(s.messages.mark_read(b, room, 99).await.expect("clamped"), 3);
    assert_eq!(s.rooms.mine(b).await.expect("rooms")[0].unread_count, 0);
}

#[tokio::test]
async fn events_reach_the_bus_after_commit() {
    let app = TestApp::spawn(&[("REDIS_URL", "memory")]).await;
    let s = &app.services;
    let a = user(s, "broadcaster").await;
    let room = public_room(s, a, &[]).await;
    let mut events = app.infra.bus.subscribe();
    let sent = s.messages.send(a, room, text("live")).await.expect("send");
    let event = tokio::time::timeout(std::time::Duration::from_secs(5), events.recv())
        .await
        .expect("event in time")
        .expect("bus open");
    assert_eq!(event.topic, RoomEvent::topic(room));
    match serde_json::from_slice::<RoomEvent>(&event.payload).expect("event json") {
        RoomEvent::MessageCreated { message } => assert_eq!(message.id, sent.id),
        other => panic!("unexpected event {other:?}"),
    }
}

#[tokio::test]
async fn a_room_opens_at_the_first_unread_message_or_at_a_search_hit() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let a = user(s, "opener_a").await;
    let b = user(s, "opener_b").await;
    let c = user(s, "opener_c").await;
    let outsider = user(s, "opener_out").await;
    let room = public_room(s, a, &[b, c]).await;
    // Three senders keep each under the per-user send limit.
    for i in 0..80 {
        let who = [a, b, c][i % 3];
        s.messages
            .send(who, room, text(&format!("message {i}")))
            .await
            .expect("send");
    }
    let seqs = |start: &app::model::message::ConversationStart| {
        start.messages.iter().map(|m| m.seq).collect::<Vec<_>>()
    };

    // Far behind: the page starts a few messages before the first unread one.
    s.messages.mark_read(b, room, 20).await.expect("read");
    let start = s.messages.open(b, room, None).await.expect("open");
    assert_eq!(start.last_read_seq, Some(20));
    assert_eq!(start.last_seq, 80);
    assert_eq!(seqs(&start), (16..=65).collect::<Vec<_>>());

    // A few unread: the newest page, which holds them all.
    s.messages.mark_read(b, room, 75).await.expect("read");
    let start = s.messages.open(b, room, None).await.expect("open");
    assert_eq!(seqs(&start), (31..=80).collect::<Vec<_>>());

    // A search hit: the page starts just before it, whatever the read marker says.
    let start = s.messages.open(b, room, Some(40)).await.expect("open");
    assert_eq!(seqs(&start), (36..=80).collect::<Vec<_>>());

    // Someone looking into a public room has no read marker.
    let start = s.messages.open(outsider, room, None).await.expect("open");
    assert_eq!(start.last_read_seq, None);
    assert_eq!(seqs(&start), (31..=80).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_retried_send_is_published_again_under_the_same_seq() {
    let app = TestApp::spawn(&[("REDIS_URL", "memory")]).await;
    let s = &app.services;
    let a = user(s, "retrier").await;
    let room = public_room(s, a, &[]).await;
    let mut events = app.infra.bus.subscribe();
    let send = SendMessage {
        body: "once".into(),
        client_id: Some("retry-1".into()),
        ..Default::default()
    };
    let first = s.messages.send(a, room, send.clone()).await.expect("send");
    let again = s.messages.send(a, room, send).await.expect("retry");
    assert_eq!(first.id, again.id, "one message");
    for _ in 0..2 {
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), events.recv())
            .await
            .expect("event in time")
            .expect("bus open");
        match serde_json::from_slice::<RoomEvent>(&event.payload).expect("event json") {
            RoomEvent::MessageCreated { message } => {
                assert_eq!((message.id, message.seq), (first.id, first.seq))
            }
            other => panic!("unexpected event {other:?}"),
        }
    }
}
