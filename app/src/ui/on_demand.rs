//! Panels whose code the browser downloads the first time they open.

use std::future::Future;

use leptos::prelude::*;

/// Shows the view that `load` (a `#[lazy]` function) resolves to, and nothing until its
/// chunk has arrived. For panels that are closed when a page renders, so their code stays
/// out of the first load (docs/benchmarks.md, "First-load budget").
pub fn on_demand(load: impl Future<Output = AnyView> + Send + 'static) -> impl IntoView {
    view! { <Suspense fallback=|| ()>{Suspend::new(load)}</Suspense> }
}
