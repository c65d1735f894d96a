//! Scroll positions of the message list: staying pinned to the bottom, opening at the unread
//! divider, and keeping the message under the user's eyes still while pages come and go.

use leptos::prelude::request_animation_frame;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// Where the list is scrolled to, in CSS pixels.
pub struct Metrics {
    /// Distance from the top of the content.
    pub top: i32,
    /// Height of the content.
    pub height: i32,
    /// Height of the visible part.
    pub client: i32,
}

impl Metrics {
    /// How far the content extends below the visible part.
    pub fn below(&self) -> i32 {
        self.height - self.top - self.client
    }
}

/// A message on screen and where it was, to put it back there after the list changes.
pub struct Anchor {
    id: String,
    top: f64,
}

/// Reads the list's scroll state.
pub fn metrics(list: &Element) -> Metrics {
    Metrics {
        top: list.scroll_top(),
        height: list.scroll_height(),
        client: list.client_height(),
    }
}

/// Whether the content is taller than the list.
pub fn overflows(list: &Element) -> bool {
    list.scroll_height() > list.client_height() + 1
}

/// Scrolls to the newest message.
pub fn to_bottom(list: &Element) {
    list.set_scroll_top(list.scroll_height());
}

/// Scrolls so the unread divider sits near the top of the list.
pub fn to_divider(list: &Element) {
    match list.query_selector(".unread-divider") {
        Ok(Some(divider)) => {
            let delta =
                divider.get_bounding_client_rect().top() - list.get_bounding_client_rect().top();
            list.set_scroll_top(list.scroll_top() + delta as i32 - 16);
        }
        _ => to_bottom(list),
    }
}

/// The first message whose bottom edge is inside the list.
pub fn anchor(list: &Element) -> Option<Anchor> {
    let list_top = list.get_bounding_client_rect().top();
    let rows = list.query_selector_all("li.message[id]").ok()?;
    (0..rows.length())
        .filter_map(|i| rows.item(i)?.dyn_into::<HtmlElement>().ok())
        .find(|row| row.get_bounding_client_rect().bottom() > list_top)
        .map(|row| Anchor {
            id: row.id(),
            top: row.get_bounding_client_rect().top(),
        })
}

/// Scrolls so the anchor's message is where it was (if it is still rendered).
pub fn restore(list: &Element, anchor: &Anchor) {
    if let Some(row) = document_element(&anchor.id) {
        let delta = row.get_bounding_client_rect().top() - anchor.top;
        list.set_scroll_top(list.scroll_top() + delta.round() as i32);
    }
}

/// Runs `f` once the pending reactive updates have reached the DOM.
pub fn after_render(f: impl FnOnce() + 'static) {
    request_animation_frame(f);
}

/// Runs `f` with the list once it is on screen with a size: the conversation's effects can
/// run while the surrounding page is still suspended and the list not yet laid out (height 0),
/// when neither its overflow nor the divider's position means anything. Gives up after about
/// ten seconds of frames (a list that never shows needs no scrolling).
pub fn after_layout(
    list: leptos::prelude::NodeRef<leptos::html::Ol>,
    f: impl FnOnce(&Element) + 'static,
) {
    fn attempt(
        list: leptos::prelude::NodeRef<leptos::html::Ol>,
        f: Box<dyn FnOnce(&Element)>,
        frames_left: u32,
    ) {
        request_animation_frame(move || {
            use leptos::prelude::GetUntracked;
            let Some(el) = list.get_untracked() else {
                return;
            };
            if el.is_connected() && el.client_height() > 0 {
                f(&el);
            } else if frames_left > 0 {
                attempt(list, f, frames_left - 1);
            }
        });
    }
    attempt(list, Box::new(f), 600);
}

fn document_element(id: &str) -> Option<Element> {
    leptos::prelude::document().get_element_by_id(id)
}
