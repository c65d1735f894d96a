//! The bell in the header: the live unread count, and a panel listing notifications that
//! link to the message or invitation and are marked read when opened.

use leptos::prelude::*;

use super::{alerts, text::describe, NotificationFeed};
use crate::{
    api::notifications::{
        delete_read_notifications, list_notifications, mark_all_notifications_read,
        mark_notification_read,
    },
    model::{
        notification::{Notification, NotificationPage},
        time::utc_minute,
    },
    ui::{icons::BellIcon, on_demand::on_demand},
};

/// The bell and its panel.
#[component]
pub fn Bell() -> impl IntoView {
    let feed = NotificationFeed::get();
    let open = RwSignal::new(false);
    let label = move || match feed.unread.get() {
        0 => "Notifications".to_owned(),
        1 => "Notifications, 1 unread".to_owned(),
        n => format!("Notifications, {n} unread"),
    };
    view! {
        <div class="bell">
            <button type="button" class="bell-button button button-ghost button-small"
                aria-label=label aria-expanded=move || open.get().to_string()
                aria-controls="notification-panel" data-testid="bell"
                on:click=move |_| open.update(|o| *o = !*o)>
                <BellIcon/>
                {move || (feed.unread.get() > 0).then(|| view! {
                    <span class="badge unread bell-count" data-testid="bell-count">{feed.unread.get()}</span>
                })}
            </button>
            <Show when=move || open.get()>
                {on_demand(move || panel(open))}
            </Show>
        </div>
    }
}

/// The panel, loaded the first time it opens.
#[wasm_split_helpers::wasm_split(parley_notification_panel, fallible)]
fn panel(open: RwSignal<bool>) -> Result<AnyView, wasm_split_helpers::SplitLoaderError> {
    Ok(view! { <Panel open/> }.into_any())
}

#[component]
fn Panel(open: RwSignal<bool>) -> impl IntoView {
    let feed = NotificationFeed::get();
    let pages = RwSignal::new(Vec::<Notification>::new());
    let cursor = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let load = move |from: Option<String>| {
        leptos::task::spawn_local(async move {
            match list_notifications(from.clone(), false, None, Some(20)).await {
                Ok(NotificationPage { items, next_cursor }) => {
                    if from.is_some() {
                        pages.update(|p| p.extend(items));
                    } else {
                        pages.set(items);
                    }
                    cursor.set(next_cursor);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    // The first page, again whenever something arrives or changes while the panel is open.
    Effect::new(move |_| {
        feed.changed.track();
        load(None);
    });
    let mark_all = move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(n) = mark_all_notifications_read().await {
                feed.unread.set(n);
                feed.changed.update(|v| *v += 1);
            }
        });
    };
    let clear_read = move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(n) = delete_read_notifications().await {
                feed.unread.set(n);
                feed.changed.update(|v| *v += 1);
            }
        });
    };
    let permission = RwSignal::new(alerts::permission());
    view! {
        <section id="notification-panel" class="notification-panel card" aria-label="Notifications"
            data-testid="notification-panel">
            <header class="notification-panel-header">
                <h2>"Notifications"</h2>
                <div class="notification-panel-actions">
                    <button type="button" class="link-button" on:click=mark_all>"Mark all read"</button>
                    <button type="button" class="link-button" on:click=clear_read>"Clear read"</button>
                </div>
            </header>
            {move || (permission.get() == Some("default")).then(|| view! {
                <p class="small">
                    <button type="button" class="link-button" on:click=move |_| {
                        leptos::task::spawn_local(async move { permission.set(alerts::request().await) });
                    }>"Alert me on this device"</button>
                    " when a notification arrives while Parley is in the background."
                </p>
            })}
            {move || error.get().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
            <ul class="notification-list" data-testid="notification-list">
                {move || {
                    let list = pages.get();
                    if list.is_empty() {
                        view! { <li class="muted small">"Nothing yet. Mentions, replies and invitations show up here."</li> }.into_any()
                    } else {
                        list.into_iter().map(|n| view! { <Item n open/> }).collect_view().into_any()
                    }
                }}
            </ul>
            {move || cursor.get().map(|c| view! {
                <button type="button" class="button button-ghost button-small"
                    on:click=move |_| load(Some(c.clone()))>"Older notifications"</button>
            })}
        </section>
    }
}

#[component]
fn Item(n: Notification, open: RwSignal<bool>) -> impl IntoView {
    let feed = NotificationFeed::get();
    let id = n.id;
    let unread = n.read_at.is_none();
    let sentence = describe(&n);
    let when = utc_minute(n.created_at);
    view! {
        <li class="notification" class:unread=unread>
            <a href=n.payload.link.clone() class="notification-link" on:click=move |_| {
                open.set(false);
                if unread {
                    leptos::task::spawn_local(async move {
                        if let Ok(count) = mark_notification_read(id).await {
                            feed.unread.set(count);
                        }
                    });
                }
            }>
                <span class="notification-text">{sentence}</span>
                {n.payload.excerpt.clone().map(|e| view! { <span class="notification-excerpt muted">{e}</span> })}
                <time class="small muted" datetime=n.created_at.to_rfc3339()>{when}</time>
            </a>
        </li>
    }
}
