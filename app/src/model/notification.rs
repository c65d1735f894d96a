//! Notifications as the API and UI see them: kinds, their typed payload, pages of them, and
//! the preferences that decide which ones a user gets.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{room::Role, user::PublicUser};

/// Longest message excerpt a notification carries, in characters.
pub const EXCERPT_MAX: usize = 140;
/// Most notifications one page returns.
pub const PAGE_MAX: i64 = 100;
/// Notifications per page unless the client asks otherwise.
pub const PAGE_DEFAULT: i64 = 20;
/// How far ahead do not disturb may be scheduled to end, in days.
pub const DND_MAX_DAYS: i64 = 366;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// Someone invited the user to a private room.
    RoomInvitation,
    /// Someone accepted the user's invitation.
    InvitationAccepted,
    /// Someone wrote `@username` in a room the user is in.
    Mention,
    /// Someone replied to the user's message.
    Reply,
    /// Someone wrote to the user in a direct conversation.
    DirectMessage,
    /// An admin removed the user from a room.
    RemovedFromRoom,
    /// An admin banned the user from a room.
    BannedFromRoom,
    /// The owner gave the user another role in a room.
    RoleChanged,
}

impl NotificationKind {
    /// Every kind, in the order settings list them.
    pub const ALL: [NotificationKind; 8] = [
        NotificationKind::Mention,
        NotificationKind::Reply,
        NotificationKind::DirectMessage,
        NotificationKind::RoomInvitation,
        NotificationKind::InvitationAccepted,
        NotificationKind::RoleChanged,
        NotificationKind::RemovedFromRoom,
        NotificationKind::BannedFromRoom,
    ];

    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::RoomInvitation => "room_invitation",
            NotificationKind::InvitationAccepted => "invitation_accepted",
            NotificationKind::Mention => "mention",
            NotificationKind::Reply => "reply",
            NotificationKind::DirectMessage => "direct_message",
            NotificationKind::RemovedFromRoom => "removed_from_room",
            NotificationKind::BannedFromRoom => "banned_from_room",
            NotificationKind::RoleChanged => "role_changed",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<NotificationKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How settings name the kind.
    pub fn label(self) -> &'static str {
        match self {
            NotificationKind::RoomInvitation => "Invitations to rooms",
            NotificationKind::InvitationAccepted => "Accepted invitations",
            NotificationKind::Mention => "Mentions",
            NotificationKind::Reply => "Replies to my messages",
            NotificationKind::DirectMessage => "Direct messages",
            NotificationKind::RemovedFromRoom => "Removed from a room",
            NotificationKind::BannedFromRoom => "Banned from a room",
            NotificationKind::RoleChanged => "Role changes",
        }
    }

    /// Whether a message causes it (these follow the room's level).
    pub fn is_message(self) -> bool {
        matches!(
            self,
            NotificationKind::Mention | NotificationKind::Reply | NotificationKind::DirectMessage
        )
    }
}

/// A room a notification points at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoomRef {
    /// Room id.
    pub id: Uuid,
    /// Its name when the notification was made (for direct rooms: the other person's name).
    pub name: String,
}

/// What a notification shows and where it leads; fields a kind has no use for are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct NotificationPayload {
    /// The room concerned.
    pub room: RoomRef,
    /// Who caused it (None when their account is gone).
    pub actor: Option<PublicUser>,
    /// Message kinds: the start of the message, at most 140 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// Message kinds: the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Uuid>,
    /// Message kinds: its seq in the room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// Invitation kinds: the invitation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<Uuid>,
    /// `role_changed`: the new role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Path in the app to open, e.g. `/rooms/{id}?at={seq}` or `/invitations`.
    pub link: String,
}

/// One stored notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Notification {
    /// Identifier.
    pub id: Uuid,
    /// What it is about.
    pub kind: NotificationKind,
    /// What it shows and where it leads.
    pub payload: NotificationPayload,
    /// When the user read it (None while unread).
    #[cfg_attr(
        feature = "hydrate",
        serde(default, deserialize_with = "crate::model::wire_time::utc_opt")
    )]
    pub read_at: Option<DateTime<Utc>>,
    /// When it was made.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub created_at: DateTime<Utc>,
}

/// A page of notifications, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NotificationPage {
    /// The notifications of this page.
    pub items: Vec<Notification>,
    /// Pass as `cursor` to get the next (older) page; None on the last page.
    pub next_cursor: Option<String>,
}

/// The user's stored number of unread notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UnreadCount {
    /// Unread notifications.
    pub unread_count: i64,
}

/// Which notifications a user wants. Sent whole to replace the stored preferences; missing
/// fields take their defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct NotificationPreferences {
    /// Kinds the user never wants; nothing is stored for them.
    pub disabled_kinds: Vec<NotificationKind>,
    /// Do not disturb until switched off: notifications are stored but raise no alert.
    pub do_not_disturb: bool,
    /// Do not disturb until this time (within a year), like `do_not_disturb`.
    #[cfg_attr(
        feature = "hydrate",
        serde(default, deserialize_with = "crate::model::wire_time::utc_opt")
    )]
    pub dnd_until: Option<DateTime<Utc>>,
}

impl NotificationPreferences {
    /// Whether do not disturb is on at `now`.
    pub fn dnd_active(&self, now: DateTime<Utc>) -> bool {
        self.do_not_disturb || self.dnd_until.is_some_and(|until| until > now)
    }

    /// Whether the user wants `kind` at all.
    pub fn wants(&self, kind: NotificationKind) -> bool {
        !self.disabled_kinds.contains(&kind)
    }

    /// Checks the rules and returns the stored form: kinds sorted without repeats, and an
    /// end of do not disturb that has passed dropped.
    pub fn validated(mut self, now: DateTime<Utc>) -> Result<Self, super::validation::FieldError> {
        self.disabled_kinds.sort();
        self.disabled_kinds.dedup();
        match self.dnd_until {
            Some(until) if until <= now => self.dnd_until = None,
            Some(until) if until > now + chrono::Duration::days(DND_MAX_DAYS) => {
                return Err(super::validation::FieldError::new(
                    "dnd_until",
                    "Do not disturb can be scheduled at most a year ahead.",
                ))
            }
            _ => {}
        }
        Ok(self)
    }
}

/// Which notifications a room may cause for one participant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoomNotifyLevel {
    /// Mentions, replies, direct messages and personal events (role changes, accepted invitations).
    #[default]
    All,
    /// Only `@mentions` of the user, and personal events.
    Mentions,
    /// None from this room.
    Nothing,
}

impl RoomNotifyLevel {
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomNotifyLevel::All => "all",
            RoomNotifyLevel::Mentions => "mentions",
            RoomNotifyLevel::Nothing => "nothing",
        }
    }

    /// Parses the database spelling.
    pub fn parse(s: &str) -> Option<RoomNotifyLevel> {
        match s {
            "all" => Some(RoomNotifyLevel::All),
            "mentions" => Some(RoomNotifyLevel::Mentions),
            "nothing" => Some(RoomNotifyLevel::Nothing),
            _ => None,
        }
    }
}

/// A participant's notification settings for one room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoomNotificationSettings {
    /// The room.
    pub room_id: Uuid,
    /// Its level.
    pub level: RoomNotifyLevel,
    /// Whether the room is muted (then it causes no notifications whatever the level).
    pub muted: bool,
}

/// Body of `PUT /rooms/{id}/notifications`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetRoomNotifyLevel {
    /// The new level.
    pub level: RoomNotifyLevel,
}

/// The start of a message for a notification: whitespace runs collapsed, at most
/// [`EXCERPT_MAX`] characters, with an ellipsis when cut.
pub fn excerpt(body: &str) -> String {
    let words = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.chars().count() <= EXCERPT_MAX {
        return words;
    }
    let mut cut: String = words.chars().take(EXCERPT_MAX - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_spelling() {
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).expect("serialize");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(NotificationKind::parse("nope"), None);
    }

    #[test]
    fn excerpts_are_short_and_single_line() {
        assert_eq!(excerpt("  hello \n\n world "), "hello world");
        let long = "x".repeat(500);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_MAX);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn preferences_are_normalised_and_bounded() {
        let now = Utc::now();
        let prefs = NotificationPreferences {
            disabled_kinds: vec![
                NotificationKind::Reply,
                NotificationKind::Mention,
                NotificationKind::Reply,
            ],
            do_not_disturb: false,
            dnd_until: Some(now - chrono::Duration::minutes(1)),
        }
        .validated(now)
        .expect("valid");
        assert_eq!(
            prefs.disabled_kinds,
            vec![NotificationKind::Mention, NotificationKind::Reply]
        );
        assert_eq!(prefs.dnd_until, None, "a past end means off");
        assert!(!prefs.dnd_active(now));

        let far = NotificationPreferences {
            dnd_until: Some(now + chrono::Duration::days(400)),
            ..Default::default()
        };
        assert_eq!(far.validated(now).expect_err("too far").field, "dnd_until");
        let soon = NotificationPreferences {
            dnd_until: Some(now + chrono::Duration::hours(1)),
            ..Default::default()
        };
        assert!(soon.dnd_active(now));
    }

    #[test]
    fn unknown_preference_fields_are_rejected() {
        let bad = serde_json::from_str::<NotificationPreferences>(r#"{"dnd": true}"#);
        assert!(bad.is_err());
        let partial: NotificationPreferences =
            serde_json::from_str(r#"{"do_not_disturb": true}"#).expect("defaults fill the rest");
        assert!(partial.do_not_disturb);
        assert!(partial.disabled_kinds.is_empty());
    }
}
