//! A client that stops reading must not hold up a room (issue #5): its outgoing queue is
//! bounded (512 frames, docs/realtime.md), a stall below the bound is tolerated, past it the
//! client is closed with 4001 while everyone else keeps receiving every message in order, and
//! reconnecting with its last seq loses nothing.

use std::{net::SocketAddr, time::Duration};

use app::{
    model::{auth::RegisterRequest, message::SendMessage, room::CreateRoom},
    services::{
        auth::{Authenticated, ClientInfo},
        messages::SEND_LIMIT,
        Services,
    },
};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::{
    net::{TcpSocket, TcpStream},
    sync::{mpsc, oneshot},
};
use tokio_tungstenite::{
    client_async,
    tungstenite::{self, Message},
    WebSocketStream,
};
use uuid::Uuid;

use crate::common::{service_user, TestApp};

type Ws = WebSocketStream<TcpStream>;

/// The server's per-connection queue bound (`OUTBOUND_CAPACITY` in server/src/ws/connection.rs).
const QUEUE_BOUND: usize = 512;
/// Socket buffer size asked for on both ends of a stalled connection (Linux doubles it).
/// Without it, loopback buffers grow to megabytes and soak up thousands of frames, so when
/// the queue overflows would depend on the kernel instead of on the server's bound.
const SMALL_BUFFER: u32 = 4096;
/// Senders per flood; each sends as many messages as the rate limit allows in one window.
const SENDERS_PER_FLOOD: usize = 11;
/// Filler that makes each frame about 1.2 KB, so the little that still fits in the kernel
/// buffers is a handful of frames.
const PADDING_CHARS: usize = 1000;
/// Longest wait for any single expected frame.
const FRAME_TIMEOUT: Duration = Duration::from_secs(10);

/// Messages per flood.
fn per_flood() -> i64 {
    SENDERS_PER_FLOOD as i64 * SEND_LIMIT.max as i64
}

/// What a socket yielded (pings and pongs are skipped).
#[derive(Debug)]
enum Received {
    Frame(Value),
    Close(Option<u16>),
    /// The stream ended after the closing handshake.
    Ended,
    /// The connection broke off (reset, or ended without a closing handshake); the reason is
    /// read through `Debug` in failure messages.
    Broken(#[allow(dead_code)] String),
}

fn classify(item: Option<Result<Message, tungstenite::Error>>) -> Option<Received> {
    match item {
        Some(Ok(Message::Text(text))) => Some(Received::Frame(
            serde_json::from_str(text.as_str()).expect("JSON text frame"),
        )),
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
        Some(Ok(Message::Close(frame))) => Some(Received::Close(frame.map(|f| u16::from(f.code)))),
        Some(Ok(other)) => panic!("unexpected frame {other:?}"),
        Some(Err(e)) => Some(Received::Broken(e.to_string())),
        None => Some(Received::Ended),
    }
}

/// The next thing `ws` yields, within [`FRAME_TIMEOUT`].
async fn receive(ws: &mut Ws) -> Received {
    loop {
        let item = tokio::time::timeout(FRAME_TIMEOUT, ws.next())
            .await
            .expect("the server sends the next frame in time");
        if let Some(received) = classify(item) {
            return received;
        }
    }
}

/// Reads `ws` continuously in the background (a client that keeps up), forwarding what it
/// gets until the socket ends.
fn forward(mut ws: Ws) -> mpsc::UnboundedReceiver<Received> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Some(received) = classify(ws.next().await) else {
                continue;
            };
            let last = !matches!(received, Received::Frame(_));
            if tx.send(received).is_err() || last {
                break;
            }
        }
    });
    rx
}

/// Serves the app on a free port whose accepted sockets have small send buffers.
async fn serve(app: &TestApp) -> SocketAddr {
    assert!(
        app.infra
            .bus
            .wait_until_subscribed(Duration::from_secs(5))
            .await,
        "the bus subscribes"
    );
    let socket = TcpSocket::new_v4().expect("socket");
    // Accepted sockets inherit the listener's buffer sizes.
    socket
        .set_send_buffer_size(SMALL_BUFFER)
        .expect("set SO_SNDBUF");
    socket
        .bind("127.0.0.1:0".parse().expect("address"))
        .expect("bind");
    let listener = socket.listen(128).expect("listen");
    let addr = listener.local_addr().expect("addr");
    let router = app.router.clone();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    addr
}

/// Opens a socket as `token`'s user; `stalling` ones get a small receive buffer (set before
/// connecting, so the advertised window stays small too).
async fn connect(addr: SocketAddr, token: &str, stalling: bool) -> Ws {
    let socket = TcpSocket::new_v4().expect("socket");
    if stalling {
        socket
            .set_recv_buffer_size(SMALL_BUFFER)
            .expect("set SO_RCVBUF");
    }
    let stream = socket.connect(addr).await.expect("TCP connects");
    let (ws, _) = client_async(format!("ws://{addr}/ws?access_token={token}"), stream)
        .await
        .expect("websocket connects");
    ws
}

/// Subscribes to `room` from `last_seq` and returns the seqs replayed before `subscribed`,
/// checking `subscribed` reports the newest of them (or `last_seq`).
async fn subscribe(ws: &mut Ws, room: Uuid, last_seq: i64) -> Vec<i64> {
    let frame = json!({"type": "subscribe", "rooms": [{"room_id": room, "last_seq": last_seq}]});
    ws.send(Message::Text(frame.to_string().into()))
        .await
        .expect("send subscribe");
    let mut seqs = Vec::new();
    loop {
        match receive(ws).await {
            Received::Frame(f) if f["type"] == "presence" => {}
            Received::Frame(f) if f["type"] == "subscribed" => {
                let newest = seqs.last().copied().unwrap_or(last_seq);
                assert_eq!(f["last_seq"], newest, "{f}");
                return seqs;
            }
            Received::Frame(f) => seqs.push(message_seq(&f)),
            other => panic!(
                "socket ended while subscribing after {} messages: {other:?}",
                seqs.len()
            ),
        }
    }
}

/// The seq of a `message_created` event frame.
fn message_seq(frame: &Value) -> i64 {
    assert_eq!(frame["type"], "event", "{frame}");
    assert_eq!(frame["event"]["type"], "message_created", "{frame}");
    frame["event"]["message"]["seq"]
        .as_i64()
        .expect("message has a seq")
}

/// A reading client's view: the seqs it got and whether it saw `watched` go offline.
struct Reader {
    rx: mpsc::UnboundedReceiver<Received>,
    seqs: Vec<i64>,
    watched: Uuid,
    watched_offline: bool,
}

impl Reader {
    fn new(rx: mpsc::UnboundedReceiver<Received>, watched: Uuid) -> Self {
        Self {
            rx,
            seqs: Vec::new(),
            watched,
            watched_offline: false,
        }
    }

    /// Processes one frame; panics if the socket closed, since a reader that keeps up must
    /// never be disconnected.
    async fn step(&mut self) {
        let received = tokio::time::timeout(FRAME_TIMEOUT, self.rx.recv())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "no frame in time; {} messages so far, watched user offline: {}",
                    self.seqs.len(),
                    self.watched_offline
                )
            })
            .expect("reader task alive");
        let frame = match received {
            Received::Frame(frame) => frame,
            other => panic!(
                "a reader that keeps up was disconnected after seq {:?}: {other:?}",
                self.seqs.last()
            ),
        };
        if frame["type"] == "presence" {
            if frame["user_id"] == self.watched.to_string() && frame["status"] == "offline" {
                self.watched_offline = true;
            }
            return;
        }
        self.seqs.push(message_seq(&frame));
    }

    /// Reads until it holds `count` messages.
    async fn until(&mut self, count: i64) {
        while (self.seqs.len() as i64) < count {
            self.step().await;
        }
    }
}

/// Registers `name` through the service and returns the caller plus an access token.
async fn account(services: &Services, name: &str) -> (Authenticated, String) {
    let tokens = services
        .auth
        .register(
            RegisterRequest {
                email: format!("{name}@example.com"),
                username: name.into(),
                password: "slow-consumer-password".into(),
                display_name: None,
            },
            &ClientInfo {
                ip: Some(format!("test-{name}")),
                user_agent: None,
            },
        )
        .await
        .expect("register");
    let auth = Authenticated {
        user_id: tokens.user.id,
        session_id: tokens.session_id,
    };
    (auth, tokens.access_token)
}

/// Each sender posts as many messages as the rate limit allows, all senders at once.
async fn flood(services: &Services, room: Uuid, senders: &[Authenticated], tag: &str) {
    let padding = "x".repeat(PADDING_CHARS);
    let sends = senders.iter().enumerate().map(|(i, who)| {
        let padding = &padding;
        async move {
            for n in 0..SEND_LIMIT.max {
                let req = SendMessage {
                    body: format!("{tag} {i}/{n} {padding}"),
                    client_id: None,
                    reply_to: None,
                };
                services
                    .messages
                    .send(*who, room, req)
                    .await
                    .expect("send within the rate limit");
            }
        }
    });
    futures::future::join_all(sends).await;
}

#[tokio::test]
async fn a_stalled_reader_is_cut_off_past_the_bound_without_slowing_the_room() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let (reader, reader_token) = account(s, "reader").await;
    let (patient, patient_token) = account(s, "patient").await;
    let (slow, slow_token) = account(s, "sluggard").await;
    let room = s
        .rooms
        .create(
            reader,
            CreateRoom {
                name: "flood".into(),
                ..Default::default()
            },
        )
        .await
        .expect("create room")
        .id;
    // The send limit is per user, so the floods come from many senders.
    let names: Vec<String> = (0..2 * SENDERS_PER_FLOOD)
        .map(|i| format!("sender{i}"))
        .collect();
    // A few at a time: the password hashing queue refuses (429) a burst past its depth.
    let senders: Vec<_> = futures::stream::iter(names.iter().map(|n| service_user(s, n)))
        .buffered(4)
        .collect()
        .await;
    for who in senders.iter().chain([&patient, &slow]) {
        s.rooms.join(*who, room).await.expect("join");
    }
    let total = 2 * per_flood();
    assert!(
        per_flood() < QUEUE_BOUND as i64 && total > QUEUE_BOUND as i64 + 64,
        "the first flood stays below the bound, both together clearly exceed it"
    );

    let addr = serve(&app).await;
    let mut reader_ws = connect(addr, &reader_token, false).await;
    subscribe(&mut reader_ws, room, 0).await;
    let mut patient_ws = connect(addr, &patient_token, true).await;
    subscribe(&mut patient_ws, room, 0).await;
    let mut slow_ws = connect(addr, &slow_token, true).await;
    subscribe(&mut slow_ws, room, 0).await;
    // From here on the patient and the slow socket are not read until the test says so.
    let mut reader = Reader::new(forward(reader_ws), slow.user_id);

    // First flood: two sockets stall; the reader gets all of it while they are not read.
    flood(s, room, &senders[..SENDERS_PER_FLOOD], "first").await;
    reader.until(per_flood()).await;
    assert_eq!(reader.seqs, (1..=per_flood()).collect::<Vec<_>>());

    // A stall below the bound is tolerated: the patient socket gets all of it, in order.
    let mut patient_seqs = Vec::new();
    while (patient_seqs.len() as i64) < per_flood() {
        match receive(&mut patient_ws).await {
            Received::Frame(f) if f["type"] == "presence" => {}
            Received::Frame(f) => patient_seqs.push(message_seq(&f)),
            other => panic!("a stall below the bound was cut off: {other:?}"),
        }
    }
    assert_eq!(patient_seqs, (1..=per_flood()).collect::<Vec<_>>());
    let mut patient = Reader::new(forward(patient_ws), slow.user_id);
    patient.seqs = patient_seqs;
    assert!(
        !reader.watched_offline,
        "the slow socket was dropped below the bound"
    );

    // Second flood: the slow socket now has more than the bound waiting. It is read from the
    // moment the server reports its user offline (the server gave up on it), because the
    // server waits only a few seconds for a stuck writer before dropping the TCP connection.
    let (go, go_rx) = oneshot::channel::<()>();
    let slow_drain = tokio::spawn(async move {
        go_rx.await.expect("the test signals");
        let mut got = Vec::new();
        loop {
            let received = receive(&mut slow_ws).await;
            let end = matches!(received, Received::Ended | Received::Broken(_));
            got.push(received);
            if end {
                return got;
            }
        }
    });
    let mut go = Some(go);
    // How many messages the reader had when the slow socket's user went offline.
    let mut offline_at = 0;
    let follow = async {
        while (reader.seqs.len() as i64) < total || !reader.watched_offline {
            reader.step().await;
            if reader.watched_offline {
                if let Some(go) = go.take() {
                    offline_at = reader.seqs.len() as i64;
                    let _ = go.send(());
                }
            }
        }
    };
    tokio::join!(
        flood(s, room, &senders[SENDERS_PER_FLOOD..], "second"),
        follow
    );
    // (a) The reader got every message exactly once, in seq order, and was never closed.
    assert_eq!(reader.seqs, (1..=total).collect::<Vec<_>>());
    patient.until(total).await;
    assert_eq!(patient.seqs, (1..=total).collect::<Vec<_>>());

    // (b) The slow socket holds a gapless prefix of the room (what was already in the kernel
    // buffers), then the 4001 close frame, then the end of the stream: the frames still
    // queued when it overflowed are dropped, not delivered out of order.
    let got = tokio::time::timeout(Duration::from_secs(20), slow_drain)
        .await
        .expect("the slow socket drains in time")
        .expect("drain task");
    let mut slow_seqs = Vec::new();
    let mut rest = got.iter();
    let close = loop {
        match rest.next() {
            Some(Received::Frame(f)) if f["type"] == "presence" => {}
            Some(Received::Frame(f)) => slow_seqs.push(message_seq(f)),
            Some(Received::Close(code)) => break *code,
            other => panic!("no close frame before {other:?}; got {got:?}"),
        }
    };
    assert_eq!(close, Some(4001), "too slow is 4001");
    // The closing handshake completes: the server reads the client's reply before dropping
    // the socket, so the connection is not reset (a reset would discard unread frames).
    let after_close: Vec<_> = rest.collect();
    assert!(
        matches!(after_close[..], [Received::Ended]),
        "only a clean end follows the close frame: {after_close:?}"
    );
    let k = slow_seqs.len() as i64;
    assert_eq!(slow_seqs, (1..=k).collect::<Vec<_>>(), "a gapless prefix");
    // At the overflow the queue held QUEUE_BOUND frames, all newer than the messages in the
    // kernel buffers and all messages but for at most one heartbeat ping; they, the frame that
    // did not fit and everything after it never reach the client.
    assert!(
        k <= total - QUEUE_BOUND as i64,
        "the slow socket was cut off past the bound, not served everything: got {k} of {total}"
    );

    // ... and not before: the server published the offline presence after relaying the
    // message that did not fit, and that message came after the k delivered ones and a full
    // queue of others, so the reader (relaying the bus in the same order) already had them.
    assert!(
        offline_at >= QUEUE_BOUND as i64 + k,
        "the slow socket was dropped before its queue was full: offline after {offline_at} messages, {k} delivered"
    );

    // (c) Reconnecting from the last seq it saw replays exactly the rest.
    let mut again = connect(addr, &slow_token, false).await;
    let replayed = subscribe(&mut again, room, k).await;
    assert_eq!(replayed, ((k + 1)..=total).collect::<Vec<_>>());
    eprintln!("slow socket got {k} of {total} messages before 4001");
}
