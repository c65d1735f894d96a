//! Pages whose code the browser downloads only when it first shows them.
//!
//! Each page is a `LazyRoute`: `cargo leptos build --split` moves the code that only it uses
//! into its own WASM chunk, so the first load carries the shell and the page in view instead of
//! the whole app (the budget in docs/benchmarks.md, "First-load budget"). On the server these
//! are ordinary components; the server notes which chunks a page used, and the shell preloads
//! them so hydration does not wait for a second round trip.
//!
//! `#[lazy_route]` names each page's split point after its struct, so these names must stay
//! unique within the app.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

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

/// A page as a lazy route: a unit struct (the split point's name) whose view is `$page`.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:ident) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page! {
    /// `/`: the landing page.
    Landing => LandingPage
}

lazy_page! {
    /// `/signin`.
    SignIn => SignInPage
}

lazy_page! {
    /// `/signup`.
    SignUp => SignUpPage
}

lazy_page! {
    /// `/profile`.
    Profile => ProfilePage
}

lazy_page! {
    /// `/settings`.
    Settings => SettingsPage
}

lazy_page! {
    /// `/rooms`: the user's rooms with nothing selected.
    Rooms => RoomsHome
}

lazy_page! {
    /// `/rooms/browse`: the public room directory.
    Directory => DirectoryPage
}

lazy_page! {
    /// `/rooms/new`.
    NewRoom => NewRoomPage
}

lazy_page! {
    /// `/rooms/:id`: a room and its conversation.
    Room => RoomPage
}

lazy_page! {
    /// `/rooms/:id/settings`.
    RoomSettings => RoomSettingsPage
}

lazy_page! {
    /// `/invitations`.
    Invitations => InvitationsPage
}

lazy_page! {
    /// `/search`.
    Search => SearchPage
}

lazy_page! {
    /// `/join/:code`: an invite link.
    JoinLink => JoinLinkPage
}

lazy_page! {
    /// `/u/:username`: someone's profile.
    User => UserPage
}
