//! The WebSocket frame protocol (see docs/realtime.md): JSON text frames tagged by `type`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{event::RoomEvent, message::Message, notification::Notification};

/// Whether someone is around.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceStatus {
    /// A tab is open and in use.
    Online,
    /// Tabs are open but hidden or idle.
    Away,
    /// No live connection.
    Offline,
}

impl PresenceStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PresenceStatus::Online => "online",
            PresenceStatus::Away => "away",
            PresenceStatus::Offline => "offline",
        }
    }

    /// How the UI says it.
    pub fn label(self) -> &'static str {
        match self {
            PresenceStatus::Online => "Online",
            PresenceStatus::Away => "Away",
            PresenceStatus::Offline => "Offline",
        }
    }
}

/// Where a client is in a room's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomCursor {
    /// The room.
    pub room_id: Uuid,
    /// The newest seq the client has; 0 for none.
    #[serde(default)]
    pub last_seq: i64,
}

/// Frames a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Start (or resume) receiving rooms' events; replays everything after `last_seq` first.
    Subscribe {
        /// Rooms and cursors.
        rooms: Vec<RoomCursor>,
    },
    /// Stop receiving rooms' events.
    Unsubscribe {
        /// Rooms.
        room_ids: Vec<Uuid>,
    },
    /// Sends a message; answered by `ack` (or `error` with the same `client_id`).
    Send {
        /// Room.
        room_id: Uuid,
        /// Text.
        body: String,
        /// Idempotency key; also echoed in the answer.
        client_id: String,
        /// Replied-to message.
        #[serde(default)]
        reply_to: Option<Uuid>,
    },
    /// The user is typing in a room.
    Typing {
        /// Room.
        room_id: Uuid,
    },
    /// Moves the read marker.
    Read {
        /// Room.
        room_id: Uuid,
        /// Newest seq read.
        seq: i64,
    },
    /// The user's status in this tab (sent when the tab is hidden or shown again).
    Presence {
        /// `online` or `away`.
        status: PresenceStatus,
    },
    /// Keep-alive; answered by `pong`.
    Ping {
        /// Echoed back.
        #[serde(default)]
        nonce: Option<String>,
    },
}

/// Frames the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Something happened in a subscribed room.
    Event {
        /// The event.
        event: RoomEvent,
    },
    /// A subscription is live: everything up to `last_seq` was sent.
    Subscribed {
        /// Room.
        room_id: Uuid,
        /// Newest seq sent so far.
        last_seq: i64,
    },
    /// A `send` was stored.
    Ack {
        /// The client's key.
        client_id: String,
        /// The stored message.
        message: Message,
    },
    /// Someone is typing.
    Typing {
        /// Room.
        room_id: Uuid,
        /// Who.
        user_id: Uuid,
    },
    /// Someone in a subscribed room came, went or stepped away.
    Presence {
        /// Who.
        user_id: Uuid,
        /// Their status across all their connections.
        status: PresenceStatus,
    },
    /// The read marker moved.
    ReadMarker {
        /// Room.
        room_id: Uuid,
        /// The marker.
        last_read_seq: i64,
    },
    /// The client no longer receives a room (removed, banned, left or the room was deleted).
    Unsubscribed {
        /// Room.
        room_id: Uuid,
        /// Why, e.g. `not_a_member`.
        reason: String,
    },
    /// A frame failed; the connection stays open.
    Error {
        /// Machine-readable code, as in the REST API.
        code: String,
        /// Human-readable message.
        message: String,
        /// The `client_id` of the failed `send`, if it was one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// A notification was stored for the user; sent to every connection of theirs.
    Notification {
        /// The notification.
        notification: Notification,
        /// The user's stored unread count right after it was stored.
        unread_count: i64,
        /// Whether to alert (sound, browser notification); false under do not disturb.
        alert: bool,
    },
    /// The user's unread count changed without a new notification (read or deleted, maybe
    /// in another tab); sent to every connection of theirs.
    NotificationCount {
        /// The stored unread count.
        unread_count: i64,
    },
    /// Answer to `ping`.
    Pong {
        /// The ping's nonce.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nonce: Option<String>,
    },
}

/// The bus topic of frames meant for every connection of one user (notifications), as
/// opposed to `room.<id>` topics that only subscribers of a room receive.
pub fn user_topic(user_id: Uuid) -> String {
    format!("user.{user_id}")
}

/// The bus topic of presence changes of a room's members: a user's status is published on
/// the topics of the rooms they are in, so only instances following one of them receive it.
pub fn presence_topic(room_id: Uuid) -> String {
    format!("presence.{room_id}")
}
