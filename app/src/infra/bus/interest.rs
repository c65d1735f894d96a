//! Which topics this instance has joined, and the one-at-a-time access to change them.

use std::{collections::HashSet, time::Duration};

use redis::aio::PubSubSink;
use tokio::sync::MutexGuard;

use super::{BusError, EventBus};
use crate::infra::metrics;

/// How long Redis may take to confirm a subscription change.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(2);

/// The topics joined, and (on Redis, while connected) the sink that changes the subscription.
#[derive(Default)]
pub struct Subscriptions {
    /// Topics joined; on Redis also the channels subscribed while `sink` is there.
    pub(super) topics: HashSet<String>,
    /// The live pub/sub connection's command half; `None` while disconnected.
    pub(super) sink: Option<PubSubSink>,
    /// Channel prefix (the Redis namespace).
    pub(super) prefix: String,
}

impl Subscriptions {
    /// The Redis channels of `topics`.
    pub(super) fn channels<'a>(&self, topics: impl IntoIterator<Item = &'a String>) -> Vec<String> {
        topics
            .into_iter()
            .map(|t| format!("{}{t}", self.prefix))
            .collect()
    }
}

/// Exclusive access to the subscriptions; see [`EventBus::interest`].
pub struct Interest<'a> {
    subs: MutexGuard<'a, Subscriptions>,
    redis: bool,
}

impl<'a> Interest<'a> {
    pub(super) fn new(bus: &EventBus, subs: MutexGuard<'a, Subscriptions>) -> Self {
        Self {
            subs,
            redis: matches!(bus, EventBus::Redis(_)),
        }
    }

    /// Whether `topic` is joined.
    pub fn has(&self, topic: &str) -> bool {
        self.subs.topics.contains(topic)
    }

    /// Joins `topics`; returns once Redis confirmed the new ones, so events published from
    /// then on arrive. On failure the topics stay wanted: they are subscribed when the
    /// connection comes back, and [`EventBus::resyncs`] reports the possible loss.
    pub async fn join(&mut self, topics: &[String]) -> Result<(), BusError> {
        let new: Vec<String> = topics
            .iter()
            .filter(|t| !self.subs.topics.contains(*t))
            .cloned()
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        self.subs.topics.extend(new.iter().cloned());
        let now = self.subs.topics.len();
        if !self.redis {
            metrics::bus_subscriptions_changed("subscribe", new.len(), now);
            return Ok(());
        }
        let channels = self.subs.channels(&new);
        let Some(sink) = self.subs.sink.as_mut() else {
            return Err(BusError::NotSubscribed);
        };
        let confirmed = tokio::time::timeout(CONFIRM_TIMEOUT, sink.subscribe(&channels)).await;
        match confirmed {
            Ok(Ok(())) => {
                metrics::bus_subscriptions_changed("subscribe", new.len(), now);
                Ok(())
            }
            Ok(Err(e)) => {
                metrics::redis_error("subscribe");
                Err(e.into())
            }
            Err(_) => {
                metrics::redis_error("subscribe");
                Err(BusError::Timeout(CONFIRM_TIMEOUT))
            }
        }
    }

    /// Leaves `topics`: this instance stops receiving them.
    pub async fn leave(&mut self, topics: &[String]) {
        let gone: Vec<String> = topics
            .iter()
            .filter(|t| self.subs.topics.remove(*t))
            .cloned()
            .collect();
        if gone.is_empty() {
            return;
        }
        let now = self.subs.topics.len();
        metrics::bus_subscriptions_changed("unsubscribe", gone.len(), now);
        if !self.redis {
            return;
        }
        let channels = self.subs.channels(&gone);
        if let Some(sink) = self.subs.sink.as_mut() {
            // A failed unsubscribe only costs events this instance drops unread.
            match tokio::time::timeout(CONFIRM_TIMEOUT, sink.unsubscribe(&channels)).await {
                Ok(Ok(())) => {}
                _ => metrics::redis_error("unsubscribe"),
            }
        }
    }
}
