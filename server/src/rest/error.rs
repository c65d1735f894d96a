//! The REST layer's one error type, mapped to a status code and `{"error": {...}}` here only.

use app::model::error::{ErrorBody, ErrorDetail};
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};

/// Anything a REST handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be understood.
    #[error("{0}")]
    BadRequest(String),
    /// 404: no such resource (also for resources the caller may not know exist).
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists but not with this method.
    #[error("this endpoint does not support that HTTP method")]
    MethodNotAllowed,
    /// 422: a field failed validation.
    #[error("{message}")]
    Validation {
        /// The failing field.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// 503: a backend needed for this request is down.
    #[error("{0}")]
    Unavailable(String),
    /// 500: a bug or an unexpected backend failure; details go to the log, not the client.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Validation { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            }
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error in REST handler");
        }
        let field = match &self {
            ApiError::Validation { field, .. } => Some(field.clone()),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message: self.to_string(),
                field,
            },
        };
        (status, Json(body)).into_response()
    }
}
