//! Desktop alerts (the Notification API) for notifications that arrive while the tab is
//! hidden, shown once however many tabs are open: the first tab to record the id in
//! localStorage shows it, and the id as the alert's tag makes the browser replace rather than
//! stack an alert another tab raised at the same instant.

#[cfg(feature = "hydrate")]
use crate::model::notification::Notification;

/// Whether alerts can be asked for: `Some("default" | "granted" | "denied")`, or None
/// where the browser has no Notification API.
pub fn permission() -> Option<&'static str> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;
        let supported =
            js_sys::Reflect::has(&window(), &JsValue::from_str("Notification")).unwrap_or(false);
        if !supported {
            return None;
        }
        Some(match web_sys::Notification::permission() {
            web_sys::NotificationPermission::Granted => "granted",
            web_sys::NotificationPermission::Denied => "denied",
            _ => "default",
        })
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Asks the user to allow alerts; resolves to the new permission.
pub async fn request() -> Option<&'static str> {
    #[cfg(feature = "hydrate")]
    if let Ok(promise) = web_sys::Notification::request_permission() {
        let _ = send_wrapper::SendWrapper::new(wasm_bindgen_futures::JsFuture::from(promise)).await;
    }
    permission()
}

/// Raises an alert for `n` if the tab is hidden, alerts are allowed and no other tab did.
#[cfg(feature = "hydrate")]
pub fn show(n: &Notification) {
    use wasm_bindgen::{closure::Closure, JsCast};
    if !document().hidden() || permission() != Some("granted") || !claim(n.id) {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(n.payload.excerpt.as_deref().unwrap_or_default());
    options.set_tag(&n.id.to_string());
    let title = super::text::describe(n);
    if let Ok(alert) = web_sys::Notification::new_with_options(&title, &options) {
        let link = n.payload.link.clone();
        let open = Closure::once_into_js(move || {
            let _ = window().focus();
            let _ = window().location().set_href(&link);
        });
        alert.set_onclick(Some(open.unchecked_ref()));
    }
}

/// Records that this tab alerts for `id`; false when a tab already did.
#[cfg(feature = "hydrate")]
fn claim(id: uuid::Uuid) -> bool {
    const KEY: &str = "parley-alerted";
    const REMEMBERED: usize = 50;
    let Some(storage) = window().local_storage().ok().flatten() else {
        return true;
    };
    let mut seen: Vec<uuid::Uuid> = storage
        .get_item(KEY)
        .ok()
        .flatten()
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    if seen.contains(&id) {
        return false;
    }
    seen.push(id);
    let keep_from = seen.len().saturating_sub(REMEMBERED);
    if let Ok(json) = serde_json::to_string(&seen[keep_from..]) {
        let _ = storage.set_item(KEY, &json);
    }
    true
}

#[cfg(feature = "hydrate")]
use leptos::prelude::{document, window};
