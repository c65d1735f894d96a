//! The real `server serve` process: metrics on their own listener only, the graceful drain
//! on SIGTERM (`/readyz` 503 at once, serving on through the grace period, WebSockets closed
//! with 1012, exit 0), and the header deadline that stops slow-loris clients.

use std::{
    net::SocketAddr,
    process::Stdio,
    time::{Duration, Instant},
};

use futures::StreamExt;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    process::{Child, Command},
};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{protocol::frame::coding::CloseCode, Message},
};

use crate::common::TestDb;

/// A port nobody listens on right now.
fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr")
}

/// One HTTP/1.1 request over a fresh connection; the status and the raw body.
async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    json: Option<&str>,
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let body = json.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

/// Polls `check` every 50 ms until it holds or `limit` passes.
async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

struct Server {
    child: Child,
    site: SocketAddr,
    metrics: SocketAddr,
}

async fn start(db: &TestDb, grace_seconds: &str) -> Server {
    start_with(db, grace_seconds, &[]).await
}

async fn start_with(db: &TestDb, grace_seconds: &str, extra: &[(&str, &str)]) -> Server {
    let (site, metrics) = (free_addr(), free_addr());
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .arg("serve")
        .env_clear()
        .current_dir(std::env::temp_dir())
        .env("DATABASE_URL", &db.url)
        .env(
            "REDIS_NAMESPACE",
            format!("drain-{}", uuid::Uuid::new_v4().simple()),
        )
        .env("SITE_ADDR", site.to_string())
        .env("METRICS_ADDR", metrics.to_string())
        .env("SHUTDOWN_GRACE_SECONDS", grace_seconds)
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for key in ["PATH", "REDIS_URL", "AMQP_URL"] {
        if let Ok(value) = std::env::var(key) {
            command.env(key, value);
        }
    }
    for (key, value) in extra {
        command.env(key, value);
    }
    let child = command.spawn().expect("start the server binary");
    let ready = eventually(Duration::from_secs(30), || async {
        matches!(http(site, "GET", "/readyz", None).await, Some((200, _)))
    })
    .await;
    assert!(ready, "the server became ready");
    Server {
        child,
        site,
        metrics,
    }
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let db = TestDb::migrated().await;
    let server = start(&db, "0").await;
    let _ = http(server.site, "GET", "/healthz", None).await;

    let (status, body) = http(server.metrics, "GET", "/metrics", None)
        .await
        .expect("the metrics listener answers");
    assert_eq!(status, 200);
    for family in [
        "# TYPE parley_http_requests_total counter",
        "route=\"/healthz\"",
        "# TYPE parley_http_request_duration_seconds histogram",
        "parley_db_pool_connections{pool=\"primary\",state=\"idle\"}",
        "parley_outbox_depth 0",
        "process_resident_memory_bytes",
        "process_open_fds",
    ] {
        assert!(body.contains(family), "{family} missing from:\n{body}");
    }
    let public = http(server.site, "GET", "/metrics", None).await;
    match public {
        Some((status, body)) => {
            assert_ne!(status, 200, "no metrics on the public port");
            assert!(!body.contains("parley_http_requests_total"));
        }
        None => panic!("the public port answers"),
    }
}

#[tokio::test]
async fn sigterm_drains_then_closes_sockets_with_1012_and_exits_cleanly() {
    let db = TestDb::migrated().await;
    let mut server = start(&db, "2").await;
    let (status, body) = http(
        server.site,
        "POST",
        "/api/v1/auth/register",
        Some(r#"{"email":"drain@example.com","username":"drainer","password":"a long test password"}"#),
    )
    .await
    .expect("register answers");
    assert_eq!(status, 201, "{body}");
    let token = serde_json::from_str::<serde_json::Value>(&body).expect("json")["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let (mut socket, _) = connect_async(format!("ws://{}/ws?access_token={token}", server.site))
        .await
        .expect("websocket connects");

    let pid = server.child.id().expect("running").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let sent_at = Instant::now();

    let site = server.site;
    let not_ready = eventually(Duration::from_secs(1), || async {
        matches!(http(site, "GET", "/readyz", None).await, Some((503, body)) if body.contains("draining"))
    })
    .await;
    assert!(not_ready, "/readyz turns 503 (draining) at once");
    assert!(
        matches!(http(site, "GET", "/healthz", None).await, Some((200, _))),
        "requests are still served during the grace period"
    );

    let close = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(message) = socket.next().await {
            if let Ok(Message::Close(frame)) = message {
                return frame;
            }
        }
        None
    })
    .await
    .expect("the socket is closed in time")
    .expect("with a close frame");
    assert_eq!(close.code, CloseCode::Restart, "1012: reconnect elsewhere");
    assert!(
        sent_at.elapsed() >= Duration::from_millis(1800),
        "not before the grace period is over"
    );

    let status = tokio::time::timeout(Duration::from_secs(15), server.child.wait())
        .await
        .expect("the process exits in time")
        .expect("wait for the process");
    assert!(status.success(), "exit 0, got {status}");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let db = TestDb::migrated().await;
    let server = start_with(&db, "0", &[("HTTP_HEADER_TIMEOUT_SECONDS", "1")]).await;
    let mut slow = TcpStream::connect(server.site).await.expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("partial headers");
    let started = Instant::now();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the server hangs up on the slow client");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "within the deadline, not whenever"
    );
    assert!(
        matches!(
            http(server.site, "GET", "/healthz", None).await,
            Some((200, _))
        ),
        "other clients are served"
    );
}
