//! How jobs travel and survive failures: redelivery, a worker dying mid-job, dead letters,
//! and the in-process queue running the same consumer.

use std::time::Duration;

use app::{
    infra::queue::JobQueue,
    model::{notification::NotificationKind, realtime::ServerFrame},
    services::notifications::{
        pipeline::{Pipeline, PipelineTasks},
        worker::{dead_letter_queue, DeadLetter, Worker},
    },
};

use super::support::{
    amqp_url, invite_marker, listen, next_frame, next_job, people, room, say, stored, take_jobs,
    wait_until, Harness,
};

const WORKER_ONLY: PipelineTasks = PipelineTasks {
    relay: false,
    worker: true,
};
const BOTH: PipelineTasks = PipelineTasks {
    relay: true,
    worker: true,
};
const WAIT: Duration = Duration::from_secs(15);

#[tokio::test]
async fn a_job_delivered_twice_stores_one_notification() {
    let h = Harness::spawn(&[]).await;
    let app = &h.app;
    let [alice, bob, carol] = people(app, ["dup_alice", "dup_bob", "dup_carol"]).await;
    let room = room(app, alice, &[bob], false).await;
    say(app, alice, room, "@dup_bob have a look", None).await;
    let jobs = take_jobs(app).await;
    assert_eq!(jobs.len(), 1, "one job for the message");
    // As if the relay published it, died before marking it sent, and published it again.
    for _ in 0..2 {
        app.infra
            .queue
            .publish(&h.queue, &jobs[0])
            .await
            .expect("publish");
    }
    invite_marker(app, alice, "dup_carol").await;
    for job in take_jobs(app).await {
        app.infra
            .queue
            .publish(&h.queue, &job)
            .await
            .expect("publish");
    }

    let pipeline = Pipeline::start(&app.services.notifications, WORKER_ONLY);
    wait_until("the marker is stored", WAIT, || async {
        !stored(app, carol.user_id).await.is_empty()
    })
    .await;
    let bob_has = stored(app, bob.user_id).await;
    assert_eq!(bob_has.len(), 1, "{bob_has:?}");
    assert_eq!(bob_has[0].0, "mention");

    // The consumer's own guarantee, without any queue: processing again stores nothing.
    let worker = app.services.notifications.worker();
    assert_eq!(worker.process(&jobs[0]).await.expect("process"), 0);
    assert_eq!(stored(app, bob.user_id).await.len(), 1);
    pipeline.stop().await;
}

/// The worker stores a job's notification, then dies before acking: the job comes back and
/// the next worker stores nothing more.
async fn killed_mid_job(h: &Harness, names: [&str; 3], dying_queue: JobQueue) {
    let app = &h.app;
    let [alice, bob, carol] = people(app, names).await;
    let room = room(app, alice, &[bob], false).await;
    say(app, alice, room, &format!("hello @{}", names[1]), None).await;
    for job in take_jobs(app).await {
        app.infra
            .queue
            .publish(&h.queue, &job)
            .await
            .expect("publish");
    }

    let mut stream = dying_queue.consume(&h.queue, 1).await.expect("consume");
    let job = next_job(&mut stream).await;
    assert!(!job.redelivered);
    let dying = Worker::new(
        app.infra.db.primary().clone(),
        dying_queue.clone(),
        app.infra.bus.clone(),
        &h.queue,
        5,
    );
    assert_eq!(dying.process(&job.payload).await.expect("process"), 1);
    // Killed here: no ack. Its connection (or, in process, its handle) goes away.
    drop(job);
    drop(stream);
    dying_queue.close().await;

    invite_marker(app, alice, names[2]).await;
    for job in take_jobs(app).await {
        app.infra
            .queue
            .publish(&h.queue, &job)
            .await
            .expect("publish");
    }
    let pipeline = Pipeline::start(&app.services.notifications, WORKER_ONLY);
    wait_until("the marker is stored", WAIT, || async {
        !stored(app, carol.user_id).await.is_empty()
    })
    .await;
    let bob_has = stored(app, bob.user_id).await;
    assert_eq!(bob_has.len(), 1, "exactly one notification: {bob_has:?}");
    pipeline.stop().await;
}

#[tokio::test]
async fn a_worker_killed_mid_job_on_rabbitmq_leaves_exactly_one_notification() {
    let h = Harness::spawn(&[]).await;
    // Its own connection, so closing it is like the process dying.
    let dying = JobQueue::amqp(&amqp_url());
    killed_mid_job(&h, ["kill_alice", "kill_bob", "kill_carol"], dying).await;
}

#[tokio::test]
async fn a_worker_killed_mid_job_in_process_leaves_exactly_one_notification() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let same_queue = h.app.infra.queue.clone();
    killed_mid_job(&h, ["ikill_alice", "ikill_bob", "ikill_carol"], same_queue).await;
}

/// A job that fails every time goes to the dead letters after the configured number of
/// attempts, and the jobs behind it still go through.
async fn dead_letters(overrides: &[(&str, &str)], names: [&str; 2]) {
    let mut vars = vec![("NOTIFICATION_MAX_ATTEMPTS", "3")];
    vars.extend_from_slice(overrides);
    let h = Harness::spawn(&vars).await;
    let app = &h.app;
    let [alice, bob] = people(app, names).await;
    let room = room(app, alice, &[bob], false).await;
    // PostgreSQL answers, but refuses every mention: the job is at fault, not the backend.
    sqlx::query(
        "ALTER TABLE notifications ADD CONSTRAINT test_refuses_mentions CHECK (kind <> 'mention')",
    )
    .execute(app.infra.db.primary())
    .await
    .expect("add constraint");
    let pipeline = Pipeline::start(&app.services.notifications, BOTH);
    let poison = say(app, alice, room, &format!("@{} hi", names[1]), None).await;

    let mut dead = app
        .infra
        .queue
        .consume(&dead_letter_queue(&h.queue), 1)
        .await
        .expect("consume dead letters");
    let letter = next_job(&mut dead).await;
    let letter_body: DeadLetter = serde_json::from_slice(&letter.payload).expect("a dead letter");
    letter.ack().await.expect("ack");
    assert_eq!(letter_body.attempts, 3);
    assert!(
        letter_body.reason.contains("test_refuses_mentions"),
        "{}",
        letter_body.reason
    );
    assert_eq!(
        letter_body.job["cause"]["message_id"],
        poison.id.to_string()
    );

    // A reply (not a mention) behind it is delivered.
    let mine = say(app, bob, room, "a message of mine", None).await;
    say(app, alice, room, "answering you", Some(mine.id)).await;
    wait_until("the reply is stored", WAIT, || async {
        !stored(app, bob.user_id).await.is_empty()
    })
    .await;
    let bob_has = stored(app, bob.user_id).await;
    assert_eq!(bob_has.len(), 1);
    assert_eq!(bob_has[0].0, "reply");
    pipeline.stop().await;
}

#[tokio::test]
async fn a_failing_job_is_dead_lettered_after_its_attempts_on_rabbitmq() {
    dead_letters(&[], ["dlq_alice", "dlq_bob"]).await;
}

#[tokio::test]
async fn a_failing_job_is_dead_lettered_after_its_attempts_in_process() {
    dead_letters(&[("AMQP_URL", "memory")], ["idlq_alice", "idlq_bob"]).await;
}

#[tokio::test]
async fn an_undecodable_job_is_dead_lettered_at_once() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let app = &h.app;
    app.infra
        .queue
        .publish(&h.queue, b"{\"not\": \"a job\"}")
        .await
        .expect("publish");
    let pipeline = Pipeline::start(&app.services.notifications, WORKER_ONLY);
    let mut dead = app
        .infra
        .queue
        .consume(&dead_letter_queue(&h.queue), 1)
        .await
        .expect("consume dead letters");
    let letter: DeadLetter =
        serde_json::from_slice(&next_job(&mut dead).await.payload).expect("a dead letter");
    assert_eq!(letter.attempts, 1);
    assert_eq!(letter.job["not"], "a job");
    pipeline.stop().await;
}

#[tokio::test]
async fn the_in_process_queue_runs_the_same_pipeline_and_pushes_live() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let app = &h.app;
    let [alice, bob] = people(app, ["mem_alice", "mem_bob"]).await;
    let room = room(app, alice, &[bob], false).await;
    let mut frames = listen(app, bob.user_id).await;
    let pipeline = Pipeline::start(&app.services.notifications, BOTH);
    let message = say(app, alice, room, "ping @mem_bob", None).await;

    let ServerFrame::Notification {
        notification,
        unread_count,
        alert,
    } = next_frame(&mut frames, bob.user_id).await
    else {
        panic!("a notification frame first");
    };
    assert_eq!(notification.kind, NotificationKind::Mention);
    assert_eq!(unread_count, 1);
    assert!(alert);
    let payload = notification.payload;
    assert_eq!(payload.room.id, room);
    assert_eq!(payload.message_id, Some(message.id));
    assert_eq!(payload.seq, Some(message.seq));
    assert_eq!(payload.excerpt.as_deref(), Some("ping @mem_bob"));
    assert_eq!(payload.link, format!("/rooms/{room}?at={}", message.seq));
    assert_eq!(
        payload.actor.map(|a| a.username),
        Some("mem_alice".to_owned())
    );
    assert_eq!(stored(app, bob.user_id).await.len(), 1);
    pipeline.stop().await;
}
