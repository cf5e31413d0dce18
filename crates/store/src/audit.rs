//! The audit log: append-only and hash-chained, written in the same transaction as the access it records.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, Tx};

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, to be appended.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    pub id: &'a str,
    pub at: &'a str,
    pub actor_id: Option<&'a str>,
    pub actor: &'a str,
    /// `patient.read`, `patient.update`, `finding.create`, `user.add`, …
    pub action: &'a str,
    pub patient_id: Option<&'a str>,
    pub record_type: &'a str,
    pub record_id: Option<&'a str>,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub actor_id: Option<String>,
    pub actor: String,
    pub action: String,
    pub patient_id: Option<String>,
    pub record_type: String,
    pub record_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The first entry at which the chain no longer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// SHA-256 over the previous hash and every field, each length-prefixed so that no two entries hash alike.
fn chain_hash(prev_hash: &str, seq: i64, e: &NewAudit<'_>) -> String {
    let mut hasher = Sha256::new();
    let fields: [&str; 8] = [
        prev_hash,
        e.id,
        e.at,
        e.actor_id.unwrap_or(""),
        e.actor,
        e.action,
        e.patient_id.unwrap_or(""),
        e.record_type,
    ];
    hasher.update(seq.to_be_bytes());
    for field in fields.iter().chain([&e.record_id.unwrap_or("")]) {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

fn entry(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        patient_id: row.try_get("patient_id")?,
        record_type: row.try_get("record_type")?,
        record_id: row.try_get("record_id")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

const SELECT: &str =
    "SELECT seq, id, at, actor_id, actor, action, patient_id, record_type, record_id, prev_hash, hash FROM audit_log";

impl Tx {
    /// Appends an entry after the current last one. The transaction holds the writer lock (see
    /// [`Store::begin`]), so no other entry can take the same place in the chain.
    pub async fn audit(&mut self, new: NewAudit<'_>) -> Result<(), StoreError> {
        let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *self.inner)
            .await?;
        let (seq, prev_hash) = match last {
            Some(row) => (row.try_get::<i64, _>("seq")? + 1, row.try_get::<String, _>("hash")?),
            None => (1, GENESIS.to_owned()),
        };
        let hash = chain_hash(&prev_hash, seq, &new);
        sqlx::query(
            "INSERT INTO audit_log (seq, id, at, actor_id, actor, action, patient_id, record_type, record_id, \
             prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(seq)
        .bind(new.id)
        .bind(new.at)
        .bind(new.actor_id)
        .bind(new.actor)
        .bind(new.action)
        .bind(new.patient_id)
        .bind(new.record_type)
        .bind(new.record_id)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *self.inner)
        .await?;
        sqlx::query(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        )
        .bind(seq)
        .bind(&hash)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Audit entries after sequence number `after` (0 for the start), oldest first, optionally for one patient:
    /// page through the log by passing the last `seq` seen.
    pub async fn audit_entries(
        &mut self,
        patient_id: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = match patient_id {
            Some(patient) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{SELECT} WHERE patient_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
                )))
                .bind(patient)
                .bind(after)
                .bind(limit)
                .fetch_all(&mut *self.inner)
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{SELECT} WHERE seq > $1 ORDER BY seq LIMIT $2"
                )))
                .bind(after)
                .bind(limit)
                .fetch_all(&mut *self.inner)
                .await?
            }
        };
        rows.iter().map(entry).collect()
    }
}

impl Store {
    /// Walks the whole chain; returns the first entry that was altered, or that follows a removed one.
    pub async fn verify_audit(&self) -> Result<Result<u64, ChainBreak>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY seq")))
            .fetch_all(&self.pool)
            .await?;
        let mut prev = GENESIS.to_owned();
        for (expected_seq, row) in (1_i64..).zip(rows.iter()) {
            let e = entry(row)?;
            if e.seq != expected_seq {
                return Ok(Err(ChainBreak {
                    seq: e.seq,
                    reason: format!("entry {expected_seq} is missing"),
                }));
            }
            if e.prev_hash != prev {
                return Ok(Err(ChainBreak {
                    seq: e.seq,
                    reason: "does not link to the entry before it".into(),
                }));
            }
            let new = NewAudit {
                id: &e.id,
                at: &e.at,
                actor_id: e.actor_id.as_deref(),
                actor: &e.actor,
                action: &e.action,
                patient_id: e.patient_id.as_deref(),
                record_type: &e.record_type,
                record_id: e.record_id.as_deref(),
            };
            if chain_hash(&prev, e.seq, &new) != e.hash {
                return Ok(Err(ChainBreak {
                    seq: e.seq,
                    reason: "its content was altered".into(),
                }));
            }
            prev = e.hash;
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        let last_seq = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        if let Some(head) = head {
            let (seq, hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
            if seq != last_seq || hash != prev {
                return Ok(Err(ChainBreak {
                    seq: last_seq + 1,
                    reason: format!(
                        "the log ends at entry {last_seq} but its head records entry {seq}: entries were removed from the end"
                    ),
                }));
            }
        } else if !rows.is_empty() {
            return Ok(Err(ChainBreak {
                seq: 1,
                reason: "the chain's head record is missing".into(),
            }));
        }
        Ok(Ok(rows.len() as u64))
    }

    /// Creates a schema (PostgreSQL), for giving each test its own.
    #[doc(hidden)]
    pub async fn create_schema_for_tests(&self, name: &str) -> Result<(), StoreError> {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::Config(format!("bad schema name {name}")));
        }
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Drops test schemas (`t_<pid>_<nanos>_<n>`, PostgreSQL) created before `before_nanos` since the epoch.
    #[doc(hidden)]
    pub async fn drop_test_schemas_before(&self, before_nanos: u128) -> Result<u64, StoreError> {
        let rows = sqlx::query(
            "SELECT schema_name::text AS name FROM information_schema.schemata WHERE schema_name LIKE 't\\_%'",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut dropped = 0;
        for row in rows {
            let name: String = row.try_get("name")?;
            let created = name.split('_').nth(2).and_then(|n| n.parse::<u128>().ok());
            if created.is_some_and(|c| c < before_nanos) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {name} CASCADE")))
                    .execute(&self.pool)
                    .await?;
                dropped += 1;
            }
        }
        Ok(dropped)
    }

    /// Executes raw SQL outside any transaction: for tests that tamper with data on purpose.
    #[doc(hidden)]
    pub async fn execute_unchecked(&self, sql: &'static str) -> Result<u64, StoreError> {
        Ok(sqlx::query(sql).execute(&self.pool).await?.rows_affected())
    }
}
