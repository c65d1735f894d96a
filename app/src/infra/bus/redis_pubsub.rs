//! Event bus over Redis pub/sub: one dedicated pub/sub connection per process, subscribed to
//! exactly the channels of the topics this instance joined, re-established with backoff (and
//! every joined channel resubscribed) whenever the connection drops.

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use redis::{aio::ConnectionManager, AsyncCommands};
use tokio::{
    sync::{broadcast, watch, Mutex},
    task::JoinHandle,
};

use super::{interest::Subscriptions, BusError, BusMessage, LOCAL_BUFFER};
use crate::infra::metrics;

const PUBLISH_TIMEOUT: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Channels per SUBSCRIBE command when resubscribing everything after a reconnect.
const RESUBSCRIBE_CHUNK: usize = 1000;

/// Publishes through the shared connection; receives through a dedicated pub/sub connection.
#[derive(Clone)]
pub struct RedisBus {
    conn: ConnectionManager,
    prefix: Arc<str>,
    local: broadcast::Sender<BusMessage>,
    subscribed: watch::Receiver<bool>,
    resyncs: watch::Receiver<u64>,
    subscriptions: Arc<Mutex<Subscriptions>>,
    _task: Arc<AbortOnDrop>,
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the subscriber task shares with the handles.
struct Subscriber {
    client: redis::Client,
    prefix: Arc<str>,
    local: broadcast::Sender<BusMessage>,
    subscribed: watch::Sender<bool>,
    resyncs: watch::Sender<u64>,
    subscriptions: Arc<Mutex<Subscriptions>>,
}

impl RedisBus {
    /// Starts the subscriber task; channels are namespaced with `prefix`.
    pub fn start(client: redis::Client, conn: ConnectionManager, prefix: &str) -> Self {
        let (local, _) = broadcast::channel(LOCAL_BUFFER);
        let (subscribed_tx, subscribed) = watch::channel(false);
        let (resyncs_tx, resyncs) = watch::channel(0);
        let prefix: Arc<str> = prefix.into();
        let subscriptions = Arc::new(Mutex::new(Subscriptions {
            prefix: prefix.to_string(),
            ..Subscriptions::default()
        }));
        let task = tokio::spawn(subscribe_forever(Subscriber {
            client,
            prefix: prefix.clone(),
            local: local.clone(),
            subscribed: subscribed_tx,
            resyncs: resyncs_tx,
            subscriptions: subscriptions.clone(),
        }));
        Self {
            conn,
            prefix,
            local,
            subscribed,
            resyncs,
            subscriptions,
            _task: Arc::new(AbortOnDrop(task)),
        }
    }

    /// Publishes to every instance subscribed to the topic on this Redis.
    pub async fn publish(&self, topic: &str, payload: &[u8]) -> Result<(), BusError> {
        let mut conn = self.conn.clone();
        let channel = format!("{}{topic}", self.prefix);
        let publish = conn.publish::<_, _, i64>(channel, payload);
        let outcome = tokio::time::timeout(PUBLISH_TIMEOUT, publish)
            .await
            .map_err(|_| BusError::Timeout(PUBLISH_TIMEOUT))
            .and_then(|r| r.map(|_| ()).map_err(BusError::from));
        if outcome.is_err() {
            metrics::redis_error("publish");
        }
        outcome
    }

    /// Publishes `payload` on every topic of `topics` in one pipeline.
    pub async fn publish_many(&self, topics: &[String], payload: &[u8]) -> Result<(), BusError> {
        if topics.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for topic in topics {
            pipe.publish(format!("{}{topic}", self.prefix), payload)
                .ignore();
        }
        let mut conn = self.conn.clone();
        let outcome = tokio::time::timeout(PUBLISH_TIMEOUT, pipe.query_async::<()>(&mut conn))
            .await
            .map_err(|_| BusError::Timeout(PUBLISH_TIMEOUT))
            .and_then(|r| r.map_err(BusError::from));
        if outcome.is_err() {
            metrics::redis_error("publish");
        }
        outcome
    }

    /// Receives every event of a joined topic from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<BusMessage> {
        self.local.subscribe()
    }

    /// Bumps after the subscription was re-established with topics joined.
    pub fn resyncs(&self) -> watch::Receiver<u64> {
        self.resyncs.clone()
    }

    /// Waits until the pub/sub connection is up, up to `timeout`.
    pub async fn wait_until_subscribed(&self, timeout: Duration) -> bool {
        let mut subscribed = self.subscribed.clone();
        tokio::time::timeout(timeout, subscribed.wait_for(|s| *s))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// `PING` through the publishing connection, and the subscription must be alive.
    pub async fn ping(&self) -> Result<(), BusError> {
        if !*self.subscribed.borrow() {
            return Err(BusError::NotSubscribed);
        }
        tokio::time::timeout(PUBLISH_TIMEOUT, crate::infra::redis_conn::ping(&self.conn))
            .await
            .map_err(|_| BusError::Timeout(PUBLISH_TIMEOUT))??;
        Ok(())
    }

    pub(super) fn subscriptions(&self) -> &Mutex<Subscriptions> {
        &self.subscriptions
    }
}

async fn subscribe_forever(s: Subscriber) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match s.client.get_async_pubsub().await {
            Ok(pubsub) => {
                let (sink, mut stream) = pubsub.split();
                match resubscribe(&s, sink).await {
                    Ok(rejoined) => {
                        backoff = Duration::from_millis(100);
                        s.subscribed.send_replace(true);
                        if rejoined > 0 {
                            // Whatever was published while the connection was down is lost
                            // for this instance: its connections must catch up.
                            s.resyncs.send_modify(|n| *n += 1);
                        }
                        tracing::info!(channels = rejoined, "event bus subscribed to redis");
                        while let Some(msg) = stream.next().await {
                            let Some(topic) = msg.get_channel_name().strip_prefix(&*s.prefix)
                            else {
                                continue;
                            };
                            metrics::bus_event_received();
                            let _ = s.local.send(BusMessage {
                                topic: topic.to_owned(),
                                payload: msg.get_payload_bytes().into(),
                            });
                        }
                        s.subscriptions.lock().await.sink = None;
                        s.subscribed.send_replace(false);
                        metrics::redis_error("subscription_lost");
                        tracing::warn!("event bus lost its redis subscription; reconnecting");
                    }
                    Err(e) => {
                        metrics::redis_error("subscribe");
                        tracing::warn!(error = %e, "event bus cannot subscribe to redis");
                    }
                }
            }
            Err(e) => {
                metrics::redis_error("connect");
                tracing::warn!(error = %e, "event bus cannot reach redis");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Subscribes every joined topic on a new connection and makes it the one joins go through;
/// returns how many channels that was. Holding the lock keeps joins from racing with it.
async fn resubscribe(
    s: &Subscriber,
    mut sink: redis::aio::PubSubSink,
) -> Result<usize, redis::RedisError> {
    let mut subs = s.subscriptions.lock().await;
    let channels = subs.channels(&subs.topics);
    for chunk in channels.chunks(RESUBSCRIBE_CHUNK) {
        sink.subscribe(chunk).await?;
    }
    subs.sink = Some(sink);
    Ok(channels.len())
}
