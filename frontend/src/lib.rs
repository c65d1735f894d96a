//! Browser entry point: takes over the server-rendered page.

/// Called by the generated JS once the WASM module is loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy: the page's own WASM chunk may have to arrive before it can hydrate.
    leptos::mount::hydrate_lazy(app::App);
}
