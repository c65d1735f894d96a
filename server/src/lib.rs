//! The Parley server: configuration → infrastructure → router, plus the CLI's commands.
#![recursion_limit = "256"]

pub mod browser_session;
pub mod cli;
pub mod health;
pub mod pwa;
pub mod rest;
pub mod router;
pub mod shutdown;
pub mod site;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod ws;
