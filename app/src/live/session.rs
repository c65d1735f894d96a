//! The tab's one WebSocket. Room views join and leave it; it subscribes each from its
//! timeline's cursor, applies events, fills seq gaps from history, reports the tab's
//! visibility as presence, resends failed sends once caught up, forwards user-wide frames
//! (notifications) to their listener, and after any disconnect reconnects with exponential
//! backoff and jitter, resubscribing every room where it left off.

use std::{cell::RefCell, collections::HashMap, rc::Rc, time::Duration};

use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{MessageEvent, WebSocket};

use super::{
    timeline::{Insert, Timeline},
    Connection, RoomSignals,
};
use crate::model::{
    event::RoomEvent,
    realtime::{ClientFrame, PresenceStatus, RoomCursor, ServerFrame},
};

type Handler = Closure<dyn FnMut(web_sys::Event)>;

/// Receives the frames that are not about one room.
pub type UserFrames = Rc<dyn Fn(ServerFrame)>;

struct State {
    me: Option<Uuid>,
    rooms: HashMap<Uuid, RoomSignals>,
    /// Rooms whose gap is being filled (one fill at a time per room).
    filling: Vec<Uuid>,
    on_user_frame: Option<UserFrames>,
    connection: RwSignal<Connection>,
    socket: Option<WebSocket>,
    handlers: Vec<Handler>,
    /// Window/document listeners that live as long as the session.
    page_handlers: Vec<(web_sys::EventTarget, &'static str, Handler)>,
    attempts: u32,
    /// Bumped by every (re)connect so a stale scheduled retry does nothing.
    generation: u32,
    stopped: bool,
}

/// The tab's live connection; cheap to clone.
#[derive(Clone)]
pub struct LiveSession(Rc<RefCell<State>>);

impl LiveSession {
    /// Closes for good (sign-out).
    pub fn stop(&self) {
        let mut state = self.0.borrow_mut();
        state.stopped = true;
        if let Some(socket) = state.socket.take() {
            let _ = socket.close();
        }
        state.handlers.clear();
        for (target, kind, handler) in state.page_handlers.drain(..) {
            let _ =
                target.remove_event_listener_with_callback(kind, handler.as_ref().unchecked_ref());
        }
    }

    /// The user the session is for (None until known).
    pub fn me(&self) -> Option<Uuid> {
        self.0.borrow().me
    }

    /// Records the user once known.
    pub fn set_me(&self, me: Uuid) {
        self.0.borrow_mut().me = Some(me);
    }

    /// Sets who hears frames that are not about a room.
    pub fn on_user_frame(&self, listener: UserFrames) {
        self.0.borrow_mut().on_user_frame = Some(listener);
    }

    /// Starts following a room into `signals`, from its timeline's cursor.
    pub fn join(&self, room_id: Uuid, signals: RoomSignals) {
        let connection = self.0.borrow().connection.get_untracked();
        signals.connection.set(match connection {
            Connection::Live => Connection::Connecting,
            other => other,
        });
        if let Some(me) = self.0.borrow().me {
            signals.presence.update(|p| {
                p.insert(me, current_status());
            });
        }
        self.0.borrow_mut().rooms.insert(room_id, signals);
        self.subscribe(room_id);
    }

    /// Stops following a room.
    pub fn leave(&self, room_id: Uuid) {
        if self.0.borrow_mut().rooms.remove(&room_id).is_some() {
            self.send(&ClientFrame::Unsubscribe {
                room_ids: vec![room_id],
            });
        }
    }

    /// Tells a room the user is typing (the server throttles it).
    pub fn typing(&self, room_id: Uuid) {
        self.send(&ClientFrame::Typing { room_id });
    }

    /// Reconnects now instead of waiting for the scheduled attempt.
    pub fn retry_now(&self) {
        {
            let mut s = self.0.borrow_mut();
            if s.stopped || s.socket.is_some() {
                return;
            }
            s.generation += 1;
        }
        self.open();
    }

    fn send(&self, frame: &ClientFrame) -> bool {
        let state = self.0.borrow();
        match (&state.socket, serde_json::to_string(frame)) {
            (Some(socket), Ok(text)) if socket.ready_state() == WebSocket::OPEN => {
                socket.send_with_str(&text).is_ok()
            }
            _ => false,
        }
    }

    fn subscribe(&self, room_id: Uuid) {
        let Some(last_seq) = self
            .0
            .borrow()
            .rooms
            .get(&room_id)
            .map(|s| s.timeline.with_untracked(Timeline::cursor))
        else {
            return;
        };
        self.send(&ClientFrame::Subscribe {
            rooms: vec![RoomCursor { room_id, last_seq }],
        });
    }

    /// Sets the state of the session and of every room it follows.
    fn set_connection(&self, connection: Connection) {
        let s = self.0.borrow();
        s.connection.set(connection);
        for room in s.rooms.values() {
            if room.connection.get_untracked() != Connection::Removed {
                room.connection.set(connection);
            }
        }
    }

    /// Visibility drives presence; the network coming back triggers a reconnect at once.
    fn listen_to_page(&self) {
        let on_visibility = {
            let session = self.clone();
            Handler::new(move |_| session.send_presence())
        };
        let on_online = {
            let session = self.clone();
            Handler::new(move |_| {
                // The socket may have outlived the outage while the HTTP sends failed.
                if session.0.borrow().socket.is_some() {
                    let rooms: Vec<Uuid> = session.0.borrow().rooms.keys().copied().collect();
                    for room in rooms {
                        session.resend(room);
                    }
                } else {
                    session.retry_now();
                }
            })
        };
        let on_offline = {
            let session = self.clone();
            Handler::new(move |_| {
                if session.0.borrow().socket.is_none() {
                    session.set_connection(Connection::Offline);
                }
            })
        };
        let window: web_sys::EventTarget = window().into();
        let document: web_sys::EventTarget = document().into();
        let mut listeners = vec![
            (document, "visibilitychange", on_visibility),
            (window.clone(), "online", on_online),
            (window, "offline", on_offline),
        ];
        for (target, kind, handler) in &listeners {
            let _ = target.add_event_listener_with_callback(kind, handler.as_ref().unchecked_ref());
        }
        self.0.borrow_mut().page_handlers.append(&mut listeners);
    }

    fn send_presence(&self) {
        let status = current_status();
        {
            let s = self.0.borrow();
            if let Some(me) = s.me {
                for room in s.rooms.values() {
                    room.presence.update(|p| {
                        p.insert(me, status);
                    });
                }
            }
        }
        self.send(&ClientFrame::Presence { status });
    }

    fn open(&self) {
        let Some(url) = socket_url() else { return };
        let Ok(socket) = WebSocket::new(&url) else {
            return self.retry(Reconnect::Backoff);
        };
        self.set_connection(Connection::Connecting);
        let generation = self.0.borrow().generation;
        let on_open = {
            let session = self.clone();
            Handler::new(move |_| {
                let rooms: Vec<RoomCursor> = session
                    .0
                    .borrow()
                    .rooms
                    .iter()
                    .map(|(room_id, s)| RoomCursor {
                        room_id: *room_id,
                        last_seq: s.timeline.with_untracked(Timeline::cursor),
                    })
                    .collect();
                session.0.borrow_mut().attempts = 0;
                session.0.borrow().connection.set(Connection::Live);
                if !rooms.is_empty() {
                    session.send(&ClientFrame::Subscribe { rooms });
                }
                session.send_presence();
            })
        };
        let on_message = {
            let session = self.clone();
            Handler::new(move |event: web_sys::Event| {
                let Some(text) = event
                    .dyn_ref::<MessageEvent>()
                    .and_then(|m| m.data().as_string())
                else {
                    return;
                };
                if let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) {
                    session.receive(frame);
                }
            })
        };
        let on_close = {
            let session = self.clone();
            Handler::new(move |event: web_sys::Event| {
                // A socket replaced by `retry_now` must not schedule another attempt.
                if session.0.borrow().generation == generation {
                    let code = event.dyn_ref::<web_sys::CloseEvent>().map(|e| e.code());
                    session.retry(if code == Some(SERVICE_RESTART) {
                        Reconnect::Elsewhere
                    } else {
                        Reconnect::Backoff
                    });
                }
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut state = self.0.borrow_mut();
        state.handlers = vec![on_open, on_message, on_close];
        state.socket = Some(socket);
    }

    fn room(&self, room_id: Uuid) -> Option<RoomSignals> {
        self.0.borrow().rooms.get(&room_id).copied()
    }

    fn receive(&self, frame: ServerFrame) {
        match frame {
            ServerFrame::Event { event } => self.room_event(event),
            ServerFrame::Ack { message, .. } => {
                let room_id = message.room_id;
                if let Some(signals) = self.room(room_id) {
                    if let Some(Insert::Gap { after }) =
                        signals.timeline.try_update(|t| t.insert(message))
                    {
                        self.fill(room_id, after);
                    }
                }
            }
            ServerFrame::Error {
                client_id: Some(client_id),
                ..
            } => {
                for signals in self.0.borrow().rooms.values() {
                    signals.timeline.update(|t| t.fail_send(&client_id));
                }
            }
            // A refused subscription (say, the database hiccuped right after a restart) must
            // not leave a room waiting forever: rooms still waiting ask again shortly.
            ServerFrame::Error { .. } => self.resubscribe_waiting_later(),
            ServerFrame::Typing { room_id, user_id } => {
                if let Some(signals) = self.room(room_id) {
                    let until = js_sys::Date::now() + super::TYPING_SHOWN_MS;
                    signals.typing.update(|list| {
                        list.retain(|(u, _)| *u != user_id);
                        list.push((user_id, until));
                    });
                }
            }
            ServerFrame::Presence { user_id, status } => {
                for signals in self.0.borrow().rooms.values() {
                    signals.presence.update(|p| {
                        p.insert(user_id, status);
                    });
                }
            }
            // A room is live once its replay is done and events flow.
            ServerFrame::Subscribed { room_id, .. } => {
                // Also what sends the messages written offline.
                if let Some(signals) = self.room(room_id) {
                    signals.connection.set(Connection::Live);
                    self.resend_pending(room_id, signals);
                }
            }
            ServerFrame::Unsubscribed { room_id, .. } => {
                if let Some(signals) = self.0.borrow_mut().rooms.remove(&room_id) {
                    signals.connection.set(Connection::Removed);
                }
            }
            other => {
                let listener = self.0.borrow().on_user_frame.clone();
                if let Some(listener) = listener {
                    listener(other);
                }
            }
        }
    }

    fn room_event(&self, event: RoomEvent) {
        let room_id = event.room_id();
        let Some(signals) = self.room(room_id) else {
            return;
        };
        if let RoomEvent::MemberChanged {
            user_id, change, ..
        } = &event
        {
            signals.members.update(|v| *v += 1);
            if Some(*user_id) == self.0.borrow().me {
                signals.my_membership.set(Some(*change));
            }
            return;
        }
        // Someone whose message arrived has stopped typing it.
        if let RoomEvent::MessageCreated { message } = &event {
            if let Some(sender) = &message.sender {
                let sender = sender.id;
                if signals
                    .typing
                    .with_untracked(|l| l.iter().any(|(u, _)| *u == sender))
                {
                    signals.typing.update(|l| l.retain(|(u, _)| *u != sender));
                }
            }
        }
        if let Some(Insert::Gap { after }) = signals.timeline.try_update(|t| t.apply(event)) {
            self.fill(room_id, after);
        }
    }

    fn resubscribe_waiting_later(&self) {
        let session = send_wrapper::SendWrapper::new(self.clone());
        let generation = self.0.borrow().generation;
        set_timeout(
            move || {
                let session = session.take();
                let waiting: Vec<Uuid> = {
                    let s = session.0.borrow();
                    if s.stopped || s.generation != generation {
                        return;
                    }
                    s.rooms
                        .iter()
                        .filter(|(_, r)| r.connection.get_untracked() == Connection::Connecting)
                        .map(|(id, _)| *id)
                        .collect()
                };
                for room in waiting {
                    session.subscribe(room);
                }
            },
            Duration::from_secs(3),
        );
    }

    /// Sends a room's unconfirmed messages again (see [`Self::resend_pending`]).
    pub fn resend(&self, room_id: Uuid) {
        if let Some(signals) = self.room(room_id) {
            self.resend_pending(room_id, signals);
        }
    }

    /// Every unconfirmed send of the room goes again, under its client_id: one that reached
    /// the server before its answer was lost is acknowledged, never stored twice, and one
    /// that never got there is sent now.
    fn resend_pending(&self, room_id: Uuid, signals: RoomSignals) {
        let timeline = signals.timeline;
        let pending: Vec<_> = timeline.with_untracked(|t| t.pending.clone());
        for p in pending {
            timeline.update(|t| t.begin_send(&p.client_id, &p.body, p.reply_to));
            let sent = self.send(&ClientFrame::Send {
                room_id,
                body: p.body.clone(),
                client_id: p.client_id.clone(),
                reply_to: p.reply_to,
            });
            if !sent {
                timeline.update(|t| t.fail_send(&p.client_id));
            }
        }
    }

    /// Fetches the messages after `after` until the room's window reaches the live end.
    pub fn fill(&self, room_id: Uuid, after: i64) {
        let Some(signals) = self.room(room_id) else {
            return;
        };
        {
            let mut s = self.0.borrow_mut();
            if s.filling.contains(&room_id) {
                return;
            }
            s.filling.push(room_id);
        }
        let timeline = signals.timeline;
        let session = send_wrapper::SendWrapper::new(self.clone());
        leptos::task::spawn_local(async move {
            let mut after = after;
            loop {
                let Ok(page) = crate::api::messages::room_history(room_id, None, Some(after)).await
                else {
                    break;
                };
                let added = timeline.try_update(|t| t.append(page)).unwrap_or(false);
                let (caught_up, last) =
                    timeline.with_untracked(|t| (t.follows && !t.has_newer(), t.last_seq()));
                if caught_up || !added {
                    break;
                }
                after = last;
            }
            session.0.borrow_mut().filling.retain(|r| *r != room_id);
        });
    }

    /// Schedules a reconnect: 0.5 s doubling up to 15 s, with ±50 % jitter so a restarted
    /// server is not hit by every client at the same instant; after a draining server's 1012,
    /// within a second (another instance is up), still jittered.
    fn retry(&self, how: Reconnect) {
        let (attempts, generation) = {
            let mut s = self.0.borrow_mut();
            if s.stopped {
                return;
            }
            s.socket = None;
            s.handlers.clear();
            s.attempts = match how {
                Reconnect::Backoff => s.attempts + 1,
                Reconnect::Elsewhere => 0,
            };
            s.generation += 1;
            (s.attempts, s.generation)
        };
        self.set_connection(if window().navigator().on_line() {
            Connection::Retrying
        } else {
            Connection::Offline
        });
        let delay = match how {
            Reconnect::Elsewhere => RESTART_JITTER_MS * js_sys::Math::random(),
            Reconnect::Backoff => {
                let base = (500.0 * 2f64.powi(attempts.min(5) as i32)).min(15_000.0);
                base * (0.5 + js_sys::Math::random())
            }
        };
        let session = send_wrapper::SendWrapper::new(self.clone());
        set_timeout(
            move || {
                let session = session.take();
                // A page load refreshes an expired access cookie before the socket needs it.
                leptos::task::spawn_local(async move {
                    let _ = crate::api::auth::current_user().await;
                    let current = {
                        let s = session.0.borrow();
                        !s.stopped && s.generation == generation && s.socket.is_none()
                    };
                    if current {
                        session.open();
                    }
                });
            },
            Duration::from_millis(delay as u64),
        );
    }
}

/// Close code of a draining server (RFC 6455 "service restart"): reconnect now, elsewhere.
const SERVICE_RESTART: u16 = 1012;
/// Clients of a drained instance reconnect spread over this many milliseconds.
const RESTART_JITTER_MS: f64 = 1000.0;

/// How soon a lost socket is replaced.
#[derive(Clone, Copy)]
enum Reconnect {
    /// Exponential backoff: the server or the network may be down.
    Backoff,
    /// Within a second: the instance drained and the load balancer has others.
    Elsewhere,
}

fn current_status() -> PresenceStatus {
    if document().hidden() {
        PresenceStatus::Away
    } else {
        PresenceStatus::Online
    }
}

fn socket_url() -> Option<String> {
    let location = window().location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/ws", location.host().ok()?))
}

/// Connects as the signed-in user `me`. A split chunk with the socket handling, so pages load
/// without it and fetch it once they are up; fails only when that chunk cannot be fetched.
#[wasm_split_helpers::wasm_split(parley_live_session_start, fallible)]
pub fn start(
    me: Option<Uuid>,
    connection: RwSignal<Connection>,
) -> Result<LiveSession, wasm_split_helpers::SplitLoaderError> {
    let session = LiveSession(Rc::new(RefCell::new(State {
        me,
        rooms: HashMap::new(),
        filling: Vec::new(),
        on_user_frame: None,
        connection,
        socket: None,
        handlers: Vec::new(),
        page_handlers: Vec::new(),
        attempts: 0,
        generation: 0,
        stopped: false,
    })));
    session.listen_to_page();
    session.open();
    Ok(session)
}
