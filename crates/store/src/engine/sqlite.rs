//! SQLite, the embedded default: one file, WAL, a committed visit survives a power cut.

use std::str::FromStr;

use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{StoreConfig, StoreError, redact};

pub static MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");

/// Opens the writer pool (one connection) and the reader pool. WAL lets readers run beside the writer;
/// `synchronous=FULL` (unless configured otherwise) makes every commit durable; foreign keys are enforced.
pub async fn connect(url: &str, config: &StoreConfig) -> Result<(SqlitePool, SqlitePool), StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("{}: {e}", redact(url))))?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(if config.sqlite_sync_every_commit {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        })
        .foreign_keys(true)
        .busy_timeout(config.lock_timeout)
        // A 64 MiB page cache per connection (SQLite's default is 2 MiB): indexes of a clinic's records stay
        // in memory instead of being re-read on every write.
        .pragma("cache_size", "-65536")
        .create_if_missing(config.create);
    let path = options.get_filename();
    let in_memory = path.as_os_str().is_empty() || path.as_os_str() == ":memory:";
    if !config.create && !in_memory && !path.exists() {
        return Err(StoreError::Config(format!(
            "no database at {}: check the path, or create one with `taut migrate --create --database {}`",
            path.display(),
            redact(url)
        )));
    }
    // An SQLite connection is a file handle inside this process and cannot go stale the way a network
    // connection can, so the pool's ping before every acquire (a round trip to the connection's worker thread)
    // buys nothing and is skipped.
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .acquire_timeout(config.acquire_timeout)
        .connect_with(options.clone())
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let read = SqlitePoolOptions::new()
        .max_connections(config.pool_size.unwrap_or(4).max(1))
        .test_before_acquire(false)
        .acquire_timeout(config.acquire_timeout)
        .connect_with(options.create_if_missing(false))
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    Ok((write, read))
}
