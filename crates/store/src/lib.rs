//! Persistence for Taut: one schema, one code path, two engines.
//!
//! Records go through sqlx's `Any` driver to SQLite (the embedded default) or PostgreSQL (a clinic network). The
//! schema sticks to types both engines share through that driver — text ids and timestamps, 64-bit integers,
//! doubles, JSON text — so every query is written once and the same test suite runs on both. Each write and each
//! audited read is one transaction ([`Store::begin`]); the audit entry is appended inside it.

mod audit;
mod clinical;
mod error;
mod patients;
#[doc(hidden)]
pub mod testing;
mod users;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Executor, Transaction};

pub use audit::{AuditEntry, ChainBreak, NewAudit};
pub use clinical::{EncounterRecord, FindingRecord, OutcomeRecord, PainMarkRecord};
pub use error::StoreError;
pub use patients::{PatientRecord, PatientVersion};
pub use users::{TokenOwner, UserRecord};

/// One migration set for both engines: the schema uses only types and syntax they share. Should a change
/// ever need engine-specific DDL, split this into one folder per engine with the same file names.
static MIGRATIONS: Migrator = sqlx::migrate!();

/// The database engine behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A connection pool to the records database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
}

/// An open transaction. Dropping it without [`Tx::commit`] rolls everything back.
pub struct Tx {
    inner: Transaction<'static, Any>,
}

impl Store {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…`. SQLite runs in WAL mode with
    /// `synchronous=FULL` (a committed visit survives a power cut), foreign keys on and a 5 s busy timeout.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Engine::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL '{}': use sqlite://PATH or postgres://USER@HOST/DB",
                redact(url)
            )));
        };
        let url = match engine {
            Engine::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(|e| StoreError::Config(e.to_string()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(if engine == Engine::Sqlite { 4 } else { 8 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Store { pool, engine })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Applies the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATIONS
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Starts a transaction that may write. Writers are serialised — `BEGIN IMMEDIATE` on SQLite, a lock on the
    /// audit log on PostgreSQL — because every transaction appends to the one audit hash chain.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let mut inner = match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Engine::Postgres => self.pool.begin().await?,
        };
        if self.engine == Engine::Postgres {
            inner.execute("LOCK TABLE audit_log IN EXCLUSIVE MODE").await?;
        }
        Ok(Tx { inner })
    }

    /// Starts a transaction that only reads and records nothing in the audit log (authentication, user
    /// listings): it takes no writer lock.
    pub async fn begin_read(&self) -> Result<Tx, StoreError> {
        Ok(Tx {
            inner: self.pool.begin().await?,
        })
    }

    /// Checks that the database answers (for health checks).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Writes a consistent copy of a SQLite database to `path` while others keep writing (`VACUUM INTO`).
    pub async fn backup_to(&self, path: &str) -> Result<(), StoreError> {
        if self.engine != Engine::Sqlite {
            return Err(StoreError::Config(
                "backup copies SQLite databases; use pg_dump for PostgreSQL".into(),
            ));
        }
        if std::path::Path::new(path).exists() {
            return Err(StoreError::Config(format!("{path} exists already; choose a new file")));
        }
        sqlx::query("VACUUM INTO $1").bind(path).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        self.inner.commit().await?;
        Ok(())
    }
}

/// A URL without its password, for error messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
