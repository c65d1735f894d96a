//! Notification preferences: which kinds and do not disturb (settings page), and a room's
//! level and mute (room page).

use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    api::notifications::{
        get_notification_preferences, get_room_notification_settings, set_room_muted,
        set_room_notify_level, update_notification_preferences,
    },
    model::notification::{NotificationKind, NotificationPreferences, RoomNotifyLevel},
    ui::controls::{Checkbox, Select, Toggle},
};

/// The user's notification preferences, saved as they change.
#[component]
pub fn NotificationSettings() -> impl IntoView {
    let loaded = LocalResource::new(get_notification_preferences);
    view! {
        <section class="card panel" aria-labelledby="notification-settings-title">
            <h2 id="notification-settings-title">"Notifications"</h2>
            // Not a <Suspense>: the server never loads a local resource, and a suspense
            // boundary around one does not hydrate (the page's WASM panicked here). Both sides
            // render "Loading…" until the browser has the preferences.
            {move || match loaded.get() {
                None => view! { <p class="muted small">"Loading…"</p> }.into_any(),
                Some(Ok(prefs)) => view! { <PreferencesForm prefs/> }.into_any(),
                Some(Err(e)) => view! { <p class="alert alert-error" role="alert">{e.message}</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn PreferencesForm(prefs: NotificationPreferences) -> impl IntoView {
    let prefs = RwSignal::new(prefs);
    let status = RwSignal::new(None::<Result<(), String>>);
    let save = move |next: NotificationPreferences| {
        prefs.set(next.clone());
        leptos::task::spawn_local(async move {
            match update_notification_preferences(next).await {
                Ok(stored) => {
                    prefs.set(stored);
                    status.set(Some(Ok(())));
                }
                Err(e) => status.set(Some(Err(e.message))),
            }
        });
    };
    view! {
        <fieldset class="checkbox-list">
            <legend>"Notify me about"</legend>
            {NotificationKind::ALL.into_iter().map(|kind| {
                view! {
                    <Checkbox id=format!("notify-{}", kind.as_str())
                        checked=Signal::derive(move || prefs.with(|p| !p.disabled_kinds.contains(&kind)))
                        on_change=Callback::new(move |on: bool| {
                            let mut next = prefs.get_untracked();
                            next.disabled_kinds.retain(|k| *k != kind);
                            if !on {
                                next.disabled_kinds.push(kind);
                            }
                            save(next);
                        })>
                        {kind.label()}
                    </Checkbox>
                }
            }).collect_view()}
        </fieldset>
        <Toggle id="dnd" checked=Signal::derive(move || prefs.with(|p| p.do_not_disturb))
            on_change=Callback::new(move |on: bool| {
                let mut next = prefs.get_untracked();
                next.do_not_disturb = on;
                save(next);
            })>
            "Do not disturb: keep notifications, but no alerts"
        </Toggle>
        {move || status.get().map(|s| match s {
            Ok(()) => view! { <p class="form-success small" role="status">"Saved."</p> }.into_any(),
            Err(e) => view! { <p class="field-error" role="alert">{e}</p> }.into_any(),
        })}
    }
}

/// The viewer's notification level and mute for a room.
#[component]
pub fn RoomNotifications(room: Uuid) -> impl IntoView {
    let loaded = LocalResource::new(move || get_room_notification_settings(room));
    let error = RwSignal::new(None::<String>);
    view! {
        <section class="card panel" aria-labelledby="room-notifications-title">
            <h2 id="room-notifications-title">"Notifications"</h2>
            <Suspense fallback=|| ()>
                {move || loaded.get().map(|result| match result {
                    Ok(settings) => {
                        let current = RwSignal::new(settings);
                        view! {
                            <Select id="room-level" label="Notify me about" hide_label=true
                                options=vec![
                                    (RoomNotifyLevel::All.as_str(), "Mentions, replies and messages"),
                                    (RoomNotifyLevel::Mentions.as_str(), "Only @mentions"),
                                    (RoomNotifyLevel::Nothing.as_str(), "Nothing"),
                                ]
                                value=Signal::derive(move || current.with(|c| c.level.as_str().to_owned()))
                                on_change=Callback::new(move |value: String| {
                                    let level = match value.as_str() {
                                        "mentions" => RoomNotifyLevel::Mentions,
                                        "nothing" => RoomNotifyLevel::Nothing,
                                        _ => RoomNotifyLevel::All,
                                    };
                                    leptos::task::spawn_local(async move {
                                        match set_room_notify_level(room, level).await {
                                            Ok(s) => { current.set(s); error.set(None); }
                                            Err(e) => error.set(Some(e.message)),
                                        }
                                    });
                                })/>
                            <Toggle id="room-muted" checked=Signal::derive(move || current.with(|c| c.muted))
                                on_change=Callback::new(move |muted| {
                                    leptos::task::spawn_local(async move {
                                        match set_room_muted(room, muted).await {
                                            Ok(s) => { current.set(s); error.set(None); }
                                            Err(e) => error.set(Some(e.message)),
                                        }
                                    });
                                })>
                                "Mute this room"
                            </Toggle>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="muted small">{e.message}</p> }.into_any(),
                })}
            </Suspense>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </section>
    }
}
