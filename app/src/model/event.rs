//! Realtime events about a room, published on the bus after their cause commits and relayed
//! to subscribed clients.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    message::{Message, Reaction},
    room::Role,
};

/// How someone's membership of a room changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum MemberChange {
    /// Joined (by themselves, an invitation or a link).
    Joined,
    /// Left by themselves.
    Left,
    /// Removed by an admin.
    Removed,
    /// Banned by an admin.
    Banned,
    /// Given another role.
    RoleChanged {
        /// The new role.
        role: Role,
    },
}

/// Something that happened in a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RoomEvent {
    /// A new message.
    MessageCreated {
        /// The message.
        message: Message,
    },
    /// A message's text changed.
    MessageEdited {
        /// The message as it is now.
        message: Message,
    },
    /// A message became a tombstone.
    MessageDeleted {
        /// The room.
        room_id: Uuid,
        /// The message.
        message_id: Uuid,
        /// Its seq.
        seq: i64,
    },
    /// Someone is typing (ephemeral: never stored).
    Typing {
        /// The room.
        room_id: Uuid,
        /// Who.
        user_id: Uuid,
    },
    /// A message's reactions changed.
    ReactionsChanged {
        /// The room.
        room_id: Uuid,
        /// The message.
        message_id: Uuid,
        /// All its reactions now.
        reactions: Vec<Reaction>,
    },
    /// Someone joined or left, was removed or banned, or got another role.
    MemberChanged {
        /// The room.
        room_id: Uuid,
        /// Whose membership.
        user_id: Uuid,
        /// What happened.
        #[serde(flatten)]
        change: MemberChange,
    },
}

impl RoomEvent {
    /// The room the event belongs to.
    pub fn room_id(&self) -> Uuid {
        match self {
            RoomEvent::MessageCreated { message } | RoomEvent::MessageEdited { message } => {
                message.room_id
            }
            RoomEvent::MessageDeleted { room_id, .. }
            | RoomEvent::Typing { room_id, .. }
            | RoomEvent::ReactionsChanged { room_id, .. }
            | RoomEvent::MemberChanged { room_id, .. } => *room_id,
        }
    }

    /// The bus topic of a room's events.
    pub fn topic(room_id: Uuid) -> String {
        format!("room.{room_id}")
    }
}
