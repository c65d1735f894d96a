//! `/join/:code`: joins the room behind an invite link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::{frame::RoomsFrame, RoomsChanged};
use crate::api::rooms::JoinByLink;

/// The join-by-link page: one button, so a link preview cannot join anyone by accident.
#[component]
pub fn JoinLinkPage() -> impl IntoView {
    let params = use_params_map();
    let code = Memo::new(move |_| params.read().get("code").unwrap_or_default());
    let join = ServerAction::<JoinByLink>::new();
    let changed = RoomsChanged::get();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(room)) = join.value().get() {
            changed.bump();
            navigate(&format!("/rooms/{}", room.id), Default::default());
        }
    });
    view! {
        <Title text="Join a room"/>
        <RoomsFrame>
            <section class="page-narrow">
                <div class="card">
                    <h1>"You have been invited"</h1>
                    <p class="muted">"Someone shared an invite link to a room with you."</p>
                    {move || join.value().get().and_then(|r| r.err()).map(|e| view! {
                        <div class="alert alert-error" role="alert">{e.message}</div>
                    })}
                    <button type="button" class="button button-primary"
                        disabled=move || join.pending().get()
                        on:click=move |_| { join.dispatch(JoinByLink { code: code.get_untracked() }); }>
                        "Join the room"
                    </button>
                </div>
            </section>
        </RoomsFrame>
    }
}
