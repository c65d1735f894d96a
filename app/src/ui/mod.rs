//! Components and pages. No business rules live here: pages call server functions.

pub mod app;
pub mod avatar;
pub mod case;
pub mod controls;
pub mod form;
pub mod icons;
pub mod layout;
pub mod notifications;
pub mod now;
pub mod on_demand;
pub mod pages;
pub mod pwa;
pub mod rooms;
pub mod routes;
pub mod session;
pub mod shortcuts;
pub mod theme;
