//! The audit trail: every access appends an event in its own transaction; a single sealer later chains the
//! events in batches and signs each batch with the clinic's key.
//!
//! Requests never wait on each other for the trail: an event is a plain insert. The sealer (one at a time
//! across servers: a PostgreSQL advisory lock, SQLite's write lock) takes every event that can no longer be
//! joined by an earlier one — on PostgreSQL the events of transactions older than every transaction still
//! running (`pg_snapshot_xmin`), on SQLite every committed event, since its writers commit one at a time — gives
//! them the next positions in the chain, each with the hash over the previous hash and the event, and signs the
//! last hash of the batch (HMAC-SHA256 with a key kept outside the database). Readers see sealed events only, in
//! chain order. [`Store::verify_audit`] streams the chain in one snapshot and finds an altered, inserted,
//! reordered or removed entry; a [`Checkpoint`] kept elsewhere also catches entries removed from the end together
//! with their seals.

use std::fmt;
use std::path::Path;

use futures_util::TryStreamExt;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::types::Json;
use uuid::Uuid;

use crate::types::{Stamp, id, opt_id};
use crate::{Engine, Inner, Pool, Store, StoreError, Tx, on_tx};

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Any fixed number: the PostgreSQL advisory lock that makes one server the sealer at a time.
const SEALER_LOCK: i64 = 0x7461_7574_5f73_6561; // "taut_sea"

/// What happened, to be appended.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    pub id: &'a str,
    pub at: &'a str,
    pub actor_id: Option<&'a str>,
    pub actor: &'a str,
    /// `patient.read`, `patient.update`, `finding.create`, `user.add`, `access.refused`, …
    pub action: &'a str,
    pub patient_id: Option<&'a str>,
    pub record_type: &'a str,
    pub record_id: Option<&'a str>,
    /// What else the event needs to say: the patients a search returned, why access was refused.
    pub details: Option<serde_json::Value>,
}

/// A sealed audit entry, as readers see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Its place in the chain: readers page by it.
    pub position: i64,
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub actor_id: Option<String>,
    pub actor: String,
    pub action: String,
    pub patient_id: Option<String>,
    pub record_type: String,
    pub record_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
    pub hash: String,
}

/// The first place at which the trail no longer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub position: i64,
    pub reason: String,
}

/// What one sealing pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SealReport {
    /// Events chained in this pass.
    pub sealed: u64,
    /// Another server held the sealer lock, so this one did nothing.
    pub skipped: bool,
}

/// The key that signs seals and checkpoints: 32 random bytes, kept in a file outside the database.
#[derive(Clone)]
pub struct AuditKey {
    bytes: [u8; 32],
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditKey({})", self.id())
    }
}

impl AuditKey {
    pub fn generate() -> Result<AuditKey, StoreError> {
        let mut bytes = [0_u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Config(format!("no randomness for a key: {e}")))?;
        Ok(AuditKey { bytes })
    }

    /// Parses the key file's text: 64 hexadecimal digits.
    pub fn parse(text: &str) -> Result<AuditKey, StoreError> {
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| StoreError::Config("an audit key is 64 hexadecimal digits".into()))?;
        Ok(AuditKey { bytes })
    }

    pub fn read(path: &Path) -> Result<AuditKey, StoreError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StoreError::Config(format!("cannot read the audit key {}: {e}", path.display())))?;
        AuditKey::parse(&text).map_err(|e| StoreError::Config(format!("{}: {e}", path.display())))
    }

    /// The text written to a key file.
    pub fn to_hex(&self) -> String {
        hex::encode(self.bytes)
    }

    /// A short public name for the key, stored with each seal, so that verifying with the wrong key says so.
    pub fn id(&self) -> String {
        let digest = Sha256::new()
            .chain_update(b"taut-audit-key-id")
            .chain_update(self.bytes)
            .finalize();
        hex::encode(&digest[..8])
    }

    fn mac(&self, message: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.bytes).expect("HMAC takes any key length");
        mac.update(message.as_bytes());
        mac
    }

    pub fn sign(&self, message: &str) -> String {
        hex::encode(self.mac(message).finalize().into_bytes())
    }

    pub fn verifies(&self, message: &str, signature: &str) -> bool {
        hex::decode(signature).is_ok_and(|sig| self.mac(message).verify_slice(&sig).is_ok())
    }
}

/// A signed statement of the chain's length and last hash, printed for the clinic to keep outside the database:
/// `taut-audit-checkpoint v1 position=N root=HEX at=TIME sig=HEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub position: i64,
    pub root: String,
    pub at: String,
    pub signature: String,
}

impl Checkpoint {
    fn message(position: i64, root: &str, at: &str) -> String {
        format!("taut-audit-checkpoint|{position}|{root}|{at}")
    }

    pub fn parse(line: &str) -> Result<Checkpoint, StoreError> {
        let bad = |what: &str| {
            StoreError::Config(format!(
                "not a checkpoint line ({what}); expected `taut-audit-checkpoint v1 position=N root=HEX at=TIME sig=HEX`"
            ))
        };
        let mut words = line.split_whitespace();
        if words.next() != Some("taut-audit-checkpoint") || words.next() != Some("v1") {
            return Err(bad("header"));
        }
        let mut field = |name: &str| {
            words
                .next()
                .and_then(|w| w.strip_prefix(name))
                .and_then(|w| w.strip_prefix('='))
                .map(str::to_owned)
                .ok_or_else(|| bad(name))
        };
        let position = field("position")?.parse().map_err(|_| bad("position"))?;
        Ok(Checkpoint {
            position,
            root: field("root")?,
            at: field("at")?,
            signature: field("sig")?,
        })
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "taut-audit-checkpoint v1 position={} root={} at={} sig={}",
            self.position, self.root, self.at, self.signature
        )
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    id: Uuid,
    at: Stamp,
    actor_id: Option<Uuid>,
    actor: String,
    action: String,
    patient_id: Option<Uuid>,
    record_type: String,
    record_id: Option<String>,
    details: Option<Json<serde_json::Value>>,
}

/// SHA-256 over the previous hash, the position and every field of the event, each length-prefixed so that
/// no two entries hash alike.
fn chain_hash(prev_hash: &str, position: i64, e: &EventRow) -> String {
    let mut hasher = Sha256::new();
    hasher.update(position.to_be_bytes());
    hasher.update(e.seq.to_be_bytes());
    let details = e.details.as_ref().map(|d| d.0.to_string()).unwrap_or_default();
    let fields: [&str; 10] = [
        prev_hash,
        &e.id.to_string(),
        &e.at.0,
        &e.actor_id.map(|u| u.to_string()).unwrap_or_default(),
        &e.actor,
        &e.action,
        &e.patient_id.map(|u| u.to_string()).unwrap_or_default(),
        &e.record_type,
        e.record_id.as_deref().unwrap_or(""),
        &details,
    ];
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

fn seal_message(batch: i64, last_position: i64, root: &str, horizon: i64, sealed_at: &str) -> String {
    format!("taut-audit-seal|{batch}|{last_position}|{root}|{horizon}|{sealed_at}")
}

const EVENT_COLUMNS: &str =
    "e.seq, e.id, e.at, e.actor_id, e.actor, e.action, e.patient_id, e.record_type, e.record_id, e.details";

#[derive(sqlx::FromRow)]
struct SealRow {
    batch: i64,
    last_position: i64,
    root: String,
    horizon: i64,
    key_id: String,
}

#[derive(sqlx::FromRow)]
struct ChainRow {
    position: i64,
    chain_seq: i64,
    batch: i64,
    hash: String,
    #[sqlx(flatten)]
    event: EventFields,
    seal_batch: Option<i64>,
    seal_root: Option<String>,
    seal_horizon: Option<i64>,
    seal_at: Option<Stamp>,
    seal_key_id: Option<String>,
    seal_signature: Option<String>,
}

/// The event's columns as an outer join returns them: absent when the event row was removed.
#[derive(sqlx::FromRow)]
struct EventFields {
    seq: Option<i64>,
    id: Option<Uuid>,
    at: Option<Stamp>,
    actor_id: Option<Uuid>,
    actor: Option<String>,
    action: Option<String>,
    patient_id: Option<Uuid>,
    record_type: Option<String>,
    record_id: Option<String>,
    details: Option<Json<serde_json::Value>>,
}

impl EventFields {
    fn complete(self) -> Option<EventRow> {
        Some(EventRow {
            seq: self.seq?,
            id: self.id?,
            at: self.at?,
            actor_id: self.actor_id,
            actor: self.actor?,
            action: self.action?,
            patient_id: self.patient_id,
            record_type: self.record_type?,
            record_id: self.record_id,
            details: self.details,
        })
    }
}

impl Tx {
    /// Appends an event in this transaction: it commits with the access it records, or not at all.
    pub async fn audit(&mut self, new: NewAudit<'_>) -> Result<(), StoreError> {
        let (eid, actor_id, patient_id) = (id(new.id)?, opt_id(new.actor_id)?, opt_id(new.patient_id)?);
        let at = Stamp::from(new.at);
        let details = new.details.map(Json);
        const SQL: &str = "INSERT INTO audit_events (id, at, actor_id, actor, action, patient_id, record_type, \
                           record_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(eid)
            .bind(&at)
            .bind(actor_id)
            .bind(new.actor)
            .bind(new.action)
            .bind(patient_id)
            .bind(new.record_type)
            .bind(new.record_id)
            .bind(&details)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    /// Sealed entries after chain position `after` (0 for the start), in chain order, optionally for one
    /// patient: page through the log by passing the last position seen.
    pub async fn audit_entries(
        &mut self,
        patient_id: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let patient = match patient_id {
            Some(p) => Some(id(p).or(Ok::<_, StoreError>(Uuid::nil()))?),
            None => None,
        };
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT c.position, c.hash, {EVENT_COLUMNS} FROM audit_chain c JOIN audit_events e ON e.seq = c.seq \
             WHERE c.position > $1 AND ($2 IS NULL OR e.patient_id = $2) ORDER BY c.position LIMIT $3"
        ));
        #[derive(sqlx::FromRow)]
        struct Row {
            position: i64,
            hash: String,
            #[sqlx(flatten)]
            event: EventRow,
        }
        let rows: Vec<Row> = on_tx!(self, conn => sqlx::query_as(sql)
            .bind(after)
            .bind(patient)
            .bind(limit)
            .fetch_all(conn)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                position: r.position,
                seq: r.event.seq,
                id: r.event.id.to_string(),
                at: r.event.at.0,
                actor_id: r.event.actor_id.map(|u| u.to_string()),
                actor: r.event.actor,
                action: r.event.action,
                patient_id: r.event.patient_id.map(|u| u.to_string()),
                record_type: r.event.record_type,
                record_id: r.event.record_id,
                details: r.event.details.map(|d| d.0),
                hash: r.hash,
            })
            .collect())
    }

    async fn last_seal(&mut self) -> Result<Option<SealRow>, StoreError> {
        const SQL: &str = "SELECT batch, last_position, root, horizon, key_id FROM audit_seals \
                           ORDER BY batch DESC LIMIT 1";
        Ok(on_tx!(self, conn => sqlx::query_as(SQL).fetch_optional(conn).await)?)
    }
}

impl Store {
    /// One sealing pass: chains and signs every event that is final, in one transaction. Returns at once, doing
    /// nothing, when another server is sealing.
    pub async fn seal(&self, key: &AuditKey, now: &str) -> Result<SealReport, StoreError> {
        let mut tx = self.begin().await?;
        let engine = tx.engine();
        if engine == Engine::Postgres {
            let (locked,): (bool,) = on_tx!(tx, conn => sqlx::query_as("SELECT pg_try_advisory_xact_lock($1)")
                .bind(SEALER_LOCK)
                .fetch_one(conn)
                .await)?;
            if !locked {
                return Ok(SealReport {
                    sealed: 0,
                    skipped: true,
                });
            }
        }
        let last = tx.last_seal().await?;
        if let Some(last) = &last
            && last.key_id != key.id()
        {
            return Err(StoreError::Config(format!(
                "the audit key {} is not the key {} that sealed batch {}: use the clinic's key file",
                key.id(),
                last.key_id,
                last.batch
            )));
        }
        let (batch, mut position, mut prev, from) = match &last {
            Some(s) => (s.batch + 1, s.last_position, s.root.clone(), s.horizon),
            None => (1, 0, GENESIS.to_owned(), if engine == Engine::Postgres { 0 } else { 1 }),
        };
        // The horizon below which every event is final, and the events between the last horizon and it.
        let (horizon, events): (i64, Vec<EventRow>) = match &mut tx.inner {
            Inner::Postgres(conn) => {
                let (horizon,): (i64,) = sqlx::query_as("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
                    .fetch_one(&mut **conn)
                    .await?;
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {EVENT_COLUMNS} FROM audit_events e WHERE e.xid >= $1::text::xid8 \
                     AND e.xid < $2::text::xid8 ORDER BY e.seq"
                ));
                let events = sqlx::query_as(sql)
                    .bind(from.to_string())
                    .bind(horizon.to_string())
                    .fetch_all(&mut **conn)
                    .await?;
                (horizon, events)
            }
            Inner::Sqlite(tx) => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {EVENT_COLUMNS} FROM audit_events e WHERE e.seq >= $1 ORDER BY e.seq"
                ));
                let events: Vec<EventRow> = sqlx::query_as(sql).bind(from).fetch_all(tx.conn()).await?;
                let horizon = events.last().map_or(from, |e| e.seq + 1);
                (horizon, events)
            }
        };
        if events.is_empty() {
            return Ok(SealReport::default());
        }
        let sealed = events.len() as u64;
        for chunk in events.chunks(500) {
            let mut rows = Vec::with_capacity(chunk.len());
            for event in chunk {
                position += 1;
                prev = chain_hash(&prev, position, event);
                rows.push((position, event.seq, prev.clone()));
            }
            on_tx!(tx, conn => {
                let mut insert = sqlx::QueryBuilder::new("INSERT INTO audit_chain (position, seq, batch, hash) ");
                insert.push_values(&rows, |mut b, (position, seq, hash)| {
                    b.push_bind(*position).push_bind(*seq).push_bind(batch).push_bind(hash);
                });
                insert.build().execute(conn).await.map(drop)
            })?;
        }
        let at = Stamp::from(now);
        let signature = key.sign(&seal_message(batch, position, &prev, horizon, now));
        const SQL: &str = "INSERT INTO audit_seals (batch, last_position, root, horizon, sealed_at, key_id, \
                           signature) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_tx!(tx, conn => sqlx::query(SQL)
            .bind(batch)
            .bind(position)
            .bind(&prev)
            .bind(horizon)
            .bind(&at)
            .bind(key.id())
            .bind(&signature)
            .execute(conn)
            .await
            .map(drop))?;
        tx.commit().await?;
        Ok(SealReport { sealed, skipped: false })
    }

    /// Seals until every event committed before this call is sealed, or `patience` runs out (on PostgreSQL a
    /// transaction still running elsewhere in the cluster holds the horizon back for a moment): what a reader of the
    /// log calls first, so that it sees the accesses that happened before its request.
    pub async fn seal_up_to_now(
        &self,
        key: &AuditKey,
        now: &str,
        patience: std::time::Duration,
    ) -> Result<(), StoreError> {
        let Pool::Postgres(pool) = &self.pool else {
            // SQLite: one pass seals every committed event.
            return self.seal(key, now).await.map(drop);
        };
        let (target,): (i64,) = sqlx::query_as("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
            .fetch_one(pool)
            .await?;
        let started = std::time::Instant::now();
        loop {
            self.seal(key, now).await?;
            const WAITING: &str = "SELECT EXISTS (SELECT 1 FROM audit_events WHERE \
                 xid >= COALESCE((SELECT horizon FROM audit_seals ORDER BY batch DESC LIMIT 1), 0)::text::xid8 \
                 AND xid < $1::text::xid8)";
            let (waiting,): (bool,) = sqlx::query_as(WAITING).bind(target.to_string()).fetch_one(pool).await?;
            if !waiting || started.elapsed() >= patience {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// How many events wait for a seal (a full count over the trail: for tests, never a request path).
    #[cfg(feature = "test-support")]
    pub async fn audit_backlog(&self) -> Result<i64, StoreError> {
        const SQL: &str = "SELECT COUNT(*) FROM audit_events e \
                           WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = e.seq)";
        let (count,): (i64,) = crate::on_pool!(self, pool => sqlx::query_as(SQL).fetch_one(pool).await)?;
        Ok(count)
    }

    /// Seals until no event waits, or gives up after `attempts` passes (on PostgreSQL a transaction still running
    /// anywhere in the cluster holds the horizon back for a moment).
    #[cfg(feature = "test-support")]
    pub async fn seal_all(&self, key: &AuditKey, now: &str, attempts: u32) -> Result<u64, StoreError> {
        let mut sealed = 0;
        for attempt in 0..attempts {
            sealed += self.seal(key, now).await?.sealed;
            if self.audit_backlog().await? == 0 {
                return Ok(sealed);
            }
            tokio::time::sleep(std::time::Duration::from_millis(5 * u64::from(attempt + 1))).await;
        }
        Err(StoreError::Unavailable(format!(
            "audit events still wait for a seal after {attempts} passes: a long transaction holds the horizon back"
        )))
    }

    /// A signed statement of the sealed chain's current end, for the clinic to keep elsewhere.
    pub async fn checkpoint(&self, key: &AuditKey, now: &str) -> Result<Checkpoint, StoreError> {
        let mut tx = self.begin_read().await?;
        let (position, root) = match tx.last_seal().await? {
            Some(s) => (s.last_position, s.root),
            None => (0, GENESIS.to_owned()),
        };
        Ok(Checkpoint {
            signature: key.sign(&Checkpoint::message(position, &root, now)),
            position,
            root,
            at: now.to_owned(),
        })
    }

    /// Walks the sealed chain in one snapshot, streaming (constant memory): the number of sealed entries, or the
    /// first place where an entry was altered, inserted, reordered or removed, or a seal does not verify. With a
    /// checkpoint, also finds entries removed from the end together with their seals.
    pub async fn verify_audit(
        &self,
        key: &AuditKey,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Result<u64, ChainBreak>, StoreError> {
        let broken = |position: i64, reason: String| Ok(Err(ChainBreak { position, reason }));
        if let Some(c) = checkpoint
            && !key.verifies(&Checkpoint::message(c.position, &c.root, &c.at), &c.signature)
        {
            return broken(
                c.position,
                "the checkpoint's signature does not verify with this key".into(),
            );
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT c.position, c.seq AS chain_seq, c.batch, c.hash, {EVENT_COLUMNS}, s.batch AS seal_batch, \
             s.root AS seal_root, s.horizon AS seal_horizon, s.sealed_at AS seal_at, s.key_id AS seal_key_id, \
             s.signature AS seal_signature FROM audit_chain c LEFT JOIN audit_events e ON e.seq = c.seq \
             LEFT JOIN audit_seals s ON s.last_position = c.position ORDER BY c.position"
        ));
        let mut walk = Walk::new(key, checkpoint);
        match &self.pool {
            Pool::Sqlite { read, .. } => {
                let mut tx = read.begin().await?;
                let mut rows = sqlx::query_as::<_, ChainRow>(sql).fetch(&mut *tx);
                while let Some(row) = rows.try_next().await? {
                    if let Err(b) = walk.step(row) {
                        return Ok(Err(b));
                    }
                }
                drop(rows);
                walk.finish(sqlx::query_as(LAST_SEALED).fetch_one(&mut *tx).await?)
            }
            Pool::Postgres(pool) => {
                let mut tx = pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?;
                // One statement streams the whole trail: at millions of entries it runs for minutes, far past the
                // statement timeout meant for requests (it takes no locks that writers wait on).
                sqlx::query("SET LOCAL statement_timeout = 0").execute(&mut *tx).await?;
                let mut rows = sqlx::query_as::<_, ChainRow>(sql).fetch(&mut *tx);
                while let Some(row) = rows.try_next().await? {
                    if let Err(b) = walk.step(row) {
                        return Ok(Err(b));
                    }
                }
                drop(rows);
                walk.finish(sqlx::query_as(LAST_SEALED).fetch_one(&mut *tx).await?)
            }
        }
    }
}

/// The last position any seal covers, and how many seals there are.
const LAST_SEALED: &str = "SELECT COALESCE(MAX(last_position), 0), COUNT(*) FROM audit_seals";

/// The state of a verification walk along the chain.
struct Walk<'a> {
    key: &'a AuditKey,
    checkpoint: Option<&'a Checkpoint>,
    position: i64,
    prev: String,
    batch: i64,
    seals: i64,
    checkpoint_seen: bool,
}

impl<'a> Walk<'a> {
    fn new(key: &'a AuditKey, checkpoint: Option<&'a Checkpoint>) -> Walk<'a> {
        Walk {
            key,
            checkpoint,
            position: 0,
            prev: GENESIS.to_owned(),
            batch: 0,
            seals: 0,
            checkpoint_seen: checkpoint.is_some_and(|c| c.position == 0),
        }
    }

    fn step(&mut self, row: ChainRow) -> Result<(), ChainBreak> {
        let at = |reason: String| ChainBreak {
            position: row.position,
            reason,
        };
        let expected = self.position + 1;
        if row.position != expected {
            return Err(ChainBreak {
                position: expected,
                reason: format!(
                    "entry {expected} is missing from the chain (the next is {})",
                    row.position
                ),
            });
        }
        if row.batch < self.batch || row.batch > self.batch + 1 {
            return Err(at(format!("its batch {} is out of order", row.batch)));
        }
        let Some(event) = row.event.complete() else {
            return Err(at(format!(
                "the event it chains (sequence {}) was removed",
                row.chain_seq
            )));
        };
        let hash = chain_hash(&self.prev, row.position, &event);
        if hash != row.hash {
            return Err(at(
                "its content was altered, or an entry was inserted or moved here".to_owned()
            ));
        }
        if let Some(c) = self.checkpoint
            && c.position == row.position
        {
            if c.root != hash {
                return Err(at("it differs from the checkpoint kept outside the database".into()));
            }
            self.checkpoint_seen = true;
        }
        if let Some(seal_batch) = row.seal_batch {
            let (root, horizon, sealed_at) = (
                row.seal_root.unwrap_or_default(),
                row.seal_horizon.unwrap_or_default(),
                row.seal_at.map(|s| s.0).unwrap_or_default(),
            );
            if seal_batch != row.batch || root != hash {
                return Err(at(format!("seal {seal_batch} does not match the chain it closes")));
            }
            if row.seal_key_id.as_deref() != Some(self.key.id().as_str()) {
                return Err(at(format!(
                    "seal {seal_batch} was made with key {}, not with this key {}",
                    row.seal_key_id.unwrap_or_default(),
                    self.key.id()
                )));
            }
            let message = seal_message(seal_batch, row.position, &root, horizon, &sealed_at);
            if !self.key.verifies(&message, row.seal_signature.as_deref().unwrap_or("")) {
                return Err(at(format!(
                    "seal {seal_batch}'s signature does not verify: the trail was rewritten"
                )));
            }
            self.seals += 1;
        }
        self.position = row.position;
        self.prev = hash;
        self.batch = row.batch;
        Ok(())
    }

    fn finish(self, (last_sealed, seals): (i64, i64)) -> Result<Result<u64, ChainBreak>, StoreError> {
        let broken = |position: i64, reason: String| Ok(Err(ChainBreak { position, reason }));
        if self.position != last_sealed {
            return broken(
                self.position.min(last_sealed) + 1,
                format!(
                    "the chain ends at entry {} but the seals end at entry {last_sealed}: entries were removed from \
                     the end, or added without a seal",
                    self.position
                ),
            );
        }
        if seals != self.seals {
            return broken(
                self.position,
                format!("{} seals do not close any batch", seals - self.seals),
            );
        }
        if let Some(c) = self.checkpoint
            && !self.checkpoint_seen
        {
            return broken(
                self.position + 1,
                format!(
                    "the checkpoint records entry {} but the chain ends at entry {}: entries were removed from the end",
                    c.position, self.position
                ),
            );
        }
        Ok(Ok(u64::try_from(self.position).unwrap_or(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_print_and_parse_alike() {
        let key = AuditKey::generate().expect("key");
        let at = "2026-12-01T10:00:00.000000Z";
        let checkpoint = Checkpoint {
            position: 42,
            root: "ab".repeat(32),
            at: at.into(),
            signature: key.sign(&Checkpoint::message(42, &"ab".repeat(32), at)),
        };
        let parsed = Checkpoint::parse(&checkpoint.to_string()).expect("parses");
        assert_eq!(parsed, checkpoint);
        assert!(key.verifies(&Checkpoint::message(42, &parsed.root, at), &parsed.signature));
        assert!(!key.verifies(&Checkpoint::message(43, &parsed.root, at), &parsed.signature));
        assert!(Checkpoint::parse("taut-audit-checkpoint v1 position=x").is_err());
    }

    #[test]
    fn keys_round_trip_through_their_file_text_and_differ() {
        let key = AuditKey::generate().expect("key");
        let again = AuditKey::parse(&format!("{}\n", key.to_hex())).expect("parses");
        assert_eq!(again.id(), key.id());
        assert_ne!(AuditKey::generate().expect("key").id(), key.id());
        assert!(AuditKey::parse("abc").is_err());
    }
}
