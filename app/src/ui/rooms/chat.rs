//! The conversation of a room: the message list, the typing line and the composer. History
//! comes from the server (also during SSR), live changes from [`crate::live`].

use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    api::messages::{
        edit_message, mark_read, room_history, send_message, DeleteMessage, ToggleReaction,
    },
    live::timeline::Timeline,
    model::{markup::Span, message::Message, room::Role},
    ui::session::CurrentUser,
};

/// The live conversation of `room`.
#[component]
pub fn Chat(room: Uuid, my_role: Option<Role>) -> impl IntoView {
    let history = Resource::new(move || room, |room| room_history(room, None));
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading messages…"</p> }>
            {move || {
                history
                    .get()
                    .map(|result| match result {
                        Ok(messages) => {
                            view! { <Conversation room my_role initial=messages/> }.into_any()
                        }
                        Err(e) => {
                            view! { <p class="alert alert-error" role="alert">{e.message}</p> }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
fn Conversation(room: Uuid, my_role: Option<Role>, initial: Vec<Message>) -> impl IntoView {
    let timeline = RwSignal::new(Timeline::from_history(initial));
    let typing = RwSignal::new(Vec::<(Uuid, f64)>::new());
    let connected = RwSignal::new(false);
    let me = CurrentUser::get();
    let member = my_role.is_some();

    #[cfg(feature = "hydrate")]
    let live = {
        let live = crate::live::socket::LiveRoom::start(room, timeline, typing, connected);
        let for_cleanup = send_wrapper::SendWrapper::new(live.clone());
        on_cleanup(move || for_cleanup.take().stop());
        // Local (not Send) values exist only in the browser; the server renders no socket.
        StoredValue::new_local(Some(live))
    };

    // Reading the newest message moves the read marker.
    Effect::new(move |previous: Option<i64>| {
        let last = timeline.with(Timeline::last_seq);
        if member && last > previous.unwrap_or(0) {
            leptos::task::spawn_local(async move {
                let _ = mark_read(room, last).await;
            });
        }
        last
    });

    let draft = RwSignal::new(String::new());
    let send = move |client_id: String, body: String| {
        timeline.update(|t| t.begin_send(&client_id, &body));
        leptos::task::spawn_local(async move {
            match send_message(room, body, client_id.clone()).await {
                Ok(message) => timeline.update(|t| t.insert(message)),
                Err(_) => timeline.update(|t| t.fail_send(&client_id)),
            }
        });
    };
    let submit = move || {
        let body = draft.get_untracked().trim().to_owned();
        if body.is_empty() {
            return;
        }
        draft.set(String::new());
        send(Uuid::new_v4().to_string(), body);
    };
    // Editing one of my messages: which one, its draft, and the last error.
    let editing = RwSignal::new(None::<Uuid>);
    let edit_text = RwSignal::new(String::new());
    let edit_error = RwSignal::new(None::<String>);
    let my_last = move || {
        let my_id = me.user().map(|u| u.id)?;
        timeline.with_untracked(|t| {
            t.messages
                .iter()
                .rev()
                .find(|m| !m.deleted && m.sender.as_ref().map(|s| s.id) == Some(my_id))
                .map(|m| (m.id, m.body.clone()))
        })
    };
    let edit = Edit {
        editing,
        text: edit_text,
        error: edit_error,
        save: Callback::new(move |(id, body): (Uuid, String)| {
            leptos::task::spawn_local(async move {
                match edit_message(id, body).await {
                    Ok(message) => {
                        timeline.update(|t| t.insert(message));
                        editing.set(None);
                        edit_error.set(None);
                    }
                    Err(e) => edit_error.set(Some(e.message)),
                }
            });
        }),
    };
    let delete = ServerAction::<DeleteMessage>::new();
    let react = ServerAction::<ToggleReaction>::new();
    let typing_names = move || {
        let now = js_now();
        let n = typing.with(|list| list.iter().filter(|(_, until)| *until > now).count());
        // None rather than "": an empty text node cannot be hydrated.
        match n {
            0 => None,
            1 => Some("Someone is typing…".to_owned()),
            n => Some(format!("{n} people are typing…")),
        }
    };

    view! {
        <div class="chat">
            <p class="chat-status small muted" data-testid="chat-status">
                {move || if connected.get() { "Live" } else { "Connecting…" }}
            </p>
            <ol class="messages" data-testid="messages" aria-live="polite">
                {move || {
                    // Opening or closing the editor re-renders the list.
                    editing.track();
                    let my_id = me.user().map(|u| u.id);
                    timeline
                        .get()
                        .messages
                        .into_iter()
                        .map(|m| {
                            let mine = m.sender.as_ref().map(|s| s.id) == my_id && my_id.is_some();
                            let can_delete = !m.deleted && (mine || my_role >= Some(Role::Admin));
                            let can_edit = !m.deleted && mine;
                            view! { <MessageItem m can_delete can_edit member delete react edit/> }
                        })
                        .collect_view()
                }}
                {move || {
                    timeline
                        .get()
                        .pending
                        .into_iter()
                        .map(|p| {
                            let (client_id, body) = (p.client_id.clone(), p.body.clone());
                            view! {
                                <li class="message pending" data-testid="pending-message">
                                    <div class="message-body">{p.body.clone()}</div>
                                    {if p.failed {
                                        view! {
                                            <span class="field-error">"Not sent. "
                                                <button type="button" class="link-button"
                                                    on:click=move |_| send(client_id.clone(), body.clone())>
                                                    "Retry"
                                                </button>
                                            </span>
                                        }.into_any()
                                    } else {
                                        view! { <span class="small muted">"Sending…"</span> }.into_any()
                                    }}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
            <p class="typing-line small muted">{typing_names}</p>
            {member.then(|| view! {
                <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
                    <label class="visually-hidden" for="composer">"Message"</label>
                    <textarea
                        id="composer"
                        rows="2"
                        placeholder="Write a message — Enter sends, Shift+Enter adds a line"
                        prop:value=move || draft.get()
                        on:input=move |ev| {
                            draft.set(event_target_value(&ev));
                            #[cfg(feature = "hydrate")]
                            live.with_value(|l| if let Some(l) = l { l.typing() });
                        }
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" && !ev.shift_key() {
                                ev.prevent_default();
                                submit();
                            } else if ev.key() == "ArrowUp" && draft.get_untracked().is_empty() {
                                // Up in an empty composer edits my last message, as in Slack.
                                if let Some((id, body)) = my_last() {
                                    ev.prevent_default();
                                    edit_text.set(body);
                                    editing.set(Some(id));
                                }
                            }
                        }
                    ></textarea>
                    <button type="submit" class="button button-primary">"Send"</button>
                </form>
            })}
        </div>
    }
}

/// Shared state of the inline editor.
#[derive(Clone, Copy)]
struct Edit {
    editing: RwSignal<Option<Uuid>>,
    text: RwSignal<String>,
    error: RwSignal<Option<String>>,
    save: Callback<(Uuid, String)>,
}

#[component]
fn MessageItem(
    m: Message,
    can_delete: bool,
    can_edit: bool,
    edit: Edit,
    member: bool,
    delete: ServerAction<DeleteMessage>,
    react: ServerAction<ToggleReaction>,
) -> impl IntoView {
    let id = m.id;
    let author = m
        .sender
        .as_ref()
        .map(|s| s.display_name.clone())
        .unwrap_or_else(|| "Deleted account".to_owned());
    let time = m.created_at.format("%H:%M").to_string();
    view! {
        <li class="message" data-seq=m.seq>
            <div class="message-meta">
                <span class="author">{author}</span>
                <time class="small muted" datetime=m.created_at.to_rfc3339()>{time}</time>
                {m.edited_at.map(|_| view! { <span class="small muted">"(edited)"</span> })}
            </div>
            {if m.deleted {
                view! { <div class="message-body muted"><em>"This message was deleted."</em></div> }.into_any()
            } else if edit.editing.get_untracked() == Some(id) {
                view! {
                    <form class="message-edit" on:submit=move |ev| {
                        ev.prevent_default();
                        edit.save.run((id, edit.text.get_untracked()));
                    }>
                        <label class="visually-hidden" for=format!("edit-{id}")>"Edit message"</label>
                        <textarea id=format!("edit-{id}") rows="2"
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
                }.into_any()
            } else {
                view! { <div class="message-body">{render(&m.body)}</div> }.into_any()
            }}
            <div class="message-actions">
                {m.reactions.iter().map(|r| {
                    let emoji = r.emoji.clone();
                    view! {
                        <button type="button" class="reaction"
                            on:click=move |_| { react.dispatch(ToggleReaction { id, emoji: emoji.clone() }); }>
                            {format!("{} {}", r.emoji, r.count)}
                        </button>
                    }
                }).collect_view()}
                {(member && !m.deleted).then(|| view! {
                    <button type="button" class="link-button" aria-label="React with thumbs up"
                        on:click=move |_| { react.dispatch(ToggleReaction { id, emoji: "👍".to_owned() }); }>
                        "👍+"
                    </button>
                })}
                {can_edit.then(|| {
                    let body = m.body.clone();
                    view! {
                        <button type="button" class="link-button"
                            on:click=move |_| { edit.text.set(body.clone()); edit.editing.set(Some(id)); }>
                            "Edit"
                        </button>
                    }
                })}
                {can_delete.then(|| view! {
                    <button type="button" class="link-button danger"
                        on:click=move |_| { delete.dispatch(DeleteMessage { id }); }>
                        "Delete"
                    </button>
                })}
            </div>
        </li>
    }
}

/// Message text as elements: user text only ever becomes text nodes.
fn render(body: &str) -> impl IntoView {
    crate::model::markup::parse(body)
        .into_iter()
        .map(|span| match span {
            Span::Text(t) => view! { <span class="md-text">{t}</span> }.into_any(),
            Span::Bold(t) => view! { <strong>{t}</strong> }.into_any(),
            Span::Italic(t) => view! { <em>{t}</em> }.into_any(),
            Span::Code(t) => view! { <code>{t}</code> }.into_any(),
            Span::Link { text, url } => {
                view! { <a href=url target="_blank" rel="noopener noreferrer nofollow">{text}</a> }
                    .into_any()
            }
            Span::Mention(name) => {
                view! { <a class="mention" href=format!("/u/{name}")>"@" {name.clone()}</a> }
                    .into_any()
            }
        })
        .collect_view()
}

fn js_now() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}
