//! State shared by every handler.

use std::sync::Arc;

use app::{infra::Infra, services::Services};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::{
    drain::Drain,
    pwa::{Bundle, Pwa, PwaConfig},
    ws::{fanout::Fanout, limits::ConnectionLimits, tracker::SocketTracker},
};

/// Infrastructure plus the Leptos options; cloned per request (all fields are handles).
#[derive(Clone)]
pub struct AppState {
    /// Where the site's files are and how they are named.
    pub leptos_options: LeptosOptions,
    /// Database, cache, bus and queue.
    pub infra: Infra,
    /// The business logic every handler calls.
    pub services: Services,
    /// The service worker, offline page and manifest of the build being served.
    pub pwa: Arc<Pwa>,
    /// Routes bus events to this instance's WebSocket connections.
    pub fanout: Fanout,
    /// The WebSocket tasks alive on this instance.
    pub sockets: SocketTracker,
    /// Set once SIGTERM arrived.
    pub drain: Drain,
    /// Sockets per account and address on this instance.
    pub ws_limits: ConnectionLimits,
}

impl AppState {
    /// Builds the state from connected infrastructure, with the PWA switched on.
    pub fn new(infra: Infra) -> Self {
        Self::with_pwa(infra, PwaConfig::default())
    }

    /// Builds the state from connected infrastructure and the `PWA` setting; starts the
    /// WebSocket dispatcher, so it must run inside a Tokio runtime.
    pub fn with_pwa(infra: Infra, pwa: PwaConfig) -> Self {
        let site = &infra.config.site;
        let bundle = Bundle::resolve(
            std::path::Path::new(&site.site_root),
            &site.site_pkg_dir,
            &site.output_name,
        );
        let leptos_options = crate::site::leptos_options(&infra.config, &bundle);
        let pwa = Pwa::prepare(pwa, bundle, &site.site_root, &site.site_pkg_dir);
        let services = Services::new(infra.clone());
        let fanout = Fanout::start(&infra.bus, services.rooms.clone());
        Self {
            leptos_options,
            services,
            pwa: Arc::new(pwa),
            fanout,
            sockets: SocketTracker::default(),
            drain: Drain::default(),
            ws_limits: ConnectionLimits::new(
                infra.config.limits.ws_per_user,
                infra.config.limits.ws_per_address,
            ),
            infra,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
