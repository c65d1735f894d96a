//! The REST JSON API under `/api/v1`, for non-browser clients; thin handlers over services.

pub mod auth;
pub mod error;
pub mod extract;
pub mod invitations;
pub mod messages;
pub mod meta;
pub mod notifications;
pub mod openapi;
pub mod params;
pub mod rooms;
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
        .route("/rooms", get(rooms::mine).post(rooms::create))
        .route("/rooms/public", get(rooms::directory))
        .route(
            "/rooms/{id}",
            get(rooms::get).patch(rooms::update).delete(rooms::delete),
        )
        .route("/rooms/{id}/preview", get(rooms::preview))
        .route("/rooms/{id}/join", post(rooms::join))
        .route("/rooms/{id}/leave", post(rooms::leave))
        .route("/rooms/{id}/mute", put(rooms::mute))
        .route("/rooms/{id}/participants", get(rooms::participants))
        .route(
            "/rooms/{id}/participants/{user_id}",
            axum::routing::patch(rooms::change_role).delete(rooms::remove),
        )
        .route("/rooms/{id}/bans", get(rooms::bans).post(rooms::ban))
        .route("/rooms/{id}/bans/{user_id}", delete(rooms::unban))
        .route(
            "/rooms/{id}/invitations",
            get(invitations::of_room).post(invitations::invite),
        )
        .route(
            "/rooms/{id}/invite-links",
            get(invitations::links).post(invitations::create_link),
        )
        .route(
            "/rooms/{id}/invite-links/{link_id}",
            delete(invitations::revoke_link),
        )
        .route("/invitations", get(invitations::mine))
        .route("/invitations/{id}", delete(invitations::revoke))
        .route("/invitations/{id}/accept", post(invitations::accept))
        .route("/invitations/{id}/decline", post(invitations::decline))
        .route("/invite-links/{code}/join", post(invitations::join_by_link))
        .route("/dm/{user_id}", post(rooms::direct))
        .route(
            "/rooms/{id}/messages",
            get(messages::history).post(messages::send),
        )
        .route("/rooms/{id}/read", post(messages::mark_read))
        .route(
            "/messages/{id}",
            axum::routing::patch(messages::edit).delete(messages::delete),
        )
        .route("/messages/{id}/reactions", post(messages::react))
        .route("/search", get(messages::search))
        .route("/notifications", get(notifications::list))
        .route(
            "/notifications/unread-count",
            get(notifications::unread_count),
        )
        .route(
            "/notifications/read-all",
            post(notifications::mark_all_read),
        )
        .route("/notifications/read", delete(notifications::delete_read))
        .route(
            "/notifications/preferences",
            get(notifications::preferences).put(notifications::update_preferences),
        )
        .route("/notifications/{id}", delete(notifications::delete))
        .route("/notifications/{id}/read", post(notifications::mark_read))
        .route(
            "/rooms/{id}/notifications",
            get(notifications::room_settings).put(notifications::set_room_level),
        )
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
        // Lets browser clients read the directory's total for paging.
        .expose_headers([header::HeaderName::from_static(rooms::TOTAL_HEADER)])
        .allow_credentials(true)
        .max_age(std::time::Duration::from_secs(600))
}
