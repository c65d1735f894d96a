//! Pages whose code the browser downloads only when it first shows them.
//!
//! Each page is a `LazyRoute` whose view is a fallible split point (`#[wasm_split]`):
//! `cargo leptos build --split` moves the code that only it uses into its own WASM chunk, so
//! the first load carries the shell and the page in view instead of the whole app (the budget
//! in docs/benchmarks.md, "First-load budget"). On the server these are ordinary components;
//! the server notes which chunks a page used, and the shell preloads them so hydration does
//! not wait for a second round trip. When a page's chunk cannot be downloaded (the connection
//! dropped before the service worker had cached it), the page says so instead of the app
//! stopping, which is why this is not leptos_router's `#[lazy_route]`.
//!
//! The split points are named `parley_page_<page>` (scripts/first-load-size.mjs reads the
//! names from the split manifest), so these names must stay unique within the app.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use super::{
    pages::{
        landing::LandingPage, profile::ProfilePage, settings::SettingsPage, sign_in::SignInPage,
        sign_up::SignUpPage,
    },
    rooms::{
        directory::DirectoryPage, home::RoomsHome, invitations::InvitationsPage,
        join_link::JoinLinkPage, new_room::NewRoomPage, room_page::RoomPage,
        room_settings::RoomSettingsPage, search::SearchPage, user_page::UserPage,
    },
};

/// A page as a lazy route: a unit struct whose view is `$page`, split off as `$split`.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:ident in $split:ident) => {
        $(#[$doc])*
        pub struct $route;

        mod $split {
            use super::*;

            /// The page's view, in a chunk of its own in the browser.
            #[wasm_split_helpers::wasm_split($split, fallible)]
            pub fn page() -> Result<AnyView, wasm_split_helpers::SplitLoaderError> {
                Ok(view! { <$page/> }.into_any())
            }
        }

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                #[cfg(not(feature = "hydrate"))]
                leptos::prefetch_lazy_fn_on_server(stringify!($split));
                $split::page().await.unwrap_or_else(|_| unavailable())
            }

            async fn preload() {
                // A failure shows when the page is opened.
                let _ = $split::__wasm_split_preload_page().await;
            }
        }
    };
}

/// What a page shows when its code could not be downloaded. Trying again reloads it, so the
/// server renders it afresh (or, offline, the service worker answers with the offline page).
fn unavailable() -> AnyView {
    view! {
        <section class="container page-narrow" role="alert">
            <h1>"This page could not be loaded"</h1>
            <p class="muted">"Check your connection, then try again."</p>
            <button type="button" class="button button-primary"
                on:click=|_| {
                    let _ = window().location().reload();
                }>
                "Try again"
            </button>
        </section>
    }
    .into_any()
}

lazy_page! {
    /// `/`: the landing page.
    Landing => LandingPage in parley_page_landing
}

lazy_page! {
    /// `/signin`.
    SignIn => SignInPage in parley_page_sign_in
}

lazy_page! {
    /// `/signup`.
    SignUp => SignUpPage in parley_page_sign_up
}

lazy_page! {
    /// `/profile`.
    Profile => ProfilePage in parley_page_profile
}

lazy_page! {
    /// `/settings`.
    Settings => SettingsPage in parley_page_settings
}

lazy_page! {
    /// `/rooms`: the user's rooms with nothing selected.
    Rooms => RoomsHome in parley_page_rooms
}

lazy_page! {
    /// `/rooms/browse`: the public room directory.
    Directory => DirectoryPage in parley_page_directory
}

lazy_page! {
    /// `/rooms/new`.
    NewRoom => NewRoomPage in parley_page_new_room
}

lazy_page! {
    /// `/rooms/:id`: a room and its conversation.
    Room => RoomPage in parley_page_room
}

lazy_page! {
    /// `/rooms/:id/settings`.
    RoomSettings => RoomSettingsPage in parley_page_room_settings
}

lazy_page! {
    /// `/invitations`.
    Invitations => InvitationsPage in parley_page_invitations
}

lazy_page! {
    /// `/search`.
    Search => SearchPage in parley_page_search
}

lazy_page! {
    /// `/join/:code`: an invite link.
    JoinLink => JoinLinkPage in parley_page_join_link
}

lazy_page! {
    /// `/u/:username`: someone's profile.
    User => UserPage in parley_page_user
}
