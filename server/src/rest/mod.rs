//! The REST JSON API under `/api/v1`, for non-browser clients; thin handlers over services.

pub mod error;
pub mod meta;
pub mod openapi;

use app::infra::config::Config;
use axum::{
    http::{header, HeaderValue, Method},
    routing::get,
    Router,
};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::state::AppState;
use error::ApiError;

/// Every `/api/v1` route, with CORS for the configured origins and JSON 404/405 bodies.
pub fn router(config: &Config) -> Router<AppState> {
    Router::new()
        .route("/meta", get(meta::get_meta))
        .route("/openapi.json", get(openapi::openapi_json))
        .fallback(|| async { ApiError::NotFound("no such API endpoint".to_owned()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(cors(config))
}

fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .allow_credentials(true)
        .max_age(std::time::Duration::from_secs(600))
}
