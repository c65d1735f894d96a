//! `/rooms/browse`: the public directory with search, sort and paging.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::{frame::RoomsFrame, RoomsChanged};
use crate::{
    api::rooms::{room_directory, JoinRoom},
    ui::{controls::Select, form::adopt_typed},
};

const PAGE: i64 = 20;

/// The directory page.
#[component]
pub fn DirectoryPage() -> impl IntoView {
    view! {
        <Title text="Browse rooms"/>
        <RoomsFrame>
            <Directory/>
        </RoomsFrame>
    }
}

#[component]
fn Directory() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let sort = RwSignal::new("members".to_owned());
    let offset = RwSignal::new(0i64);
    let page = Resource::new(
        move || (search.get(), sort.get(), offset.get()),
        |(search, sort, offset)| room_directory(search, offset, sort),
    );
    let join = ServerAction::<JoinRoom>::new();
    let changed = RoomsChanged::get();
    // The offset is still 0 when this runs, so only the words need adopting.
    let search_field = NodeRef::<leptos::html::Input>::new();
    adopt_typed(search, move || search_field.get().map(|f| f.value()));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(room)) = join.value().get() {
            changed.bump();
            navigate(&format!("/rooms/{}", room.id), Default::default());
        }
    });
    view! {
        <section class="page-narrow">
            <h1>"Browse rooms"</h1>
            <div class="directory-controls">
                <label class="visually-hidden" for="directory-search">"Search rooms"</label>
                <input
                    id="directory-search"
                    node_ref=search_field
                    type="search"
                    placeholder="Search by name or description"
                    prop:value=move || search.get()
                    on:input=move |ev| {
                        search.set(event_target_value(&ev));
                        offset.set(0);
                    }
                />
                <Select id="directory-sort" label="Sort" hide_label=true
                    options=vec![("members", "Most members"), ("newest", "Newest")]
                    value=sort
                    on_change=Callback::new(move |v| {
                        sort.set(v);
                        offset.set(0);
                    })/>
            </div>
            {move || {
                join.value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|e| view! { <div class="alert alert-error" role="alert">{e.message}</div> })
            }}
            <Transition fallback=|| view! { <p class="muted">"Loading rooms…"</p> }>
                {move || {
                    page.get()
                        .map(|result| match result {
                            Ok(p) => {
                                let total = p.total;
                                let shown = offset.get_untracked() + p.rooms.len() as i64;
                                view! {
                                    <p class="muted small" data-testid="directory-total">
                                        {format!("{total} room{}", if total == 1 { "" } else { "s" })}
                                    </p>
                                    <ul class="directory" data-testid="directory">
                                        {p.rooms
                                            .into_iter()
                                            .map(|r| {
                                                let id = r.id;
                                                view! {
                                                    <li class="directory-room card">
                                                        <div>
                                                            <h2><a href=format!("/rooms/{id}") class="directory-link">"# " {r.name.clone()}</a></h2>
                                                            <p class="muted">{r.description.clone()}</p>
                                                            <p class="small muted">
                                                                {format!("{} member{}", r.participant_count,
                                                                    if r.participant_count == 1 { "" } else { "s" })}
                                                                {r.creator_username.clone().map(|u| format!(" · created by @{u}"))}
                                                            </p>
                                                        </div>
                                                        <button
                                                            type="button"
                                                            class="button button-primary button-small"
                                                            aria-label=format!("Join {}", r.name)
                                                            on:click=move |_| {
                                                                join.dispatch(JoinRoom { id });
                                                            }
                                                        >
                                                            "Join"
                                                        </button>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                    <div class="pager">
                                        <button
                                            type="button"
                                            class="button button-ghost button-small"
                                            disabled=move || offset.get() == 0
                                            on:click=move |_| offset.update(|o| *o = (*o - PAGE).max(0))
                                        >
                                            "Previous"
                                        </button>
                                        <button
                                            type="button"
                                            class="button button-ghost button-small"
                                            disabled={shown >= total}
                                            on:click=move |_| offset.update(|o| *o += PAGE)
                                        >
                                            "Next"
                                        </button>
                                    </div>
                                }
                                    .into_any()
                            }
                            Err(e) => {
                                view! { <div class="alert alert-error" role="alert">{e.message}</div> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}
