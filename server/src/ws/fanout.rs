//! Hands bus events to this instance's connections.
//!
//! One task reads the bus, decodes and encodes each event once, and passes it only to the
//! connections that follow its room or belong to its user, so the work per event grows with
//! its audience rather than with every socket on the instance. The instance joins a room's
//! bus topics when its first connection here follows the room and leaves them when the last
//! one stops, so it receives from Redis only what its connections need (a reconciler task
//! leaves topics, re-checking under the bus's subscription lock that nobody followed again).
//! Presence changes come on per-room topics too. Room messages that arrive ahead of a missing
//! seq wait briefly in a [`Reorder`] so connections rarely have to fill a gap from
//! PostgreSQL. Membership is checked once per event for all of the room's followers on the
//! instance, and a follower who is no longer a member is told so instead of getting the event.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    sync::{
        atomic::{AtomicU64, AtomicU8, Ordering},
        Arc, Mutex, MutexGuard, Weak,
    },
    time::Duration,
};

use app::{
    infra::{
        bus::{BusMessage, EventBus},
        metrics,
    },
    model::{
        event::RoomEvent,
        realtime::{presence_topic, user_topic, ServerFrame},
    },
    services::{rooms::RoomService, ServiceError},
};
use axum::extract::ws::Utf8Bytes;
use serde::Deserialize;
use tokio::{
    sync::{broadcast::error::RecvError, mpsc, watch},
    time::Instant,
};
use uuid::Uuid;

use super::reorder::Reorder;

/// Dispatches a connection may have waiting before it counts as lagging behind. Joining a
/// 1,000-member room brings up to a thousand presence changes at once; 1,024 cut every socket
/// of that benchmark off (docs/benchmarks.md, "Per-instance fan-out").
const CONNECTION_BUFFER: usize = 4096;
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

/// The bus topics an instance joins for a room it follows: its events and its members'
/// presence.
pub fn room_topics(room: Uuid) -> [String; 2] {
    [RoomEvent::topic(room), presence_topic(room)]
}

/// The dispatcher of one instance; cloning shares it.
#[derive(Clone)]
pub struct Fanout {
    routes: Arc<Mutex<Routes>>,
    bus: EventBus,
    next_id: Arc<AtomicU64>,
}

/// Why a connection's inbox ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The connection fell behind (or the instance missed bus events): it must reconnect
    /// and catch up.
    Lagged,
    /// The instance is draining: reconnect (to another instance) now.
    Restart,
    /// The dispatcher is gone.
    Closed,
}

const ENDED_CLOSED: u8 = 0;
const ENDED_LAGGED: u8 = 1;
const ENDED_RESTART: u8 = 2;

/// What one connection follows; dropping it stops the connection's dispatches.
pub struct Follows {
    id: u64,
    routes: Arc<Mutex<Routes>>,
    bus: EventBus,
}

/// Dispatches for one connection, in order.
pub struct Inbox {
    rx: mpsc::Receiver<Dispatch>,
    ended: Arc<AtomicU8>,
}

struct Route {
    user_id: Uuid,
    tx: mpsc::Sender<Dispatch>,
    ended: Arc<AtomicU8>,
    rooms: HashSet<Uuid>,
}

/// A room or user whose last follower here went away: its topics may be left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interest {
    Room(Uuid),
    User(Uuid),
}

struct Routes {
    conns: HashMap<u64, Route>,
    rooms: HashMap<Uuid, HashSet<u64>>,
    users: HashMap<Uuid, HashSet<u64>>,
    /// To the reconciler that leaves the topics of rooms and users nobody here follows.
    emptied: mpsc::UnboundedSender<Interest>,
    /// Set when the instance drains: new connections end at once.
    restarting: bool,
}

impl Fanout {
    /// Starts the dispatcher on `bus`; it stops when the last clone is dropped.
    pub fn start(bus: &EventBus, rooms: RoomService) -> Self {
        Self::route(bus, rooms)
    }

    /// Starts routing room, presence and user events, and leaving unfollowed topics.
    fn route(bus: &EventBus, membership: impl Membership) -> Self {
        let (emptied, emptied_rx) = mpsc::unbounded_channel();
        let routes = Arc::new(Mutex::new(Routes {
            conns: HashMap::new(),
            rooms: HashMap::new(),
            users: HashMap::new(),
            emptied,
            restarting: false,
        }));
        tokio::spawn(dispatch(
            bus.subscribe(),
            bus.resyncs(),
            Arc::downgrade(&routes),
            membership,
        ));
        tokio::spawn(leave_unfollowed(
            emptied_rx,
            bus.clone(),
            Arc::downgrade(&routes),
        ));
        Self {
            routes,
            bus: bus.clone(),
            next_id: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Registers a connection of `user_id`: it receives that user's frames from the moment
    /// this returns, and a room's events from the moment it follows the room.
    pub async fn connect(&self, user_id: Uuid) -> (Follows, Inbox) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(CONNECTION_BUFFER);
        let ended = Arc::new(AtomicU8::new(ENDED_CLOSED));
        {
            let mut routes = lock(&self.routes);
            if routes.restarting {
                // The sender drops here, so the inbox ends at once.
                ended.store(ENDED_RESTART, Ordering::Release);
            } else {
                routes.conns.insert(
                    id,
                    Route {
                        user_id,
                        tx,
                        ended: ended.clone(),
                        rooms: HashSet::new(),
                    },
                );
                routes.users.entry(user_id).or_default().insert(id);
            }
        }
        join(&self.bus, &[user_topic(user_id)]).await;
        let follows = Follows {
            id,
            routes: self.routes.clone(),
            bus: self.bus.clone(),
        };
        (follows, Inbox { rx, ended })
    }

    /// How many connections this instance serves, for tests and metrics.
    pub fn connections(&self) -> usize {
        lock(&self.routes).conns.len()
    }

    /// Ends every connection's inbox with [`Ended::Restart`], and every later one at once:
    /// the instance is going away and clients should reconnect to another.
    pub fn restart_all(&self) {
        let mut routes = lock(&self.routes);
        routes.restarting = true;
        routes.end_all(ENDED_RESTART);
    }
}

/// Joins `topics`, logging a failure: the topics stay wanted and are subscribed when Redis is
/// back, and the resync that follows makes connections catch up on what they missed.
async fn join(bus: &EventBus, topics: &[String]) {
    if let Err(e) = bus.join(topics).await {
        tracing::warn!(error = %e, "cannot subscribe to the bus; clients catch up once it is back");
    }
}

impl Follows {
    /// Receives the room's events from the moment this returns.
    pub async fn follow(&self, room: Uuid) {
        {
            let mut routes = lock(&self.routes);
            let Some(route) = routes.conns.get_mut(&self.id) else {
                return;
            };
            route.rooms.insert(room);
            routes.rooms.entry(room).or_default().insert(self.id);
        }
        // Registered before joining, so the reconciler cannot leave the topics under us.
        join(&self.bus, &room_topics(room)).await;
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
            None => Err(match self.ended.load(Ordering::Acquire) {
                ENDED_LAGGED => Ended::Lagged,
                ENDED_RESTART => Ended::Restart,
                _ => Ended::Closed,
            }),
        }
    }
}

/// Takes connection `id` out of `key`'s set in a room or user index, dropping emptied sets;
/// true if the set is gone.
fn unlink(index: &mut HashMap<Uuid, HashSet<u64>>, key: Uuid, id: u64) -> bool {
    if let Some(ids) = index.get_mut(&key) {
        ids.remove(&id);
        if ids.is_empty() {
            index.remove(&key);
            return true;
        }
    }
    false
}

impl Routes {
    fn unlink_room(&mut self, room: Uuid, id: u64) {
        if unlink(&mut self.rooms, room, id) {
            let _ = self.emptied.send(Interest::Room(room));
        }
    }

    fn remove(&mut self, id: u64) {
        let Some(route) = self.conns.remove(&id) else {
            return;
        };
        for room in &route.rooms {
            self.unlink_room(*room, id);
        }
        if unlink(&mut self.users, route.user_id, id) {
            let _ = self.emptied.send(Interest::User(route.user_id));
        }
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
        let mut delivered = 0;
        for id in ids {
            let Some(route) = self.conns.get(&id) else {
                continue;
            };
            match route.tx.try_send(dispatch.clone()) {
                Ok(()) => delivered += 1,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    route.ended.store(ENDED_LAGGED, Ordering::Release);
                    cut.push(id);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => cut.push(id),
            }
        }
        metrics::fanout_delivered(delivered);
        for id in cut {
            self.remove(id);
        }
    }

    /// Ends every connection's inbox with `why` and forgets them.
    fn end_all(&mut self, why: u8) {
        for route in self.conns.values() {
            route.ended.store(why, Ordering::Release);
        }
        self.conns.clear();
        for room in std::mem::take(&mut self.rooms).into_keys() {
            let _ = self.emptied.send(Interest::Room(room));
        }
        for user in std::mem::take(&mut self.users).into_keys() {
            let _ = self.emptied.send(Interest::User(user));
        }
    }
}

fn lock(routes: &Mutex<Routes>) -> MutexGuard<'_, Routes> {
    // Nothing panics while holding the lock, and the maps stay consistent if it ever did.
    routes
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Leaves the topics of rooms and users that lost their last follower here. The check that
/// nobody follows again happens under the bus's subscription lock, which a follow must also
/// take (after registering) before it replays: a follow either is seen here and the topics
/// stay, or joins again after they were left.
async fn leave_unfollowed(
    mut emptied: mpsc::UnboundedReceiver<Interest>,
    bus: EventBus,
    routes: Weak<Mutex<Routes>>,
) {
    let mut batch = Vec::new();
    while emptied.recv_many(&mut batch, 1024).await > 0 {
        let Some(routes) = routes.upgrade() else {
            return;
        };
        let mut interest = bus.interest().await;
        let topics: Vec<String> = {
            let routes = lock(&routes);
            batch
                .drain(..)
                .filter(|key| match key {
                    Interest::Room(room) => !routes.rooms.contains_key(room),
                    Interest::User(user) => !routes.users.contains_key(user),
                })
                .flat_map(|key| match key {
                    Interest::Room(room) => room_topics(room).to_vec(),
                    Interest::User(user) => vec![user_topic(user)],
                })
                .collect()
        };
        interest.leave(&topics).await;
    }
}

/// A decoded bus message, ready to route.
enum Routed {
    Room(RoomDispatch),
    User(Uuid, Dispatch),
    Presence {
        room: Uuid,
        user: Uuid,
        frame: Utf8Bytes,
    },
}

/// The part of a presence frame the fanout needs: whose it is.
#[derive(Deserialize)]
struct PresenceOf {
    user_id: Uuid,
}

fn decode(message: &BusMessage) -> Option<Routed> {
    let topic = message.topic.as_str();
    if let Some(room) = topic.strip_prefix("presence.") {
        let room = room.parse().ok()?;
        let frame = std::str::from_utf8(&message.payload).ok()?;
        let user = serde_json::from_str::<PresenceOf>(frame).ok()?.user_id;
        return Some(Routed::Presence {
            room,
            user,
            frame: frame.into(),
        });
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
    mut resyncs: watch::Receiver<u64>,
    routes: Weak<Mutex<Routes>>,
    membership: impl Membership,
) {
    let mut reorder: Reorder<RoomDispatch> = Reorder::new(REORDER_WAIT);
    let mut resyncs_open = true;
    loop {
        let deadline = reorder.next_deadline();
        let received = tokio::select! {
            received = bus.recv() => received,
            _ = sleep_until(deadline), if deadline.is_some() => {
                let due = reorder.release_due(Instant::now());
                metrics::fanout_reorder_timeouts(due.len());
                let Some(routes) = routes.upgrade() else { return };
                deliver_rooms(&routes, &membership, due).await;
                continue;
            }
            changed = resyncs.changed(), if resyncs_open => {
                if changed.is_err() {
                    // The bus is gone; its receiver ends the loop next.
                    resyncs_open = false;
                    continue;
                }
                let Some(routes) = routes.upgrade() else { return };
                tracing::warn!("the bus subscription was re-established; connections catch up");
                let held = reorder.release_everything();
                deliver_rooms(&routes, &membership, held).await;
                lock(&routes).end_all(ENDED_LAGGED);
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
                        metrics::bus_events_dropped("no_follower", 1);
                        reorder.forget(room_id);
                        continue;
                    }
                    let seq = room.seq();
                    let ready = reorder.push(room_id, seq, room, Instant::now());
                    if seq.is_some() && ready.is_empty() {
                        metrics::fanout_reorder_wait();
                    }
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
                Some(Routed::Presence { room, user, frame }) => {
                    let mut routes = lock(&routes);
                    let ids: Vec<u64> = routes
                        .followers(room)
                        .into_iter()
                        .filter(|(_, follower)| *follower != user)
                        .map(|(id, _)| id)
                        .collect();
                    routes.send(ids, &Dispatch::Frame(frame));
                }
                None => metrics::bus_events_dropped("unreadable", 1),
            },
            Err(RecvError::Lagged(missed)) => {
                metrics::bus_events_dropped("lagged", missed);
                tracing::warn!(
                    missed,
                    "this instance fell behind the bus; connections reconnect"
                );
                let held = reorder.release_everything();
                deliver_rooms(&routes, &membership, held).await;
                lock(&routes).end_all(ENDED_LAGGED);
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
        let fanout = Fanout::route(&bus, Members::default());
        let (room, other_room, typist) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (a_follows, mut a) = fanout.connect(Uuid::new_v4()).await;
        let (b_follows, mut b) = fanout.connect(Uuid::new_v4()).await;
        let (c_follows, mut c) = fanout.connect(Uuid::new_v4()).await;
        a_follows.follow(room).await;
        b_follows.follow(room).await;
        c_follows.follow(other_room).await;

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
        let fanout = Fanout::route(&bus, members.clone());
        let (room, kicked, stays) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (kicked_follows, mut kicked_inbox) = fanout.connect(kicked).await;
        let (stays_follows, mut stays_inbox) = fanout.connect(stays).await;
        kicked_follows.follow(room).await;
        stays_follows.follow(room).await;

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
        let fanout = Fanout::route(&bus, Members::default());
        let (me, someone) = (Uuid::new_v4(), Uuid::new_v4());
        let (_t1, mut tab1) = fanout.connect(me).await;
        let (_t2, mut tab2) = fanout.connect(me).await;
        let (_o, mut other) = fanout.connect(someone).await;

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
        let fanout = Fanout::route(&bus, Members::default());
        let room = Uuid::new_v4();
        let (slow_follows, mut slow) = fanout.connect(Uuid::new_v4()).await;
        let (fast_follows, mut fast) = fanout.connect(Uuid::new_v4()).await;
        slow_follows.follow(room).await;
        fast_follows.follow(room).await;

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
        let fanout = Fanout::route(&bus, Members::default());
        let (follows, _inbox) = fanout.connect(Uuid::new_v4()).await;
        follows.follow(Uuid::new_v4()).await;
        assert_eq!(fanout.connections(), 1);
        drop(follows);
        assert_eq!(fanout.connections(), 0);
        assert!(lock(&fanout.routes).rooms.is_empty());
        assert!(lock(&fanout.routes).users.is_empty());
    }

    #[tokio::test]
    async fn presence_reaches_the_rooms_followers_but_not_the_user() {
        let bus = EventBus::in_process();
        let fanout = Fanout::route(&bus, Members::default());
        let (room, user, friend) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (own_follows, mut own) = fanout.connect(user).await;
        let (friend_follows, mut friends) = fanout.connect(friend).await;
        let (_stranger_follows, mut stranger) = fanout.connect(Uuid::new_v4()).await;
        own_follows.follow(room).await;
        friend_follows.follow(room).await;

        let frame = format!(r#"{{"type":"presence","user_id":"{user}","status":"online"}}"#);
        bus.publish(&presence_topic(room), frame.as_bytes())
            .await
            .ok();
        match next(&mut friends).await {
            Ok(Dispatch::Frame(got)) => assert_eq!(got.as_str(), frame),
            other => panic!("expected the presence frame, got {other:?}"),
        }
        assert!(
            nothing_waiting(&mut own).await,
            "not to the user's own tabs"
        );
        assert!(
            nothing_waiting(&mut stranger).await,
            "not to connections outside the room"
        );
    }

    #[tokio::test]
    async fn topics_are_joined_while_followed_and_left_after() {
        let bus = EventBus::in_process();
        let fanout = Fanout::route(&bus, Members::default());
        let (room, user) = (Uuid::new_v4(), Uuid::new_v4());
        let (follows, _inbox) = fanout.connect(user).await;
        follows.follow(room).await;
        {
            let interest = bus.interest().await;
            assert!(interest.has(&user_topic(user)));
            assert!(room_topics(room).iter().all(|t| interest.has(t)));
        }
        drop(follows);
        let left = async {
            loop {
                let gone = {
                    let interest = bus.interest().await;
                    !interest.has(&user_topic(user))
                        && room_topics(room).iter().all(|t| !interest.has(t))
                };
                if gone {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        assert!(
            tokio::time::timeout(Duration::from_secs(5), left)
                .await
                .is_ok(),
            "the last follower's departure leaves the topics"
        );
    }

    #[tokio::test]
    async fn restarting_ends_every_inbox_and_refuses_new_ones() {
        let bus = EventBus::in_process();
        let fanout = Fanout::route(&bus, Members::default());
        let (_follows, mut before) = fanout.connect(Uuid::new_v4()).await;
        fanout.restart_all();
        assert_eq!(next(&mut before).await.err(), Some(Ended::Restart));
        let (_late, mut after) = fanout.connect(Uuid::new_v4()).await;
        assert_eq!(next(&mut after).await.err(), Some(Ended::Restart));
        assert_eq!(fanout.connections(), 0);
    }
}
