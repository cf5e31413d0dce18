//! A patient's whole course read in one statement. Both engines keep each patient's course assembled on write
//! (`patient_courses`, rebuilt by triggers: migrations/*/0010_patient_courses.sql), as one JSON array per kind
//! of record, and the read takes that one row; the arrays are decoded into the same rows the per-kind queries
//! read. The timeline is the busiest clinical read, and assembling eight arrays on every read cost as much as
//! the read's audit event (docs/performance.md).

use std::sync::LazyLock;

use serde::de::DeserializeOwned;

use crate::clinical::{EncounterRow, FindingRow, OutcomeRow, PainMarkRow};
use crate::sessions::{AmendmentRow, PlanRow, ProcedureRow, SiteRow, assemble_procedures};
use crate::types::{Stamp, id, opt_id};
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
    let kinds: Vec<String> = KINDS.iter().map(|kind| format!("coalesce(c.{kind}, '[]')")).collect();
    format!(
        "SELECT p.deleted_at IS NOT NULL AS deleted, {} \
         FROM patients p LEFT JOIN patient_courses c ON c.patient_id = p.id WHERE p.id = $1",
        kinds.join(", ")
    )
});

/// SQLite's read and audit event in one statement: the event is inserted when the patient is live, and the
/// insert returns the course (a one-statement access of the group commit needs no savepoint). RETURNING sees only
/// the inserted row, so each list is its own lookup of the course row by key.
static SQLITE_AUDITED: LazyLock<String> = LazyLock::new(|| {
    let kinds: Vec<String> = KINDS
        .iter()
        .map(|kind| format!("coalesce((SELECT {kind} FROM patient_courses WHERE patient_id = $1), '[]')"))
        .collect();
    format!(
        "INSERT INTO audit_events (id, at, actor_id, actor, action, patient_id, record_type, record_id, details) \
         SELECT $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM patients WHERE id = $1 AND deleted_at IS NULL \
         RETURNING 0, {}",
        kinds.join(", ")
    )
});

/// PostgreSQL's read and audit event in one statement, so one round trip and no BEGIN/COMMIT: the event is
/// inserted only when the patient is live, in the same (implicit) transaction as the read (PostgreSQL runs a
/// data-modifying WITH to completion whether or not the main query reads it).
static POSTGRES_AUDITED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH course AS ({}), logged AS (INSERT INTO audit_events (id, at, actor_id, actor, action, \
         patient_id, record_type, record_id, details) SELECT $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM course \
         WHERE NOT deleted RETURNING 1) SELECT * FROM course",
        *COURSE
    )
});

type CourseRow = (bool, String, String, String, String, String, String, String, String);

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

impl Store {
    /// The patient's course and the audit event of reading it, committed together (see [`Tx::patient_course`]):
    /// one statement on PostgreSQL, one group-committed access on SQLite. `NotFound` (and no event) for an
    /// unknown or deleted patient.
    pub async fn audited_course(&self, patient_id: &str, event: NewAudit<'_>) -> Result<PatientCourse, StoreError> {
        let pid = id(patient_id)?;
        let (eid, actor_id, audited) = (id(event.id)?, opt_id(event.actor_id)?, opt_id(event.patient_id)?);
        let at = Stamp::from(event.at);
        let details = event.details.map(sqlx::types::Json);
        macro_rules! audited_read {
            ($sql:expr, $conn:expr) => {
                sqlx::query_as(sqlx::AssertSqlSafe($sql.as_str()))
                    .bind(pid)
                    .bind(eid)
                    .bind(&at)
                    .bind(actor_id)
                    .bind(event.actor)
                    .bind(event.action)
                    .bind(audited)
                    .bind(event.record_type)
                    .bind(event.record_id)
                    .bind(&details)
                    .fetch_optional($conn)
                    .await
            };
        }
        let row: Option<CourseRow> = match &self.pool {
            Pool::Postgres(pool) => audited_read!(POSTGRES_AUDITED, pool)?,
            Pool::Sqlite { group, .. } => group.single(async |conn| audited_read!(SQLITE_AUDITED, conn)).await?,
        };
        course(row)
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
