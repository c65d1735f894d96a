//! Readiness report of the server's backends, as served by `GET /readyz`.

use serde::{Deserialize, Serialize};

/// Overall readiness plus one entry per backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Readiness {
    /// `ready` when every check passed; `degraded` when only checks that merely degrade
    /// service failed (a read replica: the primary serves its reads), still ready;
    /// `unavailable` when a required backend failed.
    pub status: String,
    /// One result per backend in use.
    pub checks: Vec<CheckResult>,
}

/// The outcome of probing one backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckResult {
    /// `postgres`, `postgres_replica`, `redis` or `rabbitmq` (or `event_bus` / `job_queue`
    /// when in-process).
    pub name: String,
    /// Which implementation is in use, e.g. `redis` or `in-process`; for a read replica,
    /// its pool's name (`replica0`, …).
    pub backend: String,
    /// Whether the probe succeeded within its deadline.
    pub ok: bool,
    /// How long the probe took, in milliseconds.
    pub latency_ms: u64,
    /// Why the probe failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// True when this check failed but the server still works without it, in a degraded
    /// way (absent when false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub degraded: bool,
    /// Replication lag in milliseconds, for read replicas when it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_ms: Option<u64>,
}

impl Readiness {
    /// Builds the report from individual checks: ready if all of them passed, degraded if
    /// only checks marked `degraded` failed, unavailable otherwise.
    pub fn from_checks(checks: Vec<CheckResult>) -> Self {
        let status = if checks.iter().all(|c| c.ok) {
            "ready"
        } else if checks.iter().all(|c| c.ok || c.degraded) {
            "degraded"
        } else {
            "unavailable"
        };
        Self {
            status: status.to_owned(),
            checks,
        }
    }

    /// True when every required backend answered (the status is `ready` or `degraded`).
    pub fn is_ready(&self) -> bool {
        self.status != "unavailable"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, ok: bool, degraded: bool) -> CheckResult {
        CheckResult {
            name: name.to_owned(),
            backend: name.to_owned(),
            ok,
            latency_ms: 1,
            error: (!ok).then(|| "down".to_owned()),
            degraded,
            lag_ms: None,
        }
    }

    #[test]
    fn only_required_failures_make_the_server_unavailable() {
        let ready = Readiness::from_checks(vec![check("postgres", true, false)]);
        assert_eq!((ready.status.as_str(), ready.is_ready()), ("ready", true));
        let degraded = Readiness::from_checks(vec![
            check("postgres", true, false),
            check("postgres_replica", false, true),
        ]);
        assert_eq!(
            (degraded.status.as_str(), degraded.is_ready()),
            ("degraded", true)
        );
        let down = Readiness::from_checks(vec![
            check("postgres", false, false),
            check("postgres_replica", false, true),
        ]);
        assert_eq!(
            (down.status.as_str(), down.is_ready()),
            ("unavailable", false)
        );
    }

    #[test]
    fn the_new_fields_are_optional_on_the_wire() {
        let json = serde_json::to_value(check("redis", true, false)).expect("serialize");
        assert!(
            json.get("degraded").is_none() && json.get("lag_ms").is_none(),
            "{json}"
        );
        let old: CheckResult =
            serde_json::from_str(r#"{"name":"redis","backend":"redis","ok":true,"latency_ms":3}"#)
                .expect("an older report still parses");
        assert!(!old.degraded);
    }
}
