//! The SQL data layer: every query the services run lives in this module, one file per table
//! group. Functions take any executor so services can compose them inside a transaction.

pub mod members;
pub mod messages;
pub mod notification_facts;
pub mod notification_prefs;
pub mod notifications;
pub mod outbox;
pub mod rooms;
pub mod sessions;
pub mod users;

/// A query failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint rejected the write; holds the constraint's name.
    #[error("duplicate value for {0}")]
    Duplicate(String),
    /// Anything else from the driver.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

/// Result of a data-layer call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Turns unique violations into [`StoreError::Duplicate`] so services can name the field.
pub(crate) fn map_unique(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &error {
        if db.is_unique_violation() {
            return StoreError::Duplicate(db.constraint().unwrap_or_default().to_owned());
        }
    }
    StoreError::Db(error)
}
