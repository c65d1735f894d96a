//! In-process job queue with RabbitMQ's contract: competing consumers, ack, nack-requeue that
//! puts the job back at the head of the queue, and requeueing of jobs whose consumer went
//! away without settling them, as RabbitMQ does.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, PoisonError},
};

use tokio::sync::Notify;

type Entry = (Vec<u8>, bool);

#[derive(Default)]
struct Lane {
    jobs: Mutex<VecDeque<Entry>>,
    ready: Notify,
}

impl Lane {
    fn push(&self, entry: Entry, front: bool) {
        // A panic while holding this lock cannot leave the deque half-updated, so recover it.
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        if front {
            jobs.push_front(entry);
        } else {
            jobs.push_back(entry);
        }
        drop(jobs);
        self.ready.notify_one();
    }

    fn pop(&self) -> Option<Entry> {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
    }
}

/// Named queues living in this process; jobs are lost if the process dies.
#[derive(Clone, Default)]
pub struct InProcessQueue {
    lanes: Arc<Mutex<HashMap<String, Arc<Lane>>>>,
}

impl InProcessQueue {
    /// An empty set of queues.
    pub fn new() -> Self {
        Self::default()
    }

    fn lane(&self, queue: &str) -> Arc<Lane> {
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        lanes.entry(queue.to_owned()).or_default().clone()
    }

    /// Appends a job to `queue`.
    pub fn publish(&self, queue: &str, payload: &[u8]) {
        self.lane(queue).push((payload.to_vec(), false), false);
    }

    /// A consumer competing with every other consumer of `queue`.
    pub fn consume(&self, queue: &str) -> InProcessConsumer {
        InProcessConsumer {
            lane: self.lane(queue),
        }
    }
}

/// Takes jobs from one in-process queue.
pub struct InProcessConsumer {
    lane: Arc<Lane>,
}

impl InProcessConsumer {
    /// The next job and its acknowledgement handle; waits until one is there.
    pub async fn next(&mut self) -> Option<(Vec<u8>, MemoryAck)> {
        loop {
            // Register interest before checking, so a push between the two is not missed.
            let notified = self.lane.ready.notified();
            if let Some((payload, redelivered)) = self.lane.pop() {
                return Some((
                    payload.clone(),
                    MemoryAck {
                        lane: self.lane.clone(),
                        redelivered,
                        unsettled: Some(payload),
                    },
                ));
            }
            notified.await;
        }
    }
}

/// Acknowledges one in-process job. Dropped without [`MemoryAck::ack`] or
/// [`MemoryAck::nack`] (its worker task was aborted or panicked), the job goes back to the
/// head of the queue, as RabbitMQ requeues the unacked jobs of a consumer that died.
pub struct MemoryAck {
    lane: Arc<Lane>,
    redelivered: bool,
    /// A copy of the job until it is settled.
    unsettled: Option<Vec<u8>>,
}

impl MemoryAck {
    /// Whether the job had been delivered before.
    pub fn redelivered(&self) -> bool {
        self.redelivered
    }

    /// The job is done.
    pub fn ack(mut self) {
        self.unsettled = None;
    }

    /// The job failed; with `requeue` it goes back to the head, flagged as redelivered.
    pub fn nack(mut self, requeue: bool) {
        if let Some(payload) = self.unsettled.take() {
            if requeue {
                self.lane.push((payload, true), true);
            }
        }
    }
}

impl Drop for MemoryAck {
    fn drop(&mut self) {
        if let Some(payload) = self.unsettled.take() {
            self.lane.push((payload, true), true);
        }
    }
}
