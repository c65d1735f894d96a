//! The event bus: carries realtime events to every server instance through Redis pub/sub,
//! or within this process only when Redis is not configured (single-node fallback).
//!
//! Delivery is at-most-once by design: a subscriber that falls behind or an instance that
//! loses its Redis subscription misses events, and clients recover them from PostgreSQL
//! by sequence number. The bus never holds the only copy of anything.

mod memory;
mod redis_pubsub;

use std::{sync::Arc, time::Duration};

use tokio::sync::broadcast;

pub use self::{memory::InProcessBus, redis_pubsub::RedisBus};

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

/// The bus could not take an event.
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
    /// Redis pub/sub: every instance sees every event.
    Redis(RedisBus),
    /// In-process broadcast: only this instance.
    InProcess(InProcessBus),
}

impl EventBus {
    /// A bus over Redis pub/sub on the channels `namespace:*`; starts the subscriber task.
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

    /// Publishes `payload` on `topic` to every instance (including this one).
    pub async fn publish(&self, topic: &str, payload: &[u8]) -> Result<(), BusError> {
        match self {
            EventBus::Redis(bus) => bus.publish(topic, payload).await,
            EventBus::InProcess(bus) => {
                bus.publish(topic, payload);
                Ok(())
            }
        }
    }

    /// A receiver of every event this instance gets from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<BusMessage> {
        match self {
            EventBus::Redis(bus) => bus.subscribe(),
            EventBus::InProcess(bus) => bus.subscribe(),
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
}
