//! The drain flag: set when SIGTERM arrives, so `/readyz` turns 503 at once and the load
//! balancer stops sending new work while in-flight work finishes.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

/// Whether this instance is draining; cloning shares the flag.
#[derive(Clone, Default)]
pub struct Drain(Arc<AtomicBool>);

impl Drain {
    /// Marks the instance as draining.
    pub fn start(&self) {
        self.0.store(true, Ordering::Release);
        app::infra::metrics::draining(true);
    }

    /// True once draining started.
    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}
