//! The HTTP router: probes, REST API, Leptos SSR and static files, in that order of precedence.

use app::{shell, ui::pwa::PwaSettings, App};
use axum::{http::header, middleware, routing::get, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{
    compression::CompressionLayer, set_header::SetResponseHeaderLayer, trace::TraceLayer,
};

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
        ));
    site.merge(pwa::routes(state.pwa.clone()))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/ws", get(ws::upgrade))
        .nest("/api/v1", rest::router(&state.infra.config))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client_addr::layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers::layer,
        ))
        .layer(middleware::from_fn(http_metrics::record))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
