//! Server configuration read from the environment (and an optional `.env`), validated once at
//! start so a bad value stops the process with one clear line instead of failing later.

use std::{fmt, net::SocketAddr, str::FromStr, time::Duration};

/// The development-only JWT secret; production refuses to start with it.
pub const DEV_JWT_SECRET: &str = "parley-development-secret-do-not-use-in-production";

const DEFAULT_DATABASE_URL: &str = "postgres://postgres:postgres@127.0.0.1:5432/parley";
const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
const DEFAULT_AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const IN_PROCESS: &str = "in-process";
const MIN_SECRET_LEN: usize = 32;

/// A configuration value that could not be accepted.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An environment variable holds a value that is not allowed.
    #[error("invalid {var}: {message}")]
    Invalid {
        /// The variable's name.
        var: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The `.env` file exists but cannot be read.
    #[error("cannot read .env: {0}")]
    DotEnv(String),
}

fn invalid(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        var,
        message: message.into(),
    }
}

/// Whether the process runs as a developer's instance or in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Local development: defaults allowed.
    Development,
    /// Production: secrets must be set explicitly.
    Production,
}

/// Where an optional backend (Redis, RabbitMQ) lives: a server, or inside this process.
#[derive(Clone, PartialEq, Eq)]
pub enum Backend {
    /// A real server at this URL.
    Url(String),
    /// The in-process fallback: single-node only.
    InProcess,
}

impl Backend {
    /// The URL, when a real server is configured.
    pub fn url(&self) -> Option<&str> {
        match self {
            Backend::Url(url) => Some(url),
            Backend::InProcess => None,
        }
    }
}

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backend::Url(url) => write!(f, "{}", redact_url(url)),
            Backend::InProcess => f.write_str(IN_PROCESS),
        }
    }
}

/// A secret whose `Debug` output never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where cargo-leptos put the built site, and how the WASM bundle is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteConfig {
    /// Name of the generated `.js`/`.wasm`/`.css` files.
    pub output_name: String,
    /// Folder holding the built site (`target/site`).
    pub site_root: String,
    /// Folder under `site_root` holding the generated bundle.
    pub site_pkg_dir: String,
    /// Port of cargo-leptos's live-reload socket in watch mode.
    pub reload_port: u32,
}

/// How this process handles notification jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationConfig {
    /// Whether `serve` also runs the consumer (the outbox relay always runs there); turn it
    /// off when separate `server worker` processes consume.
    pub worker: bool,
    /// The queue jobs go to; dead letters go to `<queue>.dead`.
    pub queue: String,
    /// Failed attempts after which a job is dead-lettered.
    pub max_attempts: u32,
}

/// How this process scales out: read replicas, metrics and draining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleConfig {
    /// Streaming replicas that may serve lag-tolerant reads (`DATABASE_READ_URL`).
    pub database_read_urls: Vec<Secret>,
    /// A replica further behind the primary than this is skipped (`DATABASE_READ_MAX_LAG`).
    pub database_read_max_lag: Duration,
    /// Where `/metrics` is served, never on the public port (`METRICS_ADDR`); `None` is off.
    pub metrics_addr: Option<SocketAddr>,
    /// How long a draining instance keeps serving after SIGTERM before closing its sockets.
    pub shutdown_grace: Duration,
    /// Proxies (load balancers) whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// Abuse limits of the realtime channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsConfig {
    /// Sockets one account may hold on one instance (`WS_MAX_CONNECTIONS_PER_USER`).
    pub ws_per_user: usize,
    /// Sockets one client address may hold on one instance (`WS_MAX_CONNECTIONS_PER_ADDRESS`).
    pub ws_per_address: usize,
    /// Time a client gets to send a request's headers (`HTTP_HEADER_TIMEOUT_SECONDS`).
    pub http_header_timeout: Duration,
    /// Time a request may take before it is answered 408 (`HTTP_REQUEST_TIMEOUT_SECONDS`).
    pub http_request_timeout: Duration,
}

/// The whole validated configuration of a server process.
#[derive(Debug, Clone)]
pub struct Config {
    /// Development or production.
    pub environment: Environment,
    /// Address the HTTP server binds to.
    pub site_addr: SocketAddr,
    /// PostgreSQL connection URL (it may hold a password, hence `Secret`).
    pub database_url: Secret,
    /// Upper bound of the Postgres pool.
    pub db_max_connections: u32,
    /// Redis (cache, presence, rate limits, event bus) or the in-process fallback.
    pub redis: Backend,
    /// RabbitMQ (notification jobs) or the in-process fallback.
    pub amqp: Backend,
    /// HMAC secret for access tokens.
    pub jwt_secret: Secret,
    /// Origins allowed for CORS and WebSocket upgrades.
    pub cors_origins: Vec<String>,
    /// `tracing` filter directive, e.g. `info` or `server=debug,info`.
    pub log_level: String,
    /// Leptos site layout.
    pub site: SiteConfig,
    /// Prefix of every Redis key and channel, so several deployments (or tests) can share one Redis.
    pub redis_namespace: String,
    /// The URL users reach the site at; an `https://` URL makes cookies `Secure`.
    pub public_url: Option<String>,
    /// Accounts one client address may register per hour.
    pub registrations_per_hour: u32,
    /// Notification relay and consumer.
    pub notifications: NotificationConfig,
    /// Read replicas, metrics listener and graceful drain.
    pub scale: ScaleConfig,
    /// Abuse limits.
    pub limits: LimitsConfig,
}

impl Config {
    /// Reads `.env` (when present) and the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(ConfigError::DotEnv(e.to_string())),
        }
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds the configuration from any key lookup; tests pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let environment = match get("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") => Environment::Development,
            Some("production") | Some("prod") => Environment::Production,
            Some(other) => {
                return Err(invalid(
                    "APP_ENV",
                    format!("{other:?} is neither \"development\" nor \"production\""),
                ))
            }
        };

        let (addr_var, addr) = match (get("SITE_ADDR"), get("LEPTOS_SITE_ADDR")) {
            (Some(v), _) => ("SITE_ADDR", v),
            (None, Some(v)) => ("LEPTOS_SITE_ADDR", v),
            (None, None) => ("SITE_ADDR", "127.0.0.1:3000".to_owned()),
        };
        let site_addr = SocketAddr::from_str(&addr).map_err(|_| {
            invalid(
                addr_var,
                format!("{addr:?} is not an address like 127.0.0.1:3000"),
            )
        })?;

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        validate_database_url(&database_url)?;

        let db_max_connections = match get("DB_MAX_CONNECTIONS") {
            None => 10,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    invalid(
                        "DB_MAX_CONNECTIONS",
                        format!("{v:?} is not a number from 1 to 1000"),
                    )
                })?,
        };

        let registrations_per_hour = match get("REGISTRATIONS_PER_HOUR") {
            None => 20,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1_000_000).contains(n))
                .ok_or_else(|| {
                    invalid(
                        "REGISTRATIONS_PER_HOUR",
                        format!("{v:?} is not a number from 1 to 1000000"),
                    )
                })?,
        };

        let redis = parse_backend(
            "REDIS_URL",
            get("REDIS_URL"),
            DEFAULT_REDIS_URL,
            &["redis://", "rediss://"],
        )?;
        if let Backend::Url(url) = &redis {
            redis::Client::open(url.as_str())
                .map_err(|e| invalid("REDIS_URL", format!("{}: {e}", redact_url(url))))?;
        }
        let amqp = parse_backend(
            "AMQP_URL",
            get("AMQP_URL"),
            DEFAULT_AMQP_URL,
            &["amqp://", "amqps://"],
        )?;
        if let Backend::Url(url) = &amqp {
            lapin::uri::AMQPUri::from_str(url)
                .map_err(|e| invalid("AMQP_URL", format!("{}: {e}", redact_url(url))))?;
        }

        let jwt_secret = match get("JWT_SECRET") {
            None if environment == Environment::Production => {
                return Err(invalid(
                    "JWT_SECRET",
                    "must be set in production (at least 32 random characters)",
                ))
            }
            None => DEV_JWT_SECRET.to_owned(),
            Some(s) if s == DEV_JWT_SECRET && environment == Environment::Production => {
                return Err(invalid(
                    "JWT_SECRET",
                    "the development default cannot be used in production",
                ))
            }
            Some(s) if s.len() < MIN_SECRET_LEN => {
                return Err(invalid(
                    "JWT_SECRET",
                    format!("must be at least {MIN_SECRET_LEN} characters long"),
                ))
            }
            Some(s) => s,
        };

        let cors_origins = match get("CORS_ORIGINS") {
            Some(list) => parse_origins(&list)?,
            None => default_origins(site_addr),
        };

        let log_level = get("RUST_LOG")
            .or_else(|| get("LOG_LEVEL"))
            .unwrap_or_else(|| "info".to_owned());

        let reload_port = match get("LEPTOS_RELOAD_PORT") {
            None => 3001,
            Some(v) => v.parse::<u32>().map_err(|_| {
                invalid("LEPTOS_RELOAD_PORT", format!("{v:?} is not a port number"))
            })?,
        };
        let site = SiteConfig {
            output_name: get("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "parley".to_owned()),
            site_root: get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
            site_pkg_dir: get("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".to_owned()),
            reload_port,
        };

        let redis_namespace = get("REDIS_NAMESPACE").unwrap_or_else(|| "parley".to_owned());
        if redis_namespace.len() > 64
            || !redis_namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(invalid(
                "REDIS_NAMESPACE",
                format!("{redis_namespace:?} must be 1 to 64 letters, digits, '_', '-' or '.'"),
            ));
        }
        let public_url = get("PUBLIC_URL");
        if let Some(url) = &public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(invalid(
                    "PUBLIC_URL",
                    format!("{url:?} must start with http:// or https://"),
                ));
            }
        }

        let notifications = parse_notifications(&get)?;
        let scale = parse_scale(&get, environment, site_addr)?;
        let limits = LimitsConfig {
            ws_per_user: parse_count(&get, "WS_MAX_CONNECTIONS_PER_USER", 20, 1_000_000)?,
            ws_per_address: parse_count(&get, "WS_MAX_CONNECTIONS_PER_ADDRESS", 1000, 10_000_000)?,
            http_header_timeout: parse_timeout(&get, "HTTP_HEADER_TIMEOUT_SECONDS", 10)?,
            http_request_timeout: parse_timeout(&get, "HTTP_REQUEST_TIMEOUT_SECONDS", 30)?,
        };

        Ok(Self {
            environment,
            site_addr,
            database_url: Secret(database_url),
            db_max_connections,
            redis,
            amqp,
            jwt_secret: Secret(jwt_secret),
            cors_origins,
            log_level,
            site,
            redis_namespace,
            public_url,
            registrations_per_hour,
            notifications,
            scale,
            limits,
        })
    }
}

/// The metrics listener production gets unless told otherwise: every interface, so the
/// scraper in another pod reaches it, on a port that is not the site's.
const DEFAULT_PRODUCTION_METRICS_ADDR: &str = "0.0.0.0:9100";

fn parse_scale(
    get: &impl Fn(&str) -> Option<String>,
    environment: Environment,
    site_addr: SocketAddr,
) -> Result<ScaleConfig, ConfigError> {
    let database_read_urls = match get("DATABASE_READ_URL") {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|url| {
                validate_postgres_url("DATABASE_READ_URL", url).map(|()| Secret(url.to_owned()))
            })
            .collect::<Result<_, _>>()?,
    };
    let database_read_max_lag = match get("DATABASE_READ_MAX_LAG") {
        None => Duration::from_secs(5),
        Some(v) => parse_seconds(&v)
            .filter(|d| *d <= Duration::from_secs(3600))
            .ok_or_else(|| {
                invalid(
                    "DATABASE_READ_MAX_LAG",
                    format!("{v:?} is not a number of seconds from 0 to 3600 (like 5 or 0.5)"),
                )
            })?,
    };
    let metrics_addr = match get("METRICS_ADDR").as_deref() {
        Some("off" | "none" | "false") => None,
        None if environment == Environment::Development => None,
        None => SocketAddr::from_str(DEFAULT_PRODUCTION_METRICS_ADDR).ok(),
        Some(v) => Some(SocketAddr::from_str(v).map_err(|_| {
            invalid(
                "METRICS_ADDR",
                format!("{v:?} is not an address like 127.0.0.1:9100 (or \"off\")"),
            )
        })?),
    };
    if metrics_addr.is_some_and(|m| m.port() == site_addr.port()) {
        return Err(invalid(
            "METRICS_ADDR",
            "must use another port than SITE_ADDR: metrics are never served on the public port",
        ));
    }
    let shutdown_grace = match get("SHUTDOWN_GRACE_SECONDS") {
        None => Duration::from_secs(10),
        Some(v) => parse_seconds(&v)
            .filter(|d| *d <= Duration::from_secs(600))
            .ok_or_else(|| {
                invalid(
                    "SHUTDOWN_GRACE_SECONDS",
                    format!("{v:?} is not a number of seconds from 0 to 600"),
                )
            })?,
    };
    let trusted_proxies = match get("TRUSTED_PROXIES") {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        invalid(
                            "TRUSTED_PROXIES",
                            format!("{p:?} is not an address or network like 10.0.0.0/8"),
                        )
                    })
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(ScaleConfig {
        trusted_proxies,
        database_read_urls,
        database_read_max_lag,
        metrics_addr,
        shutdown_grace,
    })
}

/// A whole number from 1 to `max`, or `default` when unset.
fn parse_count(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: usize,
    max: usize,
) -> Result<usize, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| invalid(var, format!("{v:?} is not a number from 1 to {max}"))),
    }
}

/// A timeout from 0.1 s to an hour, `default` seconds when unset.
fn parse_timeout(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: u64,
) -> Result<Duration, ConfigError> {
    match get(var) {
        None => Ok(Duration::from_secs(default)),
        Some(v) => parse_seconds(&v)
            .filter(|d| (Duration::from_millis(100)..=Duration::from_secs(3600)).contains(d))
            .ok_or_else(|| {
                invalid(
                    var,
                    format!("{v:?} is not a number of seconds from 0.1 to 3600"),
                )
            }),
    }
}

/// A non-negative, finite number of seconds such as `5` or `0.25`.
fn parse_seconds(value: &str) -> Option<Duration> {
    let seconds = value.trim_end_matches('s').parse::<f64>().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

fn parse_notifications(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<NotificationConfig, ConfigError> {
    let worker = match get("NOTIFICATION_WORKER").as_deref() {
        None | Some("true" | "1" | "on" | "yes") => true,
        Some("false" | "0" | "off" | "no") => false,
        Some(other) => {
            return Err(invalid(
                "NOTIFICATION_WORKER",
                format!("{other:?} is neither true nor false"),
            ))
        }
    };
    let queue = get("NOTIFICATION_QUEUE").unwrap_or_else(|| "parley.notifications".to_owned());
    if queue.len() > 200
        || !queue
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
    {
        return Err(invalid(
            "NOTIFICATION_QUEUE",
            format!("{queue:?} must be 1 to 200 letters, digits, '_', '-', '.' or ':'"),
        ));
    }
    let max_attempts = match get("NOTIFICATION_MAX_ATTEMPTS") {
        None => 5,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| {
                invalid(
                    "NOTIFICATION_MAX_ATTEMPTS",
                    format!("{v:?} is not a number from 1 to 100"),
                )
            })?,
    };
    Ok(NotificationConfig {
        worker,
        queue,
        max_attempts,
    })
}

fn validate_database_url(url: &str) -> Result<(), ConfigError> {
    validate_postgres_url("DATABASE_URL", url)
}

fn validate_postgres_url(var: &'static str, url: &str) -> Result<(), ConfigError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(invalid(
            var,
            format!(
                "{} must start with postgres:// or postgresql://",
                redact_url(url)
            ),
        ));
    }
    sqlx::postgres::PgConnectOptions::from_str(url)
        .map(|_| ())
        .map_err(|e| invalid(var, format!("{}: {e}", redact_url(url))))
}

fn parse_backend(
    var: &'static str,
    value: Option<String>,
    default: &str,
    schemes: &[&str],
) -> Result<Backend, ConfigError> {
    let value = value.unwrap_or_else(|| default.to_owned());
    if matches!(value.as_str(), "memory" | "in-process" | "none" | "off") {
        return Ok(Backend::InProcess);
    }
    if schemes.iter().any(|s| value.starts_with(s)) {
        Ok(Backend::Url(value))
    } else {
        Err(invalid(
            var,
            format!(
                "{} must start with {} or be \"memory\" for the in-process fallback",
                redact_url(&value),
                schemes.join(" or ")
            ),
        ))
    }
}

fn parse_origins(list: &str) -> Result<Vec<String>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains('/') => {
                    Ok(origin.to_ascii_lowercase())
                }
                _ => Err(invalid(
                    "CORS_ORIGINS",
                    format!("{origin:?} is not an origin like https://chat.example.com"),
                )),
            }
        })
        .collect()
}

fn default_origins(addr: SocketAddr) -> Vec<String> {
    let mut origins = vec![format!("http://{addr}")];
    if addr.ip().is_loopback() || addr.ip().is_unspecified() {
        origins.push(format!("http://localhost:{}", addr.port()));
        origins.push(format!("http://127.0.0.1:{}", addr.port()));
    }
    origins.dedup();
    origins
}

/// Hides the password of a URL such as `postgres://user:pass@host/db` for logs and errors.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(move |k| map.get(k).cloned())
    }

    fn error_of(pairs: &[(&str, &str)]) -> String {
        match config(pairs) {
            Ok(_) => panic!("expected {pairs:?} to be rejected"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn defaults_point_at_local_services() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.environment, Environment::Development);
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(c.redis, Backend::Url(DEFAULT_REDIS_URL.to_owned()));
        assert_eq!(c.amqp, Backend::Url(DEFAULT_AMQP_URL.to_owned()));
        assert_eq!(c.jwt_secret.expose(), DEV_JWT_SECRET);
        assert!(c.cors_origins.contains(&"http://localhost:3000".to_owned()));
        assert_eq!(c.site.output_name, "parley");
    }

    #[test]
    fn memory_selects_the_in_process_fallbacks() {
        let c = config(&[("REDIS_URL", "memory"), ("AMQP_URL", "memory")]).expect("valid");
        assert_eq!(c.redis, Backend::InProcess);
        assert_eq!(c.amqp, Backend::InProcess);
    }

    #[test]
    fn production_refuses_a_missing_or_default_secret() {
        let missing = error_of(&[("APP_ENV", "production")]);
        assert!(missing.contains("JWT_SECRET"), "{missing}");
        let default = error_of(&[("APP_ENV", "production"), ("JWT_SECRET", DEV_JWT_SECRET)]);
        assert!(default.contains("development default"), "{default}");
        let ok = config(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", "x7Kp2vQ9mZ4rT8wB1nC6dF3gH5jL0sA2"),
        ])
        .expect("a real secret is accepted");
        assert_eq!(ok.environment, Environment::Production);
    }

    #[test]
    fn short_secrets_are_rejected() {
        assert!(error_of(&[("JWT_SECRET", "short")]).contains("at least 32"));
    }

    #[test]
    fn bad_values_name_their_variable() {
        assert!(error_of(&[("SITE_ADDR", "localhost")]).starts_with("invalid SITE_ADDR"));
        assert!(error_of(&[("DATABASE_URL", "mysql://x")]).starts_with("invalid DATABASE_URL"));
        assert!(error_of(&[("REDIS_URL", "http://x")]).starts_with("invalid REDIS_URL"));
        assert!(error_of(&[("AMQP_URL", "redis://x")]).starts_with("invalid AMQP_URL"));
        assert!(error_of(&[("APP_ENV", "staging")]).starts_with("invalid APP_ENV"));
        assert!(error_of(&[("DB_MAX_CONNECTIONS", "0")]).starts_with("invalid DB_MAX_CONNECTIONS"));
        assert!(error_of(&[("REGISTRATIONS_PER_HOUR", "0")])
            .starts_with("invalid REGISTRATIONS_PER_HOUR"));
        assert!(error_of(&[("REGISTRATIONS_PER_HOUR", "many")])
            .starts_with("invalid REGISTRATIONS_PER_HOUR"));
        assert!(error_of(&[("CORS_ORIGINS", "example.com")]).starts_with("invalid CORS_ORIGINS"));
        assert!(error_of(&[("NOTIFICATION_WORKER", "maybe")])
            .starts_with("invalid NOTIFICATION_WORKER"));
        assert!(
            error_of(&[("NOTIFICATION_QUEUE", "a b")]).starts_with("invalid NOTIFICATION_QUEUE")
        );
        assert!(error_of(&[("NOTIFICATION_MAX_ATTEMPTS", "0")])
            .starts_with("invalid NOTIFICATION_MAX_ATTEMPTS"));
    }

    #[test]
    fn notification_settings_have_defaults() {
        let c = config(&[]).expect("defaults are valid");
        assert!(c.notifications.worker);
        assert_eq!(c.notifications.queue, "parley.notifications");
        assert_eq!(c.notifications.max_attempts, 5);
        let off = config(&[
            ("NOTIFICATION_WORKER", "false"),
            ("NOTIFICATION_MAX_ATTEMPTS", "3"),
        ])
        .expect("valid");
        assert!(!off.notifications.worker);
        assert_eq!(off.notifications.max_attempts, 3);
    }

    #[test]
    fn scale_out_settings_have_defaults_and_limits() {
        let dev = config(&[]).expect("defaults are valid");
        assert!(dev.scale.database_read_urls.is_empty());
        assert_eq!(dev.scale.database_read_max_lag, Duration::from_secs(5));
        assert_eq!(
            dev.scale.metrics_addr, None,
            "no metrics listener in development"
        );
        assert_eq!(dev.scale.shutdown_grace, Duration::from_secs(10));

        let prod = config(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", "x7Kp2vQ9mZ4rT8wB1nC6dF3gH5jL0sA2"),
        ])
        .expect("valid");
        assert_eq!(
            prod.scale.metrics_addr.map(|a| a.to_string()).as_deref(),
            Some("0.0.0.0:9100")
        );

        let set = config(&[
            (
                "DATABASE_READ_URL",
                "postgres://r1:5432/parley, postgres://r2:5432/parley",
            ),
            ("DATABASE_READ_MAX_LAG", "0.5"),
            ("METRICS_ADDR", "127.0.0.1:9100"),
            ("SHUTDOWN_GRACE_SECONDS", "0"),
        ])
        .expect("valid");
        assert_eq!(set.scale.database_read_urls.len(), 2);
        assert_eq!(set.scale.database_read_max_lag, Duration::from_millis(500));
        assert_eq!(set.scale.shutdown_grace, Duration::ZERO);

        assert!(error_of(&[("DATABASE_READ_URL", "mysql://x")])
            .starts_with("invalid DATABASE_READ_URL"));
        assert!(error_of(&[("DATABASE_READ_MAX_LAG", "-1")])
            .starts_with("invalid DATABASE_READ_MAX_LAG"));
        assert!(error_of(&[("METRICS_ADDR", "everywhere")]).starts_with("invalid METRICS_ADDR"));
        assert!(error_of(&[("METRICS_ADDR", "0.0.0.0:3000")]).contains("public port"));
        assert!(error_of(&[("SHUTDOWN_GRACE_SECONDS", "NaN")])
            .starts_with("invalid SHUTDOWN_GRACE_SECONDS"));
        assert!(
            error_of(&[("TRUSTED_PROXIES", "10.0.0.0/33")]).starts_with("invalid TRUSTED_PROXIES")
        );
        assert_eq!(dev.limits.ws_per_user, 20);
        assert!(error_of(&[("WS_MAX_CONNECTIONS_PER_USER", "0")])
            .starts_with("invalid WS_MAX_CONNECTIONS_PER_USER"));
        let proxies = config(&[("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,::1")]).expect("valid");
        assert_eq!(proxies.scale.trusted_proxies.len(), 3);
    }

    #[test]
    fn cors_origins_are_parsed_and_normalised() {
        let c = config(&[(
            "CORS_ORIGINS",
            "https://Chat.Example.com, http://localhost:8080",
        )])
        .expect("valid");
        assert_eq!(
            c.cors_origins,
            vec!["https://chat.example.com", "http://localhost:8080"]
        );
    }

    #[test]
    fn urls_are_redacted_in_errors_and_debug_output() {
        let e = error_of(&[("DATABASE_URL", "mysql://me:hunter2@db/x")]);
        assert!(!e.contains("hunter2"), "{e}");
        let c = config(&[("REDIS_URL", "redis://:topsecret@127.0.0.1:6379")]).expect("valid");
        assert!(!format!("{c:?}").contains("topsecret"));
        assert!(!format!("{c:?}").contains(DEV_JWT_SECRET));
    }
}
