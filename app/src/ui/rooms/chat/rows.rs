//! The rows of the message list: messages with day separators and the "new messages"
//! divider between them. Each row has a key that changes whenever its rendering would, so a
//! keyed list re-renders only what changed and keeps every other node (and the scroll) still.

use std::fmt::Write;

use super::clock::Day;
use crate::model::message::Message;

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// The first message of a day follows.
    Day(Day),
    /// The first message the user had not read when the room opened follows.
    Unread,
    /// A message.
    Message(Box<Message>),
}

impl Row {
    /// Identity plus revision of the row.
    pub fn key(&self) -> String {
        match self {
            Row::Day(day) => format!("day-{}", day.key),
            Row::Unread => "unread".to_owned(),
            Row::Message(m) => {
                let mut key = format!(
                    "{}-{}-{}",
                    m.id,
                    m.edited_at.map_or(0, |t| t.timestamp_millis()),
                    m.deleted
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
/// divider before the message with seq `unread_from`.
pub fn rows(
    messages: &[Message],
    unread_from: Option<i64>,
    day_of: impl Fn(&Message) -> Day,
) -> Vec<Row> {
    let mut rows = Vec::with_capacity(messages.len() + 4);
    let mut current_day = None;
    for m in messages {
        let day = day_of(m);
        if current_day != Some(day.key) {
            current_day = Some(day.key);
            rows.push(Row::Day(day));
        }
        if unread_from == Some(m.seq) {
            rows.push(Row::Unread);
        }
        rows.push(Row::Message(Box::new(m.clone())));
    }
    rows
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
                Row::Message(m) => m.seq.to_string(),
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
        let key = Row::Message(Box::new(m.clone())).key();
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
            assert_ne!(Row::Message(Box::new(other)).key(), key);
        }
        assert_eq!(Row::Message(Box::new(m)).key(), key);
    }
}
