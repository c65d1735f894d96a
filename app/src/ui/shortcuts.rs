//! Keyboard shortcuts and the panels they open: Ctrl/Cmd+K room switcher, Alt+Up/Down for the
//! previous/next room of the sidebar, `?` for the list of shortcuts, Esc to close whatever is
//! open (including the phone drawer).

use leptos::{ev, prelude::*};
use leptos_router::hooks::use_navigate;

use super::{case, icons::RoomMark};
use crate::{api::rooms::my_rooms, model::room::RoomKind};

/// Which overlay panels are open; Esc closes them all.
#[derive(Clone, Copy)]
pub struct Panels {
    /// The sidebar as a drawer on narrow screens.
    pub drawer: RwSignal<bool>,
    /// The room switcher.
    pub switcher: RwSignal<bool>,
    /// The list of shortcuts.
    pub help: RwSignal<bool>,
}

impl Panels {
    /// Creates and provides the context.
    pub fn provide() -> Self {
        let panels = Panels {
            drawer: RwSignal::new(false),
            switcher: RwSignal::new(false),
            help: RwSignal::new(false),
        };
        provide_context(panels);
        panels
    }

    /// The context value.
    pub fn get() -> Self {
        expect_context::<Panels>()
    }

    fn close_all(&self) -> bool {
        let any = self.drawer.get_untracked()
            || self.switcher.get_untracked()
            || self.help.get_untracked();
        self.drawer.set(false);
        self.switcher.set(false);
        self.help.set(false);
        any
    }
}

/// Listens for the shortcuts and shows the panels they open.
#[component]
pub fn Shortcuts() -> impl IntoView {
    let panels = Panels::get();
    let navigate = use_navigate();
    let handle = window_event_listener(ev::keydown, move |ev| {
        let key = ev.key();
        let typing = is_typing_target(&ev);
        if (ev.ctrl_key() || ev.meta_key()) && key.eq_ignore_ascii_case("k") {
            ev.prevent_default();
            panels.help.set(false);
            panels.switcher.update(|open| *open = !*open);
        } else if ev.alt_key() && (key == "ArrowUp" || key == "ArrowDown") {
            ev.prevent_default();
            if let Some(href) = neighbour_room(key == "ArrowDown") {
                navigate(&href, Default::default());
            }
        } else if key == "Escape" {
            if panels.close_all() {
                ev.prevent_default();
            }
        } else if key == "?" && !typing {
            ev.prevent_default();
            panels.help.set(true);
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <Show when=move || panels.switcher.get()>
            <RoomSwitcher/>
        </Show>
        <Show when=move || panels.help.get()>
            <HelpDialog/>
        </Show>
    }
}

#[component]
fn RoomSwitcher() -> impl IntoView {
    let panels = Panels::get();
    let navigate = use_navigate();
    let rooms = LocalResource::new(my_rooms);
    let query = RwSignal::new(String::new());
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    let matches = move || {
        let q = case::lower(query.get().trim());
        rooms
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| q.is_empty() || case::lower(&r.name).contains(&q))
            .take(8)
            .collect::<Vec<_>>()
    };
    let open_first = move || {
        if let Some(room) = matches().first() {
            navigate(&format!("/rooms/{}", room.id), Default::default());
            panels.switcher.set(false);
        }
    };
    view! {
        <div class="overlay" on:click=move |_| panels.switcher.set(false)></div>
        <div class="dialog switcher" role="dialog" aria-modal="true" aria-labelledby="switcher-title">
            <h2 id="switcher-title" class="visually-hidden">"Jump to a room"</h2>
            <label class="visually-hidden" for="switcher-input">"Room name"</label>
            <input id="switcher-input" node_ref=input type="search" placeholder="Jump to a room…"
                autocomplete="off"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" {
                        ev.prevent_default();
                        open_first();
                    }
                }/>
            <ul class="switcher-list" data-testid="switcher-results">
                {move || matches().into_iter().map(|r| {
                    let (direct, private) = (r.kind == RoomKind::Direct, r.is_private);
                    view! {
                        <li>
                            <a href=format!("/rooms/{}", r.id) class="switcher-item"
                                on:click=move |_| panels.switcher.set(false)>
                                <RoomMark direct private/>" "{r.name.clone()}
                                {(r.unread_count > 0).then(|| view! {
                                    <span class="badge unread">{r.unread_count}</span>
                                })}
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn HelpDialog() -> impl IntoView {
    let panels = Panels::get();
    let close = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(el) = close.get() {
            let _ = el.focus();
        }
    });
    let rows = [
        ("Ctrl / ⌘ + K", "Jump to a room"),
        ("Alt + ↑ / ↓", "Previous / next room"),
        ("Enter", "Send the message"),
        ("Shift + Enter", "New line in the message"),
        ("↑ in an empty message box", "Edit your last message"),
        ("Esc", "Close panels, cancel a reply or an edit"),
        ("?", "Show this list"),
    ];
    view! {
        <div class="overlay" on:click=move |_| panels.help.set(false)></div>
        <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title">
            <h2 id="help-title">"Keyboard shortcuts"</h2>
            <dl class="shortcut-list">
                {rows.into_iter().map(|(keys, what)| view! {
                    <dt><kbd>{keys}</kbd></dt>
                    <dd>{what}</dd>
                }).collect_view()}
            </dl>
            <button type="button" class="button button-primary" node_ref=close
                on:click=move |_| panels.help.set(false)>"Close"</button>
        </div>
    }
}

/// Whether a key press goes into a text field (where `?` is just a character).
fn is_typing_target(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.has_attribute("contenteditable")
        })
}

/// The sidebar room before or after the current one, wrapping around.
fn neighbour_room(next: bool) -> Option<String> {
    let links = document().query_selector_all("a.sidebar-room").ok()?;
    let hrefs: Vec<String> = (0..links.length())
        .filter_map(|i| links.item(i))
        .filter_map(|n| {
            wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n)
                .ok()?
                .get_attribute("href")
        })
        .collect();
    if hrefs.is_empty() {
        return None;
    }
    let path = window().location().pathname().ok()?;
    let at = hrefs.iter().position(|h| *h == path);
    let len = hrefs.len();
    let index = match (at, next) {
        (Some(i), true) => (i + 1) % len,
        (Some(i), false) => (i + len - 1) % len,
        (None, true) => 0,
        (None, false) => len - 1,
    };
    hrefs.get(index).cloned()
}
