//! Counts the WebSocket tasks alive on this instance, so a draining instance can wait for
//! them to finish their closing handshakes before it exits.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use tokio::sync::Notify;

/// Live WebSocket tasks; cloning shares the count.
#[derive(Clone, Default)]
pub struct SocketTracker {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    live: AtomicUsize,
    idle: Notify,
}

/// Held by one WebSocket task for as long as it runs.
pub struct SocketGuard {
    inner: Arc<Inner>,
}

impl SocketTracker {
    /// Counts a task until the guard drops.
    pub fn enter(&self) -> SocketGuard {
        self.inner.live.fetch_add(1, Ordering::AcqRel);
        SocketGuard {
            inner: self.inner.clone(),
        }
    }

    /// How many tasks run now.
    pub fn live(&self) -> usize {
        self.inner.live.load(Ordering::Acquire)
    }

    /// Waits until no task runs, up to `timeout`; true if they all ended.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let idle = async {
            loop {
                let notified = self.inner.idle.notified();
                if self.live() == 0 {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(timeout, idle).await.is_ok()
    }
}

impl Drop for SocketGuard {
    fn drop(&mut self) {
        if self.inner.live.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.inner.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_for_the_last_guard() {
        let tracker = SocketTracker::default();
        assert!(tracker.wait_idle(Duration::from_millis(10)).await);
        let guard = tracker.enter();
        assert!(!tracker.wait_idle(Duration::from_millis(50)).await);
        let waiter = {
            let tracker = tracker.clone();
            tokio::spawn(async move { tracker.wait_idle(Duration::from_secs(5)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(guard);
        assert!(matches!(waiter.await, Ok(true)));
    }
}
