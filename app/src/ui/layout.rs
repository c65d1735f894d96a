//! The frame around every page: header with brand, account menu and controls, and the footer.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::{
    avatar::Avatar,
    icons::LogoMark,
    menu::{Menu, MenuAction, MenuLink},
    notifications::Bell,
    session::CurrentUser,
    shortcuts::Panels,
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
                            let (username, trigger_name) = (user.username.clone(), user.display_name.clone());
                            view! {
                                <a href="/rooms" class="button button-ghost button-small">"Rooms"</a>
                                <Bell/>
                                <Menu label=format!("Account: {name}") id="account-menu"
                                    class="account-trigger"
                                    trigger=ViewFn::from(move || view! {
                                        <Avatar username=username.clone() name=trigger_name.clone() size=28/>
                                        <span class="account-name" data-testid="account-name">
                                            {trigger_name.clone()}
                                        </span>
                                    })>
                                    <MenuLink href="/profile">"Profile"</MenuLink>
                                    <MenuLink href="/settings">"Settings"</MenuLink>
                                    <MenuAction danger=true testid="sign-out"
                                        on_select=Callback::new(move |()| { sign_out.dispatch(SignOut {}); })>
                                        "Sign out"
                                    </MenuAction>
                                </Menu>
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
