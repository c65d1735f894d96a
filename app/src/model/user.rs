//! Users as the API and the UI see them: the own account, other people, and profiles.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in user's own account (includes the email address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct User {
    /// Stable identifier.
    pub id: Uuid,
    /// Unique handle, shown as @username.
    pub username: String,
    /// Name shown next to messages.
    pub display_name: String,
    /// Sign-in and contact address; only ever shown to its owner.
    pub email: String,
    /// When the account was created.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub created_at: DateTime<Utc>,
    /// Last change to the account.
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::model::wire_time::utc")
    )]
    pub updated_at: DateTime<Utc>,
}

/// Another user as anyone signed in may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PublicUser {
    /// Stable identifier.
    pub id: Uuid,
    /// Unique handle.
    pub username: String,
    /// Name shown next to messages.
    pub display_name: String,
    /// Picture, when the user set one.
    pub avatar_url: Option<String>,
}

impl PublicUser {
    /// A user from the nullable columns of an outer join; `None` when the user is gone.
    pub fn from_columns(
        id: Option<Uuid>,
        username: Option<String>,
        display_name: Option<String>,
    ) -> Option<PublicUser> {
        Some(PublicUser {
            id: id?,
            username: username?,
            display_name: display_name?,
            avatar_url: None,
        })
    }
}

/// Optional personal details of a user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Profile {
    /// Phone number.
    pub phone: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Date of birth.
    #[cfg_attr(
        feature = "hydrate",
        serde(default, deserialize_with = "crate::model::wire_time::date_opt")
    )]
    pub birth_date: Option<NaiveDate>,
    /// Gender, in the user's own words.
    pub gender: Option<String>,
    /// Employer.
    pub company: Option<String>,
    /// Education.
    pub education: Option<String>,
    /// Short self-description.
    pub bio: Option<String>,
    /// Picture URL.
    pub avatar_url: Option<String>,
}

/// A partial profile change: an absent field is kept, an empty string clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    /// Phone number.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::phone_opt))]
    pub phone: Option<String>,
    /// Street address.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::address_opt))]
    pub address: Option<String>,
    /// City.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::place_opt))]
    pub city: Option<String>,
    /// Country.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::place_opt))]
    pub country: Option<String>,
    /// Postal code.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::postal_code_opt))]
    pub postal_code: Option<String>,
    /// Date of birth as `YYYY-MM-DD`.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::birth_date_opt))]
    pub birth_date: Option<String>,
    /// Gender.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::gender_opt))]
    pub gender: Option<String>,
    /// Employer.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::place_opt))]
    pub company: Option<String>,
    /// Education.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::education_opt))]
    pub education: Option<String>,
    /// Short self-description.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::bio_opt))]
    pub bio: Option<String>,
    /// Picture URL (`http://` or `https://`).
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::url_opt))]
    pub avatar_url: Option<String>,
}

/// A partial account change. Changing the email requires the current password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccountUpdate {
    /// New username.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::username_opt))]
    pub username: Option<String>,
    /// New display name.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::display_name_opt))]
    pub display_name: Option<String>,
    /// New email address.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::email_opt))]
    pub email: Option<String>,
    /// The current password, required when `email` changes.
    pub current_password: Option<String>,
}

/// A password change; every session but the current one is signed out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use now.
    pub current_password: String,
    /// The new password.
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::schema::password))]
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChange { .. }")
    }
}
