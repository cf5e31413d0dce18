//! Many patients with their visits in one transaction: for demo data, and for importing records from elsewhere.
//! Everything is validated first; then all is written in one transaction, each record audited as if entered
//! singly, or nothing is.

use taut_core::records::{Demographics, EncounterInput, FindingInput, OutcomeInput, PainMarkInput};

use crate::access::{Actor, Permission};
use taut_core::exam::classify;
use taut_store::{
    Bulk, BulkAuthor, BulkEvent, EncounterRecord, FindingRecord, OutcomeRecord, PainMarkRecord, PatientRecord, Tx,
};

use crate::records::validate_marks;
use crate::{App, AppError, new_id};

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
        let bulk = self.prepare_import(actor, patients).await?;
        let mut tx = self.store.begin().await?;
        self.write_import(&mut tx, actor, &bulk).await?;
        tx.commit().await?;
        Ok(bulk.patients.iter().map(|p| p.id.clone()).collect())
    }

    /// Writes prepared records inside the caller's transaction, each audited as if entered singly.
    pub(crate) async fn write_import(&self, tx: &mut Tx, actor: &Actor, bulk: &Bulk) -> Result<(), AppError> {
        tx.insert_bulk(
            bulk,
            BulkAuthor {
                user_id: actor.author()?,
                name: &actor.name,
                at: &self.clock.text(),
            },
        )
        .await?;
        Ok(())
    }

    /// Checks the permissions, validates every record and builds the rows to write (patients in the order
    /// given, each patient's encounters in the order of its visits); nothing is written.
    pub(crate) async fn prepare_import(&self, actor: &Actor, patients: Vec<NewPatient>) -> Result<Bulk, AppError> {
        for permission in [
            Permission::WriteDemographics,
            Permission::WriteEncounter,
            Permission::WritePainDrawing,
            Permission::WriteFinding,
            Permission::WriteOutcome,
        ] {
            self.require(actor, permission).await?;
        }
        let (today, moment) = (self.clock.today(), self.clock.now());
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
        // Built in memory, then written with a few multi-row statements per table.
        let at = self.clock.text();
        let author = actor.author()?;
        let mut bulk = Bulk::default();
        let event = |action, patient_id: &str, record_type, record_id: &str| BulkEvent {
            action,
            patient_id: patient_id.to_owned(),
            record_type,
            record_id: record_id.to_owned(),
        };
        for (demographics, visits, outcomes) in valid {
            let patient = PatientRecord {
                id: new_id(),
                demographics,
                version: 1,
                created_at: at.clone(),
                updated_at: at.clone(),
                deleted_at: None,
                delete_reason: None,
            };
            let pid = patient.id.clone();
            bulk.events.push(event("patient.create", &pid, "patient", &pid));
            for (fields, marks, findings, outcomes) in visits {
                let encounter = EncounterRecord {
                    id: new_id(),
                    patient_id: pid.clone(),
                    fields,
                    clinician_id: author.to_owned(),
                    created_at: at.clone(),
                };
                let eid = encounter.id.clone();
                bulk.events.push(event("encounter.create", &pid, "encounter", &eid));
                if !marks.is_empty() {
                    bulk.events.push(event("pain-drawing.create", &pid, "encounter", &eid));
                }
                bulk.pain_marks.extend(marks.into_iter().map(|mark| PainMarkRecord {
                    id: new_id(),
                    encounter_id: eid.clone(),
                    mark,
                    created_at: at.clone(),
                }));
                for fields in findings {
                    let finding = FindingRecord {
                        id: new_id(),
                        encounter_id: eid.clone(),
                        classification: classify(&fields.signs),
                        fields,
                        created_at: at.clone(),
                    };
                    bulk.events.push(event("finding.create", &pid, "finding", &finding.id));
                    bulk.findings.push(finding);
                }
                for mut fields in outcomes {
                    fields.encounter_id = Some(eid.clone());
                    let outcome = OutcomeRecord {
                        id: new_id(),
                        patient_id: pid.clone(),
                        fields,
                        created_at: at.clone(),
                    };
                    bulk.events.push(event("outcome.create", &pid, "outcome", &outcome.id));
                    bulk.outcomes.push(outcome);
                }
                bulk.encounters.push(encounter);
            }
            for fields in outcomes {
                let outcome = OutcomeRecord {
                    id: new_id(),
                    patient_id: pid.clone(),
                    fields,
                    created_at: at.clone(),
                };
                bulk.events.push(event("outcome.create", &pid, "outcome", &outcome.id));
                bulk.outcomes.push(outcome);
            }
            bulk.patients.push(patient);
        }
        Ok(bulk)
    }
}
