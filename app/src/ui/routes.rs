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

/// `/`: the landing page.
pub struct Landing;

#[lazy_route]
impl LazyRoute for Landing {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <LandingPage/> }.into_any()
    }
}

/// `/signin`.
pub struct SignIn;

#[lazy_route]
impl LazyRoute for SignIn {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SignInPage/> }.into_any()
    }
}

/// `/signup`.
pub struct SignUp;

#[lazy_route]
impl LazyRoute for SignUp {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SignUpPage/> }.into_any()
    }
}

/// `/profile`.
pub struct Profile;

#[lazy_route]
impl LazyRoute for Profile {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ProfilePage/> }.into_any()
    }
}

/// `/settings`.
pub struct Settings;

#[lazy_route]
impl LazyRoute for Settings {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SettingsPage/> }.into_any()
    }
}

/// `/rooms`: the user's rooms with nothing selected.
pub struct Rooms;

#[lazy_route]
impl LazyRoute for Rooms {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <RoomsHome/> }.into_any()
    }
}

/// `/rooms/browse`: the public room directory.
pub struct Directory;

#[lazy_route]
impl LazyRoute for Directory {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <DirectoryPage/> }.into_any()
    }
}

/// `/rooms/new`.
pub struct NewRoom;

#[lazy_route]
impl LazyRoute for NewRoom {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <NewRoomPage/> }.into_any()
    }
}

/// `/rooms/:id`: a room and its conversation.
pub struct Room;

#[lazy_route]
impl LazyRoute for Room {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <RoomPage/> }.into_any()
    }
}

/// `/rooms/:id/settings`.
pub struct RoomSettings;

#[lazy_route]
impl LazyRoute for RoomSettings {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <RoomSettingsPage/> }.into_any()
    }
}

/// `/invitations`.
pub struct Invitations;

#[lazy_route]
impl LazyRoute for Invitations {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <InvitationsPage/> }.into_any()
    }
}

/// `/search`.
pub struct Search;

#[lazy_route]
impl LazyRoute for Search {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SearchPage/> }.into_any()
    }
}

/// `/join/:code`: an invite link.
pub struct JoinLink;

#[lazy_route]
impl LazyRoute for JoinLink {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <JoinLinkPage/> }.into_any()
    }
}

/// `/u/:username`: someone's profile.
pub struct User;

#[lazy_route]
impl LazyRoute for User {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <UserPage/> }.into_any()
    }
}
