//! The frame around every page: header with brand, account menu and controls, and the footer.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::{
    avatar::Avatar, icons::LogoMark, notifications::Bell, session::CurrentUser, shortcuts::Panels,
    theme::ThemeToggle,
};
use crate::api::auth::SignOut;

/// The top bar: brand, primary navigation, the account menu and the theme switch.
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
                    <AccountMenu/>
                </div>
            </div>
        </header>
    }
}

/// Sign-in links for visitors; name, profile, settings and sign-out for users.
#[component]
fn AccountMenu() -> impl IntoView {
    let current = CurrentUser::get();
    let sign_out = ServerAction::<SignOut>::new();
    let navigate = use_navigate();
    let menu = NodeRef::<leptos::html::Details>::new();
    let close_menu = move || {
        if let Some(details) = menu.get_untracked() {
            details.set_open(false);
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            current.set(None);
            navigate("/", Default::default());
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || {
                current
                    .0
                    .get()
                    .map(|result| match result {
                        Ok(Some(user)) => {
                            let name = user.display_name.clone();
                            view! {
                                <a href="/rooms" class="button button-ghost button-small">"Rooms"</a>
                                <Bell/>
                                // A native disclosure: opens and closes by click, Enter and
                                // Space without code of its own (a scripted menu cost the first
                                // load about 10 KB). Choosing an item, Escape, and focus or a
                                // click going elsewhere close it.
                                <details class="menu" node_ref=menu
                                    on:keydown=move |ev| {
                                        if ev.key() == "Escape" && menu.get_untracked().is_some_and(|d| d.open()) {
                                            close_menu();
                                            focus_trigger(menu);
                                        }
                                    }
                                    on:focusout=move |ev| {
                                        if !focus_stays_in(menu, &ev) {
                                            close_menu();
                                        }
                                    }>
                                    <summary class="menu-trigger account-trigger" aria-label=format!("Account: {name}")>
                                        <Avatar username=user.username.clone() name=name.clone() size=28/>
                                        <span class="account-name" data-testid="account-name">{name.clone()}</span>
                                    </summary>
                                    <div class="menu-popup" role="menu" on:click=move |_| close_menu()>
                                        <a class="menu-item" role="menuitem" href="/profile">"Profile"</a>
                                        <a class="menu-item" role="menuitem" href="/settings">"Settings"</a>
                                        <button type="button" class="menu-item danger" role="menuitem" data-testid="sign-out"
                                            on:click=move |_| { sign_out.dispatch(SignOut {}); }>
                                            "Sign out"
                                        </button>
                                    </div>
                                </details>
                            }
                                .into_any()
                        }
                        _ => {
                            view! {
                                <a href="/signin" class="button button-ghost button-small">
                                    "Sign in"
                                </a>
                                <a href="/signup" class="button button-primary button-small">
                                    "Sign up"
                                </a>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

/// Whether focus moves to another element inside the menu (from the trigger to an item).
fn focus_stays_in(menu: NodeRef<leptos::html::Details>, ev: &leptos::ev::FocusEvent) -> bool {
    use wasm_bindgen::JsCast;
    let next = ev
        .related_target()
        .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
    match (menu.get_untracked(), next) {
        (Some(details), Some(next)) => details.contains(Some(&next)),
        _ => false,
    }
}

/// Gives the focus back to the menu's trigger.
fn focus_trigger(menu: NodeRef<leptos::html::Details>) {
    use wasm_bindgen::JsCast;
    let summary = menu
        .get_untracked()
        .and_then(|d| d.query_selector("summary").ok().flatten());
    if let Some(summary) = summary.and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = summary.focus();
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
                    <button type="button" class="link-button" on:click=move |_| Panels::get().help.set(true)>
                        "Keyboard shortcuts (?)"
                    </button>
                    " · "
                    <a href="/healthz">"Status"</a>
                    " · "
                    <a href="/api/v1/openapi.json">"OpenAPI"</a>
                </span>
            </div>
        </footer>
    }
}
