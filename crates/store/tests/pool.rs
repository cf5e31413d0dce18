//! PostgreSQL's pool hands out a connection used moments ago without pinging it, and pings one that sat idle
//! longer: a connection the database dropped while it was idle is replaced, never handed to an access.

use std::time::Duration;

use taut_store::testing::{execute, postgres_url, rows4};
use taut_store::{Store, StoreConfig};

const BACKEND: &str = "SELECT 'pid', '', '', pg_backend_pid()::bigint";

async fn backend(store: &Store) -> i64 {
    let rows = rows4(store, BACKEND).await.expect("an access on the pooled connection");
    rows[0].3
}

#[tokio::test]
async fn a_connection_dropped_by_the_database_while_idle_is_replaced() {
    let Some(url) = postgres_url().await else {
        return;
    };
    let one = StoreConfig {
        pool_size: Some(1),
        ..StoreConfig::default()
    };
    let store = Store::connect(&url, &one).await.expect("connect");
    let first = backend(&store).await;
    assert_eq!(backend(&store).await, first, "one pooled connection, reused");

    let admin = Store::connect(&url, &StoreConfig::default()).await.expect("admin");
    execute(&admin, &format!("SELECT pg_terminate_backend({first})"))
        .await
        .expect("the database drops the pooled connection");
    // Idle for longer than the pool's alive window, so the next hand-out pings, finds it gone and reconnects.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let second = backend(&store).await;
    assert_ne!(second, first, "a new connection replaced the dropped one");
    admin.close().await;
    store.close().await;
}
