//! Server functions for the room view: history, sending, deleting, reacting, reading.

use leptos::prelude::*;
use uuid::Uuid;

use super::codec::Json;
use crate::model::{
    error::ErrorDetail,
    message::{ConversationStart, Message, Reaction, SearchHit},
};

/// Messages per history page the room view loads while scrolling. Most of what a page costs
/// the browser is restyling and laying out the whole window, not the new rows, so smaller
/// pages only made more long tasks (docs/benchmarks.md, "UI performance").
pub const PAGE: i64 = 50;

#[cfg(feature = "ssr")]
use super::context::{fail, require_caller, services};

/// The page a room view opens with (around seq `at` when given) and the caller's read marker.
#[server(prefix = "/rpc", output = Json)]
pub async fn open_conversation(
    room: Uuid,
    at: Option<i64>,
) -> Result<ConversationStart, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .messages
        .open(auth, room, at)
        .await
        .map_err(fail)
}

/// A page of up to [`PAGE`] messages before `before` or after `after`, in seq order.
#[server(prefix = "/rpc", output = Json)]
pub async fn room_history(
    room: Uuid,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<Vec<Message>, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .messages
        .history(auth, room, before, after, Some(PAGE))
        .await
        .map_err(fail)
}

/// Sends a message, optionally as a reply; `client_id` makes retries safe.
#[server(prefix = "/rpc", output = Json)]
pub async fn send_message(
    room: Uuid,
    body: String,
    client_id: String,
    reply_to: Option<Uuid>,
) -> Result<Message, ErrorDetail> {
    let auth = require_caller()?;
    let req = crate::model::message::SendMessage {
        body,
        client_id: Some(client_id),
        reply_to,
    };
    services()?
        .messages
        .send(auth, room, req)
        .await
        .map_err(fail)
}

/// Deletes a message (author or admin).
#[server(prefix = "/rpc", output = Json)]
pub async fn delete_message(id: Uuid) -> Result<(), ErrorDetail> {
    let auth = require_caller()?;
    services()?.messages.delete(auth, id).await.map_err(fail)
}

/// Toggles the user's reaction.
#[server(prefix = "/rpc", output = Json)]
pub async fn toggle_reaction(id: Uuid, emoji: String) -> Result<Vec<Reaction>, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .messages
        .toggle_reaction(auth, id, &emoji)
        .await
        .map_err(fail)
}

/// Moves the user's read marker.
#[server(prefix = "/rpc", output = Json)]
pub async fn mark_read(room: Uuid, seq: i64) -> Result<i64, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .messages
        .mark_read(auth, room, seq)
        .await
        .map_err(fail)
}

/// Replaces the text of the user's own message.
#[server(prefix = "/rpc", output = Json)]
pub async fn edit_message(id: Uuid, body: String) -> Result<Message, ErrorDetail> {
    let auth = require_caller()?;
    let req = crate::model::message::EditMessage { body };
    services()?.messages.edit(auth, id, req).await.map_err(fail)
}

/// Messages matching `q` in the caller's rooms, newest first.
#[server(prefix = "/rpc", output = Json)]
pub async fn search_messages(q: String) -> Result<Vec<SearchHit>, ErrorDetail> {
    let auth = require_caller()?;
    services()?.messages.search(auth, &q).await.map_err(fail)
}
