//! Components and pages. No business rules live here: pages call server functions.

pub mod app;
pub mod form;
pub mod icons;
pub mod layout;
pub mod pages;
pub mod rooms;
pub mod session;
pub mod theme;
