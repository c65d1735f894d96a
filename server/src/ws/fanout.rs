//! Hands bus events to this instance's connections.
//!
//! One task reads the bus, decodes and encodes each event once, and passes it only to the
//! connections that follow its room or belong to its user, so the work per event grows with
//! its audience rather than with every socket on the instance. Presence changes are matched
//! to connections by the rooms their user is in, once per change and instance, instead of
//! every connection checking its own rooms. Room messages that arrive ahead of a missing seq
//! wait briefly in a [`Reorder`] so connections rarely have to fill a gap from PostgreSQL.
//! Membership is checked once per event for all of the room's followers on the instance, and
//! a follower who is no longer a member is told so instead of getting the event.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex, MutexGuard, Weak,
    },
    time::Duration,
};

use app::{
    infra::bus::{BusMessage, EventBus},
    model::{event::RoomEvent, realtime::ServerFrame},
    services::{rooms::RoomService, ServiceError},
};
use axum::extract::ws::Utf8Bytes;
use tokio::{
    sync::{broadcast::error::RecvError, mpsc},
    time::Instant,
};
use uuid::Uuid;

use super::reorder::Reorder;

/// Dispatches a connection may have waiting before it counts as lagging behind. Joining a
/// 1,000-member room brings up to a thousand presence changes at once; 1,024 cut every socket
/// of that benchmark off (docs/benchmarks.md, "Per-instance fan-out").
const CONNECTION_BUFFER: usize = 4096;
/// Presence changes waiting to be matched to connections before new ones are dropped.
const PRESENCE_BUFFER: usize = 8192;
/// How long a room's messages wait for a missing earlier seq before going out anyway.
const REORDER_WAIT: Duration = Duration::from_millis(250);

/// An event of a room, decoded, and the frame that carries it, encoded once for all followers.
#[derive(Debug, Clone)]
pub struct RoomDispatch {
    /// The event, for the connection's own checks.
    pub event: Arc<RoomEvent>,
    /// `event` as the frame to send (`event`, or `typing` for typing notices).
    pub frame: Utf8Bytes,
}

impl RoomDispatch {
    /// The seq of a new message, which the reorder puts in order.
    fn seq(&self) -> Option<i64> {
        match &*self.event {
            RoomEvent::MessageCreated { message } => Some(message.seq),
            _ => None,
        }
    }
}

/// One event for one connection.
#[derive(Debug, Clone)]
pub enum Dispatch {
    /// An event of a followed room.
    Room(RoomDispatch),
    /// A frame to send as it is: a notification for the user, or the presence of someone
    /// sharing a room with the connection.
    Frame(Utf8Bytes),
    /// The connection's user is no longer a member of this room; the fanout stopped sending
    /// its events.
    Revoked(Uuid),
}

/// Who may receive a room's events: the room service, or a stand-in in tests.
pub trait Membership: Send + Sync + 'static {
    /// Which of `users` are members of `room`.
    fn members_among(
        &self,
        room: Uuid,
        users: Vec<Uuid>,
    ) -> impl Future<Output = Result<Vec<Uuid>, ServiceError>> + Send;
}

impl Membership for RoomService {
    async fn members_among(&self, room: Uuid, users: Vec<Uuid>) -> Result<Vec<Uuid>, ServiceError> {
        RoomService::members_among(self, room, &users).await
    }
}

/// The dispatcher of one instance; cloning shares it.
#[derive(Clone)]
pub struct Fanout {
    routes: Arc<Mutex<Routes>>,
    next_id: Arc<AtomicU64>,
}

/// Why a connection's inbox ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The connection fell behind (or the instance missed bus events): it must reconnect
    /// and catch up.
    Lagged,
    /// The instance is shutting down.
    Closed,
}

/// What one connection follows; dropping it stops the connection's dispatches.
pub struct Follows {
    id: u64,
    routes: Arc<Mutex<Routes>>,
}

/// Dispatches for one connection, in order.
pub struct Inbox {
    rx: mpsc::Receiver<Dispatch>,
    lagged: Arc<AtomicBool>,
}

struct Route {
    user_id: Uuid,
    tx: mpsc::Sender<Dispatch>,
    lagged: Arc<AtomicBool>,
    rooms: HashSet<Uuid>,
}

#[derive(Default)]
struct Routes {
    conns: HashMap<u64, Route>,
    rooms: HashMap<Uuid, HashSet<u64>>,
    users: HashMap<Uuid, HashSet<u64>>,
}

impl Fanout {
    /// Starts the dispatcher on `bus`; it stops when the last clone is dropped.
    pub fn start(bus: &EventBus, rooms: RoomService) -> Self {
        let (fanout, presence) = Self::route(bus, rooms.clone());
        tokio::spawn(match_presence(
            presence,
            Arc::downgrade(&fanout.routes),
            rooms,
        ));
        fanout
    }

    /// Starts routing room and user events; presence changes come out of the receiver.
    fn route(
        bus: &EventBus,
        membership: impl Membership,
    ) -> (Self, mpsc::Receiver<(Uuid, Utf8Bytes)>) {
        let routes = Arc::new(Mutex::new(Routes::default()));
        let (presence_tx, presence_rx) = mpsc::channel(PRESENCE_BUFFER);
        tokio::spawn(dispatch(
            bus.subscribe(),
            Arc::downgrade(&routes),
            presence_tx,
            membership,
        ));
        let fanout = Self {
            routes,
            next_id: Arc::new(AtomicU64::new(0)),
        };
        (fanout, presence_rx)
    }

    /// Registers a connection of `user_id`: it receives that user's frames at once, and a
    /// room's events from the moment it follows the room.
    pub fn connect(&self, user_id: Uuid) -> (Follows, Inbox) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(CONNECTION_BUFFER);
        let lagged = Arc::new(AtomicBool::new(false));
        let mut routes = lock(&self.routes);
        routes.conns.insert(
            id,
            Route {
                user_id,
                tx,
                lagged: lagged.clone(),
                rooms: HashSet::new(),
            },
        );
        routes.users.entry(user_id).or_default().insert(id);
        drop(routes);
        let follows = Follows {
            id,
            routes: self.routes.clone(),
        };
        (follows, Inbox { rx, lagged })
    }

    /// How many connections this instance serves, for tests and metrics.
    pub fn connections(&self) -> usize {
        lock(&self.routes).conns.len()
    }
}

impl Follows {
    /// Receives the room's events from now on.
    pub fn follow(&self, room: Uuid) {
        let mut routes = lock(&self.routes);
        if let Some(route) = routes.conns.get_mut(&self.id) {
            route.rooms.insert(room);
            routes.rooms.entry(room).or_default().insert(self.id);
        }
    }

    /// Stops receiving the room's events.
    pub fn unfollow(&self, room: Uuid) {
        let mut routes = lock(&self.routes);
        if let Some(route) = routes.conns.get_mut(&self.id) {
            route.rooms.remove(&room);
        }
        routes.unlink_room(room, self.id);
    }
}

impl Drop for Follows {
    fn drop(&mut self) {
        lock(&self.routes).remove(self.id);
    }
}

impl Inbox {
    /// The next dispatch, or why there are no more.
    pub async fn recv(&mut self) -> Result<Dispatch, Ended> {
        match self.rx.recv().await {
            Some(dispatch) => Ok(dispatch),
            None if self.lagged.load(Ordering::Acquire) => Err(Ended::Lagged),
            None => Err(Ended::Closed),
        }
    }
}

/// Takes connection `id` out of `key`'s set in a room or user index, dropping emptied sets.
fn unlink(index: &mut HashMap<Uuid, HashSet<u64>>, key: Uuid, id: u64) {
    if let Some(ids) = index.get_mut(&key) {
        ids.remove(&id);
        if ids.is_empty() {
            index.remove(&key);
        }
    }
}

impl Routes {
    fn unlink_room(&mut self, room: Uuid, id: u64) {
        unlink(&mut self.rooms, room, id);
    }

    fn remove(&mut self, id: u64) {
        let Some(route) = self.conns.remove(&id) else {
            return;
        };
        for room in &route.rooms {
            self.unlink_room(*room, id);
        }
        unlink(&mut self.users, route.user_id, id);
    }

    /// The room's followers and their users.
    fn followers(&self, room: Uuid) -> Vec<(u64, Uuid)> {
        let Some(ids) = self.rooms.get(&room) else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|id| self.conns.get(id).map(|route| (*id, route.user_id)))
            .collect()
    }

    /// Stops the connection following the room and tells it why.
    fn revoke(&mut self, room: Uuid, id: u64) {
        let Some(route) = self.conns.get_mut(&id) else {
            return;
        };
        if route.rooms.remove(&room) {
            self.unlink_room(room, id);
            self.send([id], &Dispatch::Revoked(room));
        }
    }

    /// Queues `dispatch` for each of `ids`; a connection whose inbox is full is cut off as
    /// lagging (dropping its sender ends its inbox once drained).
    fn send(&mut self, ids: impl IntoIterator<Item = u64>, dispatch: &Dispatch) {
        let mut cut = Vec::new();
        for id in ids {
            let Some(route) = self.conns.get(&id) else {
                continue;
            };
            match route.tx.try_send(dispatch.clone()) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    route.lagged.store(true, Ordering::Release);
                    cut.push(id);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => cut.push(id),
            }
        }
        for id in cut {
            self.remove(id);
        }
    }

    /// Cuts every connection off as lagging: the instance missed events they may need.
    fn lag_all(&mut self) {
        for route in self.conns.values() {
            route.lagged.store(true, Ordering::Release);
        }
        self.conns.clear();
        self.rooms.clear();
        self.users.clear();
    }
}

fn lock(routes: &Mutex<Routes>) -> MutexGuard<'_, Routes> {
    // Nothing panics while holding the lock, and the maps stay consistent if it ever did.
    routes
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A decoded bus message, ready to route.
enum Routed {
    Room(RoomDispatch),
    User(Uuid, Dispatch),
    Presence(Uuid, Utf8Bytes),
}

fn decode(message: &BusMessage) -> Option<Routed> {
    let topic = message.topic.as_str();
    if let Some(user) = topic.strip_prefix("presence.") {
        let user_id = user.parse().ok()?;
        let frame = std::str::from_utf8(&message.payload).ok()?;
        return Some(Routed::Presence(user_id, frame.into()));
    }
    if let Some(user) = topic.strip_prefix("user.") {
        let user_id = user.parse().ok()?;
        let frame = std::str::from_utf8(&message.payload).ok()?;
        return Some(Routed::User(user_id, Dispatch::Frame(frame.into())));
    }
    topic.strip_prefix("room.")?;
    let event: RoomEvent = match serde_json::from_slice(&message.payload) {
        Ok(event) => event,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable room event on the bus");
            return None;
        }
    };
    let frame = match &event {
        RoomEvent::Typing { room_id, user_id } => ServerFrame::Typing {
            room_id: *room_id,
            user_id: *user_id,
        },
        other => ServerFrame::Event {
            event: other.clone(),
        },
    };
    let frame = match serde_json::to_string(&frame) {
        Ok(text) => Utf8Bytes::from(text),
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a room event");
            return None;
        }
    };
    Some(Routed::Room(RoomDispatch {
        event: Arc::new(event),
        frame,
    }))
}

/// Reads the bus and routes every event until the fanout is dropped.
async fn dispatch(
    mut bus: tokio::sync::broadcast::Receiver<BusMessage>,
    routes: Weak<Mutex<Routes>>,
    presence: mpsc::Sender<(Uuid, Utf8Bytes)>,
    membership: impl Membership,
) {
    let mut reorder: Reorder<RoomDispatch> = Reorder::new(REORDER_WAIT);
    loop {
        let deadline = reorder.next_deadline();
        let received = tokio::select! {
            received = bus.recv() => received,
            _ = sleep_until(deadline), if deadline.is_some() => {
                let due = reorder.release_due(Instant::now());
                let Some(routes) = routes.upgrade() else { return };
                deliver_rooms(&routes, &membership, due).await;
                continue;
            }
        };
        let Some(routes) = routes.upgrade() else {
            return;
        };
        match received {
            Ok(message) => match decode(&message) {
                Some(Routed::Room(room)) => {
                    let room_id = room.event.room_id();
                    if !lock(&routes).rooms.contains_key(&room_id) {
                        // Nobody here follows the room (any more): nothing to order.
                        reorder.forget(room_id);
                        continue;
                    }
                    let ready = reorder.push(room_id, room.seq(), room, Instant::now());
                    deliver_rooms(&routes, &membership, ready).await;
                }
                Some(Routed::User(user_id, dispatch)) => {
                    let mut routes = lock(&routes);
                    let ids: Vec<u64> = routes
                        .users
                        .get(&user_id)
                        .map(|ids| ids.iter().copied().collect())
                        .unwrap_or_default();
                    routes.send(ids, &dispatch);
                }
                Some(Routed::Presence(user_id, frame)) => {
                    if let Err(mpsc::error::TrySendError::Full(_)) =
                        presence.try_send((user_id, frame))
                    {
                        tracing::warn!(%user_id, "presence change dropped: too many waiting");
                    }
                }
                None => {}
            },
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "this instance fell behind the bus; connections reconnect"
                );
                let held = reorder.release_everything();
                deliver_rooms(&routes, &membership, held).await;
                lock(&routes).lag_all();
            }
            Err(RecvError::Closed) => return,
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    if let Some(deadline) = deadline {
        tokio::time::sleep_until(deadline).await;
    }
}

/// Sends released room events to the room's followers at the time of release that are still
/// members; the others stop following the room. Membership is checked on every event, so a
/// removal takes effect at once.
async fn deliver_rooms(
    routes: &Mutex<Routes>,
    membership: &impl Membership,
    ready: Vec<RoomDispatch>,
) {
    for room in ready {
        let room_id = room.event.room_id();
        let followers = lock(routes).followers(room_id);
        if followers.is_empty() {
            continue;
        }
        let mut users: Vec<Uuid> = followers.iter().map(|(_, user)| *user).collect();
        users.sort_unstable();
        users.dedup();
        let members: HashSet<Uuid> = match membership.members_among(room_id, users).await {
            Ok(members) => members.into_iter().collect(),
            Err(e) => {
                // Connections fill the gap from PostgreSQL (checked there) with the next message.
                tracing::warn!(error = %e, %room_id, "membership check failed; event withheld");
                continue;
            }
        };
        let (allowed, revoked): (Vec<_>, Vec<_>) = followers
            .into_iter()
            .partition(|(_, user)| members.contains(user));
        let mut routes = lock(routes);
        routes.send(allowed.into_iter().map(|(id, _)| id), &Dispatch::Room(room));
        for (id, _) in revoked {
            routes.revoke(room_id, id);
        }
    }
}

/// Sends each presence change to the connections following a room the user is in, except
/// the user's own.
async fn match_presence(
    mut changes: mpsc::Receiver<(Uuid, Utf8Bytes)>,
    routes: Weak<Mutex<Routes>>,
    rooms: RoomService,
) {
    while let Some((user_id, frame)) = changes.recv().await {
        let their_rooms = match rooms.room_ids_of(user_id).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, %user_id, "cannot look up rooms for a presence change");
                continue;
            }
        };
        let Some(routes) = routes.upgrade() else {
            return;
        };
        let mut routes = lock(&routes);
        let mut ids = HashSet::new();
        for room in &their_rooms {
            if let Some(followers) = routes.rooms.get(room) {
                ids.extend(followers.iter().copied());
            }
        }
        ids.retain(|id| routes.conns.get(id).is_some_and(|r| r.user_id != user_id));
        routes.send(ids, &Dispatch::Frame(frame));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everyone is a member of every room, except users listed as removed.
    #[derive(Clone, Default)]
    struct Members {
        removed: Arc<Mutex<HashSet<Uuid>>>,
    }

    impl Membership for Members {
        fn members_among(
            &self,
            _room: Uuid,
            users: Vec<Uuid>,
        ) -> impl Future<Output = Result<Vec<Uuid>, ServiceError>> + Send {
            let removed = self
                .removed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            async move { Ok(users.into_iter().filter(|u| !removed.contains(u)).collect()) }
        }
    }

    fn typing(room_id: Uuid, user_id: Uuid) -> Vec<u8> {
        serde_json::to_vec(&RoomEvent::Typing { room_id, user_id }).unwrap_or_default()
    }

    async fn next(inbox: &mut Inbox) -> Result<Dispatch, Ended> {
        tokio::time::timeout(Duration::from_secs(5), inbox.recv())
            .await
            .unwrap_or(Err(Ended::Closed))
    }

    async fn nothing_waiting(inbox: &mut Inbox) -> bool {
        tokio::time::timeout(Duration::from_millis(100), inbox.recv())
            .await
            .is_err()
    }

    #[tokio::test]
    async fn room_events_reach_only_followers_encoded_once() {
        let bus = EventBus::in_process();
        let (fanout, _presence) = Fanout::route(&bus, Members::default());
        let (room, other_room, typist) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (a_follows, mut a) = fanout.connect(Uuid::new_v4());
        let (b_follows, mut b) = fanout.connect(Uuid::new_v4());
        let (c_follows, mut c) = fanout.connect(Uuid::new_v4());
        a_follows.follow(room);
        b_follows.follow(room);
        c_follows.follow(other_room);

        let topic = format!("room.{room}");
        bus.publish(&topic, &typing(room, typist)).await.ok();

        let (
            Ok(Dispatch::Room(RoomDispatch { frame: fa, .. })),
            Ok(Dispatch::Room(RoomDispatch { frame: fb, .. })),
        ) = (next(&mut a).await, next(&mut b).await)
        else {
            panic!("both followers get the room event");
        };
        assert_eq!(fa.as_str(), fb.as_str());
        assert!(fa.as_str().contains("\"typing\""), "{}", fa.as_str());
        assert!(
            nothing_waiting(&mut c).await,
            "a follower of another room gets nothing"
        );

        b_follows.unfollow(room);
        bus.publish(&topic, &typing(room, typist)).await.ok();
        assert!(matches!(next(&mut a).await, Ok(Dispatch::Room(_))));
        assert!(
            nothing_waiting(&mut b).await,
            "unfollowing stops the room's events"
        );
    }

    #[tokio::test]
    async fn a_follower_who_is_no_longer_a_member_is_revoked_instead() {
        let bus = EventBus::in_process();
        let members = Members::default();
        let (fanout, _presence) = Fanout::route(&bus, members.clone());
        let (room, kicked, stays) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (kicked_follows, mut kicked_inbox) = fanout.connect(kicked);
        let (stays_follows, mut stays_inbox) = fanout.connect(stays);
        kicked_follows.follow(room);
        stays_follows.follow(room);

        members
            .removed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(kicked);
        let topic = format!("room.{room}");
        bus.publish(&topic, &typing(room, stays)).await.ok();
        bus.publish(&topic, &typing(room, stays)).await.ok();

        assert!(matches!(
            next(&mut stays_inbox).await,
            Ok(Dispatch::Room(_))
        ));
        assert!(matches!(
            next(&mut stays_inbox).await,
            Ok(Dispatch::Room(_))
        ));
        match next(&mut kicked_inbox).await {
            Ok(Dispatch::Revoked(r)) => assert_eq!(r, room),
            other => panic!("expected the revocation, got {other:?}"),
        }
        assert!(
            nothing_waiting(&mut kicked_inbox).await,
            "no event of the room after the revocation"
        );
        assert!(!lock(&fanout.routes).rooms[&room].contains(&0));
    }

    #[tokio::test]
    async fn user_frames_reach_every_connection_of_that_user() {
        let bus = EventBus::in_process();
        let (fanout, _presence) = Fanout::route(&bus, Members::default());
        let (me, someone) = (Uuid::new_v4(), Uuid::new_v4());
        let (_t1, mut tab1) = fanout.connect(me);
        let (_t2, mut tab2) = fanout.connect(me);
        let (_o, mut other) = fanout.connect(someone);

        bus.publish(&format!("user.{me}"), br#"{"type":"pong"}"#)
            .await
            .ok();
        for tab in [&mut tab1, &mut tab2] {
            match next(tab).await {
                Ok(Dispatch::Frame(frame)) => assert_eq!(frame.as_str(), r#"{"type":"pong"}"#),
                other => panic!("expected the user's frame, got {other:?}"),
            }
        }
        assert!(nothing_waiting(&mut other).await);
    }

    #[tokio::test]
    async fn a_full_inbox_ends_as_lagged_without_holding_up_others() {
        let bus = EventBus::in_process();
        let (fanout, _presence) = Fanout::route(&bus, Members::default());
        let room = Uuid::new_v4();
        let (slow_follows, mut slow) = fanout.connect(Uuid::new_v4());
        let (fast_follows, mut fast) = fanout.connect(Uuid::new_v4());
        slow_follows.follow(room);
        fast_follows.follow(room);

        let topic = format!("room.{room}");
        let sent = CONNECTION_BUFFER + 10;
        for _ in 0..sent {
            bus.publish(&topic, &typing(room, Uuid::new_v4()))
                .await
                .ok();
            // The fast client keeps up; the slow one reads nothing.
            assert!(matches!(next(&mut fast).await, Ok(Dispatch::Room(_))));
        }

        let mut drained = 0;
        let ended = loop {
            match next(&mut slow).await {
                Ok(_) => drained += 1,
                Err(ended) => break ended,
            }
        };
        assert_eq!(drained, CONNECTION_BUFFER, "it keeps what fitted");
        assert_eq!(ended, Ended::Lagged);
        assert_eq!(
            fanout.connections(),
            1,
            "the slow connection is unregistered"
        );
    }

    #[tokio::test]
    async fn dropping_follows_unregisters_the_connection() {
        let bus = EventBus::in_process();
        let (fanout, _presence) = Fanout::route(&bus, Members::default());
        let (follows, _inbox) = fanout.connect(Uuid::new_v4());
        follows.follow(Uuid::new_v4());
        assert_eq!(fanout.connections(), 1);
        drop(follows);
        assert_eq!(fanout.connections(), 0);
        assert!(lock(&fanout.routes).rooms.is_empty());
        assert!(lock(&fanout.routes).users.is_empty());
    }

    #[tokio::test]
    async fn presence_changes_go_to_the_matcher() {
        let bus = EventBus::in_process();
        let (_fanout, mut presence) = Fanout::route(&bus, Members::default());
        let user = Uuid::new_v4();
        bus.publish(&format!("presence.{user}"), br#"{"type":"presence"}"#)
            .await
            .ok();
        let change = tokio::time::timeout(Duration::from_secs(5), presence.recv()).await;
        match change {
            Ok(Some((who, frame))) => {
                assert_eq!(who, user);
                assert_eq!(frame.as_str(), r#"{"type":"presence"}"#);
            }
            other => panic!("expected the presence change, got {other:?}"),
        }
    }
}
