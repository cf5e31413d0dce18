//! The two migration sets describe one schema: the same files, tables, columns, nullability, keys and checks.

use std::collections::BTreeMap;

use taut_store::Store;
use taut_store::testing::{execute, postgres, sqlite};

/// Objects one engine needs and the other does not: SQLite's full-text index over patients (PostgreSQL indexes
/// the column itself), PostgreSQL's transaction id on audit events (SQLite's writers commit in sequence order) and
/// SQLite's flag that an import defers rebuilding courses (PostgreSQL uses a transaction-local setting).
fn engine_specific(table: &str, column: &str) -> bool {
    table.starts_with("patients_search")
        || table == "course_deferrals"
        || table.starts_with("sqlite_")
        || table.starts_with("_sqlx")
        || (table == "audit_events" && column == "xid")
}

#[test]
fn both_engines_have_the_same_migration_files() {
    let names = |dir: &str| {
        let mut names: Vec<String> = std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .expect("migrations")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
    assert!(!names("sqlite").is_empty());
}

/// table → column → (not null, part of the primary key)
type Columns = BTreeMap<String, BTreeMap<String, (bool, bool)>>;
/// table → (foreign keys as "column→table", number of CHECK constraints)
type Constraints = BTreeMap<String, (Vec<String>, usize)>;

async fn scratch(store: &Store, sql: &str) {
    execute(store, sql).await.expect("scratch table");
}

async fn sqlite_shape(store: &Store) -> (Columns, Constraints) {
    // Introspection through the store's own query path: copy the catalog into a scratch table, then read it.
    scratch(
        store,
        "CREATE TABLE shape AS SELECT m.name AS t, p.name AS c, p.\"notnull\" AS nn, p.pk AS pk \
         FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'",
    )
    .await;
    scratch(
        store,
        "CREATE TABLE fks AS SELECT m.name AS t, f.\"from\" AS c, f.\"table\" AS r \
         FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
    )
    .await;
    scratch(
        store,
        // A flag's `CHECK (x IN (0, 1))` is SQLite's stand-in for PostgreSQL's boolean type, not a rule of its own.
        "CREATE TABLE checks AS SELECT name AS t, \
         (length(sql) - length(replace(sql, 'CHECK (', ''))) / 7 \
         - (length(sql) - length(replace(sql, 'IN (0, 1))', ''))) / 10 AS n FROM sqlite_master WHERE type = 'table'",
    )
    .await;
    read_shape(store).await
}

async fn postgres_shape(store: &Store) -> (Columns, Constraints) {
    scratch(
        store,
        "CREATE TABLE shape AS SELECT c.table_name::text AS t, c.column_name::text AS c, \
         (c.is_nullable = 'NO')::int AS nn, \
         (EXISTS (SELECT 1 FROM information_schema.key_column_usage k JOIN information_schema.table_constraints tc \
            ON tc.constraint_name = k.constraint_name AND tc.table_schema = k.table_schema \
          WHERE tc.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema \
            AND k.table_name = c.table_name AND k.column_name = c.column_name))::int AS pk \
         FROM information_schema.columns c WHERE c.table_schema = current_schema()",
    )
    .await;
    scratch(
        store,
        "CREATE TABLE fks AS SELECT cl.relname::text AS t, a.attname::text AS c, rf.relname::text AS r \
         FROM pg_constraint k JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class rf ON rf.oid = k.confrelid \
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] \
         WHERE k.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace",
    )
    .await;
    scratch(
        store,
        "CREATE TABLE checks AS SELECT cl.relname::text AS t, count(*)::int AS n FROM pg_constraint k \
         JOIN pg_class cl ON cl.oid = k.conrelid WHERE k.contype = 'c' \
         AND cl.relnamespace = current_schema()::regnamespace GROUP BY cl.relname",
    )
    .await;
    read_shape(store).await
}

async fn read_shape(store: &Store) -> (Columns, Constraints) {
    let mut columns = Columns::new();
    for (t, c, nn, pk) in store
        .scratch_rows4("SELECT CAST(t AS TEXT), CAST(c AS TEXT), CAST(nn AS TEXT), CAST(pk AS BIGINT) FROM shape")
        .await
    {
        if !engine_specific(&t, &c) && t != "shape" && t != "fks" && t != "checks" {
            // SQLite reports INTEGER PRIMARY KEY columns as nullable; a primary key is never null.
            columns.entry(t).or_default().insert(c, (nn == "1" || pk > 0, pk > 0));
        }
    }
    let mut constraints = Constraints::new();
    for (t, c, r, _) in store
        .scratch_rows4("SELECT CAST(t AS TEXT), CAST(c AS TEXT), CAST(r AS TEXT), CAST(0 AS BIGINT) FROM fks")
        .await
    {
        constraints.entry(t).or_default().0.push(format!("{c}→{r}"));
    }
    for (t, n, _, _) in store
        .scratch_rows4("SELECT CAST(t AS TEXT), CAST(n AS TEXT), '', CAST(0 AS BIGINT) FROM checks")
        .await
    {
        if !engine_specific(&t, "") && t != "shape" && t != "fks" && t != "checks" {
            constraints.entry(t).or_default().1 = n.parse().expect("count");
        }
    }
    for (fks, _) in constraints.values_mut() {
        fks.sort();
    }
    constraints.retain(|t, (fks, n)| !engine_specific(t, "") && (!fks.is_empty() || *n > 0));
    (columns, constraints)
}

trait ScratchRows {
    async fn scratch_rows4(&self, sql: &str) -> Vec<(String, String, String, i64)>;
}

impl ScratchRows for Store {
    async fn scratch_rows4(&self, sql: &str) -> Vec<(String, String, String, i64)> {
        taut_store::testing::rows4(self, sql).await.expect("read scratch table")
    }
}

#[tokio::test]
async fn both_engines_build_the_same_tables_columns_and_constraints() {
    let Some(pg) = postgres().await else { return };
    let (sqlite_columns, sqlite_constraints) = sqlite_shape(&sqlite().await).await;
    let (pg_columns, pg_constraints) = postgres_shape(&pg).await;
    assert_eq!(sqlite_columns, pg_columns);
    assert_eq!(sqlite_constraints, pg_constraints);
    assert!(sqlite_columns.contains_key("audit_events") && sqlite_columns.contains_key("patients"));
}
