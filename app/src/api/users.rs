//! Server functions for the own account and profile.

use leptos::prelude::*;

use super::codec::Json;
use crate::model::{
    error::ErrorDetail,
    user::{AccountUpdate, PasswordChange, Profile, ProfileUpdate, User},
};

#[cfg(feature = "ssr")]
use super::context::{fail, require_caller, services};

/// The user's profile.
#[server(prefix = "/rpc", output = Json)]
pub async fn my_profile() -> Result<Profile, ErrorDetail> {
    let auth = require_caller()?;
    services()?.users.profile(auth).await.map_err(fail)
}

/// Saves profile fields.
#[server(prefix = "/rpc", input = Json, output = Json)]
pub async fn save_profile(change: ProfileUpdate) -> Result<Profile, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .users
        .update_profile(auth, change)
        .await
        .map_err(fail)
}

/// Saves account fields.
#[server(prefix = "/rpc", input = Json, output = Json)]
pub async fn save_account(change: AccountUpdate) -> Result<User, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .users
        .update_account(auth, change)
        .await
        .map_err(fail)
}

/// Changes the password; other sessions are signed out.
#[server(prefix = "/rpc", input = Json, output = Json)]
pub async fn change_password(change: PasswordChange) -> Result<(), ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .users
        .change_password(auth, change)
        .await
        .map_err(fail)
}
