//! The window of a room's messages a view holds, plus the user's sends still in flight. Pure
//! state, so the merge rules (dedupe by id, order by seq, no holes, pending until confirmed,
//! bounded size) are unit-tested.
//!
//! The window is a contiguous run of seqs. While it `follows` the live end, new messages are
//! appended; a message that would leave a hole is held back and reported as a gap to fill.
//! Once the user scrolls far back the newest messages are dropped from the window and it
//! stops following; live messages then only move `newest_seq` until the user comes back.

use uuid::Uuid;

use crate::model::{event::RoomEvent, message::Message};

/// Most messages a window holds (and the DOM renders) at once.
pub const WINDOW_MAX: usize = 200;

/// A message the user sent that the server has not confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Idempotency key, reused by every retry.
    pub client_id: String,
    /// Text.
    pub body: String,
    /// The message it replies to.
    pub reply_to: Option<Uuid>,
    /// Whether the last attempt failed (the UI offers a retry; a reconnect retries it).
    pub failed: bool,
}

/// What a room view shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Confirmed messages: consecutive seqs, ascending, each once.
    pub messages: Vec<Message>,
    /// Own sends in flight or failed.
    pub pending: Vec<Pending>,
    /// The newest seq known to exist in the room.
    pub newest_seq: i64,
    /// Whether live messages are appended (the window reaches the live end).
    pub follows: bool,
}

/// What inserting a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    /// Shown (added or replaced).
    Shown,
    /// Outside the window; only remembered as existing.
    Outside,
    /// Newer than the next expected seq: messages after `after` must be fetched first.
    Gap {
        /// The newest seq held.
        after: i64,
    },
}

impl Timeline {
    /// A window from a contiguous page of history, `last_seq` being the room's newest seq.
    pub fn from_page(messages: Vec<Message>, last_seq: i64) -> Self {
        let mut messages = messages;
        messages.sort_by_key(|m| m.seq);
        messages.dedup_by_key(|m| m.seq);
        let held = messages.last().map_or(0, |m| m.seq);
        Timeline {
            messages,
            pending: Vec::new(),
            newest_seq: last_seq.max(held),
            follows: held >= last_seq,
        }
    }

    /// The oldest seq held.
    pub fn first_seq(&self) -> Option<i64> {
        self.messages.first().map(|m| m.seq)
    }

    /// The newest seq held (0 when empty).
    pub fn last_seq(&self) -> i64 {
        self.messages.last().map_or(0, |m| m.seq)
    }

    /// Where a (re)subscription resumes: everything up to here is held or known to exist.
    pub fn cursor(&self) -> i64 {
        if self.follows {
            self.last_seq()
        } else {
            self.newest_seq
        }
    }

    /// Whether older messages exist before the window (seqs start at 1 and have no holes).
    pub fn has_older(&self) -> bool {
        self.first_seq().is_some_and(|s| s > 1)
    }

    /// Whether newer messages exist after the window.
    pub fn has_newer(&self) -> bool {
        self.newest_seq > self.last_seq()
    }

    /// Adds or replaces a message; confirms a matching pending send.
    pub fn insert(&mut self, message: Message) -> Insert {
        if let Some(client_id) = &message.client_id {
            self.pending.retain(|p| &p.client_id != client_id);
        }
        let seq = message.seq;
        if let Some(i) = self.index_of(seq) {
            self.messages[i] = message;
            return Insert::Shown;
        }
        let last = self.last_seq();
        if seq < self.first_seq().unwrap_or(0) {
            return Insert::Outside;
        }
        self.newest_seq = self.newest_seq.max(seq);
        if !self.follows {
            return Insert::Outside;
        }
        if seq == last + 1 {
            self.messages.push(message);
            Insert::Shown
        } else {
            Insert::Gap { after: last }
        }
    }

    /// Applies a live event; `Gap` means messages are missing before it.
    pub fn apply(&mut self, event: RoomEvent) -> Insert {
        match event {
            RoomEvent::MessageCreated { message } | RoomEvent::MessageEdited { message } => {
                self.insert(message)
            }
            RoomEvent::MessageDeleted { seq, .. } => self.update(seq, |m| {
                m.deleted = true;
                m.body.clear();
                m.reactions.clear();
            }),
            RoomEvent::ReactionsChanged {
                message_id,
                reactions,
                ..
            } => match self.messages.iter_mut().find(|m| m.id == message_id) {
                Some(m) => {
                    m.reactions = reactions;
                    Insert::Shown
                }
                None => Insert::Outside,
            },
            RoomEvent::Typing { .. } | RoomEvent::MemberChanged { .. } => Insert::Outside,
        }
    }

    /// Adds a page of older messages in front; past [`WINDOW_MAX`] the newest are dropped and
    /// the window stops following the live end.
    pub fn prepend(&mut self, page: Vec<Message>) {
        let first = self.first_seq().unwrap_or(i64::MAX);
        let mut older: Vec<Message> = page.into_iter().filter(|m| m.seq < first).collect();
        older.sort_by_key(|m| m.seq);
        older.dedup_by_key(|m| m.seq);
        // Only a page that ends right before the window keeps it contiguous.
        if older.last().is_some_and(|m| m.seq + 1 == first) || self.messages.is_empty() {
            older.append(&mut self.messages);
            self.messages = older;
        }
        if self.messages.len() > WINDOW_MAX {
            self.messages.truncate(WINDOW_MAX);
            self.follows = false;
        }
    }

    /// Adds a page of newer messages behind; follows again once the live end is reached.
    /// Past [`WINDOW_MAX`] the oldest are dropped. Returns whether anything was added.
    pub fn append(&mut self, page: Vec<Message>) -> bool {
        let mut added = false;
        for m in page {
            self.newest_seq = self.newest_seq.max(m.seq);
            let client_id = m.client_id.clone();
            if let Some(i) = self.index_of(m.seq) {
                self.messages[i] = m;
            } else if m.seq == self.last_seq() + 1 {
                self.messages.push(m);
                added = true;
            } else {
                continue;
            }
            if let Some(client_id) = client_id {
                self.pending.retain(|p| p.client_id != client_id);
            }
        }
        if !self.has_newer() {
            self.follows = true;
        }
        self.trim_front();
        added
    }

    /// Keeps only the newest [`WINDOW_MAX`] messages (while the user reads the live end).
    pub fn trim_front(&mut self) {
        if self.messages.len() > WINDOW_MAX {
            let drop = self.messages.len() - WINDOW_MAX;
            self.messages.drain(..drop);
        }
    }

    /// Starts (or restarts) a send.
    pub fn begin_send(&mut self, client_id: &str, body: &str, reply_to: Option<Uuid>) {
        match self.pending.iter_mut().find(|p| p.client_id == client_id) {
            Some(p) => p.failed = false,
            None => self.pending.push(Pending {
                client_id: client_id.to_owned(),
                body: body.to_owned(),
                reply_to,
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

    /// Whether a message id is in the window.
    pub fn contains(&self, id: Uuid) -> bool {
        self.messages.iter().any(|m| m.id == id)
    }

    /// The message with this id, if it is in the window.
    pub fn get(&self, id: Uuid) -> Option<&Message> {
        self.messages.iter().find(|m| m.id == id)
    }

    fn index_of(&self, seq: i64) -> Option<usize> {
        let first = self.first_seq()?;
        let i = usize::try_from(seq - first).ok()?;
        (i < self.messages.len()).then_some(i)
    }

    fn update(&mut self, seq: i64, change: impl FnOnce(&mut Message)) -> Insert {
        match self.index_of(seq) {
            Some(i) => {
                change(&mut self.messages[i]);
                Insert::Shown
            }
            None => Insert::Outside,
        }
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

    fn page(seqs: std::ops::RangeInclusive<i64>) -> Vec<Message> {
        seqs.map(|s| msg(s, None)).collect()
    }

    fn seqs(t: &Timeline) -> Vec<i64> {
        t.messages.iter().map(|m| m.seq).collect()
    }

    #[test]
    fn live_messages_append_once_in_seq_order() {
        let mut t = Timeline::from_page(vec![msg(2, None), msg(1, None)], 2);
        assert!(t.follows);
        let three = msg(3, None);
        assert_eq!(
            t.apply(RoomEvent::MessageCreated {
                message: three.clone()
            }),
            Insert::Shown
        );
        assert_eq!(
            t.apply(RoomEvent::MessageCreated {
                message: three.clone()
            }),
            Insert::Shown
        );
        assert_eq!(seqs(&t), [1, 2, 3]);
        t.apply(RoomEvent::MessageDeleted {
            room_id: Uuid::nil(),
            message_id: three.id,
            seq: 3,
        });
        assert!(t.messages[2].deleted && t.messages[2].body.is_empty());
    }

    #[test]
    fn a_hole_is_reported_as_a_gap_and_filled_by_a_page() {
        let mut t = Timeline::from_page(page(1..=3), 3);
        assert_eq!(t.insert(msg(5, None)), Insert::Gap { after: 3 });
        assert_eq!(seqs(&t), [1, 2, 3], "nothing is shown out of order");
        assert_eq!(t.newest_seq, 5);
        assert!(t.append(page(4..=5)));
        assert_eq!(seqs(&t), [1, 2, 3, 4, 5]);
        assert!(t.follows && !t.has_newer());
        assert!(!t.append(page(4..=5)), "a repeated page adds nothing");
        assert_eq!(seqs(&t), [1, 2, 3, 4, 5]);
    }

    #[test]
    fn the_first_message_of_an_empty_room_is_shown() {
        let mut t = Timeline::from_page(vec![], 0);
        assert_eq!(t.insert(msg(1, None)), Insert::Shown);
        assert_eq!(t.insert(msg(3, None)), Insert::Gap { after: 1 });
    }

    #[test]
    fn scrolling_back_is_bounded_and_stops_following() {
        let newest = WINDOW_MAX as i64 + 100;
        let mut t = Timeline::from_page(page(newest - 49..=newest), newest);
        assert!(t.has_older());
        for _ in 0..4 {
            let first = t.first_seq().unwrap_or(1);
            t.prepend(page((first - 50).max(1)..=first - 1));
        }
        assert_eq!(t.messages.len(), WINDOW_MAX);
        assert!(!t.follows && t.has_newer());
        // Live messages past the window only move the cursor.
        assert_eq!(t.insert(msg(newest + 1, None)), Insert::Outside);
        assert_eq!(t.cursor(), newest + 1);
        // Coming back down follows again once the live end is reached.
        while t.has_newer() {
            let last = t.last_seq();
            t.append(page(last + 1..=(last + 50).min(newest + 1)));
        }
        assert!(t.follows);
        assert_eq!(t.last_seq(), newest + 1);
        assert!(t.messages.len() <= WINDOW_MAX);
        let s = seqs(&t);
        assert!(s.windows(2).all(|w| w[1] == w[0] + 1), "contiguous");
    }

    #[test]
    fn a_page_that_does_not_touch_the_window_is_ignored() {
        let mut t = Timeline::from_page(page(10..=12), 12);
        t.prepend(page(1..=5));
        assert_eq!(seqs(&t), [10, 11, 12]);
    }

    #[test]
    fn opening_at_an_old_message_does_not_follow_until_caught_up() {
        let mut t = Timeline::from_page(page(5..=9), 30);
        assert!(!t.follows && t.has_newer());
        assert_eq!(t.cursor(), 30);
        assert_eq!(t.insert(msg(31, None)), Insert::Outside);
        assert_eq!(t.newest_seq, 31);
    }

    #[test]
    fn pending_sends_are_confirmed_by_their_client_id() {
        let mut t = Timeline {
            follows: true,
            ..Timeline::default()
        };
        t.begin_send("k1", "hello", None);
        t.fail_send("k1");
        assert!(t.pending[0].failed);
        t.begin_send("k1", "hello", None);
        assert!(!t.pending[0].failed);
        t.insert(msg(1, Some("k1")));
        assert!(t.pending.is_empty());
        assert_eq!(t.messages.len(), 1);
    }
}
