//! Readiness report of the server's backends, as served by `GET /readyz`.

use serde::{Deserialize, Serialize};

/// Overall readiness plus one entry per backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Readiness {
    /// `ready` when every check passed, `unavailable` otherwise.
    pub status: String,
    /// One result per backend in use.
    pub checks: Vec<CheckResult>,
}

/// The outcome of probing one backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckResult {
    /// `postgres`, `redis` or `rabbitmq` (or `event_bus` / `job_queue` when in-process).
    pub name: String,
    /// Which implementation is in use, e.g. `redis` or `in-process`.
    pub backend: String,
    /// Whether the probe succeeded within its deadline.
    pub ok: bool,
    /// How long the probe took, in milliseconds.
    pub latency_ms: u64,
    /// Why the probe failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Readiness {
    /// Builds the report from individual checks; ready only if all of them passed.
    pub fn from_checks(checks: Vec<CheckResult>) -> Self {
        let status = if checks.iter().all(|c| c.ok) {
            "ready"
        } else {
            "unavailable"
        };
        Self {
            status: status.to_owned(),
            checks,
        }
    }

    /// True when every backend answered.
    pub fn is_ready(&self) -> bool {
        self.status == "ready"
    }
}
