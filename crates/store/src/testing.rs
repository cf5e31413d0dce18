//! Fresh databases for tests, shared by every crate's test suite.
//!
//! PostgreSQL is taken from `TAUT_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`), each
//! call in a new schema; an unreachable server fails the test, unless `TAUT_TEST_POSTGRES=skip` says to run on
//! SQLite alone.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::Store;

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A name no other test in any process has used.
fn unique(prefix: &str) -> String {
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

/// A migrated SQLite database in a new temporary file.
pub async fn sqlite() -> Store {
    let path = std::env::temp_dir().join(format!("{}.db", unique("taut_test")));
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("SQLite opens");
    store.migrate().await.expect("SQLite migrates");
    store
}

/// The PostgreSQL URL of a new, migrated schema; `None` when PostgreSQL tests are switched off.
pub async fn postgres_url() -> Option<String> {
    if std::env::var("TAUT_TEST_POSTGRES").as_deref() == Ok("skip") {
        return None;
    }
    let url = std::env::var("TAUT_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
    let admin = Store::connect(&url).await.unwrap_or_else(|e| {
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
        let _ = admin.drop_test_schemas_before(hour_ago).await;
    }
    let schema = unique("t");
    admin.create_schema_for_tests(&schema).await.expect("create schema");
    admin.close().await;
    let separator = if url.contains('?') { '&' } else { '?' };
    let scoped = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    Store::connect(&scoped)
        .await
        .expect("connect")
        .migrate()
        .await
        .expect("PostgreSQL migrates");
    Some(scoped)
}

/// A migrated store in a new PostgreSQL schema.
pub async fn postgres() -> Option<Store> {
    let url = postgres_url().await?;
    Some(Store::connect(&url).await.expect("connect"))
}

/// A fresh store on every engine under test: SQLite always, PostgreSQL unless switched off.
pub async fn backends() -> Vec<Store> {
    let mut all = vec![sqlite().await];
    all.extend(postgres().await);
    all
}
