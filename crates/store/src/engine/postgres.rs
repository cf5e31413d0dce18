//! PostgreSQL, for a clinic network: several stateless servers on one database.

use std::str::FromStr;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};

use crate::{StoreConfig, StoreError, redact};

pub static MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// How recently a pooled connection must have been used to be handed out without a ping.
const ALIVE_WINDOW: std::time::Duration = std::time::Duration::from_millis(500);

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
        // sqlx pings every connection before handing it out: a round trip per access. A connection used less
        // than `ALIVE_WINDOW` ago is handed out untested (as HikariCP's alive-bypass window does); one idle
        // longer is pinged, and dropped if the database went away while it sat in the pool.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= ALIVE_WINDOW {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .acquire_timeout(config.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}
