//! The installable app in the page: manifest and icon links, the service worker registration
//! (switched by the server's `PWA` setting) and the banner offering a new version.
//!
//! Registration is a small inline script rather than WASM so it also runs on pages whose WASM
//! never loads; it tells the banner about a waiting update through `window.parleyPwa` and the
//! `parley:update-ready` event (the update may be found before hydration finishes).

use leptos::prelude::*;

/// Provided by the server while rendering the shell.
#[derive(Debug, Clone, Copy, Default)]
pub struct PwaSettings {
    /// Whether pages register `/sw.js`.
    pub register_worker: bool,
}

/// The window event announcing a waiting update.
const UPDATE_EVENT: &str = "parley:update-ready";

/// Registers `/sw.js` once the page has loaded (so it never competes with the WASM download),
/// offers an installed update only when a worker already controls the page (the first install
/// has nothing to replace), and reloads once the new worker took over after "Reload". Another
/// tab accepting an update replaces this tab's worker too; then this tab offers a reload as well.
const REGISTER_SCRIPT: &str = r#"(function(){
if(!('serviceWorker' in navigator))return;
var sw=navigator.serviceWorker,had=!!sw.controller,accepted=false;
var pwa=window.parleyPwa={waiting:null,ready:false,apply:function(){
if(!pwa.waiting){location.reload();return;}
accepted=true;pwa.waiting.postMessage({type:'SKIP_WAITING'});}};
function offer(w){pwa.waiting=w;pwa.ready=true;window.dispatchEvent(new Event('parley:update-ready'));}
sw.addEventListener('controllerchange',function(){
if(accepted){location.reload();}else if(had){offer(null);}had=true;});
function watch(reg){
if(reg.waiting&&sw.controller)offer(reg.waiting);
reg.addEventListener('updatefound',function(){var next=reg.installing;if(!next)return;
next.addEventListener('statechange',function(){
if(next.state==='installed'&&sw.controller)offer(next);});});
setInterval(function(){reg.update().catch(function(){});},3600000);}
function register(){sw.register('/sw.js',{scope:'/'}).then(watch).catch(function(e){
console.warn('Parley: service worker not registered',e);});}
if(document.readyState==='complete')register();else addEventListener('load',register);
})();"#;

/// `<head>` links of the installable app, and the registration script when switched on.
#[component]
pub fn PwaHead() -> impl IntoView {
    let register = use_context::<PwaSettings>()
        .unwrap_or_default()
        .register_worker;
    view! {
        <link rel="manifest" href="/manifest.webmanifest"/>
        <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png"/>
        {register.then(|| {
            view! { <script nonce=leptos::nonce::use_nonce() inner_html=REGISTER_SCRIPT></script> }
        })}
    }
}

/// "A new version is ready — Reload", shown while an update waits for this page's consent.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let (ready, set_ready) = signal(false);
    // Effects run only in the browser.
    Effect::new(move |_| {
        if update_found_before_hydration() {
            set_ready.set(true);
        }
        let handle = window_event_listener_untyped(UPDATE_EVENT, move |_| set_ready.set(true));
        on_cleanup(move || handle.remove());
    });
    view! {
        <Show when=move || ready.get()>
            <div class="update-banner" role="status" data-testid="update-banner">
                <span>"A new version of Parley is ready."</span>
                <button
                    type="button"
                    class="button button-primary button-small"
                    on:click=move |_| apply_update()
                >
                    "Reload"
                </button>
            </div>
        </Show>
    }
}

/// `window.parleyPwa`, when the registration script ran.
#[cfg(feature = "hydrate")]
fn registration_state() -> Option<wasm_bindgen::JsValue> {
    js_sys::Reflect::get(&window(), &"parleyPwa".into())
        .ok()
        .filter(|v| v.is_object())
}

fn update_found_before_hydration() -> bool {
    #[cfg(feature = "hydrate")]
    {
        registration_state()
            .and_then(|pwa| js_sys::Reflect::get(&pwa, &"ready".into()).ok())
            .is_some_and(|ready| ready.is_truthy())
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

/// Lets the waiting worker take over; the registration script reloads when it has.
fn apply_update() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let apply = registration_state()
            .and_then(|pwa| js_sys::Reflect::get(&pwa, &"apply".into()).ok())
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        match apply {
            Some(apply) => {
                let _ = apply.call0(&wasm_bindgen::JsValue::NULL);
            }
            None => {
                let _ = window().location().reload();
            }
        }
    }
}
