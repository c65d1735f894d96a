//! Exponential backoff with jitter for the background tasks' retries, capped low enough that
//! they notice a recovered backend within seconds.

use std::time::Duration;

use rand::Rng;

/// Growing delays between retries of one failing operation.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Starts at `first` and doubles up to `max`.
    pub fn new(first: Duration, max: Duration) -> Self {
        Self {
            first,
            max,
            next: first,
        }
    }

    /// The delay before the next retry: the current step with up to half of it taken off at
    /// random, so instances that failed together do not retry in lockstep.
    pub fn next_delay(&mut self) -> Duration {
        let step = self.next;
        self.next = (self.next * 2).min(self.max);
        step.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
    }

    /// The operation succeeded: the next failure starts from the first step again.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_reset() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(400));
        let delays: Vec<Duration> = (0..5).map(|_| b.next_delay()).collect();
        let caps = [100, 200, 400, 400, 400];
        for (d, cap) in delays.iter().zip(caps) {
            assert!(*d <= Duration::from_millis(cap) && *d >= Duration::from_millis(cap / 2));
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }
}
