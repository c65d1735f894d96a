//! Parley: the Leptos application shared by the server (`ssr`) and the browser (`hydrate`).
//!
//! `model` and `ui` compile on both sides; `infra` (and later `services`) exist only on
//! the server, so database, cache and broker clients never reach the WASM bundle.

#![recursion_limit = "256"]

pub mod api;
pub mod live;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod infra;
#[cfg(feature = "ssr")]
pub mod services;

pub use ui::app::{shell, App};
