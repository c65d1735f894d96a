//! A room's messages in seq order plus the user's sends still in flight. Pure state, so the
//! merge rules (dedupe by id, order by seq, pending until confirmed) are unit-tested.

use uuid::Uuid;

use crate::model::{event::RoomEvent, message::Message};

/// A message the user sent that the server has not confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Idempotency key, reused by a retry.
    pub client_id: String,
    /// Text.
    pub body: String,
    /// Whether the last attempt failed (the UI offers a retry).
    pub failed: bool,
}

/// What a room view shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Confirmed messages, ascending by seq, each once.
    pub messages: Vec<Message>,
    /// Own sends in flight or failed.
    pub pending: Vec<Pending>,
}

impl Timeline {
    /// A timeline starting from a page of history.
    pub fn from_history(messages: Vec<Message>) -> Self {
        let mut t = Timeline::default();
        for m in messages {
            t.insert(m);
        }
        t
    }

    /// The newest seq held (0 when empty): where catching up resumes.
    pub fn last_seq(&self) -> i64 {
        self.messages.last().map_or(0, |m| m.seq)
    }

    /// Adds or replaces a message, keeping seq order; confirms a matching pending send.
    pub fn insert(&mut self, message: Message) {
        if let Some(client_id) = &message.client_id {
            self.pending.retain(|p| &p.client_id != client_id);
        }
        match self.messages.binary_search_by_key(&message.seq, |m| m.seq) {
            Ok(i) => self.messages[i] = message,
            Err(i) => self.messages.insert(i, message),
        }
    }

    /// Applies a live event.
    pub fn apply(&mut self, event: RoomEvent) {
        match event {
            RoomEvent::MessageCreated { message } | RoomEvent::MessageEdited { message } => {
                self.insert(message)
            }
            RoomEvent::MessageDeleted { message_id, .. } => {
                if let Some(m) = self.messages.iter_mut().find(|m| m.id == message_id) {
                    m.deleted = true;
                    m.body.clear();
                    m.reactions.clear();
                }
            }
            RoomEvent::ReactionsChanged {
                message_id,
                reactions,
                ..
            } => {
                if let Some(m) = self.messages.iter_mut().find(|m| m.id == message_id) {
                    m.reactions = reactions;
                }
            }
            RoomEvent::Typing { .. } => {}
        }
    }

    /// Starts (or restarts) a send.
    pub fn begin_send(&mut self, client_id: &str, body: &str) {
        match self.pending.iter_mut().find(|p| p.client_id == client_id) {
            Some(p) => p.failed = false,
            None => self.pending.push(Pending {
                client_id: client_id.to_owned(),
                body: body.to_owned(),
                failed: false,
            }),
        }
    }

    /// Marks a send as failed.
    pub fn fail_send(&mut self, client_id: &str) {
        if let Some(p) = self.pending.iter_mut().find(|p| p.client_id == client_id) {
            p.failed = true;
        }
    }

    /// Whether a message id is already shown.
    pub fn contains(&self, id: Uuid) -> bool {
        self.messages.iter().any(|m| m.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn msg(seq: i64, client_id: Option<&str>) -> Message {
        Message {
            id: Uuid::new_v4(),
            room_id: Uuid::nil(),
            seq,
            sender: None,
            body: format!("m{seq}"),
            reply_to: None,
            client_id: client_id.map(str::to_owned),
            mentions: vec![],
            reactions: vec![],
            created_at: Utc::now(),
            edited_at: None,
            deleted: false,
        }
    }

    #[test]
    fn merges_in_seq_order_without_duplicates() {
        let mut t = Timeline::from_history(vec![msg(2, None), msg(1, None)]);
        let three = msg(3, None);
        t.apply(RoomEvent::MessageCreated {
            message: three.clone(),
        });
        t.apply(RoomEvent::MessageCreated {
            message: three.clone(),
        });
        t.insert(msg(5, None));
        t.insert(msg(4, None));
        assert_eq!(
            t.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        assert_eq!(t.last_seq(), 5);
        t.apply(RoomEvent::MessageDeleted {
            room_id: Uuid::nil(),
            message_id: three.id,
            seq: 3,
        });
        assert!(t.messages[2].deleted && t.messages[2].body.is_empty());
    }

    #[test]
    fn pending_sends_are_confirmed_by_their_client_id() {
        let mut t = Timeline::default();
        t.begin_send("k1", "hello");
        t.fail_send("k1");
        assert!(t.pending[0].failed);
        t.begin_send("k1", "hello");
        assert!(!t.pending[0].failed);
        t.insert(msg(1, Some("k1")));
        assert!(t.pending.is_empty());
        assert_eq!(t.messages.len(), 1);
    }
}
