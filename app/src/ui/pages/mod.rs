//! One module per page.

pub mod landing;
pub mod not_found;
pub mod profile;
pub mod settings;
pub mod sign_in;
pub mod sign_up;
