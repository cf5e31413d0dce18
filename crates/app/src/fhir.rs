//! Interoperability operations: a patient's record as FHIR R4 (Patient/$everything), the same record for CSV
//! and other exports, and FHIR bundles imported through the batch import. The mapping itself lives in
//! `taut-fhir`; here it is authorised, audited and run in one transaction.

use taut_core::identity::mrn_key;
use taut_core::plan::{Code, Dose};
use taut_fhir::{
    AdverseEventEntry, AdverseEventFields, Bundle, ConsentFields, Finding, ImportedPatient, ImportedProcedure, Outcome,
    PainMarkEntry, ProcedureEntry, ProcedureFields, Record, SiteFields, Visit,
};
use taut_store::{AdverseEventRecord, PatientRecord, ProcedureRecord, StoreError};

use crate::access::{Actor, Permission};
use crate::followup::AdverseEventInput;
use crate::import::{NewPatient, NewVisit};
use crate::records::live_patient;
use crate::sessions::{ConsentInput, ProcedureInput, SiteInput};
use crate::{App, AppError, audit};

impl App {
    /// A patient's whole record (demographics, visits with drawings and findings, outcome measures, procedures
    /// with their adverse events and self-care sheets), read in one transaction and audited as an export.
    /// Treatment plans, follow-up checks and adherence reports are not part of it.
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
        let mut procedures = Vec::new();
        for procedure in tx.patient_procedures(patient_id).await? {
            let events = tx.procedure_adverse_events(&procedure.id).await?;
            procedures.push(procedure_entry(self.atlas, procedure, events)?);
        }
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
            procedures,
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
    /// nothing, in one transaction. A refusal names the first problem by its FHIRPath in `field`. Procedures are
    /// checked and coded as when recorded (history, catalog, the clinic's injection policy); the follow-up checks
    /// they would have scheduled are not created (they belong to the clinic that treated).
    pub async fn import_fhir(&self, actor: &Actor, json: &[u8], kinds: &[&str]) -> Result<Vec<String>, AppError> {
        self.require(actor, Permission::WriteDemographics).await?;
        let patients = taut_fhir::read_bundle(json, kinds, self.atlas, self.clock.now())
            .map_err(|p| AppError::invalid(&p.expression, p.message))?;
        let treatment: Vec<Vec<Vec<ImportedProcedure>>> = patients
            .iter()
            .map(|p| p.visits.iter().map(|v| v.procedures.clone()).collect())
            .collect();
        let any = treatment.iter().flatten().flatten();
        if any.clone().next().is_some() {
            self.require(actor, Permission::WriteProcedure).await?;
        }
        if any.clone().any(|p| !p.adverse_events.is_empty()) {
            self.require(actor, Permission::WriteOutcome).await?;
        }
        let bulk = self
            .prepare_import(actor, patients.into_iter().map(new_patient).collect())
            .await?;
        let mut tx = self.store.begin().await?;
        self.write_import(&mut tx, actor, &bulk).await?;
        for (patient, visits) in bulk.patients.iter().zip(&treatment) {
            let encounters = bulk.encounters.iter().filter(|e| e.patient_id == patient.id);
            for (encounter, procedures) in encounters.zip(visits) {
                for imported in procedures {
                    let (procedure, _) = match self
                        .build_procedure(&mut tx, actor, encounter, patient, &procedure_input(&imported.fields))
                        .await
                    {
                        Err(AppError::Forbidden(refused)) => {
                            drop(tx);
                            self.record_refusal(Some(actor), "access.refused", &refused).await?;
                            return Err(AppError::Forbidden(refused));
                        }
                        other => other.map_err(at(&imported.path))?,
                    };
                    tx.insert_procedure(&procedure).await?;
                    audit(
                        &self.clock,
                        &mut tx,
                        actor,
                        "procedure.create",
                        Some(&patient.id),
                        "procedure",
                        Some(&procedure.id),
                    )
                    .await?;
                    for event in &imported.adverse_events {
                        let record = self
                            .adverse_event_record(actor, &procedure, &event_input(&event.fields))
                            .map_err(at(&event.path))?;
                        tx.insert_adverse_event(&record).await?;
                        audit(
                            &self.clock,
                            &mut tx,
                            actor,
                            "adverse_event.create",
                            Some(&patient.id),
                            "adverse_event",
                            Some(&record.id),
                        )
                        .await?;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(bulk.patients.iter().map(|p| p.id.clone()).collect())
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

/// An invalid record of an imported resource, named by the resource's FHIRPath (the record's own field, such as
/// `sites[0].expiry`, leads the message).
fn at(path: &str) -> impl Fn(AppError) -> AppError + '_ {
    move |e| match e {
        AppError::Invalid(invalid) => AppError::invalid(path, format!("{}: {}", invalid.field, invalid.message)),
        other => other,
    }
}

/// A stored procedure as the clinician would record it again: the resolved sites, consent, diagnoses.
fn procedure_input(fields: &ProcedureFields) -> ProcedureInput {
    ProcedureInput {
        plan_id: None,
        consent: ConsentInput {
            obtained: true,
            risks_discussed: fields.consent.risks_discussed.clone(),
            by: Some(fields.consent.by.clone()),
        },
        started_at: fields.started_at.clone(),
        ended_at: fields.ended_at.clone(),
        sites: fields
            .sites
            .iter()
            .map(|s| SiteInput {
                muscle: s.muscle.clone(),
                side: s.side.clone(),
                site: s.site.clone(),
                agent: s.agent.clone(),
                dose: s
                    .amount
                    .zip(s.amount_unit.clone())
                    .map(|(value, unit)| Dose { value, unit }),
                volume_ml: s.volume_ml,
                concentration_percent: s.concentration_percent,
                points: u32::try_from(s.points).ok(),
                needle: s.needle.clone(),
                guidance: s.guidance.clone(),
                technique: s.technique.clone(),
                lot: s.lot.clone(),
                expiry: s.expiry.clone(),
                reconstitution_ml: s.reconstitution_ml,
                vial_units: s.vial_units,
                vial: s.vial,
                vial_mg: s.vial_mg,
            })
            .collect(),
        complications: fields.complications.clone(),
        diagnoses: fields.diagnoses.clone(),
        notes: fields.notes.clone(),
    }
}

fn event_input(fields: &AdverseEventFields) -> AdverseEventInput {
    AdverseEventInput {
        effect: fields.effect.clone(),
        site: fields.site.clone(),
        onset: fields.onset.clone(),
        severity: fields.severity.clone(),
        actions: fields.actions.clone(),
        resolved_on: fields.resolved_on.clone(),
        notes: fields.notes.clone(),
        version: None,
    }
}

/// Who the self-care sheet names as the contact is not part of the CarePlan (the receiving clinic is).
const NO_CONTACT: &str = "the treating clinic";

/// A stored procedure and its adverse events for export, with the billing lines and the self-care sheet
/// (absent when its muscles have no trigger points to press).
fn procedure_entry(
    atlas: &taut_atlas::Atlas,
    p: ProcedureRecord,
    events: Vec<AdverseEventRecord>,
) -> Result<ProcedureEntry, AppError> {
    let codes: Vec<Code> = serde_json::from_value(p.codes.clone())
        .map_err(|e| AppError::Store(StoreError::Corrupt(format!("procedure codes: {e}"))))?;
    let self_care = crate::followup::self_care_sheet(atlas, &p, NO_CONTACT).ok();
    Ok(ProcedureEntry {
        fields: ProcedureFields {
            started_at: p.started_at,
            ended_at: p.ended_at,
            consent: ConsentFields {
                risks_discussed: p.consent.risks_discussed,
                by: p.consent.by,
            },
            sites: p
                .sites
                .into_iter()
                .map(|s| SiteFields {
                    muscle: s.muscle,
                    side: s.side,
                    site: s.site,
                    kind: s.kind,
                    agent: s.agent,
                    amount: s.amount,
                    amount_unit: s.amount_unit,
                    volume_ml: s.volume_ml,
                    concentration_percent: s.concentration_percent,
                    points: s.points,
                    needle: s.needle,
                    guidance: s.guidance,
                    technique: s.technique,
                    lot: s.lot,
                    expiry: s.expiry,
                    reconstitution_ml: s.reconstitution_ml,
                    vial_units: s.vial_units,
                    // The store's CHECK admits only the container names, so every stored value parses.
                    vial: s.vial.as_deref().and_then(|v| v.parse().ok()),
                    vial_mg: s.vial_mg,
                })
                .collect(),
            complications: p.complications,
            diagnoses: p.diagnoses,
            notes: p.notes,
        },
        id: p.id,
        encounter_id: p.encounter_id,
        codes,
        adverse_events: events
            .into_iter()
            .map(|e| AdverseEventEntry {
                effect_name: crate::followup::effect_name(&e.effect),
                fields: AdverseEventFields {
                    effect: e.effect,
                    site: e.site,
                    onset: e.onset,
                    severity: e.severity,
                    actions: e.actions,
                    resolved_on: e.resolved_on,
                    notes: e.notes,
                },
                id: e.id,
            })
            .collect(),
        self_care,
    })
}
