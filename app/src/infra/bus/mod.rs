//! The event bus: carries realtime events to the server instances that want them through
//! Redis pub/sub, or within this process only when Redis is not configured (single-node
//! fallback).
//!
//! Interest-based: an instance receives only the topics it has joined (the rooms its
//! connections follow, the users connected to it), so a deployment's traffic per instance
//! grows with what that instance serves, not with the whole deployment. Joining completes
//! only once Redis confirmed the subscription, so whatever is published after `join` returns
//! reaches this instance; callers replay from PostgreSQL after joining, never before.
//!
//! Delivery is at-most-once by design: a subscriber that falls behind or an instance that
//! loses its Redis subscription misses events; [`EventBus::resyncs`] tells when that may have
//! happened, and clients recover by sequence number from PostgreSQL. The bus never holds the
//! only copy of anything.

mod interest;
mod memory;
mod redis_pubsub;

use std::{sync::Arc, time::Duration};

use tokio::sync::{broadcast, watch};

use self::interest::Subscriptions;
pub use self::{interest::Interest, memory::InProcessBus, redis_pubsub::RedisBus};

/// How many undelivered events a slow local subscriber may lag behind before it skips ahead.
pub const LOCAL_BUFFER: usize = 4096;

/// One event as received from the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusMessage {
    /// The topic it was published on, e.g. `room.<id>`.
    pub topic: String,
    /// Serialized event.
    pub payload: Arc<[u8]>,
}

/// The bus could not take an event or a subscription.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// Redis refused or did not answer.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// This instance is not (yet, or no longer) subscribed, so it would miss events.
    #[error("not subscribed to redis pub/sub")]
    NotSubscribed,
    /// Redis did not answer in time.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
}

/// The bus in use by this process.
#[derive(Clone)]
pub enum EventBus {
    /// Redis pub/sub: instances receive the topics they joined.
    Redis(RedisBus),
    /// In-process broadcast: only this instance, every topic.
    InProcess(InProcessBus),
}

impl EventBus {
    /// A bus over Redis pub/sub on channels `namespace:<topic>`; starts the subscriber task.
    /// Instances share events only when they share the namespace.
    pub fn redis(
        client: redis::Client,
        conn: redis::aio::ConnectionManager,
        namespace: &str,
    ) -> Self {
        EventBus::Redis(RedisBus::start(client, conn, &format!("{namespace}:")))
    }

    /// A bus that stays inside this process.
    pub fn in_process() -> Self {
        EventBus::InProcess(InProcessBus::new())
    }

    /// Publishes `payload` on `topic` to every instance that joined it (including this one).
    pub async fn publish(&self, topic: &str, payload: &[u8]) -> Result<(), BusError> {
        match self {
            EventBus::Redis(bus) => bus.publish(topic, payload).await,
            EventBus::InProcess(bus) => {
                bus.publish(topic, payload);
                Ok(())
            }
        }
    }

    /// Publishes the same `payload` on each of `topics`, in one round trip to Redis.
    pub async fn publish_many(&self, topics: &[String], payload: &[u8]) -> Result<(), BusError> {
        match self {
            EventBus::Redis(bus) => bus.publish_many(topics, payload).await,
            EventBus::InProcess(bus) => {
                for topic in topics {
                    bus.publish(topic, payload);
                }
                Ok(())
            }
        }
    }

    /// A receiver of every event of a joined topic this instance gets from now on (of every
    /// topic, in process).
    pub fn subscribe(&self) -> broadcast::Receiver<BusMessage> {
        match self {
            EventBus::Redis(bus) => bus.subscribe(),
            EventBus::InProcess(bus) => bus.subscribe(),
        }
    }

    /// Exclusive access to this instance's subscriptions until the guard drops: joins and
    /// leaves happen one at a time, so a check and the change it decides stay together.
    pub async fn interest(&self) -> Interest<'_> {
        Interest::new(self, self.subscriptions().lock().await)
    }

    /// Joins `topics` (see [`Interest::join`]).
    pub async fn join(&self, topics: &[String]) -> Result<(), BusError> {
        self.interest().await.join(topics).await
    }

    /// Bumps whenever the Redis subscription was re-established after a loss: events of the
    /// joined topics may have been missed in between.
    pub fn resyncs(&self) -> watch::Receiver<u64> {
        match self {
            EventBus::Redis(bus) => bus.resyncs(),
            EventBus::InProcess(bus) => bus.resyncs(),
        }
    }

    /// Waits until this instance is subscribed to the shared bus, up to `timeout`.
    pub async fn wait_until_subscribed(&self, timeout: Duration) -> bool {
        match self {
            EventBus::Redis(bus) => bus.wait_until_subscribed(timeout).await,
            EventBus::InProcess(_) => true,
        }
    }

    /// Checks the bus can carry events right now.
    pub async fn ping(&self) -> Result<(), BusError> {
        match self {
            EventBus::Redis(bus) => bus.ping().await,
            EventBus::InProcess(_) => Ok(()),
        }
    }

    /// `redis` or `in-process`, for logs and `/readyz`.
    pub fn backend(&self) -> &'static str {
        match self {
            EventBus::Redis(_) => "redis",
            EventBus::InProcess(_) => "in-process",
        }
    }

    fn subscriptions(&self) -> &tokio::sync::Mutex<Subscriptions> {
        match self {
            EventBus::Redis(bus) => bus.subscriptions(),
            EventBus::InProcess(bus) => bus.subscriptions(),
        }
    }
}
