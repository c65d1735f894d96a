//! The rows of the message list: messages with day separators and the "new messages"
//! divider between them, and which messages continue their author's group. Each row has a key that changes whenever its rendering would, so a
//! keyed list re-renders only what changed and keeps every other node (and the scroll) still.

use std::fmt::Write;

use chrono::Duration;

use super::clock::Day;
use crate::model::message::Message;

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// The first message of a day follows.
    Day(Day),
    /// The first message the user had not read when the room opened follows.
    Unread,
    /// A message, and whether it continues the group above it (same author, a few minutes
    /// later), so it is shown without its author's name and picture.
    Message(Box<Message>, bool),
}

/// Consecutive messages of one author this close together form one group, as in Slack.
const GROUP_WITHIN: Duration = Duration::minutes(5);

impl Row {
    /// Identity plus revision of the row.
    pub fn key(&self) -> String {
        match self {
            Row::Day(day) => format!("day-{}", day.key),
            Row::Unread => "unread".to_owned(),
            Row::Message(m, continued) => {
                let mut key = format!(
                    "{}-{}-{}-{}",
                    m.id,
                    m.edited_at.map_or(0, |t| t.timestamp_millis()),
                    m.deleted,
                    continued
                );
                for r in &m.reactions {
                    let _ = write!(key, "-{}{}", r.emoji, r.count);
                    for u in &r.user_ids {
                        let _ = write!(key, ".{}", u.as_simple());
                    }
                }
                key
            }
        }
    }
}

/// Rows for `messages` (seq order): a day separator wherever the day changes and the unread
/// divider before the message with seq `unread_from`. A message continues the group above it
/// when nothing separates them, both are from the same author within [`GROUP_WITHIN`], and it
/// is not a reply (whose quote needs the header).
pub fn rows(
    messages: &[Message],
    unread_from: Option<i64>,
    day_of: impl Fn(&Message) -> Day,
) -> Vec<Row> {
    let mut rows = Vec::with_capacity(messages.len() + 4);
    let mut current_day = None;
    let mut previous: Option<&Message> = None;
    for m in messages {
        let day = day_of(m);
        if current_day != Some(day.key) {
            current_day = Some(day.key);
            rows.push(Row::Day(day));
            previous = None;
        }
        if unread_from == Some(m.seq) {
            rows.push(Row::Unread);
            previous = None;
        }
        let continued = previous.is_some_and(|p| continues(p, m));
        rows.push(Row::Message(Box::new(m.clone()), continued));
        previous = Some(m);
    }
    rows
}

fn continues(previous: &Message, m: &Message) -> bool {
    let same_author = match (&previous.sender, &m.sender) {
        (Some(a), Some(b)) => a.id == b.id,
        _ => false,
    };
    same_author
        && m.reply_to.is_none()
        && !previous.deleted
        && !m.deleted
        && m.created_at >= previous.created_at
        && m.created_at - previous.created_at <= GROUP_WITHIN
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::model::message::Reaction;

    fn msg(seq: i64, day: u32) -> Message {
        Message {
            id: Uuid::new_v4(),
            room_id: Uuid::nil(),
            seq,
            sender: None,
            body: format!("m{seq}"),
            reply_to: None,
            client_id: None,
            mentions: vec![],
            reactions: vec![],
            created_at: Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap(),
            edited_at: None,
            deleted: false,
        }
    }

    fn day(m: &Message) -> Day {
        super::super::clock::day_of(m.created_at)
    }

    fn shape(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| match r {
                Row::Day(d) => format!("day {}", d.key),
                Row::Unread => "unread".to_owned(),
                Row::Message(m, false) => m.seq.to_string(),
                Row::Message(m, true) => format!("{}+", m.seq),
            })
            .collect()
    }

    #[test]
    fn separators_mark_new_days_and_the_first_unread_message() {
        let messages = vec![msg(1, 23), msg(2, 23), msg(3, 24), msg(4, 24)];
        assert_eq!(
            shape(&rows(&messages, Some(4), day)),
            ["day 20261123", "1", "2", "day 20261124", "3", "unread", "4"]
        );
        assert_eq!(
            shape(&rows(&messages, None, day)),
            ["day 20261123", "1", "2", "day 20261124", "3", "4"]
        );
        assert!(rows(&[], Some(1), day).is_empty());
    }

    #[test]
    fn a_key_changes_with_every_visible_change_of_a_message() {
        let m = msg(1, 23);
        let key = Row::Message(Box::new(m.clone()), false).key();
        let mut edited = m.clone();
        edited.edited_at = Some(Utc::now());
        let mut deleted = m.clone();
        deleted.deleted = true;
        let mut reacted = m.clone();
        reacted.reactions.push(Reaction {
            emoji: "👍".into(),
            count: 1,
            user_ids: vec![Uuid::nil()],
        });
        for other in [edited, deleted, reacted] {
            assert_ne!(Row::Message(Box::new(other), false).key(), key);
        }
        assert_ne!(Row::Message(Box::new(m.clone()), true).key(), key);
        assert_eq!(Row::Message(Box::new(m), false).key(), key);
    }

    fn by(m: Message, author: u128, minute: u32) -> Message {
        Message {
            sender: Some(crate::model::user::PublicUser {
                id: Uuid::from_u128(author),
                username: format!("u{author}"),
                display_name: format!("U{author}"),
                avatar_url: None,
            }),
            created_at: Utc.with_ymd_and_hms(2026, 11, 23, 12, minute, 0).unwrap(),
            ..m
        }
    }

    #[test]
    fn one_authors_messages_a_few_minutes_apart_form_a_group() {
        let mut reply = by(msg(5, 23), 2, 8);
        reply.reply_to = Some(Uuid::nil());
        let messages = vec![
            by(msg(1, 23), 1, 0),
            by(msg(2, 23), 1, 4),
            // Another author breaks the group; so do a gap over 5 minutes and a reply.
            by(msg(3, 23), 2, 5),
            by(msg(4, 23), 2, 7),
            reply,
            by(msg(6, 23), 2, 20),
            by(msg(7, 23), 2, 21),
            by(msg(8, 23), 2, 22),
        ];
        assert_eq!(
            shape(&rows(&messages, Some(8), day)),
            [
                "day 20261123",
                "1",
                "2+",
                "3",
                "4+",
                "5",
                "6",
                "7+",
                "unread",
                "8"
            ]
        );
        // Messages of deleted accounts never group.
        let anonymous = vec![msg(1, 23), msg(2, 23)];
        assert_eq!(
            shape(&rows(&anonymous, None, day)),
            ["day 20261123", "1", "2"]
        );
    }
}
