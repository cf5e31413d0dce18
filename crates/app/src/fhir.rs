//! Interoperability operations: a patient's record as FHIR R4 (Patient/$everything), the same record for CSV
//! and other exports, and FHIR bundles imported through the batch import. The mapping itself lives in
//! `taut-fhir`; here it is authorised, audited and run in one transaction.

use taut_core::identity::mrn_key;
use taut_fhir::{Bundle, Finding, ImportedPatient, Outcome, PainMarkEntry, Record, Visit};
use taut_store::{PatientRecord, StoreError};

use crate::access::{Actor, Permission};
use crate::import::{NewPatient, NewVisit};
use crate::records::live_patient;
use crate::{App, AppError, audit};

impl App {
    /// A patient's whole record (demographics, visits with drawings and findings, outcome measures), read in one
    /// transaction and audited as an export. Procedures, plans and adverse events join when the records hold them.
    pub async fn export_record(&self, actor: &Actor, patient_id: &str) -> Result<Record, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let patient = live_patient(&mut tx, patient_id).await?;
        let mut marks = tx.patient_pain_marks(patient_id).await?;
        let mut findings = tx.patient_findings(patient_id).await?;
        let visits = tx
            .encounters(patient_id)
            .await?
            .into_iter()
            .map(|encounter| {
                let of = |id: &str| id == encounter.id;
                Visit {
                    pain_drawing: marks
                        .extract_if(.., |m| of(&m.encounter_id))
                        .map(|m| PainMarkEntry { id: m.id, mark: m.mark })
                        .collect(),
                    findings: findings
                        .extract_if(.., |f| of(&f.encounter_id))
                        .map(|f| Finding {
                            id: f.id,
                            fields: f.fields,
                            classification: f.classification,
                        })
                        .collect(),
                    id: encounter.id,
                    fields: encounter.fields,
                }
            })
            .collect();
        let outcomes = tx
            .outcomes(patient_id)
            .await?
            .into_iter()
            .map(|o| Outcome {
                id: o.id,
                fields: o.fields,
            })
            .collect();
        audit(
            &self.clock,
            &mut tx,
            actor,
            "patient.export",
            Some(patient_id),
            "patient",
            Some(patient_id),
        )
        .await?;
        tx.commit().await?;
        Ok(Record {
            id: patient.id,
            demographics: patient.demographics,
            visits,
            outcomes,
        })
    }

    /// `Patient/{id}/$everything`: the record as a FHIR R4 searchset Bundle.
    pub async fn fhir_everything(&self, actor: &Actor, patient_id: &str) -> Result<Bundle, AppError> {
        let record = self.export_record(actor, patient_id).await?;
        Ok(taut_fhir::everything(&record, self.atlas))
    }

    /// The live patient with this MRN (compared as MRNs are: case, width and spaces aside).
    pub async fn patient_by_mrn(&self, actor: &Actor, mrn: &str) -> Result<PatientRecord, AppError> {
        let key = mrn_key(mrn);
        let page = self.search_patients(actor, mrn, 200, None).await?;
        page.items
            .into_iter()
            .find(|p| mrn_key(&p.demographics.mrn) == key)
            .ok_or_else(|| AppError::NotFound(format!("patient with MRN '{}'", mrn.trim())))
    }

    /// Imports the patients of a FHIR Bundle of one of `kinds` (see `taut_fhir::import::BUNDLE_TYPES`), all or
    /// nothing. A refusal names the first problem by its FHIRPath in `field`.
    pub async fn import_fhir(&self, actor: &Actor, json: &[u8], kinds: &[&str]) -> Result<Vec<String>, AppError> {
        self.require(actor, Permission::WriteDemographics).await?;
        let patients = taut_fhir::read_bundle(json, kinds, self.atlas, self.clock.now())
            .map_err(|p| AppError::invalid(&p.expression, p.message))?;
        self.import_patients(actor, patients.into_iter().map(new_patient).collect())
            .await
    }

    /// The actor for a named user on this machine (`taut export --user alice`): whoever runs the command can read
    /// the database anyway; naming the user puts their name and role on every access it makes.
    pub async fn local_actor(&self, username: &str) -> Result<Actor, AppError> {
        let mut tx = self.store.begin_read().await?;
        match tx.user_by_username(username.trim()).await {
            Ok(user) if !user.disabled => Actor::from_user(&user),
            Ok(_) => Err(AppError::Forbidden(format!("user '{}' is disabled", username.trim()))),
            Err(StoreError::NotFound) => Err(AppError::NotFound(format!("user '{}'", username.trim()))),
            Err(other) => Err(other.into()),
        }
    }
}

fn new_patient(patient: ImportedPatient) -> NewPatient {
    NewPatient {
        demographics: patient.demographics,
        visits: patient
            .visits
            .into_iter()
            .map(|v| NewVisit {
                encounter: v.encounter,
                pain_drawing: v.pain_drawing,
                findings: v.findings,
                outcomes: v.outcomes,
            })
            .collect(),
        outcomes: patient.outcomes,
    }
}
