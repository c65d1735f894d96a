//! The Parley server: configuration → infrastructure → router, plus the CLI's commands.
#![recursion_limit = "256"]

pub mod browser_session;
pub mod cli;
pub mod client_addr;
pub mod drain;
pub mod health;
pub mod http_metrics;
pub mod http_server;
pub mod memory;
pub mod metrics_listener;
pub mod pwa;
pub mod rest;
pub mod router;
pub mod security_headers;
pub mod shutdown;
pub mod site;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod ws;
