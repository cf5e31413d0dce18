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

/// A position in a search's order, for keyset pagination that stays stable while others write. Matches come in
/// tiers (see [`Tier`]), each in its own index order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientCursor {
    tier: Tier,
    family_key: String,
    given_key: String,
    mrn_key: String,
    id: Uuid,
}

/// The groups a search's matches come in, most telling first, each read in the order of an index: family names
/// that start with the term, then given names that do, then MRNs that do, then names or MRNs containing it
/// elsewhere. A front desk types the start of a name or an MRN; those answers come from ordered index ranges
/// however many patients match, and only a fragment from inside a name needs the trigram index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    Family,
    Given,
    Mrn,
    Contains,
}

impl Tier {
    const ALL: [Tier; 4] = [Tier::Family, Tier::Given, Tier::Mrn, Tier::Contains];

    fn code(self) -> char {
        match self {
            Tier::Family => 'f',
            Tier::Given => 'g',
            Tier::Mrn => 'm',
            Tier::Contains => 'c',
        }
    }

    fn of_code(code: &str) -> Option<Tier> {
        Tier::ALL
            .into_iter()
            .find(|t| code.len() == 1 && code.starts_with(t.code()))
    }
}

impl PatientCursor {
    /// The opaque text form handed to clients (hex, so it needs no escaping in a URL).
    pub fn encode(&self) -> String {
        hex::encode(format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.tier.code(),
            self.family_key,
            self.given_key,
            self.mrn_key,
            self.id
        ))
    }

    pub fn decode(text: &str) -> Option<PatientCursor> {
        let bytes = hex::decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.split('\u{1f}');
        let cursor = PatientCursor {
            tier: Tier::of_code(parts.next()?)?,
            family_key: parts.next()?.to_owned(),
            given_key: parts.next()?.to_owned(),
            mrn_key: parts.next()?.to_owned(),
            id: Uuid::try_parse(parts.next()?).ok()?,
        };
        parts.next().is_none().then_some(cursor)
    }

    /// The start of a tier. A tier of names that start with the term starts at the term itself, so that the
    /// index scan begins there: given both a row-value keyset bound and the range, PostgreSQL starts from the
    /// keyset bound.
    fn start(tier: Tier, terms: &Terms) -> PatientCursor {
        let from = |t: Tier, term: &str| if tier == t { term.to_owned() } else { String::new() };
        PatientCursor {
            tier,
            family_key: from(Tier::Family, &terms.name),
            given_key: from(Tier::Given, &terms.name),
            // A plain comparison on one column: PostgreSQL combines it with the range.
            mrn_key: String::new(),
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
    mrn_key: String,
}

impl PatientRow {
    fn cursor(&self, tier: Tier) -> PatientCursor {
        PatientCursor {
            tier,
            family_key: self.family_key.clone(),
            given_key: self.given_key.clone(),
            mrn_key: self.mrn_key.clone(),
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
                       given_key, mrn_key";

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

/// What a search looks for: everyone, or the start of a name or MRN, or (from three characters, which the
/// trigram indexes need) also a fragment anywhere in them.
struct Terms {
    /// The term as names are compared (lower case); empty for everyone.
    name: String,
    /// The term as MRNs are compared ([`mrn_key`]).
    mrn: String,
    fragment: bool,
}

impl Terms {
    fn of(q: &str) -> Terms {
        let name = q.trim().to_lowercase();
        Terms {
            mrn: mrn_key(&name),
            fragment: name.chars().count() >= 3,
            name,
        }
    }

    /// The tiers this search reads, from `from` on.
    fn tiers(&self, from: Tier) -> impl Iterator<Item = Tier> + '_ {
        Tier::ALL.into_iter().filter(move |&t| {
            t >= from
                && match t {
                    Tier::Family => true,
                    // Everyone is in the first tier when there is no term.
                    Tier::Given | Tier::Mrn => !self.name.is_empty(),
                    Tier::Contains => self.fragment,
                }
        })
    }
}

/// `$n` starts the family name, the given name, the MRN.
fn family_starts(n: u8) -> String {
    format!("(family_key >= ${n} AND family_key < ${n} || '\u{10FFFF}')")
}
fn given_starts(n: u8) -> String {
    format!("(given_key >= ${n} AND given_key < ${n} || '\u{10FFFF}')")
}
fn mrn_starts(n: u8) -> String {
    format!("(mrn_key >= ${n} AND mrn_key < ${n} || '\u{10FFFF}')")
}

/// From this many matches on, a substring search walks the name index instead of sorting the matches.
const COMMON_MATCHES: i64 = 2_000;

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

    /// Live patients whose MRN or name contains `q` (any case): those whose family name, given name or MRN
    /// starts with it first (in that order, each in name or MRN order), then the rest in name order; `limit`
    /// from `after` on.
    pub async fn search_patients(
        &mut self,
        q: &str,
        limit: i64,
        after: Option<&PatientCursor>,
    ) -> Result<PatientPage, StoreError> {
        let terms = Terms::of(q);
        let first = after.map_or(Tier::Family, |c| c.tier);
        let mut found: Vec<(Tier, PatientRow)> = Vec::new();
        for tier in terms.tiers(first) {
            let start = PatientCursor::start(tier, &terms);
            let cursor = after.filter(|c| c.tier == tier).unwrap_or(&start);
            let wanted = limit + 1 - found.len() as i64;
            let rows = self.search_tier(&terms, tier, cursor, wanted).await?;
            found.extend(rows.into_iter().map(|row| (tier, row)));
            if found.len() as i64 > limit {
                break;
            }
        }
        let more = found.len() as i64 > limit;
        found.truncate(usize::try_from(limit).unwrap_or(0));
        let next = if more {
            found.last().map(|(tier, row)| row.cursor(*tier).encode())
        } else {
            None
        };
        Ok(PatientPage {
            items: found.into_iter().map(|(_, row)| row.record()).collect(),
            next,
        })
    }

    /// Up to `limit` matches of one tier after `cursor`, in the tier's order.
    async fn search_tier(
        &mut self,
        terms: &Terms,
        tier: Tier,
        cursor: &PatientCursor,
        limit: i64,
    ) -> Result<Vec<PatientRow>, StoreError> {
        let c = cursor;
        let rows = match tier {
            Tier::Family => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM patients WHERE deleted_at IS NULL AND {} \
                     AND (family_key, given_key, id) > ($2, $3, $4) ORDER BY family_key, given_key, id LIMIT $5",
                    family_starts(1)
                );
                on_tx!(self, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(&terms.name).bind(&c.family_key).bind(&c.given_key).bind(c.id).bind(limit)
                    .fetch_all(conn).await)?
            }
            Tier::Given => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM patients WHERE deleted_at IS NULL AND {} AND NOT {} \
                     AND (given_key, family_key, id) > ($2, $3, $4) ORDER BY given_key, family_key, id LIMIT $5",
                    given_starts(1),
                    family_starts(1)
                );
                on_tx!(self, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(&terms.name).bind(&c.given_key).bind(&c.family_key).bind(c.id).bind(limit)
                    .fetch_all(conn).await)?
            }
            // MRN keys are unique among live patients, so the key alone orders them.
            Tier::Mrn => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM patients WHERE deleted_at IS NULL AND {} AND NOT {} AND NOT {} \
                     AND mrn_key > $3 ORDER BY mrn_key LIMIT $4",
                    mrn_starts(1),
                    family_starts(2),
                    given_starts(2)
                );
                on_tx!(self, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(&terms.mrn).bind(&terms.name).bind(&c.mrn_key).bind(limit)
                    .fetch_all(conn).await)?
            }
            Tier::Contains => {
                let (source, filter, value) = self.fragment_lookup(&terms.name).await?;
                let sql = format!(
                    "SELECT {COLUMNS} FROM {source} WHERE deleted_at IS NULL AND {filter} AND NOT {} AND NOT {} \
                     AND NOT {} AND (family_key, given_key, id) > ($4, $5, $6) \
                     ORDER BY family_key, given_key, id LIMIT $7",
                    family_starts(2),
                    given_starts(2),
                    mrn_starts(3)
                );
                on_tx!(self, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(&value).bind(&terms.name).bind(&terms.mrn)
                    .bind(&c.family_key).bind(&c.given_key).bind(c.id).bind(limit)
                    .fetch_all(conn).await)?
            }
        };
        Ok(rows)
    }

    /// How to find the patients whose name or MRN contains `fragment` (bound as `$1`): the rows to read, the
    /// condition on them and its value. A rare fragment is looked up in the trigram index and its few rows
    /// sorted; a common one walks the name index and stops at the page's end. Neither planner tells the two apart
    /// well enough on its own: PostgreSQL's estimate from pg_trgm's statistics walked the name index for
    /// fragments matching some thousands of patients late in name order (tens of milliseconds each).
    async fn fragment_lookup(&mut self, fragment: &str) -> Result<(&'static str, &'static str, String), StoreError> {
        let like = format!(
            "%{}%",
            fragment.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        );
        Ok(match self.engine() {
            Engine::Postgres if self.common_substring(&like).await? => ("patients", "search_key LIKE $1", like),
            // OFFSET 0 keeps the planner from turning the lookup back into a walk of the name index.
            Engine::Postgres => (
                "(SELECT * FROM patients WHERE search_key LIKE $1 AND deleted_at IS NULL OFFSET 0) AS patients",
                "TRUE",
                like,
            ),
            Engine::Sqlite => {
                let phrase = format!("\"{}\"", fragment.replace('"', "\"\""));
                if self.common_term(&phrase).await? {
                    ("patients", "search_key LIKE $1 ESCAPE '\\'", like)
                } else {
                    (
                        "patients",
                        "rowid IN (SELECT rowid FROM patients_search WHERE patients_search MATCH $1)",
                        phrase,
                    )
                }
            }
        })
    }

    /// Whether a trigram phrase matches so many patients (SQLite) that walking the name index is faster than
    /// sorting the matches.
    async fn common_term(&mut self, phrase: &str) -> Result<bool, StoreError> {
        let sql =
            "SELECT COUNT(*) FROM (SELECT 1 FROM patients_search WHERE patients_search MATCH $1 LIMIT $2) AS hits";
        let (count,): (i64,) =
            on_tx!(self, conn => sqlx::query_as(sql).bind(phrase).bind(COMMON_MATCHES).fetch_one(conn).await)?;
        Ok(count >= COMMON_MATCHES)
    }

    /// Whether a `LIKE` pattern matches so many patients (PostgreSQL) that walking the name index is faster than
    /// sorting the matches; counted from the trigram index, stopping at the threshold.
    async fn common_substring(&mut self, pattern: &str) -> Result<bool, StoreError> {
        let sql = "SELECT COUNT(*) FROM (SELECT 1 FROM patients WHERE search_key LIKE $1 AND deleted_at IS NULL \
                   LIMIT $2) AS hits";
        let (count,): (i64,) =
            on_tx!(self, conn => sqlx::query_as(sql).bind(pattern).bind(COMMON_MATCHES).fetch_one(conn).await)?;
        Ok(count >= COMMON_MATCHES)
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
        for tier in Tier::ALL {
            let cursor = PatientCursor {
                tier,
                family_key: "müller".into(),
                given_key: "anna".into(),
                mrn_key: "mrn-7".into(),
                id: Uuid::now_v7(),
            };
            assert_eq!(PatientCursor::decode(&cursor.encode()), Some(cursor));
        }
        assert_eq!(PatientCursor::decode("zz"), None);
        assert_eq!(PatientCursor::decode(&hex::encode("a\u{1f}b")), None);
        let unknown_tier = format!("x\u{1f}a\u{1f}b\u{1f}c\u{1f}{}", Uuid::nil());
        assert_eq!(PatientCursor::decode(&hex::encode(unknown_tier)), None);
    }

    #[test]
    fn an_empty_search_reads_one_tier_and_fragments_need_three_characters() {
        let tiers = |q: &str| Terms::of(q).tiers(Tier::Family).collect::<Vec<_>>();
        assert_eq!(tiers("  "), [Tier::Family]);
        assert_eq!(tiers("Mü"), [Tier::Family, Tier::Given, Tier::Mrn]);
        assert_eq!(tiers("MRN-1"), Tier::ALL);
        assert_eq!(Terms::of(" MRN 1\u{200B} ").mrn, "mrn1");
        assert_eq!(
            Terms::of("MRN-1").tiers(Tier::Mrn).collect::<Vec<_>>(),
            [Tier::Mrn, Tier::Contains]
        );
    }
}
