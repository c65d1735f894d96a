//! Typed models shared by the server and the browser.

pub mod auth;
pub mod error;
pub mod event;
pub mod health;
pub mod markup;
pub mod message;
pub mod meta;
pub mod notification;
pub mod realtime;
pub mod room;
#[cfg(feature = "ssr")]
pub mod schema;
pub mod time;
pub mod user;
pub mod validation;
pub mod wire_time;
