//! Logging setup.

use tracing_subscriber::EnvFilter;

/// The log filter could not be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid LOG_LEVEL/RUST_LOG {directive:?}: {reason}")]
pub struct TelemetryError {
    directive: String,
    reason: String,
}

/// Installs the global subscriber with `directive` (e.g. `info` or `server=debug,info`).
pub fn init(directive: &str) -> Result<(), TelemetryError> {
    let filter = EnvFilter::try_new(directive).map_err(|e| TelemetryError {
        directive: directive.to_owned(),
        reason: e.to_string(),
    })?;
    // A second init (tests) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
    Ok(())
}
