//! The conversation of a room: a windowed message list that loads older (and, after scrolling
//! back, newer) pages as the user scrolls, day separators, the unread divider, jump to latest,
//! the typing line, the connection state and the composer. Live changes come from
//! [`crate::live`]; the conversation renders only in the browser.

mod clock;
mod composer;
mod markup;
mod message_item;
mod rows;
#[cfg(feature = "hydrate")]
mod scroll;
mod typing;

use leptos::prelude::*;
use uuid::Uuid;

use self::{
    composer::Composer,
    message_item::{Edit, ItemContext, MessageItem},
    rows::{rows, Row},
};
use crate::{
    api::messages::{
        edit_message, mark_read, open_conversation, room_history, send_message, DeleteMessage,
        ToggleReaction,
    },
    live::{offline, timeline::Timeline, Connection, Live, RoomSignals, RoomState},
    model::{
        message::{ConversationStart, Message},
        room::Role,
    },
    ui::session::CurrentUser,
};

pub use markup::render;

/// The live conversation of `room`, opened at seq `at` (a search hit) or where the user
/// stopped reading.
#[component]
pub fn Chat(room: Uuid, my_role: Option<Role>, state: RoomState, at: Option<i64>) -> impl IntoView {
    let start = Resource::new(
        move || (room, at),
        |(room, at)| async move {
            match open_conversation(room, at).await {
                // Offline: what this device saw last, until the socket catches up.
                Err(e) if e.code == "network" => offline::conversation(room).await.ok_or(e),
                other => other,
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading messages…"</p> }>
            {move || {
                start
                    .get()
                    .map(|result| match result {
                        Ok(start) => {
                            view! { <Conversation room my_role state start at/> }.into_any()
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
fn Conversation(
    room: Uuid,
    my_role: Option<Role>,
    state: RoomState,
    start: ConversationStart,
    at: Option<i64>,
) -> impl IntoView {
    let member = my_role.is_some();
    let me = CurrentUser::get().user_untracked().map(|u| u.id);
    let signals = RoomSignals {
        timeline: RwSignal::new(Timeline::from_page(start.messages, start.last_seq)),
        typing: RwSignal::new(Vec::new()),
        connection: RwSignal::new(Connection::Connecting),
        presence: state.presence,
        members: state.members,
        my_membership: state.my_membership,
    };
    let timeline = signals.timeline;
    // Fixed when the room opens, as in Slack: the divider stays where reading stopped.
    let unread_from = RwSignal::new(
        start
            .last_read_seq
            .filter(|read| *read < start.last_seq)
            .map(|read| read + 1),
    );
    crate::ui::icons::ensure_message_sprite();
    let list = NodeRef::<leptos::html::Ol>::new();
    let at_bottom = RwSignal::new(true);
    let loading = RwSignal::new(false);
    let replying = RwSignal::new(None::<Message>);
    let draft = RwSignal::new(String::new());

    let live = Live::get();
    // A preview (a public room the viewer has not joined) is read-only: the server streams a
    // room's events to its members only, so there is no socket subscription to wait for.
    if member {
        live.join(room, signals);
        on_cleanup(move || live.leave(room));
    }

    // Sends written before a reload (perhaps offline) and never confirmed go out again.
    if let Some(me) = me {
        leptos::task::spawn_local(async move {
            let unsent = offline::unsent(room, me).await;
            if unsent.is_empty() {
                return;
            }
            timeline.update(|t| {
                for p in unsent {
                    let confirmed = t
                        .messages
                        .iter()
                        .any(|m| m.client_id.as_deref() == Some(p.client_id.as_str()));
                    if confirmed {
                        offline::forget(p.client_id);
                    } else if !t.pending.iter().any(|q| q.client_id == p.client_id) {
                        t.pending.push(p);
                    }
                }
            });
            live.resend(room);
        });
    }
    // The device's outbox mirrors the pending sends: kept when they start, forgotten once
    // the server confirms them.
    Effect::new(move |kept: Option<Vec<String>>| {
        let pending = timeline.with(|t| t.pending.clone());
        let ids: Vec<String> = pending.iter().map(|p| p.client_id.clone()).collect();
        let kept = kept.unwrap_or_default();
        for gone in kept.iter().filter(|id| !ids.contains(id)) {
            offline::forget(gone.clone());
        }
        if let Some(me) = me {
            for p in pending.iter().filter(|p| !kept.contains(&p.client_id)) {
                offline::keep(room, me, p);
            }
        }
        ids
    });
    // The newest messages stay readable offline.
    Effect::new(move |_| timeline.with(|t| offline::save_conversation(room, t)));

    // Loads one page before or after the window, keeping what the user looks at in place.
    #[cfg(feature = "hydrate")]
    let load = move |older: bool| {
        if loading.get_untracked() {
            return;
        }
        let (before, after) = timeline.with_untracked(|t| {
            if older && t.has_older() {
                (t.first_seq(), None)
            } else if !older && t.has_newer() && !t.follows {
                (None, Some(t.last_seq()))
            } else {
                (None, None)
            }
        });
        if before.is_none() && after.is_none() {
            return;
        }
        loading.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(page) = room_history(room, before, after).await {
                let anchor = list.get_untracked().and_then(|el| scroll::anchor(&el));
                timeline.update(|t| {
                    if older {
                        t.prepend(page);
                    } else {
                        t.append(page);
                    }
                });
                scroll::after_render(move || {
                    if let (Some(el), Some(anchor)) = (list.get_untracked(), anchor) {
                        scroll::restore(&el, &anchor);
                    }
                });
            }
            loading.set(false);
        });
    };

    let on_scroll = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(el) = list.get_untracked() {
            let metrics = scroll::metrics(&el);
            at_bottom.set(metrics.below() < 48);
            if metrics.top < 150 {
                load(true);
            } else if metrics.below() < 150 {
                load(false);
            }
        }
    };

    // Open where it matters: the search hit, else the unread divider, else the newest message.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        scroll::after_layout(list, move |el| {
            match (at, unread_from.get_untracked()) {
                (Some(seq), _) => message_item::scroll_to_seq(seq),
                (None, Some(_)) => scroll::to_divider(el),
                _ => scroll::to_bottom(el),
            }
            at_bottom.set(scroll::metrics(el).below() < 48);
            // A short first page may not fill the list: nothing to scroll, so load now.
            if !scroll::overflows(el) {
                load(true);
            }
        });
    });

    // New messages keep the view pinned to the bottom while the user is there, and the DOM
    // bounded: the oldest rows go once the window is full.
    Effect::new(move |previous: Option<(i64, usize)>| {
        let now = timeline.with(|t| (t.last_seq(), t.pending.len()));
        if previous.is_some_and(|p| p != now) && at_bottom.get_untracked() {
            timeline.update(Timeline::trim_front);
            #[cfg(feature = "hydrate")]
            scroll::after_render(move || {
                if let Some(el) = list.get_untracked() {
                    scroll::to_bottom(&el);
                }
            });
        }
        now
    });

    // Reading the newest message moves the read marker.
    Effect::new(move |previous: Option<i64>| {
        let last = timeline.with(|t| if t.follows { t.last_seq() } else { 0 });
        let previous = previous.unwrap_or(0);
        if member && last > previous && at_bottom.get() {
            leptos::task::spawn_local(async move {
                let _ = mark_read(room, last).await;
            });
            return last;
        }
        previous
    });

    let send = Callback::new(
        move |(client_id, body, reply_to): (String, String, Option<Uuid>)| {
            timeline.update(|t| t.begin_send(&client_id, &body, reply_to));
            leptos::task::spawn_local(async move {
                match send_message(room, body, client_id.clone(), reply_to).await {
                    Ok(message) => live.confirmed(timeline, message),
                    Err(_) => timeline.update(|t| t.fail_send(&client_id)),
                }
            });
        },
    );
    let submit = Callback::new(move |()| {
        let body = draft.get_untracked().trim().to_owned();
        if body.is_empty() {
            return;
        }
        draft.set(String::new());
        unread_from.set(None);
        let reply_to = replying.get_untracked().map(|m| m.id);
        replying.set(None);
        // Sending brings the user back to the live end, like every chat app.
        at_bottom.set(true);
        if !timeline.with_untracked(|t| t.follows) {
            jump_to_latest(room, timeline, loading);
        }
        send.run((Uuid::new_v4().to_string(), body, reply_to));
    });

    let editing = RwSignal::new(None::<Uuid>);
    let edit_text = RwSignal::new(String::new());
    let edit_error = RwSignal::new(None::<String>);
    let edit_last = Callback::new(move |()| {
        let Some(my_id) = me else { return false };
        let last = timeline.with_untracked(|t| {
            t.messages
                .iter()
                .rev()
                .find(|m| !m.deleted && m.sender.as_ref().map(|s| s.id) == Some(my_id))
                .map(|m| (m.id, m.body.clone()))
        });
        match last {
            Some((id, body)) => {
                edit_text.set(body);
                editing.set(Some(id));
                true
            }
            None => false,
        }
    });
    let ctx = ItemContext {
        me,
        my_role,
        edit: Edit {
            editing,
            text: edit_text,
            error: edit_error,
            save: Callback::new(move |(id, body): (Uuid, String)| {
                leptos::task::spawn_local(async move {
                    match edit_message(id, body).await {
                        Ok(message) => {
                            live.confirmed(timeline, message);
                            editing.set(None);
                            edit_error.set(None);
                        }
                        Err(e) => edit_error.set(Some(e.message)),
                    }
                });
            }),
        },
        delete: ServerAction::<DeleteMessage>::new(),
        react: ServerAction::<ToggleReaction>::new(),
        replying,
        timeline,
        presence: state.presence,
        highlight: at,
    };

    #[cfg(feature = "hydrate")]
    typing::expire(signals.typing);
    let names = state.names;
    let typing_line = move || {
        let now = js_now();
        let typing_now = signals.typing.with(|list| {
            names.with(|names| timeline.with(|t| typing::typing_names(list, now, me, names, t)))
        });
        // None rather than "": an empty text node cannot be hydrated.
        typing::line(&typing_now)
    };
    let list_rows = move || {
        let unread = unread_from.get();
        timeline.with(|t| rows(&t.messages, unread, |m| clock::day_of(m.created_at)))
    };
    let show_jump = move || !at_bottom.get() || timeline.with(|t| !t.follows);

    view! {
        <div class="chat">
            {if member {
                view! {
                    <ConnectionStatus
                        connection=signals.connection
                        retry=Callback::new(move |()| live.retry_now())
                    />
                }.into_any()
            } else {
                view! {
                    <p class="chat-status small" data-testid="room-preview" role="status">
                        "You are previewing this room. Join it to send messages and to see new ones as they arrive."
                    </p>
                }.into_any()
            }}
            <div class="messages-frame">
                <ol class="messages" data-testid="messages" node_ref=list on:scroll=on_scroll
                    aria-label="Message history">
                    {move || timeline.with(|t| t.has_older()).then(|| view! {
                        <li class="list-note small muted" aria-hidden="true">
                            {move || if loading.get() { "Loading earlier messages…" } else { "Scroll up for earlier messages" }}
                        </li>
                    })}
                    {move || timeline.with(|t| !t.has_older() && !t.messages.is_empty()).then(|| view! {
                        <li class="list-note small muted">"This is the beginning of the room."</li>
                    })}
                    <For each=list_rows key=Row::key let:row>
                        {match row {
                            Row::Day(day) => view! {
                                <li class="day-separator"><span>{day.label}</span></li>
                            }.into_any(),
                            Row::Unread => view! {
                                <li class="unread-divider" data-testid="unread-divider">
                                    <span>"New messages"</span>
                                </li>
                            }.into_any(),
                            Row::Message(m, continued) => view! { <MessageItem m=*m continued ctx/> }.into_any(),
                        }}
                    </For>
                    {move || timeline.with(|t| t.has_newer() && !t.follows).then(|| view! {
                        <li class="list-note small muted">"Loading newer messages…"</li>
                    })}
                    <For
                        each=move || timeline.with(|t| t.pending.clone())
                        key=|p| (p.client_id.clone(), p.failed)
                        let:p
                    >
                        <PendingItem p send/>
                    </For>
                </ol>
                <Show when=show_jump>
                    <button type="button" class="jump-latest button button-small"
                        on:click=move |_| {
                            at_bottom.set(true);
                            if timeline.with_untracked(|t| t.follows) {
                                #[cfg(feature = "hydrate")]
                                if let Some(el) = list.get_untracked() { scroll::to_bottom(&el); }
                            } else {
                                jump_to_latest(room, timeline, loading);
                            }
                        }>
                        "Jump to latest ↓"
                    </button>
                </Show>
            </div>
            // Screen readers hear new messages without the whole list being a live region.
            <p class="visually-hidden" aria-live="polite">{move || announce(timeline, me)}</p>
            <p class="typing-line small muted" data-testid="typing">{typing_line}</p>
            {member.then(|| view! {
                <Composer
                    draft
                    replying
                    on_submit=submit
                    on_typing=Callback::new(move |()| live.typing(room))
                    on_edit_last=edit_last
                />
            })}
        </div>
    }
}

/// Replaces the window with the newest page and follows the live end again.
fn jump_to_latest(room: Uuid, timeline: RwSignal<Timeline>, loading: RwSignal<bool>) {
    loading.set(true);
    leptos::task::spawn_local(async move {
        if let Ok(page) = room_history(room, None, None).await {
            timeline.update(|t| {
                let newest = t.newest_seq;
                let pending = std::mem::take(&mut t.pending);
                *t = Timeline::from_page(page, newest);
                t.pending = pending;
            });
        }
        loading.set(false);
    });
}

/// The newest message from someone else, for the polite live region.
fn announce(timeline: RwSignal<Timeline>, me: Option<Uuid>) -> Option<String> {
    timeline.with(|t| {
        let m = t.messages.last()?;
        let sender = m.sender.as_ref()?;
        (Some(sender.id) != me && !m.deleted)
            .then(|| format!("{}: {}", sender.display_name, markup::excerpt(&m.body, 140)))
    })
}

#[component]
fn PendingItem(
    p: crate::live::timeline::Pending,
    send: Callback<(String, String, Option<Uuid>)>,
) -> impl IntoView {
    let (client_id, body, reply_to) = (p.client_id.clone(), p.body.clone(), p.reply_to);
    view! {
        <li class="message pending" data-testid="pending-message">
            <div class="message-body">{p.body.clone()}</div>
            {if p.failed {
                view! {
                    <span class="field-error">"Not sent. "
                        <button type="button" class="link-button"
                            on:click=move |_| send.run((client_id.clone(), body.clone(), reply_to))>
                            "Retry"
                        </button>
                    </span>
                }.into_any()
            } else {
                view! { <span class="small muted">"Sending…"</span> }.into_any()
            }}
        </li>
    }
}

#[component]
fn ConnectionStatus(connection: RwSignal<Connection>, retry: Callback<()>) -> impl IntoView {
    view! {
        <p class="chat-status small" data-testid="chat-status"
            data-state=move || format!("{:?}", connection.get()).to_ascii_lowercase()
            role="status">
            {move || match connection.get() {
                Connection::Live => view! { "Live" }.into_any(),
                Connection::Connecting => view! { "Connecting…" }.into_any(),
                Connection::Retrying => view! {
                    "Connection lost. Reconnecting… "
                    <button type="button" class="link-button" on:click=move |_| retry.run(())>"Retry now"</button>
                }.into_any(),
                Connection::Offline => view! {
                    "You are offline. Messages you send are kept and go out when you reconnect."
                }.into_any(),
                Connection::Removed => view! { "You are no longer a member of this room." }.into_any(),
            }}
        </p>
    }
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
