//! The one error type of the load tool.

use tokio_tungstenite::tungstenite;

/// Anything that stops a benchmark run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The command line could not be understood.
    #[error("{0}")]
    Usage(String),
    /// A socket or file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The HTTP exchange itself failed (connection reset, malformed response, ...).
    #[error("http: {0}")]
    Http(#[from] hyper::Error),
    /// The server answered a REST call with an unexpected status.
    #[error("{method} {path} answered {status}: {body}")]
    Status {
        /// Request method.
        method: &'static str,
        /// Request path (without secrets).
        path: String,
        /// The status code.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// The server refused a request with `429`; the caller may switch source address.
    #[error("rate limited by the server (retry after {retry_after:?} s)")]
    RateLimited {
        /// The `Retry-After` header, when present.
        retry_after: Option<u64>,
    },
    /// A WebSocket handshake or frame failed. Boxed: tungstenite's error is large.
    #[error("websocket: {0}")]
    WebSocket(Box<tungstenite::Error>),
    /// A JSON body could not be read or written.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// Something did not happen in time.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The attacking child process of `bench hostile` failed or could not be run.
    #[error("attacking process: {0}")]
    Attack(String),
    /// The server's process could not be inspected through /proc.
    #[error("server process: {0}")]
    Process(String),
}

impl From<tungstenite::Error> for BenchError {
    fn from(e: tungstenite::Error) -> Self {
        BenchError::WebSocket(Box::new(e))
    }
}

impl BenchError {
    /// Wraps an I/O error with what was being attempted.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        BenchError::Io {
            context: context.into(),
            source,
        }
    }
}

/// Result of the load tool's operations.
pub type Result<T, E = BenchError> = std::result::Result<T, E>;
