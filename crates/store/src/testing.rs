//! Fresh databases for tests, shared by every crate's test suite (feature `test-support`, never in the binary).
//!
//! PostgreSQL is taken from `TAUT_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`), each
//! call in a new schema; an unreachable server fails the test, unless `TAUT_TEST_POSTGRES=skip` says to run on
//! SQLite alone.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Store, StoreConfig, StoreError, on_pool};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A name no other test in any process has used.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn creating() -> StoreConfig {
    StoreConfig {
        create: true,
        ..StoreConfig::default()
    }
}

/// The URL of a new, migrated SQLite database in a temporary file.
pub async fn sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!("{}.db", unique("taut_test")));
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url, &creating()).await.expect("SQLite opens");
    store.migrate().await.expect("SQLite migrates");
    store.close().await;
    url
}

/// A migrated SQLite database in a new temporary file.
pub async fn sqlite() -> Store {
    Store::connect(&sqlite_url().await, &StoreConfig::default())
        .await
        .expect("SQLite opens")
}

/// The PostgreSQL URL of a new, migrated schema; `None` when PostgreSQL tests are switched off.
pub async fn postgres_url() -> Option<String> {
    if std::env::var("TAUT_TEST_POSTGRES").as_deref() == Ok("skip") {
        return None;
    }
    let url = std::env::var("TAUT_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
    let admin = Store::connect(&url, &StoreConfig::default()).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL at {url} is unreachable ({e}); start it, or set TAUT_TEST_POSTGRES=skip to test on SQLite only"
        )
    });
    // Schemas of earlier runs (over an hour old) are dropped, once per process, so the test database stays small.
    static SWEPT: std::sync::Once = std::sync::Once::new();
    let mut sweep = false;
    SWEPT.call_once(|| sweep = true);
    if sweep {
        let hour_ago = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos().saturating_sub(3_600_000_000_000))
            .unwrap_or(0);
        let _ = drop_schemas_before(&admin, hour_ago).await;
    }
    let schema = unique("t");
    execute(&admin, &format!("CREATE SCHEMA {schema}"))
        .await
        .expect("create schema");
    admin.close().await;
    let separator = if url.contains('?') { '&' } else { '?' };
    let scoped = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    let store = Store::connect(&scoped, &StoreConfig::default()).await.expect("connect");
    store.migrate().await.expect("PostgreSQL migrates");
    store.close().await;
    Some(scoped)
}

/// A migrated store in a new PostgreSQL schema.
pub async fn postgres() -> Option<Store> {
    let url = postgres_url().await?;
    Some(Store::connect(&url, &StoreConfig::default()).await.expect("connect"))
}

/// A fresh store on every engine under test: SQLite always, PostgreSQL unless switched off.
pub async fn backends() -> Vec<Store> {
    let mut all = vec![sqlite().await];
    all.extend(postgres().await);
    all
}

/// The URLs of fresh databases on every engine under test.
pub async fn backend_urls() -> Vec<String> {
    let mut all = vec![sqlite_url().await];
    all.extend(postgres_url().await);
    all
}

/// Executes raw SQL outside any transaction: for tests that tamper with data on purpose, as someone with the
/// database owner's rights could.
pub async fn execute(store: &Store, sql: &str) -> Result<u64, StoreError> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    Ok(on_pool!(store, pool => {
        let mut conn = pool.acquire().await?;
        sqlx::raw_sql(sql).execute(&mut *conn).await.map(|r| r.rows_affected())
    })?)
}

/// Drops test schemas (`t_<pid>_<nanos>_<n>`) created before `before_nanos` since the epoch.
async fn drop_schemas_before(admin: &Store, before_nanos: u128) -> Result<u64, StoreError> {
    let names: Vec<(String,)> = on_pool!(admin, pool => sqlx::query_as(
        "SELECT schema_name::text FROM information_schema.schemata WHERE schema_name LIKE 't\\_%'",
    )
    .fetch_all(pool)
    .await)?;
    let mut dropped = 0;
    for (name,) in names {
        let created = name.split('_').nth(2).and_then(|n| n.parse::<u128>().ok());
        if created.is_some_and(|c| c < before_nanos) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            execute(admin, &format!("DROP SCHEMA IF EXISTS {name} CASCADE")).await?;
            dropped += 1;
        }
    }
    Ok(dropped)
}

/// Rows of four text-or-integer columns from raw SQL (the first three read as text, the last as an integer):
/// for tests that inspect the catalog.
pub async fn rows4(store: &Store, sql: &str) -> Result<Vec<(String, String, String, i64)>, StoreError> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    Ok(on_pool!(store, pool => sqlx::query_as(sql).fetch_all(pool).await)?)
}

/// SQLite's group commit: how many batches have ended and how many accesses wait for the writer; `None` on
/// PostgreSQL.
pub fn writer_stats(store: &Store) -> Option<(u64, usize)> {
    match &store.pool {
        crate::Pool::Sqlite { group, .. } => Some(group.stats()),
        crate::Pool::Postgres(_) => None,
    }
}
