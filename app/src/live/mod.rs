//! The browser side of realtime: one WebSocket per tab ([`Live`]) that room views join, each
//! room's timeline kept in a signal fed by history, by the user's own sends and by that
//! socket, which reconnects and catches up by seq on its own.

pub mod offline;
pub mod timeline;

#[cfg(feature = "hydrate")]
mod device;
#[cfg(feature = "hydrate")]
pub mod session;

use std::collections::HashMap;

use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "hydrate")]
use crate::model::realtime::ServerFrame;
use crate::model::{event::MemberChange, message::Message, realtime::PresenceStatus};
use timeline::Timeline;

/// The state of a room view's live connection, as the user should understand it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Opening the socket or replaying what was missed.
    Connecting,
    /// Caught up; events arrive as they happen.
    Live,
    /// Lost; another attempt is scheduled.
    Retrying,
    /// The browser reports no network; retrying once it is back.
    Offline,
    /// The user no longer belongs to the room.
    Removed,
}

/// Someone typing, and when their notice expires (ms since the epoch).
pub type Typing = Vec<(Uuid, f64)>;

/// How long a typing notice shows after the last one arrived: the server relays one at most
/// every 2 s while someone types, so this spans one missed notice and no more.
pub const TYPING_SHOWN_MS: f64 = 4500.0;

/// Every signal a live room view feeds.
#[derive(Clone, Copy)]
pub struct RoomSignals {
    /// Messages and pending sends.
    pub timeline: RwSignal<Timeline>,
    /// Who is typing.
    pub typing: RwSignal<Typing>,
    /// The connection's state.
    pub connection: RwSignal<Connection>,
    /// People sharing the room and their status.
    pub presence: RwSignal<HashMap<Uuid, PresenceStatus>>,
    /// Bumped whenever someone joins, leaves or changes role.
    pub members: RwSignal<u32>,
    /// The last change to the viewer's own membership.
    pub my_membership: RwSignal<Option<MemberChange>>,
}

/// The room-wide signals a room page shares between its conversation and its side panels.
#[derive(Clone, Copy)]
pub struct RoomState {
    /// People sharing the room and their status.
    pub presence: RwSignal<HashMap<Uuid, PresenceStatus>>,
    /// Bumped whenever someone joins, leaves or changes role.
    pub members: RwSignal<u32>,
    /// The last change to the viewer's own membership.
    pub my_membership: RwSignal<Option<MemberChange>>,
    /// Display names of the room's members, once the member list has loaded.
    pub names: RwSignal<HashMap<Uuid, String>>,
}

impl RoomState {
    /// Fresh state for a room page.
    pub fn new() -> Self {
        Self {
            presence: RwSignal::new(HashMap::new()),
            members: RwSignal::new(0),
            my_membership: RwSignal::new(None),
            names: RwSignal::new(HashMap::new()),
        }
    }
}

impl Default for RoomState {
    fn default() -> Self {
        Self::new()
    }
}

/// The tab's live connection, provided to the whole app. In server rendering it only holds
/// the (never changing) connection state: sockets exist in the browser alone.
#[derive(Clone, Copy)]
pub struct Live {
    /// State of the tab's socket.
    pub connection: RwSignal<Connection>,
    #[cfg(feature = "hydrate")]
    inner: StoredValue<Sessions, LocalStorage>,
}

/// The session and what was asked of it while its code was still loading.
#[cfg(feature = "hydrate")]
#[derive(Default)]
struct Sessions {
    session: Option<session::LiveSession>,
    /// A session is being started (its chunk is loading).
    starting: bool,
    /// The user `connect_as` last asked for while starting, applied once it has.
    wanted: Option<Option<Uuid>>,
    /// Rooms joined while starting.
    joining: Vec<(Uuid, RoomSignals)>,
    user_frames: Option<session::UserFrames>,
}

impl Live {
    /// Creates and provides the context.
    pub fn provide() -> Self {
        let live = Live {
            connection: RwSignal::new(Connection::Connecting),
            #[cfg(feature = "hydrate")]
            inner: StoredValue::new_local(Sessions::default()),
        };
        provide_context(live);
        live
    }

    /// The context value.
    pub fn get() -> Self {
        expect_context::<Live>()
    }

    /// Connects as `me`, or disconnects when signed out; reconnects for another account.
    pub fn connect_as(&self, me: Option<Uuid>) {
        #[cfg(feature = "hydrate")]
        {
            if self.inner.with_value(|i| i.starting) {
                self.inner.update_value(|i| i.wanted = Some(me));
                return;
            }
            let current = self.with_session(|s| s.me());
            match (current, me) {
                (None, Some(_)) => self.start(me),
                (Some(_), None) => self.stop_session(),
                (Some(None), Some(user)) => {
                    self.with_session(|s| s.set_me(user));
                }
                (Some(Some(old)), Some(new)) if old != new => {
                    self.stop_session();
                    self.start(me);
                }
                _ => {}
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = me;
    }

    /// Starts following a room into `signals` (connecting first if needed).
    pub fn join(&self, room: Uuid, signals: RoomSignals) {
        #[cfg(feature = "hydrate")]
        {
            if self.with_session(|s| s.join(room, signals)).is_none() {
                let idle = self.inner.with_value(|i| !i.starting);
                self.inner.update_value(|i| i.joining.push((room, signals)));
                if idle {
                    self.start(None);
                }
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (room, signals);
    }

    /// Shows a message the server confirmed over HTTP (a send or an edit); if messages before
    /// it have not arrived yet, fetches them rather than leaving it out of sight.
    pub fn confirmed(&self, timeline: RwSignal<Timeline>, message: Message) {
        let room = message.room_id;
        let inserted = timeline.try_update(|t| t.insert(message));
        #[cfg(feature = "hydrate")]
        if let Some(timeline::Insert::Gap { after }) = inserted {
            self.with_session(|s| s.fill(room, after));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (room, inserted);
    }

    /// Sends a room's unconfirmed messages again over the socket, if it is open.
    pub fn resend(&self, room: Uuid) {
        #[cfg(feature = "hydrate")]
        self.with_session(|s| s.resend(room));
        #[cfg(not(feature = "hydrate"))]
        let _ = room;
    }

    /// Stops following a room.
    pub fn leave(&self, room: Uuid) {
        #[cfg(feature = "hydrate")]
        {
            self.with_session(|s| s.leave(room));
            self.inner
                .update_value(|i| i.joining.retain(|(r, _)| *r != room));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = room;
    }

    /// Tells a room the user is typing.
    pub fn typing(&self, room: Uuid) {
        #[cfg(feature = "hydrate")]
        self.with_session(|s| s.typing(room));
        #[cfg(not(feature = "hydrate"))]
        let _ = room;
    }

    /// Reconnects now instead of waiting for the scheduled attempt.
    pub fn retry_now(&self) {
        #[cfg(feature = "hydrate")]
        self.with_session(session::LiveSession::retry_now);
    }

    /// Hands the frames that concern the user rather than a room (notifications) to
    /// `listener`, from this session and every later one.
    #[cfg(feature = "hydrate")]
    pub fn on_user_frame(&self, listener: impl Fn(ServerFrame) + 'static) {
        let listener: session::UserFrames = std::rc::Rc::new(listener);
        self.with_session(|s| s.on_user_frame(listener.clone()));
        self.inner.update_value(|i| i.user_frames = Some(listener));
    }

    /// Closes the session, if there is one.
    #[cfg(feature = "hydrate")]
    fn stop_session(&self) {
        if let Some(old) = self.inner.try_update_value(|i| i.session.take()).flatten() {
            old.stop();
        }
    }

    /// Runs `f` on the session, if there is one.
    #[cfg(feature = "hydrate")]
    fn with_session<T>(&self, f: impl FnOnce(&session::LiveSession) -> T) -> Option<T> {
        self.inner.with_value(|i| i.session.as_ref().map(f))
    }

    /// Tries again to start a session whose chunk did not arrive, for the user asked for
    /// since, if it is still wanted.
    #[cfg(feature = "hydrate")]
    fn restart(&self, me: Option<Uuid>) {
        let Some((idle, me, rooms)) = self.inner.try_update_value(|i| {
            let idle = i.session.is_none() && !i.starting;
            (idle, i.wanted.take().unwrap_or(me), !i.joining.is_empty())
        }) else {
            return;
        };
        if idle && (me.is_some() || rooms) {
            self.start(me);
        }
    }

    /// Starts a session once its code has loaded (it is a split chunk: see
    /// [`session::start`]), then applies what was asked of it meanwhile.
    #[cfg(feature = "hydrate")]
    fn start(&self, me: Option<Uuid>) {
        self.inner.update_value(|i| i.starting = true);
        let live = *self;
        leptos::task::spawn_local(async move {
            let Ok(session) = session::start(me, live.connection).await else {
                // Offline before the service worker had cached the chunk: the page works on
                // without live updates and tries again shortly.
                live.inner.update_value(|i| i.starting = false);
                live.connection.set(Connection::Retrying);
                set_timeout(move || live.restart(me), std::time::Duration::from_secs(5));
                return;
            };
            let Some((listener, joining, wanted)) = live.inner.try_update_value(|i| {
                i.starting = false;
                (
                    i.user_frames.clone(),
                    std::mem::take(&mut i.joining),
                    i.wanted.take(),
                )
            }) else {
                // The app was torn down while the chunk loaded.
                return session.stop();
            };
            if let Some(listener) = listener {
                session.on_user_frame(listener);
            }
            for (room, signals) in joining {
                session.join(room, signals);
            }
            live.inner.update_value(|i| i.session = Some(session));
            if let Some(me) = wanted {
                live.connect_as(me);
            }
        });
    }
}
