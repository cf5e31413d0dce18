//! A patient's whole course read in one statement. Both engines keep each patient's course assembled on write
//! (`patient_courses`, rebuilt by triggers: migrations/*/0010_patient_courses.sql), as one JSON array per kind
//! of record, and the read takes that one row; the arrays are decoded into the same rows the per-kind queries
//! read. The timeline is the busiest clinical read, and assembling eight arrays on every read cost as much as
//! the read's audit event (docs/performance.md).

use std::sync::LazyLock;

use serde::de::DeserializeOwned;
use sqlx::SqliteConnection;
use taut_core::records::format_utc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::batch::{Answers, Batcher};
use crate::clinical::{EncounterRow, FindingRow, OutcomeRow, PainMarkRow};
use crate::sessions::{AmendmentRow, PlanRow, ProcedureRow, SiteRow, assemble_procedures};
use crate::types::{id, opt_id, sqlite_hex, sqlite_id_list};
use crate::{
    EncounterRecord, FindingRecord, NewAudit, OutcomeRecord, PainMarkRecord, PlanRecord, Pool, ProcedureRecord, Store,
    StoreError, Tx, on_tx,
};

/// Everything recorded for one live patient, each list oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientCourse {
    pub encounters: Vec<EncounterRecord>,
    pub pain_marks: Vec<PainMarkRecord>,
    pub findings: Vec<FindingRecord>,
    pub plans: Vec<PlanRecord>,
    pub procedures: Vec<ProcedureRecord>,
    pub outcomes: Vec<OutcomeRecord>,
}

/// The stored course's lists, in the order [`CourseRow`] holds them.
const KINDS: [&str; 8] = [
    "encounters",
    "pain_marks",
    "findings",
    "plans",
    "procedures",
    "sites",
    "amendments",
    "outcomes",
];

/// The stored course (the patient's deletion flag and one JSON array per kind), or empty arrays for a patient
/// who has recorded nothing yet (the first record's trigger creates the row). The same text on both engines.
static COURSE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT p.deleted_at IS NOT NULL AS deleted, {} \
         FROM patients p LEFT JOIN patient_courses c ON c.patient_id = p.id WHERE p.id = $1",
        *COURSE_LISTS
    )
});

/// The course row `c`'s lists, each named by its kind, an empty array where the patient has no course row yet.
static COURSE_LISTS: LazyLock<String> = LazyLock::new(|| {
    let lists: Vec<String> = KINDS
        .iter()
        .map(|kind| format!("coalesce(c.{kind}, '[]') AS {kind}"))
        .collect();
    lists.join(", ")
});

pub(crate) type CourseRow = (bool, String, String, String, String, String, String, String, String);
/// A course row with its access's place (from 0) in the batch.
type PlacedCourseRow = (
    i64,
    bool,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn decode<T: DeserializeOwned>(what: &str, json: &str) -> Result<Vec<T>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{what} in the timeline: {e}")))
}

fn course(row: Option<CourseRow>) -> Result<PatientCourse, StoreError> {
    let Some((deleted, encounters, marks, findings, plans, procedures, sites, amendments, outcomes)) = row else {
        return Err(StoreError::NotFound);
    };
    if deleted {
        return Err(StoreError::NotFound);
    }
    let encounters: Vec<EncounterRow> = decode("encounters", &encounters)?;
    let marks: Vec<PainMarkRow> = decode("pain marks", &marks)?;
    let findings: Vec<FindingRow> = decode("findings", &findings)?;
    let plans: Vec<PlanRow> = decode("plans", &plans)?;
    let procedures: Vec<ProcedureRow> = decode("procedures", &procedures)?;
    let sites: Vec<SiteRow> = decode("procedure sites", &sites)?;
    let amendments: Vec<AmendmentRow> = decode("amendments", &amendments)?;
    let outcomes: Vec<OutcomeRow> = decode("outcomes", &outcomes)?;
    Ok(PatientCourse {
        encounters: encounters.into_iter().map(Into::into).collect(),
        pain_marks: marks.into_iter().map(Into::into).collect(),
        findings: findings.into_iter().map(TryInto::try_into).collect::<Result<_, _>>()?,
        plans: plans.into_iter().map(Into::into).collect(),
        procedures: assemble_procedures(procedures, sites, amendments),
        outcomes: outcomes.into_iter().map(Into::into).collect(),
    })
}

/// SQLite's reads for a batch of accesses: the courses of the listed patients (a JSON array of hex ids), each row
/// with its access's place in the list; an unknown patient has no row.
static SQLITE_COURSES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT a.key, p.deleted_at IS NOT NULL, {} FROM json_each($1) a JOIN patients p ON p.id = unhex(a.value) \
         LEFT JOIN patient_courses c ON c.patient_id = p.id",
        *COURSE_LISTS
    )
});

/// SQLite's audit events for the accesses of a batch whose patients are live (a JSON array of events), in order.
const SQLITE_EVENTS: &str = "INSERT INTO audit_events (id, at, actor_id, actor, action, patient_id, record_type, \
     record_id, details) SELECT unhex(e.value->>'id'), e.value->>'at', unhex(e.value->>'actor_id'), \
     e.value->>'actor', e.value->>'action', unhex(e.value->>'patient_id'), e.value->>'record_type', \
     e.value->>'record_id', e.value->>'details' FROM json_each($1) e ORDER BY e.key";

/// PostgreSQL's reads and their audit events for a batch of accesses in one statement, so one round trip and no
/// BEGIN/COMMIT: each access's event is inserted only when its patient is live, in the same (implicit)
/// transaction as the reads (PostgreSQL runs a data-modifying WITH to completion whether or not the main query
/// reads it). Each row carries its access's place in the batch; an unknown patient has no row.
static POSTGRES_AUDITED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH access AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::uuid[], $5::text[], \
         $6::text[], $7::uuid[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY \
         AS a(patient, event, at, actor_id, actor, action, audited, record_type, record_id, details, n)), \
         course AS (SELECT a.*, p.deleted_at IS NOT NULL AS deleted, {} FROM access a JOIN patients p \
         ON p.id = a.patient LEFT JOIN patient_courses c ON c.patient_id = p.id), \
         logged AS (INSERT INTO audit_events (id, at, actor_id, actor, action, patient_id, record_type, record_id, \
         details) SELECT event, at, actor_id, actor, action, audited, record_type, record_id, details::jsonb \
         FROM course WHERE NOT deleted ORDER BY n RETURNING 1) \
         SELECT n - 1, deleted, {} FROM course",
        *COURSE_LISTS,
        KINDS.join(", ")
    )
});

/// One access's timeline read, owned so that it can wait in a batch.
pub(crate) struct CourseRead {
    patient: Uuid,
    event: Uuid,
    at: OffsetDateTime,
    actor_id: Option<Uuid>,
    actor: String,
    action: String,
    audited: Option<Uuid>,
    record_type: String,
    record_id: Option<String>,
    details: Option<String>,
}

pub(crate) type CourseReads = Batcher<CourseRead, Option<CourseRow>>;

/// Runs a batch of timeline reads with their audit events as one access; the answers are in the reads' order.
pub(crate) fn read_courses<'c>(pool: &'c Pool, reads: &'c [CourseRead]) -> Answers<'c, Option<CourseRow>> {
    Box::pin(async move {
        let rows = match pool {
            Pool::Postgres(pool) => postgres_courses(pool, reads).await?,
            Pool::Sqlite { group, .. } => group.single(async |conn| sqlite_courses(conn, reads).await).await?,
        };
        let mut answers: Vec<Option<CourseRow>> = (0..reads.len()).map(|_| None).collect();
        for (place, deleted, encounters, marks, findings, plans, procedures, sites, amendments, outcomes) in rows {
            let slot = usize::try_from(place).ok().and_then(|i| answers.get_mut(i));
            let slot = slot.ok_or_else(|| StoreError::Corrupt(format!("a batch answer for access {place}")))?;
            *slot = Some((
                deleted, encounters, marks, findings, plans, procedures, sites, amendments, outcomes,
            ));
        }
        Ok(answers)
    })
}

async fn postgres_courses(pool: &sqlx::PgPool, reads: &[CourseRead]) -> Result<Vec<PlacedCourseRow>, sqlx::Error> {
    fn column<T>(reads: &[CourseRead], field: impl Fn(&CourseRead) -> T) -> Vec<T> {
        reads.iter().map(field).collect()
    }
    sqlx::query_as(sqlx::AssertSqlSafe(POSTGRES_AUDITED.as_str()))
        .bind(column(reads, |r| r.patient))
        .bind(column(reads, |r| r.event))
        .bind(column(reads, |r| r.at))
        .bind(column(reads, |r| r.actor_id))
        .bind(column(reads, |r| r.actor.clone()))
        .bind(column(reads, |r| r.action.clone()))
        .bind(column(reads, |r| r.audited))
        .bind(column(reads, |r| r.record_type.clone()))
        .bind(column(reads, |r| r.record_id.clone()))
        .bind(column(reads, |r| r.details.clone()))
        .fetch_all(pool)
        .await
}

/// SQLite reads the courses, then writes the events of the reads whose patient is live: two statements of one
/// group-committed access, of which only the second writes, so a failure leaves nothing behind and needs no
/// savepoint. The single writer sees no other change between the two.
async fn sqlite_courses(
    conn: &mut SqliteConnection,
    reads: &[CourseRead],
) -> Result<Vec<PlacedCourseRow>, sqlx::Error> {
    let patients: Vec<Uuid> = reads.iter().map(|r| r.patient).collect();
    let rows: Vec<PlacedCourseRow> = sqlx::query_as(sqlx::AssertSqlSafe(SQLITE_COURSES.as_str()))
        .bind(sqlite_id_list(&patients))
        .fetch_all(&mut *conn)
        .await?;
    let events: Vec<serde_json::Value> = rows
        .iter()
        .filter(|row| !row.1)
        .filter_map(|row| usize::try_from(row.0).ok().and_then(|i| reads.get(i)))
        .map(|r| {
            serde_json::json!({
                "id": sqlite_hex(&r.event),
                "at": format_utc(r.at),
                "actor_id": r.actor_id.as_ref().map(sqlite_hex),
                "actor": r.actor,
                "action": r.action,
                "patient_id": r.audited.as_ref().map(sqlite_hex),
                "record_type": r.record_type,
                "record_id": r.record_id,
                "details": r.details,
            })
        })
        .collect();
    if !events.is_empty() {
        sqlx::query(SQLITE_EVENTS)
            .bind(serde_json::Value::from(events).to_string())
            .execute(conn)
            .await?;
    }
    Ok(rows)
}

impl Store {
    /// The patient's course and the audit event of reading it, committed together (see [`Tx::patient_course`]).
    /// Concurrent reads run in batches ([`crate::batch`]): one statement on PostgreSQL, one group-committed access
    /// on SQLite. `NotFound` (and no event) for an unknown or deleted patient.
    pub async fn audited_course(&self, patient_id: &str, event: NewAudit<'_>) -> Result<PatientCourse, StoreError> {
        let read = CourseRead {
            patient: id(patient_id)?,
            event: id(event.id)?,
            at: OffsetDateTime::parse(event.at, &Rfc3339)
                .map_err(|e| StoreError::Corrupt(format!("'{}' is not a time: {e}", event.at)))?,
            actor_id: opt_id(event.actor_id)?,
            actor: event.actor.to_owned(),
            action: event.action.to_owned(),
            audited: opt_id(event.patient_id)?,
            record_type: event.record_type.to_owned(),
            record_id: event.record_id.map(str::to_owned),
            details: event.details.as_ref().map(serde_json::Value::to_string),
        };
        course(self.courses.submit(read).await?)
    }
}

impl Tx {
    /// The patient's encounters, pain drawings, findings, plans, procedures (with sites and amendments) and
    /// outcomes, as stored, in one statement. `NotFound` for an unknown or deleted patient.
    pub async fn patient_course(&mut self, patient_id: &str) -> Result<PatientCourse, StoreError> {
        let pid = id(patient_id)?;
        let row: Option<CourseRow> = on_tx!(self, conn => sqlx::query_as(sqlx::AssertSqlSafe(COURSE.as_str())).bind(pid).fetch_optional(conn).await)?;
        course(row)
    }
}

#[cfg(all(test, feature = "test-support"))]
mod tests {
    use crate::clinical::{ENCOUNTER, FINDING, OUTCOME, PAIN_MARK};
    use crate::sessions::{AMENDMENT, PLAN, PROCEDURE, SITE};

    /// SQLite's view assembles each kind with every column its SELECT reads, so that a column added to a kind
    /// cannot be silently missing from the stored course (serde would read an absent optional field as null).
    /// PostgreSQL stores whole rows.
    #[tokio::test]
    async fn sqlite_courses_carry_every_column_of_each_kind() {
        let store = crate::testing::sqlite().await;
        let view = crate::testing::rows4(
            &store,
            "SELECT sql, '', '', 0 FROM sqlite_master WHERE name = 'patient_course_view'",
        )
        .await
        .expect("view")
        .remove(0)
        .0;
        let kinds = [
            ("encounters", ENCOUNTER, &[][..]),
            ("pain_marks", PAIN_MARK, &[]),
            ("findings", FINDING, &[]),
            ("plans", PLAN, &[]),
            ("procedures", PROCEDURE, &[]),
            ("sites", SITE, &["position"]),
            ("amendments", AMENDMENT, &[]),
            ("outcomes", OUTCOME, &[]),
        ];
        let mut rest = view.as_str();
        for (alias, select, extra) in kinds {
            let (assembled, after) = rest
                .split_once(&format!(" AS {alias}"))
                .unwrap_or_else(|| panic!("the view has no {alias}"));
            rest = after;
            let columns = select
                .strip_prefix("SELECT ")
                .and_then(|s| s.split(" FROM ").next())
                .expect("a kind's SELECT lists its columns");
            for column in columns.split(',').map(str::trim).chain(extra.iter().copied()) {
                let name = column.rsplit('.').next().unwrap_or(column);
                assert!(
                    assembled.contains(&format!("'{name}', ")),
                    "{alias}: column {name} is missing from patient_course_view"
                );
            }
        }
    }
}
