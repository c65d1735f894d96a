//! Read replicas against a real streaming replica: every test starts its own primary/replica
//! pair (`scripts/pg-pair.sh`, on spare ports under a temp dir, torn down when the test ends),
//! so pausing replay or stopping the replica in one test never touches another.

use std::{
    future::Future,
    net::TcpListener,
    path::PathBuf,
    process::Command,
    time::{Duration, Instant},
};

use app::infra::db::{PoolStats, ReplicaState};
use serde_json::{json, Value};
use sqlx::{postgres::PgPoolOptions, PgPool};

use crate::common::{TestApp, TestDb, TestResponse};

/// Generous: the machine running the tests may be busy.
const PATIENCE: Duration = Duration::from_secs(60);

/// A primary and a streaming replica, stopped and deleted on drop.
struct Pair {
    dir: PathBuf,
    primary_port: u16,
    replica_port: u16,
}

fn spare_ports() -> (u16, u16) {
    let a = TcpListener::bind("127.0.0.1:0").expect("a spare port");
    let b = TcpListener::bind("127.0.0.1:0").expect("another spare port");
    let ports = (
        a.local_addr().expect("port").port(),
        b.local_addr().expect("port").port(),
    );
    drop((a, b));
    ports
}

fn run_script(args: &[String]) -> Result<(), String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/pg-pair.sh");
    let out = Command::new(script)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {script}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "pg-pair.sh {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl Pair {
    async fn start() -> Self {
        let (primary_port, replica_port) = spare_ports();
        let dir = std::env::temp_dir().join(format!("parley-pg-pair-{}", uuid::Uuid::new_v4()));
        let pair = Self {
            dir,
            primary_port,
            replica_port,
        };
        pair.script(&[
            "start",
            "DIR",
            &primary_port.to_string(),
            &replica_port.to_string(),
        ])
        .await;
        pair
    }

    /// Runs `pg-pair.sh` with `DIR` standing for the pair's directory.
    async fn script(&self, args: &[&str]) {
        let dir = self.dir.display().to_string();
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                if *a == "DIR" {
                    dir.clone()
                } else {
                    (*a).to_owned()
                }
            })
            .collect();
        tokio::task::spawn_blocking(move || run_script(&args))
            .await
            .expect("script task")
            .unwrap_or_else(|e| panic!("{e}"));
    }

    fn primary_url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres",
            self.primary_port
        )
    }

    fn replica_url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}",
            self.replica_port
        )
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        if let Err(e) = run_script(&["stop".to_owned(), self.dir.display().to_string()]) {
            eprintln!("{e}");
        }
    }
}

/// The app on a fresh database of the pair's primary, reading from its replica.
struct ReplicaTest {
    app: TestApp,
    /// A direct connection to the replica's copy of the database.
    replica: PgPool,
    token: String,
    // Dropped last: the app's pools go first.
    pair: Pair,
}

impl ReplicaTest {
    async fn start(max_lag: &str) -> Self {
        let pair = Pair::start().await;
        let db = TestDb::migrated_on(&pair.primary_url()).await;
        let replica_url = pair.replica_url(db.name());
        let replica = PgPoolOptions::new()
            .max_connections(2)
            .connect_lazy(&replica_url)
            .expect("replica URL");
        // The new database and its migrations reach the replica before the app starts.
        eventually("the replica holds the migrated database", || async {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM _sqlx_migrations")
                .fetch_one(&replica)
                .await
                .is_ok_and(|n| n > 0)
        })
        .await;
        let app = TestApp::spawn_on(
            db,
            &[
                ("DATABASE_READ_URL", replica_url.as_str()),
                ("DATABASE_READ_MAX_LAG", max_lag),
                ("REDIS_URL", "memory"),
                ("AMQP_URL", "memory"),
            ],
        )
        .await;
        let reg = app.register("rita", "replica-test-password").await;
        let token = reg["access_token"].as_str().expect("token").to_owned();
        Self {
            app,
            replica,
            token,
            pair,
        }
    }

    async fn get(&self, path: &str) -> TestResponse {
        let response = self.app.send("GET", path, Some(&self.token), None).await;
        assert_eq!(response.status, 200, "GET {path}: {}", response.text());
        response
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .app
            .send("POST", path, Some(&self.token), Some(body))
            .await;
        assert!(
            response.status.is_success(),
            "POST {path}: {}",
            response.text()
        );
        response.json()
    }

    async fn create_room(&self, name: &str) -> String {
        let room = self
            .post(
                "/api/v1/rooms",
                json!({"name": name, "description": "kept in sync", "is_private": false}),
            )
            .await;
        room["id"].as_str().expect("room id").to_owned()
    }

    async fn send(&self, room: &str, body: &str) -> i64 {
        let message = self
            .post(
                &format!("/api/v1/rooms/{room}/messages"),
                json!({ "body": body }),
            )
            .await;
        message["seq"].as_i64().expect("seq")
    }

    /// Names of the rooms in the public directory.
    async fn directory(&self) -> Vec<String> {
        self.get("/api/v1/rooms/public?limit=100")
            .await
            .json()
            .as_array()
            .expect("directory array")
            .iter()
            .filter_map(|r| r["name"].as_str().map(str::to_owned))
            .collect()
    }

    /// Bodies of the messages full-text search finds for `q`.
    async fn search(&self, q: &str) -> Vec<String> {
        self.get(&format!("/api/v1/search?q={q}"))
            .await
            .json()
            .as_array()
            .expect("search hits")
            .iter()
            .filter_map(|h| h["message"]["body"].as_str().map(str::to_owned))
            .collect()
    }

    /// Waits until the replica has replayed the message `seq` of `room`.
    async fn replicated(&self, room: &str, seq: i64) {
        let room = uuid::Uuid::parse_str(room).expect("uuid");
        eventually("the replica replays the message", || async move {
            self.replica_has(room, seq).await
        })
        .await;
    }

    async fn replica_has(&self, room: uuid::Uuid, seq: i64) -> bool {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM messages WHERE room_id = $1 AND seq = $2",
        )
        .bind(room)
        .bind(seq)
        .fetch_one(&self.replica)
        .await
        .is_ok_and(|n| n == 1)
    }

    fn replica_state(&self) -> ReplicaState {
        self.app.infra.db.replica_states().remove(0)
    }

    async fn until_replica_healthy(&self, healthy: bool) {
        let what = if healthy {
            "the replica is in use"
        } else {
            "the replica is skipped"
        };
        eventually(what, || async { self.replica_state().healthy == healthy }).await;
    }

    /// Runs `block` while the replica is in use, again if it was skipped meanwhile (a probe
    /// that timed out on a busy machine), so routing assertions see a steady replica.
    async fn steadily<F, Fut, T>(&self, mut block: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = T>,
    {
        for _ in 0..5 {
            self.until_replica_healthy(true).await;
            let skips = self.replica_state().skips;
            let value = block().await;
            if self.replica_state().skips == skips {
                return value;
            }
        }
        panic!("the replica kept being skipped: {:?}", self.replica_state())
    }

    /// Routed reads served so far: (primary, replica).
    fn reads(&self) -> (u64, u64) {
        let stats: Vec<PoolStats> = self.app.infra.db.pool_stats();
        assert_eq!(stats[0].name, "primary");
        assert_eq!(stats[1].name, "replica0");
        (stats[0].reads, stats[1].reads)
    }

    /// Polls `/readyz` until its status is `ready`; returns the report.
    async fn until_ready(&self) -> Value {
        self.until_readyz("/readyz is ready", |r| r["status"] == "ready")
            .await
    }

    /// Polls `/readyz` until `check` holds for the report; returns it.
    async fn until_readyz(&self, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let report = self.readyz().await;
            if check(&report) {
                return report;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting until {what}: {report}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn readyz(&self) -> Value {
        let response = self.app.get("/readyz").await;
        assert_eq!(response.status, 200, "{}", response.text());
        let text = response.text();
        assert!(
            !text.contains("postgres://")
                && !text.contains(&format!("127.0.0.1:{}", self.pair.replica_port)),
            "/readyz shows no connection details: {text}"
        );
        response.json()
    }
}

/// Polls `check` until it holds, for at most [`PATIENCE`].
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + PATIENCE;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn replica_check(readyz: &Value) -> Value {
    readyz["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == "postgres_replica")
        .cloned()
        .unwrap_or_else(|| panic!("no replica check in {readyz}"))
}

#[tokio::test]
async fn directory_and_search_are_served_by_the_replica() {
    let t = ReplicaTest::start("5").await;
    let room = t.create_room("Replica lounge").await;
    let seq = t.send(&room, "streaming replication works").await;
    t.replicated(&room, seq).await;

    let (before, after) = t
        .steadily(|| async {
            let before = t.reads();
            assert_eq!(t.directory().await, ["Replica lounge"]);
            assert_eq!(
                t.search("replication").await,
                ["streaming replication works"]
            );
            let users = t.get("/api/v1/users?search=rit").await.json();
            assert_eq!(users[0]["username"], "rita", "{users}");
            let older = t
                .get(&format!("/api/v1/rooms/{room}/messages?before={}", seq + 1))
                .await
                .json();
            assert_eq!(older[0]["seq"], seq, "{older}");
            (before, t.reads())
        })
        .await;
    assert_eq!(
        after,
        (before.0, before.1 + 4),
        "directory, search, user search and the older page came from the replica"
    );

    // What must see the latest state never asks the replica, nor counts as a routed read.
    t.get(&format!("/api/v1/rooms/{room}/messages?after=0"))
        .await;
    t.get(&format!("/api/v1/rooms/{room}/messages")).await;
    t.get("/api/v1/rooms").await;
    assert_eq!(t.reads(), after);

    let ready = t.until_ready().await;
    let check = replica_check(&ready);
    assert_eq!(
        (check["backend"].as_str(), check["ok"].as_bool()),
        (Some("replica0"), Some(true))
    );
}

#[tokio::test]
async fn catch_up_is_never_served_stale() {
    // A lag bound so high the paused replica stays in use: only freshness checks protect.
    let t = ReplicaTest::start("600").await;
    let room = t.create_room("Catch-up room").await;
    let first = t.send(&room, "before the pause").await;
    t.replicated(&room, first).await;
    t.until_replica_healthy(true).await;

    t.pair.script(&["pause-replay", "DIR"]).await;
    let second = t.send(&room, "while replay is paused").await;
    let room_id = uuid::Uuid::parse_str(&room).expect("uuid");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !t.replica_has(room_id, second).await,
        "the replica really is behind"
    );
    assert!(t.replica_state().healthy);

    // Catch-up after a seq (what a reconnecting socket replays) and the newest page.
    let caught_up = t
        .get(&format!("/api/v1/rooms/{room}/messages?after={first}"))
        .await
        .json();
    assert_eq!(caught_up[0]["seq"], second, "{caught_up}");
    assert_eq!(caught_up[0]["body"], "while replay is paused");
    let newest = t
        .get(&format!("/api/v1/rooms/{room}/messages"))
        .await
        .json();
    assert_eq!(newest.as_array().map(Vec::len), Some(2), "{newest}");

    // An older page the replica cannot give whole, and a room or an account it does not
    // have yet, are answered by the primary.
    let fresh = t.create_room("Created during the pause").await;
    let newcomer = t.app.register("nora", "replica-test-password").await;
    let id = newcomer["user"]["id"].as_str().expect("user id").to_owned();
    let stale = t
        .steadily(|| async {
            let stale_before = t.replica_state().stale_reads;
            let older = t
                .get(&format!(
                    "/api/v1/rooms/{room}/messages?before={}",
                    second + 1
                ))
                .await
                .json();
            let seqs: Vec<i64> = older
                .as_array()
                .expect("page")
                .iter()
                .filter_map(|m| m["seq"].as_i64())
                .collect();
            assert_eq!(seqs, [first, second]);
            let preview = t
                .get(&format!("/api/v1/rooms/{fresh}/preview"))
                .await
                .json();
            assert_eq!(preview["name"], "Created during the pause", "{preview}");
            let profile = t.get(&format!("/api/v1/users/{id}")).await.json();
            assert_eq!(profile["username"], "nora", "{profile}");
            t.replica_state().stale_reads - stale_before
        })
        .await;
    assert_eq!(stale, 3, "the replica was asked first each time");
}

#[tokio::test]
async fn a_lagging_replica_is_skipped_until_it_catches_up() {
    let t = ReplicaTest::start("1").await;
    let room = t.create_room("Old room").await;
    let seq = t.send(&room, "replicated").await;
    t.replicated(&room, seq).await;
    t.until_replica_healthy(true).await;

    t.pair.script(&["pause-replay", "DIR"]).await;
    t.create_room("Fresh room").await;
    t.until_replica_healthy(false).await;
    assert!(
        t.replica_state()
            .lag
            .is_none_or(|lag| lag > Duration::from_secs(1)),
        "{:?}",
        t.replica_state()
    );

    let before = t.reads();
    let mut names = t.directory().await;
    names.sort();
    assert_eq!(
        names,
        ["Fresh room", "Old room"],
        "fresh data from the primary"
    );
    assert_eq!(t.reads(), (before.0 + 1, before.1));

    // Polled: on a busy machine a probe may time out instead, which reads as unreachable.
    let ready = t
        .until_readyz("/readyz names the lag", |r| {
            replica_check(r)["error"]
                .as_str()
                .is_some_and(|e| e.contains("behind"))
        })
        .await;
    assert_eq!(ready["status"], "degraded", "{ready}");
    let check = replica_check(&ready);
    assert_eq!(check["ok"], false);
    assert_eq!(check["degraded"], true);

    t.pair.script(&["resume-replay", "DIR"]).await;
    let (before, after) = t
        .steadily(|| async {
            let before = t.reads();
            assert_eq!(t.directory().await.len(), 2);
            (before, t.reads())
        })
        .await;
    assert_eq!(after, (before.0, before.1 + 1), "the replica is used again");
    t.until_ready().await;
}

#[tokio::test]
async fn losing_the_replica_changes_nothing_users_see() {
    let t = ReplicaTest::start("5").await;
    let room = t.create_room("Sturdy room").await;
    let seq = t.send(&room, "survives replica loss").await;
    t.replicated(&room, seq).await;
    t.until_replica_healthy(true).await;

    t.pair.script(&["stop-replica", "DIR"]).await;
    // Straight away, before or after the probe notices: the primary answers.
    assert_eq!(t.directory().await, ["Sturdy room"]);
    assert_eq!(t.search("survives").await, ["survives replica loss"]);
    t.until_replica_healthy(false).await;
    assert_eq!(t.directory().await, ["Sturdy room"]);
    let state = t.replica_state();
    assert!(state.skips >= 1, "{state:?}");

    let ready = t.readyz().await;
    assert_eq!(ready["status"], "degraded", "{ready}");
    let check = replica_check(&ready);
    assert_eq!(
        (check["ok"].as_bool(), check["degraded"].as_bool()),
        (Some(false), Some(true)),
        "{check}"
    );

    t.pair.script(&["start-replica", "DIR"]).await;
    let (before, after) = t
        .steadily(|| async {
            let before = t.reads();
            assert_eq!(t.search("survives").await, ["survives replica loss"]);
            (before, t.reads())
        })
        .await;
    assert_eq!(after, (before.0, before.1 + 1), "the replica is used again");
    t.until_ready().await;
}
