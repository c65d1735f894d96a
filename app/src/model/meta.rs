//! Service metadata returned by `GET /api/v1/meta`.

use serde::{Deserialize, Serialize};

/// What this server is and which backends it runs on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ServerMeta {
    /// Product name.
    pub name: String,
    /// Server version (the crate version).
    pub version: String,
    /// REST API version this server speaks.
    pub api_version: String,
    /// Backend of the realtime event bus: `redis` or `in-process`.
    pub event_bus: String,
    /// Backend of the job queue: `rabbitmq` or `in-process`.
    pub job_queue: String,
}
