//! `/search?q=`: full-text search over the messages of the user's rooms; each hit links to
//! the room opened at that message.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    location::Url,
};

use super::{chat::render, frame::RoomsFrame};
use crate::{
    api::messages::search_messages,
    model::{message::SearchHit, time::utc_minute},
};

/// The search page.
#[component]
pub fn SearchPage() -> impl IntoView {
    view! {
        <Title text="Search"/>
        <RoomsFrame>
            <Search/>
        </RoomsFrame>
    }
}

#[component]
fn Search() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let hits = Resource::new(
        move || q.get(),
        |q| async move {
            if q.trim().is_empty() {
                Ok(None)
            } else {
                search_messages(q).await.map(Some)
            }
        },
    );
    // A plain GET form that works before hydration; once hydrated, a search is a client-side
    // navigation. (leptos_router's `<Form>` would do the same, at the price of Rust's Unicode
    // case tables in every page's first load.)
    let input = NodeRef::<leptos::html::Input>::new();
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = input.get().map(|el| el.value()).unwrap_or_default();
        navigate(
            &format!("/search?q={}", Url::escape(&text)),
            Default::default(),
        );
    };
    view! {
        <section class="page-narrow">
            <h1>"Search messages"</h1>
            <form method="get" action="/search" class="search-form" role="search" on:submit=on_submit>
                <label class="visually-hidden" for="search-q">"Search messages"</label>
                <input id="search-q" type="search" name="q" placeholder="Words to find in your rooms"
                    prop:value=move || q.get() maxlength="200" node_ref=input/>
                <button type="submit" class="button button-primary">"Search"</button>
            </form>
            <Transition fallback=|| view! { <p class="muted">"Searching…"</p> }>
                {move || hits.get().map(|result| match result {
                    Ok(None) => view! { <p class="muted">"Search finds words in every room you belong to."</p> }.into_any(),
                    Ok(Some(list)) if list.is_empty() => view! {
                        <p class="muted" data-testid="search-empty">"No messages match."</p>
                    }.into_any(),
                    Ok(Some(list)) => view! {
                        <p class="small muted">{format!("{} result{}", list.len(), if list.len() == 1 { "" } else { "s" })}</p>
                        <ol class="search-results" data-testid="search-results">
                            {list.into_iter().map(|hit| view! { <Hit hit/> }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(e) => view! { <p class="alert alert-error" role="alert">{e.message}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Hit(hit: SearchHit) -> impl IntoView {
    let m = hit.message;
    let href = format!("/rooms/{}?at={}", m.room_id, m.seq);
    let author = m
        .sender
        .as_ref()
        .map_or("Deleted account".to_owned(), |s| s.display_name.clone());
    view! {
        <li class="search-hit card">
            <a class="search-hit-link" href=href>
                <span class="search-hit-room">{hit.room_name}</span>
                <span class="small muted">{author} " · " {utc_minute(m.created_at)}</span>
            </a>
            <div class="message-body">{render(&m.body)}</div>
        </li>
    }
}
