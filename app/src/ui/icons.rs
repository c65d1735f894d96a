//! Inline SVG icons, so the shell needs no icon font or extra request.

use leptos::prelude::*;

/// The Parley logo: two overlapping speech bubbles.
#[component]
pub fn LogoMark() -> impl IntoView {
    view! {
        <svg class="logo-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
            <rect x="2" y="4" width="20" height="16" rx="6" fill="var(--brand)"/>
            <path d="M7 20 L7 26 L13 20 Z" fill="var(--brand)"/>
            <rect x="12" y="11" width="18" height="14" rx="5" fill="var(--brand-2)" opacity="0.92"/>
            <path d="M25 25 L25 30 L20 25 Z" fill="var(--brand-2)" opacity="0.92"/>
        </svg>
    }
}

/// A sun, shown while the dark theme is active (click for light).
#[component]
pub fn SunIcon() -> impl IntoView {
    view! {
        <svg class="icon icon-sun" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round">
            <circle cx="12" cy="12" r="4"/>
            <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4"/>
        </svg>
    }
}

/// A moon, shown while the light theme is active (click for dark).
#[component]
pub fn MoonIcon() -> impl IntoView {
    view! {
        <svg class="icon icon-moon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z"/>
        </svg>
    }
}
