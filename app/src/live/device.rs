//! What the browser keeps on this device in IndexedDB: the outbox of sends not yet confirmed
//! (so a message written offline survives a reload and goes out exactly once, under its
//! client_id) and a copy of each open room and its newest messages, readable offline.
//!
//! IndexedDB's callback API is wrapped in a few lines of JavaScript that return promises;
//! every failure (private mode, quota, a browser without IndexedDB) degrades to "nothing
//! stored", never to a broken page.

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = r#"
let opened = null;
function db() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open("parley", 1);
      request.onupgradeneeded = () => {
        const d = request.result;
        if (!d.objectStoreNames.contains("outbox")) d.createObjectStore("outbox", { keyPath: "client_id" });
        if (!d.objectStoreNames.contains("cache")) d.createObjectStore("cache");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    }).catch((e) => { opened = null; throw e; });
  }
  return opened;
}
function run(store, mode, op) {
  return db().then((d) => new Promise((resolve, reject) => {
    const tx = d.transaction(store, mode);
    const request = op(tx.objectStore(store));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  }));
}
export function idb_outbox_put(json) { return run("outbox", "readwrite", (s) => s.put(JSON.parse(json))); }
export function idb_outbox_delete(id) { return run("outbox", "readwrite", (s) => s.delete(id)); }
export function idb_outbox_all() { return run("outbox", "readonly", (s) => s.getAll()).then((v) => JSON.stringify(v || [])); }
export function idb_cache_put(key, json) { return run("cache", "readwrite", (s) => s.put(json, key)); }
export function idb_cache_get(key) { return run("cache", "readonly", (s) => s.get(key)).then((v) => (typeof v === "string" ? v : null)); }
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn idb_outbox_put(json: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn idb_outbox_delete(id: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn idb_outbox_all() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn idb_cache_put(key: &str, json: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn idb_cache_get(key: &str) -> Result<js_sys::Promise, JsValue>;
}

/// A send kept until the server confirms it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Idempotency key of the send.
    pub client_id: String,
    /// Room.
    pub room_id: Uuid,
    /// Who wrote it (another account signed in later does not send it).
    pub user_id: Uuid,
    /// Text.
    pub body: String,
    /// Replied-to message.
    pub reply_to: Option<Uuid>,
}

async fn settle(promise: Result<js_sys::Promise, JsValue>) -> Option<JsValue> {
    JsFuture::from(promise.ok()?).await.ok()
}

/// Keeps a send in the outbox.
pub async fn keep(entry: &OutboxEntry) {
    if let Ok(json) = serde_json::to_string(entry) {
        settle(idb_outbox_put(&json)).await;
    }
}

/// Forgets a confirmed send.
pub async fn forget(client_id: &str) {
    settle(idb_outbox_delete(client_id)).await;
}

/// The user's unconfirmed sends in a room.
pub async fn outbox(room_id: Uuid, user_id: Uuid) -> Vec<OutboxEntry> {
    let Some(json) = settle(idb_outbox_all()).await.and_then(|v| v.as_string()) else {
        return Vec::new();
    };
    serde_json::from_str::<Vec<OutboxEntry>>(&json)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.room_id == room_id && e.user_id == user_id)
        .collect()
}

/// Saves a value for reading offline.
pub async fn save<T: Serialize>(key: &str, value: &T) {
    if let Ok(json) = serde_json::to_string(value) {
        settle(idb_cache_put(key, &json)).await;
    }
}

/// A value saved earlier, if any.
pub async fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    let json = settle(idb_cache_get(key)).await?.as_string()?;
    serde_json::from_str(&json).ok()
}
