//! One WebSocket for a room view: subscribes from the timeline's last seq, applies events,
//! and after any disconnect reconnects with exponential backoff and jitter, catching up by seq.

use std::{cell::RefCell, rc::Rc, time::Duration};

use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::timeline::Timeline;
use crate::model::realtime::{ClientFrame, RoomCursor, ServerFrame};

/// Someone typing, and when their notice expires (ms since the epoch).
pub type Typing = Vec<(Uuid, f64)>;

struct State {
    room: Uuid,
    timeline: RwSignal<Timeline>,
    typing: RwSignal<Typing>,
    connected: RwSignal<bool>,
    socket: Option<WebSocket>,
    handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    attempts: u32,
    stopped: bool,
}

/// A live connection for one room; stops when dropped from its owner's cleanup.
#[derive(Clone)]
pub struct LiveRoom(Rc<RefCell<State>>);

impl LiveRoom {
    /// Connects and keeps `timeline` current.
    pub fn start(
        room: Uuid,
        timeline: RwSignal<Timeline>,
        typing: RwSignal<Typing>,
        connected: RwSignal<bool>,
    ) -> Self {
        let live = LiveRoom(Rc::new(RefCell::new(State {
            room,
            timeline,
            typing,
            connected,
            socket: None,
            handlers: Vec::new(),
            attempts: 0,
            stopped: false,
        })));
        live.open();
        live
    }

    /// Closes for good.
    pub fn stop(&self) {
        let mut state = self.0.borrow_mut();
        state.stopped = true;
        if let Some(socket) = state.socket.take() {
            let _ = socket.close();
        }
        state.handlers.clear();
    }

    /// Tells the room the user is typing (the server throttles it).
    pub fn typing(&self) {
        let room_id = self.0.borrow().room;
        self.send(&ClientFrame::Typing { room_id });
    }

    fn send(&self, frame: &ClientFrame) {
        let state = self.0.borrow();
        if let (Some(socket), Ok(text)) = (&state.socket, serde_json::to_string(frame)) {
            if socket.ready_state() == WebSocket::OPEN {
                let _ = socket.send_with_str(&text);
            }
        }
    }

    fn open(&self) {
        let url = match socket_url() {
            Some(url) => url,
            None => return,
        };
        let Ok(socket) = WebSocket::new(&url) else {
            return self.retry();
        };
        let on_open = {
            let live = self.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                let (room_id, last_seq, connected) = {
                    let mut s = live.0.borrow_mut();
                    s.attempts = 0;
                    (
                        s.room,
                        s.timeline.with_untracked(Timeline::last_seq),
                        s.connected,
                    )
                };
                connected.set(true);
                live.send(&ClientFrame::Subscribe {
                    rooms: vec![RoomCursor { room_id, last_seq }],
                });
            })
        };
        let on_message = {
            let live = self.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let Some(text) = event
                    .dyn_ref::<MessageEvent>()
                    .and_then(|m| m.data().as_string())
                else {
                    return;
                };
                if let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) {
                    live.receive(frame);
                }
            })
        };
        let on_close = {
            let live = self.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let _code = event.dyn_ref::<CloseEvent>().map(CloseEvent::code);
                let connected = live.0.borrow().connected;
                connected.set(false);
                live.retry();
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut state = self.0.borrow_mut();
        state.handlers = vec![on_open, on_message, on_close];
        state.socket = Some(socket);
    }

    fn receive(&self, frame: ServerFrame) {
        let (timeline, typing) = {
            let s = self.0.borrow();
            (s.timeline, s.typing)
        };
        match frame {
            ServerFrame::Event { event } => timeline.update(|t| t.apply(event)),
            ServerFrame::Ack { message, .. } => timeline.update(|t| t.insert(message)),
            ServerFrame::Typing { user_id, .. } => {
                let until = js_sys::Date::now() + 5000.0;
                typing.update(|list| {
                    list.retain(|(u, _)| *u != user_id);
                    list.push((user_id, until));
                });
            }
            // Live only once the replay is done and events flow.
            ServerFrame::Subscribed { .. } => self.0.borrow().connected.set(true),
            ServerFrame::Unsubscribed { .. } => {
                self.0.borrow().connected.set(false);
                self.stop();
            }
            _ => {}
        }
    }

    /// Schedules a reconnect: 0.5 s doubling up to 15 s, with ±50 % jitter so a restarted
    /// server is not hit by every client at the same instant.
    fn retry(&self) {
        let attempts = {
            let mut s = self.0.borrow_mut();
            if s.stopped {
                return;
            }
            s.socket = None;
            s.attempts += 1;
            s.attempts
        };
        let base = (500.0 * 2f64.powi(attempts.min(5) as i32)).min(15_000.0);
        let delay = base * (0.5 + js_sys::Math::random());
        let live = self.clone();
        let live = send_wrapper::SendWrapper::new(live);
        set_timeout(
            move || {
                let live = live.take();
                // A page load refreshes an expired access cookie before the socket needs it.
                leptos::task::spawn_local(async move {
                    let _ = crate::api::auth::current_user().await;
                    if !live.0.borrow().stopped {
                        live.open();
                    }
                });
            },
            Duration::from_millis(delay as u64),
        );
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
