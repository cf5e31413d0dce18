//! A patient's whole course read in one statement. PostgreSQL keeps each patient's course assembled on write
//! (`patient_courses`, maintained by triggers; migrations/postgres/0010) and the read takes one row; SQLite,
//! in the server's process, aggregates each kind of record into a JSON array on read. Either way the arrays are
//! decoded into the same rows the per-kind queries read. The timeline is the busiest clinical read: one statement
//! because each costs a round trip, and stored on PostgreSQL because assembling it there cost as much as the
//! read's audit event (docs/performance.md).

use std::sync::LazyLock;

use serde::de::DeserializeOwned;

use crate::clinical::{ENCOUNTER, EncounterRow, FINDING, FindingRow, OUTCOME, OutcomeRow, PAIN_MARK, PainMarkRow};
use crate::sessions::{
    AMENDMENT, AmendmentRow, PLAN, PROCEDURE, PlanRow, ProcedureRow, SITE, SiteRow, assemble_procedures,
};
use crate::types::{Stamp, id, opt_id};
use crate::{
    EncounterRecord, Engine, FindingRecord, NewAudit, OutcomeRecord, PainMarkRecord, PlanRecord, Pool, ProcedureRecord,
    Store, StoreError, Tx, on_tx,
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

/// One aggregated list: the kind's own SELECT (its columns are the rows' fields), what narrows it to the patient
/// (`$1`), the order, and which columns hold JSON (SQLite stores them as text and must say so to nest them).
struct Part {
    select: &'static str,
    extra_columns: &'static [&'static str],
    rest: &'static str,
    order: &'static str,
    json_columns: &'static [&'static str],
}

const PARTS: [Part; 8] = [
    Part {
        select: ENCOUNTER,
        extra_columns: &[],
        rest: "WHERE patient_id = $1",
        order: "occurred_at, id",
        json_columns: &[],
    },
    Part {
        select: PAIN_MARK,
        extra_columns: &[],
        rest: "JOIN encounters e ON e.id = m.encounter_id WHERE e.patient_id = $1",
        order: "created_at, id",
        json_columns: &[],
    },
    Part {
        select: FINDING,
        extra_columns: &[],
        rest: "JOIN encounters e ON e.id = f.encounter_id WHERE e.patient_id = $1",
        order: "created_at, id",
        json_columns: &[],
    },
    Part {
        select: PLAN,
        extra_columns: &[],
        rest: "WHERE patient_id = $1",
        order: "created_at, id",
        json_columns: &["input", "output"],
    },
    Part {
        select: PROCEDURE,
        extra_columns: &[],
        rest: "WHERE p.patient_id = $1",
        order: "started_at, id",
        json_columns: &["consent", "complications", "diagnoses", "codes", "findings"],
    },
    Part {
        select: SITE,
        extra_columns: &["s.position"],
        rest: "JOIN procedures p ON p.id = s.procedure_id WHERE p.patient_id = $1",
        order: "procedure_id, position",
        json_columns: &[],
    },
    Part {
        select: AMENDMENT,
        extra_columns: &[],
        rest: "JOIN procedures p ON p.id = a.procedure_id WHERE p.patient_id = $1",
        order: "procedure_id, number",
        json_columns: &[],
    },
    Part {
        select: OUTCOME,
        extra_columns: &[],
        rest: "WHERE patient_id = $1",
        order: "recorded_at, id",
        json_columns: &[],
    },
];

impl Part {
    /// The column list of the kind's SELECT and the extras, as `(qualified, name)`.
    fn columns(&self) -> Vec<(&'static str, &'static str)> {
        let list = self
            .select
            .strip_prefix("SELECT ")
            .and_then(|s| s.split(" FROM ").next())
            .expect("a part's SELECT lists its columns");
        list.split(',')
            .map(str::trim)
            .chain(self.extra_columns.iter().copied())
            .map(|qualified| (qualified, qualified.rsplit('.').next().unwrap_or(qualified)))
            .collect()
    }

    /// The kind's rows as a subquery `t` with plain column names.
    fn rows(&self) -> String {
        let from = self
            .select
            .split_once(" FROM ")
            .map(|(_, from)| from)
            .unwrap_or_default();
        let columns: Vec<&str> = self.columns().iter().map(|(q, _)| *q).collect();
        format!("SELECT {} FROM {from} {}", columns.join(", "), self.rest)
    }

    /// The JSON array of the kind's rows, in order (`[]` when there are none), as SQLite builds it.
    fn aggregate(&self) -> String {
        let order: Vec<String> = self.order.split(", ").map(|c| format!("t.{c}")).collect();
        let fields: Vec<String> = self
            .columns()
            .iter()
            .map(|(_, name)| {
                if self.json_columns.contains(name) {
                    format!("'{name}', json(t.{name})")
                } else {
                    // Record ids are 16-byte blobs on SQLite, which JSON carries as hex; SQLite writes a real in
                    // JSON with 15 digits, so each is printed with 17, enough to read it back.
                    format!(
                        "'{name}', CASE typeof(t.{name}) WHEN 'blob' THEN hex(t.{name}) \
                         WHEN 'real' THEN json(printf('%!.17g', t.{name})) ELSE t.{name} END"
                    )
                }
            })
            .collect();
        format!(
            "(SELECT json_group_array(json_object({}) ORDER BY {}) FROM ({}) t)",
            fields.join(", "),
            order.join(", "),
            self.rows()
        )
    }
}

/// SQLite's course: a row (the patient's deletion flag and one JSON array per part) when the patient exists.
static SQLITE: LazyLock<String> = LazyLock::new(|| {
    let parts: Vec<String> = PARTS.iter().map(Part::aggregate).collect();
    format!(
        "SELECT deleted_at IS NOT NULL AS deleted, {} FROM patients WHERE id = $1",
        parts.join(", ")
    )
});

/// SQLite's read and audit event in one statement: the event is inserted when the patient is live, and the
/// insert returns the course (a one-statement access of the group commit needs no savepoint).
static SQLITE_AUDITED: LazyLock<String> = LazyLock::new(|| {
    let parts: Vec<String> = PARTS.iter().map(Part::aggregate).collect();
    format!(
        "INSERT INTO audit_events (id, at, actor_id, actor, action, patient_id, record_type, record_id, details) \
         SELECT $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM patients WHERE id = $1 AND deleted_at IS NULL \
         RETURNING 0, {}",
        parts.join(", ")
    )
});

/// PostgreSQL's course: the stored row, or empty arrays for a patient who has recorded nothing yet (the first
/// record's trigger creates the row).
const POSTGRES: &str = "SELECT p.deleted_at IS NOT NULL AS deleted, \
     coalesce(c.encounters, '[]'), coalesce(c.pain_marks, '[]'), coalesce(c.findings, '[]'), \
     coalesce(c.plans, '[]'), coalesce(c.procedures, '[]'), coalesce(c.sites, '[]'), \
     coalesce(c.amendments, '[]'), coalesce(c.outcomes, '[]') \
     FROM patients p LEFT JOIN patient_courses c ON c.patient_id = p.id WHERE p.id = $1";

/// PostgreSQL's read and audit event in one statement, so one round trip and no BEGIN/COMMIT: the event is
/// inserted only when the patient is live, in the same (implicit) transaction as the read (PostgreSQL runs a
/// data-modifying WITH to completion whether or not the main query reads it).
static POSTGRES_AUDITED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH course AS ({POSTGRES}), logged AS (INSERT INTO audit_events (id, at, actor_id, actor, action, \
         patient_id, record_type, record_id, details) SELECT $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM course \
         WHERE NOT deleted RETURNING 1) SELECT * FROM course"
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
    /// outcomes in one statement. `NotFound` for an unknown or deleted patient.
    pub async fn patient_course(&mut self, patient_id: &str) -> Result<PatientCourse, StoreError> {
        let pid = id(patient_id)?;
        let sql = match self.engine() {
            Engine::Postgres => POSTGRES,
            Engine::Sqlite => SQLITE.as_str(),
        };
        let row: Option<CourseRow> =
            on_tx!(self, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(pid).fetch_optional(conn).await)?;
        course(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every column of every kind's own SELECT is in the aggregate, so a column added to a kind cannot be
    /// silently missing (serde would read an absent optional field as null).
    #[test]
    fn each_part_carries_every_column_of_its_kind() {
        for part in &PARTS {
            let names: Vec<&str> = part.columns().iter().map(|(_, n)| *n).collect();
            let sqlite = part.aggregate();
            for name in &names {
                assert!(sqlite.contains(&format!("'{name}', ")), "{name} missing from {sqlite}");
            }
            for json in part.json_columns {
                assert!(
                    names.contains(json),
                    "json column {json} is not a column of {}",
                    part.select
                );
            }
            for key in part.order.split(", ") {
                assert!(
                    names.contains(&key),
                    "order key {key} is not a column of {}",
                    part.select
                );
            }
        }
    }
}
