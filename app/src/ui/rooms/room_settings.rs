//! `/rooms/:id/settings`: name, description, limit and behaviour of a room (admins).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::{frame::RoomsFrame, load_room, room_id_param, RoomsChanged};
use crate::{
    api::rooms::{DeleteRoom, UpdateRoom},
    model::{
        room::{self, PostPolicy, Role, Room},
        validation,
    },
    ui::{
        controls::Checkbox,
        form::{action_error, Field, FormAlert},
        on_demand::on_demand,
    },
};

/// The settings page.
#[component]
pub fn RoomSettingsPage() -> impl IntoView {
    let id = room_id_param();
    let room = Resource::new(move || id.get(), load_room);
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    view! {
        <Title text="Room settings"/>
        <RoomsFrame>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || room.get().map(|r| match r {
                    Ok(room) if room.my_role >= Some(Role::Admin) => {
                        let form = mounted.get().then(|| on_demand(move || settings_form(room.clone())));
                        view! { {form} }.into_any()
                    }
                    Ok(_) => view! { <p class="alert alert-error" role="alert">"Only admins can change this room."</p> }.into_any(),
                    Err(e) => view! { <p class="alert alert-error" role="alert">{e.message}</p> }.into_any(),
                })}
            </Suspense>
        </RoomsFrame>
    }
}

/// The form, whose code is fetched once the page is up: this admin page would otherwise go
/// over the first-load budget.
#[wasm_split_helpers::wasm_split(parley_room_settings_form, fallible)]
fn settings_form(room: Room) -> Result<AnyView, wasm_split_helpers::SplitLoaderError> {
    Ok(view! { <SettingsForm room/> }.into_any())
}

#[component]
fn SettingsForm(room: Room) -> impl IntoView {
    let id = room.id;
    let owner = room.my_role == Some(Role::Owner);
    let name = RwSignal::new(room.name.clone());
    let description = RwSignal::new(room.description.clone());
    let limit = RwSignal::new(
        room.max_participants
            .map(|m| m.to_string())
            .unwrap_or_default(),
    );
    let admins_only = RwSignal::new(room.settings.who_can_post == PostPolicy::Admins);
    let slow = RwSignal::new(room.settings.slow_mode_seconds.to_string());
    let editing = RwSignal::new(room.settings.allow_editing);
    let submitted = RwSignal::new(false);
    let save = ServerAction::<UpdateRoom>::new();
    let error = action_error(save);
    let delete = ServerAction::<DeleteRoom>::new();
    let changed = RoomsChanged::get();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            changed.bump();
            navigate("/rooms", Default::default());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            changed.bump();
        }
    });
    let number =
        |field: &'static str, v: String| -> Result<Option<i64>, crate::model::error::ErrorDetail> {
            let v = v.trim().to_owned();
            if v.is_empty() {
                return Ok(None);
            }
            v.parse::<i64>()
                .map(Some)
                .map_err(|_| crate::model::error::ErrorDetail {
                    code: "validation_failed".into(),
                    message: "Enter a whole number.".into(),
                    field: Some(field.into()),
                })
        };
    let local_error = RwSignal::new(None);
    let shown_error = Signal::derive(move || local_error.get().or_else(|| error.get()));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        local_error.set(None);
        let max = match number("max_participants", limit.get_untracked()) {
            Ok(v) => v.unwrap_or(0),
            Err(e) => return local_error.set(Some(e)),
        };
        let slow_secs = match number("slow_mode_seconds", slow.get_untracked()) {
            Ok(v) => v.unwrap_or(0),
            Err(e) => return local_error.set(Some(e)),
        };
        let settings = serde_json::json!({
            "who_can_post": if admins_only.get_untracked() { "admins" } else { "everyone" },
            "slow_mode_seconds": slow_secs,
            "allow_editing": editing.get_untracked(),
        });
        save.dispatch(UpdateRoom {
            id,
            change: room::UpdateRoom {
                name: Some(name.get_untracked()),
                description: Some(description.get_untracked()),
                max_participants: Some(i32::try_from(max).unwrap_or(i32::MAX)),
                avatar_url: None,
                settings: Some(settings),
            },
        });
    };
    view! {
        <section class="page-narrow">
            <form class="card" on:submit=on_submit novalidate>
                <h1>"Room settings"</h1>
                <FormAlert error=shown_error/>
                <Field name="name" label="Name" value=name server_error=shown_error submitted validate=validation::room_name/>
                <Field name="description" label="Description" value=description server_error=shown_error submitted
                    multiline=true validate=|v| validation::text_max(v, 1000)/>
                <div class="field-row">
                    <Field name="max_participants" label="Member limit (empty for none)" kind="number" value=limit
                        server_error=shown_error submitted/>
                    <Field name="slow_mode_seconds" label="Slow mode (seconds)" kind="number" value=slow
                        server_error=shown_error submitted/>
                </div>
                <Checkbox id="room-admins-only" checked=admins_only
                    on_change=Callback::new(move |on| admins_only.set(on))>
                    "Announcement room: only admins can post"
                </Checkbox>
                <Checkbox id="room-editing" checked=editing
                    on_change=Callback::new(move |on| editing.set(on))>
                    "Members can edit their messages"
                </Checkbox>
                <div class="form-actions">
                    <button type="submit" class="button button-primary" disabled=move || save.pending().get()>"Save"</button>
                    <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                        <span class="form-success" role="status">"Saved."</span>
                    </Show>
                    <a class="button button-ghost" href=format!("/rooms/{id}")>"Back to the room"</a>
                </div>
            </form>
            {owner.then(|| view! {
                <section class="card danger-zone">
                    <h2>"Delete this room"</h2>
                    <p class="muted">"Deleting removes the room and its history for everyone. This cannot be undone."</p>
                    <button type="button" class="button button-danger"
                        on:click=move |_| { delete.dispatch(DeleteRoom { id }); }>
                        "Delete room"
                    </button>
                </section>
            })}
        </section>
    }
}
