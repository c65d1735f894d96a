//! One WebSocket connection: reads client frames, relays the events the instance's
//! [`fanout`](super::fanout) hands it for subscribed rooms in seq order without gaps or
//! duplicates, and keeps the connection honest (heartbeats, a bounded send queue, live
//! membership checks).

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use app::{
    infra::metrics,
    model::{
        event::RoomEvent,
        message::{Message, SendMessage},
        realtime::{presence_topic, ClientFrame, PresenceStatus, RoomCursor, ServerFrame},
    },
    services::{auth::Authenticated, ServiceError},
};
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket};
use futures::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{
    fanout::{Dispatch, Ended, Follows},
    limits::{
        Permit, Refusal, TokenBucket, FLOOD_CLOSE_AFTER, FRAMES_PER_SECOND, FRAME_BURST,
        SUBSCRIBES_PER_SECOND, SUBSCRIBE_BURST,
    },
    MAX_MESSAGE_BYTES,
};
use crate::state::AppState;

/// Frames queued for a client before it counts as too slow and is disconnected.
const OUTBOUND_CAPACITY: usize = 512;
/// How often the server pings.
const PING_EVERY: Duration = Duration::from_secs(20);
/// Silence after which a connection is considered dead.
const DEAD_AFTER: Duration = Duration::from_secs(60);
/// Time a closing connection gets to flush its frames and complete the closing handshake.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// Most rooms one connection may follow.
const MAX_SUBSCRIPTIONS: usize = 500;
/// Messages fetched per history query while catching up.
const CATCH_UP_PAGE: i64 = 100;
/// Largest room whose members' presence is sent when subscribing.
const PRESENCE_SNAPSHOT_MAX: usize = 200;
/// Least time between two typing notices of one connection in one room.
const TYPING_EVERY: Duration = Duration::from_secs(2);

/// Close codes (4000–4999 are for applications).
mod close {
    /// No frame or pong for too long.
    pub const HEARTBEAT: u16 = 4000;
    /// The client did not read fast enough.
    pub const TOO_SLOW: u16 = 4001;
    /// This instance missed bus events; reconnect and catch up.
    pub const LAGGED: u16 = 4002;
    /// The instance is draining (RFC 6455 "service restart"): reconnect now, to another one.
    pub const RESTART: u16 = 1012;
    /// The client kept flooding after being told to slow down (RFC 6455 "policy violation").
    pub const POLICY: u16 = 1008;
    /// A message over the size limit (RFC 6455 "message too big").
    pub const TOO_BIG: u16 = 1009;
    /// The account holds its maximum of sockets on this instance.
    pub const TOO_MANY_FOR_USER: u16 = 4003;
    /// The client address holds its maximum of sockets on this instance.
    pub const TOO_MANY_FROM_ADDRESS: u16 = 4004;
}

/// The close reason of a message over the limit.
const TOO_BIG_REASON: &str = "message too big: the limit is 65536 bytes";
const _: () = assert!(MAX_MESSAGE_BYTES == 65536, "TOO_BIG_REASON names the limit");

/// Least time between two `rate_limited` errors on one connection.
const RATE_LIMITED_EVERY: Duration = Duration::from_secs(1);

/// Closes a socket that was over a connection cap, saying which.
pub async fn refuse(mut socket: WebSocket, refusal: Refusal) {
    let (code, reason) = match refusal {
        Refusal::PerUser(n) => (
            close::TOO_MANY_FOR_USER,
            format!("too many connections for this account (limit {n})"),
        ),
        Refusal::PerAddress(n) => (
            close::TOO_MANY_FROM_ADDRESS,
            format!("too many connections from this address (limit {n})"),
        ),
        Refusal::Barred(seconds) => (
            close::POLICY,
            format!("this account flooded a connection; reconnect in {seconds} s"),
        ),
    };
    metrics::ws_refused(code);
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(WsMessage::Close(Some(frame))).await;
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(Ok(message)) = socket.next().await {
            if matches!(message, WsMessage::Close(_)) {
                break;
            }
        }
    })
    .await;
}

/// Where in the heartbeat period a connection's heartbeats fall, spread evenly by its id.
fn heartbeat_offset(connection: Uuid) -> Duration {
    let period_ms = PING_EVERY.as_millis();
    Duration::from_millis((connection.as_u128() % period_ms) as u64)
}

/// Whether a read error is a frame or message over the size limit.
fn too_big(error: &axum::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if let Some(tungstenite::Error::Capacity(_)) = e.downcast_ref::<tungstenite::Error>() {
            return true;
        }
        source = e.source();
    }
    false
}

enum Outbound {
    /// Frames are shared: an event encoded once goes to every connection following its room.
    Text(Utf8Bytes),
    Ping,
}

/// Runs the connection until either side closes it; `_permit` holds its place under the
/// connection caps until then.
pub async fn run(socket: WebSocket, state: AppState, auth: Authenticated, _permit: Permit) {
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Outbound>(OUTBOUND_CAPACITY);
    let (close_tx, mut close_rx) = mpsc::channel::<(u16, &'static str)>(1);
    let writer = tokio::spawn(async move {
        loop {
            tokio::select! {
                biased;
                Some((code, reason)) = close_rx.recv() => {
                    let frame = CloseFrame { code, reason: reason.into() };
                    let _ = sink.send(WsMessage::Close(Some(frame))).await;
                    break;
                }
                next = out_rx.recv() => {
                    let sent = match next {
                        Some(Outbound::Text(text)) => sink.send(WsMessage::Text(text)).await,
                        Some(Outbound::Ping) => sink.send(WsMessage::Ping(Vec::new().into())).await,
                        None => break,
                    };
                    if sent.is_err() {
                        break;
                    }
                }
            }
        }
    });

    // Counted until the closing handshake is over, so a draining instance waits for it.
    let _alive = state.sockets.enter();
    metrics::ws_opened();
    let (follows, mut inbox) = state.fanout.connect(auth.user_id).await;
    let mut conn = Connection {
        state,
        auth,
        follows,
        out: out_tx,
        subscriptions: HashMap::new(),
        last_typing: HashMap::new(),
        closing: None,
        id: Uuid::new_v4(),
        status: PresenceStatus::Online,
        frames: TokenBucket::new(FRAMES_PER_SECOND, FRAME_BURST, Instant::now()),
        subscribes: TokenBucket::new(SUBSCRIBES_PER_SECOND, SUBSCRIBE_BURST, Instant::now()),
        dropped_in_row: 0,
        last_rate_error: None,
    };
    conn.announce_presence().await;
    // Each connection's heartbeat (a ping and a presence renewal in Redis) starts at its own
    // offset into the period: sockets opened together, as after a deploy or an outage, would
    // otherwise renew together every period, a burst that stalls delivery for everyone.
    let mut heartbeat = tokio::time::interval_at(
        tokio::time::Instant::now() + heartbeat_offset(conn.id),
        PING_EVERY,
    );
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(WsMessage::Text(text))) if text.len() > MAX_MESSAGE_BYTES => {
                    metrics::ws_frame_received();
                    conn.close(close::TOO_BIG, TOO_BIG_REASON);
                }
                Some(Ok(WsMessage::Binary(bytes))) if bytes.len() > MAX_MESSAGE_BYTES => {
                    metrics::ws_frame_received();
                    conn.close(close::TOO_BIG, TOO_BIG_REASON);
                }
                Some(Ok(WsMessage::Text(text))) => {
                    metrics::ws_frame_received();
                    last_heard = Instant::now();
                    if conn.admit_frame(last_heard) {
                        conn.handle_text(text.as_str()).await;
                    }
                }
                Some(Ok(WsMessage::Binary(_))) => {
                    metrics::ws_frame_received();
                    last_heard = Instant::now();
                    if conn.admit_frame(last_heard) {
                        conn.error("bad_request", "send JSON text frames, not binary ones", None);
                    }
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => last_heard = Instant::now(),
                Some(Err(e)) if too_big(&e) => conn.close(
                    close::TOO_BIG,
                    TOO_BIG_REASON,
                ),
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
            },
            dispatch = inbox.recv() => match dispatch {
                Ok(Dispatch::Room(room)) => conn.relay(&room.event, room.frame).await,
                Ok(Dispatch::Frame(frame)) => conn.send_text(frame),
                Ok(Dispatch::Revoked(room_id)) => conn.revoked(room_id),
                Err(Ended::Lagged) => conn.close(close::LAGGED, "missed events; reconnect and catch up"),
                Err(Ended::Restart) => conn.close(close::RESTART, "server restarting; reconnect"),
                Err(Ended::Closed) => break,
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > DEAD_AFTER {
                    conn.close(close::HEARTBEAT, "no heartbeat");
                } else if conn.out.try_send(Outbound::Ping).is_err() {
                    conn.close(close::TOO_SLOW, "too slow to keep up; reconnect and catch up");
                } else {
                    conn.renew_presence().await;
                }
            }
        }
        if let Some((code, reason)) = conn.closing {
            let _ = close_tx.try_send((code, reason));
            break;
        }
    }
    metrics::ws_closed(conn.closing.map(|(code, _)| code));
    conn.leave_presence().await;
    drop(conn);
    // Finish the closing handshake: the writer sends what it holds and the close frame, then
    // the client's frames are read until its close reply (or the end of the stream). Dropping
    // the socket while frames the client sent meanwhile (a pong, its close reply) sit unread
    // makes the kernel reset the connection, and the reset discards whatever the client had
    // not read yet, the close frame included. A stuck client must not keep the task alive, so
    // all of it gets a few seconds.
    let mut writer = writer;
    let finish = async {
        let _ = (&mut writer).await;
        while let Some(Ok(message)) = stream.next().await {
            if matches!(message, WsMessage::Close(_)) {
                break;
            }
        }
    };
    if tokio::time::timeout(CLOSE_GRACE, finish).await.is_err() {
        writer.abort();
    }
}

struct Subscription {
    /// Newest seq sent to the client.
    last_seq: i64,
}

struct Connection {
    state: AppState,
    auth: Authenticated,
    /// The rooms the fanout hands this connection events of.
    follows: Follows,
    out: mpsc::Sender<Outbound>,
    subscriptions: HashMap<Uuid, Subscription>,
    last_typing: HashMap<Uuid, Instant>,
    closing: Option<(u16, &'static str)>,
    /// This connection, as one of the user's presence entries.
    id: Uuid,
    /// Its status.
    status: PresenceStatus,
    /// Frames of any kind the client may still send.
    frames: TokenBucket,
    /// `subscribe` frames, which cost a replay each.
    subscribes: TokenBucket,
    /// Frames dropped since the last one accepted.
    dropped_in_row: u32,
    /// When the client was last told it is rate limited.
    last_rate_error: Option<Instant>,
}

impl Connection {
    /// Whether a frame that just arrived may be handled; a flood gets `rate_limited` errors
    /// (at most one a second) and, if it goes on, the connection is closed with 1008.
    fn admit_frame(&mut self, now: Instant) -> bool {
        if self.frames.take(now) {
            self.dropped_in_row = 0;
            return true;
        }
        self.dropped_in_row += 1;
        if self.dropped_in_row >= FLOOD_CLOSE_AFTER {
            self.close(close::POLICY, "too many frames; slow down");
            self.state.ws_limits.bar(self.auth.user_id, now);
        } else {
            self.rate_limited(now, "too many frames; slow down (limit 50 a second)");
        }
        false
    }

    /// Tells the client it is rate limited, at most once a second.
    fn rate_limited(&mut self, now: Instant, message: &str) {
        let recent = self
            .last_rate_error
            .is_some_and(|at| now.duration_since(at) < RATE_LIMITED_EVERY);
        if !recent {
            self.last_rate_error = Some(now);
            self.error("rate_limited", message, None);
        }
    }

    async fn renew_presence(&mut self) -> PresenceStatus {
        self.state
            .infra
            .presence
            .renew(
                self.auth.user_id,
                self.id,
                self.status,
                app::infra::presence::ENTRY_TTL,
            )
            .await
    }

    /// Renews this connection's entry and tells every instance the user's status.
    async fn announce_presence(&mut self) {
        let status = self.renew_presence().await;
        self.publish_presence(status).await;
    }

    async fn leave_presence(&mut self) {
        let status = self
            .state
            .infra
            .presence
            .remove(self.auth.user_id, self.id)
            .await;
        self.publish_presence(status).await;
    }

    /// Publishes the user's status on the presence topic of each of their rooms, so only
    /// instances following one of them receive it.
    async fn publish_presence(&self, status: PresenceStatus) {
        let frame = ServerFrame::Presence {
            user_id: self.auth.user_id,
            status,
        };
        let Ok(payload) = serde_json::to_vec(&frame) else {
            return;
        };
        let rooms = match self
            .state
            .services
            .rooms
            .room_ids_of(self.auth.user_id)
            .await
        {
            Ok(rooms) => rooms,
            Err(e) => return tracing::warn!(error = %e, "cannot look up rooms for presence"),
        };
        let topics: Vec<String> = rooms.into_iter().map(presence_topic).collect();
        if let Err(e) = self.state.infra.bus.publish_many(&topics, &payload).await {
            tracing::warn!(error = %e, "cannot publish presence");
        }
    }

    /// The current status of a room's other members, after subscribing.
    async fn presence_snapshot(&mut self, room: Uuid) {
        let Ok(members) = self.state.services.rooms.members(room).await else {
            return;
        };
        if members.len() > PRESENCE_SNAPSHOT_MAX {
            return;
        }
        let me = self.auth.user_id;
        for user_id in members.into_keys().filter(|u| *u != me) {
            let status = self.state.infra.presence.status(user_id).await;
            if status != PresenceStatus::Offline {
                self.send(&ServerFrame::Presence { user_id, status });
            }
        }
    }

    fn send(&mut self, frame: &ServerFrame) {
        if self.closing.is_some() {
            return;
        }
        match serde_json::to_string(frame) {
            Ok(text) => self.send_text(text.into()),
            Err(e) => tracing::error!(error = %e, "cannot encode a frame"),
        }
    }

    fn send_text(&mut self, text: Utf8Bytes) {
        if self.closing.is_some() {
            return;
        }
        // A full queue means the client cannot keep up; it must not slow the room down.
        if self.out.try_send(Outbound::Text(text)).is_ok() {
            metrics::ws_frame_sent();
        } else {
            self.close(
                close::TOO_SLOW,
                "too slow to keep up; reconnect and catch up",
            );
        }
    }

    fn close(&mut self, code: u16, reason: &'static str) {
        self.closing.get_or_insert((code, reason));
    }

    fn error(&mut self, code: &str, message: &str, client_id: Option<String>) {
        self.send(&ServerFrame::Error {
            code: code.to_owned(),
            message: message.to_owned(),
            client_id,
        });
    }

    fn service_error(&mut self, e: &ServiceError, client_id: Option<String>) {
        let message = match e {
            ServiceError::Internal(detail) => {
                tracing::error!(%detail, "internal error on the realtime channel");
                "something went wrong; try again".to_owned()
            }
            other => other.to_string(),
        };
        self.error(e.code(), &message, client_id);
    }

    async fn handle_text(&mut self, text: &str) {
        let frame: ClientFrame = match serde_json::from_str(text) {
            Ok(frame) => frame,
            Err(e) => return self.error("bad_request", &format!("unreadable frame: {e}"), None),
        };
        match frame {
            ClientFrame::Subscribe { rooms } => {
                if self.subscribes.take(Instant::now()) {
                    self.subscribe(rooms).await;
                } else {
                    self.error(
                        "rate_limited",
                        "too many subscribe frames; subscribe to several rooms in one frame",
                        None,
                    );
                }
            }
            ClientFrame::Unsubscribe { room_ids } => {
                for id in room_ids {
                    self.unsubscribe(id);
                }
            }
            ClientFrame::Send {
                room_id,
                body,
                client_id,
                reply_to,
            } => {
                let req = SendMessage {
                    body,
                    client_id: Some(client_id.clone()),
                    reply_to,
                };
                match self
                    .state
                    .services
                    .messages
                    .send(self.auth, room_id, req)
                    .await
                {
                    Ok(message) => self.send(&ServerFrame::Ack { client_id, message }),
                    Err(e) => self.service_error(&e, Some(client_id)),
                }
            }
            ClientFrame::Typing { room_id } => {
                let now = Instant::now();
                let recent = self
                    .last_typing
                    .get(&room_id)
                    .is_some_and(|at| now.duration_since(*at) < TYPING_EVERY);
                if !recent {
                    self.last_typing.insert(room_id, now);
                    if let Err(e) = self
                        .state
                        .services
                        .messages
                        .typing(self.auth, room_id)
                        .await
                    {
                        self.service_error(&e, None);
                    }
                }
            }
            ClientFrame::Read { room_id, seq } => {
                match self
                    .state
                    .services
                    .messages
                    .mark_read(self.auth, room_id, seq)
                    .await
                {
                    Ok(last_read_seq) => self.send(&ServerFrame::ReadMarker {
                        room_id,
                        last_read_seq,
                    }),
                    Err(e) => self.service_error(&e, None),
                }
            }
            ClientFrame::Presence { status } => {
                if status == PresenceStatus::Offline {
                    return self.error(
                        "validation_failed",
                        "status must be online or away; close the connection to go offline",
                        None,
                    );
                }
                if status != self.status {
                    self.status = status;
                    self.announce_presence().await;
                }
            }
            ClientFrame::Ping { nonce } => self.send(&ServerFrame::Pong { nonce }),
        }
    }

    /// Replays each room from its cursor, then follows it live.
    async fn subscribe(&mut self, cursors: Vec<RoomCursor>) {
        let mut joined_any = false;
        for cursor in cursors {
            if self.subscriptions.len() >= MAX_SUBSCRIPTIONS
                && !self.subscriptions.contains_key(&cursor.room_id)
            {
                return self.error(
                    "validation_failed",
                    "too many subscriptions on one connection",
                    None,
                );
            }
            let room_id = cursor.room_id;
            match self
                .state
                .services
                .rooms
                .role_of(room_id, self.auth.user_id)
                .await
            {
                Ok(Some(_)) => {}
                Ok(None) => {
                    self.error("not_found", &format!("no such room: {room_id}"), None);
                    continue;
                }
                Err(e) => {
                    self.service_error(&e, None);
                    continue;
                }
            }
            let start = cursor.last_seq.max(0);
            self.subscriptions
                .insert(room_id, Subscription { last_seq: start });
            self.follows.follow(room_id).await;
            // Events published while this runs wait in the inbox and are deduplicated by seq
            // afterwards, so the boundary has neither a gap nor a repeat.
            if !self.catch_up(room_id, i64::MAX).await {
                continue;
            }
            let last_seq = self
                .subscriptions
                .get(&room_id)
                .map_or(start, |s| s.last_seq);
            self.send(&ServerFrame::Subscribed { room_id, last_seq });
            self.presence_snapshot(room_id).await;
            joined_any = true;
        }
        // The tab's socket may predate joining these rooms: tell their members this user
        // is here, since the status announced at connect time reached only earlier rooms.
        if joined_any {
            self.announce_presence().await;
        }
    }

    /// Sends the room's messages after the subscription's cursor and before `until`; false
    /// if the room can no longer be read.
    async fn catch_up(&mut self, room_id: Uuid, until: i64) -> bool {
        loop {
            let Some(after) = self.subscriptions.get(&room_id).map(|s| s.last_seq) else {
                return false;
            };
            if after + 1 >= until {
                return true;
            }
            // A gap before a live event is usually one or two messages: fetch only those.
            let limit = (until - after - 1).clamp(1, CATCH_UP_PAGE);
            let page = self
                .state
                .services
                .messages
                .history(self.auth, room_id, None, Some(after), Some(limit))
                .await;
            let page: Vec<Message> = match page {
                Ok(page) => page,
                Err(e) => {
                    self.unsubscribe(room_id);
                    self.service_error(&e, None);
                    return false;
                }
            };
            let full = page.len() as i64 == limit;
            for message in page.into_iter().filter(|m| m.seq < until) {
                self.deliver_message(message);
            }
            if !full || self.closing.is_some() {
                return true;
            }
        }
    }

    fn unsubscribe(&mut self, room_id: Uuid) {
        self.subscriptions.remove(&room_id);
        self.follows.unfollow(room_id);
    }

    /// Whether `seq` of the room is new to the client; if so, it counts as sent.
    fn advance(&mut self, room_id: Uuid, seq: i64) -> bool {
        match self.subscriptions.get_mut(&room_id) {
            Some(sub) if seq > sub.last_seq => {
                sub.last_seq = seq;
                true
            }
            _ => false,
        }
    }

    fn deliver_message(&mut self, message: Message) {
        if self.advance(message.room_id, message.seq) {
            self.send(&ServerFrame::Event {
                event: RoomEvent::MessageCreated { message },
            });
        }
    }

    /// The user left or was removed from the room: the fanout sends no more of its events.
    fn revoked(&mut self, room_id: Uuid) {
        if self.subscriptions.contains_key(&room_id) {
            self.unsubscribe(room_id);
            self.send(&ServerFrame::Unsubscribed {
                room_id,
                reason: "not_a_member".to_owned(),
            });
        }
    }

    /// Relays an event of a followed room, encoded once for every follower as `frame`; the
    /// fanout checked the user's membership for this very event.
    async fn relay(&mut self, event: &RoomEvent, frame: Utf8Bytes) {
        let room_id = event.room_id();
        if !self.subscriptions.contains_key(&room_id) {
            return;
        }
        match event {
            RoomEvent::MessageCreated { message } => {
                // The fanout puts messages in order, but one whose predecessor never reached
                // this instance in time still arrives early: fill the gap from PostgreSQL so
                // the client always sees the room in order.
                if !self.catch_up(room_id, message.seq).await {
                    return;
                }
                if self.advance(room_id, message.seq) {
                    self.send_text(frame);
                }
            }
            RoomEvent::Typing { user_id, .. } if *user_id == self.auth.user_id => {}
            _ => self.send_text(frame),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_spread_over_the_period() {
        let offsets: Vec<Duration> = (0..1000)
            .map(|_| heartbeat_offset(Uuid::new_v4()))
            .collect();
        assert!(offsets.iter().all(|o| *o < PING_EVERY));
        for quarter in 0..4 {
            let (from, to) = (PING_EVERY * quarter / 4, PING_EVERY * (quarter + 1) / 4);
            let here = offsets.iter().filter(|o| (from..to).contains(*o)).count();
            assert!(here > 150, "quarter {quarter} has {here} of 1000");
        }
    }
}
