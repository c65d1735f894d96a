//! The job queue: durable background jobs (notification delivery) over RabbitMQ, or an
//! in-process queue with the same at-least-once contract when RabbitMQ is not configured.
//!
//! Consumers must be idempotent: a job is redelivered whenever it was not acked, e.g. after a
//! crash between doing the work and acking it.

mod amqp;
mod memory;

use std::time::Duration;

pub use self::{
    amqp::AmqpQueue,
    memory::{InProcessQueue, MemoryAck},
};

/// The queue could not take or give a job.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// RabbitMQ refused or dropped the request.
    #[error("rabbitmq: {0}")]
    Amqp(#[from] lapin::Error),
    /// The broker did not confirm a publish.
    #[error("rabbitmq did not confirm the message")]
    NotConfirmed,
    /// The broker did not answer in time.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The consumer's stream has ended (connection lost or queue deleted).
    #[error("the consumer was closed")]
    Closed,
}

/// The queue in use by this process.
#[derive(Clone)]
pub enum JobQueue {
    /// RabbitMQ through lapin.
    Amqp(AmqpQueue),
    /// In-process queue for single-node runs.
    InProcess(InProcessQueue),
}

impl JobQueue {
    /// A queue on the RabbitMQ at `url`; connects on first use and after every loss.
    pub fn amqp(url: &str) -> Self {
        JobQueue::Amqp(AmqpQueue::new(url))
    }

    /// A queue inside this process.
    pub fn in_process() -> Self {
        JobQueue::InProcess(InProcessQueue::new())
    }

    /// Stores `payload` durably on `queue`; returns once the broker has confirmed it.
    pub async fn publish(&self, queue: &str, payload: &[u8]) -> Result<(), QueueError> {
        match self {
            JobQueue::Amqp(q) => q.publish(queue, payload).await,
            JobQueue::InProcess(q) => {
                q.publish(queue, payload);
                Ok(())
            }
        }
    }

    /// Starts consuming `queue`, taking at most `prefetch` unacked jobs at a time.
    pub async fn consume(&self, queue: &str, prefetch: u16) -> Result<JobStream, QueueError> {
        match self {
            JobQueue::Amqp(q) => Ok(JobStream::Amqp(q.consume(queue, prefetch).await?)),
            JobQueue::InProcess(q) => Ok(JobStream::InProcess(q.consume(queue))),
        }
    }

    /// Lets go of the broker connection (consumers on it end, their unacked jobs are
    /// redelivered); in process there is nothing to close.
    pub async fn close(&self) {
        if let JobQueue::Amqp(q) = self {
            q.close().await;
        }
    }

    /// Checks the broker is reachable right now.
    pub async fn ping(&self) -> Result<(), QueueError> {
        match self {
            JobQueue::Amqp(q) => q.ping().await,
            JobQueue::InProcess(_) => Ok(()),
        }
    }

    /// `rabbitmq` or `in-process`, for logs and `/readyz`.
    pub fn backend(&self) -> &'static str {
        match self {
            JobQueue::Amqp(_) => "rabbitmq",
            JobQueue::InProcess(_) => "in-process",
        }
    }
}

/// A stream of jobs from one queue.
pub enum JobStream {
    /// From RabbitMQ.
    Amqp(lapin::Consumer),
    /// From the in-process queue.
    InProcess(memory::InProcessConsumer),
}

impl JobStream {
    /// The next job; `None` when the stream has ended and must be re-opened.
    pub async fn next(&mut self) -> Option<Result<Job, QueueError>> {
        use futures::StreamExt;
        match self {
            JobStream::Amqp(consumer) => consumer.next().await.map(|delivery| {
                delivery.map_err(QueueError::from).map(|d| Job {
                    payload: d.data,
                    redelivered: d.redelivered,
                    acker: Acker::Amqp(d.acker),
                })
            }),
            JobStream::InProcess(consumer) => consumer.next().await.map(|(payload, ack)| {
                Ok(Job {
                    redelivered: ack.redelivered(),
                    payload,
                    acker: Acker::InProcess(ack),
                })
            }),
        }
    }
}

/// One job; ack it after its work is committed, or nack it to have it redelivered.
pub struct Job {
    /// The job's serialized body.
    pub payload: Vec<u8>,
    /// Whether this job was delivered before and not acked.
    pub redelivered: bool,
    acker: Acker,
}

enum Acker {
    Amqp(lapin::Acker),
    InProcess(MemoryAck),
}

impl Job {
    /// Done: the queue forgets the job.
    pub async fn ack(self) -> Result<(), QueueError> {
        match self.acker {
            Acker::Amqp(acker) => {
                acker
                    .ack(lapin::options::BasicAckOptions::default())
                    .await?;
            }
            Acker::InProcess(ack) => ack.ack(),
        }
        Ok(())
    }

    /// Not done: the job goes back on the queue (`requeue`) or is dropped to the dead letters.
    pub async fn nack(self, requeue: bool) -> Result<(), QueueError> {
        match self.acker {
            Acker::Amqp(acker) => {
                let options = lapin::options::BasicNackOptions {
                    requeue,
                    ..Default::default()
                };
                acker.nack(options).await?;
            }
            Acker::InProcess(ack) => ack.nack(requeue),
        }
        Ok(())
    }
}
