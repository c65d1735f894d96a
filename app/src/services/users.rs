//! Accounts and profiles: reading and changing one's own, and finding other people.

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    auth::{AuthService, Authenticated},
    error::{ServiceError, ServiceResult},
};
use crate::{
    infra::{
        db::Db,
        store::users::{self, ProfileValue},
    },
    model::{
        user::{AccountUpdate, PasswordChange, Profile, ProfileUpdate, PublicUser, User},
        validation::{self, check},
    },
};

/// A profile text column: its name, the requested change and its rule.
type TextField = (&'static str, Option<String>, fn(&str) -> validation::Rule);

/// Most results a user search returns.
pub const SEARCH_MAX: i64 = 50;
/// Users a search returns when the caller does not say.
pub const SEARCH_DEFAULT: i64 = 20;

/// The user service.
#[derive(Clone)]
pub struct UserService {
    /// The primary: the caller's own account and profile, and every change.
    db: PgPool,
    /// Lag-tolerant reads (other people's profiles, user search) may go to a replica.
    reads: Db,
    auth: AuthService,
}

impl UserService {
    /// Builds the service; it uses the auth service for password checks and sign-outs.
    pub fn new(db: Db, auth: AuthService) -> Self {
        Self {
            db: db.primary().clone(),
            reads: db,
            auth,
        }
    }

    /// The caller's own account.
    pub async fn me(&self, auth: Authenticated) -> ServiceResult<User> {
        users::by_id(&self.db, auth.user_id)
            .await?
            .map(Into::into)
            .ok_or(ServiceError::Unauthenticated("account no longer exists"))
    }

    /// Changes username, display name and/or email (the latter needs the current password).
    pub async fn update_account(
        &self,
        auth: Authenticated,
        change: AccountUpdate,
    ) -> ServiceResult<User> {
        let username = change.username.as_deref().map(str::trim);
        let display_name = change.display_name.as_deref().map(str::trim);
        let email = change.email.as_deref().map(str::trim);
        if let Some(u) = username {
            check("username", validation::username(u))?;
        }
        if let Some(d) = display_name {
            check("display_name", validation::display_name(d))?;
        }
        if let Some(e) = email {
            check("email", validation::email(e))?;
            let current = self.me(auth).await?;
            if !current.email.eq_ignore_ascii_case(e) {
                let password = change.current_password.as_deref().unwrap_or_default();
                if password.is_empty() {
                    return Err(ServiceError::invalid(
                        "current_password",
                        "Enter your current password to change your email.",
                    ));
                }
                if !self.auth.verify_password(auth.user_id, password).await? {
                    return Err(ServiceError::invalid(
                        "current_password",
                        "Current password is wrong.",
                    ));
                }
            }
        }
        users::update_account(&self.db, auth.user_id, username, display_name, email)
            .await?
            .map(Into::into)
            .ok_or(ServiceError::Unauthenticated("account no longer exists"))
    }

    /// Changes the password and signs out every other session.
    pub async fn change_password(
        &self,
        auth: Authenticated,
        change: PasswordChange,
    ) -> ServiceResult<()> {
        if !self
            .auth
            .verify_password(auth.user_id, &change.current_password)
            .await?
        {
            return Err(ServiceError::invalid(
                "current_password",
                "Current password is wrong.",
            ));
        }
        check("new_password", validation::password(&change.new_password))?;
        if change.new_password == change.current_password {
            return Err(ServiceError::invalid(
                "new_password",
                "The new password must differ from the current one.",
            ));
        }
        let hash = self.auth.hasher().hash(change.new_password).await?;
        users::set_password_hash(&self.db, auth.user_id, &hash).await?;
        self.auth
            .revoke_other_sessions(auth.user_id, auth.session_id)
            .await?;
        Ok(())
    }

    /// The caller's profile.
    pub async fn profile(&self, auth: Authenticated) -> ServiceResult<Profile> {
        users::profile(&self.db, auth.user_id)
            .await?
            .ok_or(ServiceError::Unauthenticated("account no longer exists"))
    }

    /// Applies a partial profile change (empty strings clear fields).
    pub async fn update_profile(
        &self,
        auth: Authenticated,
        change: ProfileUpdate,
    ) -> ServiceResult<Profile> {
        let mut columns: Vec<(&'static str, ProfileValue)> = Vec::new();
        let text_fields: [TextField; 10] = [
            ("phone", change.phone, validation::phone),
            ("address", change.address, |v| {
                validation::text_max(v, validation::ADDRESS_MAX)
            }),
            ("city", change.city, |v| {
                validation::text_max(v, validation::PLACE_MAX)
            }),
            ("country", change.country, |v| {
                validation::text_max(v, validation::PLACE_MAX)
            }),
            ("postal_code", change.postal_code, |v| {
                validation::text_max(v, validation::POSTAL_CODE_MAX)
            }),
            ("gender", change.gender, |v| {
                validation::text_max(v, validation::GENDER_MAX)
            }),
            ("company", change.company, |v| {
                validation::text_max(v, validation::PLACE_MAX)
            }),
            ("education", change.education, |v| {
                validation::text_max(v, validation::EDUCATION_MAX)
            }),
            ("bio", change.bio, |v| {
                validation::text_max(v, validation::BIO_MAX)
            }),
            ("avatar_url", change.avatar_url, validation::http_url),
        ];
        for (field, value, rule) in text_fields {
            let Some(value) = value else { continue };
            let value = value.trim();
            if value.is_empty() {
                columns.push((field, ProfileValue::Text(None)));
            } else {
                check(field, rule(value))?;
                columns.push((field, ProfileValue::Text(Some(value.to_owned()))));
            }
        }
        if let Some(date) = change.birth_date {
            let date = date.trim();
            let value = if date.is_empty() {
                None
            } else {
                Some(
                    validation::birth_date(date, Utc::now().date_naive())
                        .map_err(|m| ServiceError::invalid("birth_date", m))?,
                )
            };
            columns.push(("birth_date", ProfileValue::Date(value)));
        }
        Ok(users::update_profile(&self.db, auth.user_id, &columns).await?)
    }

    /// Anyone's public view by id (a replica may answer; the primary when it lacks the user).
    pub async fn public(&self, id: Uuid) -> ServiceResult<PublicUser> {
        self.reads
            .read_checked(
                |pool| async move { users::public_by_id(&pool, id).await },
                Option::is_some,
            )
            .await?
            .ok_or_else(|| ServiceError::NotFound("no such user".to_owned()))
    }

    /// Anyone's public view by username (like [`UserService::public`]).
    pub async fn public_by_username(&self, username: &str) -> ServiceResult<PublicUser> {
        if validation::username(username.trim()).is_err() {
            return Err(ServiceError::NotFound("no such user".to_owned()));
        }
        self.reads
            .read_checked(
                |pool| async move { users::public_by_username(&pool, username).await },
                Option::is_some,
            )
            .await?
            .ok_or_else(|| ServiceError::NotFound("no such user".to_owned()))
    }

    /// Users whose username starts with `prefix`.
    pub async fn search(&self, prefix: &str, limit: Option<i64>) -> ServiceResult<Vec<PublicUser>> {
        let prefix = prefix.trim().trim_start_matches('@');
        if prefix.is_empty() {
            return Err(ServiceError::invalid(
                "search",
                "Enter the start of a username.",
            ));
        }
        let limit = limit.unwrap_or(SEARCH_DEFAULT);
        if !(1..=SEARCH_MAX).contains(&limit) {
            return Err(ServiceError::invalid(
                "limit",
                format!("limit must be between 1 and {SEARCH_MAX}"),
            ));
        }
        let plausible = prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if prefix.chars().count() > validation::USERNAME_LEN.1 || !plausible {
            return Ok(Vec::new());
        }
        // Lag-tolerant: a replica serves user search when one is healthy.
        Ok(self
            .reads
            .read_with_fallback(|pool| async move {
                users::search_by_prefix(&pool, prefix, limit).await
            })
            .await?)
    }
}
