//! In-process event bus for single-node runs.

use tokio::sync::broadcast;

use super::{BusMessage, LOCAL_BUFFER};

/// A broadcast channel standing in for Redis pub/sub.
#[derive(Clone)]
pub struct InProcessBus {
    sender: broadcast::Sender<BusMessage>,
}

impl InProcessBus {
    /// An empty bus.
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(LOCAL_BUFFER);
        Self { sender }
    }

    /// Delivers to every current subscriber; with none, the event is dropped as on Redis.
    pub fn publish(&self, topic: &str, payload: &[u8]) {
        let _ = self.sender.send(BusMessage {
            topic: topic.to_owned(),
            payload: payload.into(),
        });
    }

    /// Receives every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<BusMessage> {
        self.sender.subscribe()
    }
}

impl Default for InProcessBus {
    fn default() -> Self {
        Self::new()
    }
}
