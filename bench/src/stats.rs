//! Pure accounting: latency percentiles, and lost/duplicated/unexpected deliveries from what
//! the server acknowledged and what each receiving socket saw.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

/// The value at percentile `p` (0–100] of ascending `sorted`, by the nearest-rank method: the
/// smallest value with at least `p`% of the samples at or below it.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() || !(p > 0.0 && p <= 100.0) {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// Latency distribution of a run, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Latency {
    /// Samples.
    pub count: u64,
    /// Median.
    pub p50_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
    /// Largest.
    pub max_us: u64,
}

impl Latency {
    /// Summarises samples (in any order); `None` without samples.
    pub fn of(mut samples: Vec<u64>) -> Option<Self> {
        samples.sort_unstable();
        Some(Self {
            count: samples.len() as u64,
            p50_us: percentile(&samples, 50.0)?,
            p99_us: percentile(&samples, 99.0)?,
            p999_us: percentile(&samples, 99.9)?,
            max_us: *samples.last()?,
        })
    }
}

/// What one receiving socket saw of its room's probe messages.
#[derive(Debug, Clone, Default)]
pub struct Received {
    /// The room it followed.
    pub room: usize,
    /// How many times each message (by probe number) arrived.
    pub counts: HashMap<u64, u32>,
}

/// Delivery accounting of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Acknowledged messages × sockets following their room.
    pub expected: u64,
    /// Distinct (message, socket) pairs that arrived and were expected.
    pub delivered: u64,
    /// Expected pairs that never arrived.
    pub lost: u64,
    /// Arrivals beyond the first of a pair.
    pub duplicated: u64,
    /// Distinct pairs that arrived without an acknowledgement for that room (a lost `ack`,
    /// or a message in the wrong room).
    pub unexpected: u64,
}

/// Compares what the server acknowledged (`acked`: probe number → room) with what each
/// socket received. Every socket of a room, the sender's own included, should see every
/// acknowledged message of that room exactly once.
pub fn tally(acked: &HashMap<u64, usize>, receivers: &[Received]) -> Tally {
    let mut per_room: HashMap<usize, HashSet<u64>> = HashMap::new();
    for (&n, &room) in acked {
        per_room.entry(room).or_default().insert(n);
    }
    let empty = HashSet::new();
    let mut t = Tally::default();
    for r in receivers {
        let wanted = per_room.get(&r.room).unwrap_or(&empty);
        t.expected += wanted.len() as u64;
        for (n, &count) in &r.counts {
            t.duplicated += u64::from(count.saturating_sub(1));
            if wanted.contains(n) {
                t.delivered += 1;
            } else {
                t.unexpected += 1;
            }
        }
    }
    t.lost = t.expected - t.delivered;
    t
}

/// Checks that one socket's seqs of one room arrive gapless and increasing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeqCheck {
    last: i64,
    /// Seqs skipped over (each would be a missing message).
    pub gaps: u64,
    /// Arrivals at or below a seq already seen.
    pub regressions: u64,
}

impl SeqCheck {
    /// Starts after `last_seq` (what the subscription confirmed).
    pub fn after(last_seq: i64) -> Self {
        Self {
            last: last_seq,
            ..Self::default()
        }
    }

    /// Records the next arriving seq.
    pub fn see(&mut self, seq: i64) {
        if seq <= self.last {
            self.regressions += 1;
            return;
        }
        self.gaps += u64::try_from(seq - self.last - 1).unwrap_or(0);
        self.last = seq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 99.9), Some(100));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.5), Some(1));
        assert_eq!(percentile(&[7], 50.0), Some(7));
        assert_eq!(percentile(&[1, 2], 50.0), Some(1));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&v, 0.0), None);
        assert_eq!(percentile(&v, 101.0), None);
    }

    #[test]
    fn latency_summary_sorts_its_samples() {
        let l = Latency::of(vec![30, 10, 20, 1000]).expect("samples");
        assert_eq!((l.count, l.p50_us, l.p99_us, l.max_us), (4, 20, 1000, 1000));
        assert_eq!(Latency::of(Vec::new()), None);
    }

    fn received(room: usize, counts: &[(u64, u32)]) -> Received {
        Received {
            room,
            counts: counts.iter().copied().collect(),
        }
    }

    #[test]
    fn perfect_delivery_has_nothing_lost_or_duplicated() {
        let acked = HashMap::from([(1, 0), (2, 0), (3, 1)]);
        let t = tally(
            &acked,
            &[
                received(0, &[(1, 1), (2, 1)]),
                received(0, &[(2, 1), (1, 1)]),
                received(1, &[(3, 1)]),
            ],
        );
        assert_eq!(
            t,
            Tally {
                expected: 5,
                delivered: 5,
                ..Tally::default()
            }
        );
    }

    #[test]
    fn losses_duplicates_and_strays_are_counted_per_socket() {
        let acked = HashMap::from([(1, 0), (2, 0), (3, 1)]);
        let t = tally(
            &acked,
            &[
                // Missed 2, saw 1 three times.
                received(0, &[(1, 3)]),
                // Saw everything, plus 3 which belongs to room 1, plus 9 never acknowledged.
                received(0, &[(1, 1), (2, 1), (3, 1), (9, 2)]),
                // Saw nothing.
                received(1, &[]),
            ],
        );
        assert_eq!(t.expected, 5);
        assert_eq!(t.delivered, 3);
        assert_eq!(t.lost, 2);
        assert_eq!(t.duplicated, 3);
        assert_eq!(t.unexpected, 2);
    }

    #[test]
    fn seq_check_counts_gaps_and_regressions() {
        let mut s = SeqCheck::after(0);
        for seq in [1, 2, 3] {
            s.see(seq);
        }
        assert_eq!((s.gaps, s.regressions), (0, 0));
        s.see(6);
        assert_eq!(s.gaps, 2);
        s.see(5);
        s.see(6);
        assert_eq!(s.regressions, 2);
        s.see(7);
        assert_eq!((s.gaps, s.regressions), (2, 2));

        let mut resumed = SeqCheck::after(10);
        resumed.see(11);
        assert_eq!((resumed.gaps, resumed.regressions), (0, 0));
    }
}
