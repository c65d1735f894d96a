//! The outbox relay: publishes committed outbox rows to the queue and marks them sent.
//!
//! - Rows are claimed with `FOR UPDATE SKIP LOCKED`, so relays of several instances share the
//!   backlog and a row is never published by two of them at once.
//! - A row is marked sent only after the broker confirmed it. A crash between the two
//!   publishes it again later; the consumer stores by dedupe key, so nobody is notified twice.
//! - When the broker is down, the row that failed keeps its error and attempt count, the rest
//!   wait in order, and the relay retries with backoff (capped at a few seconds) until the
//!   broker is back; nothing needs restarting.
//! - It wakes at once when a transaction that enqueued jobs commits in this process, and polls
//!   anyway, for rows of other instances and rows a failed attempt left behind.

use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;
use tokio::time::Instant;

use super::{backoff::Backoff, outbox::Outbox};
use crate::infra::{
    queue::{JobQueue, QueueError},
    store::{outbox, StoreError},
};

/// Rows published per transaction.
const BATCH: i64 = 100;
/// Longest wait for a wake before looking at the outbox anyway.
const POLL_EVERY: Duration = Duration::from_secs(5);
/// How long sent rows are kept (to look into what went out), and how often they are pruned.
const KEEP_SENT: chrono::Duration = chrono::Duration::days(1);
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Why a relay round stopped.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// PostgreSQL failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The broker refused or is unreachable.
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl From<sqlx::Error> for RelayError {
    fn from(e: sqlx::Error) -> Self {
        RelayError::Store(StoreError::Db(e))
    }
}

/// Moves outbox rows to the queue.
#[derive(Clone)]
pub struct Relay {
    db: PgPool,
    queue: JobQueue,
    outbox: Outbox,
}

impl Relay {
    /// A relay from the outbox in `db` to `queue`, woken by `outbox`.
    pub fn new(db: PgPool, queue: JobQueue, outbox: Outbox) -> Self {
        Self { db, queue, outbox }
    }

    /// Runs until the task is aborted. Aborting is safe at any point: an unfinished round
    /// rolls back and its rows are published again.
    pub async fn run(self) {
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(5));
        let mut failing = false;
        let mut last_prune = Instant::now();
        loop {
            match self.relay_batch().await {
                Ok(sent) => {
                    if failing {
                        tracing::info!("notification relay recovered");
                        failing = false;
                    }
                    backoff.reset();
                    if sent as i64 == BATCH {
                        continue;
                    }
                    if last_prune.elapsed() >= PRUNE_EVERY {
                        self.prune().await;
                        last_prune = Instant::now();
                    }
                    // Either a commit wakes us, or we look again after a while.
                    let _ = tokio::time::timeout(POLL_EVERY, self.outbox.woken()).await;
                }
                Err(e) => {
                    let delay = backoff.next_delay();
                    let waiting = outbox::unsent_count(&self.db).await.ok();
                    tracing::warn!(
                        error = %e,
                        retry_in_ms = delay.as_millis() as u64,
                        waiting = waiting.unwrap_or(-1),
                        "notification relay cannot publish; jobs wait in the outbox"
                    );
                    failing = true;
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// Publishes up to one batch of unsent rows; returns how many went out. On a publish
    /// failure the rows confirmed before it are still marked sent.
    pub async fn relay_batch(&self) -> Result<usize, RelayError> {
        let mut tx = self.db.begin().await?;
        let rows = outbox::claim(&mut tx, BATCH).await?;
        if rows.is_empty() {
            tx.commit().await?;
            return Ok(0);
        }
        let mut sent = Vec::with_capacity(rows.len());
        let mut failure = None;
        for row in rows {
            let body = row.payload.to_string();
            match self.queue.publish(&row.topic, body.as_bytes()).await {
                Ok(()) => sent.push(row.id),
                Err(e) => {
                    crate::infra::metrics::amqp_error("publish");
                    failure = Some((row.id, e));
                    break;
                }
            }
        }
        outbox::mark_sent(&mut *tx, &sent).await?;
        if let Some((id, e)) = &failure {
            outbox::record_failure(&mut *tx, *id, &e.to_string()).await?;
        }
        tx.commit().await?;
        match failure {
            Some((_, e)) => Err(e.into()),
            None => Ok(sent.len()),
        }
    }

    async fn prune(&self) {
        if let Err(e) = outbox::delete_sent_before(&self.db, Utc::now() - KEEP_SENT, 10_000).await {
            tracing::warn!(error = %e, "cannot prune sent outbox rows");
        }
    }
}
