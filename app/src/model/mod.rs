//! Typed models shared by the server and the browser.

pub mod error;
pub mod health;
pub mod meta;
