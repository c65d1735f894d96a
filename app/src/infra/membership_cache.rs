//! Room participants and their roles, cached in Redis (or in process) because every message,
//! typing event and page of a room checks membership.
//!
//! Staleness must never grant access: every change bumps the room's generation and deletes the
//! entry after its transaction commits, and a reader only stores what it loaded if the
//! generation is still the one it saw *before* reading the database. Entries also expire.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use redis::aio::ConnectionManager;
use uuid::Uuid;

use crate::model::room::Role;

/// Participants of one room by user id.
pub type Members = HashMap<Uuid, Role>;

/// Seconds an entry lives in Redis even without changes.
const TTL_SECS: u64 = 300;

/// The cache; cheap to clone.
#[derive(Clone)]
pub struct MembershipCache {
    backend: Backend,
    namespace: Arc<str>,
}

#[derive(Clone)]
enum Backend {
    Redis(ConnectionManager),
    Memory(Arc<Mutex<HashMap<Uuid, MemoryEntry>>>),
}

#[derive(Default)]
struct MemoryEntry {
    generation: u64,
    members: Option<Members>,
}

/// A generation read before loading from the database.
#[derive(Debug, Clone)]
pub struct Generation(String);

const FILL_SCRIPT: &str = r"
local g = redis.call('GET', KEYS[1])
if (g or '0') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], '_', '1', unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
";

impl MembershipCache {
    /// A cache in Redis under `namespace:room:*`.
    pub fn redis(conn: ConnectionManager, namespace: &str) -> Self {
        Self {
            backend: Backend::Redis(conn),
            namespace: namespace.into(),
        }
    }

    /// A cache in this process.
    pub fn in_process(namespace: &str) -> Self {
        Self {
            backend: Backend::Memory(Arc::default()),
            namespace: namespace.into(),
        }
    }

    fn keys(&self, room: Uuid) -> (String, String) {
        (
            format!("{}:room:{room}:gen", self.namespace),
            format!("{}:room:{room}:members", self.namespace),
        )
    }

    /// The cached participants, or `None` on a miss (or when Redis is unavailable).
    pub async fn get(&self, room: Uuid) -> Option<Members> {
        match &self.backend {
            Backend::Redis(conn) => {
                let (_, members_key) = self.keys(room);
                let mut conn = conn.clone();
                let raw: HashMap<String, String> = redis::cmd("HGETALL")
                    .arg(&members_key)
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| {
                        crate::infra::metrics::redis_error("cache");
                        tracing::warn!(error = %e, "membership cache read failed")
                    })
                    .ok()?;
                if raw.is_empty() {
                    return None;
                }
                Some(
                    raw.into_iter()
                        .filter_map(|(k, v)| Some((k.parse().ok()?, Role::parse(&v)?)))
                        .collect(),
                )
            }
            Backend::Memory(map) => map
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&room)
                .and_then(|e| e.members.clone()),
        }
    }

    /// The roles of `users` in the cached room, in their order, in one read and without the
    /// whole member list: `None` on a miss, `None` entries for users not in the room.
    pub async fn roles(&self, room: Uuid, users: &[Uuid]) -> Option<Vec<Option<Role>>> {
        match &self.backend {
            Backend::Redis(conn) => {
                let (_, members_key) = self.keys(room);
                let mut conn = conn.clone();
                let mut cmd = redis::cmd("HMGET");
                cmd.arg(&members_key).arg("_");
                for user in users {
                    cmd.arg(user.to_string());
                }
                let fields: Vec<Option<String>> = cmd
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| {
                        crate::infra::metrics::redis_error("cache");
                        tracing::warn!(error = %e, "membership cache read failed")
                    })
                    .ok()?;
                let (sentinel, roles) = fields.split_first()?;
                // The sentinel field marks a filled entry, so an absent user is a real answer.
                sentinel.as_ref()?;
                Some(
                    roles
                        .iter()
                        .map(|role| role.as_deref().and_then(Role::parse))
                        .collect(),
                )
            }
            Backend::Memory(map) => map
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&room)
                .and_then(|e| e.members.as_ref())
                .map(|members| {
                    users
                        .iter()
                        .map(|user| members.get(user).copied())
                        .collect()
                }),
        }
    }

    /// The room's generation; read it before loading members from the database.
    pub async fn generation(&self, room: Uuid) -> Option<Generation> {
        match &self.backend {
            Backend::Redis(conn) => {
                let (gen_key, _) = self.keys(room);
                let mut conn = conn.clone();
                let g: Option<String> = redis::cmd("GET")
                    .arg(&gen_key)
                    .query_async(&mut conn)
                    .await
                    .ok()?;
                Some(Generation(g.unwrap_or_else(|| "0".to_owned())))
            }
            Backend::Memory(map) => {
                let map = map.lock().unwrap_or_else(PoisonError::into_inner);
                let g = map.get(&room).map_or(0, |e| e.generation);
                Some(Generation(g.to_string()))
            }
        }
    }

    /// Stores members loaded from the database, unless the room changed since `seen`.
    pub async fn fill(&self, room: Uuid, seen: Generation, members: &Members) {
        match &self.backend {
            Backend::Redis(conn) => {
                let (gen_key, members_key) = self.keys(room);
                let fill = redis::Script::new(FILL_SCRIPT);
                let mut script = fill.prepare_invoke();
                script
                    .key(&gen_key)
                    .key(&members_key)
                    .arg(&seen.0)
                    .arg(TTL_SECS);
                for (user, role) in members {
                    script.arg(user.to_string()).arg(role.as_str());
                }
                let mut conn = conn.clone();
                if let Err(e) = script.invoke_async::<i64>(&mut conn).await {
                    crate::infra::metrics::redis_error("cache");
                    tracing::warn!(error = %e, "membership cache fill failed");
                }
            }
            Backend::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
                let entry = map.entry(room).or_default();
                if entry.generation.to_string() == seen.0 {
                    entry.members = Some(members.clone());
                }
            }
        }
    }

    /// Forgets the room's members; call after every committed membership change.
    pub async fn invalidate(&self, room: Uuid) {
        match &self.backend {
            Backend::Redis(conn) => {
                let (gen_key, members_key) = self.keys(room);
                let mut conn = conn.clone();
                let result: redis::RedisResult<()> = redis::pipe()
                    .atomic()
                    .cmd("INCR")
                    .arg(&gen_key)
                    .ignore()
                    .cmd("EXPIRE")
                    .arg(&gen_key)
                    .arg(TTL_SECS * 2)
                    .ignore()
                    .cmd("DEL")
                    .arg(&members_key)
                    .ignore()
                    .query_async(&mut conn)
                    .await;
                if let Err(e) = result {
                    // The entry expires within TTL_SECS; until then Redis is down anyway and
                    // reads fall back to the database.
                    crate::infra::metrics::redis_error("cache");
                    tracing::error!(error = %e, room = %room, "membership cache invalidation failed");
                }
            }
            Backend::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
                let entry = map.entry(room).or_default();
                entry.generation += 1;
                entry.members = None;
            }
        }
    }
}
