//! PostgreSQL, for a clinic network: several stateless servers on one database.

use std::str::FromStr;

use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::{StoreConfig, StoreError, redact};

pub static MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Opens the pool; every connection gets the configured statement and lock timeouts, and a transaction left
/// idle is ended by the server rather than holding its locks.
pub async fn connect(url: &str, config: &StoreConfig) -> Result<PgPool, StoreError> {
    let ms = |d: std::time::Duration| format!("{}ms", d.as_millis());
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("{}: {e}", redact(url))))?
        .options([
            ("statement_timeout", ms(config.statement_timeout)),
            ("lock_timeout", ms(config.lock_timeout)),
            ("idle_in_transaction_session_timeout", ms(config.statement_timeout * 2)),
        ]);
    PgPoolOptions::new()
        .max_connections(config.pool_size.unwrap_or(16).max(1))
        .acquire_timeout(config.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}
