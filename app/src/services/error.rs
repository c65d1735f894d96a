//! The service layer's one error type; the REST layer and server functions map it to HTTP once.

use crate::infra::store::StoreError;
use crate::model::validation::FieldError;

/// Why a service call failed, in terms a client can act on.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A field broke a rule (422).
    #[error("{}", .0.message)]
    Invalid(FieldError),
    /// A unique value is taken (409).
    #[error("{message}")]
    Conflict {
        /// The field holding the duplicate value.
        field: &'static str,
        /// What is taken.
        message: String,
    },
    /// No valid credentials or session (401).
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// Authenticated but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such resource, or one the caller may not know about (404).
    #[error("{0}")]
    NotFound(String),
    /// Too many attempts (429).
    #[error("too many attempts; try again in {retry_after} s")]
    RateLimited {
        /// Seconds until the limit resets.
        retry_after: u64,
    },
    /// A bug or a backend failure (500); the detail is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Result of a service call.
pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    /// The machine-readable code clients see, the same on every transport.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Invalid(_) => "validation_failed",
            ServiceError::Conflict { .. } => "conflict",
            ServiceError::Unauthenticated(_) => "unauthorized",
            ServiceError::Forbidden(_) => "forbidden",
            ServiceError::NotFound(_) => "not_found",
            ServiceError::RateLimited { .. } => "rate_limited",
            ServiceError::Internal(_) => "internal",
        }
    }

    /// A rule violation on `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Invalid(FieldError::new(field, message))
    }
}

impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        ServiceError::Invalid(e)
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(constraint) => match constraint.as_str() {
                "users_email_lower_key" => ServiceError::Conflict {
                    field: "email",
                    message: "An account with this email address already exists.".to_owned(),
                },
                "users_username_lower_key" => ServiceError::Conflict {
                    field: "username",
                    message: "This username is taken.".to_owned(),
                },
                other => ServiceError::Internal(format!("unexpected duplicate in {other}")),
            },
            StoreError::Db(e) => ServiceError::Internal(e.to_string()),
        }
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        ServiceError::Internal(e.to_string())
    }
}
