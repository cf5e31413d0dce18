//! FHIR → record input: a Bundle as Taut writes it (or any Bundle holding the same resources) read back into
//! the input of the app's batch import. The first problem stops the reading and is named by its FHIRPath
//! (`Bundle.entry[4].resource.bodySite`), so that a refused bundle says where to look; nothing is half-read.
//!
//! Every record is also checked here with the same validation the app applies, only to name the entry at
//! fault; the app validates again before it writes.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use taut_atlas::Atlas;
use taut_core::exam::Sign;
use taut_core::records::{Demographics, EncounterInput, FindingInput, OutcomeInput, PainMarkInput};

use crate::codes::{self, kind, taut};
use crate::model::{
    AdverseEvent, AllergyIntolerance, CarePlan, CodeableConcept, Condition, Encounter, MedicationAdministration,
    MedicationStatement, Observation, Patient, Procedure, Reference,
};
use crate::treatment::{AdverseEventFields, ConsentFields, ProcedureFields, SiteFields, from_parts};

/// Why a bundle was refused: where (a FHIRPath expression) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{expression}: {message}")]
pub struct Problem {
    pub expression: String,
    pub message: String,
}

fn problem(expression: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        expression: expression.into(),
        message: message.into(),
    }
}

/// A patient read from a bundle, with their visits and the outcome measures not tied to a visit.
#[derive(Debug, Clone)]
pub struct ImportedPatient {
    pub demographics: Demographics,
    pub visits: Vec<ImportedVisit>,
    pub outcomes: Vec<OutcomeInput>,
}

#[derive(Debug, Clone)]
pub struct ImportedVisit {
    pub encounter: EncounterInput,
    pub pain_drawing: Vec<PainMarkInput>,
    pub findings: Vec<FindingInput>,
    pub outcomes: Vec<OutcomeInput>,
    pub procedures: Vec<ImportedProcedure>,
}

/// A procedure read from a bundle, with its adverse events. `path` is the FHIRPath of its entry, for the app to
/// name when it refuses the procedure (its checks need the record: history, catalog, policy).
#[derive(Debug, Clone)]
pub struct ImportedProcedure {
    pub fields: ProcedureFields,
    pub adverse_events: Vec<ImportedAdverseEvent>,
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct ImportedAdverseEvent {
    pub fields: AdverseEventFields,
    pub path: String,
}

/// The Bundle types read: `transaction` (what `POST /fhir/r4` takes), and the `searchset` of `$everything` and
/// `collection`, which `taut import` also reads.
pub const BUNDLE_TYPES: &[&str] = &["transaction", "searchset", "collection", "batch"];

/// Reads the patients of a bundle whose type is one of `kinds`. `now` bounds the dates as the app does.
pub fn read_bundle(
    json: &[u8],
    kinds: &[&str],
    atlas: &Atlas,
    now: time::OffsetDateTime,
) -> Result<Vec<ImportedPatient>, Problem> {
    let bundle: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| problem("Bundle", format!("not JSON: {e}")))?;
    let resource_type = bundle.get("resourceType").and_then(|v| v.as_str());
    if resource_type != Some("Bundle") {
        return Err(problem("Bundle.resourceType", "must be Bundle"));
    }
    let kind = bundle.get("type").and_then(|v| v.as_str()).unwrap_or_default();
    if !kinds.contains(&kind) {
        return Err(problem(
            "Bundle.type",
            format!("'{kind}' is not read here; valid: {}", kinds.join(", ")),
        ));
    }
    let empty = Vec::new();
    let entries = match bundle.get("entry") {
        None => &empty,
        Some(serde_json::Value::Array(entries)) => entries,
        Some(_) => return Err(problem("Bundle.entry", "must be a list")),
    };
    let mut reader = Reader::default();
    // Patients first, then encounters, then what refers to them: a bundle may list its entries in any order.
    for pass in [Pass::Patients, Pass::Encounters, Pass::Procedures, Pass::Rest] {
        for (i, entry) in entries.iter().enumerate() {
            reader.entry(i, entry, pass)?;
        }
    }
    reader.finish(atlas, now)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Patients,
    Encounters,
    Procedures,
    Rest,
}

/// Where each record of a patient came from, to name the entry at fault when validating.
#[derive(Default)]
struct Paths {
    patient: String,
    outcomes: Vec<String>,
    visits: Vec<VisitPaths>,
}

#[derive(Default)]
struct VisitPaths {
    encounter: String,
    marks: Vec<String>,
    findings: Vec<String>,
    outcomes: Vec<String>,
}

#[derive(Default)]
struct Reader {
    patients: Vec<ImportedPatient>,
    /// Reference keys (full URL, `Type/id`) → index in `patients`.
    patient_keys: HashMap<String, usize>,
    /// Reference keys → (patient index, visit index).
    encounter_keys: HashMap<String, (usize, usize)>,
    /// Reference keys → (patient, visit, procedure) indexes.
    procedure_keys: HashMap<String, (usize, usize, usize)>,
    paths: Vec<Paths>,
}

/// The keys a resource can be referred to by: its full URL and `Type/id`.
fn keys(entry: &serde_json::Value, type_name: &str) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(url) = entry.get("fullUrl").and_then(|v| v.as_str()) {
        keys.push(url.to_owned());
    }
    if let Some(id) = entry.pointer("/resource/id").and_then(|v| v.as_str()) {
        keys.push(format!("{type_name}/{id}"));
    }
    keys
}

/// The key of a reference: as written, or its last two segments (`http://host/fhir/Patient/1` → `Patient/1`).
fn lookup<'a, T>(map: &'a HashMap<String, T>, reference: &Reference) -> Option<&'a T> {
    let written = reference.reference.as_deref()?;
    map.get(written).or_else(|| {
        let mut parts = written.rsplitn(3, '/');
        let (id, type_name) = (parts.next()?, parts.next()?);
        map.get(&format!("{type_name}/{id}"))
    })
}

fn parse<T: DeserializeOwned>(value: &serde_json::Value, path: &str) -> Result<T, Problem> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let at = if inner == "." {
            path.to_owned()
        } else {
            format!("{path}.{inner}")
        };
        problem(at, e.inner().to_string())
    })
}

fn required<'a, T>(value: Option<&'a T>, path: &str, what: &str) -> Result<&'a T, Problem> {
    value.ok_or_else(|| problem(path, format!("{what} is required")))
}

fn sign(observation: &Observation, code: &str) -> Sign {
    match observation
        .component
        .iter()
        .find(|c| c.code.code_in(&codes::taut(taut::SIGN)) == Some(code))
        .and_then(|c| c.value_boolean)
    {
        Some(true) => Sign::Yes,
        Some(false) => Sign::No,
        None => Sign::NotAssessed,
    }
}

/// The side written on a body site, as a SNOMED CT laterality qualifier.
fn side(site: &CodeableConcept, path: &str) -> Result<Option<String>, Problem> {
    let Some(extension) = site.extension.iter().find(|e| e.url == codes::EXT_STRUCTURE_LATERALITY) else {
        return Ok(None);
    };
    let code = extension
        .value_codeable_concept
        .as_ref()
        .and_then(|c| c.code_in(codes::SNOMED))
        .ok_or_else(|| problem(format!("{path}.extension"), "laterality needs a SNOMED CT code"))?;
    codes::side_of(code).map(|s| Some(s.to_owned())).ok_or_else(|| {
        problem(
            format!("{path}.extension"),
            format!("laterality '{code}' is not one of 7771000 (left), 24028007 (right), 51440002 (both)"),
        )
    })
}

impl Reader {
    /// The patient and visit of a resource that belongs to an encounter of its patient.
    fn visit_of(
        &self,
        subject: Option<&Reference>,
        encounter: Option<&Reference>,
        path: &str,
    ) -> Result<(usize, usize), Problem> {
        let p = self.patient_of(subject, &format!("{path}.subject"))?;
        let encounter = required(encounter, &format!("{path}.encounter"), "the encounter")?;
        let (vp, v) = *lookup(&self.encounter_keys, encounter)
            .ok_or_else(|| problem(format!("{path}.encounter"), "refers to no Encounter of this bundle"))?;
        if vp != p {
            return Err(problem(
                format!("{path}.encounter"),
                "the encounter belongs to another patient",
            ));
        }
        Ok((p, v))
    }

    /// The procedure of this bundle that one of `references` names.
    fn procedure_of<'a>(
        &self,
        mut references: impl Iterator<Item = &'a Reference>,
        path: &str,
    ) -> Result<(usize, usize, usize), Problem> {
        references
            .find_map(|r| lookup(&self.procedure_keys, r))
            .copied()
            .ok_or_else(|| problem(path, "refers to no Procedure of this bundle"))
    }

    fn patient_of(&self, subject: Option<&Reference>, path: &str) -> Result<usize, Problem> {
        let subject = required(subject, path, "a reference to the patient")?;
        lookup(&self.patient_keys, subject)
            .copied()
            .ok_or_else(|| problem(path, "refers to no Patient of this bundle"))
    }

    fn entry(&mut self, i: usize, entry: &serde_json::Value, pass: Pass) -> Result<(), Problem> {
        let path = format!("Bundle.entry[{i}].resource");
        let resource = entry
            .get("resource")
            .ok_or_else(|| problem(format!("Bundle.entry[{i}]"), "an entry needs a resource"))?;
        let type_name = resource
            .get("resourceType")
            .and_then(|v| v.as_str())
            .ok_or_else(|| problem(format!("{path}.resourceType"), "is required"))?;
        match (type_name, pass) {
            ("Patient", Pass::Patients) => {
                let patient: Patient = parse(resource, &path)?;
                let index = self.patients.len();
                self.patients.push(self.read_patient(&patient, &path)?);
                self.paths.push(Paths {
                    patient: path,
                    ..Paths::default()
                });
                for key in keys(entry, "Patient") {
                    self.patient_keys.insert(key, index);
                }
            }
            ("Encounter", Pass::Encounters) => {
                let encounter: Encounter = parse(resource, &path)?;
                let p = self.patient_of(encounter.subject.as_ref(), &format!("{path}.subject"))?;
                let kind = encounter
                    .kind
                    .iter()
                    .find_map(|k| k.code_in(&codes::taut(taut::ENCOUNTER_KIND)))
                    .ok_or_else(|| {
                        problem(
                            format!("{path}.type"),
                            "needs the visit kind (assessment, procedure, follow-up)",
                        )
                    })?;
                let occurred_at = encounter.period.as_ref().and_then(|p| p.start.clone());
                let visits = &mut self.patients[p].visits;
                visits.push(ImportedVisit {
                    encounter: EncounterInput {
                        kind: kind.to_owned(),
                        occurred_at: Some(required(
                            occurred_at.as_ref(),
                            &format!("{path}.period.start"),
                            "the time",
                        )?)
                        .cloned(),
                        notes: notes(&encounter.extension),
                    },
                    pain_drawing: Vec::new(),
                    findings: Vec::new(),
                    outcomes: Vec::new(),
                    procedures: Vec::new(),
                });
                let v = visits.len() - 1;
                self.paths[p].visits.push(VisitPaths {
                    encounter: path,
                    ..VisitPaths::default()
                });
                for key in keys(entry, "Encounter") {
                    self.encounter_keys.insert(key, (p, v));
                }
            }
            ("Procedure", Pass::Procedures) => {
                let procedure: Procedure = parse(resource, &path)?;
                let (p, v) = self.visit_of(procedure.subject.as_ref(), procedure.encounter.as_ref(), &path)?;
                let fields = read_procedure(&procedure, &path)?;
                let procedures = &mut self.patients[p].visits[v].procedures;
                procedures.push(ImportedProcedure {
                    fields,
                    adverse_events: Vec::new(),
                    path,
                });
                let k = procedures.len() - 1;
                for key in keys(entry, "Procedure") {
                    self.procedure_keys.insert(key, (p, v, k));
                }
            }
            ("AdverseEvent", Pass::Rest) => {
                let event: AdverseEvent = parse(resource, &path)?;
                let p = self.patient_of(event.subject.as_ref(), &format!("{path}.subject"))?;
                let (pp, v, k) = event
                    .suspect_entity
                    .iter()
                    .find_map(|s| lookup(&self.procedure_keys, &s.instance))
                    .copied()
                    .ok_or_else(|| {
                        problem(
                            format!("{path}.suspectEntity"),
                            "needs a suspect entity that is a Procedure of this bundle",
                        )
                    })?;
                if pp != p {
                    return Err(problem(
                        format!("{path}.suspectEntity"),
                        "the procedure belongs to another patient",
                    ));
                }
                let details = required(
                    event
                        .extension
                        .iter()
                        .find(|e| e.url == codes::taut(taut::ADVERSE_EVENT)),
                    &format!("{path}.extension"),
                    "Taut's adverse-event extension (severity, actions, resolution)",
                )?;
                let fields: AdverseEventFields = from_parts(&details.extension, &["actions"])
                    .map_err(|e| problem(format!("{path}.extension"), e.to_string()))?;
                if event
                    .event
                    .as_ref()
                    .and_then(|c| c.code_in(&codes::taut(taut::SIDE_EFFECT)))
                    != Some(fields.effect.as_str())
                {
                    return Err(problem(
                        format!("{path}.event"),
                        "the event's side-effect code differs from the one in the extension",
                    ));
                }
                self.patients[p].visits[v].procedures[k]
                    .adverse_events
                    .push(ImportedAdverseEvent { fields, path });
            }
            // Both are derived from the procedure's sites and recomputed on import; they must belong to one.
            ("MedicationAdministration", Pass::Rest) => {
                let administration: MedicationAdministration = parse(resource, &path)?;
                self.procedure_of(administration.part_of.iter(), &format!("{path}.partOf"))?;
            }
            ("CarePlan", Pass::Rest) => {
                let plan: CarePlan = parse(resource, &path)?;
                self.procedure_of(plan.supporting_info.iter(), &format!("{path}.supportingInfo"))?;
            }
            ("Observation", Pass::Rest) => {
                let observation: Observation = parse(resource, &path)?;
                self.observation(&observation, &path)?;
            }
            ("Condition", Pass::Rest) => {
                let condition: Condition = parse(resource, &path)?;
                let p = self.patient_of(condition.subject.as_ref(), &format!("{path}.subject"))?;
                let text = written(condition.code.as_ref(), &format!("{path}.code"))?;
                self.patients[p].demographics.conditions.push(text);
            }
            ("AllergyIntolerance", Pass::Rest) => {
                let allergy: AllergyIntolerance = parse(resource, &path)?;
                let p = self.patient_of(allergy.patient.as_ref(), &format!("{path}.patient"))?;
                let text = written(allergy.code.as_ref(), &format!("{path}.code"))?;
                self.patients[p].demographics.allergies.push(text);
            }
            ("MedicationStatement", Pass::Rest) => {
                let statement: MedicationStatement = parse(resource, &path)?;
                let p = self.patient_of(statement.subject.as_ref(), &format!("{path}.subject"))?;
                let text = written(
                    statement.medication_codeable_concept.as_ref(),
                    &format!("{path}.medicationCodeableConcept"),
                )?;
                self.patients[p].demographics.medications.push(text);
            }
            (
                "Patient"
                | "Encounter"
                | "Observation"
                | "Condition"
                | "AllergyIntolerance"
                | "MedicationStatement"
                | "Procedure"
                | "AdverseEvent"
                | "MedicationAdministration"
                | "CarePlan",
                _,
            ) => {}
            (other, _) => {
                return Err(problem(
                    format!("{path}.resourceType"),
                    format!(
                        "{other} is not imported; Taut reads Patient, Encounter, Observation, Condition, \
                         AllergyIntolerance, MedicationStatement, Procedure, MedicationAdministration, \
                         AdverseEvent and CarePlan"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn read_patient(&self, patient: &Patient, path: &str) -> Result<ImportedPatient, Problem> {
        let mrn = patient
            .identifier
            .iter()
            .find(|i| {
                i.kind
                    .as_ref()
                    .is_some_and(|k| k.code_in(codes::IDENTIFIER_TYPE) == Some("MR"))
            })
            .or(patient.identifier.first())
            .and_then(|i| i.value.clone())
            .ok_or_else(|| {
                problem(
                    format!("{path}.identifier"),
                    "a medical record number (type MR) is required",
                )
            })?;
        let name = required(patient.name.first(), &format!("{path}.name"), "a name")?;
        Ok(ImportedPatient {
            demographics: Demographics {
                mrn,
                given_name: required(name.given.first(), &format!("{path}.name[0].given"), "a given name")?.clone(),
                family_name: required(name.family.as_ref(), &format!("{path}.name[0].family"), "a family name")?
                    .clone(),
                birth_date: required(
                    patient.birth_date.as_ref(),
                    &format!("{path}.birthDate"),
                    "the birth date",
                )?
                .clone(),
                sex: patient.gender.clone().unwrap_or_else(|| "unknown".into()),
                weight_kg: None,
                allergies: Vec::new(),
                conditions: Vec::new(),
                medications: Vec::new(),
                notes: notes(&patient.extension),
            },
            visits: Vec::new(),
            outcomes: Vec::new(),
        })
    }

    fn observation(&mut self, o: &Observation, path: &str) -> Result<(), Problem> {
        let record_kind = o
            .category
            .iter()
            .find_map(|c| c.code_in(&codes::taut(taut::RECORD_KIND)))
            // A pain score from elsewhere, without Taut's category, is an outcome measure.
            .or_else(|| {
                (o.code.code_in(codes::LOINC) == Some(codes::LOINC_PAIN_SEVERITY_NRS) && o.body_site.is_none())
                    .then_some(kind::OUTCOME)
            })
            .ok_or_else(|| {
                problem(
                    format!("{path}.category"),
                    "an Observation Taut does not know how to read: give its record kind (pain-drawing-mark, \
                     trigger-point-finding, outcome-measure, body-weight)",
                )
            })?;
        let p = self.patient_of(o.subject.as_ref(), &format!("{path}.subject"))?;
        let visit = match &o.encounter {
            Some(reference) => Some(
                *lookup(&self.encounter_keys, reference)
                    .ok_or_else(|| problem(format!("{path}.encounter"), "refers to no Encounter of this bundle"))?,
            ),
            None => None,
        };
        if let Some((vp, _)) = visit
            && vp != p
        {
            return Err(problem(
                format!("{path}.encounter"),
                "the encounter belongs to another patient",
            ));
        }
        let in_visit = |what: &str| {
            visit
                .map(|(_, v)| v)
                .ok_or_else(|| problem(format!("{path}.encounter"), format!("{what} belongs to an encounter")))
        };
        match record_kind {
            kind::PAIN_MARK => {
                let v = in_visit("a pain drawing")?;
                let site_path = format!("{path}.bodySite");
                let site = required(o.body_site.as_ref(), &site_path, "the region")?;
                let region = site
                    .code_in(&codes::taut(taut::REGION))
                    .ok_or_else(|| problem(&site_path, "needs a Taut region code"))?;
                let quality = o
                    .component
                    .iter()
                    .find_map(|c| {
                        c.value_codeable_concept
                            .as_ref()?
                            .code_in(&codes::taut(taut::PAIN_QUALITY))
                    })
                    .map(str::to_owned);
                let mark = PainMarkInput {
                    region: region.to_owned(),
                    side: side(site, &site_path)?,
                    intensity: *required(
                        o.value_integer.as_ref(),
                        &format!("{path}.valueInteger"),
                        "the intensity",
                    )?,
                    quality,
                };
                self.patients[p].visits[v].pain_drawing.push(mark);
                self.paths[p].visits[v].marks.push(path.to_owned());
            }
            kind::FINDING => {
                let v = in_visit("a finding")?;
                let site_path = format!("{path}.bodySite");
                let site = required(o.body_site.as_ref(), &site_path, "the muscle")?;
                let trigger_point = o
                    .component
                    .iter()
                    .find_map(|c| {
                        c.value_codeable_concept
                            .as_ref()?
                            .code_in(&codes::taut(taut::TRIGGER_POINT))
                    })
                    .ok_or_else(|| problem(format!("{path}.component"), "needs the trigger point"))?;
                let ppt = o
                    .component
                    .iter()
                    .find(|c| c.code.code_in(&codes::taut(taut::MEASURE)) == Some("pressure-pain-threshold"))
                    .and_then(|c| c.value_quantity.as_ref()?.value);
                let finding = FindingInput {
                    trigger_point: trigger_point.to_owned(),
                    side: side(site, &site_path)?,
                    taut_band: sign(o, "taut-band"),
                    spot_tenderness: sign(o, "spot-tenderness"),
                    referred_pain: sign(o, "referred-pain"),
                    pain_recognised: sign(o, "pain-recognised"),
                    local_twitch: sign(o, "local-twitch"),
                    jump_sign: sign(o, "jump-sign"),
                    pressure_threshold_kg_cm2: ppt,
                    notes: o.note.first().map(|n| n.text.clone()),
                };
                self.patients[p].visits[v].findings.push(finding);
                self.paths[p].visits[v].findings.push(path.to_owned());
            }
            kind::OUTCOME => {
                let measure = if o.code.code_in(codes::LOINC) == Some(codes::LOINC_PAIN_SEVERITY_NRS) {
                    "pain-nrs"
                } else {
                    o.code
                        .code_in(&codes::taut(taut::MEASURE))
                        .ok_or_else(|| problem(format!("{path}.code"), "an outcome measure Taut does not know"))?
                };
                let quantity_path = format!("{path}.valueQuantity");
                let quantity = required(o.value_quantity.as_ref(), &quantity_path, "the value")?;
                let outcome = OutcomeInput {
                    measure: measure.to_owned(),
                    value: *required(quantity.value.as_ref(), &format!("{quantity_path}.value"), "the value")?,
                    unit: quantity.unit.clone(),
                    name: o.code.text.clone(),
                    encounter_id: None,
                    recorded_at: o.effective_date_time.clone(),
                };
                match visit {
                    Some((_, v)) => {
                        self.patients[p].visits[v].outcomes.push(outcome);
                        self.paths[p].visits[v].outcomes.push(path.to_owned());
                    }
                    None => {
                        self.patients[p].outcomes.push(outcome);
                        self.paths[p].outcomes.push(path.to_owned());
                    }
                }
            }
            kind::BODY_WEIGHT => {
                let quantity = required(
                    o.value_quantity.as_ref(),
                    &format!("{path}.valueQuantity"),
                    "the weight",
                )?;
                if quantity.unit.as_deref().is_some_and(|u| u != "kg") {
                    return Err(problem(
                        format!("{path}.valueQuantity.unit"),
                        "Taut reads weights in kg",
                    ));
                }
                self.patients[p].demographics.weight_kg = quantity.value;
            }
            other => {
                return Err(problem(
                    format!("{path}.category"),
                    format!("unknown record kind '{other}'"),
                ));
            }
        }
        Ok(())
    }

    /// Validates every record as the app will, naming the resource at fault.
    fn finish(self, atlas: &Atlas, now: time::OffsetDateTime) -> Result<Vec<ImportedPatient>, Problem> {
        for (patient, paths) in self.patients.iter().zip(&self.paths) {
            patient
                .demographics
                .clone()
                .validate(now.date())
                .map_err(at(&paths.patient))?;
            for (outcome, path) in patient.outcomes.iter().zip(&paths.outcomes) {
                outcome.clone().validate(now).map_err(at(path))?;
            }
            for (visit, paths) in patient.visits.iter().zip(&paths.visits) {
                visit.encounter.clone().validate(now).map_err(at(&paths.encounter))?;
                for (i, (mark, path)) in visit.pain_drawing.iter().zip(&paths.marks).enumerate() {
                    mark.clone().validate(i).map_err(at(path))?;
                }
                for (finding, path) in visit.findings.iter().zip(&paths.findings) {
                    finding.clone().validate(atlas).map_err(at(path))?;
                }
                for (outcome, path) in visit.outcomes.iter().zip(&paths.outcomes) {
                    outcome.clone().validate(now).map_err(at(path))?;
                }
            }
        }
        Ok(self.patients)
    }
}

/// A Procedure as Taut writes it: the sites and consent in Taut's extensions, the rest in R4 elements.
fn read_procedure(procedure: &Procedure, path: &str) -> Result<ProcedureFields, Problem> {
    let extension = |name: &'static str| procedure.extension.iter().filter(move |e| e.url == codes::taut(name));
    let sites = extension(taut::PROCEDURE_SITE)
        .map(|e| from_parts::<SiteFields>(&e.extension, &[]))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| problem(format!("{path}.extension"), format!("a procedure site: {e}")))?;
    if sites.is_empty() {
        return Err(problem(
            format!("{path}.extension"),
            "needs Taut's procedure-site extensions (what was done where)",
        ));
    }
    let consent = extension(taut::CONSENT)
        .next()
        .map(|e| from_parts::<ConsentFields>(&e.extension, &["risks_discussed"]))
        .transpose()
        .map_err(|e| problem(format!("{path}.extension"), format!("the consent: {e}")))?
        .ok_or_else(|| problem(format!("{path}.extension"), "needs Taut's consent extension"))?;
    let period = required(
        procedure.performed_period.as_ref(),
        &format!("{path}.performedPeriod"),
        "the period",
    )?;
    let diagnoses = procedure
        .reason_code
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.code_in(codes::ICD10CM)
                .map(str::to_owned)
                .ok_or_else(|| problem(format!("{path}.reasonCode[{i}]"), "needs an ICD-10-CM code"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let complications = procedure
        .complication
        .iter()
        .enumerate()
        .map(|(i, c)| written(Some(c), &format!("{path}.complication[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ProcedureFields {
        started_at: required(
            period.start.as_ref(),
            &format!("{path}.performedPeriod.start"),
            "the start",
        )?
        .clone(),
        ended_at: required(period.end.as_ref(), &format!("{path}.performedPeriod.end"), "the end")?.clone(),
        consent,
        sites,
        complications,
        diagnoses,
        notes: procedure.note.first().map(|n| n.text.clone()),
    })
}

/// Names `path` as the place of a validation error.
fn at(path: &str) -> impl Fn(taut_core::records::Invalid) -> Problem + '_ {
    move |e| problem(path, e.to_string())
}

fn notes(extensions: &[crate::model::Extension]) -> Option<String> {
    extensions
        .iter()
        .find(|e| e.url == codes::taut(taut::NOTES))
        .and_then(|e| e.value_string.clone())
}

fn written(code: Option<&CodeableConcept>, path: &str) -> Result<String, Problem> {
    code.and_then(CodeableConcept::written)
        .map(str::to_owned)
        .ok_or_else(|| problem(path, "needs a text or a coding"))
}
