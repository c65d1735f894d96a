//! Abuse limits of the realtime channel: a token bucket per connection for frames (and a
//! tighter one for subscribes), and caps on the sockets one account or one address may hold
//! on this instance.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use uuid::Uuid;

/// Frames per second a connection may send on average.
pub const FRAMES_PER_SECOND: f64 = 50.0;
/// Frames a connection may send at once.
pub const FRAME_BURST: f64 = 100.0;
/// `subscribe` frames per second (each replays rooms from PostgreSQL).
pub const SUBSCRIBES_PER_SECOND: f64 = 2.0;
/// `subscribe` frames at once (a reconnect sends one; a room switcher a few).
pub const SUBSCRIBE_BURST: f64 = 20.0;
/// Frames dropped in a row, with none accepted in between, after which the flood is closed.
pub const FLOOD_CLOSE_AFTER: u32 = 200;
/// How long an account whose socket was closed for flooding may not open another one here.
pub const FLOOD_BAR: Duration = Duration::from_secs(10);

/// A token bucket: `rate` tokens a second up to `burst`.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(rate: f64, burst: f64, now: Instant) -> Self {
        Self {
            rate,
            burst,
            tokens: burst,
            last: now,
        }
    }

    /// Takes one token if there is one.
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Why a socket was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The account holds its maximum of sockets on this instance.
    PerUser(usize),
    /// The address holds its maximum of sockets on this instance.
    PerAddress(usize),
    /// The account flooded a socket recently; it may connect again after this many seconds.
    Barred(u64),
}

/// Counts sockets per account and per address on this instance; cloning shares the counts.
#[derive(Clone)]
pub struct ConnectionLimits {
    per_user: usize,
    per_address: usize,
    counts: Arc<Mutex<Counts>>,
}

#[derive(Default)]
struct Counts {
    users: HashMap<Uuid, usize>,
    addresses: HashMap<IpAddr, usize>,
    /// Accounts barred after a flood, until when.
    barred: HashMap<Uuid, Instant>,
}

/// One admitted socket; dropping it frees its place.
pub struct Permit {
    user: Uuid,
    address: Option<IpAddr>,
    counts: Arc<Mutex<Counts>>,
}

impl ConnectionLimits {
    /// Caps of `per_user` sockets per account and `per_address` per client address.
    pub fn new(per_user: usize, per_address: usize) -> Self {
        Self {
            per_user,
            per_address,
            counts: Arc::default(),
        }
    }

    /// Admits a socket of `user` from `address`, or says which cap it would exceed.
    pub fn admit(&self, user: Uuid, address: Option<IpAddr>) -> Result<Permit, Refusal> {
        self.admit_at(user, address, Instant::now())
    }

    /// [`admit`](Self::admit) at `now`.
    pub fn admit_at(
        &self,
        user: Uuid,
        address: Option<IpAddr>,
        now: Instant,
    ) -> Result<Permit, Refusal> {
        let mut counts = lock(&self.counts);
        if let Some(until) = counts.barred.get(&user).copied() {
            if until > now {
                let left = until.duration_since(now).as_secs_f64().ceil() as u64;
                return Err(Refusal::Barred(left.max(1)));
            }
            counts.barred.remove(&user);
        }
        let for_user = counts.users.get(&user).copied().unwrap_or(0);
        if for_user >= self.per_user {
            return Err(Refusal::PerUser(self.per_user));
        }
        if let Some(ip) = address {
            if counts.addresses.get(&ip).copied().unwrap_or(0) >= self.per_address {
                return Err(Refusal::PerAddress(self.per_address));
            }
            *counts.addresses.entry(ip).or_default() += 1;
        }
        *counts.users.entry(user).or_default() += 1;
        Ok(Permit {
            user,
            address,
            counts: self.counts.clone(),
        })
    }
}

impl ConnectionLimits {
    /// Bars `user` from opening sockets here for [`FLOOD_BAR`] from `now`: a flood closed
    /// with 1008 would otherwise reconnect at once and cost a handshake, presence and a fresh
    /// burst every time.
    pub fn bar(&self, user: Uuid, now: Instant) {
        let mut counts = lock(&self.counts);
        // Expired bars go when a new one is set, so the map never outgrows the floods of the
        // last FLOOD_BAR.
        counts.barred.retain(|_, until| *until > now);
        counts.barred.insert(user, now + FLOOD_BAR);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts);
        release(&mut counts.users, self.user);
        if let Some(ip) = self.address {
            release(&mut counts.addresses, ip);
        }
    }
}

fn release<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: K) {
    if let Some(n) = map.get_mut(&key) {
        *n -= 1;
        if *n == 0 {
            map.remove(&key);
        }
    }
}

fn lock(counts: &Mutex<Counts>) -> std::sync::MutexGuard<'_, Counts> {
    counts.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_allows_the_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(50.0, 100.0, start);
        assert_eq!((0..150).filter(|_| bucket.take(start)).count(), 100);
        let later = start + Duration::from_millis(100);
        assert_eq!((0..150).filter(|_| bucket.take(later)).count(), 5);
        let much_later = start + Duration::from_secs(60);
        assert_eq!((0..150).filter(|_| bucket.take(much_later)).count(), 100);
    }

    #[test]
    fn caps_per_user_and_address_free_up_when_sockets_close() {
        let limits = ConnectionLimits::new(2, 3);
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let home: IpAddr = "203.0.113.1".parse().expect("ip");
        let a1 = limits.admit(alice, Some(home)).expect("first");
        let _a2 = limits.admit(alice, Some(home)).expect("second");
        assert_eq!(
            limits.admit(alice, Some(home)).err(),
            Some(Refusal::PerUser(2))
        );
        let _b1 = limits
            .admit(bob, Some(home))
            .expect("third from the address");
        assert_eq!(
            limits.admit(bob, Some(home)).err(),
            Some(Refusal::PerAddress(3))
        );
        drop(a1);
        assert!(limits.admit(bob, Some(home)).is_ok(), "a place came free");
    }

    #[test]
    fn a_flooding_account_is_barred_for_a_while() {
        let limits = ConnectionLimits::new(5, 5);
        let (flooder, other) = (Uuid::new_v4(), Uuid::new_v4());
        let start = Instant::now();
        limits.bar(flooder, start);
        assert_eq!(
            limits.admit_at(flooder, None, start).err(),
            Some(Refusal::Barred(10))
        );
        assert_eq!(
            limits
                .admit_at(flooder, None, start + Duration::from_millis(9_500))
                .err(),
            Some(Refusal::Barred(1))
        );
        assert!(
            limits.admit_at(other, None, start).is_ok(),
            "only the flooder"
        );
        assert!(limits.admit_at(flooder, None, start + FLOOD_BAR).is_ok());
    }
}
