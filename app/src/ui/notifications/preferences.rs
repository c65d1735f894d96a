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
};

/// The user's notification preferences, saved as they change.
#[component]
pub fn NotificationSettings() -> impl IntoView {
    let loaded = LocalResource::new(get_notification_preferences);
    view! {
        <section class="card panel" aria-labelledby="notification-settings-title">
            <h2 id="notification-settings-title">"Notifications"</h2>
            <Suspense fallback=|| view! { <p class="muted small">"Loading…"</p> }>
                {move || loaded.get().map(|result| match result {
                    Ok(prefs) => view! { <PreferencesForm prefs/> }.into_any(),
                    Err(e) => view! { <p class="alert alert-error" role="alert">{e.message}</p> }.into_any(),
                })}
            </Suspense>
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
                let id = format!("notify-{}", kind.as_str());
                let label_for = id.clone();
                view! {
                    <label for=label_for>
                        <input type="checkbox" id=id
                            prop:checked=move || prefs.with(|p| !p.disabled_kinds.contains(&kind))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                let mut next = prefs.get_untracked();
                                next.disabled_kinds.retain(|k| *k != kind);
                                if !on {
                                    next.disabled_kinds.push(kind);
                                }
                                save(next);
                            }/>
                        " " {kind.label()}
                    </label>
                }
            }).collect_view()}
        </fieldset>
        <label for="dnd">
            <input type="checkbox" id="dnd"
                prop:checked=move || prefs.with(|p| p.do_not_disturb)
                on:change=move |ev| {
                    let mut next = prefs.get_untracked();
                    next.do_not_disturb = event_target_checked(&ev);
                    save(next);
                }/>
            " Do not disturb: keep notifications, but no alerts"
        </label>
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
                            <label class="visually-hidden" for="room-level">"Notify me about"</label>
                            <select id="room-level"
                                on:change=move |ev| {
                                    let level = match event_target_value(&ev).as_str() {
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
                                }>
                                {[(RoomNotifyLevel::All, "Mentions, replies and messages"),
                                  (RoomNotifyLevel::Mentions, "Only @mentions"),
                                  (RoomNotifyLevel::Nothing, "Nothing")]
                                    .into_iter()
                                    .map(|(level, label)| view! {
                                        <option value=level.as_str()
                                            selected=move || current.with(|c| c.level == level)>{label}</option>
                                    })
                                    .collect_view()}
                            </select>
                            <label for="room-muted" class="small">
                                <input type="checkbox" id="room-muted"
                                    prop:checked=move || current.with(|c| c.muted)
                                    on:change=move |ev| {
                                        let muted = event_target_checked(&ev);
                                        leptos::task::spawn_local(async move {
                                            match set_room_muted(room, muted).await {
                                                Ok(s) => { current.set(s); error.set(None); }
                                                Err(e) => error.set(Some(e.message)),
                                            }
                                        });
                                    }/>
                                " Mute this room"
                            </label>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="muted small">{e.message}</p> }.into_any(),
                })}
            </Suspense>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </section>
    }
}
