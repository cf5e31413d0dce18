//! Patient records: demographics, encounters, pain drawings, findings, outcomes and the timeline.

use serde::Serialize;
use taut_core::exam::classify;
use taut_core::records::{
    Demographics, DemographicsPatch, EncounterFields, EncounterInput, FindingFields, FindingInput, OutcomeFields,
    OutcomeInput, PainMark, PainMarkInput,
};
use taut_store::{
    EncounterRecord, FindingRecord, NewAudit, OutcomeRecord, PainMarkRecord, PatientCursor, PatientPage, PatientRecord,
    PatientVersion, PlanRecord, ProcedureRecord, StoreError, Tx,
};

use crate::access::{Actor, Permission};
use crate::{App, AppError, Clock, audit, audit_with, new_id};

/// An encounter with what was recorded in it.
#[derive(Debug, Clone, Serialize)]
pub struct EncounterDetail {
    #[serde(flatten)]
    pub encounter: EncounterRecord,
    pub pain_drawing: Vec<PainMarkRecord>,
    pub findings: Vec<FindingRecord>,
    /// Treatment plans made in the encounter, with their status.
    pub plans: Vec<PlanRecord>,
    /// Procedures done in the encounter.
    pub procedures: Vec<ProcedureRecord>,
}

/// A patient's course: encounters (oldest first) with their drawings and findings, and every outcome measure.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub patient_id: String,
    pub encounters: Vec<EncounterDetail>,
    pub outcomes: Vec<OutcomeRecord>,
}

/// A patient that exists and is not deleted.
pub(crate) async fn live_patient(tx: &mut Tx, id: &str) -> Result<PatientRecord, AppError> {
    match tx.patient(id).await {
        Ok(p) if p.deleted_at.is_none() => Ok(p),
        Ok(_) | Err(StoreError::NotFound) => Err(AppError::NotFound(format!("patient {id}"))),
        Err(e) => Err(e.into()),
    }
}

/// An encounter whose patient exists and is not deleted.
/// (A deleted patient's encounter is reported as not found, without naming the patient.)
pub(crate) async fn live_encounter(tx: &mut Tx, id: &str) -> Result<EncounterRecord, AppError> {
    let encounter = tx.encounter(id).await.map_err(AppError::store("encounter"))?;
    match live_patient(tx, &encounter.patient_id).await {
        Ok(_) => Ok(encounter),
        Err(AppError::NotFound(_)) => Err(AppError::NotFound(format!("encounter {id}"))),
        Err(other) => Err(other),
    }
}

/// The version an edit is based on: the `If-Match` header or the body's `version`, which must agree.
pub(crate) fn edited_version(if_match: Option<i64>, body: Option<i64>, what: &str) -> Result<i64, AppError> {
    match (if_match, body) {
        (Some(header), Some(field)) if header != field => Err(AppError::invalid(
            "version",
            format!("If-Match says version {header} but the body says {field}"),
        )),
        (Some(version), _) | (None, Some(version)) => Ok(version),
        (None, None) => Err(AppError::VersionRequired(format!(
            "give the version you {what} (If-Match header or \"version\" field)"
        ))),
    }
}

/// The marks of a pain drawing, each validated; a drawing has at least one.
pub(crate) fn validate_marks(marks: Vec<PainMarkInput>) -> Result<Vec<PainMark>, AppError> {
    if marks.is_empty() {
        return Err(AppError::invalid("marks", "a pain drawing needs at least one region"));
    }
    Ok(marks
        .into_iter()
        .enumerate()
        .map(|(i, m)| m.validate(i))
        .collect::<Result<Vec<_>, _>>()?)
}

// The writes below take validated input and an open transaction, and audit what they write: the single
// operations and the batch import share them.

pub(crate) async fn write_patient(
    clock: &Clock,
    tx: &mut Tx,
    actor: &Actor,
    demographics: Demographics,
) -> Result<PatientRecord, AppError> {
    let at = clock.text();
    let patient = PatientRecord {
        id: new_id(),
        demographics,
        version: 1,
        created_at: at.clone(),
        updated_at: at,
        deleted_at: None,
        delete_reason: None,
    };
    tx.insert_patient(&patient, actor.author()?).await?;
    audit(
        clock,
        tx,
        actor,
        "patient.create",
        Some(&patient.id),
        "patient",
        Some(&patient.id),
    )
    .await?;
    Ok(patient)
}

pub(crate) async fn write_encounter(
    clock: &Clock,
    tx: &mut Tx,
    actor: &Actor,
    patient_id: &str,
    fields: EncounterFields,
) -> Result<EncounterRecord, AppError> {
    let encounter = EncounterRecord {
        id: new_id(),
        patient_id: patient_id.to_owned(),
        fields,
        clinician_id: actor.author()?.to_owned(),
        created_at: clock.text(),
    };
    tx.insert_encounter(&encounter).await?;
    audit(
        clock,
        tx,
        actor,
        "encounter.create",
        Some(patient_id),
        "encounter",
        Some(&encounter.id),
    )
    .await?;
    Ok(encounter)
}

pub(crate) async fn write_pain_drawing(
    clock: &Clock,
    tx: &mut Tx,
    actor: &Actor,
    encounter: &EncounterRecord,
    marks: Vec<PainMark>,
) -> Result<Vec<PainMarkRecord>, AppError> {
    let at = clock.text();
    let mut stored = Vec::with_capacity(marks.len());
    for mark in marks {
        let record = PainMarkRecord {
            id: new_id(),
            encounter_id: encounter.id.clone(),
            mark,
            created_at: at.clone(),
        };
        tx.insert_pain_mark(&record, actor.author()?).await?;
        stored.push(record);
    }
    let patient = Some(encounter.patient_id.as_str());
    audit(
        clock,
        tx,
        actor,
        "pain-drawing.create",
        patient,
        "encounter",
        Some(&encounter.id),
    )
    .await?;
    Ok(stored)
}

pub(crate) async fn write_finding(
    clock: &Clock,
    tx: &mut Tx,
    actor: &Actor,
    encounter: &EncounterRecord,
    fields: FindingFields,
) -> Result<FindingRecord, AppError> {
    let record = FindingRecord {
        id: new_id(),
        encounter_id: encounter.id.clone(),
        classification: classify(&fields.signs),
        fields,
        created_at: clock.text(),
    };
    tx.insert_finding(&record, actor.author()?).await?;
    audit(
        clock,
        tx,
        actor,
        "finding.create",
        Some(&encounter.patient_id),
        "finding",
        Some(&record.id),
    )
    .await?;
    Ok(record)
}

pub(crate) async fn write_outcome(
    clock: &Clock,
    tx: &mut Tx,
    actor: &Actor,
    patient_id: &str,
    fields: OutcomeFields,
) -> Result<OutcomeRecord, AppError> {
    let record = OutcomeRecord {
        id: new_id(),
        patient_id: patient_id.to_owned(),
        fields,
        created_at: clock.text(),
    };
    tx.insert_outcome(&record, actor.author()?).await?;
    audit(
        clock,
        tx,
        actor,
        "outcome.create",
        Some(patient_id),
        "outcome",
        Some(&record.id),
    )
    .await?;
    Ok(record)
}

impl App {
    pub async fn create_patient(&self, actor: &Actor, input: Demographics) -> Result<PatientRecord, AppError> {
        self.require(actor, Permission::WriteDemographics).await?;
        let demographics = input.validate(self.clock.today())?;
        let mut tx = self.store.begin().await?;
        let patient = write_patient(&self.clock, &mut tx, actor, demographics).await?;
        tx.commit().await?;
        Ok(patient)
    }

    pub async fn patient(&self, actor: &Actor, id: &str) -> Result<PatientRecord, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let patient = live_patient(&mut tx, id).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "patient.read",
            Some(id),
            "patient",
            Some(id),
        )
        .await?;
        tx.commit().await?;
        Ok(patient)
    }

    /// Live patients whose name or MRN contains `q`, in name order, one page at a time (`after` is the previous
    /// page's `next`). One audit event lists the patients returned.
    pub async fn search_patients(
        &self,
        actor: &Actor,
        q: &str,
        limit: i64,
        after: Option<&str>,
    ) -> Result<PatientPage, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        if !(1..=200).contains(&limit) {
            return Err(AppError::invalid("limit", "must be from 1 to 200"));
        }
        let cursor = match after {
            Some(text) => Some(PatientCursor::decode(text).ok_or_else(|| {
                AppError::invalid(
                    "after",
                    "not a page position: pass the `next` value of the previous page",
                )
            })?),
            None => None,
        };
        let mut tx = self.store.begin().await?;
        let page = tx.search_patients(q.trim(), limit, cursor.as_ref()).await?;
        let returned: Vec<&str> = page.items.iter().map(|p| p.id.as_str()).collect();
        audit_with(
            &self.clock,
            &mut tx,
            Some(actor),
            "patient.search",
            None,
            "patient",
            None,
            Some(serde_json::json!({ "returned": returned })),
        )
        .await?;
        tx.commit().await?;
        Ok(page)
    }

    /// Applies a partial edit to the version the editor read (`If-Match` or `version`); a stale version is 409.
    pub async fn update_patient(
        &self,
        actor: &Actor,
        id: &str,
        patch: DemographicsPatch,
        if_match: Option<i64>,
    ) -> Result<PatientRecord, AppError> {
        self.require(actor, Permission::WriteDemographics).await?;
        let version = edited_version(if_match, patch.version, "edited")?;
        let mut tx = self.store.begin().await?;
        let current = live_patient(&mut tx, id).await?;
        let next = patch.apply(&current.demographics).validate(self.clock.today())?;
        let updated = tx
            .update_patient(id, version, &next, actor.author()?, &self.clock.text())
            .await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "patient.update",
            Some(id),
            "patient",
            Some(id),
        )
        .await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Soft-deletes a patient with a reason; the record and its history stay readable to the audit.
    pub async fn delete_patient(
        &self,
        actor: &Actor,
        id: &str,
        reason: &str,
        if_match: Option<i64>,
        body_version: Option<i64>,
    ) -> Result<PatientRecord, AppError> {
        self.require(actor, Permission::DeletePatient).await?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid("reason", "say why the record is deleted"));
        }
        let version = edited_version(if_match, body_version, "are deleting")?;
        let mut tx = self.store.begin().await?;
        live_patient(&mut tx, id).await?;
        let deleted = tx
            .delete_patient(id, version, reason, actor.author()?, &self.clock.text())
            .await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "patient.delete",
            Some(id),
            "patient",
            Some(id),
        )
        .await?;
        tx.commit().await?;
        Ok(deleted)
    }

    /// Every version of a patient record, oldest first.
    pub async fn patient_history(&self, actor: &Actor, id: &str) -> Result<Vec<PatientVersion>, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        live_patient(&mut tx, id).await?;
        let versions = tx.patient_versions(id).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "patient.history",
            Some(id),
            "patient",
            Some(id),
        )
        .await?;
        tx.commit().await?;
        Ok(versions)
    }

    pub async fn create_encounter(
        &self,
        actor: &Actor,
        patient_id: &str,
        input: EncounterInput,
    ) -> Result<EncounterRecord, AppError> {
        self.require(actor, Permission::WriteEncounter).await?;
        let fields = input.validate(self.clock.now())?;
        let mut tx = self.store.begin().await?;
        live_patient(&mut tx, patient_id).await?;
        let encounter = write_encounter(&self.clock, &mut tx, actor, patient_id, fields).await?;
        tx.commit().await?;
        Ok(encounter)
    }

    pub async fn encounters(&self, actor: &Actor, patient_id: &str) -> Result<Vec<EncounterRecord>, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        live_patient(&mut tx, patient_id).await?;
        let encounters = tx.encounters(patient_id).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "encounter.list",
            Some(patient_id),
            "encounter",
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(encounters)
    }

    /// One visit, for a page that works on it (the procedure form names the patient it is for).
    pub async fn encounter(&self, actor: &Actor, id: &str) -> Result<EncounterRecord, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let encounter = live_encounter(&mut tx, id).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "encounter.read",
            Some(&encounter.patient_id),
            "encounter",
            Some(id),
        )
        .await?;
        tx.commit().await?;
        Ok(encounter)
    }

    /// Records a pain drawing (all marks or none).
    pub async fn add_pain_drawing(
        &self,
        actor: &Actor,
        encounter_id: &str,
        marks: Vec<PainMarkInput>,
    ) -> Result<Vec<PainMarkRecord>, AppError> {
        self.require(actor, Permission::WritePainDrawing).await?;
        let marks = validate_marks(marks)?;
        let mut tx = self.store.begin().await?;
        let encounter = live_encounter(&mut tx, encounter_id).await?;
        let stored = write_pain_drawing(&self.clock, &mut tx, actor, &encounter, marks).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Records an exam finding; its classification is derived from the signs.
    pub async fn add_finding(
        &self,
        actor: &Actor,
        encounter_id: &str,
        input: FindingInput,
    ) -> Result<FindingRecord, AppError> {
        self.require(actor, Permission::WriteFinding).await?;
        let fields = input.validate(self.atlas)?;
        let mut tx = self.store.begin().await?;
        let encounter = live_encounter(&mut tx, encounter_id).await?;
        let record = write_finding(&self.clock, &mut tx, actor, &encounter, fields).await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn add_outcome(
        &self,
        actor: &Actor,
        patient_id: &str,
        input: OutcomeInput,
    ) -> Result<OutcomeRecord, AppError> {
        self.require(actor, Permission::WriteOutcome).await?;
        let fields = input.validate(self.clock.now())?;
        let mut tx = self.store.begin().await?;
        live_patient(&mut tx, patient_id).await?;
        if let Some(encounter_id) = &fields.encounter_id {
            let encounter = tx.encounter(encounter_id).await.map_err(|e| match e {
                StoreError::NotFound => AppError::invalid("encounter_id", format!("no encounter {encounter_id}")),
                other => other.into(),
            })?;
            if encounter.patient_id != patient_id {
                return Err(AppError::invalid(
                    "encounter_id",
                    "the encounter belongs to another patient",
                ));
            }
        }
        let record = write_outcome(&self.clock, &mut tx, actor, patient_id, fields).await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn timeline(&self, actor: &Actor, patient_id: &str) -> Result<Timeline, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let (event_id, at) = (new_id(), self.clock.text());
        let event = NewAudit {
            id: &event_id,
            at: &at,
            actor_id: actor.user_id.as_deref(),
            actor: &actor.name,
            action: "timeline.read",
            patient_id: Some(patient_id),
            record_type: "patient",
            record_id: Some(patient_id),
            details: None,
        };
        // The read and its audit event commit together, in one statement on PostgreSQL.
        let course = self
            .store
            .audited_course(patient_id, event)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AppError::NotFound(format!("patient {patient_id}")),
                other => other.into(),
            })?;
        let (mut marks, mut findings, mut plans, mut procedures) =
            (course.pain_marks, course.findings, course.plans, course.procedures);
        let encounters = course
            .encounters
            .into_iter()
            .map(|encounter| {
                let of = |id: &str| id == encounter.id;
                EncounterDetail {
                    pain_drawing: marks.extract_if(.., |m| of(&m.encounter_id)).collect(),
                    findings: findings.extract_if(.., |f| of(&f.encounter_id)).collect(),
                    plans: plans.extract_if(.., |p| of(&p.encounter_id)).collect(),
                    procedures: procedures.extract_if(.., |p| of(&p.encounter_id)).collect(),
                    encounter,
                }
            })
            .collect();
        let outcomes = course.outcomes;
        Ok(Timeline {
            patient_id: patient_id.to_owned(),
            encounters,
            outcomes,
        })
    }
}
