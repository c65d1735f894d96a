//! The page for any path no route matches; answers with HTTP 404 during SSR.

use leptos::prelude::*;
use leptos_meta::Title;

/// "Page not found", with a way back.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }

    view! {
        <Title text="Page not found"/>
        <section class="container not-found" aria-labelledby="not-found-title">
            <p class="eyebrow">"404"</p>
            <h1 id="not-found-title">"This page does not exist"</h1>
            <p class="lead">
                "The link may be broken, or the page may have moved. "
                "Private rooms also look like this to people who are not members."
            </p>
            <a class="button button-primary" href="/">"Back to the start page"</a>
        </section>
    }
}
