//! What can go wrong in the store, in the terms callers branch on.

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule or a stale version: the caller's view of the data is out of date.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database configuration: {0}")]
    Config(String),
    /// The database cannot be reached, or is too busy to answer in time: worth trying again later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// Anything else: a bug, not a condition to retry.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

/// PostgreSQL error classes that mean "busy or going away", not "wrong": lock and statement timeouts
/// (55P03, 57014), serialization and deadlock (40001, 40P01), too many connections (53300), shutdown (57P0x).
const PG_TRANSIENT: &[&str] = &["55P03", "57014", "40001", "40P01", "53300", "57P01", "57P02", "57P03"];

impl StoreError {
    /// Whether trying again later may succeed (the database is unreachable or busy), as opposed to a bug.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(format!("a record with the same unique value exists ({})", db.message()))
            }
            sqlx::Error::Database(db) if db.code().is_some_and(|c| PG_TRANSIENT.contains(&c.as_ref())) => {
                StoreError::Unavailable(db.message().to_owned())
            }
            // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
            sqlx::Error::Database(db)
                if db
                    .code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .is_some_and(|c| matches!(c & 0xff, 5 | 6)) =>
            {
                StoreError::Unavailable(db.message().to_owned())
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Database(e),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> StoreError {
        StoreError::Corrupt(e.to_string())
    }
}
