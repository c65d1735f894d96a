//! The REST layer's one error type, mapped to a status code and `{"error": {...}}` here only.

use app::{
    model::error::{ErrorBody, ErrorDetail},
    services::ServiceError,
};
use axum::{
    extract::rejection::{JsonRejection, PathRejection, QueryRejection},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

/// Anything a REST handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be understood.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing or invalid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: authenticated but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such resource (also for resources the caller may not know exist).
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists but not with this method.
    #[error("this endpoint does not support that HTTP method")]
    MethodNotAllowed,
    /// 409: a unique value is taken.
    #[error("{message}")]
    Conflict {
        /// The field holding the duplicate.
        field: String,
        /// What is taken.
        message: String,
    },
    /// 413: the body is too large.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: the body is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: a field failed validation.
    #[error("{message}")]
    Validation {
        /// The failing field.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// 429: too many attempts.
    #[error("too many attempts; try again in {retry_after} s")]
    RateLimited {
        /// Seconds until the client may retry.
        retry_after: u64,
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
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::Validation { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
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
            ApiError::Validation { field, .. } | ApiError::Conflict { field, .. } => {
                Some(field.clone())
            }
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message: self.to_string(),
                field,
            },
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        match &self {
            ApiError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            _ => {}
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(f) => ApiError::Validation {
                field: f.field.to_owned(),
                message: f.message,
            },
            ServiceError::Conflict { field, message } => ApiError::Conflict {
                field: field.to_owned(),
                message,
            },
            ServiceError::Unauthenticated(m) => ApiError::Unauthorized(m.to_owned()),
            ServiceError::Forbidden(m) => ApiError::Forbidden(m),
            ServiceError::NotFound(m) => ApiError::NotFound(m),
            ServiceError::RateLimited { retry_after } => ApiError::RateLimited { retry_after },
            ServiceError::Internal(detail) => ApiError::Internal(detail),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => json_data_error(&e),
            JsonRejection::JsonSyntaxError(_) => {
                ApiError::BadRequest("the request body is not valid JSON".to_owned())
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
                "send the body as JSON with Content-Type: application/json".to_owned(),
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge("the request body is too large".to_owned())
            }
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

/// Longest excerpt of user input an error message quotes.
const EXCERPT_MAX: usize = 32;

/// A body that is JSON but not the expected shape: a 422 naming the field by its path (never
/// by its value) with serde's message, sanitised so it quotes at most a short excerpt of input.
fn json_data_error(e: &axum::extract::rejection::JsonDataError) -> ApiError {
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(de) = err.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
            return ApiError::from_path_error(de.path(), &de.inner().to_string());
        }
        source = err.source();
    }
    ApiError::Validation {
        field: "body".to_owned(),
        message: "the request body does not have the expected shape".to_owned(),
    }
}

impl ApiError {
    /// The 422 for a body that does not fit its type: `path` locates the failing field and
    /// `message` is serde's, sanitised.
    pub fn from_path_error(path: &serde_path_to_error::Path, message: &str) -> ApiError {
        let message = sanitize_serde_message(message);
        let path = path.to_string();
        let field = if path == "." {
            // Missing and unknown fields are reported at the object holding them; serde's
            // message names the field in backticks.
            first_backticked(&message).unwrap_or_else(|| "body".to_owned())
        } else {
            excerpt(&path)
        };
        ApiError::Validation { field, message }
    }
}

/// serde's message without its position suffix and with every quoted value cut to a short,
/// escaped excerpt.
fn sanitize_serde_message(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => &message[..i],
        _ => message,
    };
    let mut out = String::with_capacity(message.len().min(256));
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        if c != '`' && c != '"' {
            out.extend(escape(c));
            continue;
        }
        // A quoted span: serde quotes values in backticks (raw) or double quotes (Debug-escaped).
        let mut content = String::new();
        let mut escaped = false;
        let mut closed = false;
        for q in chars.by_ref() {
            if q == c && !escaped {
                closed = true;
                break;
            }
            escaped = c == '"' && q == '\\' && !escaped;
            content.push(q);
        }
        let content = if c == '"' {
            unescape_debug(&content)
        } else {
            content
        };
        out.push(c);
        out.push_str(&excerpt(&content));
        if closed {
            out.push(c);
        }
    }
    out
}

/// Undoes `{:?}`'s escaping of the common characters, so the excerpt is escaped exactly once.
fn unescape_debug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// At most [`EXCERPT_MAX`] characters of `s`, escaped, with `…` when cut.
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(EXCERPT_MAX).flat_map(escape).collect();
    if s.chars().nth(EXCERPT_MAX).is_some() {
        out.push('…');
    }
    out
}

/// `c`, or its escape when it is a control character, a backslash or a quote.
fn escape(c: char) -> impl Iterator<Item = char> {
    let plain = !(c.is_control() || matches!(c, '\\' | '"' | '`'));
    let escaped: Vec<char> = match c {
        _ if plain => vec![c],
        '`' => vec!['\\', '`'],
        _ => c.escape_debug().collect(),
    };
    escaped.into_iter()
}

/// The first backtick-quoted token of `message`.
fn first_backticked(message: &str) -> Option<String> {
    let token = message.split('`').nth(1)?;
    (!token.is_empty()).then(|| token.to_owned())
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(format!(
            "invalid path parameter: {}",
            sanitize_serde_message(&rejection.body_text())
        ))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(format!(
            "invalid query string: {}",
            sanitize_serde_message(&rejection.body_text())
        ))
    }
}
