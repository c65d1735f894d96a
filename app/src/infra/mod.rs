//! Server-side infrastructure: configuration, PostgreSQL, Redis, the event bus and the job
//! queue. Services reach the outside world only through this module.

pub mod bus;
pub mod client_addr;
pub mod config;
pub mod db;
pub mod health;
pub mod membership_cache;
pub mod metrics;
pub mod presence;
pub mod queue;
pub mod rate_limit;
pub mod redis_conn;
pub mod store;

use std::sync::Arc;

use self::{
    bus::EventBus,
    config::{redact_url, Backend, Config},
    db::{Db, DbError},
    membership_cache::MembershipCache,
    presence::PresenceStore,
    queue::JobQueue,
    rate_limit::RateLimiter,
};

/// A backend could not be set up at start.
#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    /// PostgreSQL is unreachable or its migrations failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The Redis URL was rejected by the client.
    #[error("cannot use Redis at {url}: {source}")]
    Redis {
        /// Redacted URL.
        url: String,
        /// Client error.
        source: redis::RedisError,
    },
}

/// Every backend a server process talks to, shared by handlers, services and workers.
#[derive(Clone)]
pub struct Infra {
    /// PostgreSQL: the primary, and read replicas when configured.
    pub db: Db,
    /// Redis connection when configured; `None` means in-process fallbacks are used.
    pub redis: Option<redis::aio::ConnectionManager>,
    /// Realtime event fan-out.
    pub bus: EventBus,
    /// Background job queue.
    pub queue: JobQueue,
    /// Rate-limit counters (Redis when configured).
    pub limiter: RateLimiter,
    /// Room participants cache (Redis when configured).
    pub members: MembershipCache,
    /// Who is connected (Redis when configured).
    pub presence: PresenceStore,
    /// The configuration these were built from.
    pub config: Arc<Config>,
}

impl Infra {
    /// Connects to PostgreSQL (failing fast when it is unreachable) and sets up read replicas,
    /// Redis and RabbitMQ, which may come up later: their absence shows in `/readyz`, not as
    /// a crash.
    pub async fn connect(config: Config) -> Result<Self, InfraError> {
        let db = Db::connect(
            config.database_url.expose(),
            config.db_max_connections,
            &config.scale.database_read_urls,
            config.scale.database_read_max_lag,
        )
        .await?;
        let (redis, bus) = match &config.redis {
            Backend::Url(url) => {
                let (client, conn) =
                    redis_conn::connect(url).map_err(|source| InfraError::Redis {
                        url: redact_url(url),
                        source,
                    })?;
                let bus = EventBus::redis(client, conn.clone(), &config.redis_namespace);
                (Some(conn), bus)
            }
            Backend::InProcess => (None, EventBus::in_process()),
        };
        let queue = match &config.amqp {
            Backend::Url(url) => JobQueue::amqp(url),
            Backend::InProcess => JobQueue::in_process(),
        };
        let limiter = match &redis {
            Some(conn) => RateLimiter::redis(conn.clone(), &config.redis_namespace),
            None => RateLimiter::in_process(&config.redis_namespace),
        };
        let members = match &redis {
            Some(conn) => MembershipCache::redis(conn.clone(), &config.redis_namespace),
            None => MembershipCache::in_process(&config.redis_namespace),
        };
        let presence = match &redis {
            Some(conn) => PresenceStore::redis(conn.clone(), &config.redis_namespace),
            None => PresenceStore::in_process(&config.redis_namespace),
        };
        Ok(Self {
            db,
            redis,
            bus,
            queue,
            limiter,
            members,
            presence,
            config: Arc::new(config),
        })
    }

    /// One human-readable line naming the backends in use, for the startup log.
    pub fn describe(&self) -> String {
        let c = &self.config;
        let replicas: Vec<String> = c
            .scale
            .database_read_urls
            .iter()
            .map(|url| db::redact_replica_url(url.expose()))
            .collect();
        format!(
            "postgres={} postgres_replicas=[{}] redis={:?} rabbitmq={:?} event_bus={} job_queue={}",
            redact_url(c.database_url.expose()),
            replicas.join(", "),
            c.redis,
            c.amqp,
            self.bus.backend(),
            self.queue.backend(),
        )
    }
}
