//! One message of the list: avatar, author with presence and time (unless it continues its
//! author's group), reply quote, body or inline editor, reactions, and a toolbar of the
//! actions the viewer may take.

use std::collections::HashMap;

use leptos::prelude::*;
use uuid::Uuid;

use super::{
    clock::{full_time_of, time_of},
    markup::{excerpt, render},
};
use crate::{
    api::messages::{DeleteMessage, ToggleReaction},
    live::timeline::Timeline,
    model::{message::Message, realtime::PresenceStatus, room::Role},
    ui::{
        avatar::Avatar,
        icons::{AddReactionIcon, DeleteIcon, EditIcon, Emoji, LinkIcon, ReplyIcon},
    },
};

/// Shared state of the inline editor.
#[derive(Clone, Copy)]
pub struct Edit {
    /// The message being edited.
    pub editing: RwSignal<Option<Uuid>>,
    /// Its draft.
    pub text: RwSignal<String>,
    /// The last save error.
    pub error: RwSignal<Option<String>>,
    /// Saves (id, new text).
    pub save: Callback<(Uuid, String)>,
}

/// Everything a message row needs from its conversation.
#[derive(Clone, Copy)]
pub struct ItemContext {
    /// The viewer.
    pub me: Option<Uuid>,
    /// The viewer's role in the room.
    pub my_role: Option<Role>,
    /// The inline editor.
    pub edit: Edit,
    /// Deleting.
    pub delete: ServerAction<DeleteMessage>,
    /// Reacting.
    pub react: ServerAction<ToggleReaction>,
    /// The message the composer replies to.
    pub replying: RwSignal<Option<Message>>,
    /// The window, to quote replied-to messages.
    pub timeline: RwSignal<Timeline>,
    /// Who is online.
    pub presence: RwSignal<HashMap<Uuid, PresenceStatus>>,
    /// The seq to highlight (a search hit).
    pub highlight: Option<i64>,
}

/// A message row; `continued` when it follows its author's previous message closely.
#[component]
pub fn MessageItem(m: Message, continued: bool, ctx: ItemContext) -> impl IntoView {
    let id = m.id;
    let sender = m.sender.as_ref().map(|s| s.id);
    let mine = ctx.me.is_some() && sender == ctx.me;
    let member = ctx.my_role.is_some();
    let can_delete = !m.deleted && (mine || ctx.my_role >= Some(Role::Admin));
    let can_edit = !m.deleted && mine;
    let mentions_me = ctx.me.is_some_and(|me| m.mentions.contains(&me));
    let author = m
        .sender
        .as_ref()
        .map(|s| s.display_name.clone())
        .unwrap_or_else(|| "Deleted account".to_owned());
    let avatar = match &m.sender {
        Some(s) => view! {
            <Avatar username=s.username.clone() name=s.display_name.clone() url=s.avatar_url.clone() size=36/>
        }
        .into_any(),
        None => view! { <span class="avatar avatar-gone" aria-hidden="true" style="--avatar-size: 36px"></span> }
            .into_any(),
    };
    let status = move || {
        sender
            .and_then(|s| ctx.presence.with(|p| p.get(&s).copied()))
            .unwrap_or(PresenceStatus::Offline)
    };
    // Reactive, so an edit or deletion of the quoted message shows here too.
    let quote = m.reply_to.map(|parent| {
        move || {
            let found = ctx.timeline.with(|t| {
                t.get(parent).map(|p| {
                    let who = p
                        .sender
                        .as_ref()
                        .map_or("Deleted account".to_owned(), |s| s.display_name.clone());
                    let text = if p.deleted {
                        "This message was deleted.".to_owned()
                    } else {
                        excerpt(&p.body, 80)
                    };
                    (who, text, p.seq)
                })
            });
            match found {
                Some((who, text, seq)) => view! {
                    <button type="button" class="reply-quote" data-testid="reply-quote"
                        on:click=move |_| scroll_to_seq(seq)>
                        <span class="reply-author">{who}</span>" "<span class="muted">{text}</span>
                    </button>
                }
                .into_any(),
                None => view! {
                    <p class="reply-quote muted" data-testid="reply-quote">"Reply to an earlier message"</p>
                }
                .into_any(),
            }
        }
    });
    let body = m.body.clone();
    let deleted = m.deleted;
    let body_view = move || {
        if deleted {
            view! { <div class="message-body muted"><em>"This message was deleted."</em></div> }
                .into_any()
        } else if ctx.edit.editing.get() == Some(id) {
            view! { <Editor id edit=ctx.edit/> }.into_any()
        } else {
            view! { <div class="message-body">{render(&body)}</div> }.into_any()
        }
    };
    let reply_target = m.clone();
    let copied = RwSignal::new(false);
    // A tap on a touch screen shows the toolbar that a pointer gets on hover.
    let selected = RwSignal::new(false);
    view! {
        <li class="message" class:mentions-me=mentions_me class:highlight=ctx.highlight == Some(m.seq)
            class:selected=move || selected.get() class:continued=continued
            on:click=move |ev| {
                if !clicked_control(&ev) {
                    selected.update(|s| *s = !*s);
                }
            }
            on:mouseleave=move |_| copied.set(false)
            data-seq=m.seq id=format!("m-{}", m.seq)>
            <div class="message-gutter">
                {if continued {
                    view! {
                        <time class="gutter-time small muted" datetime=m.created_at.to_rfc3339()
                            title=full_time_of(m.created_at)>
                            {time_of(m.created_at)}
                        </time>
                    }.into_any()
                } else {
                    avatar
                }}
            </div>
            <div class="message-main">
            {quote}
            {(!continued).then(|| view! {
                <div class="message-meta">
                    <span class="author">{author}</span>
                    <span class="presence-dot" aria-hidden="true" data-status=move || status().as_str() title=move || status().label()></span>
                    <time class="small muted" datetime=m.created_at.to_rfc3339() title=full_time_of(m.created_at)>
                        {time_of(m.created_at)}
                    </time>
                </div>
            })}
            {body_view}
            {m.edited_at.map(|at| view! {
                <span class="small muted edited" title=format!("Edited {}", full_time_of(at))>"(edited)"</span>
            })}
            {(!m.reactions.is_empty()).then(|| view! {
                <div class="message-reactions">
                    {m.reactions.iter().map(|r| {
                        let emoji = r.emoji.clone();
                        let by_me = ctx.me.is_some_and(|me| r.user_ids.contains(&me));
                        view! {
                            <button type="button" class="reaction" class:reacted=by_me aria-pressed=by_me.to_string()
                                disabled=!member
                                on:click=move |_| { ctx.react.dispatch(ToggleReaction { id, emoji: emoji.clone() }); }>
                                <Emoji emoji=r.emoji.clone()/>" "{r.count}
                            </button>
                        }
                    }).collect_view()}
                </div>
            })}
            </div>
            // Shown on hover, on keyboard focus inside the message, or after a tap on touch
            // screens, so a busy room is not a wall of links.
            {(member && !m.deleted).then(|| {
                let body = m.body.clone();
                let seq = m.seq;
                let room = m.room_id;
                view! {
                    <div class="message-toolbar" role="toolbar" aria-label="Message actions">
                        <button type="button" class="tool-button" aria-label="React with thumbs up" title="React with thumbs up"
                            on:click=move |_| { ctx.react.dispatch(ToggleReaction { id, emoji: "👍".to_owned() }); }>
                            <AddReactionIcon/>
                        </button>
                        <button type="button" class="tool-button" aria-label="Reply" title="Reply"
                            on:click=move |_| {
                                ctx.replying.set(Some(reply_target.clone()));
                                focus_composer();
                            }>
                            <ReplyIcon/>
                        </button>
                        {can_edit.then(|| view! {
                            <button type="button" class="tool-button" aria-label="Edit" title="Edit"
                                on:click=move |_| { ctx.edit.text.set(body.clone()); ctx.edit.editing.set(Some(id)); }>
                                <EditIcon/>
                            </button>
                        })}
                        <button type="button" class="tool-button" aria-label="Copy link" title=move || copied_title(copied.get())
                            on:click=move |_| {
                                copy_link(room, seq);
                                copied.set(true);
                            }>
                            <LinkIcon/>
                        </button>
                        {can_delete.then(|| view! {
                            <button type="button" class="tool-button danger" aria-label="Delete" title="Delete"
                                on:click=move |_| { ctx.delete.dispatch(DeleteMessage { id }); }>
                                <DeleteIcon/>
                            </button>
                        })}
                        <span class="visually-hidden" role="status">{move || copied.get().then_some("Link copied")}</span>
                    </div>
                }
            })}
        </li>
    }
}

#[component]
fn Editor(id: Uuid, edit: Edit) -> impl IntoView {
    view! {
        <form class="message-edit" on:submit=move |ev| {
            ev.prevent_default();
            edit.save.run((id, edit.text.get_untracked()));
        }>
            <label class="visually-hidden" for=format!("edit-{id}")>"Edit message"</label>
            <textarea id=format!("edit-{id}") rows="2" autofocus
                prop:value=move || edit.text.get()
                on:input=move |ev| edit.text.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && !ev.shift_key() {
                        ev.prevent_default();
                        edit.save.run((id, edit.text.get_untracked()));
                    } else if ev.key() == "Escape" {
                        edit.editing.set(None);
                    }
                }
            ></textarea>
            <div class="form-actions">
                <button type="submit" class="button button-primary button-small">"Save"</button>
                <button type="button" class="button button-ghost button-small"
                    on:click=move |_| edit.editing.set(None)>"Cancel"</button>
                {move || edit.error.get().map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
            </div>
        </form>
    }
}

/// Scrolls the list to a message if it is rendered.
pub fn scroll_to_seq(seq: i64) {
    #[cfg(feature = "hydrate")]
    if let Some(el) = document().get_element_by_id(&format!("m-{seq}")) {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Center);
        el.scroll_into_view_with_scroll_into_view_options(&options);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = seq;
}

fn focus_composer() {
    #[cfg(feature = "hydrate")]
    if let Some(el) = document()
        .get_element_by_id("composer")
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    {
        let _ = el.focus();
    }
}

fn copied_title(copied: bool) -> &'static str {
    if copied {
        "Link copied"
    } else {
        "Copy link"
    }
}

/// Puts the address that opens the room at this message on the clipboard.
fn copy_link(room: Uuid, seq: i64) {
    #[cfg(feature = "hydrate")]
    {
        let window = window();
        let origin = window.location().origin().unwrap_or_default();
        let url = format!("{origin}/rooms/{room}?at={seq}");
        // The promise settles on its own; a refusal (no permission) leaves the clipboard as is.
        let _ = window.navigator().clipboard().write_text(&url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (room, seq);
}

/// Whether a click landed on a button, link or field inside the message rather than on the
/// message itself.
fn clicked_control(ev: &leptos::ev::MouseEvent) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        ev.target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| {
                el.closest("button, a, textarea, input, form")
                    .ok()
                    .flatten()
            })
            .is_some()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        false
    }
}
