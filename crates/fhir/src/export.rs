//! Records → FHIR: a patient's record as the resources of a Bundle. Pure functions; the atlas supplies the
//! names printed beside Taut's ids.

use std::collections::HashMap;

use taut_atlas::{Atlas, RegionId};
use taut_core::exam::{Classification, Sign};
use taut_core::records::{Demographics, EncounterFields, FindingFields, OutcomeFields, PainMark};

use crate::codes::{self, kind, taut};
use crate::model::{
    AllergyIntolerance, Annotation, Bundle, BundleEntry, BundleRequest, CodeableConcept, Coding, Component, Condition,
    Encounter, Extension, HumanName, Identifier, MedicationStatement, Observation, Patient, Period, Quantity,
    Reference, Resource,
};
use crate::treatment::{self, ProcedureEntry};

/// One patient's record as exported: demographics, visits, outcome measures and procedures, each with its record
/// id (which becomes the resource id). Treatment plans are not exported.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub demographics: Demographics,
    pub visits: Vec<Visit>,
    pub outcomes: Vec<Outcome>,
    /// Procedures with their adverse events and self-care sheets, oldest first.
    pub procedures: Vec<ProcedureEntry>,
}

#[derive(Debug, Clone)]
pub struct Visit {
    pub id: String,
    pub fields: EncounterFields,
    pub pain_drawing: Vec<PainMarkEntry>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone)]
pub struct PainMarkEntry {
    pub id: String,
    pub mark: PainMark,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub id: String,
    pub fields: FindingFields,
    pub classification: Classification,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: String,
    pub fields: OutcomeFields,
}

/// The Patient/$everything answer for one record: a `searchset` Bundle, the Patient first, references relative
/// (`Patient/ID`).
pub fn everything(record: &Record, atlas: &Atlas) -> Bundle {
    let mut bundle = Bundle::new("searchset");
    bundle.entry = resources(record, atlas)
        .into_iter()
        .map(|resource| BundleEntry {
            full_url: None,
            resource,
            request: None,
        })
        .collect();
    bundle.total = Some(bundle.entry.len() as u64);
    bundle
}

/// The resources of one record, in the order import writes them back.
pub fn resources(record: &Record, atlas: &Atlas) -> Vec<Resource> {
    let patient_ref = || Some(Reference::to(format!("Patient/{}", record.id)));
    let d = &record.demographics;
    let mut out = vec![Resource::Patient(patient(record))];
    for (i, allergy) in d.allergies.iter().enumerate() {
        out.push(Resource::AllergyIntolerance(AllergyIntolerance {
            id: Some(format!("{}-allergy-{i}", record.id)),
            code: Some(CodeableConcept::text(allergy)),
            patient: patient_ref(),
        }));
    }
    for (i, condition) in d.conditions.iter().enumerate() {
        // The record keeps conditions as written; an ICD-10-CM coding (codes::ICD10CM) joins the text when a
        // record holds one.
        out.push(Resource::Condition(Condition {
            id: Some(format!("{}-condition-{i}", record.id)),
            code: Some(CodeableConcept::text(condition)),
            subject: patient_ref(),
        }));
    }
    for (i, medication) in d.medications.iter().enumerate() {
        out.push(Resource::MedicationStatement(MedicationStatement {
            id: Some(format!("{}-medication-{i}", record.id)),
            status: "active".into(),
            medication_codeable_concept: Some(CodeableConcept::text(medication)),
            subject: patient_ref(),
        }));
    }
    if let Some(weight) = d.weight_kg {
        out.push(Resource::Observation(Box::new(Observation {
            id: Some(format!("{}-weight", record.id)),
            status: "final".into(),
            category: vec![category(kind::BODY_WEIGHT)],
            code: CodeableConcept {
                text: Some("Body weight".into()),
                ..CodeableConcept::coded(codes::LOINC, codes::LOINC_BODY_WEIGHT, Some("Body weight"))
            },
            subject: patient_ref(),
            value_quantity: Some(quantity(weight, "kg")),
            ..Observation::default()
        })));
    }
    for visit in &record.visits {
        out.push(Resource::Encounter(encounter(&record.id, visit)));
        let context = Context {
            patient: &record.id,
            encounter: &visit.id,
            at: &visit.fields.occurred_at,
        };
        for mark in &visit.pain_drawing {
            out.push(Resource::Observation(Box::new(pain_mark(&context, mark))));
        }
        for finding in &visit.findings {
            out.push(Resource::Observation(Box::new(finding_observation(
                &context, finding, atlas,
            ))));
        }
    }
    for outcome in &record.outcomes {
        out.push(Resource::Observation(Box::new(outcome_observation(
            &record.id, outcome,
        ))));
    }
    for procedure in &record.procedures {
        let owner = treatment::Owner {
            patient: &record.id,
            encounter: &procedure.encounter_id,
        };
        out.extend(treatment::resources(&owner, procedure, atlas));
    }
    out
}

fn notes_extension(notes: Option<&String>) -> Vec<Extension> {
    notes
        .map(|text| Extension::string(codes::taut(taut::NOTES), text))
        .into_iter()
        .collect()
}

fn patient(record: &Record) -> Patient {
    let d = &record.demographics;
    Patient {
        id: Some(record.id.clone()),
        extension: notes_extension(d.notes.as_ref()),
        identifier: vec![Identifier {
            kind: Some(CodeableConcept::coded(
                codes::IDENTIFIER_TYPE,
                "MR",
                Some("Medical record number"),
            )),
            system: None,
            value: Some(d.mrn.clone()),
        }],
        name: vec![HumanName {
            family: Some(d.family_name.clone()),
            given: vec![d.given_name.clone()],
        }],
        // Taut's sexes are FHIR's administrative genders, word for word.
        gender: Some(d.sex.clone()),
        birth_date: Some(d.birth_date.clone()),
    }
}

fn encounter(patient_id: &str, visit: &Visit) -> Encounter {
    Encounter {
        id: Some(visit.id.clone()),
        extension: notes_extension(visit.fields.notes.as_ref()),
        status: "finished".into(),
        class: Coding::new(codes::ACT_CODE, "AMB", Some("ambulatory")),
        kind: vec![CodeableConcept::coded(
            &codes::taut(taut::ENCOUNTER_KIND),
            &visit.fields.kind,
            Some(&visit.fields.kind),
        )],
        subject: Some(Reference::to(format!("Patient/{patient_id}"))),
        period: Some(Period {
            start: Some(visit.fields.occurred_at.clone()),
            end: None,
        }),
    }
}

/// Which patient, visit and time an observation of a visit belongs to.
struct Context<'a> {
    patient: &'a str,
    encounter: &'a str,
    at: &'a str,
}

impl Context<'_> {
    fn observation(&self, id: &str, record_kind: &str, standard: &str, code: CodeableConcept) -> Observation {
        Observation {
            id: Some(id.to_owned()),
            status: "final".into(),
            category: vec![
                CodeableConcept::coded(codes::OBSERVATION_CATEGORY, standard, None),
                category(record_kind),
            ],
            code,
            subject: Some(Reference::to(format!("Patient/{}", self.patient))),
            encounter: Some(Reference::to(format!("Encounter/{}", self.encounter))),
            effective_date_time: Some(self.at.to_owned()),
            ..Observation::default()
        }
    }
}

fn category(record_kind: &str) -> CodeableConcept {
    CodeableConcept::coded(&codes::taut(taut::RECORD_KIND), record_kind, None)
}

pub(crate) fn quantity(value: f64, unit: &str) -> Quantity {
    let ucum = codes::ucum(unit);
    Quantity {
        value: Some(value),
        unit: Some(unit.to_owned()),
        system: ucum.map(|_| codes::UCUM.to_owned()),
        code: ucum.map(str::to_owned),
    }
}

/// A body site: Taut's code and its name as text, and the side as a SNOMED CT laterality qualifier.
pub(crate) fn body_site(system: &str, id: &str, name: &str, side: Option<&str>) -> CodeableConcept {
    let laterality = side.and_then(codes::laterality);
    CodeableConcept {
        extension: laterality
            .map(|(code, display)| Extension {
                url: codes::EXT_STRUCTURE_LATERALITY.into(),
                value_codeable_concept: Some(CodeableConcept::coded(codes::SNOMED, code, Some(display))),
                ..Extension::default()
            })
            .into_iter()
            .collect(),
        coding: vec![Coding::new(&codes::taut(system), id, Some(name))],
        text: Some(match side {
            Some(side) => format!("{name} ({id}), {side}"),
            None => format!("{name} ({id})"),
        }),
    }
}

fn pain_code() -> CodeableConcept {
    CodeableConcept::coded(
        codes::LOINC,
        codes::LOINC_PAIN_SEVERITY_NRS,
        Some(codes::LOINC_PAIN_SEVERITY_NRS_DISPLAY),
    )
}

fn pain_mark(context: &Context, entry: &PainMarkEntry) -> Observation {
    let mark = &entry.mark;
    let label = RegionId::lookup(&mark.region).map_or(mark.region.as_str(), |r| r.region().label);
    let mut observation = context.observation(&entry.id, kind::PAIN_MARK, "survey", pain_code());
    observation.value_integer = Some(mark.intensity);
    observation.body_site = Some(body_site(taut::REGION, &mark.region, label, mark.side.as_deref()));
    if let Some(quality) = &mark.quality {
        observation.component.push(Component {
            code: CodeableConcept::coded(&codes::taut(taut::PAIN_QUALITY), "quality", Some("Pain quality")),
            value_codeable_concept: Some(CodeableConcept::coded(
                &codes::taut(taut::PAIN_QUALITY),
                quality,
                Some(quality),
            )),
            ..Component::default()
        });
    }
    observation
}

/// The signs in the order they are written, with their codes.
pub const SIGNS: &[(&str, &str)] = &[
    ("taut-band", "Taut band"),
    ("spot-tenderness", "Hypersensitive spot (spot tenderness)"),
    ("referred-pain", "Referred pain"),
    ("pain-recognised", "Patient recognises the pain"),
    ("local-twitch", "Local twitch response"),
    ("jump-sign", "Jump sign"),
];

fn finding_observation(context: &Context, finding: &Finding, atlas: &Atlas) -> Observation {
    let f = &finding.fields;
    let (muscle_name, point_name) = match atlas.trigger_point(&f.trigger_point) {
        Some((muscle, point)) => (muscle.name.clone(), point.name.clone()),
        None => (f.muscle.clone(), f.trigger_point.clone()),
    };
    let code = CodeableConcept {
        text: Some("Myofascial trigger point examination".into()),
        ..CodeableConcept::coded(
            &codes::taut(taut::RECORD_KIND),
            kind::FINDING,
            Some("Myofascial trigger point examination"),
        )
    };
    let mut observation = context.observation(&finding.id, kind::FINDING, "exam", code);
    let class = finding.classification.as_str();
    observation.value_codeable_concept = Some(CodeableConcept::coded(
        &codes::taut(taut::CLASSIFICATION),
        class,
        Some(class),
    ));
    observation.body_site = Some(body_site(taut::MUSCLE, &f.muscle, &muscle_name, f.side.as_deref()));
    observation.component.push(Component {
        code: CodeableConcept::coded(
            &codes::taut(taut::TRIGGER_POINT),
            "trigger-point",
            Some("Trigger point"),
        ),
        value_codeable_concept: Some(CodeableConcept::coded(
            &codes::taut(taut::TRIGGER_POINT),
            &f.trigger_point,
            Some(&point_name),
        )),
        ..Component::default()
    });
    let signs = [
        f.signs.taut_band,
        f.signs.spot_tenderness,
        f.signs.referred_pain,
        f.signs.pain_recognised,
        f.signs.local_twitch,
        f.signs.jump_sign,
    ];
    for ((code, display), sign) in SIGNS.iter().zip(signs) {
        let mut component = Component {
            code: CodeableConcept::coded(&codes::taut(taut::SIGN), code, Some(display)),
            ..Component::default()
        };
        match sign {
            Sign::Yes => component.value_boolean = Some(true),
            Sign::No => component.value_boolean = Some(false),
            Sign::NotAssessed => {
                component.data_absent_reason = Some(CodeableConcept::coded(
                    codes::DATA_ABSENT_REASON,
                    "not-performed",
                    Some("Not Performed"),
                ));
            }
        }
        observation.component.push(component);
    }
    if let Some(ppt) = f.pressure_threshold_kg_cm2 {
        observation.component.push(Component {
            code: CodeableConcept::coded(
                &codes::taut(taut::MEASURE),
                "pressure-pain-threshold",
                Some("Pressure pain threshold"),
            ),
            value_quantity: Some(quantity(ppt, "kg/cm2")),
            ..Component::default()
        });
    }
    if let Some(notes) = &f.notes {
        observation.note.push(Annotation { text: notes.clone() });
    }
    observation
}

fn measure_label(measure: &str) -> &'static str {
    match measure {
        "pain-nrs" => "Pain intensity, 0-10 numeric rating scale",
        "pressure-pain-threshold" => "Pressure pain threshold",
        "range-of-motion" => "Range of motion",
        _ => "Outcome measure",
    }
}

fn outcome_observation(patient_id: &str, outcome: &Outcome) -> Observation {
    let o = &outcome.fields;
    let mut code = if o.measure == "pain-nrs" {
        pain_code()
    } else {
        CodeableConcept::coded(&codes::taut(taut::MEASURE), &o.measure, Some(measure_label(&o.measure)))
    };
    // The record's own name of the measure ("cervical rotation left") is the text; none is written otherwise.
    code.text = o.name.clone();
    let standard = if o.measure == "pain-nrs" { "survey" } else { "exam" };
    Observation {
        id: Some(outcome.id.clone()),
        status: "final".into(),
        category: vec![
            CodeableConcept::coded(codes::OBSERVATION_CATEGORY, standard, None),
            category(kind::OUTCOME),
        ],
        code,
        subject: Some(Reference::to(format!("Patient/{patient_id}"))),
        encounter: o
            .encounter_id
            .as_ref()
            .map(|id| Reference::to(format!("Encounter/{id}"))),
        effective_date_time: Some(o.recorded_at.clone()),
        value_quantity: Some(quantity(o.value, &o.unit)),
        ..Observation::default()
    }
}

/// The same resources as a `transaction` Bundle that another FHIR server (or `POST /fhir/r4`) can load: each
/// entry a POST under a new `urn:uuid:` full URL, ids dropped, references rewritten to those URLs.
pub fn to_transaction(bundles: impl IntoIterator<Item = Bundle>) -> Bundle {
    let mut out = Bundle::new("transaction");
    let mut urls: HashMap<String, String> = HashMap::new();
    let mut resources = Vec::new();
    for bundle in bundles {
        for entry in bundle.entry {
            let url = format!("urn:uuid:{}", uuid::Uuid::now_v7());
            if let Some(id) = entry.resource.id() {
                urls.insert(format!("{}/{id}", entry.resource.type_name()), url.clone());
            }
            resources.push((url, entry.resource));
        }
    }
    for (url, mut resource) in resources {
        resource.clear_id();
        for reference in resource.references_mut() {
            if let Some(url) = reference.reference.as_ref().and_then(|r| urls.get(r)) {
                reference.reference = Some(url.clone());
            }
        }
        out.entry.push(BundleEntry {
            full_url: Some(url),
            request: Some(BundleRequest {
                method: "POST".into(),
                url: resource.type_name().into(),
            }),
            resource,
        });
    }
    out
}
