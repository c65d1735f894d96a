//! Parts of a page whose code the browser downloads when they are first shown.

use std::future::Future;

use leptos::prelude::*;
use wasm_split_helpers::SplitLoaderError;

/// Shows the view that `load` (a fallible `#[wasm_split]` function) resolves to, nothing
/// until its chunk has arrived, and a way to try again if it did not (say, the connection
/// dropped before the service worker had cached it). For parts that are not on screen when a
/// page renders, so their code stays out of the first load (docs/benchmarks.md,
/// "First-load budget").
pub fn on_demand<F, Fut>(load: F) -> impl IntoView
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<AnyView, SplitLoaderError>> + Send + 'static,
{
    let attempt = RwSignal::new(0u32);
    view! {
        <Suspense fallback=|| ()>
            {move || {
                attempt.track();
                let load = load.clone();
                Suspend::new(async move {
                    load().await.unwrap_or_else(|_| view! {
                        <p class="alert alert-error" role="alert">
                            "This part of the page could not be loaded. "
                            <button type="button" class="link-button"
                                on:click=move |_| attempt.update(|n| *n += 1)>
                                "Try again"
                            </button>
                        </p>
                    }.into_any())
                })
            }}
        </Suspense>
    }
}
