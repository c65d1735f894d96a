//! The HTML shell rendered by the server and the root component hydrated in the browser.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    Lazy, ParamSegment, SsrMode, StaticSegment,
};

use super::{
    layout::{SiteFooter, SiteHeader},
    notifications::NotificationFeed,
    pages::not_found::NotFound,
    pwa::{PwaHead, UpdateBanner},
    rooms::RoomsChanged,
    routes,
    session::CurrentUser,
    shortcuts::{Panels, Shortcuts},
    theme::THEME_BOOTSTRAP,
};
use crate::live::Live;

/// The full HTML document; `options` tells it where the WASM bundle is served from.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="theme-color" content="#4f46e5"/>
                <meta
                    name="description"
                    content="Parley is fast, reliable team and community chat that never loses a message."
                />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                // Build-hashed name, so a new build never gets an old cached stylesheet.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <PwaHead/>
                // Sets the theme before first paint so a dark-mode user never sees a white flash.
                <script nonce=leptos::nonce::use_nonce() inner_html=THEME_BOOTSTRAP></script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: layout plus routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let user = CurrentUser::provide();
    RoomsChanged::provide();
    Panels::provide();
    // One socket per tab, open while someone is signed in.
    let live = Live::provide();
    Effect::new(move |_| live.connect_as(user.user().map(|u| u.id)));
    NotificationFeed::provide(live, Signal::derive(move || user.user().is_some()));
    // Effects run only in the browser, so this attribute proves the WASM bundle took over.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "Parley".to_owned() } else { format!("{page} · Parley") }
        }/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Shortcuts/>
            <div class="site">
                <SiteHeader/>
                <main id="main" class="site-main" tabindex="-1">
                    <Routes fallback=|| view! { <NotFound/> }>
                        <Route path=StaticSegment("") view={Lazy::<routes::Landing>::new()}/>
                        <Route path=StaticSegment("signin") view={Lazy::<routes::SignIn>::new()}/>
                        <Route path=StaticSegment("signup") view={Lazy::<routes::SignUp>::new()}/>
                        // Private pages wait for the user during SSR so a visitor gets a real
                        // redirect to sign-in instead of a flash of the page.
                        <Route path=StaticSegment("profile") view={Lazy::<routes::Profile>::new()} ssr=SsrMode::Async/>
                        <Route path=StaticSegment("settings") view={Lazy::<routes::Settings>::new()} ssr=SsrMode::Async/>
                        <Route path=StaticSegment("rooms") view={Lazy::<routes::Rooms>::new()} ssr=SsrMode::Async/>
                        <Route
                            path=(StaticSegment("rooms"), StaticSegment("browse"))
                            view={Lazy::<routes::Directory>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("rooms"), StaticSegment("new"))
                            view={Lazy::<routes::NewRoom>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("rooms"), ParamSegment("id"))
                            view={Lazy::<routes::Room>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("rooms"), ParamSegment("id"), StaticSegment("settings"))
                            view={Lazy::<routes::RoomSettings>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route path=StaticSegment("invitations") view={Lazy::<routes::Invitations>::new()} ssr=SsrMode::Async/>
                        <Route path=StaticSegment("search") view={Lazy::<routes::Search>::new()} ssr=SsrMode::Async/>
                        <Route
                            path=(StaticSegment("join"), ParamSegment("code"))
                            view={Lazy::<routes::JoinLink>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("u"), ParamSegment("username"))
                            view={Lazy::<routes::User>::new()}
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </main>
                <SiteFooter/>
            </div>
        </Router>
        <UpdateBanner/>
    }
}
