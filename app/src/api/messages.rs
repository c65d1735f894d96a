//! Server functions for the room view: history, sending, deleting, reacting, reading.

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{
    error::ErrorDetail,
    message::{Message, Reaction},
};

#[cfg(feature = "ssr")]
use super::context::{fail, require_caller, services};

/// The newest messages of a room, or those before `before`, in seq order.
#[server(prefix = "/rpc")]
pub async fn room_history(room: Uuid, before: Option<i64>) -> Result<Vec<Message>, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .messages
        .history(auth, room, before, None, Some(50))
        .await
        .map_err(fail)
}

/// Sends a message; `client_id` makes retries safe.
#[server(prefix = "/rpc")]
pub async fn send_message(
    room: Uuid,
    body: String,
    client_id: String,
) -> Result<Message, ErrorDetail> {
    let auth = require_caller()?;
    let req = crate::model::message::SendMessage {
        body,
        client_id: Some(client_id),
        reply_to: None,
    };
    services()?
        .messages
        .send(auth, room, req)
        .await
        .map_err(fail)
}

/// Deletes a message (author or admin).
#[server(prefix = "/rpc")]
pub async fn delete_message(id: Uuid) -> Result<(), ErrorDetail> {
    let auth = require_caller()?;
    services()?.messages.delete(auth, id).await.map_err(fail)
}

/// Toggles the user's reaction.
#[server(prefix = "/rpc")]
pub async fn toggle_reaction(id: Uuid, emoji: String) -> Result<Vec<Reaction>, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .messages
        .toggle_reaction(auth, id, &emoji)
        .await
        .map_err(fail)
}

/// Moves the user's read marker.
#[server(prefix = "/rpc")]
pub async fn mark_read(room: Uuid, seq: i64) -> Result<i64, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .messages
        .mark_read(auth, room, seq)
        .await
        .map_err(fail)
}

/// Replaces the text of the user's own message.
#[server(prefix = "/rpc")]
pub async fn edit_message(id: Uuid, body: String) -> Result<Message, ErrorDetail> {
    let auth = require_caller()?;
    let req = crate::model::message::EditMessage { body };
    services()?.messages.edit(auth, id, req).await.map_err(fail)
}
