//! Who is connected: per-user sets of live connections with their status, each entry expiring
//! unless its connection keeps renewing it. In Redis, a crashed instance's users therefore go
//! offline by themselves within the TTL; in process, they live and die with the process.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use redis::aio::ConnectionManager;
use uuid::Uuid;

use crate::model::realtime::PresenceStatus;

/// How long a connection counts as present without renewing.
pub const ENTRY_TTL: Duration = Duration::from_secs(60);

/// The presence store; cheap to clone.
#[derive(Clone)]
pub struct PresenceStore {
    backend: Backend,
    namespace: Arc<str>,
}

#[derive(Clone)]
enum Backend {
    Redis(ConnectionManager),
    Memory(Arc<Mutex<HashMap<Uuid, Connections>>>),
}

/// One user's connections: status and expiry (ms since the epoch).
type Connections = HashMap<Uuid, (PresenceStatus, u128)>;

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

fn status_str(s: PresenceStatus) -> &'static str {
    match s {
        PresenceStatus::Online => "online",
        PresenceStatus::Away => "away",
        PresenceStatus::Offline => "offline",
    }
}

/// The aggregate of a user's connections: online beats away beats nothing.
fn aggregate(statuses: impl IntoIterator<Item = PresenceStatus>) -> PresenceStatus {
    statuses
        .into_iter()
        .fold(PresenceStatus::Offline, |acc, s| match (acc, s) {
            (PresenceStatus::Online, _) | (_, PresenceStatus::Online) => PresenceStatus::Online,
            (PresenceStatus::Away, _) | (_, PresenceStatus::Away) => PresenceStatus::Away,
            _ => PresenceStatus::Offline,
        })
}

impl PresenceStore {
    /// Presence in Redis under `namespace:presence:*`.
    pub fn redis(conn: ConnectionManager, namespace: &str) -> Self {
        Self {
            backend: Backend::Redis(conn),
            namespace: namespace.into(),
        }
    }

    /// Presence in this process.
    pub fn in_process(namespace: &str) -> Self {
        Self {
            backend: Backend::Memory(Arc::default()),
            namespace: namespace.into(),
        }
    }

    fn key(&self, user: Uuid) -> String {
        format!("{}:presence:{user}", self.namespace)
    }

    /// Records (or renews) one connection's status for `ttl`, and returns the user's status.
    pub async fn renew(
        &self,
        user: Uuid,
        connection: Uuid,
        status: PresenceStatus,
        ttl: Duration,
    ) -> PresenceStatus {
        let expires = now_ms() + ttl.as_millis();
        match &self.backend {
            Backend::Redis(conn) => {
                let key = self.key(user);
                let mut conn = conn.clone();
                let result: redis::RedisResult<()> = redis::pipe()
                    .atomic()
                    .cmd("ZREM")
                    .arg(&key)
                    .arg(format!("{connection}:online"))
                    .arg(format!("{connection}:away"))
                    .ignore()
                    .cmd("ZADD")
                    .arg(&key)
                    .arg(expires.to_string())
                    .arg(format!("{connection}:{}", status_str(status)))
                    .ignore()
                    .cmd("PEXPIRE")
                    .arg(&key)
                    .arg(ttl.as_millis().to_string())
                    .ignore()
                    .query_async(&mut conn)
                    .await;
                if let Err(e) = result {
                    crate::infra::metrics::redis_error("presence");
                    tracing::warn!(error = %e, "presence update failed");
                }
            }
            Backend::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
                map.entry(user)
                    .or_default()
                    .insert(connection, (status, expires));
            }
        }
        self.status(user).await
    }

    /// Forgets one connection and returns the user's status.
    pub async fn remove(&self, user: Uuid, connection: Uuid) -> PresenceStatus {
        match &self.backend {
            Backend::Redis(conn) => {
                let mut conn = conn.clone();
                let result: redis::RedisResult<()> = redis::cmd("ZREM")
                    .arg(self.key(user))
                    .arg(format!("{connection}:online"))
                    .arg(format!("{connection}:away"))
                    .query_async(&mut conn)
                    .await;
                if let Err(e) = result {
                    crate::infra::metrics::redis_error("presence");
                    tracing::warn!(error = %e, "presence removal failed");
                }
            }
            Backend::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(conns) = map.get_mut(&user) {
                    conns.remove(&connection);
                }
            }
        }
        self.status(user).await
    }

    /// The user's status from their unexpired connections.
    pub async fn status(&self, user: Uuid) -> PresenceStatus {
        let now = now_ms();
        match &self.backend {
            Backend::Redis(conn) => {
                let mut conn = conn.clone();
                let members: redis::RedisResult<Vec<String>> = redis::cmd("ZRANGE")
                    .arg(self.key(user))
                    .arg(format!("({now}"))
                    .arg("+inf")
                    .arg("BYSCORE")
                    .query_async(&mut conn)
                    .await;
                let members = members.unwrap_or_default();
                aggregate(members.iter().filter_map(|m| match m.rsplit_once(':') {
                    Some((_, "online")) => Some(PresenceStatus::Online),
                    Some((_, "away")) => Some(PresenceStatus::Away),
                    _ => None,
                }))
            }
            Backend::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(conns) = map.get_mut(&user) else {
                    return PresenceStatus::Offline;
                };
                conns.retain(|_, (_, expires)| *expires > now);
                aggregate(conns.values().map(|(s, _)| *s))
            }
        }
    }
}
