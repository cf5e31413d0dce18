//! Follow-up records: adverse events against a procedure (edited with versions, a stale one is a conflict) and
//! the follow-up checks a procedure schedules, completed by the encounter that did them.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use crate::types::{Day, Stamp, id, opt_id};
use crate::{StoreError, Tx, on_tx};

/// An adverse event as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdverseEventRecord {
    pub id: String,
    pub procedure_id: String,
    pub patient_id: String,
    pub effect: String,
    pub site: Option<String>,
    /// `YYYY-MM-DD`.
    pub onset: String,
    pub severity: String,
    pub actions: Vec<String>,
    /// `YYYY-MM-DD`, absent while the event is open.
    pub resolved_on: Option<String>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_by: String,
    pub updated_at: String,
}

/// A scheduled follow-up check as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowupRecord {
    pub id: String,
    pub procedure_id: String,
    pub patient_id: String,
    pub check_id: String,
    /// `call`, `review` or `outcome`.
    pub kind: String,
    pub name: String,
    pub purpose: String,
    pub due_from: String,
    pub due_by: String,
    pub sources: Vec<String>,
    pub confidence: String,
    pub clinician_id: String,
    pub completed_encounter_id: Option<String>,
    pub completed_by: Option<String>,
    pub completed_at: Option<String>,
    pub created_at: String,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    procedure_id: Uuid,
    patient_id: Uuid,
    effect: String,
    site: Option<String>,
    onset: Day,
    severity: String,
    actions: Json<Vec<String>>,
    resolved_on: Option<Day>,
    notes: Option<String>,
    version: i64,
    created_by: Uuid,
    created_at: Stamp,
    updated_by: Uuid,
    updated_at: Stamp,
}

impl From<EventRow> for AdverseEventRecord {
    fn from(r: EventRow) -> AdverseEventRecord {
        AdverseEventRecord {
            id: r.id.to_string(),
            procedure_id: r.procedure_id.to_string(),
            patient_id: r.patient_id.to_string(),
            effect: r.effect,
            site: r.site,
            onset: r.onset.0,
            severity: r.severity,
            actions: r.actions.0,
            resolved_on: r.resolved_on.map(|d| d.0),
            notes: r.notes,
            version: r.version,
            created_by: r.created_by.to_string(),
            created_at: r.created_at.0,
            updated_by: r.updated_by.to_string(),
            updated_at: r.updated_at.0,
        }
    }
}

#[derive(sqlx::FromRow)]
struct FollowupRow {
    id: Uuid,
    procedure_id: Uuid,
    patient_id: Uuid,
    check_id: String,
    kind: String,
    name: String,
    purpose: String,
    due_from: Day,
    due_by: Day,
    sources: Json<Vec<String>>,
    confidence: String,
    clinician_id: Uuid,
    completed_encounter_id: Option<Uuid>,
    completed_by: Option<Uuid>,
    completed_at: Option<Stamp>,
    created_at: Stamp,
}

impl From<FollowupRow> for FollowupRecord {
    fn from(r: FollowupRow) -> FollowupRecord {
        FollowupRecord {
            id: r.id.to_string(),
            procedure_id: r.procedure_id.to_string(),
            patient_id: r.patient_id.to_string(),
            check_id: r.check_id,
            kind: r.kind,
            name: r.name,
            purpose: r.purpose,
            due_from: r.due_from.0,
            due_by: r.due_by.0,
            sources: r.sources.0,
            confidence: r.confidence,
            clinician_id: r.clinician_id.to_string(),
            completed_encounter_id: r.completed_encounter_id.map(|u| u.to_string()),
            completed_by: r.completed_by.map(|u| u.to_string()),
            completed_at: r.completed_at.map(|s| s.0),
            created_at: r.created_at.0,
        }
    }
}

const EVENT: &str = "SELECT id, procedure_id, patient_id, effect, site, onset, severity, actions, resolved_on, \
     notes, version, created_by, created_at, updated_by, updated_at FROM adverse_events";
/// Leaves out the records of soft-deleted patients.
const LIVE: &str = "patient_id IN (SELECT id FROM patients WHERE deleted_at IS NULL)";
const FOLLOWUP: &str = "SELECT id, procedure_id, patient_id, check_id, kind, name, purpose, due_from, due_by, \
     sources, confidence, clinician_id, completed_encounter_id, completed_by, completed_at, created_at FROM followups";

impl Tx {
    pub async fn insert_adverse_event(&mut self, e: &AdverseEventRecord) -> Result<(), StoreError> {
        let (eid, procedure, patient) = (id(&e.id)?, id(&e.procedure_id)?, id(&e.patient_id)?);
        let (created_by, updated_by) = (id(&e.created_by)?, id(&e.updated_by)?);
        let (created, updated) = (Stamp::from(&e.created_at), Stamp::from(&e.updated_at));
        let (onset, resolved) = (Day(e.onset.clone()), e.resolved_on.clone().map(Day));
        const SQL: &str = "INSERT INTO adverse_events (id, procedure_id, patient_id, effect, site, onset, severity, \
             actions, resolved_on, notes, version, created_by, created_at, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(eid)
            .bind(procedure)
            .bind(patient)
            .bind(&e.effect)
            .bind(&e.site)
            .bind(&onset)
            .bind(&e.severity)
            .bind(Json(&e.actions))
            .bind(&resolved)
            .bind(&e.notes)
            .bind(e.version)
            .bind(created_by)
            .bind(&created)
            .bind(updated_by)
            .bind(&updated)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    pub async fn adverse_event(&mut self, event_id: &str) -> Result<AdverseEventRecord, StoreError> {
        let eid = id(event_id)?;
        let sql = sqlx::AssertSqlSafe(format!("{EVENT} WHERE id = $1"));
        let row: Option<EventRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(eid).fetch_optional(conn).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.into())
    }

    /// A procedure's adverse events, by onset.
    pub async fn procedure_adverse_events(
        &mut self,
        procedure_id: &str,
    ) -> Result<Vec<AdverseEventRecord>, StoreError> {
        let pid = id(procedure_id)?;
        let sql = sqlx::AssertSqlSafe(format!("{EVENT} WHERE procedure_id = $1 ORDER BY onset, id"));
        let rows: Vec<EventRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Every adverse event still open (no resolution date) of a patient not deleted, by onset: what the worklist
    /// flags.
    pub async fn open_adverse_events(&mut self) -> Result<Vec<AdverseEventRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{EVENT} WHERE resolved_on IS NULL AND {LIVE} ORDER BY onset, id"
        ));
        let rows: Vec<EventRow> = on_tx!(self, conn => sqlx::query_as(sql).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// A patient's adverse events not yet resolved, by onset: the patient page's open side effects.
    pub async fn patient_open_adverse_events(
        &mut self,
        patient_id: &str,
    ) -> Result<Vec<AdverseEventRecord>, StoreError> {
        let pid = id(patient_id)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{EVENT} WHERE patient_id = $1 AND resolved_on IS NULL ORDER BY onset, id"
        ));
        let rows: Vec<EventRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Writes `next` (its `version` already raised by one) if the stored version is still `next.version - 1`.
    pub async fn update_adverse_event(&mut self, next: &AdverseEventRecord) -> Result<(), StoreError> {
        let eid = id(&next.id)?;
        let by = id(&next.updated_by)?;
        let updated = Stamp::from(&next.updated_at);
        let (onset, resolved) = (Day(next.onset.clone()), next.resolved_on.clone().map(Day));
        const SQL: &str = "UPDATE adverse_events SET effect = $1, site = $2, onset = $3, severity = $4, actions = $5, \
             resolved_on = $6, notes = $7, version = $8, updated_by = $9, updated_at = $10 \
             WHERE id = $11 AND version = $12";
        let rows = on_tx!(self, conn => sqlx::query(SQL)
            .bind(&next.effect)
            .bind(&next.site)
            .bind(&onset)
            .bind(&next.severity)
            .bind(Json(&next.actions))
            .bind(&resolved)
            .bind(&next.notes)
            .bind(next.version)
            .bind(by)
            .bind(&updated)
            .bind(eid)
            .bind(next.version - 1)
            .execute(conn)
            .await
            .map(|r| r.rows_affected()))?;
        if rows == 0 {
            let current = self.adverse_event(&next.id).await?;
            return Err(StoreError::Conflict(format!(
                "the adverse event was changed meanwhile: you edited version {}, the current version is {}",
                next.version - 1,
                current.version
            )));
        }
        Ok(())
    }

    pub async fn insert_followup(&mut self, f: &FollowupRecord) -> Result<(), StoreError> {
        let (fid, procedure, patient, clinician) = (
            id(&f.id)?,
            id(&f.procedure_id)?,
            id(&f.patient_id)?,
            id(&f.clinician_id)?,
        );
        let (encounter, by) = (
            opt_id(f.completed_encounter_id.as_deref())?,
            opt_id(f.completed_by.as_deref())?,
        );
        let (completed, created) = (f.completed_at.as_ref().map(Stamp::from), Stamp::from(&f.created_at));
        let (from, to) = (Day(f.due_from.clone()), Day(f.due_by.clone()));
        const SQL: &str = "INSERT INTO followups (id, procedure_id, patient_id, check_id, kind, name, purpose, \
             due_from, due_by, sources, confidence, clinician_id, completed_encounter_id, completed_by, completed_at, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(fid)
            .bind(procedure)
            .bind(patient)
            .bind(&f.check_id)
            .bind(&f.kind)
            .bind(&f.name)
            .bind(&f.purpose)
            .bind(&from)
            .bind(&to)
            .bind(Json(&f.sources))
            .bind(&f.confidence)
            .bind(clinician)
            .bind(encounter)
            .bind(by)
            .bind(&completed)
            .bind(&created)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    pub async fn followup(&mut self, followup_id: &str) -> Result<FollowupRecord, StoreError> {
        let fid = id(followup_id)?;
        let sql = sqlx::AssertSqlSafe(format!("{FOLLOWUP} WHERE id = $1"));
        let row: Option<FollowupRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(fid).fetch_optional(conn).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.into())
    }

    /// Open checks of patients not deleted that start on or before `by` (`YYYY-MM-DD`), for one clinician or for
    /// all, by deadline.
    pub async fn open_followups(
        &mut self,
        by: &str,
        clinician_id: Option<&str>,
    ) -> Result<Vec<FollowupRecord>, StoreError> {
        let day = Day(by.to_owned());
        let clinician = opt_id(clinician_id)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{FOLLOWUP} WHERE completed_at IS NULL AND due_from <= $1 AND ($2 IS NULL OR clinician_id = $2) \
             AND {LIVE} ORDER BY due_by, id"
        ));
        let rows: Vec<FollowupRow> =
            on_tx!(self, conn => sqlx::query_as(sql).bind(&day).bind(clinician).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// A patient's open checks whatever their dates, by deadline: the patient page's follow-ups.
    pub async fn patient_open_followups(&mut self, patient_id: &str) -> Result<Vec<FollowupRecord>, StoreError> {
        let pid = id(patient_id)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{FOLLOWUP} WHERE patient_id = $1 AND completed_at IS NULL ORDER BY due_by, id"
        ));
        let rows: Vec<FollowupRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Marks an open check completed by `encounter_id`; a check already completed is a conflict.
    pub async fn complete_followup(
        &mut self,
        followup_id: &str,
        encounter_id: &str,
        by: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let (fid, encounter, user) = (id(followup_id)?, id(encounter_id)?, id(by)?);
        let at = Stamp::from(at);
        const SQL: &str = "UPDATE followups SET completed_encounter_id = $1, completed_by = $2, completed_at = $3 \
             WHERE id = $4 AND completed_at IS NULL";
        let rows = on_tx!(self, conn => sqlx::query(SQL)
            .bind(encounter)
            .bind(user)
            .bind(&at)
            .bind(fid)
            .execute(conn)
            .await
            .map(|r| r.rows_affected()))?;
        if rows == 0 {
            self.followup(followup_id).await?;
            return Err(StoreError::Conflict("the follow-up is already completed".into()));
        }
        Ok(())
    }
}

impl Tx {
    /// The patients with a procedure started in `[from, until)` (instants), each once.
    pub async fn patients_treated_between(&mut self, from: &str, until: &str) -> Result<Vec<String>, StoreError> {
        let (from, until) = (Stamp::from(from), Stamp::from(until));
        const SQL: &str = "SELECT DISTINCT patient_id FROM procedures WHERE started_at >= $1 AND started_at < $2 \
                           ORDER BY patient_id";
        let rows: Vec<(Uuid,)> =
            on_tx!(self, conn => sqlx::query_as(SQL).bind(&from).bind(&until).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(|(u,)| u.to_string()).collect())
    }
}
