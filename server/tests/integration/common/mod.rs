//! Test harness: every test gets its own freshly created and migrated database on the real
//! PostgreSQL, dropped again when the test ends.

use std::{collections::HashMap, str::FromStr};

use app::{
    infra::{config::Config, db, Infra},
    services::Services,
};
use axum::{body::Body, http::Request, Router};
use http_body_util::BodyExt;
use server::{router, state::AppState};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, Executor, PgConnection, PgPool,
};
use tower::ServiceExt;

/// Base URL of the Postgres server used for tests; its database part is replaced per test.
pub fn base_database_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `url` with its database name replaced by `name` (query parameters are kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let (scheme, rest) = base.split_once("://").expect("database URL has a scheme");
    let authority = rest.split('/').next().unwrap_or(rest);
    match query {
        Some(q) => format!("{scheme}://{authority}/{name}?{q}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

/// A database that exists for one test.
pub struct TestDb {
    /// Pool on the test database.
    pub pool: PgPool,
    /// URL of the test database.
    pub url: String,
    name: String,
    /// URL of the server it lives on.
    server: String,
}

impl TestDb {
    /// Creates an empty database (no migrations applied).
    pub async fn empty() -> Self {
        Self::empty_on(&base_database_url()).await
    }

    /// Creates an empty database on the server at `server` (any database part is ignored).
    pub async fn empty_on(server: &str) -> Self {
        let name = format!("parley_test_{}", uuid::Uuid::new_v4().simple());
        let admin_url = with_database(server, "postgres");
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("tests need PostgreSQL (see README: scripts/test.sh starts it)");
        admin
            .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = with_database(server, &name);
        let options = PgConnectOptions::from_str(&url).expect("valid test database URL");
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .expect("connect to test database");
        Self {
            pool,
            url,
            name,
            server: server.to_owned(),
        }
    }

    /// Creates a database with every migration applied.
    pub async fn migrated() -> Self {
        Self::migrated_on(&base_database_url()).await
    }

    /// Creates a database with every migration applied on the server at `server`.
    pub async fn migrated_on(server: &str) -> Self {
        let db = Self::empty_on(server).await;
        db::migrate(&db.pool).await.expect("migrations apply");
        db
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let admin_url = with_database(&self.server, "postgres");
        // The pool's sockets belong to the test's runtime, which is blocked right here, so
        // closing them gracefully would deadlock; FORCE below ends their server sessions.
        // Drop runs outside any async context we can borrow; use a private runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for dropping the test database");
            runtime.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    let _ = admin
                        .execute(
                            format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str(),
                        )
                        .await;
                }
            });
        })
        .join();
        if dropped.is_err() {
            eprintln!("could not drop a test database");
        }
    }
}

/// Configuration for a test server on `db`, with `overrides` on top of the defaults.
pub fn test_config(db: &TestDb, overrides: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::new();
    vars.insert("DATABASE_URL".into(), db.url.clone());
    // Rate-limit counters and channels in the shared Redis stay private to this test.
    vars.insert("REDIS_NAMESPACE".into(), db.name.clone());
    for key in ["REDIS_URL", "AMQP_URL"] {
        if let Ok(value) = std::env::var(key) {
            vars.insert(key.into(), value);
        }
    }
    for (k, v) in overrides {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    Config::from_lookup(move |k| vars.get(k).cloned()).expect("valid test configuration")
}

/// A migrated database plus the real application router over it.
pub struct TestApp {
    /// The application as the server runs it.
    pub router: Router,
    /// Its backends.
    pub infra: Infra,
    /// The services its handlers call.
    pub services: Services,
    /// Its database, dropped with this value (held for that, not read).
    #[allow(dead_code)]
    pub db: TestDb,
}

impl TestApp {
    /// Starts the app with the default (real) backends and `overrides`.
    pub async fn spawn(overrides: &[(&str, &str)]) -> Self {
        Self::spawn_on(TestDb::migrated().await, overrides).await
    }

    /// Starts the app on a migrated `db` with the default (real) backends and `overrides`.
    pub async fn spawn_on(db: TestDb, overrides: &[(&str, &str)]) -> Self {
        let infra = Infra::connect(test_config(&db, overrides))
            .await
            .expect("infrastructure connects");
        let state = AppState::new(infra.clone());
        let services = state.services.clone();
        let router = router::build(state);
        Self {
            router,
            infra,
            services,
            db,
        }
    }

    /// Sends one request through the router.
    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("read body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body: bytes.to_vec(),
        }
    }

    /// A JSON request with an optional bearer token (`body = None` sends no body).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                builder = builder.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.request(builder.body(body).expect("valid request"))
            .await
    }

    /// Registers `username` (email `<username>@example.com`) and returns the token response.
    pub async fn register(&self, username: &str, password: &str) -> serde_json::Value {
        let response = self
            .send(
                "POST",
                "/api/v1/auth/register",
                None,
                Some(serde_json::json!({
                    "email": format!("{username}@example.com"),
                    "username": username,
                    "password": password,
                })),
            )
            .await;
        assert_eq!(response.status.as_u16(), 201, "{}", response.text());
        response.json()
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(
            Request::get(path)
                .body(Body::empty())
                .expect("valid request"),
        )
        .await
    }
}

/// A fully read response.
pub struct TestResponse {
    /// Status code.
    pub status: axum::http::StatusCode,
    /// Headers.
    pub headers: axum::http::HeaderMap,
    /// Raw body.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Asserts `response` is an error with the shared shape and `code`.
pub fn assert_error(response: &TestResponse, status: u16, code: &str) {
    assert_eq!(
        response.status.as_u16(),
        status,
        "body: {}",
        response.text()
    );
    let body = response.json();
    assert_eq!(body["error"]["code"], code, "body: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error message missing: {body}"
    );
}

/// Registers `name` through the service (from an address of its own, so the registration
/// limit stays out of the way) and returns the caller it authenticates as.
pub async fn service_user(
    services: &app::services::Services,
    name: &str,
) -> app::services::auth::Authenticated {
    let tokens = services
        .auth
        .register(
            app::model::auth::RegisterRequest {
                email: format!("{name}@example.com"),
                username: name.into(),
                password: "service-test-password".into(),
                display_name: None,
            },
            &app::services::auth::ClientInfo {
                ip: Some(format!("test-{name}")),
                user_agent: None,
            },
        )
        .await
        .expect("register");
    app::services::auth::Authenticated {
        user_id: tokens.user.id,
        session_id: tokens.session_id,
    }
}
