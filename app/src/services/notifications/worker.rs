//! The notification consumer: takes jobs from the queue, stores their notifications and
//! pushes them live.
//!
//! - Idempotent: notifications are stored under a dedupe key unique per recipient, so a
//!   redelivered job (unacked when a worker died, or published twice by the relay) stores
//!   nothing twice.
//! - A job is acked only after its notifications committed.
//! - A job that fails while PostgreSQL answers is republished with its attempt count raised
//!   (and acked); at the configured maximum it goes to the dead-letter queue `<queue>.dead`
//!   instead. A job that cannot be decoded goes there at once. While PostgreSQL is down the
//!   failure is not the job's fault: it is put back uncounted and the worker pauses.
//! - When the broker connection is lost, the worker reconnects with backoff.

use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::{backoff::Backoff, job::NotificationJob, push, resolve};
use crate::infra::{
    bus::EventBus,
    db, metrics,
    queue::{Job, JobQueue, QueueError},
    store::{
        notifications::{self, NewNotification},
        StoreError,
    },
};

/// Jobs the broker hands this worker before it acked earlier ones.
const PREFETCH: u16 = 16;
/// Pause before republishing a failed job, times its attempt number.
const RETRY_STEP: Duration = Duration::from_millis(100);

/// Why a job could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The payload is not a job this version understands; retrying cannot help.
    #[error("undecodable job: {0}")]
    Undecodable(#[from] serde_json::Error),
    /// PostgreSQL failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The queue failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl From<sqlx::Error> for WorkerError {
    fn from(e: sqlx::Error) -> Self {
        WorkerError::Store(StoreError::Db(e))
    }
}

/// What a dead-lettered job looks like on `<queue>.dead`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// Why it was given up.
    pub reason: String,
    /// Attempts made.
    pub attempts: u32,
    /// The job as it was received (a string when it was not JSON).
    pub job: serde_json::Value,
}

/// The dead-letter queue of `queue`.
pub fn dead_letter_queue(queue: &str) -> String {
    format!("{queue}.dead")
}

/// Consumes one notification queue.
#[derive(Clone)]
pub struct Worker {
    db: PgPool,
    queue: JobQueue,
    bus: EventBus,
    name: String,
    max_attempts: u32,
}

impl Worker {
    /// A worker for `name` on `queue` that gives a job up after `max_attempts` failures.
    pub fn new(db: PgPool, queue: JobQueue, bus: EventBus, name: &str, max_attempts: u32) -> Self {
        Self {
            db,
            queue,
            bus,
            name: name.to_owned(),
            max_attempts: max_attempts.max(1),
        }
    }

    /// Consumes until the task is aborted. Aborting mid-job is safe: the job was not acked,
    /// so the broker hands it out again.
    pub async fn run(self) {
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(5));
        loop {
            let mut stream = match self.queue.consume(&self.name, PREFETCH).await {
                Ok(stream) => {
                    backoff.reset();
                    tracing::info!(queue = %self.name, "notification worker consuming");
                    stream
                }
                Err(e) => {
                    metrics::amqp_error("consume");
                    let delay = backoff.next_delay();
                    tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64,
                        "notification worker cannot consume; retrying");
                    tokio::time::sleep(delay).await;
                    continue;
                }
            };
            while let Some(next) = stream.next().await {
                match next {
                    Ok(job) => self.handle(job).await,
                    Err(e) => {
                        metrics::amqp_error("consume");
                        tracing::warn!(error = %e, "notification queue failed; reconnecting");
                        break;
                    }
                }
            }
            tokio::time::sleep(backoff.next_delay()).await;
        }
    }

    /// Stores the notifications of one job and pushes them; returns how many were new.
    /// Safe to call any number of times for the same job.
    pub async fn process(&self, payload: &[u8]) -> Result<usize, WorkerError> {
        let job: NotificationJob = serde_json::from_slice(payload)?;
        let drafts = resolve::drafts(&self.db, &job, Utc::now()).await?;
        if drafts.is_empty() {
            return Ok(0);
        }
        let key = job.dedupe_key();
        let mut tx = self.db.begin().await?;
        let mut stored = Vec::new();
        for draft in drafts {
            let new = notifications::insert(
                &mut *tx,
                NewNotification {
                    user_id: draft.user_id,
                    kind: draft.kind,
                    payload: &draft.payload,
                    dedupe_key: &key,
                },
            )
            .await?;
            // None: stored by an earlier delivery of this job, which also pushed it.
            if let Some(notification) = new {
                stored.push((draft.user_id, notification, draft.alert));
            }
        }
        tx.commit().await?;
        let count = stored.len();
        for (user, notification, alert) in stored {
            let unread = match notifications::unread_count(&self.db, user).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot count unread notifications for a push");
                    continue;
                }
            };
            push::notification(&self.bus, user, notification, unread, alert).await;
        }
        Ok(count)
    }

    async fn handle(&self, job: Job) {
        let error = match self.process(&job.payload).await {
            Ok(_) => {
                metrics::notification_job("done");
                if let Err(e) = job.ack().await {
                    metrics::amqp_error("ack");
                    // Stored already; the redelivery will find it and store nothing.
                    tracing::warn!(error = %e, "cannot ack a notification job");
                }
                return;
            }
            Err(e) => e,
        };
        let decoded = match &error {
            WorkerError::Undecodable(_) => None,
            _ => serde_json::from_slice::<NotificationJob>(&job.payload).ok(),
        };
        let Some(mut decoded) = decoded else {
            tracing::error!(error = %error, "dead-lettering a notification job");
            return self.give_up(job, &error.to_string(), 1).await;
        };
        if db::ping(&self.db).await.is_err() {
            tracing::warn!(error = %error, "PostgreSQL is down; notification job put back");
            metrics::notification_job("requeued");
            if let Err(e) = job.nack(true).await {
                tracing::warn!(error = %e, "cannot put a notification job back");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            return;
        }
        decoded.attempt += 1;
        if decoded.attempt >= self.max_attempts {
            tracing::error!(error = %error, attempts = decoded.attempt,
                job = %decoded.id, "notification job keeps failing; dead-lettering it");
            return self.give_up(job, &error.to_string(), decoded.attempt).await;
        }
        tracing::warn!(error = %error, attempt = decoded.attempt, job = %decoded.id,
            "notification job failed; retrying");
        metrics::notification_job("retried");
        tokio::time::sleep(RETRY_STEP * decoded.attempt).await;
        let retried = match serde_json::to_vec(&decoded) {
            Ok(body) => self
                .queue
                .publish(&self.name, &body)
                .await
                .map_err(Into::into),
            Err(e) => Err(WorkerError::Undecodable(e)),
        };
        settle(job, retried).await;
    }

    /// Moves the job to the dead-letter queue, then acks it.
    async fn give_up(&self, job: Job, reason: &str, attempts: u32) {
        metrics::notification_job("dead_lettered");
        let original = serde_json::from_slice(&job.payload).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&job.payload).into_owned())
        });
        let letter = DeadLetter {
            reason: reason.to_owned(),
            attempts,
            job: original,
        };
        let published = match serde_json::to_vec(&letter) {
            Ok(body) => self
                .queue
                .publish(&dead_letter_queue(&self.name), &body)
                .await
                .map_err(Into::into),
            Err(e) => Err(WorkerError::Undecodable(e)),
        };
        settle(job, published).await;
    }
}

/// Acks the job once its replacement (retry or dead letter) is safely published; otherwise
/// puts it back so it is not lost.
async fn settle(job: Job, replacement: Result<(), WorkerError>) {
    let outcome = match replacement {
        Ok(()) => job.ack().await,
        Err(e) => {
            metrics::amqp_error("publish");
            tracing::warn!(error = %e, "cannot republish a notification job; putting it back");
            job.nack(true).await
        }
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "cannot settle a notification job");
    }
}
