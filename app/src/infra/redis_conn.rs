//! The shared Redis connection: one multiplexed, self-reconnecting connection per process.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Creates the client and a lazily connecting manager, so a Redis that is down at start
/// delays readiness instead of aborting the process.
pub fn connect(url: &str) -> redis::RedisResult<(redis::Client, ConnectionManager)> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_millis(500));
    let manager = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
    Ok((client, manager))
}

/// Sends `PING`, for readiness checks.
pub async fn ping(conn: &ConnectionManager) -> redis::RedisResult<()> {
    let mut conn = conn.clone();
    redis::cmd("PING").query_async::<String>(&mut conn).await?;
    Ok(())
}
