//! The event bus carries events between instances over real Redis, and within a process
//! with the in-process fallback.

use std::time::Duration;

use app::infra::{bus::EventBus, redis_conn};

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

fn redis_bus(namespace: &str) -> EventBus {
    let (client, conn) = redis_conn::connect(&redis_url()).expect("valid redis url");
    EventBus::redis(client, conn, namespace)
}

#[tokio::test]
async fn redis_bus_delivers_across_instances_in_order() {
    // Two buses with their own connections stand in for two server processes; a third in
    // another namespace stands for an unrelated deployment on the same Redis.
    let namespace = format!("bus-test-{}", uuid::Uuid::new_v4().simple());
    let sender = redis_bus(&namespace);
    let receiver = redis_bus(&namespace);
    let stranger = redis_bus("bus-test-elsewhere");
    assert!(receiver.wait_until_subscribed(Duration::from_secs(5)).await);
    assert!(stranger.wait_until_subscribed(Duration::from_secs(5)).await);
    let mut events = receiver.subscribe();
    let mut strangers_events = stranger.subscribe();
    let topic = format!("test.{}", uuid::Uuid::new_v4());
    receiver
        .join(std::slice::from_ref(&topic))
        .await
        .expect("join");
    stranger
        .join(std::slice::from_ref(&topic))
        .await
        .expect("join");

    for i in 0..20 {
        sender
            .publish(&topic, format!("event {i}").as_bytes())
            .await
            .expect("publish");
    }
    let mut received = Vec::new();
    while received.len() < 20 {
        let message = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("event arrives")
            .expect("no lag");
        // Other tests may publish on the shared Redis at the same time.
        if message.topic == topic {
            received.push(String::from_utf8_lossy(&message.payload).into_owned());
        }
    }
    let expected: Vec<String> = (0..20).map(|i| format!("event {i}")).collect();
    assert_eq!(received, expected);
    assert!(
        strangers_events.try_recv().is_err(),
        "another namespace hears nothing"
    );
    sender.ping().await.expect("ping");
}

/// PUBSUB NUMSUB of one channel: how many connections are subscribed to it.
async fn subscribers(channel: &str) -> i64 {
    let (_, mut conn) = redis_conn::connect(&redis_url()).expect("valid redis url");
    let counts: Vec<(String, i64)> = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query_async(&mut conn)
        .await
        .expect("pubsub numsub");
    counts.first().map_or(0, |(_, n)| *n)
}

#[tokio::test]
async fn an_instance_receives_only_the_topics_it_joined() {
    let namespace = format!("bus-test-{}", uuid::Uuid::new_v4().simple());
    let publisher = redis_bus(&namespace);
    let follower = redis_bus(&namespace);
    let idle = redis_bus(&namespace);
    for bus in [&publisher, &follower, &idle] {
        assert!(bus.wait_until_subscribed(Duration::from_secs(5)).await);
    }
    let (room, other) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let topic = format!("room.{room}");
    let channel = format!("{namespace}:{topic}");
    let mut followers_events = follower.subscribe();
    let mut idle_events = idle.subscribe();

    follower
        .join(std::slice::from_ref(&topic))
        .await
        .expect("join");
    assert_eq!(
        subscribers(&channel).await,
        1,
        "only the follower subscribed"
    );
    publisher
        .publish(&topic, b"for followers")
        .await
        .expect("publish");
    publisher
        .publish(&format!("room.{other}"), b"for nobody")
        .await
        .expect("publish");
    let message = tokio::time::timeout(Duration::from_secs(5), followers_events.recv())
        .await
        .expect("event arrives")
        .expect("no lag");
    assert_eq!(message.topic, topic);
    assert_eq!(&*message.payload, b"for followers");
    // Published after the one the follower already got, so it had its chance to arrive.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        followers_events.try_recv().is_err(),
        "nothing of rooms it did not join"
    );
    assert!(
        idle_events.try_recv().is_err(),
        "an instance following no room receives no room events"
    );

    follower
        .interest()
        .await
        .leave(std::slice::from_ref(&topic))
        .await;
    assert_eq!(subscribers(&channel).await, 0, "left when unfollowed");
}

#[tokio::test]
async fn in_process_bus_delivers_to_every_local_subscriber() {
    let bus = EventBus::in_process();
    let mut first = bus.subscribe();
    let mut second = bus.subscribe();
    bus.publish("room.1", b"hello").await.expect("publish");
    for events in [&mut first, &mut second] {
        let message = events.recv().await.expect("event");
        assert_eq!(message.topic, "room.1");
        assert_eq!(&*message.payload, b"hello");
    }
    assert_eq!(bus.backend(), "in-process");
}
