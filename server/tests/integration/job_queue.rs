//! The job queue over real RabbitMQ and in-process: publish, consume, ack, and redelivery
//! after a nack.

use std::time::Duration;

use app::infra::queue::{JobQueue, JobStream};

fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

async fn next(stream: &mut JobStream) -> app::infra::queue::Job {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("a job arrives")
        .expect("stream open")
        .expect("job received")
}

async fn delete_queue(name: &str) {
    let connection =
        lapin::Connection::connect(&amqp_url(), lapin::ConnectionProperties::default())
            .await
            .expect("connect");
    let channel = connection.create_channel().await.expect("channel");
    let _ = channel
        .queue_delete(name.into(), lapin::options::QueueDeleteOptions::default())
        .await;
}

async fn roundtrip(queue: JobQueue, name: &str) {
    queue.publish(name, b"first").await.expect("publish first");
    queue
        .publish(name, b"second")
        .await
        .expect("publish second");
    let mut stream = queue.consume(name, 1).await.expect("consume");

    let first = next(&mut stream).await;
    assert_eq!(first.payload, b"first");
    assert!(!first.redelivered);
    // A failed job comes back, flagged as redelivered, before anything is lost.
    first.nack(true).await.expect("nack");
    let again = next(&mut stream).await;
    assert_eq!(again.payload, b"first");
    assert!(again.redelivered);
    again.ack().await.expect("ack");

    let second = next(&mut stream).await;
    assert_eq!(second.payload, b"second");
    second.ack().await.expect("ack");
    queue.ping().await.expect("ping");
}

#[tokio::test]
async fn rabbitmq_queue_delivers_acks_and_redelivers() {
    let name = format!("parley.test.{}", uuid::Uuid::new_v4());
    roundtrip(JobQueue::amqp(&amqp_url()), &name).await;
    delete_queue(&name).await;
}

#[tokio::test]
async fn in_process_queue_delivers_acks_and_redelivers() {
    roundtrip(JobQueue::in_process(), "jobs").await;
}

#[tokio::test]
async fn rabbitmq_that_is_down_fails_fast_instead_of_hanging() {
    let queue = JobQueue::amqp("amqp://guest:guest@127.0.0.1:1/%2f");
    let outcome = tokio::time::timeout(Duration::from_secs(10), queue.publish("x", b"y"))
        .await
        .expect("publish must give up within its own timeout");
    assert!(outcome.is_err());
}
