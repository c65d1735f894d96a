//! The two-column frame of the rooms area: the sidebar of the user's rooms and the page.

use leptos::prelude::*;

use super::RoomsChanged;
use crate::{
    api::rooms::my_rooms,
    model::room::{MyRoom, RoomKind},
    ui::{
        icons::{MenuIcon, RoomMark},
        session::RequireAuth,
        shortcuts::Panels,
    },
};

/// Sidebar plus `children`, for signed-in users only.
#[component]
pub fn RoomsFrame(children: ChildrenFn) -> impl IntoView {
    let drawer = Panels::get().drawer;
    view! {
        <RequireAuth>
            <div class="rooms-frame" class:drawer-open=move || drawer.get()>
                // On phones the sidebar is a drawer behind this button.
                <button type="button" class="drawer-toggle button button-ghost button-small"
                    aria-controls="sidebar" aria-expanded=move || drawer.get().to_string()
                    on:click=move |_| drawer.update(|open| *open = !*open)>
                    <MenuIcon/>" Rooms"
                </button>
                <div class="drawer-backdrop" on:click=move |_| drawer.set(false)></div>
                // Following any link in the drawer closes it.
                <div class="sidebar-host" on:click=move |ev| {
                    if clicked_link(&ev) {
                        drawer.set(false);
                    }
                }>
                    <Sidebar/>
                </div>
                <div class="rooms-main">{children()}</div>
            </div>
        </RequireAuth>
    }
}

#[component]
fn Sidebar() -> impl IntoView {
    let changed = RoomsChanged::get();
    let rooms = Resource::new(move || changed.0.get(), |_| my_rooms());
    view! {
        <aside class="sidebar" id="sidebar" aria-label="Your rooms">
            <nav class="sidebar-actions">
                <a href="/rooms/browse" class="sidebar-link">"Browse rooms"</a>
                <a href="/rooms/new" class="sidebar-link">"New room"</a>
                <a href="/invitations" class="sidebar-link">"Invitations"</a>
                <a href="/search" class="sidebar-link">"Search"</a>
            </nav>
            <Transition fallback=|| view! { <p class="muted small">"Loading…"</p> }>
                {move || {
                    rooms
                        .get()
                        .map(|result| match result {
                            Ok(list) => {
                                let (groups, directs): (Vec<MyRoom>, Vec<MyRoom>) = list
                                    .into_iter()
                                    .partition(|r| r.kind == RoomKind::Group);
                                view! {
                                    <RoomList title="Rooms" rooms=groups empty="Join or create a room."/>
                                    <RoomList title="Direct messages" rooms=directs empty="No conversations yet."/>
                                }
                                    .into_any()
                            }
                            Err(e) => {
                                view! { <p class="alert alert-error" role="alert">{e.message}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </aside>
    }
}

#[component]
fn RoomList(title: &'static str, rooms: Vec<MyRoom>, empty: &'static str) -> impl IntoView {
    let is_empty = rooms.is_empty();
    view! {
        <section class="sidebar-section">
            <h2 class="sidebar-title">{title}</h2>
            <Show when=move || is_empty>
                <p class="muted small">{empty}</p>
            </Show>
            <ul class="sidebar-rooms" data-testid=format!("sidebar-{}", title.to_ascii_lowercase().replace(' ', "-"))>
                {rooms
                    .into_iter()
                    .map(|r| {
                        let (direct, private) = (r.kind == RoomKind::Direct, r.is_private);
                        view! {
                            <li>
                                <a href=format!("/rooms/{}", r.id) class="sidebar-room" class:muted=r.muted>
                                    <RoomMark direct private/>
                                    <span class="room-label">{r.name.clone()}</span>
                                    {(r.unread_count > 0 && !r.muted)
                                        .then(|| {
                                            view! {
                                                <span class="badge unread" aria-label=format!("{} unread", r.unread_count)>
                                                    {r.unread_count}
                                                </span>
                                            }
                                        })}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// Whether a click landed on (or inside) a link.
fn clicked_link(ev: &leptos::ev::MouseEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("a").ok().flatten())
        .is_some()
}
