//! State shared by every handler.

use app::{infra::Infra, services::Services};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

/// Infrastructure plus the Leptos options; cloned per request (all fields are handles).
#[derive(Clone)]
pub struct AppState {
    /// Where the site's files are and how they are named.
    pub leptos_options: LeptosOptions,
    /// Database, cache, bus and queue.
    pub infra: Infra,
    /// The business logic every handler calls.
    pub services: Services,
}

impl AppState {
    /// Builds the state from connected infrastructure.
    pub fn new(infra: Infra) -> Self {
        let leptos_options = crate::site::leptos_options(&infra.config);
        Self {
            leptos_options,
            services: Services::new(infra.clone()),
            infra,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
