//! The frame around every page: header with brand and controls, and the footer.

use leptos::prelude::*;

use super::{icons::LogoMark, theme::ThemeToggle};

/// The top bar: brand, primary navigation and the theme switch.
#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <div class="container header-inner">
                <a href="/" class="brand" aria-label="Parley home">
                    <LogoMark/>
                    <span class="brand-name">"Parley"</span>
                </a>
                <nav class="header-nav" aria-label="Main">
                    <a href="/#features">"Features"</a>
                    <a href="/api/v1/openapi.json">"API"</a>
                </nav>
                <div class="header-actions">
                    <ThemeToggle/>
                </div>
            </div>
        </header>
    }
}

/// The bottom bar.
#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="container footer-inner">
                <span>"Parley — team chat written in Rust."</span>
                <span class="muted">
                    <a href="/healthz">"Status"</a>
                    " · "
                    <a href="/api/v1/openapi.json">"OpenAPI"</a>
                </span>
            </div>
        </footer>
    }
}
