//! Queries on `users` and `user_profiles`.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{map_unique, StoreResult};
use crate::model::user::{Profile, PublicUser, User};

/// A user row including the password hash; never leaves the service layer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// Identifier.
    pub id: Uuid,
    /// Email as entered.
    pub email: String,
    /// Username as entered.
    pub username: String,
    /// PHC-format argon2 hash.
    pub password_hash: String,
    /// Display name.
    pub display_name: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            email: r.email,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const USER_COLUMNS: &str =
    "id, email, username, password_hash, display_name, created_at, updated_at";

/// Inserts a user and an empty profile; unique violations surface as `Duplicate`.
pub async fn insert(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    email: &str,
    username: &str,
    password_hash: &str,
    display_name: &str,
) -> StoreResult<UserRow> {
    let row: UserRow = sqlx::query_as(&format!(
        "INSERT INTO users (email, username, password_hash, display_name)
         VALUES ($1, $2, $3, $4) RETURNING {USER_COLUMNS}"
    ))
    .bind(email)
    .bind(username)
    .bind(password_hash)
    .bind(display_name)
    .fetch_one(&mut **tx)
    .await
    .map_err(map_unique)?;
    sqlx::query("INSERT INTO user_profiles (user_id) VALUES ($1)")
        .bind(row.id)
        .execute(&mut **tx)
        .await?;
    Ok(row)
}

/// The user with this id.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> StoreResult<Option<UserRow>> {
    Ok(
        sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// The user whose email or username equals `login`, ignoring case.
pub async fn by_login(db: impl PgExecutor<'_>, login: &str) -> StoreResult<Option<UserRow>> {
    let column = if login.contains('@') {
        "email"
    } else {
        "username"
    };
    Ok(sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE lower({column}) = lower($1)"
    ))
    .bind(login)
    .fetch_optional(db)
    .await?)
}

/// Changes the given account fields (a `None` keeps the value).
pub async fn update_account(
    db: impl PgExecutor<'_>,
    id: Uuid,
    username: Option<&str>,
    display_name: Option<&str>,
    email: Option<&str>,
) -> StoreResult<Option<UserRow>> {
    sqlx::query_as(&format!(
        "UPDATE users SET username = coalesce($2, username),
             display_name = coalesce($3, display_name), email = coalesce($4, email),
             updated_at = now()
         WHERE id = $1 RETURNING {USER_COLUMNS}"
    ))
    .bind(id)
    .bind(username)
    .bind(display_name)
    .bind(email)
    .fetch_optional(db)
    .await
    .map_err(map_unique)
}

/// Replaces the password hash.
pub async fn set_password_hash(db: impl PgExecutor<'_>, id: Uuid, hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PublicRow {
    id: Uuid,
    username: String,
    display_name: String,
    avatar_url: Option<String>,
}

impl From<PublicRow> for PublicUser {
    fn from(r: PublicRow) -> Self {
        PublicUser {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            avatar_url: r.avatar_url,
        }
    }
}

const PUBLIC_SELECT: &str = "SELECT u.id, u.username, u.display_name, p.avatar_url
     FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id";

/// Another user's public view by id.
pub async fn public_by_id(db: impl PgExecutor<'_>, id: Uuid) -> StoreResult<Option<PublicUser>> {
    let row: Option<PublicRow> = sqlx::query_as(&format!("{PUBLIC_SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(Into::into))
}

/// Another user's public view by username, ignoring case.
pub async fn public_by_username(
    db: impl PgExecutor<'_>,
    username: &str,
) -> StoreResult<Option<PublicUser>> {
    let row: Option<PublicRow> = sqlx::query_as(&format!(
        "{PUBLIC_SELECT} WHERE lower(u.username) = lower($1)"
    ))
    .bind(username)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

/// Users whose username starts with `prefix` (case-insensitive), alphabetically.
pub async fn search_by_prefix(
    db: impl PgExecutor<'_>,
    prefix: &str,
    limit: i64,
) -> StoreResult<Vec<PublicUser>> {
    // LIKE wildcards in the prefix are matched literally.
    let pattern = format!(
        "{}%",
        prefix
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows: Vec<PublicRow> = sqlx::query_as(&format!(
        "{PUBLIC_SELECT} WHERE lower(u.username) LIKE $1 ORDER BY lower(u.username) LIMIT $2"
    ))
    .bind(pattern)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    phone: Option<String>,
    address: Option<String>,
    city: Option<String>,
    country: Option<String>,
    postal_code: Option<String>,
    birth_date: Option<NaiveDate>,
    gender: Option<String>,
    company: Option<String>,
    education: Option<String>,
    bio: Option<String>,
    avatar_url: Option<String>,
}

impl From<ProfileRow> for Profile {
    fn from(r: ProfileRow) -> Self {
        Profile {
            phone: r.phone,
            address: r.address,
            city: r.city,
            country: r.country,
            postal_code: r.postal_code,
            birth_date: r.birth_date,
            gender: r.gender,
            company: r.company,
            education: r.education,
            bio: r.bio,
            avatar_url: r.avatar_url,
        }
    }
}

const PROFILE_COLUMNS: &str = "phone, address, city, country, postal_code, birth_date, gender, \
     company, education, bio, avatar_url";

/// The profile of a user (an empty one when the row is missing).
pub async fn profile(db: impl PgExecutor<'_>, user_id: Uuid) -> StoreResult<Option<Profile>> {
    let row: Option<ProfileRow> = sqlx::query_as(&format!(
        "SELECT {PROFILE_COLUMNS} FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id
         WHERE u.id = $1"
    ))
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

/// A validated change to one profile column: `None` clears it.
#[derive(Debug, Clone)]
pub enum ProfileValue {
    /// A text column.
    Text(Option<String>),
    /// The date column.
    Date(Option<NaiveDate>),
}

/// Writes the given columns (names come from a fixed list in the service) and returns the result.
pub async fn update_profile(
    db: &sqlx::PgPool,
    user_id: Uuid,
    changes: &[(&'static str, ProfileValue)],
) -> StoreResult<Profile> {
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new("INSERT INTO user_profiles (user_id");
    for (column, _) in changes {
        query.push(", ").push(*column);
    }
    query.push(") VALUES (").push_bind(user_id);
    for (_, value) in changes {
        query.push(", ");
        match value {
            ProfileValue::Text(v) => query.push_bind(v.clone()),
            ProfileValue::Date(v) => query.push_bind(*v),
        };
    }
    query.push(") ON CONFLICT (user_id) DO UPDATE SET updated_at = now()");
    for (column, _) in changes {
        query
            .push(", ")
            .push(*column)
            .push(" = EXCLUDED.")
            .push(*column);
    }
    query.push(format!(" RETURNING {PROFILE_COLUMNS}"));
    let row: ProfileRow = query.build_query_as().fetch_one(db).await?;
    Ok(row.into())
}
