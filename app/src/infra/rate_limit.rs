//! Fixed-window counters for rate limits: in Redis (shared by every instance) or in process.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use redis::aio::ConnectionManager;

/// A limit: at most `max` hits per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Hits allowed per window.
    pub max: u64,
    /// Window length.
    pub window: Duration,
}

/// Whether a hit is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Under the limit.
    Allowed,
    /// Over the limit; retry after this many seconds.
    Limited {
        /// Seconds until the window resets.
        retry_after: u64,
    },
}

/// Counts hits per key; cheap to clone.
#[derive(Clone)]
pub struct RateLimiter {
    backend: Backend,
    namespace: Arc<str>,
}

#[derive(Clone)]
enum Backend {
    Redis(ConnectionManager),
    Memory(Arc<Mutex<HashMap<String, (u64, Instant)>>>),
}

impl RateLimiter {
    /// Counters in Redis under `namespace:rl:*`.
    pub fn redis(conn: ConnectionManager, namespace: &str) -> Self {
        Self {
            backend: Backend::Redis(conn),
            namespace: namespace.into(),
        }
    }

    /// Counters in this process only.
    pub fn in_process(namespace: &str) -> Self {
        Self {
            backend: Backend::Memory(Arc::default()),
            namespace: namespace.into(),
        }
    }

    /// Counts one hit on `key` and says whether it is within `limit`.
    pub async fn hit(&self, key: &str, limit: Limit) -> Verdict {
        self.add(key, limit, 1).await
    }

    /// Says whether `key` is within `limit` without counting a hit.
    pub async fn peek(&self, key: &str, limit: Limit) -> Verdict {
        self.add(key, limit, 0).await
    }

    /// Forgets the hits on `key` (after a successful sign-in, say).
    pub async fn reset(&self, key: &str) {
        let full = self.full_key(key);
        match &self.backend {
            Backend::Redis(conn) => {
                let mut conn = conn.clone();
                if let Err(e) = redis::cmd("DEL")
                    .arg(&full)
                    .query_async::<i64>(&mut conn)
                    .await
                {
                    crate::infra::metrics::redis_error("rate_limit");
                    tracing::warn!(error = %e, "rate limiter: cannot reset a counter in Redis");
                }
            }
            Backend::Memory(map) => {
                if let Ok(mut map) = map.lock() {
                    map.remove(&full);
                }
            }
        }
    }

    fn full_key(&self, key: &str) -> String {
        format!("{}:rl:{key}", self.namespace)
    }

    async fn add(&self, key: &str, limit: Limit, by: u64) -> Verdict {
        let full = self.full_key(key);
        let window = limit.window.as_secs().max(1);
        let (count, ttl) = match &self.backend {
            Backend::Redis(conn) => {
                let mut conn = conn.clone();
                let reply: redis::RedisResult<(u64, bool, i64)> = redis::pipe()
                    .atomic()
                    .cmd("INCRBY")
                    .arg(&full)
                    .arg(by)
                    .cmd("EXPIRE")
                    .arg(&full)
                    .arg(window)
                    .arg("NX")
                    .cmd("TTL")
                    .arg(&full)
                    .query_async(&mut conn)
                    .await;
                match reply {
                    Ok((count, _, ttl)) => (count, u64::try_from(ttl).unwrap_or(window)),
                    Err(e) => {
                        // Failing open keeps sign-in working while Redis is down; /readyz
                        // reports the outage.
                        crate::infra::metrics::redis_error("rate_limit");
                        tracing::warn!(error = %e, "rate limiter: Redis unavailable, allowing");
                        return Verdict::Allowed;
                    }
                }
            }
            Backend::Memory(map) => {
                let Ok(mut map) = map.lock() else {
                    return Verdict::Allowed;
                };
                let now = Instant::now();
                if map.len() > 100_000 {
                    map.retain(|_, (_, reset)| *reset > now);
                }
                let entry = map.entry(full).or_insert((0, now + limit.window));
                if entry.1 <= now {
                    *entry = (0, now + limit.window);
                }
                entry.0 += by;
                (
                    entry.0,
                    entry.1.saturating_duration_since(now).as_secs().max(1),
                )
            }
        };
        let over = if by == 0 {
            count >= limit.max
        } else {
            count > limit.max
        };
        if over {
            Verdict::Limited {
                retry_after: ttl.max(1),
            }
        } else {
            Verdict::Allowed
        }
    }
}
