//! The browser side of realtime: a room's timeline kept in a signal, fed by history, by the
//! user's own sends and by one WebSocket that reconnects and catches up by seq on its own.

pub mod timeline;

#[cfg(feature = "hydrate")]
pub mod socket;
