//! In-process job queue with RabbitMQ's contract: competing consumers, ack, nack-requeue.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::sync::mpsc;

type Entry = (Vec<u8>, bool);

struct Lane {
    sender: mpsc::UnboundedSender<Entry>,
    receiver: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Entry>>>,
}

/// Named queues living in this process; jobs are lost if the process dies.
#[derive(Clone, Default)]
pub struct InProcessQueue {
    lanes: Arc<Mutex<HashMap<String, Lane>>>,
}

impl InProcessQueue {
    /// An empty set of queues.
    pub fn new() -> Self {
        Self::default()
    }

    fn lane(&self, queue: &str) -> (mpsc::UnboundedSender<Entry>, Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Entry>>>) {
        // A panic while holding this lock cannot leave the map half-updated, so recover it.
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        let lane = lanes.entry(queue.to_owned()).or_insert_with(|| {
            let (sender, receiver) = mpsc::unbounded_channel();
            Lane {
                sender,
                receiver: Arc::new(tokio::sync::Mutex::new(receiver)),
            }
        });
        (lane.sender.clone(), lane.receiver.clone())
    }

    /// Appends a job to `queue`.
    pub fn publish(&self, queue: &str, payload: &[u8]) {
        let (sender, _) = self.lane(queue);
        // The lane owns its receiver, so the channel cannot be closed while we hold a sender.
        let _ = sender.send((payload.to_vec(), false));
    }

    /// A consumer competing with every other consumer of `queue`.
    pub fn consume(&self, queue: &str) -> InProcessConsumer {
        let (sender, receiver) = self.lane(queue);
        InProcessConsumer { sender, receiver }
    }
}

/// Takes jobs from one in-process queue.
pub struct InProcessConsumer {
    sender: mpsc::UnboundedSender<Entry>,
    receiver: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Entry>>>,
}

impl InProcessConsumer {
    /// The next job and its acknowledgement handle.
    pub async fn next(&mut self) -> Option<(Vec<u8>, MemoryAck)> {
        let (payload, redelivered) = self.receiver.lock().await.recv().await?;
        Some((
            payload,
            MemoryAck {
                sender: self.sender.clone(),
                redelivered,
            },
        ))
    }
}

/// Acknowledges one in-process job.
pub struct MemoryAck {
    sender: mpsc::UnboundedSender<Entry>,
    redelivered: bool,
}

impl MemoryAck {
    /// Whether the job had been delivered before.
    pub fn redelivered(&self) -> bool {
        self.redelivered
    }

    /// The job is done.
    pub fn ack(self) {}

    /// The job failed; with `requeue` it is delivered again, flagged as redelivered.
    pub fn nack(self, requeue: bool, payload: Vec<u8>) {
        if requeue {
            let _ = self.sender.send((payload, true));
        }
    }
}
