//! The one JSON error shape every REST endpoint returns: `{"error": {"code", "message"}}`.

use serde::{Deserialize, Serialize};

/// Body of every error response of the REST API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// A machine-readable code, a human-readable message and, for validation errors, the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable, machine-readable code such as `not_found` or `validation_failed`.
    pub code: String,
    /// A sentence a person can read.
    pub message: String,
    /// The request field that failed validation, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorBody {
    /// Builds an error body without a field.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
                field: None,
            },
        }
    }
}

impl std::fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ErrorDetail {}

impl ErrorDetail {
    /// An error without a field.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            field: None,
        }
    }

    /// The message when it concerns `field`, for showing next to that input.
    pub fn for_field(&self, field: &str) -> Option<String> {
        (self.field.as_deref() == Some(field)).then(|| self.message.clone())
    }
}

/// Server functions return `ErrorDetail`, so the UI gets the same code, message and field as
/// REST clients; transport failures become readable messages too.
impl leptos::server_fn::error::FromServerFnError for ErrorDetail {
    type Encoder = crate::api::codec::JsonText;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(_) => ErrorDetail::new(
                "network",
                "Cannot reach the server. Check your connection and try again.",
            ),
            E::Args(m) | E::MissingArg(m) => ErrorDetail::new("bad_request", m),
            other => ErrorDetail::new("internal", format!("Something went wrong: {other}")),
        }
    }
}
