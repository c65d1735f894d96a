//! Presence entries expire unless renewed, in Redis and in process.

use std::time::Duration;

use app::{infra::presence::PresenceStore, model::realtime::PresenceStatus};
use uuid::Uuid;

async fn expiry_and_aggregation(store: PresenceStore) {
    let user = Uuid::new_v4();
    let (tab1, tab2) = (Uuid::new_v4(), Uuid::new_v4());
    let long = Duration::from_secs(60);
    assert_eq!(store.status(user).await, PresenceStatus::Offline);
    assert_eq!(
        store.renew(user, tab1, PresenceStatus::Away, long).await,
        PresenceStatus::Away
    );
    assert_eq!(
        store.renew(user, tab2, PresenceStatus::Online, long).await,
        PresenceStatus::Online
    );
    assert_eq!(store.remove(user, tab2).await, PresenceStatus::Away);
    // An entry that is not renewed (a crashed instance's connection) runs out by itself.
    store
        .renew(
            user,
            tab1,
            PresenceStatus::Online,
            Duration::from_millis(100),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(store.status(user).await, PresenceStatus::Offline);
}

#[tokio::test]
async fn redis_presence_expires() {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let (_, conn) = app::infra::redis_conn::connect(&url).expect("redis client");
    expiry_and_aggregation(PresenceStore::redis(
        conn,
        &format!("presence-test-{}", Uuid::new_v4().simple()),
    ))
    .await;
}

#[tokio::test]
async fn in_process_presence_expires() {
    expiry_and_aggregation(PresenceStore::in_process("test")).await;
}
