//! Messages as the API and UI see them, and the requests that create and change them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::user::PublicUser;

/// Longest message body, in characters after trimming.
pub const MESSAGE_MAX: usize = 4000;
/// Longest client id of a send, in characters after trimming.
pub const CLIENT_ID_MAX: usize = 64;
/// Longest reaction emoji, in characters.
pub const EMOJI_MAX: usize = 32;
/// Longest search query, in characters after trimming.
pub const SEARCH_QUERY_MAX: usize = 200;
/// Most messages one history page returns.
pub const HISTORY_MAX: i64 = 100;
/// Messages in a history page when the caller does not say.
pub const HISTORY_DEFAULT: i64 = 50;

/// A message; deleted ones are tombstones with an empty body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Message {
    /// Identifier.
    pub id: Uuid,
    /// The room.
    pub room_id: Uuid,
    /// Position in the room: gapless, increasing, the order everywhere.
    pub seq: i64,
    /// Who sent it (None once the account is gone).
    pub sender: Option<PublicUser>,
    /// Text (markdown-lite); empty once deleted.
    pub body: String,
    /// The message this replies to.
    pub reply_to: Option<Uuid>,
    /// The sender's idempotency key.
    pub client_id: Option<String>,
    /// Users mentioned with @username.
    pub mentions: Vec<Uuid>,
    /// Reactions, by emoji.
    pub reactions: Vec<Reaction>,
    /// When it was sent.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub created_at: DateTime<Utc>,
    /// When it was last edited.
    #[cfg_attr(
        feature = "hydrate",
        serde(default, deserialize_with = "crate::model::wire_time::utc_opt")
    )]
    pub edited_at: Option<DateTime<Utc>>,
    /// Whether it was deleted.
    pub deleted: bool,
}

/// What a room view opens with: a page of messages and where the caller stopped reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationStart {
    /// A contiguous page of messages in seq order.
    pub messages: Vec<Message>,
    /// The caller's read marker (None when the caller does not participate).
    pub last_read_seq: Option<i64>,
    /// The room's newest seq when the page was read.
    pub last_seq: i64,
}

/// How many people reacted with one emoji, and whether the caller did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Reaction {
    /// The emoji.
    pub emoji: String,
    /// How many users reacted with it.
    pub count: i64,
    /// Who they are.
    pub user_ids: Vec<Uuid>,
}

/// Sends a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// Text, 1–4000 characters after trimming.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::message_body))]
    pub body: String,
    /// Client-chosen key (1–64 characters): a retried send with the same key returns the
    /// stored message instead of creating another.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::client_id_opt))]
    pub client_id: Option<String>,
    /// A message of the same room this replies to.
    #[serde(default)]
    pub reply_to: Option<Uuid>,
}

/// Replaces a message's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EditMessage {
    /// New text, 1–4000 characters after trimming.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::message_body))]
    pub body: String,
}

/// Toggles the caller's reaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReactionToggle {
    /// One emoji (1–32 characters).
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::emoji))]
    pub emoji: String,
}

/// Moves the caller's read marker forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReadMarker {
    /// The newest seq the caller has seen (0 or more).
    #[cfg_attr(feature = "ssr", schema(minimum = 0))]
    pub seq: i64,
}

/// A search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// The matching message.
    pub message: Message,
    /// Its room's name.
    pub room_name: String,
}

/// `@username` mentions in a body, lower-cased and without duplicates, in order.
pub fn parse_mentions(body: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if chars[i] == '@' && starts_word {
            let name: String = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                .collect();
            let name = name.trim_end_matches(['.', '-']).to_ascii_lowercase();
            if (3..=32).contains(&name.len()) && !found.contains(&name) {
                found.push(name.clone());
            }
            i += 1 + name.len();
        } else {
            i += 1;
        }
    }
    found.truncate(20);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_words_starting_with_at() {
        assert_eq!(
            parse_mentions("hi @Ada and @bob.smith."),
            ["ada", "bob.smith"]
        );
        assert_eq!(
            parse_mentions("mail me at x@example.com"),
            Vec::<String>::new()
        );
        assert_eq!(parse_mentions("@ada @ADA @ab"), ["ada"]);
        assert!(parse_mentions("").is_empty());
    }
}
