//! Treatment sessions: stored treatment plans (every version kept, like patients) and the procedures done, one
//! row per treated site so that the history rules can read them back.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use crate::types::{Day, Stamp, id, opt_id};
use crate::{StoreError, Tx, on_tx};

/// A stored treatment plan: what was asked, the checked output, its status and version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRecord {
    pub id: String,
    pub patient_id: String,
    pub encounter_id: String,
    /// `draft`, `signed` or `withdrawn`.
    pub status: String,
    pub version: i64,
    /// The checked plan (`items`, `totals`, `vials`, `waste`, `findings`, `codes`), flattened into the record.
    #[serde(flatten)]
    pub output: Value,
    pub has_error: bool,
    /// The request (items or template, reconstitution) and the patient context the plan was checked against.
    pub input: Value,
    pub created_by: String,
    pub created_at: String,
    pub updated_by: String,
    pub updated_at: String,
    pub signed_by: Option<String>,
    pub signed_at: Option<String>,
    pub override_reason: Option<String>,
}

/// One state of a plan in its history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanVersion {
    pub version: i64,
    pub status: String,
    pub input: Value,
    pub output: Value,
    pub override_reason: Option<String>,
    pub changed_by: String,
    pub changed_at: String,
}

/// Consent to a procedure, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub obtained: bool,
    pub risks_discussed: Vec<String>,
    /// Who obtained it (free text; the recording user unless given).
    pub by: String,
}

/// One treated site of a procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteRecord {
    pub muscle: String,
    pub side: Option<String>,
    pub site: Option<String>,
    /// `injection`, `dry-needling` or `manual`.
    pub kind: String,
    pub agent: String,
    /// Units for a toxin, mg for an anesthetic or a steroid.
    pub amount: Option<f64>,
    pub amount_unit: Option<String>,
    pub volume_ml: Option<f64>,
    pub concentration_percent: Option<f64>,
    pub points: i64,
    pub needle: Option<String>,
    /// `landmark`, `ultrasound` or `emg`.
    pub guidance: Option<String>,
    pub technique: Option<String>,
    pub lot: Option<String>,
    /// `YYYY-MM-DD`.
    pub expiry: Option<String>,
    pub reconstitution_ml: Option<f64>,
    pub vial_units: Option<f64>,
    /// For a corticosteroid: `single-dose` or `multi-dose`, when recorded.
    #[serde(default)]
    pub vial: Option<String>,
    /// A single-dose vial's labeled content in mg.
    #[serde(default)]
    pub vial_mg: Option<f64>,
}

/// A procedure as recorded: who, when, consent, each site, complications, and the codes derived from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcedureRecord {
    pub id: String,
    pub patient_id: String,
    pub encounter_id: String,
    pub plan_id: Option<String>,
    pub started_at: String,
    pub ended_at: String,
    pub performed_by: String,
    pub consent: Consent,
    pub sites: Vec<SiteRecord>,
    pub complications: Vec<String>,
    pub diagnoses: Vec<String>,
    pub codes: Value,
    pub findings: Value,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: String,
    /// Corrections appended after the procedure was recorded, oldest first; the record itself is never edited.
    pub amendments: Vec<AmendmentRecord>,
}

/// A correction of a recorded procedure: what is corrected and why, by whom and when. Amendment `number` n
/// raised the procedure to version n + 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AmendmentRecord {
    pub id: String,
    pub procedure_id: String,
    pub number: i64,
    pub reason: String,
    pub correction: String,
    pub amended_by: String,
    pub amended_at: String,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct AmendmentRow {
    id: Uuid,
    procedure_id: Uuid,
    number: i64,
    reason: String,
    correction: String,
    amended_by: Uuid,
    amended_at: Stamp,
}

impl From<AmendmentRow> for AmendmentRecord {
    fn from(r: AmendmentRow) -> AmendmentRecord {
        AmendmentRecord {
            id: r.id.to_string(),
            procedure_id: r.procedure_id.to_string(),
            number: r.number,
            reason: r.reason,
            correction: r.correction,
            amended_by: r.amended_by.to_string(),
            amended_at: r.amended_at.0,
        }
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct PlanRow {
    id: Uuid,
    patient_id: Uuid,
    encounter_id: Uuid,
    status: String,
    input: Json<Value>,
    output: Json<Value>,
    #[serde(deserialize_with = "crate::types::flag")]
    has_error: bool,
    version: i64,
    created_by: Uuid,
    created_at: Stamp,
    updated_by: Uuid,
    updated_at: Stamp,
    signed_by: Option<Uuid>,
    signed_at: Option<Stamp>,
    override_reason: Option<String>,
}

impl From<PlanRow> for PlanRecord {
    fn from(r: PlanRow) -> PlanRecord {
        PlanRecord {
            id: r.id.to_string(),
            patient_id: r.patient_id.to_string(),
            encounter_id: r.encounter_id.to_string(),
            status: r.status,
            version: r.version,
            output: r.output.0,
            has_error: r.has_error,
            input: r.input.0,
            created_by: r.created_by.to_string(),
            created_at: r.created_at.0,
            updated_by: r.updated_by.to_string(),
            updated_at: r.updated_at.0,
            signed_by: r.signed_by.map(|u| u.to_string()),
            signed_at: r.signed_at.map(|s| s.0),
            override_reason: r.override_reason,
        }
    }
}

#[derive(sqlx::FromRow)]
struct PlanVersionRow {
    version: i64,
    status: String,
    input: Json<Value>,
    output: Json<Value>,
    override_reason: Option<String>,
    changed_by: Uuid,
    changed_at: Stamp,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct ProcedureRow {
    id: Uuid,
    patient_id: Uuid,
    encounter_id: Uuid,
    plan_id: Option<Uuid>,
    started_at: Stamp,
    ended_at: Stamp,
    performed_by: Uuid,
    consent: Json<Consent>,
    complications: Json<Vec<String>>,
    diagnoses: Json<Vec<String>>,
    codes: Json<Value>,
    findings: Json<Value>,
    notes: Option<String>,
    version: i64,
    created_at: Stamp,
}

impl ProcedureRow {
    pub(crate) fn record(self, sites: Vec<SiteRecord>, amendments: Vec<AmendmentRecord>) -> ProcedureRecord {
        ProcedureRecord {
            id: self.id.to_string(),
            patient_id: self.patient_id.to_string(),
            encounter_id: self.encounter_id.to_string(),
            plan_id: self.plan_id.map(|u| u.to_string()),
            started_at: self.started_at.0,
            ended_at: self.ended_at.0,
            performed_by: self.performed_by.to_string(),
            consent: self.consent.0,
            sites,
            complications: self.complications.0,
            diagnoses: self.diagnoses.0,
            codes: self.codes.0,
            findings: self.findings.0,
            notes: self.notes,
            version: self.version,
            created_at: self.created_at.0,
            amendments,
        }
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct SiteRow {
    procedure_id: Uuid,
    muscle: String,
    side: Option<String>,
    site: Option<String>,
    kind: String,
    agent: String,
    amount: Option<f64>,
    amount_unit: Option<String>,
    volume_ml: Option<f64>,
    concentration_percent: Option<f64>,
    points: i64,
    needle: Option<String>,
    guidance: Option<String>,
    technique: Option<String>,
    lot: Option<String>,
    expiry: Option<Day>,
    reconstitution_ml: Option<f64>,
    vial_units: Option<f64>,
    vial: Option<String>,
    vial_mg: Option<f64>,
}

impl From<SiteRow> for SiteRecord {
    fn from(r: SiteRow) -> SiteRecord {
        SiteRecord {
            muscle: r.muscle,
            side: r.side,
            site: r.site,
            kind: r.kind,
            agent: r.agent,
            amount: r.amount,
            amount_unit: r.amount_unit,
            volume_ml: r.volume_ml,
            concentration_percent: r.concentration_percent,
            points: r.points,
            needle: r.needle,
            guidance: r.guidance,
            technique: r.technique,
            lot: r.lot,
            expiry: r.expiry.map(|d| d.0),
            reconstitution_ml: r.reconstitution_ml,
            vial_units: r.vial_units,
            vial: r.vial,
            vial_mg: r.vial_mg,
        }
    }
}

pub(crate) const PLAN: &str = "SELECT id, patient_id, encounter_id, status, input, output, has_error, version, created_by, \
                    created_at, updated_by, updated_at, signed_by, signed_at, override_reason FROM treatment_plans";
pub(crate) const PROCEDURE: &str = "SELECT p.id, p.patient_id, p.encounter_id, p.plan_id, p.started_at, p.ended_at, \
     p.performed_by, p.consent, p.complications, p.diagnoses, p.codes, p.findings, p.notes, p.version, \
     p.created_at FROM procedures p";
pub(crate) const SITE: &str = "SELECT s.procedure_id, s.muscle, s.side, s.site, s.kind, s.agent, s.amount, s.amount_unit, \
     s.volume_ml, s.concentration_percent, s.points, s.needle, s.guidance, s.technique, s.lot, s.expiry, \
     s.reconstitution_ml, s.vial_units, s.vial, s.vial_mg FROM procedure_sites s";
pub(crate) const AMENDMENT: &str = "SELECT a.id, a.procedure_id, a.number, a.reason, a.correction, a.amended_by, a.amended_at \
     FROM procedure_amendments a";

impl Tx {
    pub async fn insert_plan(&mut self, p: &PlanRecord) -> Result<(), StoreError> {
        let (pid, patient, encounter) = (id(&p.id)?, id(&p.patient_id)?, id(&p.encounter_id)?);
        let (created_by, updated_by) = (id(&p.created_by)?, id(&p.updated_by)?);
        let signed_by = opt_id(p.signed_by.as_deref())?;
        let (created, updated) = (Stamp::from(&p.created_at), Stamp::from(&p.updated_at));
        let signed = p.signed_at.as_ref().map(Stamp::from);
        const SQL: &str = "INSERT INTO treatment_plans (id, patient_id, encounter_id, status, input, output, \
             has_error, version, created_by, created_at, updated_by, updated_at, signed_by, signed_at, \
             override_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(pid)
            .bind(patient)
            .bind(encounter)
            .bind(&p.status)
            .bind(Json(&p.input))
            .bind(Json(&p.output))
            .bind(p.has_error)
            .bind(p.version)
            .bind(created_by)
            .bind(&created)
            .bind(updated_by)
            .bind(&updated)
            .bind(signed_by)
            .bind(&signed)
            .bind(&p.override_reason)
            .execute(conn)
            .await
            .map(drop))?;
        self.keep_plan_version(p).await
    }

    /// Appends the plan's current state to its history.
    async fn keep_plan_version(&mut self, p: &PlanRecord) -> Result<(), StoreError> {
        let (pid, by) = (id(&p.id)?, id(&p.updated_by)?);
        let at = Stamp::from(&p.updated_at);
        const SQL: &str = "INSERT INTO treatment_plan_versions (plan_id, version, status, input, output, \
             override_reason, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(pid)
            .bind(p.version)
            .bind(&p.status)
            .bind(Json(&p.input))
            .bind(Json(&p.output))
            .bind(&p.override_reason)
            .bind(by)
            .bind(&at)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    pub async fn plan(&mut self, plan_id: &str) -> Result<PlanRecord, StoreError> {
        let pid = id(plan_id)?;
        let sql = sqlx::AssertSqlSafe(format!("{PLAN} WHERE id = $1"));
        let row: Option<PlanRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_optional(conn).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.into())
    }

    /// A patient's plans, oldest first.
    pub async fn patient_plans(&mut self, patient_id: &str) -> Result<Vec<PlanRecord>, StoreError> {
        let pid = id(patient_id)?;
        let sql = sqlx::AssertSqlSafe(format!("{PLAN} WHERE patient_id = $1 ORDER BY created_at, id"));
        let rows: Vec<PlanRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Writes `next` (status, input, output, signature, `version` already raised by one) if the stored version
    /// is still `next.version - 1`, and keeps it in the history. A stale version is a conflict.
    pub async fn update_plan(&mut self, next: &PlanRecord) -> Result<(), StoreError> {
        let pid = id(&next.id)?;
        let by = id(&next.updated_by)?;
        let signed_by = opt_id(next.signed_by.as_deref())?;
        let updated = Stamp::from(&next.updated_at);
        let signed = next.signed_at.as_ref().map(Stamp::from);
        const SQL: &str = "UPDATE treatment_plans SET status = $1, input = $2, output = $3, has_error = $4, \
             version = $5, updated_by = $6, updated_at = $7, signed_by = $8, signed_at = $9, override_reason = $10 \
             WHERE id = $11 AND version = $12";
        let rows = on_tx!(self, conn => sqlx::query(SQL)
            .bind(&next.status)
            .bind(Json(&next.input))
            .bind(Json(&next.output))
            .bind(next.has_error)
            .bind(next.version)
            .bind(by)
            .bind(&updated)
            .bind(signed_by)
            .bind(&signed)
            .bind(&next.override_reason)
            .bind(pid)
            .bind(next.version - 1)
            .execute(conn)
            .await
            .map(|r| r.rows_affected()))?;
        if rows == 0 {
            let current = self.plan(&next.id).await?;
            return Err(StoreError::Conflict(format!(
                "the plan was changed meanwhile: you edited version {}, the current version is {}",
                next.version - 1,
                current.version
            )));
        }
        self.keep_plan_version(next).await
    }

    /// Every version of a plan, oldest first.
    pub async fn plan_versions(&mut self, plan_id: &str) -> Result<Vec<PlanVersion>, StoreError> {
        let pid = id(plan_id)?;
        const SQL: &str = "SELECT version, status, input, output, override_reason, changed_by, changed_at \
                           FROM treatment_plan_versions WHERE plan_id = $1 ORDER BY version";
        let rows: Vec<PlanVersionRow> = on_tx!(self, conn => sqlx::query_as(SQL).bind(pid).fetch_all(conn).await)?;
        Ok(rows
            .into_iter()
            .map(|r| PlanVersion {
                version: r.version,
                status: r.status,
                input: r.input.0,
                output: r.output.0,
                override_reason: r.override_reason,
                changed_by: r.changed_by.to_string(),
                changed_at: r.changed_at.0,
            })
            .collect())
    }

    /// Writes a procedure and its sites.
    pub async fn insert_procedure(&mut self, p: &ProcedureRecord) -> Result<(), StoreError> {
        let (pid, patient, encounter, by) = (
            id(&p.id)?,
            id(&p.patient_id)?,
            id(&p.encounter_id)?,
            id(&p.performed_by)?,
        );
        let plan = opt_id(p.plan_id.as_deref())?;
        let (started, ended, created) = (
            Stamp::from(&p.started_at),
            Stamp::from(&p.ended_at),
            Stamp::from(&p.created_at),
        );
        const SQL: &str = "INSERT INTO procedures (id, patient_id, encounter_id, plan_id, started_at, ended_at, \
             performed_by, consent, complications, diagnoses, codes, findings, notes, version, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(pid)
            .bind(patient)
            .bind(encounter)
            .bind(plan)
            .bind(&started)
            .bind(&ended)
            .bind(by)
            .bind(Json(&p.consent))
            .bind(Json(&p.complications))
            .bind(Json(&p.diagnoses))
            .bind(Json(&p.codes))
            .bind(Json(&p.findings))
            .bind(&p.notes)
            .bind(p.version)
            .bind(&created)
            .execute(conn)
            .await
            .map(drop))?;
        const SITE_SQL: &str = "INSERT INTO procedure_sites (procedure_id, position, muscle, side, site, kind, \
             agent, amount, amount_unit, volume_ml, concentration_percent, points, needle, guidance, technique, lot, \
             expiry, reconstitution_ml, vial_units, vial, vial_mg) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)";
        for (position, s) in p.sites.iter().enumerate() {
            let position = i64::try_from(position).unwrap_or(i64::MAX);
            let expiry = s.expiry.clone().map(Day);
            on_tx!(self, conn => sqlx::query(SITE_SQL)
                .bind(pid)
                .bind(position)
                .bind(&s.muscle)
                .bind(&s.side)
                .bind(&s.site)
                .bind(&s.kind)
                .bind(&s.agent)
                .bind(s.amount)
                .bind(&s.amount_unit)
                .bind(s.volume_ml)
                .bind(s.concentration_percent)
                .bind(s.points)
                .bind(&s.needle)
                .bind(&s.guidance)
                .bind(&s.technique)
                .bind(&s.lot)
                .bind(&expiry)
                .bind(s.reconstitution_ml)
                .bind(s.vial_units)
                .bind(&s.vial)
                .bind(s.vial_mg)
                .execute(conn)
                .await
                .map(drop))?;
        }
        Ok(())
    }

    pub async fn procedure(&mut self, procedure_id: &str) -> Result<ProcedureRecord, StoreError> {
        let pid = id(procedure_id)?;
        let sql = sqlx::AssertSqlSafe(format!("{PROCEDURE} WHERE p.id = $1"));
        let row: Option<ProcedureRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_optional(conn).await)?;
        let row = row.ok_or(StoreError::NotFound)?;
        let sql = sqlx::AssertSqlSafe(format!("{SITE} WHERE s.procedure_id = $1 ORDER BY s.position"));
        let sites: Vec<SiteRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        let sql = sqlx::AssertSqlSafe(format!("{AMENDMENT} WHERE a.procedure_id = $1 ORDER BY a.number"));
        let amendments: Vec<AmendmentRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        Ok(row.record(
            sites.into_iter().map(Into::into).collect(),
            amendments.into_iter().map(Into::into).collect(),
        ))
    }

    /// Appends an amendment to a procedure and raises the procedure's version from `amendment.number` to
    /// `amendment.number + 1`, if that is still its version (a stale version is a conflict). Nothing recorded
    /// before is changed.
    pub async fn amend_procedure(&mut self, amendment: &AmendmentRecord) -> Result<(), StoreError> {
        let (aid, pid, by) = (
            id(&amendment.id)?,
            id(&amendment.procedure_id)?,
            id(&amendment.amended_by)?,
        );
        let at = Stamp::from(&amendment.amended_at);
        const RAISE: &str = "UPDATE procedures SET version = $1 WHERE id = $2 AND version = $3";
        let rows = on_tx!(self, conn => sqlx::query(RAISE)
            .bind(amendment.number + 1)
            .bind(pid)
            .bind(amendment.number)
            .execute(conn)
            .await
            .map(|r| r.rows_affected()))?;
        if rows == 0 {
            let current = self.procedure(&amendment.procedure_id).await?;
            return Err(StoreError::Conflict(format!(
                "the procedure was amended meanwhile: you amended version {}, the current version is {}",
                amendment.number, current.version
            )));
        }
        const SQL: &str = "INSERT INTO procedure_amendments (id, procedure_id, number, reason, correction, \
             amended_by, amended_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(aid)
            .bind(pid)
            .bind(amendment.number)
            .bind(&amendment.reason)
            .bind(&amendment.correction)
            .bind(by)
            .bind(&at)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    /// A patient's procedures with their sites, oldest first, in two queries.
    pub async fn patient_procedures(&mut self, patient_id: &str) -> Result<Vec<ProcedureRecord>, StoreError> {
        let pid = id(patient_id)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{PROCEDURE} WHERE p.patient_id = $1 ORDER BY p.started_at, p.id"
        ));
        let rows: Vec<ProcedureRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{SITE} JOIN procedures p ON p.id = s.procedure_id WHERE p.patient_id = $1 \
             ORDER BY s.procedure_id, s.position"
        ));
        let sites: Vec<SiteRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{AMENDMENT} JOIN procedures p ON p.id = a.procedure_id WHERE p.patient_id = $1 \
             ORDER BY a.procedure_id, a.number"
        ));
        let amendments: Vec<AmendmentRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        Ok(assemble_procedures(rows, sites, amendments))
    }
}

/// Procedures with their own sites and amendments, from rows read for several procedures at once (sites and
/// amendments each in their procedure's order).
pub(crate) fn assemble_procedures(
    rows: Vec<ProcedureRow>,
    mut sites: Vec<SiteRow>,
    mut amendments: Vec<AmendmentRow>,
) -> Vec<ProcedureRecord> {
    rows.into_iter()
        .map(|row| {
            let own = sites
                .extract_if(.., |s| s.procedure_id == row.id)
                .map(Into::into)
                .collect();
            let amended = amendments
                .extract_if(.., |a| a.procedure_id == row.id)
                .map(Into::into)
                .collect();
            row.record(own, amended)
        })
        .collect()
}
