//! Writing notification jobs into the outbox inside their cause's transaction, and waking the
//! relay once that transaction has committed.

use std::sync::Arc;

use sqlx::PgConnection;
use tokio::sync::Notify;

use super::job::NotificationJob;
use crate::{
    infra::store::outbox,
    services::error::{ServiceError, ServiceResult},
};

/// The outbox of one process; cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    queue: Arc<str>,
    wake: Arc<Notify>,
}

impl Outbox {
    /// An outbox whose jobs go to `queue`.
    pub fn new(queue: &str) -> Self {
        Self {
            queue: queue.into(),
            wake: Arc::new(Notify::new()),
        }
    }

    /// The queue jobs go to.
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// Adds `job` in the caller's transaction: it is relayed only if that commits, and it
    /// is never lost if the process dies right after the commit.
    pub async fn enqueue(
        &self,
        conn: &mut PgConnection,
        job: &NotificationJob,
    ) -> ServiceResult<()> {
        let payload =
            serde_json::to_value(job).map_err(|e| ServiceError::Internal(e.to_string()))?;
        outbox::insert(conn, &self.queue, &payload).await?;
        Ok(())
    }

    /// Call after committing a transaction that enqueued jobs: the relay sends them now
    /// instead of at its next poll. A wake while the relay is busy is remembered.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves at the next [`Outbox::wake`] (or at once if one came since the last call).
    pub async fn woken(&self) {
        self.wake.notified().await;
    }
}
