//! Puts one instance's view of each room's events back in seq order.
//!
//! Sends commit in seq order but publish after commit, so two sends racing on a busy machine
//! can reach the bus as n+1 before n. Every connection would then fill the gap from
//! PostgreSQL, a thousand identical queries in a room of a thousand. Held here for a moment
//! instead, seq n almost always arrives and the events go out in order. A seq that does not
//! come in time (a lost publish) releases what waits for it, and connections fill the gap
//! themselves as before, so holding only delays and never drops.

use std::{
    collections::{BTreeMap, HashMap},
    time::Duration,
};

use tokio::time::Instant;
use uuid::Uuid;

/// Events of rooms, released in seq order; `T` is whatever the caller dispatches.
pub struct Reorder<T> {
    rooms: HashMap<Uuid, RoomOrder<T>>,
    wait: Duration,
}

struct RoomOrder<T> {
    /// Newest seq released without a gap before it, once one has been seen.
    last: Option<i64>,
    /// Messages waiting for an earlier seq.
    held: BTreeMap<i64, T>,
    /// Other events of the room that arrived while messages wait (an edit of a held message
    /// must not overtake its creation).
    after: Vec<T>,
    /// When the oldest held message arrived.
    since: Option<Instant>,
}

impl<T> Reorder<T> {
    /// Holds out-of-order messages for at most `wait`.
    pub fn new(wait: Duration) -> Self {
        Self {
            rooms: HashMap::new(),
            wait,
        }
    }

    /// Takes a room event, `seq` set for a new message; returns what can go out now, in order.
    pub fn push(&mut self, room: Uuid, seq: Option<i64>, item: T, now: Instant) -> Vec<T> {
        let order = self.rooms.entry(room).or_insert_with(|| RoomOrder {
            last: None,
            held: BTreeMap::new(),
            after: Vec::new(),
            since: None,
        });
        let Some(seq) = seq else {
            if order.since.is_some() {
                order.after.push(item);
                return Vec::new();
            }
            return vec![item];
        };
        match order.last {
            // Already released (a repeat) or the first seq seen: connections sort these out.
            Some(last) if seq <= last => return vec![item],
            None if order.since.is_none() => {
                order.last = Some(seq);
                return vec![item];
            }
            _ => {}
        }
        order.held.insert(seq, item);
        order.since.get_or_insert(now);
        order.release_contiguous()
    }

    /// When the next held room must be released, if any waits.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.rooms
            .values()
            .filter_map(|o| o.since)
            .min()
            .map(|since| since + self.wait)
    }

    /// Releases every room that waited `wait` or longer, in seq order.
    pub fn release_due(&mut self, now: Instant) -> Vec<T> {
        let mut out = Vec::new();
        for order in self.rooms.values_mut() {
            if order.since.is_some_and(|since| now >= since + self.wait) {
                out.extend(order.release_all());
            }
        }
        out
    }

    /// Releases everything held, in order (used when the instance must start over).
    pub fn release_everything(&mut self) -> Vec<T> {
        let out = self
            .rooms
            .values_mut()
            .flat_map(RoomOrder::release_all)
            .collect();
        self.rooms.clear();
        out
    }

    /// Forgets a room no connection here follows any more.
    pub fn forget(&mut self, room: Uuid) -> Vec<T> {
        self.rooms
            .remove(&room)
            .map(|mut order| order.release_all())
            .unwrap_or_default()
    }
}

impl<T> RoomOrder<T> {
    /// Releases held messages that continue the released sequence, and the events behind
    /// them once nothing is held any more.
    fn release_contiguous(&mut self) -> Vec<T> {
        let mut out = Vec::new();
        while let Some(last) = self.last {
            match self.held.remove(&(last + 1)) {
                Some(item) => {
                    out.push(item);
                    self.last = Some(last + 1);
                }
                None => break,
            }
        }
        if self.held.is_empty() {
            self.since = None;
            out.append(&mut self.after);
        }
        out
    }

    /// Releases all held messages in seq order, gaps and all, then the events behind them.
    fn release_all(&mut self) -> Vec<T> {
        let held = std::mem::take(&mut self.held);
        if let Some((&newest, _)) = held.last_key_value() {
            self.last = Some(self.last.map_or(newest, |last| last.max(newest)));
        }
        self.since = None;
        let mut out: Vec<T> = held.into_values().collect();
        out.append(&mut self.after);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_millis(250);

    fn room() -> Uuid {
        Uuid::from_u128(1)
    }

    #[test]
    fn in_order_messages_pass_straight_through() {
        let mut r = Reorder::new(WAIT);
        let now = Instant::now();
        for seq in 1..=3 {
            assert_eq!(r.push(room(), Some(seq), seq, now), vec![seq]);
        }
        assert_eq!(r.next_deadline(), None);
    }

    #[test]
    fn an_early_message_waits_for_the_missing_one() {
        let mut r = Reorder::new(WAIT);
        let now = Instant::now();
        assert_eq!(r.push(room(), Some(1), "1", now), vec!["1"]);
        assert!(r.push(room(), Some(3), "3", now).is_empty());
        // An edit arriving meanwhile stays behind the held message.
        assert!(r.push(room(), None, "edit of 3", now).is_empty());
        assert_eq!(r.next_deadline(), Some(now + WAIT));
        assert_eq!(
            r.push(room(), Some(2), "2", now),
            vec!["2", "3", "edit of 3"]
        );
        assert_eq!(r.next_deadline(), None);
        assert_eq!(r.push(room(), Some(4), "4", now), vec!["4"]);
    }

    #[test]
    fn a_seq_that_never_comes_releases_the_rest_after_the_wait() {
        let mut r = Reorder::new(WAIT);
        let start = Instant::now();
        r.push(room(), Some(1), 1, start);
        assert!(r.push(room(), Some(4), 4, start).is_empty());
        assert!(r.push(room(), Some(3), 3, start).is_empty());
        assert!(r.release_due(start + WAIT / 2).is_empty());
        assert_eq!(r.release_due(start + WAIT), vec![3, 4]);
        // The sequence continues from the newest released seq.
        assert_eq!(r.push(room(), Some(5), 5, start + WAIT), vec![5]);
        // A late arrival of the lost one still goes out (connections drop repeats).
        assert_eq!(r.push(room(), Some(2), 2, start + WAIT), vec![2]);
    }

    #[test]
    fn rooms_wait_independently() {
        let mut r = Reorder::new(WAIT);
        let now = Instant::now();
        let other = Uuid::from_u128(2);
        r.push(room(), Some(1), "a1", now);
        r.push(other, Some(7), "b7", now);
        assert!(r.push(room(), Some(3), "a3", now).is_empty());
        assert_eq!(r.push(other, Some(8), "b8", now), vec!["b8"]);
        assert_eq!(r.push(other, None, "b-typing", now), vec!["b-typing"]);
        assert_eq!(r.forget(room()), vec!["a3"]);
        assert_eq!(r.next_deadline(), None);
    }

    #[test]
    fn the_first_message_seen_sets_the_start() {
        let mut r = Reorder::new(WAIT);
        let now = Instant::now();
        assert_eq!(r.push(room(), Some(41), 41, now), vec![41]);
        assert!(r.push(room(), Some(43), 43, now).is_empty());
        assert_eq!(r.release_everything(), vec![43]);
        assert_eq!(r.next_deadline(), None);
    }
}
