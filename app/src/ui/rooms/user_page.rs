//! `/u/:username`: someone's public profile, with a button to message them.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::{frame::RoomsFrame, RoomsChanged};
use crate::{
    api::rooms::{user_by_username, OpenDirect},
    ui::{avatar::Avatar, session::CurrentUser},
};

/// The public profile page.
#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let username = Memo::new(move |_| params.read().get("username").unwrap_or_default());
    let user = Resource::new(move || username.get(), user_by_username);
    let open = ServerAction::<OpenDirect>::new();
    let changed = RoomsChanged::get();
    let me = CurrentUser::get();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(room)) = open.value().get() {
            changed.bump();
            navigate(&format!("/rooms/{}", room.id), Default::default());
        }
    });
    view! {
        <RoomsFrame>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || user.get().map(|r| match r {
                    Ok(u) => {
                        let is_me = me.user().is_some_and(|m| m.id == u.id);
                        let name = u.username.clone();
                        view! {
                            <Title text=u.display_name.clone()/>
                            <section class="page-narrow">
                                <div class="profile-summary card">
                                    <Avatar username=u.username.clone() name=u.display_name.clone() url=u.avatar_url.clone() size=64/>
                                    <div>
                                        <h1>{u.display_name.clone()}</h1>
                                        <p class="muted">"@" {u.username.clone()}</p>
                                    </div>
                                    {(!is_me).then(|| view! {
                                        <button type="button" class="button button-primary"
                                            on:click=move |_| { open.dispatch(OpenDirect { username: name.clone() }); }>
                                            "Message"
                                        </button>
                                    })}
                                </div>
                                {move || open.value().get().and_then(|r| r.err()).map(|e| view! {
                                    <div class="alert alert-error" role="alert">{e.message}</div>
                                })}
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! {
                        <Title text="User not found"/>
                        <section class="page-narrow"><h1>"User not found"</h1><p class="muted">{e.message}</p></section>
                    }.into_any(),
                })}
            </Transition>
        </RoomsFrame>
    }
}
