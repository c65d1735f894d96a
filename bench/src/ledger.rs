//! Pure bookkeeping of a reconnecting client (`bench run --reconnect`): the room timeline it
//! would show (deduplicated by seq, gaps detected and filled), its sends until acknowledged
//! (retried with the same `client_id`), and the reconnect backoff. No I/O, so the rules are
//! unit-tested.
//!
//! Definitions used by the report:
//! - **redelivered (deduped)**: a message arrived again with a seq the timeline already holds,
//!   as the same message (same id). The browser shows it once; so does this client.
//! - **duplicated**: what a user would see twice or wrongly: two different message ids with
//!   the same `client_id` in a room, or the same seq carrying a different message (id or body).
//! - **seq gap**: a seq missing from the final timeline below the newest seq it holds.
//! - **seq regression**: on one connection, a message whose seq is not above the previous
//!   one of that connection (the server promises strictly increasing seqs per connection).
//! - **wire gap**: on one connection, seqs skipped between two messages; the client fills them
//!   from history, so they are not an error unless the timeline keeps the hole.

use std::{
    collections::{BTreeMap, HashMap},
    time::{Duration, Instant},
};

use uuid::Uuid;

use crate::ws::WireMessage;

/// What one arriving message did to a timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// A seq the timeline did not hold: shown.
    New,
    /// The same message again: ignored (counted as redelivered).
    Redelivered,
    /// The seq is held by a different message: a user would see a wrong or doubled message.
    Conflict,
}

/// A message as the timeline holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Held {
    id: Option<Uuid>,
    client_id: Option<String>,
    body: String,
}

/// One room as a client shows it: messages by seq, each seq once.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    held: BTreeMap<i64, Held>,
    /// Every seq from 1 to here is held.
    contiguous: i64,
    /// The newest seq known to exist (held, or named by an `ack`).
    newest_known: i64,
    by_client_id: HashMap<String, Option<Uuid>>,
    /// Same message again, ignored.
    pub redelivered: u64,
    /// Same seq, different message.
    pub seq_conflicts: u64,
    /// Same `client_id`, different message id.
    pub client_id_duplicates: u64,
}

impl Timeline {
    /// Merges one message.
    pub fn insert(&mut self, message: &WireMessage) -> Arrival {
        let held = Held {
            id: message.id,
            client_id: message.client_id.clone(),
            body: message.body.clone(),
        };
        if let Some(existing) = self.held.get(&message.seq) {
            if *existing == held {
                self.redelivered += 1;
                return Arrival::Redelivered;
            }
            self.seq_conflicts += 1;
            return Arrival::Conflict;
        }
        if let Some(client_id) = &held.client_id {
            match self.by_client_id.get(client_id) {
                Some(id) if *id != held.id => self.client_id_duplicates += 1,
                Some(_) => {}
                None => {
                    self.by_client_id.insert(client_id.clone(), held.id);
                }
            }
        }
        self.held.insert(message.seq, held);
        self.newest_known = self.newest_known.max(message.seq);
        while self.held.contains_key(&(self.contiguous + 1)) {
            self.contiguous += 1;
        }
        Arrival::New
    }

    /// Remembers that `seq` exists (the `ack` of an own send names it) without holding it.
    pub fn exists(&mut self, seq: i64) {
        self.newest_known = self.newest_known.max(seq);
    }

    /// The cursor to subscribe or fetch history from: every seq up to it is held.
    pub fn contiguous(&self) -> i64 {
        self.contiguous
    }

    /// `Some(after)` when a seq after `after` is known to exist but `after + 1` is not held:
    /// messages after `after` must be fetched.
    pub fn gap(&self) -> Option<i64> {
        (self.newest_known > self.contiguous).then_some(self.contiguous)
    }

    /// Seqs missing below the newest one held.
    pub fn holes(&self) -> u64 {
        let newest = self.held.keys().next_back().copied().unwrap_or(0);
        u64::try_from(newest).unwrap_or(0) - self.held.len() as u64
    }

    /// The `client_id`s of the messages held, each once.
    pub fn client_ids(&self) -> impl Iterator<Item = &str> {
        self.by_client_id.keys().map(String::as_str)
    }
}

/// A send not acknowledged yet.
#[derive(Debug, Clone)]
struct Pending {
    body: String,
    /// When it may go (again): `None` at the next chance.
    next_try: Option<Instant>,
    attempts: u32,
}

/// What an `ack` meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckResult {
    /// The first acknowledgement of this send.
    First,
    /// The send was acknowledged before, with the same message (a retry's answer).
    Repeat,
    /// Acknowledged before with a different message: the server stored it twice.
    Conflict,
    /// Not a send of this client.
    Unknown,
}

/// A client's sends until acknowledged: each keeps its `client_id` for every attempt.
#[derive(Debug, Clone, Default)]
pub struct Outbox {
    pending: BTreeMap<String, Pending>,
    acked: HashMap<String, Option<Uuid>>,
    /// Sends handed to the client.
    pub attempted: u64,
    /// Frames sent, first attempts included.
    pub frames: u64,
    /// Frames beyond the first of a send.
    pub retries: u64,
    /// Sends that needed more than one frame.
    pub retried_sends: u64,
    /// Acks for a send already acknowledged, with the same message.
    pub repeated_acks: u64,
    /// Acks for a send already acknowledged, with a different message.
    pub ack_conflicts: u64,
}

impl Outbox {
    /// A new send.
    pub fn add(&mut self, client_id: String, body: String) {
        self.attempted += 1;
        self.pending.insert(
            client_id,
            Pending {
                body,
                next_try: None,
                attempts: 0,
            },
        );
    }

    /// The sends to put on the wire now (never sent, unanswered for long enough, or refused
    /// a while ago), marked as sent. The n-th attempt waits `ack_timeout` × 2ⁿ⁻¹ for its ack
    /// (at most 8 × `ack_timeout`), so that a server that is slow rather than gone is not
    /// buried under retries.
    pub fn due(&mut self, now: Instant, ack_timeout: Duration) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (client_id, p) in &mut self.pending {
            if p.next_try.is_some_and(|t| t > now) {
                continue;
            }
            p.attempts += 1;
            self.frames += 1;
            if p.attempts > 1 {
                self.retries += 1;
                if p.attempts == 2 {
                    self.retried_sends += 1;
                }
            }
            let wait = ack_timeout.saturating_mul(1 << (p.attempts - 1).min(3));
            p.next_try = Some(now + wait);
            out.push((client_id.clone(), p.body.clone()));
        }
        out
    }

    /// The connection is gone: whatever was in flight goes again on the next one.
    pub fn connection_lost(&mut self) {
        for p in self.pending.values_mut() {
            p.next_try = None;
        }
    }

    /// The server refused a send (`error` with its `client_id`): try again after `wait`.
    pub fn refused(&mut self, client_id: &str, now: Instant, wait: Duration) {
        if let Some(p) = self.pending.get_mut(client_id) {
            p.next_try = Some(now + wait);
        }
    }

    /// Records an `ack` carrying message `id`.
    pub fn ack(&mut self, client_id: &str, id: Option<Uuid>) -> AckResult {
        if self.pending.remove(client_id).is_some() {
            self.acked.insert(client_id.to_owned(), id);
            return AckResult::First;
        }
        match self.acked.get(client_id) {
            Some(first) if *first == id => {
                self.repeated_acks += 1;
                AckResult::Repeat
            }
            Some(_) => {
                self.ack_conflicts += 1;
                AckResult::Conflict
            }
            None => AckResult::Unknown,
        }
    }

    /// Sends not acknowledged (yet).
    pub fn unacked(&self) -> u64 {
        self.pending.len() as u64
    }

    /// The `client_id`s acknowledged.
    pub fn acked_ids(&self) -> impl Iterator<Item = &str> {
        self.acked.keys().map(String::as_str)
    }
}

/// Reconnect delays: exponential from `start`, capped at `cap`, each drawn uniformly from
/// its upper half so that clients cut off together do not come back together.
#[derive(Debug, Clone)]
pub struct Backoff {
    start: Duration,
    cap: Duration,
    failures: u32,
    rng: u64,
}

impl Backoff {
    /// A backoff whose jitter comes from `seed`.
    pub fn new(start: Duration, cap: Duration, seed: u64) -> Self {
        Self {
            start,
            cap,
            failures: 0,
            rng: seed,
        }
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self
            .start
            .saturating_mul(1 << self.failures.min(16))
            .min(self.cap);
        self.failures = self.failures.saturating_add(1);
        // splitmix64: plenty for jitter, and neighbouring seeds give unrelated sequences.
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let fraction = 0.5 + (z >> 11) as f64 / (1u64 << 53) as f64 / 2.0;
        ceiling.mul_f64(fraction)
    }

    /// A connection worked: start from the bottom again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(seq: i64, id: u128, client_id: Option<&str>) -> WireMessage {
        WireMessage {
            id: Some(Uuid::from_u128(id)),
            client_id: client_id.map(str::to_owned),
            room_id: Uuid::nil(),
            seq,
            body: format!("body {id}"),
        }
    }

    #[test]
    fn in_order_messages_advance_the_cursor() {
        let mut t = Timeline::default();
        for seq in 1..=3 {
            assert_eq!(t.insert(&msg(seq, seq as u128, None)), Arrival::New);
        }
        assert_eq!((t.contiguous(), t.gap(), t.holes()), (3, None, 0));
    }

    #[test]
    fn a_skipped_seq_is_a_gap_until_filled() {
        let mut t = Timeline::default();
        t.insert(&msg(1, 1, None));
        t.insert(&msg(4, 4, None));
        assert_eq!(t.gap(), Some(1));
        assert_eq!(t.holes(), 2);
        // The fill brings 2..=4; 4 is already held.
        for seq in 2..=4 {
            t.insert(&msg(seq, seq as u128, None));
        }
        assert_eq!((t.contiguous(), t.gap(), t.holes()), (4, None, 0));
        assert_eq!(t.redelivered, 1);
        assert_eq!((t.seq_conflicts, t.client_id_duplicates), (0, 0));
    }

    #[test]
    fn an_acked_seq_not_yet_seen_is_a_gap() {
        let mut t = Timeline::default();
        t.insert(&msg(1, 1, None));
        t.exists(2);
        assert_eq!(t.gap(), Some(1));
        assert_eq!(
            t.holes(),
            0,
            "nothing held is missing below the newest held"
        );
        t.insert(&msg(2, 2, None));
        assert_eq!(t.gap(), None);
    }

    #[test]
    fn redeliveries_are_deduped_but_different_messages_are_duplicates() {
        let mut t = Timeline::default();
        t.insert(&msg(1, 1, Some("c1")));
        assert_eq!(t.insert(&msg(1, 1, Some("c1"))), Arrival::Redelivered);
        // Same seq, another message: shown wrongly.
        assert_eq!(t.insert(&msg(1, 9, Some("c9"))), Arrival::Conflict);
        // Same client_id stored twice under two seqs: shown twice.
        assert_eq!(t.insert(&msg(2, 2, Some("c1"))), Arrival::New);
        assert_eq!(
            (t.redelivered, t.seq_conflicts, t.client_id_duplicates),
            (1, 1, 1)
        );
        assert_eq!(t.client_ids().count(), 1);
    }

    #[test]
    fn sends_are_retried_with_their_client_id_until_acked_once() {
        let now = Instant::now();
        let timeout = Duration::from_secs(5);
        let mut o = Outbox::default();
        o.add("c1".into(), "a".into());
        o.add("c2".into(), "b".into());
        assert_eq!(o.due(now, timeout).len(), 2);
        // Nothing is due again before the timeout.
        assert!(o.due(now + Duration::from_secs(1), timeout).is_empty());
        assert_eq!(o.ack("c1", Some(Uuid::from_u128(1))), AckResult::First);
        // c2 timed out: sent again, same client_id.
        let again = o.due(now + Duration::from_secs(6), timeout);
        assert_eq!(again, vec![("c2".to_owned(), "b".to_owned())]);
        // The second attempt waits twice as long for its ack.
        assert!(o.due(now + Duration::from_secs(15), timeout).is_empty());
        // The connection drops: c2 goes again on the next one, at once.
        o.connection_lost();
        assert_eq!(o.due(now + Duration::from_secs(7), timeout).len(), 1);
        // The retry's answer is the stored message; a late answer to an earlier attempt too.
        assert_eq!(o.ack("c2", Some(Uuid::from_u128(2))), AckResult::First);
        assert_eq!(o.ack("c2", Some(Uuid::from_u128(2))), AckResult::Repeat);
        assert_eq!(o.ack("c2", Some(Uuid::from_u128(3))), AckResult::Conflict);
        assert_eq!(o.ack("other", None), AckResult::Unknown);
        assert_eq!((o.attempted, o.acked_ids().count(), o.unacked()), (2, 2, 0));
        // c1 went once, c2 three times.
        assert_eq!((o.frames, o.retries, o.retried_sends), (4, 2, 1));
        assert_eq!((o.repeated_acks, o.ack_conflicts), (1, 1));
    }

    #[test]
    fn refused_sends_wait_before_the_next_try() {
        let now = Instant::now();
        let mut o = Outbox::default();
        o.add("c1".into(), "a".into());
        o.due(now, Duration::from_secs(5));
        o.refused("c1", now, Duration::from_secs(1));
        assert!(o
            .due(now + Duration::from_millis(500), Duration::from_secs(5))
            .is_empty());
        assert_eq!(
            o.due(now + Duration::from_secs(1), Duration::from_secs(5))
                .len(),
            1
        );
        assert_eq!(o.retried_sends, 1);
    }

    #[test]
    fn backoff_grows_with_jitter_up_to_its_cap_and_resets() {
        let start = Duration::from_millis(200);
        let cap = Duration::from_secs(2);
        let mut b = Backoff::new(start, cap, 42);
        let delays: Vec<Duration> = (0..8).map(|_| b.next_delay()).collect();
        let ceilings = [200, 400, 800, 1600, 2000, 2000, 2000, 2000];
        for (d, c) in delays.iter().zip(ceilings) {
            let c = Duration::from_millis(c);
            assert!(*d >= c / 2 && *d <= c, "{d:?} not in [{:?}, {c:?}]", c / 2);
        }
        b.reset();
        assert!(b.next_delay() <= start);
        let mut other = Backoff::new(start, cap, 43);
        assert_ne!(
            Backoff::new(start, cap, 42).next_delay(),
            other.next_delay()
        );
    }
}
