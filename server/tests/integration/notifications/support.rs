//! Helpers for the notification tests: an app with a queue of its own, people and rooms
//! made through the services, bounded waits, a way to run the outbox through the consumer
//! synchronously, and a TCP proxy in front of RabbitMQ that a test can stop and start.

use std::{future::Future, net::SocketAddr, time::Duration};

use app::{
    infra::{bus::BusMessage, store::outbox},
    model::{
        message::{Message, SendMessage},
        realtime::{user_topic, ServerFrame},
        room::CreateRoom,
    },
    services::auth::Authenticated,
};
use tokio::{net::TcpListener, sync::broadcast, task::JoinHandle};
use uuid::Uuid;

use crate::common::{service_user, TestApp};

/// The RabbitMQ the tests use.
pub fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// An app whose notification jobs go to a queue no other test uses (RabbitMQ is shared);
/// the queue and its dead letters are deleted when this is dropped.
pub struct Harness {
    /// The app.
    pub app: TestApp,
    /// Its notification queue.
    pub queue: String,
}

impl Harness {
    /// The app on the real backends (or `overrides`), with a fresh queue.
    pub async fn spawn(overrides: &[(&str, &str)]) -> Self {
        let queue = format!("parley.test.notify.{}", Uuid::new_v4().simple());
        let mut vars: Vec<(&str, &str)> = vec![("NOTIFICATION_QUEUE", &queue)];
        vars.extend_from_slice(overrides);
        let app = TestApp::spawn(&vars).await;
        Self { app, queue }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if !matches!(self.app.infra.queue, app::infra::queue::JobQueue::Amqp(_)) {
            return;
        }
        let names = [
            self.queue.clone(),
            app::services::notifications::worker::dead_letter_queue(&self.queue),
        ];
        // Drop runs on the test's (blocked) runtime: use a private one, as TestDb does.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let Ok(connection) =
                    lapin::Connection::connect(&amqp_url(), lapin::ConnectionProperties::default())
                        .await
                else {
                    return;
                };
                if let Ok(channel) = connection.create_channel().await {
                    for name in names {
                        let _ = channel
                            .queue_delete(
                                name.as_str().into(),
                                lapin::options::QueueDeleteOptions::default(),
                            )
                            .await;
                    }
                }
                let _ = connection.close(200, "done".into()).await;
            });
        })
        .join();
    }
}

/// Polls `check` every 25 ms until it holds; fails the test after `limit`.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {limit:?} waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Registers people through the service.
pub async fn people<const N: usize>(app: &TestApp, names: [&str; N]) -> [Authenticated; N] {
    let mut out = Vec::with_capacity(N);
    for name in names {
        out.push(service_user(&app.services, name).await);
    }
    match out.try_into() {
        Ok(all) => all,
        Err(_) => unreachable!("one caller per name"),
    }
}

/// A room owned by `owner` that `members` joined (public) or were invited to and accepted
/// (private).
pub async fn room(
    app: &TestApp,
    owner: Authenticated,
    members: &[Authenticated],
    private: bool,
) -> Uuid {
    let room = app
        .services
        .rooms
        .create(
            owner,
            CreateRoom {
                name: "notify".into(),
                is_private: private,
                ..Default::default()
            },
        )
        .await
        .expect("create room");
    for member in members {
        if private {
            let me = app.services.users.me(*member).await.expect("member exists");
            let invitation = app
                .services
                .invitations
                .invite(
                    owner,
                    room.id,
                    app::model::room::InviteRequest { user: me.username },
                )
                .await
                .expect("invite");
            app.services
                .invitations
                .accept(*member, invitation.id)
                .await
                .expect("accept");
        } else {
            app.services
                .rooms
                .join(*member, room.id)
                .await
                .expect("join");
        }
    }
    room.id
}

/// Sends a message.
pub async fn say(
    app: &TestApp,
    who: Authenticated,
    room: Uuid,
    body: &str,
    reply_to: Option<Uuid>,
) -> Message {
    app.services
        .messages
        .send(
            who,
            room,
            SendMessage {
                body: body.into(),
                client_id: None,
                reply_to,
            },
        )
        .await
        .expect("send")
}

/// `(kind, payload, read)` of every notification of `user`, oldest first, straight from
/// the table.
pub async fn stored(app: &TestApp, user: Uuid) -> Vec<(String, serde_json::Value, bool)> {
    sqlx::query_as(
        "SELECT kind, payload, read_at IS NOT NULL FROM notifications
         WHERE user_id = $1 ORDER BY created_at, id",
    )
    .bind(user)
    .fetch_all(app.infra.db.primary())
    .await
    .expect("read notifications")
}

/// Unsent rows in the outbox.
pub async fn unsent(app: &TestApp) -> i64 {
    outbox::unsent_count(app.infra.db.primary())
        .await
        .expect("count outbox")
}

/// Runs every unsent outbox row through the consumer right here and marks it sent, without
/// any queue: for tests about what the consumer decides rather than how jobs travel.
/// Returns the number of notifications stored.
pub async fn drain(app: &TestApp) -> usize {
    let worker = app.services.notifications.worker();
    let mut tx = app.infra.db.primary().begin().await.expect("begin");
    let rows = outbox::claim(&mut tx, 1000).await.expect("claim outbox");
    let mut stored = 0;
    for row in &rows {
        stored += worker
            .process(row.payload.to_string().as_bytes())
            .await
            .expect("job processes");
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    outbox::mark_sent(&mut *tx, &ids).await.expect("mark sent");
    tx.commit().await.expect("commit");
    stored
}

/// A receiver of `user`'s frames on the bus, live (joined across instances) before it is
/// returned.
pub async fn listen(app: &TestApp, user: Uuid) -> broadcast::Receiver<BusMessage> {
    let rx = app.infra.bus.subscribe();
    assert!(
        app.infra
            .bus
            .wait_until_subscribed(Duration::from_secs(5))
            .await,
        "bus subscribed"
    );
    app.infra
        .bus
        .join(&[user_topic(user)])
        .await
        .expect("joined the user's topic");
    rx
}

/// The next frame the bus carries for `user`.
pub async fn next_frame(rx: &mut broadcast::Receiver<BusMessage>, user: Uuid) -> ServerFrame {
    let topic = user_topic(user);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("a frame for the user arrives in time")
            .expect("bus open");
        if message.topic == topic {
            return serde_json::from_slice(&message.payload).expect("a server frame");
        }
    }
}

/// A TCP proxy in front of an upstream server that a test can stop (every connection through
/// it is cut and new ones are refused) and start again on the same port.
pub struct Proxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    upstream: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

impl Proxy {
    /// A running proxy on a free local port.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let mut proxy = Self {
            addr,
            upstream,
            accept: None,
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let upstream = self.upstream;
        self.accept = Some(tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts every forwarding task,
            // which closes both sides of every proxied connection.
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                connections.spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        }));
    }

    /// Cuts every connection and refuses new ones.
    pub async fn stop(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
            let _ = accept.await;
        }
    }

    /// Accepts connections again, on the same port.
    pub async fn resume(&mut self) {
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("rebind the proxy's port");
        self.serve(listener);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(accept) = &self.accept {
            accept.abort();
        }
    }
}

/// The address of the RabbitMQ in `amqp_url()`.
pub async fn rabbitmq_addr() -> SocketAddr {
    let uri: lapin::uri::AMQPUri = amqp_url().parse().expect("valid AMQP URL");
    let host = format!("{}:{}", uri.authority.host, uri.authority.port);
    tokio::net::lookup_host(host)
        .await
        .expect("resolve RabbitMQ")
        .next()
        .expect("an address for RabbitMQ")
}

/// Takes every unsent outbox row as the relay would, marking it sent, and returns the jobs:
/// for tests that put jobs on the queue themselves.
pub async fn take_jobs(app: &TestApp) -> Vec<Vec<u8>> {
    let mut tx = app.infra.db.primary().begin().await.expect("begin");
    let rows = outbox::claim(&mut tx, 1000).await.expect("claim outbox");
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    outbox::mark_sent(&mut *tx, &ids).await.expect("mark sent");
    tx.commit().await.expect("commit");
    rows.into_iter()
        .map(|r| r.payload.to_string().into_bytes())
        .collect()
}

/// The next job of a stream, within 10 s.
pub async fn next_job(stream: &mut app::infra::queue::JobStream) -> app::infra::queue::Job {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("a job arrives in time")
        .expect("stream open")
        .expect("job received")
}

/// Invites `who` to a new private room of `owner`: a job that surely notifies, used as a
/// marker behind other jobs (the worker takes jobs in order, so once its notification is
/// stored, every job queued before it was handled).
pub async fn invite_marker(app: &TestApp, owner: Authenticated, who: &str) {
    let private = room(app, owner, &[], true).await;
    app.services
        .invitations
        .invite(
            owner,
            private,
            app::model::room::InviteRequest { user: who.into() },
        )
        .await
        .expect("invite");
}
