//! Many patients with their visits in one transaction: for demo data, and for importing records from elsewhere.
//! Everything is validated first; then all is written, each record audited as if entered singly, or nothing is.

use taut_core::records::{Demographics, EncounterInput, FindingInput, OutcomeInput, PainMarkInput};

use crate::access::{Actor, Permission};
use crate::records::{
    validate_marks, write_encounter, write_finding, write_outcome, write_pain_drawing, write_patient,
};
use crate::{App, AppError, now};

/// A patient to import, with their visits and the outcome measures not tied to a visit.
#[derive(Debug, Clone)]
pub struct NewPatient {
    pub demographics: Demographics,
    pub visits: Vec<NewVisit>,
    pub outcomes: Vec<OutcomeInput>,
}

/// One visit: the encounter and what was recorded in it. Outcomes are linked to the visit.
#[derive(Debug, Clone)]
pub struct NewVisit {
    pub encounter: EncounterInput,
    pub pain_drawing: Vec<PainMarkInput>,
    pub findings: Vec<FindingInput>,
    pub outcomes: Vec<OutcomeInput>,
}

impl App {
    /// Writes the patients and their visits in one transaction; returns the new patients' ids.
    pub async fn import_patients(&self, actor: &Actor, patients: Vec<NewPatient>) -> Result<Vec<String>, AppError> {
        for permission in [
            Permission::WriteDemographics,
            Permission::WriteEncounter,
            Permission::WritePainDrawing,
            Permission::WriteFinding,
            Permission::WriteOutcome,
        ] {
            self.require(actor, permission).await?;
        }
        let (today, moment) = (now().date(), now());
        let mut valid = Vec::with_capacity(patients.len());
        for patient in patients {
            let demographics = patient.demographics.validate(today)?;
            let mut visits = Vec::with_capacity(patient.visits.len());
            for visit in patient.visits {
                let encounter = visit.encounter.validate(moment)?;
                let marks = if visit.pain_drawing.is_empty() {
                    Vec::new()
                } else {
                    validate_marks(visit.pain_drawing)?
                };
                let findings = visit
                    .findings
                    .into_iter()
                    .map(|f| f.validate(self.atlas))
                    .collect::<Result<Vec<_>, _>>()?;
                let outcomes = visit
                    .outcomes
                    .into_iter()
                    .map(|o| {
                        OutcomeInput {
                            encounter_id: None,
                            ..o
                        }
                        .validate(moment)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                visits.push((encounter, marks, findings, outcomes));
            }
            let outcomes = patient
                .outcomes
                .into_iter()
                .map(|o| {
                    OutcomeInput {
                        encounter_id: None,
                        ..o
                    }
                    .validate(moment)
                })
                .collect::<Result<Vec<_>, _>>()?;
            valid.push((demographics, visits, outcomes));
        }
        let mut tx = self.store.begin().await?;
        let mut ids = Vec::with_capacity(valid.len());
        for (demographics, visits, outcomes) in valid {
            let patient = write_patient(&mut tx, actor, demographics).await?;
            for (fields, marks, findings, outcomes) in visits {
                let encounter = write_encounter(&mut tx, actor, &patient.id, fields).await?;
                if !marks.is_empty() {
                    write_pain_drawing(&mut tx, actor, &encounter, marks).await?;
                }
                for finding in findings {
                    write_finding(&mut tx, actor, &encounter, finding).await?;
                }
                for mut outcome in outcomes {
                    outcome.encounter_id = Some(encounter.id.clone());
                    write_outcome(&mut tx, actor, &patient.id, outcome).await?;
                }
            }
            for outcome in outcomes {
                write_outcome(&mut tx, actor, &patient.id, outcome).await?;
            }
            ids.push(patient.id);
        }
        tx.commit().await?;
        Ok(ids)
    }
}
