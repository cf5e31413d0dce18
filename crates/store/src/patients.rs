//! Patients, with every version kept, soft deletion and indexed search.

use serde::Serialize;
use sqlx::types::Json;
use taut_core::identity::mrn_key;
use taut_core::records::Demographics;
use uuid::Uuid;

use crate::types::{Day, Stamp, id};
use crate::{Engine, StoreError, Tx, on_tx};

/// A patient as stored: demographics, identity and version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientRecord {
    pub id: String,
    #[serde(flatten)]
    pub demographics: Demographics,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_reason: Option<String>,
}

/// One state of a patient record in its history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientVersion {
    pub version: i64,
    pub record: Demographics,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_reason: Option<String>,
    pub changed_by: String,
    pub changed_at: String,
}

/// One page of a patient search, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientPage {
    pub items: Vec<PatientRecord>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A position in the name order (family, given, id): keyset pagination, stable while others write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientCursor {
    family_key: String,
    given_key: String,
    id: Uuid,
}

impl PatientCursor {
    /// The opaque text form handed to clients (hex, so it needs no escaping in a URL).
    pub fn encode(&self) -> String {
        hex::encode(format!("{}\u{1f}{}\u{1f}{}", self.family_key, self.given_key, self.id))
    }

    pub fn decode(text: &str) -> Option<PatientCursor> {
        let bytes = hex::decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.split('\u{1f}');
        let cursor = PatientCursor {
            family_key: parts.next()?.to_owned(),
            given_key: parts.next()?.to_owned(),
            id: Uuid::try_parse(parts.next()?).ok()?,
        };
        parts.next().is_none().then_some(cursor)
    }

    fn start() -> PatientCursor {
        PatientCursor {
            family_key: String::new(),
            given_key: String::new(),
            id: Uuid::nil(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct PatientRow {
    id: Uuid,
    mrn: String,
    given_name: String,
    family_name: String,
    birth_date: Day,
    sex: String,
    weight_kg: Option<f64>,
    allergies: Json<Vec<String>>,
    conditions: Json<Vec<String>>,
    medications: Json<Vec<String>>,
    notes: Option<String>,
    version: i64,
    created_at: Stamp,
    updated_at: Stamp,
    deleted_at: Option<Stamp>,
    delete_reason: Option<String>,
    family_key: String,
    given_key: String,
}

impl PatientRow {
    fn cursor(&self) -> PatientCursor {
        PatientCursor {
            family_key: self.family_key.clone(),
            given_key: self.given_key.clone(),
            id: self.id,
        }
    }

    fn record(self) -> PatientRecord {
        PatientRecord {
            id: self.id.to_string(),
            demographics: Demographics {
                mrn: self.mrn,
                given_name: self.given_name,
                family_name: self.family_name,
                birth_date: self.birth_date.0,
                sex: self.sex,
                weight_kg: self.weight_kg,
                allergies: self.allergies.0,
                conditions: self.conditions.0,
                medications: self.medications.0,
                notes: self.notes,
            },
            version: self.version,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
            deleted_at: self.deleted_at.map(|s| s.0),
            delete_reason: self.delete_reason,
        }
    }
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i64,
    record: Json<Demographics>,
    deleted_at: Option<Stamp>,
    delete_reason: Option<String>,
    changed_by: Uuid,
    changed_at: Stamp,
}

const COLUMNS: &str = "id, mrn, given_name, family_name, birth_date, sex, weight_kg, allergies, conditions, \
                       medications, notes, version, created_at, updated_at, deleted_at, delete_reason, family_key, \
                       given_key";

/// The demographics as bound to `$1`-`$15`, shared by insert and update: the ten fields, then the derived keys.
pub(crate) struct Bound {
    pub(crate) mrn_key: String,
    pub(crate) birth_date: Day,
    pub(crate) search_key: String,
    pub(crate) family_key: String,
    pub(crate) given_key: String,
}

impl Bound {
    pub(crate) fn of(d: &Demographics) -> Bound {
        let family_key = d.family_name.to_lowercase();
        let given_key = d.given_name.to_lowercase();
        let mrn_key = mrn_key(&d.mrn);
        Bound {
            birth_date: Day(d.birth_date.clone()),
            // What a search matches: the MRN (as typed and as compared) and both name orders.
            search_key: format!(
                "{} {mrn_key} {given_key} {family_key} {given_key}",
                d.mrn.to_lowercase()
            ),
            mrn_key,
            family_key,
            given_key,
        }
    }
}

/// Binds the demographics as `$1`-`$15` on either engine's query.
macro_rules! bind_demographics {
    ($query:expr, $d:expr, $b:expr) => {
        $query
            .bind(&$d.mrn)
            .bind(&$d.given_name)
            .bind(&$d.family_name)
            .bind(&$b.birth_date)
            .bind(&$d.sex)
            .bind($d.weight_kg)
            .bind(Json(&$d.allergies))
            .bind(Json(&$d.conditions))
            .bind(Json(&$d.medications))
            .bind(&$d.notes)
            .bind(&$b.search_key)
            .bind(&$b.family_key)
            .bind(&$b.given_key)
            .bind(&$b.mrn_key)
    };
}

fn mrn_taken(e: StoreError, mrn: &str) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(format!("a patient with MRN '{mrn}' exists already")),
        other => other,
    }
}

/// How a search finds its candidates, by the engine's own index.
enum Filter {
    All,
    /// Queries of three characters or more: trigram index (`pg_trgm` GIN, FTS5 trigram).
    Substring(String),
    /// Shorter queries: the start of the family name or of the MRN, range scans on their indexes.
    Prefix(String),
}

impl Filter {
    fn of(q: &str) -> Filter {
        let q = q.trim().to_lowercase();
        match q.chars().count() {
            0 => Filter::All,
            1 | 2 => Filter::Prefix(q),
            _ => Filter::Substring(q),
        }
    }
}

impl Tx {
    pub async fn insert_patient(&mut self, p: &PatientRecord, by: &str) -> Result<(), StoreError> {
        let d = &p.demographics;
        let b = Bound::of(d);
        let (pid, by_id) = (id(&p.id)?, id(by)?);
        let (created, updated) = (Stamp::from(&p.created_at), Stamp::from(&p.updated_at));
        const SQL: &str = "INSERT INTO patients (mrn, given_name, family_name, birth_date, sex, weight_kg, \
             allergies, conditions, medications, notes, search_key, family_key, given_key, mrn_key, id, version, \
             created_at, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";
        on_tx!(self, conn => bind_demographics!(sqlx::query(SQL), d, b)
            .bind(pid)
            .bind(p.version)
            .bind(&created)
            .bind(&updated)
            .bind(by_id)
            .execute(conn)
            .await
            .map(drop))
        .map_err(|e| mrn_taken(e.into(), &d.mrn))?;
        self.keep_version(p, by).await
    }

    /// Appends the record's current state to its history.
    async fn keep_version(&mut self, p: &PatientRecord, by: &str) -> Result<(), StoreError> {
        let (pid, by_id) = (id(&p.id)?, id(by)?);
        let deleted = p.deleted_at.as_ref().map(Stamp::from);
        let at = Stamp::from(&p.updated_at);
        const SQL: &str = "INSERT INTO patient_versions (patient_id, version, record, deleted_at, delete_reason, \
             changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(pid)
            .bind(p.version)
            .bind(Json(&p.demographics))
            .bind(&deleted)
            .bind(&p.delete_reason)
            .bind(by_id)
            .bind(&at)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    /// A patient, deleted or not.
    pub async fn patient(&mut self, patient_id: &str) -> Result<PatientRecord, StoreError> {
        let pid = id(patient_id)?;
        let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM patients WHERE id = $1"));
        let row: Option<PatientRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_optional(conn).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.record())
    }

    /// The live patient with this MRN, compared as MRNs are (NFKC, any case, invisible characters ignored).
    pub async fn patient_by_mrn(&mut self, mrn: &str) -> Result<PatientRecord, StoreError> {
        let key = mrn_key(mrn);
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM patients WHERE mrn_key = $1 AND deleted_at IS NULL"
        ));
        let row: Option<PatientRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(&key).fetch_optional(conn).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.record())
    }

    /// Live patients whose MRN or name contains `q` (any case), in name order, `limit` from `after` on.
    pub async fn search_patients(
        &mut self,
        q: &str,
        limit: i64,
        after: Option<&PatientCursor>,
    ) -> Result<PatientPage, StoreError> {
        let start = PatientCursor::start();
        let cursor = after.unwrap_or(&start);
        let like = |s: &str| format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let (filter_sql, filter_value) = match (Filter::of(q), self.engine()) {
            (Filter::All, _) => ("$1 = $1", String::new()),
            (Filter::Prefix(p), _) => (
                "((family_key >= $1 AND family_key < $1 || '\u{10FFFF}') \
                 OR (mrn_key >= $1 AND mrn_key < $1 || '\u{10FFFF}'))",
                p,
            ),
            // PostgreSQL's planner knows from pg_trgm's statistics whether to use the trigram index or to walk
            // the name index and filter.
            (Filter::Substring(s), Engine::Postgres) => ("search_key LIKE $1", like(&s)),
            // SQLite's does not: a rare term is looked up in the trigram index and its few rows sorted; a common
            // one ("demo-", a frequent surname) walks the name index and stops at the page's end.
            (Filter::Substring(s), Engine::Sqlite) => {
                let phrase = format!("\"{}\"", s.replace('"', "\"\""));
                if self.common_term(&phrase).await? {
                    ("search_key LIKE $1 ESCAPE '\\'", like(&s))
                } else {
                    (
                        "rowid IN (SELECT rowid FROM patients_search WHERE patients_search MATCH $1)",
                        phrase,
                    )
                }
            }
        };
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM patients WHERE deleted_at IS NULL AND {filter_sql} \
             AND (family_key, given_key, id) > ($2, $3, $4) ORDER BY family_key, given_key, id LIMIT $5"
        ));
        let mut rows: Vec<PatientRow> = on_tx!(self, conn => sqlx::query_as(sql)
            .bind(&filter_value)
            .bind(&cursor.family_key)
            .bind(&cursor.given_key)
            .bind(cursor.id)
            .bind(limit + 1)
            .fetch_all(conn)
            .await)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        let next = if more {
            rows.last().map(|r| r.cursor().encode())
        } else {
            None
        };
        Ok(PatientPage {
            items: rows.into_iter().map(PatientRow::record).collect(),
            next,
        })
    }

    /// Whether a trigram phrase matches so many patients (SQLite) that walking the name index is faster than
    /// sorting the matches.
    async fn common_term(&mut self, phrase: &str) -> Result<bool, StoreError> {
        const COMMON: i64 = 2_000;
        let sql = "SELECT COUNT(*) FROM (SELECT 1 FROM patients_search WHERE patients_search MATCH $1 LIMIT $2)";
        let (count,): (i64,) =
            on_tx!(self, conn => sqlx::query_as(sql).bind(phrase).bind(COMMON).fetch_one(conn).await)?;
        Ok(count >= COMMON)
    }

    /// Replaces the demographics if the stored version is still `expected_version`; keeps the new state in the
    /// history. A stale version is a conflict, never a silent overwrite.
    pub async fn update_patient(
        &mut self,
        patient_id: &str,
        expected_version: i64,
        demographics: &Demographics,
        by: &str,
        at: &str,
    ) -> Result<PatientRecord, StoreError> {
        let d = demographics;
        let b = Bound::of(d);
        let (pid, by_id, at_stamp) = (id(patient_id)?, id(by)?, Stamp::from(at));
        const SQL: &str = "UPDATE patients SET mrn = $1, given_name = $2, family_name = $3, birth_date = $4, \
             sex = $5, weight_kg = $6, allergies = $7, conditions = $8, medications = $9, notes = $10, \
             search_key = $11, family_key = $12, given_key = $13, mrn_key = $14, version = version + 1, \
             updated_at = $15, updated_by = $16 WHERE id = $17 AND version = $18 AND deleted_at IS NULL";
        let rows = on_tx!(self, conn => bind_demographics!(sqlx::query(SQL), d, b)
            .bind(&at_stamp)
            .bind(by_id)
            .bind(pid)
            .bind(expected_version)
            .execute(conn)
            .await
            .map(|r| r.rows_affected()))
        .map_err(|e| mrn_taken(e.into(), &d.mrn))?;
        self.after_versioned_write(patient_id, expected_version, rows, by).await
    }

    /// Marks a patient deleted with a reason; the record and its history stay.
    pub async fn delete_patient(
        &mut self,
        patient_id: &str,
        expected_version: i64,
        reason: &str,
        by: &str,
        at: &str,
    ) -> Result<PatientRecord, StoreError> {
        let (pid, by_id, at_stamp) = (id(patient_id)?, id(by)?, Stamp::from(at));
        const SQL: &str = "UPDATE patients SET deleted_at = $1, delete_reason = $2, version = version + 1, \
             updated_at = $1, updated_by = $3 WHERE id = $4 AND version = $5 AND deleted_at IS NULL";
        let rows = on_tx!(self, conn => sqlx::query(SQL)
            .bind(&at_stamp)
            .bind(reason)
            .bind(by_id)
            .bind(pid)
            .bind(expected_version)
            .execute(conn)
            .await
            .map(|r| r.rows_affected()))?;
        self.after_versioned_write(patient_id, expected_version, rows, by).await
    }

    async fn after_versioned_write(
        &mut self,
        patient_id: &str,
        expected_version: i64,
        rows: u64,
        by: &str,
    ) -> Result<PatientRecord, StoreError> {
        let current = self.patient(patient_id).await?;
        if rows == 0 {
            return Err(if current.deleted_at.is_some() {
                StoreError::NotFound
            } else {
                StoreError::Conflict(format!(
                    "the patient was changed meanwhile: you edited version {expected_version}, the current version is {}",
                    current.version
                ))
            });
        }
        self.keep_version(&current, by).await?;
        Ok(current)
    }

    /// Every state the patient record has had, oldest first.
    pub async fn patient_versions(&mut self, patient_id: &str) -> Result<Vec<PatientVersion>, StoreError> {
        let pid = id(patient_id)?;
        const SQL: &str = "SELECT version, record, deleted_at, delete_reason, changed_by, changed_at \
                           FROM patient_versions WHERE patient_id = $1 ORDER BY version";
        let rows: Vec<VersionRow> = on_tx!(self, conn => sqlx::query_as(SQL).bind(pid).fetch_all(conn).await)?;
        Ok(rows
            .into_iter()
            .map(|r| PatientVersion {
                version: r.version,
                record: r.record.0,
                deleted_at: r.deleted_at.map(|s| s.0),
                delete_reason: r.delete_reason,
                changed_by: r.changed_by.to_string(),
                changed_at: r.changed_at.0,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = PatientCursor {
            family_key: "müller".into(),
            given_key: "anna".into(),
            id: Uuid::now_v7(),
        };
        assert_eq!(PatientCursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(PatientCursor::decode("zz"), None);
        assert_eq!(PatientCursor::decode(&hex::encode("a\u{1f}b")), None);
    }

    #[test]
    fn short_queries_scan_names_and_long_ones_use_trigrams() {
        assert!(matches!(Filter::of("  "), Filter::All));
        assert!(matches!(Filter::of("Mü"), Filter::Prefix(p) if p == "mü"));
        assert!(matches!(Filter::of("MRN-1"), Filter::Substring(s) if s == "mrn-1"));
    }
}
