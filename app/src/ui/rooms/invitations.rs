//! `/invitations`: the user's pending invitations to private rooms.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::{frame::RoomsFrame, RoomsChanged};
use crate::api::rooms::{my_invitations, AnswerInvitation};

/// The invitation inbox.
#[component]
pub fn InvitationsPage() -> impl IntoView {
    view! {
        <Title text="Invitations"/>
        <RoomsFrame>
            <Inbox/>
        </RoomsFrame>
    }
}

/// Pending invitations with accept and decline buttons.
#[component]
pub fn Inbox() -> impl IntoView {
    let answer = ServerAction::<AnswerInvitation>::new();
    let list = Resource::new(move || answer.version().get(), |_| my_invitations());
    let changed = RoomsChanged::get();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(Some(room))) = answer.value().get() {
            changed.bump();
            navigate(&format!("/rooms/{}", room.id), Default::default());
        }
    });
    view! {
        <section class="page-narrow">
            <h1>"Invitations"</h1>
            {move || answer.value().get().and_then(|r| r.err()).map(|e| view! {
                <div class="alert alert-error" role="alert">{e.message}</div>
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || list.get().map(|r| match r {
                    Ok(items) if items.is_empty() => view! { <p class="muted">"No pending invitations."</p> }.into_any(),
                    Ok(items) => view! {
                        <ul class="invitation-list" data-testid="invitations">
                            {items.into_iter().map(|inv| {
                                let id = inv.id;
                                view! {
                                    <li class="card invitation">
                                        <div>
                                            <strong>{inv.room_name.clone()}</strong>
                                            <p class="muted small">
                                                {inv.inviter.map(|u| format!("Invited by {}", u.display_name))}
                                            </p>
                                        </div>
                                        <div class="form-actions">
                                            <button type="button" class="button button-primary button-small"
                                                on:click=move |_| { answer.dispatch(AnswerInvitation { id, accept: true }); }>
                                                "Accept"
                                            </button>
                                            <button type="button" class="button button-ghost button-small"
                                                on:click=move |_| { answer.dispatch(AnswerInvitation { id, accept: false }); }>
                                                "Decline"
                                            </button>
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
