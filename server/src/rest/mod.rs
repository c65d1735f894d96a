//! The REST JSON API under `/api/v1`, for non-browser clients; thin handlers over services.

pub mod auth;
pub mod error;
pub mod extract;
pub mod meta;
pub mod openapi;
pub mod users;

use app::infra::config::Config;
use axum::{
    http::{header, HeaderValue, Method},
    routing::{delete, get, post, put},
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
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/logout-all", post(auth::logout_all))
        .route("/auth/sessions", get(auth::sessions))
        .route("/auth/sessions/{id}", delete(auth::revoke_session))
        .route("/users", get(users::search))
        .route("/users/me", get(users::me).patch(users::update_me))
        .route("/users/me/password", put(users::change_password))
        .route(
            "/users/me/profile",
            get(users::profile).patch(users::update_profile),
        )
        .route("/users/{id}", get(users::by_id))
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
