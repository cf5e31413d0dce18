//! Persistence for Taut: one interface, two typed engines.
//!
//! [`Store`] holds a typed sqlx pool for SQLite (the embedded default) or PostgreSQL (a clinic network); each
//! engine has its own module for connecting, its own migrations (same file names) and its own SQL where the
//! dialects differ (search, sealing), while the queries the engines share are written once and compiled for each
//! engine with native column types ([`on_tx!`]). Each access is one transaction ([`Store::begin`]) that appends
//! its audit event; a single sealer chains and signs the events later ([`audit`]), so no request waits on a
//! global lock.

mod adherence;
pub mod audit;
mod batch;
mod bulk;
mod checkin;
mod clinical;
mod engine;
mod error;
mod followup;
mod patients;
mod redact;
mod sessions;
#[cfg(feature = "test-support")]
pub mod testing;
mod timeline;
mod types;
mod users;
mod web_sessions;

use std::sync::Arc;
use std::time::Duration;

use sqlx::{PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

use engine::group_commit::{BatchTx, GroupCommit};

pub use adherence::AdherenceRecord;
pub use audit::{AuditEntry, AuditKey, ChainBreak, Checkpoint, NewAudit, SealReport};
pub use bulk::{Bulk, BulkAuthor, BulkEvent};
pub use checkin::{CheckinLinkRecord, CheckinReportRecord, NewCheckinLink, ReportedMark};
pub use clinical::{EncounterRecord, FindingRecord, OutcomeRecord, PainMarkRecord};
pub use error::StoreError;
pub use followup::{AdverseEventRecord, FollowupRecord};
pub use patients::{PatientCursor, PatientPage, PatientRecord, PatientVersion};
pub use redact::redact;
pub use sessions::{AmendmentRecord, Consent, PlanRecord, PlanVersion, ProcedureRecord, SiteRecord};
pub use timeline::PatientCourse;
pub use users::{TokenOwner, UserRecord};
pub use web_sessions::{NewSession, SessionRecord};

/// The database engine behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// How to open a database: pool size and timeouts, and whether a missing SQLite file may be created.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Connections in the pool; `None` picks a default per engine.
    pub pool_size: Option<u32>,
    /// Longest a statement may run (PostgreSQL `statement_timeout`).
    pub statement_timeout: Duration,
    /// Longest a statement waits for a lock (PostgreSQL `lock_timeout`, SQLite busy timeout).
    pub lock_timeout: Duration,
    /// Longest a request waits for a free connection before the store answers "busy".
    pub acquire_timeout: Duration,
    /// Create the SQLite file when it does not exist; otherwise a mistyped path is refused.
    pub create: bool,
    /// SQLite only: `true` (the default) syncs every commit to disk, so a committed record survives a power cut;
    /// `false` (`synchronous=NORMAL`) survives a crash of the process or the operating system's processes but
    /// may lose the last commits on a power cut, for several times the write throughput.
    pub sqlite_sync_every_commit: bool,
}

impl Default for StoreConfig {
    fn default() -> StoreConfig {
        StoreConfig {
            pool_size: None,
            statement_timeout: Duration::from_secs(15),
            lock_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
            create: false,
            sqlite_sync_every_commit: true,
        }
    }
}

#[derive(Clone)]
enum Pool {
    /// SQLite has one writer at a time: a one-connection pool queues writers fairly in-process instead of
    /// letting them spin on the file lock, and commits them in batches ([`engine::group_commit`]); readers use
    /// a pool of their own.
    Sqlite {
        write: SqlitePool,
        read: SqlitePool,
        group: Arc<GroupCommit>,
    },
    Postgres(PgPool),
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Pool::Sqlite { .. } => "Pool::Sqlite",
            Pool::Postgres(_) => "Pool::Postgres",
        })
    }
}

/// A connection pool to the records database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    /// Timeline reads, run in batches ([`batch`]).
    courses: Arc<timeline::CourseReads>,
}

enum Inner {
    Sqlite(SqliteTx),
    Postgres(Transaction<'static, Postgres>),
}

/// A SQLite transaction: an access in the writer's current batch, or a read on a reader connection.
enum SqliteTx {
    Batch(BatchTx),
    Read(Transaction<'static, Sqlite>),
}

impl SqliteTx {
    fn conn(&mut self) -> &mut SqliteConnection {
        match self {
            SqliteTx::Batch(tx) => tx.conn(),
            SqliteTx::Read(tx) => tx,
        }
    }
}

/// An open transaction. Dropping it without [`Tx::commit`] rolls everything back.
pub struct Tx {
    inner: Inner,
}

/// Runs `$body` with `$conn` bound to the transaction's connection, compiled once per engine: the same SQL and
/// row types, each engine's own column types. Placeholders are `$1, $2, …` on both.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut $tx.inner {
            $crate::Inner::Sqlite(tx) => {
                let $conn = tx.conn();
                $body
            }
            $crate::Inner::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// Like [`on_tx!`], on the pool outside any transaction.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite { read: $pool, .. } => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_pool;

impl Store {
    /// Connects to `sqlite://PATH` or `postgres://…`. See [`engine::sqlite`] for SQLite's durability settings.
    pub async fn connect(url: &str, config: &StoreConfig) -> Result<Store, StoreError> {
        let pool = if url.starts_with("sqlite:") {
            let (write, read) = engine::sqlite::connect(url, config).await?;
            let group = GroupCommit::new(write.clone(), config.acquire_timeout);
            Pool::Sqlite { write, read, group }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Pool::Postgres(engine::postgres::connect(url, config).await?)
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL '{}': use sqlite://PATH or postgres://USER@HOST/DB",
                redact(url)
            )));
        };
        let courses = batch::Batcher::new(pool.clone(), timeline::read_courses);
        Ok(Store { pool, courses })
    }

    pub fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite { .. } => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies the engine's embedded migrations that have not run yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite { write, .. } => engine::sqlite::MIGRATIONS.run(write).await,
            Pool::Postgres(pool) => engine::postgres::MIGRATIONS.run(pool).await,
        }
        .map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Starts a transaction for one access: its reads, its writes and its audit event commit together. On
    /// SQLite the access holds the one writer (every access writes its event) inside a savepoint of a batch that
    /// commits with one disk sync ([`engine::group_commit`]); PostgreSQL takes no lock beyond the rows written.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let inner = match &self.pool {
            Pool::Sqlite { group, .. } => Inner::Sqlite(SqliteTx::Batch(group.begin().await?)),
            Pool::Postgres(pool) => Inner::Postgres(pool.begin().await?),
        };
        Ok(Tx { inner })
    }

    /// Starts a transaction that only reads and records nothing (authentication, user listings): on SQLite it
    /// does not take the write lock.
    pub async fn begin_read(&self) -> Result<Tx, StoreError> {
        let inner = match &self.pool {
            Pool::Sqlite { read, .. } => Inner::Sqlite(SqliteTx::Read(read.begin().await?)),
            Pool::Postgres(pool) => Inner::Postgres(pool.begin().await?),
        };
        Ok(Tx { inner })
    }

    /// Refreshes the query planner's statistics after a bulk import, so that searches and timelines use their
    /// indexes at once rather than after the database's own background analysis.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        const TABLES: &str = "patients, patient_versions, encounters, pain_marks, findings, outcomes, audit_events, \
                              audit_chain, users, api_tokens";
        match &self.pool {
            Pool::Sqlite { write, .. } => sqlx::query("ANALYZE").execute(write).await.map(drop)?,
            Pool::Postgres(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(format!("ANALYZE {TABLES}")))
                .execute(pool)
                .await
                .map(drop)?,
        }
        Ok(())
    }

    /// Checks that the database answers (for health checks).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop))?;
        Ok(())
    }

    /// Writes a consistent copy of a SQLite database to `path` while others keep writing (`VACUUM INTO`).
    pub async fn backup_to(&self, path: &str) -> Result<(), StoreError> {
        let Pool::Sqlite { read: pool, .. } = &self.pool else {
            return Err(StoreError::Config(
                "backup copies SQLite databases; use pg_dump for PostgreSQL".into(),
            ));
        };
        if std::path::Path::new(path).exists() {
            return Err(StoreError::Config(format!("{path} exists already; choose a new file")));
        }
        sqlx::query("VACUUM INTO $1").bind(path).execute(pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite { write, read, .. } => {
                write.close().await;
                read.close().await;
            }
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            Inner::Sqlite(SqliteTx::Batch(tx)) => tx.commit().await?,
            Inner::Sqlite(SqliteTx::Read(tx)) => tx.commit().await?,
            Inner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub fn engine(&self) -> Engine {
        match self.inner {
            Inner::Sqlite(_) => Engine::Sqlite,
            Inner::Postgres(_) => Engine::Postgres,
        }
    }
}
