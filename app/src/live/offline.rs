//! Offline copies of what the user last saw and sends not yet confirmed, stored on the device
//! (IndexedDB, see [`super::device`]). Everything here is a no-op during server rendering.

use uuid::Uuid;

use super::timeline::{Pending, Timeline};
use crate::model::{message::ConversationStart, room::Room};

/// Messages of a room kept for reading offline.
const KEPT: usize = 50;

fn room_key(id: Uuid) -> String {
    format!("room:{id}")
}

fn conversation_key(id: Uuid) -> String {
    format!("conversation:{id}")
}

/// Keeps a copy of a room's details.
pub fn save_room(room: &Room) {
    #[cfg(feature = "hydrate")]
    {
        let room = room.clone();
        leptos::task::spawn_local(async move {
            super::device::save(&room_key(room.id), &room).await;
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (room, room_key);
}

/// The room as last seen on this device.
pub async fn room(id: Uuid) -> Option<Room> {
    #[cfg(feature = "hydrate")]
    {
        // IndexedDB futures are not Send; resources want Send, and the browser has one thread.
        send_wrapper::SendWrapper::new(super::device::load(&room_key(id))).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = id;
        None
    }
}

/// Keeps a copy of the newest messages of a window that reaches the live end.
pub fn save_conversation(room: Uuid, timeline: &Timeline) {
    if !timeline.follows {
        return;
    }
    let skip = timeline.messages.len().saturating_sub(KEPT);
    let start = ConversationStart {
        messages: timeline.messages[skip..].to_vec(),
        last_read_seq: None,
        last_seq: timeline.last_seq(),
    };
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        super::device::save(&conversation_key(room), &start).await;
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (room, start, conversation_key);
}

/// The room's messages as last seen on this device.
pub async fn conversation(room: Uuid) -> Option<ConversationStart> {
    #[cfg(feature = "hydrate")]
    {
        send_wrapper::SendWrapper::new(super::device::load(&conversation_key(room))).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = room;
        None
    }
}

/// Keeps a send until it is confirmed.
pub fn keep(room: Uuid, user: Uuid, pending: &Pending) {
    #[cfg(feature = "hydrate")]
    {
        let entry = super::device::OutboxEntry {
            client_id: pending.client_id.clone(),
            room_id: room,
            user_id: user,
            body: pending.body.clone(),
            reply_to: pending.reply_to,
        };
        leptos::task::spawn_local(async move { super::device::keep(&entry).await });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (room, user, pending);
}

/// Forgets a confirmed (or abandoned) send.
pub fn forget(client_id: String) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move { super::device::forget(&client_id).await });
    #[cfg(not(feature = "hydrate"))]
    let _ = client_id;
}

/// The user's sends in a room that were never confirmed, e.g. written offline before a reload.
pub async fn unsent(room: Uuid, user: Uuid) -> Vec<Pending> {
    #[cfg(feature = "hydrate")]
    {
        send_wrapper::SendWrapper::new(super::device::outbox(room, user))
            .await
            .into_iter()
            .map(|e| Pending {
                client_id: e.client_id,
                body: e.body,
                reply_to: e.reply_to,
                failed: true,
            })
            .collect()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (room, user);
        Vec::new()
    }
}
