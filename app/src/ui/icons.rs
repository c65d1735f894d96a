//! Inline SVG icons, so the shell needs no icon font or extra request. Each icon is a string
//! of markup rendered by one wrapper: a typed view per icon would add its own rendering and
//! hydration code to the WASM module (about 100 KB over a dozen icons, against the first-load
//! budget), where markup costs only its bytes.

use leptos::prelude::*;

/// Renders one icon's markup; the wrapper takes no space of its own (`display: contents`).
fn icon(markup: &'static str) -> impl IntoView {
    view! { <span class="icon-wrap" inner_html=markup></span> }
}

const LOGO_MARK: &str = r##"<svg class="logo-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true"><rect x="2" y="4" width="20" height="16" rx="6" fill="var(--brand)"/><path d="M7 20 L7 26 L13 20 Z" fill="var(--brand)"/><rect x="12" y="11" width="18" height="14" rx="5" fill="var(--brand-2)" opacity="0.92"/><path d="M25 25 L25 30 L20 25 Z" fill="var(--brand-2)" opacity="0.92"/></svg>"##;

/// The Parley logo: two overlapping speech bubbles.
#[component]
pub fn LogoMark() -> impl IntoView {
    icon(LOGO_MARK)
}

const SUN_ICON: &str = r##"<svg class="icon icon-sun" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><circle cx="12" cy="12" r="4"/><path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4"/></svg>"##;

/// A sun, shown while the dark theme is active (click for light).
#[component]
pub fn SunIcon() -> impl IntoView {
    icon(SUN_ICON)
}

const MOON_ICON: &str = r##"<svg class="icon icon-moon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z"/></svg>"##;

/// A moon, shown while the light theme is active (click for dark).
#[component]
pub fn MoonIcon() -> impl IntoView {
    icon(MOON_ICON)
}

const BELL_ICON: &str = r##"<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>"##;

/// A bell, for notifications.
#[component]
pub fn BellIcon() -> impl IntoView {
    icon(BELL_ICON)
}

const LOCK_ICON: &str = r##"<svg class="icon icon-inline" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"><rect x="4" y="11" width="16" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/></svg>"##;

/// A padlock, marking a private room.
#[component]
pub fn LockIcon() -> impl IntoView {
    icon(LOCK_ICON)
}

const MENU_ICON: &str = r##"<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><path d="M4 6h16M4 12h16M4 18h16"/></svg>"##;

/// Three lines, opening a menu or drawer.
#[component]
pub fn MenuIcon() -> impl IntoView {
    icon(MENU_ICON)
}

const CLOSE_ICON: &str = r##"<svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><path d="M6 6l12 12M18 6L6 18"/></svg>"##;

/// A cross, closing or cancelling something.
#[component]
pub fn CloseIcon() -> impl IntoView {
    icon(CLOSE_ICON)
}

// The icons every message row repeats are symbols of one sprite, added to the page once: a
// `<use>` per icon costs a row two small elements, where inline markup was parsed again for
// every row (a tenth of the time a page of older messages took to appear).
#[cfg(feature = "hydrate")]
const MESSAGE_SPRITE: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" id="message-sprite" class="sprite" aria-hidden="true"><symbol id="icon-add-reaction" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M21 12a9 9 0 1 1-6.2-8.6"/><path d="M8 14s1.5 2 4 2 4-2 4-2"/><path d="M9 9h.01M15 9h.01"/><path d="M19 2v6M16 5h6"/></symbol><symbol id="icon-reply" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M9 17l-5-5 5-5"/><path d="M20 18v-2a4 4 0 0 0-4-4H4"/></symbol><symbol id="icon-edit" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M12 20h9"/><path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z"/></symbol><symbol id="icon-delete" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6"/></symbol><symbol id="icon-link" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7"/><path d="M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7"/></symbol><symbol id="icon-thumbs-up" viewBox="0 0 24 24" fill="#f5b400" stroke="#9a6b00" stroke-width="1.2" stroke-linejoin="round"><path d="M7 10v11H3V10z"/><path d="M7 10l4-7c1.5 0 2.5 1.2 2.2 2.8L12.6 9H19a2 2 0 0 1 2 2.3l-1.3 7.5A2.5 2.5 0 0 1 17.2 21H7z"/></symbol></svg>"##;

/// Adds the message icons' sprite to the page unless it is there; the message list calls it
/// before rendering rows.
pub fn ensure_message_sprite() {
    #[cfg(feature = "hydrate")]
    {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if document.get_element_by_id("message-sprite").is_some() {
            return;
        }
        if let (Ok(holder), Some(body)) = (document.create_element("div"), document.body()) {
            holder.set_inner_html(MESSAGE_SPRITE);
            if let Some(sprite) = holder.first_element_child() {
                let _ = body.append_child(&sprite);
            }
        }
    }
}

/// One symbol of the message sprite at `size` pixels.
fn sprite_icon(href: &'static str, size: u8) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width=size height=size aria-hidden="true">
            <use href=href></use>
        </svg>
    }
}

/// A smiling face with a plus, adding a reaction.
#[component]
pub fn AddReactionIcon() -> impl IntoView {
    sprite_icon("#icon-add-reaction", 18)
}

/// A curved arrow, replying to a message.
#[component]
pub fn ReplyIcon() -> impl IntoView {
    sprite_icon("#icon-reply", 18)
}

/// A pencil, editing a message.
#[component]
pub fn EditIcon() -> impl IntoView {
    sprite_icon("#icon-edit", 18)
}

/// A bin, deleting a message.
#[component]
pub fn DeleteIcon() -> impl IntoView {
    sprite_icon("#icon-delete", 18)
}

/// A chain link, copying a message's address.
#[component]
pub fn LinkIcon() -> impl IntoView {
    sprite_icon("#icon-link", 18)
}

/// A raised thumb: the quick reaction, drawn rather than left to an emoji font.
#[component]
pub fn ThumbsUpIcon() -> impl IntoView {
    sprite_icon("#icon-thumbs-up", 16)
}

/// The mark before a room's name: `@` for a direct conversation, a padlock for a private
/// room, `#` for a public one.
#[component]
pub fn RoomMark(direct: bool, private: bool) -> impl IntoView {
    view! {
        <span class="room-prefix" aria-hidden="true">
            {if direct {
                view! { "@" }.into_any()
            } else if private {
                view! { <LockIcon/> }.into_any()
            } else {
                view! { "#" }.into_any()
            }}
        </span>
    }
}

/// An emoji as people see it: the ones the app offers itself are drawn as SVG (a machine
/// without a colour-emoji font shows empty boxes for them), with the character kept for
/// screen readers and copying; any other emoji is left to the system's fonts.
#[component]
pub fn Emoji(emoji: String) -> impl IntoView {
    match emoji.as_str() {
        "👍" => view! {
            <ThumbsUpIcon/>
            <span class="visually-hidden">{emoji}</span>
        }
        .into_any(),
        _ => view! { <span class="emoji">{emoji}</span> }.into_any(),
    }
}
