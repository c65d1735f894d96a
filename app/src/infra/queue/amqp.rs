//! RabbitMQ job queue: durable queues, persistent messages and publisher confirms, over one
//! connection that is re-opened on the next use after it is lost.

use std::{collections::HashSet, sync::Arc, time::Duration};

use lapin::{
    options::{
        BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
        QueueDeclareOptions,
    },
    types::FieldTable,
    BasicProperties, Channel, Connection, ConnectionProperties,
};
use tokio::sync::Mutex;

use super::QueueError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);
/// AMQP delivery mode 2: the broker writes the message to disk.
const PERSISTENT: u8 = 2;

struct Live {
    connection: Connection,
    publisher: Channel,
    declared: HashSet<String>,
}

/// A handle to RabbitMQ; cheap to clone.
#[derive(Clone)]
pub struct AmqpQueue {
    url: Arc<str>,
    live: Arc<Mutex<Option<Live>>>,
}

impl AmqpQueue {
    /// A queue on the broker at `url`; nothing is opened until first use.
    pub fn new(url: &str) -> Self {
        Self {
            url: url.into(),
            live: Arc::new(Mutex::new(None)),
        }
    }

    async fn open(&self) -> Result<Live, QueueError> {
        let opened = self.connect().await;
        if opened.is_err() {
            crate::infra::metrics::amqp_error("connect");
        }
        opened
    }

    async fn connect(&self) -> Result<Live, QueueError> {
        let connect = Connection::connect(&self.url, ConnectionProperties::default());
        let connection = tokio::time::timeout(CONNECT_TIMEOUT, connect)
            .await
            .map_err(|_| QueueError::Timeout(CONNECT_TIMEOUT))??;
        let publisher = connection.create_channel().await?;
        publisher
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        Ok(Live {
            connection,
            publisher,
            declared: HashSet::new(),
        })
    }

    /// Runs `f` with a live connection, opening one if needed.
    async fn with_live<T>(
        &self,
        f: impl AsyncFnOnce(&mut Live) -> Result<T, QueueError>,
    ) -> Result<T, QueueError> {
        let mut guard = self.live.lock().await;
        let usable = guard
            .as_ref()
            .is_some_and(|l| l.connection.status().connected() && l.publisher.status().connected());
        if !usable {
            *guard = Some(self.open().await?);
        }
        let Some(live) = guard.as_mut() else {
            return Err(QueueError::Closed);
        };
        let result = f(live).await;
        if result.is_err() {
            // Whatever failed may have poisoned the channel; start afresh next time.
            *guard = None;
        }
        result
    }

    /// Publishes one persistent message and waits for the broker's confirm.
    pub async fn publish(&self, queue: &str, payload: &[u8]) -> Result<(), QueueError> {
        self.with_live(async |live| {
            declare(&live.publisher, &mut live.declared, queue).await?;
            let confirm = live
                .publisher
                .basic_publish(
                    "".into(),
                    queue.into(),
                    BasicPublishOptions::default(),
                    payload,
                    BasicProperties::default().with_delivery_mode(PERSISTENT),
                )
                .await?;
            let confirmation = tokio::time::timeout(CONFIRM_TIMEOUT, confirm)
                .await
                .map_err(|_| QueueError::Timeout(CONFIRM_TIMEOUT))??;
            if confirmation.is_ack() {
                Ok(())
            } else {
                Err(QueueError::NotConfirmed)
            }
        })
        .await
    }

    /// Opens a consumer on its own channel, so a slow consumer never blocks publishing.
    pub async fn consume(&self, queue: &str, prefetch: u16) -> Result<lapin::Consumer, QueueError> {
        self.with_live(async |live| {
            let channel = live.connection.create_channel().await?;
            let mut declared = HashSet::new();
            declare(&channel, &mut declared, queue).await?;
            channel
                .basic_qos(prefetch, BasicQosOptions::default())
                .await?;
            let consumer = channel
                .basic_consume(
                    queue.into(),
                    "".into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await?;
            Ok(consumer)
        })
        .await
    }

    /// Closes the connection, if one is open: consumers on it stop, and the broker hands
    /// their unacked jobs to other consumers at once. The next use opens a new connection.
    pub async fn close(&self) {
        if let Some(live) = self.live.lock().await.take() {
            let _ = live.connection.close(200, "closing".into()).await;
        }
    }

    /// Succeeds when a connection is open or can be opened now.
    pub async fn ping(&self) -> Result<(), QueueError> {
        self.with_live(async |_| Ok(())).await
    }
}

async fn declare(
    channel: &Channel,
    declared: &mut HashSet<String>,
    queue: &str,
) -> Result<(), QueueError> {
    if declared.contains(queue) {
        return Ok(());
    }
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await?;
    declared.insert(queue.to_owned());
    Ok(())
}
