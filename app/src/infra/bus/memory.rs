//! In-process event bus for single-node runs.

use std::sync::Arc;

use tokio::sync::{broadcast, watch, Mutex};

use super::{interest::Subscriptions, BusMessage, LOCAL_BUFFER};

/// A broadcast channel standing in for Redis pub/sub. Every subscriber sees every topic (the
/// process is the whole deployment); joined topics are only counted.
#[derive(Clone)]
pub struct InProcessBus {
    sender: broadcast::Sender<BusMessage>,
    subscriptions: Arc<Mutex<Subscriptions>>,
    resyncs: watch::Receiver<u64>,
    _resync_sender: Arc<watch::Sender<u64>>,
}

impl InProcessBus {
    /// An empty bus.
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(LOCAL_BUFFER);
        let (resync_sender, resyncs) = watch::channel(0);
        Self {
            sender,
            subscriptions: Arc::default(),
            resyncs,
            _resync_sender: Arc::new(resync_sender),
        }
    }

    /// Delivers to every current subscriber; with none, the event is dropped as on Redis.
    pub fn publish(&self, topic: &str, payload: &[u8]) {
        crate::infra::metrics::bus_event_received();
        let _ = self.sender.send(BusMessage {
            topic: topic.to_owned(),
            payload: payload.into(),
        });
    }

    /// Receives every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<BusMessage> {
        self.sender.subscribe()
    }

    /// Never bumps: nothing between publisher and subscriber can drop out.
    pub fn resyncs(&self) -> watch::Receiver<u64> {
        self.resyncs.clone()
    }

    pub(super) fn subscriptions(&self) -> &Mutex<Subscriptions> {
        &self.subscriptions
    }
}

impl Default for InProcessBus {
    fn default() -> Self {
        Self::new()
    }
}
