//! Rooms as the API and UI see them: group rooms (public or private), direct messages,
//! participants with roles, invitations, invite links and bans.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::user::PublicUser;

/// Longest room name, in characters.
pub const ROOM_NAME_MAX: usize = 80;
/// Longest room description, in characters.
pub const ROOM_DESCRIPTION_MAX: usize = 1000;
/// Shortest and longest lifetime of an invite link, in seconds (a minute to 30 days).
pub const INVITE_LINK_TTL: (i64, i64) = (60, 30 * 24 * 3600);
/// Fewest and most uses an invite link may be limited to.
pub const INVITE_LINK_USES: (i32, i32) = (1, 10_000);
/// Longest directory search text, in characters after trimming.
pub const DIRECTORY_SEARCH_MAX: usize = 100;
/// Longest slow-mode interval, in seconds (6 hours).
pub const SLOW_MODE_MAX: u32 = 6 * 60 * 60;

/// Group room or one-to-one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    /// A named room with roles.
    Group,
    /// A direct conversation between two users.
    Direct,
}

/// What a participant may do in a room, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Ordinary participant.
    Member,
    /// Moderator: edits the room, removes and bans members.
    Admin,
    /// Owner: everything, including roles and deleting the room.
    Owner,
}

impl Role {
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// Parses the database spelling.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "member" => Some(Role::Member),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

/// Who may post in a room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PostPolicy {
    /// Every participant.
    #[default]
    Everyone,
    /// Owners and admins only (announcement rooms).
    Admins,
}

/// Per-room behaviour, stored as a JSON object; unknown keys are rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RoomSettings {
    /// Who may post.
    pub who_can_post: PostPolicy,
    /// Seconds a member must wait between messages (0 = off, at most 21600).
    pub slow_mode_seconds: u32,
    /// Whether senders may edit their messages.
    pub allow_editing: bool,
    /// How long after sending a message may be edited, in seconds (0 = no limit).
    pub edit_window_seconds: u32,
}

impl Default for RoomSettings {
    fn default() -> Self {
        Self {
            who_can_post: PostPolicy::Everyone,
            slow_mode_seconds: 0,
            allow_editing: true,
            edit_window_seconds: 0,
        }
    }
}

/// A room as seen by someone allowed to see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Room {
    /// Identifier.
    pub id: Uuid,
    /// Name (for direct rooms: the other person's display name, for the caller).
    pub name: String,
    /// Topic or description.
    pub description: String,
    /// Invite-only (always true for direct rooms).
    pub is_private: bool,
    /// Group or direct.
    pub kind: RoomKind,
    /// Seat limit, if any.
    pub max_participants: Option<i32>,
    /// Picture.
    pub avatar_url: Option<String>,
    /// Behaviour settings.
    pub settings: RoomSettings,
    /// Who created it (None once that account is gone).
    pub creator_id: Option<Uuid>,
    /// How many participants it has.
    pub participant_count: i32,
    /// Sequence number of the newest message.
    pub last_seq: i64,
    /// The caller's role, when the caller participates.
    pub my_role: Option<Role>,
    /// Creation time.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub created_at: DateTime<Utc>,
}

/// A public room in the directory or a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoomSummary {
    /// Identifier.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Picture.
    pub avatar_url: Option<String>,
    /// How many participants it has.
    pub participant_count: i32,
    /// Creator's username, if the account still exists.
    pub creator_username: Option<String>,
    /// Creation time.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub created_at: DateTime<Utc>,
}

/// The newest message of a room, for the sidebar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MessagePreview {
    /// Sender's display name.
    pub sender_name: Option<String>,
    /// First characters of the body.
    pub text: String,
    /// When it was sent.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub created_at: DateTime<Utc>,
}

/// One of the caller's rooms, with what the sidebar shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MyRoom {
    /// Identifier.
    pub id: Uuid,
    /// Room name, or for direct rooms the other person's display name.
    pub name: String,
    /// Group or direct.
    pub kind: RoomKind,
    /// Invite-only.
    pub is_private: bool,
    /// The caller's role.
    pub role: Role,
    /// Whether the caller muted it.
    pub muted: bool,
    /// Messages after the caller's read marker.
    pub unread_count: i64,
    /// Newest message, if any.
    pub last_message: Option<MessagePreview>,
    /// For direct rooms: the other person.
    pub peer: Option<PublicUser>,
}

/// A participant and their role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Participant {
    /// The user.
    pub user: PublicUser,
    /// Their role.
    pub role: Role,
    /// When they joined.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub joined_at: DateTime<Utc>,
}

/// Creates a group room; the creator becomes its owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateRoom {
    /// Name, 1–80 characters.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::room_name))]
    pub name: String,
    /// Description, at most 1000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::room_description))]
    pub description: String,
    /// Invite-only.
    #[serde(default)]
    pub is_private: bool,
    /// Seat limit (2–100000).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::max_participants_opt))]
    pub max_participants: Option<i32>,
    /// Picture URL.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::url_opt))]
    pub avatar_url: Option<String>,
    /// Settings; omitted keys take their defaults.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::settings_patch_opt))]
    pub settings: Option<serde_json::Value>,
}

/// A partial room change; absent fields are kept. `max_participants: 0` removes the limit and
/// an empty `avatar_url` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateRoom {
    /// New name.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::room_name_opt))]
    pub name: Option<String>,
    /// New description.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::room_description_opt))]
    pub description: Option<String>,
    /// New seat limit (0 = none).
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::max_participants_change))]
    pub max_participants: Option<i32>,
    /// New picture URL ("" clears).
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::url_opt))]
    pub avatar_url: Option<String>,
    /// Settings keys to change; others are kept.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::settings_patch_opt))]
    pub settings: Option<serde_json::Value>,
}

/// A role change. Giving `owner` transfers ownership: the caller becomes an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// The new role.
    pub role: Role,
}

/// Bans a participant (or anyone, pre-emptively).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BanRequest {
    /// Who.
    pub user_id: Uuid,
    /// Why (shown to moderators), at most 500 characters.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::ban_reason_opt))]
    pub reason: Option<String>,
}

/// A ban.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Ban {
    /// The banned user.
    pub user: PublicUser,
    /// Moderator who banned them.
    pub banned_by: Option<Uuid>,
    /// Reason given.
    pub reason: Option<String>,
    /// When.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub created_at: DateTime<Utc>,
}

/// Invites someone by username or email.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// Username or email address of the invitee.
    pub user: String,
}

/// State of an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    /// Waiting for the invitee.
    Pending,
    /// The invitee joined.
    Accepted,
    /// The invitee said no.
    Declined,
    /// Withdrawn by the inviter or an admin.
    Revoked,
}

/// An invitation to a private room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Invitation {
    /// Identifier.
    pub id: Uuid,
    /// The room.
    pub room_id: Uuid,
    /// The room's name.
    pub room_name: String,
    /// Who invited.
    pub inviter: Option<PublicUser>,
    /// Who is invited.
    pub invitee: PublicUser,
    /// State.
    pub status: InvitationStatus,
    /// When.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub created_at: DateTime<Utc>,
}

/// Creates an invite link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateInviteLink {
    /// Lifetime in seconds (60 to 30 days); none = no expiry.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::link_ttl_opt))]
    pub expires_in_seconds: Option<i64>,
    /// How many people may use it (1–10000); none = unlimited.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::link_uses_opt))]
    pub max_uses: Option<i32>,
}

/// An invite link; `code` is only returned when the link is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InviteLink {
    /// Identifier (for revoking).
    pub id: Uuid,
    /// The room.
    pub room_id: Uuid,
    /// Secret code for `POST /invite-links/{code}/join`; present only in the creation response.
    pub code: Option<String>,
    /// Expiry.
    #[cfg_attr(
        feature = "hydrate",
        serde(default, deserialize_with = "crate::model::wire_time::utc_opt")
    )]
    pub expires_at: Option<DateTime<Utc>>,
    /// Use limit.
    pub max_uses: Option<i32>,
    /// Times used.
    pub uses: i32,
    /// Creation time.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub created_at: DateTime<Utc>,
}

impl RoomSettings {
    /// These settings with the keys of `patch` applied; unknown keys or wrong types are errors.
    pub fn merged(&self, patch: &serde_json::Value) -> Result<RoomSettings, String> {
        let serde_json::Value::Object(changes) = patch else {
            return Err("Settings must be a JSON object.".to_owned());
        };
        let mut current = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        for (key, value) in changes {
            if !current.contains_key(key) {
                return Err(format!(
                    "Unknown setting {key:?}; known settings are who_can_post, slow_mode_seconds, \
                     allow_editing and edit_window_seconds."
                ));
            }
            current.insert(key.clone(), value.clone());
        }
        let merged: RoomSettings = serde_json::from_value(serde_json::Value::Object(current))
            .map_err(|e| format!("Invalid settings: {e}."))?;
        if merged.slow_mode_seconds > SLOW_MODE_MAX {
            return Err(format!(
                "slow_mode_seconds must be between 0 and {SLOW_MODE_MAX}."
            ));
        }
        Ok(merged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_merge_validates_keys_and_types() {
        let base = RoomSettings::default();
        let s = base
            .merged(&json!({"who_can_post": "admins", "slow_mode_seconds": 30}))
            .expect("valid");
        assert_eq!(s.who_can_post, PostPolicy::Admins);
        assert_eq!(s.slow_mode_seconds, 30);
        assert!(s.allow_editing);
        assert!(base.merged(&json!({"colour": "red"})).is_err());
        assert!(base.merged(&json!({"slow_mode_seconds": "fast"})).is_err());
        assert!(base.merged(&json!({"slow_mode_seconds": -1})).is_err());
        assert!(base.merged(&json!({"slow_mode_seconds": 999_999})).is_err());
        assert!(base.merged(&json!({"who_can_post": "robots"})).is_err());
        assert!(base.merged(&json!([1, 2])).is_err());
    }

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Owner > Role::Admin && Role::Admin > Role::Member);
        for r in [Role::Owner, Role::Admin, Role::Member] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
