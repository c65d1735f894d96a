//! The HTTP router: probes, REST API, Leptos SSR and static files, in that order of precedence.

use app::{shell, ui::pwa::PwaSettings, App};
use axum::{
    extract::DefaultBodyLimit,
    http::{header, StatusCode},
    middleware,
    routing::get,
    Router,
};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{
    compression::CompressionLayer, limit::RequestBodyLimitLayer,
    set_header::SetResponseHeaderLayer, timeout::TimeoutLayer, trace::TraceLayer,
};

/// Largest request body the REST API reads: every request it takes is a small JSON object.
pub const API_BODY_LIMIT: usize = 64 * 1024;
/// Largest request body of pages and server functions (forms, small JSON).
pub const SITE_BODY_LIMIT: usize = 256 * 1024;

use crate::{
    browser_session, client_addr, health, http_metrics, pwa, rest, security_headers,
    state::AppState, ws,
};

/// Builds the complete application router.
pub fn build(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let infra = state.infra.clone();
    let services = state.services.clone();
    let options = state.leptos_options.clone();
    let config = state.infra.config.clone();
    let fallback_config = config.clone();
    // The shell registers the service worker only when the PWA is on.
    let pwa_settings = PwaSettings {
        register_worker: state.pwa.enabled,
    };
    // Pages (the 404 page included) and server functions know the user from the session
    // cookies; the layer is added before the probes and the API so it wraps only the site.
    let site = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(infra.clone());
                provide_context(services.clone());
                provide_context(pwa_settings);
                security_headers::provide_page_policy(&config);
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            move || {
                provide_context(pwa_settings);
                security_headers::provide_page_policy(&fallback_config);
            },
            shell,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            browser_session::layer,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            pwa::html_no_cache,
        ))
        .layer(RequestBodyLimitLayer::new(SITE_BODY_LIMIT));
    // The API's own limit goes through its JSON extractor, so the 413 has the API's shape.
    let api = rest::router(&state.infra.config).layer(DefaultBodyLimit::max(API_BODY_LIMIT));
    let request_timeout = state.infra.config.limits.http_request_timeout;
    site.merge(pwa::routes(state.pwa.clone()))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/ws", get(ws::upgrade))
        .nest("/api/v1", api)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client_addr::layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers::layer,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(middleware::from_fn(http_metrics::record))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
