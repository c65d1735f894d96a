//! The outbox relay across a broker outage: RabbitMQ is reached through a proxy the test
//! stops and starts (the machine's RabbitMQ stays up for everyone else).

use std::time::Duration;

use app::services::notifications::pipeline::{Pipeline, PipelineTasks};

use super::support::{
    people, rabbitmq_addr, room, say, stored, unsent, wait_until, Harness, Proxy,
};

#[tokio::test]
async fn notifications_wait_out_a_broker_outage_and_then_arrive_exactly_once() {
    let mut proxy = Proxy::start(rabbitmq_addr().await).await;
    let url = format!("amqp://guest:guest@{}/%2f", proxy.addr);
    let h = Harness::spawn(&[("AMQP_URL", &url)]).await;
    let app = &h.app;
    let [alice, bob] = people(app, ["out_alice", "out_bob"]).await;
    let room = room(app, alice, &[bob], false).await;
    let pipeline = Pipeline::start(
        &app.services.notifications,
        PipelineTasks {
            relay: true,
            worker: true,
        },
    );
    say(app, alice, room, "@out_bob before", None).await;
    wait_until(
        "the first notification arrives",
        Duration::from_secs(15),
        || async { stored(app, bob.user_id).await.len() == 1 },
    )
    .await;

    proxy.stop().await;
    // Sending does not depend on the broker.
    for i in 0..5 {
        say(app, alice, room, &format!("@out_bob during {i}"), None).await;
    }
    wait_until(
        "the relay has tried and failed",
        Duration::from_secs(15),
        || async {
            let failed: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND attempts > 0",
            )
            .fetch_one(app.infra.db.primary())
            .await
            .expect("count failed rows");
            failed > 0
        },
    )
    .await;
    assert_eq!(unsent(app).await, 5, "the jobs wait in the outbox");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status.as_u16(), 503);
    let failing: Vec<String> = ready.json()["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["ok"] == false)
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(failing, ["rabbitmq"], "/readyz names the broker");
    assert_eq!(stored(app, bob.user_id).await.len(), 1);

    proxy.resume().await;
    wait_until(
        "every notification arrives without a restart",
        Duration::from_secs(30),
        || async { stored(app, bob.user_id).await.len() >= 6 },
    )
    .await;
    wait_until("the outbox is empty", Duration::from_secs(10), || async {
        unsent(app).await == 0
    })
    .await;
    let all = stored(app, bob.user_id).await;
    let mut messages: Vec<String> = all
        .iter()
        .map(|(_, payload, _)| payload["message_id"].to_string())
        .collect();
    messages.sort();
    messages.dedup();
    assert_eq!(all.len(), 6, "exactly once each: {all:?}");
    assert_eq!(messages.len(), 6);
    wait_until(
        "/readyz is ready again",
        Duration::from_secs(10),
        || async { app.get("/readyz").await.status.is_success() },
    )
    .await;
    pipeline.stop().await;
}
