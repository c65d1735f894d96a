//! Light and dark themes: follows the system until the user picks one, then remembers it.

use leptos::prelude::*;

use super::icons::{MoonIcon, SunIcon};

/// `localStorage` key of the user's explicit choice.
pub const THEME_KEY: &str = "parley-theme";

/// Runs in `<head>` before first paint; mirrors `toggle_theme`'s storage format.
pub const THEME_BOOTSTRAP: &str = "(function(){try{var t=localStorage.getItem('parley-theme');\
if(t!=='light'&&t!=='dark'){t=window.matchMedia('(prefers-color-scheme: dark)').matches?'dark':'light';}\
document.documentElement.setAttribute('data-theme',t);}catch(e){}})();";

/// The header button that switches between light and dark.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    // The server cannot know the theme, so the markup is identical for both and CSS picks
    // the icon from `data-theme`; the state lives in the DOM, not in a signal.
    view! {
        <button
            type="button"
            class="icon-button theme-toggle"
            aria-label="Switch between light and dark theme"
            title="Switch between light and dark theme"
            data-testid="theme-toggle"
            on:click=move |_| toggle_theme()
        >
            <SunIcon/>
            <MoonIcon/>
        </button>
    }
}

fn toggle_theme() {
    let Some(root) = document().document_element() else {
        return;
    };
    let next = match root.get_attribute("data-theme").as_deref() {
        Some("dark") => "light",
        _ => "dark",
    };
    let _ = root.set_attribute("data-theme", next);
    if let Ok(Some(storage)) = window().local_storage() {
        let _ = storage.set_item(THEME_KEY, next);
    }
}
