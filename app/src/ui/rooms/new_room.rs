//! `/rooms/new`: create a public or private room.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::{frame::RoomsFrame, RoomsChanged};
use crate::{
    api::rooms::CreateRoom,
    model::{room, validation},
    ui::form::{action_error, hydrated, Field, FormAlert},
};

/// The creation page.
#[component]
pub fn NewRoomPage() -> impl IntoView {
    view! {
        <Title text="New room"/>
        <RoomsFrame>
            <NewRoomForm/>
        </RoomsFrame>
    }
}

#[component]
fn NewRoomForm() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let private = RwSignal::new(false);
    let submitted = RwSignal::new(false);
    let action = ServerAction::<CreateRoom>::new();
    let ready = hydrated();
    let error = action_error(action);
    let changed = RoomsChanged::get();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(room)) = action.value().get() {
            changed.bump();
            navigate(&format!("/rooms/{}", room.id), Default::default());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        if validation::room_name(&name.get_untracked()).is_err() {
            return;
        }
        action.dispatch(CreateRoom {
            req: room::CreateRoom {
                name: name.get_untracked(),
                description: description.get_untracked(),
                is_private: private.get_untracked(),
                ..Default::default()
            },
        });
    };
    view! {
        <section class="page-narrow">
            <form class="card" on:submit=on_submit novalidate>
                <h1>"Create a room"</h1>
                <FormAlert error/>
                <Field name="name" label="Name" value=name server_error=error submitted
                    validate=validation::room_name/>
                <Field name="description" label="Description" value=description server_error=error
                    submitted multiline=true validate=|v| validation::text_max(v, 1000)/>
                // The styled checkbox's markup rather than the `Checkbox` component, whose
                // generic code would count against every page's first load.
                <label class="check">
                    <input type="checkbox" class="check-input" prop:checked=move || private.get()
                        on:change=move |ev| private.set(event_target_checked(&ev))/>
                    <span>"Private: only invited people can find and join it"</span>
                </label>
                <div class="form-actions">
                    <button type="submit" class="button button-primary" disabled=move || !ready.get() || action.pending().get()>
                        "Create room"
                    </button>
                </div>
            </form>
        </section>
    }
}
