//! Event bus over Redis pub/sub: one pattern subscription per process, re-established
//! with backoff whenever the connection drops.

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use redis::{aio::ConnectionManager, AsyncCommands};
use tokio::{
    sync::{broadcast, watch},
    task::JoinHandle,
};

use super::{BusError, BusMessage, LOCAL_BUFFER};

const PUBLISH_TIMEOUT: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Publishes through the shared connection; receives through a dedicated pub/sub connection.
#[derive(Clone)]
pub struct RedisBus {
    conn: ConnectionManager,
    prefix: Arc<str>,
    local: broadcast::Sender<BusMessage>,
    subscribed: watch::Receiver<bool>,
    _task: Arc<AbortOnDrop>,
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl RedisBus {
    /// Starts the subscriber task; channels are namespaced with `prefix`.
    pub fn start(client: redis::Client, conn: ConnectionManager, prefix: &str) -> Self {
        let (local, _) = broadcast::channel(LOCAL_BUFFER);
        let (subscribed_tx, subscribed) = watch::channel(false);
        let prefix: Arc<str> = prefix.into();
        let task = tokio::spawn(subscribe_forever(
            client,
            prefix.clone(),
            local.clone(),
            subscribed_tx,
        ));
        Self {
            conn,
            prefix,
            local,
            subscribed,
            _task: Arc::new(AbortOnDrop(task)),
        }
    }

    /// Publishes to every instance subscribed to this Redis.
    pub async fn publish(&self, topic: &str, payload: &[u8]) -> Result<(), BusError> {
        let mut conn = self.conn.clone();
        let channel = format!("{}{topic}", self.prefix);
        let publish = conn.publish::<_, _, i64>(channel, payload);
        tokio::time::timeout(PUBLISH_TIMEOUT, publish)
            .await
            .map_err(|_| BusError::Timeout(PUBLISH_TIMEOUT))??;
        Ok(())
    }

    /// Receives every event this instance gets from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<BusMessage> {
        self.local.subscribe()
    }

    /// Waits until the pattern subscription is active, up to `timeout`.
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
}

async fn subscribe_forever(
    client: redis::Client,
    prefix: Arc<str>,
    local: broadcast::Sender<BusMessage>,
    subscribed: watch::Sender<bool>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.psubscribe(format!("{prefix}*")).await {
                Ok(()) => {
                    backoff = Duration::from_millis(100);
                    subscribed.send_replace(true);
                    tracing::info!("event bus subscribed to redis");
                    let mut messages = pubsub.on_message();
                    while let Some(msg) = messages.next().await {
                        let Some(topic) = msg.get_channel_name().strip_prefix(&*prefix) else {
                            continue;
                        };
                        let _ = local.send(BusMessage {
                            topic: topic.to_owned(),
                            payload: msg.get_payload_bytes().into(),
                        });
                    }
                    subscribed.send_replace(false);
                    tracing::warn!("event bus lost its redis subscription; reconnecting");
                }
                Err(e) => tracing::warn!(error = %e, "event bus cannot subscribe to redis"),
            },
            Err(e) => tracing::warn!(error = %e, "event bus cannot reach redis"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
