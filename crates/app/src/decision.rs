//! Decision support through the door: the differential and the plan check, authorised, and the differential
//! from a stored visit, audited as the read of patient data it is.

use taut_core::differential::{Differential, DrawingInput, RegionInput};
use taut_core::exam::{Classification, Signs, classify};
use taut_core::plan::{PlanInput, Report};
use taut_core::records::{Demographics, Invalid, PainMark, PainMarkInput};
use taut_store::FindingRecord;
use time::Date;

use crate::access::{Actor, Permission};
use crate::records::{live_encounter, live_patient, validate_marks};
use crate::{App, AppError, audit};

/// What the differential from a stored visit is asked besides the record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitQuestion {
    /// Symptom qualifiers the patient reports (`new-headache`, `numbness`): the record keeps none.
    pub symptoms: Vec<String>,
    /// How many candidates to list (default 10).
    pub top: Option<i64>,
}

impl App {
    /// The differential on a drawing sent by the client. Nothing is read or stored, so nothing is audited.
    pub async fn differential(&self, actor: &Actor, input: &DrawingInput) -> Result<Differential<'static>, AppError> {
        self.require(actor, Permission::UseDifferential).await?;
        self.support.differential(input)
    }

    /// Checks a treatment plan sent by the client. Nothing is read or stored, so nothing is audited.
    pub async fn check_plan(&self, actor: &Actor, input: &PlanInput) -> Result<Report, AppError> {
        self.require(actor, Permission::CheckPlan).await?;
        self.support.check_plan(input)
    }

    /// The differential from a stored visit: its pain drawing, its exam findings (an active or latent trigger
    /// point as confirmed, "not a trigger point" as ruled out, an undecided one left out) and the patient's age
    /// on the day of the visit and sex. The record keeps no symptom qualifiers: `ask` carries those the patient
    /// reports, and how many candidates to list. The read is audited.
    pub async fn encounter_differential(
        &self,
        actor: &Actor,
        encounter_id: &str,
        ask: VisitQuestion,
    ) -> Result<Differential<'static>, AppError> {
        self.visit_differential(actor, encounter_id, None, ask).await
    }

    /// The differential for a visit while its drawing is being made: `marks` as they stand on the clinician's
    /// screen (validated, not stored) with the visit's stored findings and the patient's age and sex, so that
    /// the ranking the clinician watches is the one the saved visit gives. The read is audited.
    pub async fn draft_differential(
        &self,
        actor: &Actor,
        encounter_id: &str,
        marks: Vec<PainMarkInput>,
        ask: VisitQuestion,
    ) -> Result<Differential<'static>, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        self.require(actor, Permission::UseDifferential).await?;
        let marks = validate_marks(marks)?;
        self.visit_differential(actor, encounter_id, Some(marks), ask).await
    }

    /// Classifies examined signs by the consensus rule (`taut_core::exam`), for a finding being entered.
    /// Nothing is read or stored, so nothing is audited.
    pub async fn classify_signs(&self, actor: &Actor, signs: &Signs) -> Result<Classification, AppError> {
        self.require(actor, Permission::WriteFinding).await?;
        Ok(classify(signs))
    }

    /// The differential of a stored visit, on its stored drawing or on `draft` marks.
    async fn visit_differential(
        &self,
        actor: &Actor,
        encounter_id: &str,
        draft: Option<Vec<PainMark>>,
        ask: VisitQuestion,
    ) -> Result<Differential<'static>, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        self.require(actor, Permission::UseDifferential).await?;
        let mut tx = self.store.begin().await?;
        let encounter = live_encounter(&mut tx, encounter_id).await?;
        let patient = live_patient(&mut tx, &encounter.patient_id).await?;
        let marks = match draft {
            Some(marks) => marks,
            None => tx.pain_marks(encounter_id).await?.into_iter().map(|m| m.mark).collect(),
        };
        let findings = tx.findings(encounter_id).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "differential.encounter",
            Some(&encounter.patient_id),
            "encounter",
            Some(encounter_id),
        )
        .await?;
        tx.commit().await?;
        if marks.is_empty() {
            return Err(AppError::invalid(
                "pain_drawing",
                format!("encounter {encounter_id} has no pain drawing: record one first"),
            ));
        }
        let visit_day = encounter_day(&encounter.fields.occurred_at);
        let mut input = visit_input(&marks, &findings, &patient.demographics, visit_day);
        input.symptoms = ask.symptoms;
        input.top = ask.top;
        self.support.differential(&input).map_err(|e| match e {
            // Stored records passed validation when written; a refusal now means the atlas changed under them.
            AppError::Invalid(Invalid { field, message }) => AppError::Invalid(Invalid {
                field: format!("stored {field}"),
                message,
            }),
            other => other,
        })
    }
}

/// The calendar day (UTC) of a stored instant (`2026-11-26T09:30:00.000000Z`).
fn encounter_day(stamp: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(stamp.get(..10)?, format).ok()
}

/// The stored visit written as the differential's input, so that it passes through the same parser as a
/// drawing sent by a client. The latest finding on a trigger point and side decides.
fn visit_input(
    marks: &[PainMark],
    findings: &[FindingRecord],
    patient: &Demographics,
    visit_day: Option<Date>,
) -> DrawingInput {
    let regions = marks
        .iter()
        .map(|m| RegionInput::Detailed {
            region: m.region.clone(),
            side: m.side.clone(),
            intensity: Some(m.intensity),
        })
        .collect();
    let mut latest: Vec<(String, Classification)> = Vec::new();
    for finding in findings {
        let written = match &finding.fields.side {
            Some(side) => format!("{}:{side}", finding.fields.trigger_point),
            None => finding.fields.trigger_point.clone(),
        };
        latest.retain(|(w, _)| *w != written);
        latest.push((written, finding.classification));
    }
    let pick = |wanted: &[Classification]| {
        latest
            .iter()
            .filter(|(_, c)| wanted.contains(c))
            .map(|(w, _)| w.clone())
            .collect()
    };
    DrawingInput {
        regions,
        symptoms: Vec::new(),
        confirmed: pick(&[Classification::Active, Classification::Latent]),
        ruled_out: pick(&[Classification::NotATriggerPoint]),
        age: visit_day.and_then(|day| patient.age_on(day)),
        sex: Some(patient.sex.clone()),
        top: None,
    }
}
