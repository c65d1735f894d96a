//! The membership cache never serves what a change made stale: in Redis and in process.

use std::collections::HashMap;

use app::{infra::membership_cache::MembershipCache, model::room::Role};
use uuid::Uuid;

fn redis_cache() -> MembershipCache {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let (_, conn) = app::infra::redis_conn::connect(&url).expect("redis client");
    MembershipCache::redis(conn, &format!("cache-test-{}", Uuid::new_v4().simple()))
}

async fn stale_fill_is_discarded(cache: MembershipCache) {
    let room = Uuid::new_v4();
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    assert!(cache.get(room).await.is_none(), "starts empty");

    // A reader sees the generation, loads members (Alice and Bob) from the database...
    let seen = cache.generation(room).await.expect("generation");
    let loaded: HashMap<Uuid, Role> = [(alice, Role::Owner), (bob, Role::Member)].into();
    // ...meanwhile Bob is removed and the change invalidates the room...
    cache.invalidate(room).await;
    // ...so the reader's late fill must not resurrect Bob.
    cache.fill(room, seen, &loaded).await;
    assert!(cache.get(room).await.is_none(), "stale fill was stored");

    // A fresh read fills normally, and an invalidation empties it again.
    let seen = cache.generation(room).await.expect("generation");
    let current: HashMap<Uuid, Role> = [(alice, Role::Owner)].into();
    cache.fill(room, seen, &current).await;
    assert_eq!(cache.get(room).await, Some(current));
    assert_eq!(
        cache.roles(room, &[alice]).await,
        Some(vec![Some(Role::Owner)])
    );
    assert_eq!(
        cache.roles(room, &[bob]).await,
        Some(vec![None]),
        "a filled entry answers for absent users"
    );
    assert_eq!(
        cache.roles(room, &[bob, alice]).await,
        Some(vec![None, Some(Role::Owner)]),
        "one read answers for several users, in their order"
    );
    assert_eq!(cache.roles(room, &[]).await, Some(vec![]));
    cache.invalidate(room).await;
    assert_eq!(
        cache.roles(room, &[alice]).await,
        None,
        "a miss after invalidation"
    );
    assert!(cache.get(room).await.is_none());

    // An empty room is cached as empty, not as a miss.
    let seen = cache.generation(room).await.expect("generation");
    cache.fill(room, seen, &HashMap::new()).await;
    assert_eq!(cache.get(room).await, Some(HashMap::new()));
}

#[tokio::test]
async fn redis_cache_discards_stale_fills() {
    stale_fill_is_discarded(redis_cache()).await;
}

#[tokio::test]
async fn in_process_cache_discards_stale_fills() {
    stale_fill_is_discarded(MembershipCache::in_process("test")).await;
}
