//! Server functions: the UI's presentation layer. Each authenticates from the session cookies,
//! calls one service and maps its error; none holds business rules.

pub mod auth;
pub mod codec;
pub mod messages;
pub mod notifications;
pub mod rooms;
pub mod users;

#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod cookies;
