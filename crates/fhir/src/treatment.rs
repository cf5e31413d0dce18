//! Treatment → FHIR: a procedure as an R4 Procedure (CPT, the treated muscles with their side), each injected
//! site as a MedicationAdministration (agent, dose, route, site, lot and expiry on a contained Medication), each
//! adverse event as an AdverseEvent whose suspect is the procedure and its medications, and the self-care
//! programme as a CarePlan.
//!
//! What R4 has no element for (a site's needle, guidance and reconstitution, the consent, the billing lines, an
//! adverse event's severity, actions and resolution day) travels in Taut's complex extensions, whose parts are
//! named like the record's fields ([`to_parts`], [`from_parts`]), so that import reads back exactly what was
//! written. The billing lines and the CarePlan are derived from the sites: import recomputes them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use taut_atlas::Atlas;
use taut_core::followup::SelfCareSheet;
use taut_core::plan::Code;

use crate::codes::{self, taut};
use crate::export::{body_site, quantity};
use crate::model::{
    Activity, ActivityDetail, AdverseEvent, Annotation, Batch, CarePlan, CodeableConcept, Dosage, Extension,
    Medication, MedicationAdministration, Period, Procedure, Reference, Resource, SuspectEntity,
};

/// One treated site as stored: the resolved muscle, agent and amount, and what only a procedure has.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SiteFields {
    pub muscle: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// `injection`, `dry-needling` or `manual`.
    pub kind: String,
    pub agent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_ml: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concentration_percent: Option<f64>,
    pub points: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technique: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconstitution_ml: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vial_units: Option<f64>,
    /// For a corticosteroid: `single-dose` or `multi-dose`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vial: Option<taut_core::plan::Container>,
    /// A single-dose vial's labeled content in mg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vial_mg: Option<f64>,
}

/// Consent as recorded with a procedure (a procedure is recorded only once consent was obtained).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConsentFields {
    #[serde(default)]
    pub risks_discussed: Vec<String>,
    pub by: String,
}

/// A procedure's fields as exported and imported.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProcedureFields {
    pub started_at: String,
    pub ended_at: String,
    pub consent: ConsentFields,
    pub sites: Vec<SiteFields>,
    pub complications: Vec<String>,
    /// ICD-10-CM codes the clinician chose.
    pub diagnoses: Vec<String>,
    pub notes: Option<String>,
}

/// An adverse event's fields as exported and imported.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AdverseEventFields {
    /// A side-effect id of the follow-up catalog.
    pub effect: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// `YYYY-MM-DD`.
    pub onset: String,
    /// `mild`, `moderate`, `severe` or `serious`.
    pub severity: String,
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A stored adverse event for export, with its side effect's name from the catalog.
#[derive(Debug, Clone)]
pub struct AdverseEventEntry {
    pub id: String,
    pub fields: AdverseEventFields,
    pub effect_name: Option<String>,
}

/// A stored procedure for export: its fields, the billing lines derived from them, its adverse events and
/// the self-care sheet its sites call for (absent when none can be printed).
#[derive(Debug, Clone)]
pub struct ProcedureEntry {
    pub id: String,
    pub encounter_id: String,
    pub fields: ProcedureFields,
    pub codes: Vec<Code>,
    pub adverse_events: Vec<AdverseEventEntry>,
    pub self_care: Option<SelfCareSheet>,
}

/// The fields of a record as the parts of a complex extension: one part per field that has a value, a list
/// as one part per entry. Numbers keep their kind (integer or decimal).
pub fn to_parts(value: &impl Serialize) -> Vec<Extension> {
    let Ok(Value::Object(fields)) = serde_json::to_value(value) else {
        return Vec::new();
    };
    let mut parts = Vec::new();
    for (name, value) in fields {
        let values = match value {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            other => vec![other],
        };
        for value in values {
            let mut part = Extension {
                url: name.clone(),
                ..Extension::default()
            };
            match value {
                Value::String(s) => part.value_string = Some(s),
                Value::Bool(b) => part.value_boolean = Some(b),
                Value::Number(n) => match n.as_i64() {
                    Some(i) if !n.is_f64() => part.value_integer = Some(i),
                    _ => part.value_decimal = n.as_f64(),
                },
                _ => continue,
            }
            parts.push(part);
        }
    }
    parts
}

/// Reads a record back from the parts of a complex extension; `lists` names the fields that are lists.
pub fn from_parts<T: serde::de::DeserializeOwned>(parts: &[Extension], lists: &[&str]) -> Result<T, serde_json::Error> {
    let mut fields = Map::new();
    for list in lists {
        fields.insert((*list).to_owned(), Value::Array(Vec::new()));
    }
    for part in parts {
        let value = if let Some(s) = &part.value_string {
            Value::from(s.clone())
        } else if let Some(b) = part.value_boolean {
            Value::from(b)
        } else if let Some(i) = part.value_integer {
            Value::from(i)
        } else if let Some(d) = part.value_decimal {
            Value::from(d)
        } else if let Some(d) = &part.value_date {
            Value::from(d.clone())
        } else {
            Value::Null
        };
        match fields.get_mut(&part.url) {
            Some(Value::Array(items)) => items.push(value),
            _ => {
                fields.insert(part.url.clone(), value);
            }
        }
    }
    serde_json::from_value(Value::Object(fields))
}

fn complex(name: &str, parts: Vec<Extension>) -> Extension {
    Extension {
        url: codes::taut(name),
        extension: parts,
        ..Extension::default()
    }
}

/// Which patient and encounter a procedure's resources belong to.
pub(crate) struct Owner<'a> {
    pub patient: &'a str,
    pub encounter: &'a str,
}

impl Owner<'_> {
    fn patient(&self) -> Option<Reference> {
        Some(Reference::to(format!("Patient/{}", self.patient)))
    }

    fn encounter(&self) -> Option<Reference> {
        Some(Reference::to(format!("Encounter/{}", self.encounter)))
    }
}

fn muscle_site(atlas: &Atlas, site: &SiteFields) -> CodeableConcept {
    let name = atlas
        .muscle(&site.muscle)
        .map_or_else(|_| site.muscle.clone(), |m| m.name.clone());
    body_site(taut::MUSCLE, &site.muscle, &name, site.side.as_deref())
}

fn kind_text(kind: &str) -> &'static str {
    match kind {
        "injection" => "Trigger point injection",
        "dry-needling" => "Dry needling",
        _ => "Manual therapy",
    }
}

/// The id of a site's MedicationAdministration.
fn administration_id(procedure: &str, i: usize) -> String {
    format!("{procedure}-site-{i}")
}

/// The resources of one procedure: the Procedure, a MedicationAdministration per injected site, an
/// AdverseEvent per event, the CarePlan of its self-care sheet.
pub(crate) fn resources(owner: &Owner, entry: &ProcedureEntry, atlas: &Atlas) -> Vec<Resource> {
    let f = &entry.fields;
    let period = Some(Period {
        start: Some(f.started_at.clone()),
        end: Some(f.ended_at.clone()),
    });
    let mut kinds: Vec<&str> = Vec::new();
    for site in &f.sites {
        if !kinds.contains(&kind_text(&site.kind)) {
            kinds.push(kind_text(&site.kind));
        }
    }
    // R4 gives a Procedure one code: the first CPT line (the injection's when there is one); every billing line,
    // with its units and modifier, is in the billing-line extensions.
    let mut code = entry
        .codes
        .iter()
        .find(|c| c.system == "CPT")
        .map_or_else(CodeableConcept::default, |c| {
            CodeableConcept::coded(codes::CPT, &c.code, None)
        });
    code.text = Some(kinds.join(", "));
    let mut extension: Vec<Extension> = f
        .sites
        .iter()
        .map(|s| complex(taut::PROCEDURE_SITE, to_parts(s)))
        .collect();
    extension.push(complex(taut::CONSENT, to_parts(&f.consent)));
    extension.extend(entry.codes.iter().map(|c| complex(taut::BILLING_LINE, to_parts(c))));
    let mut body_sites: Vec<CodeableConcept> = Vec::new();
    for site in &f.sites {
        let concept = muscle_site(atlas, site);
        if !body_sites.contains(&concept) {
            body_sites.push(concept);
        }
    }
    let procedure = Procedure {
        id: Some(entry.id.clone()),
        extension,
        status: "completed".into(),
        code: Some(code),
        subject: owner.patient(),
        encounter: owner.encounter(),
        performed_period: period.clone(),
        reason_code: f
            .diagnoses
            .iter()
            .map(|d| CodeableConcept::coded(codes::ICD10CM, d, None))
            .collect(),
        body_site: body_sites,
        complication: f.complications.iter().map(|c| CodeableConcept::text(c)).collect(),
        note: f.notes.iter().map(|n| Annotation { text: n.clone() }).collect(),
    };
    let mut out = vec![Resource::Procedure(Box::new(procedure))];
    let procedure_ref = Reference::to(format!("Procedure/{}", entry.id));
    let mut administrations = Vec::new();
    for (i, site) in f.sites.iter().enumerate().filter(|(_, s)| s.kind == "injection") {
        let id = administration_id(&entry.id, i);
        administrations.push(Reference::to(format!("MedicationAdministration/{id}")));
        out.push(Resource::MedicationAdministration(Box::new(administration(
            owner,
            &procedure_ref,
            id,
            site,
            period.clone(),
            atlas,
        ))));
    }
    for event in &entry.adverse_events {
        let mut suspects = vec![SuspectEntity {
            instance: procedure_ref.clone(),
        }];
        suspects.extend(administrations.iter().map(|a| SuspectEntity { instance: a.clone() }));
        out.push(Resource::AdverseEvent(Box::new(adverse_event(owner, event, suspects))));
    }
    if let Some(sheet) = &entry.self_care {
        out.push(Resource::CarePlan(Box::new(care_plan(
            owner,
            entry,
            sheet,
            procedure_ref,
        ))));
    }
    out
}

fn administration(
    owner: &Owner,
    procedure: &Reference,
    id: String,
    site: &SiteFields,
    period: Option<Period>,
    atlas: &Atlas,
) -> MedicationAdministration {
    let agent = CodeableConcept {
        text: Some(site.agent.clone()),
        ..CodeableConcept::coded(&codes::taut(taut::AGENT), &site.agent, Some(&site.agent))
    };
    let batch = (site.lot.is_some() || site.expiry.is_some()).then(|| Batch {
        lot_number: site.lot.clone(),
        expiration_date: site.expiry.clone(),
    });
    let mut text = Vec::new();
    if let (Some(amount), Some(unit)) = (site.amount, &site.amount_unit) {
        text.push(format!("{amount} {unit}"));
    }
    if let Some(volume) = site.volume_ml {
        text.push(format!("{volume} mL"));
    }
    text.push(format!("{} point(s)", site.points));
    let (route, route_display) = codes::ROUTE_INTRAMUSCULAR;
    MedicationAdministration {
        id: Some(id),
        contained: vec![Medication {
            resource_type: "Medication".into(),
            id: Some("agent".into()),
            code: Some(agent),
            batch,
        }],
        part_of: vec![procedure.clone()],
        status: "completed".into(),
        medication_reference: Some(Reference::to("#agent".into())),
        medication_codeable_concept: None,
        subject: owner.patient(),
        context: owner.encounter(),
        effective_period: period,
        dosage: Some(Dosage {
            text: Some(text.join(", ")),
            site: Some(muscle_site(atlas, site)),
            route: Some(CodeableConcept::coded(codes::ROUTE, route, Some(route_display))),
            dose: site
                .amount
                .zip(site.amount_unit.as_deref())
                .map(|(value, unit)| quantity(value, unit)),
        }),
    }
}

fn adverse_event(owner: &Owner, event: &AdverseEventEntry, suspects: Vec<SuspectEntity>) -> AdverseEvent {
    let f = &event.fields;
    let name = event.effect_name.as_deref().unwrap_or(&f.effect);
    let serious = f.severity == "serious";
    let (outcome, outcome_display) = if f.resolved_on.is_some() {
        ("resolved", "Resolved")
    } else {
        ("ongoing", "Ongoing")
    };
    AdverseEvent {
        id: Some(event.id.clone()),
        extension: vec![complex(taut::ADVERSE_EVENT, to_parts(f))],
        actuality: "actual".into(),
        event: Some(CodeableConcept {
            text: Some(name.to_owned()),
            ..CodeableConcept::coded(&codes::taut(taut::SIDE_EFFECT), &f.effect, Some(name))
        }),
        subject: owner.patient(),
        date: Some(f.onset.clone()),
        seriousness: Some(if serious {
            CodeableConcept::coded(codes::AE_SERIOUSNESS, "serious", Some("Serious"))
        } else {
            CodeableConcept::coded(codes::AE_SERIOUSNESS, "non-serious", Some("Non-serious"))
        }),
        outcome: Some(CodeableConcept::coded(
            codes::AE_OUTCOME,
            outcome,
            Some(outcome_display),
        )),
        suspect_entity: suspects,
    }
}

fn care_plan(owner: &Owner, entry: &ProcedureEntry, sheet: &SelfCareSheet, procedure: Reference) -> CarePlan {
    let activity = sheet
        .points
        .iter()
        .map(|p| {
            let side = p.side.as_deref().map(|s| format!(", {s}")).unwrap_or_default();
            Activity {
                // Taut does not track how the programme goes on, only what it is.
                detail: ActivityDetail {
                    status: "unknown".into(),
                    code: Some(CodeableConcept::coded(
                        &codes::taut(taut::TRIGGER_POINT),
                        &p.trigger_point,
                        Some(&p.muscle),
                    )),
                    description: Some(format!("{}{side}: press: {} Stretch: {}", p.muscle, p.press, p.stretch)),
                },
            }
        })
        .collect();
    let notes = sheet
        .heat_or_ice
        .iter()
        .cloned()
        .chain(sheet.call_when.iter().map(|c| format!("Call the clinic: {c}")))
        .chain(sheet.emergency_when.iter().map(|e| format!("Emergency care: {e}")))
        .map(|text| Annotation { text })
        .collect();
    CarePlan {
        id: Some(format!("{}-self-care", entry.id)),
        status: "unknown".into(),
        intent: "plan".into(),
        category: vec![CodeableConcept::coded(
            &codes::taut(taut::RECORD_KIND),
            taut::CARE_PLAN,
            Some("Self-care programme"),
        )],
        title: Some("Self-care after trigger point treatment".into()),
        description: Some(format!("{} {}", sheet.press_how, sheet.stretch_how)),
        subject: owner.patient(),
        encounter: owner.encounter(),
        supporting_info: vec![procedure],
        activity,
        note: notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_every_kind_of_field() {
        let site = SiteFields {
            muscle: "masseter".into(),
            side: Some("left".into()),
            kind: "injection".into(),
            agent: "incobotulinumtoxinA".into(),
            amount: Some(15.0),
            amount_unit: Some("U".into()),
            volume_ml: Some(0.375),
            points: 2,
            lot: Some("L1".into()),
            expiry: Some("2027-01-31".into()),
            ..SiteFields::default()
        };
        let parts = to_parts(&site);
        let amount = parts.iter().find(|p| p.url == "amount").expect("amount");
        assert_eq!(amount.value_decimal, Some(15.0), "a decimal stays a decimal");
        let points = parts.iter().find(|p| p.url == "points").expect("points");
        assert_eq!(points.value_integer, Some(2));
        assert!(parts.iter().all(|p| p.url != "needle"), "an absent field has no part");
        assert_eq!(from_parts::<SiteFields>(&parts, &[]).expect("reads"), site);

        // A steroid's vial travels as its own parts and reads back; an unknown vial kind is refused.
        let steroid = SiteFields {
            agent: "triamcinolone-acetonide".into(),
            amount: Some(20.0),
            amount_unit: Some("mg".into()),
            vial: Some(taut_core::plan::Container::SingleDose),
            vial_mg: Some(40.0),
            ..site.clone()
        };
        let parts = to_parts(&steroid);
        let vial = parts.iter().find(|p| p.url == "vial").expect("vial");
        assert_eq!(vial.value_string.as_deref(), Some("single-dose"));
        assert_eq!(from_parts::<SiteFields>(&parts, &[]).expect("reads"), steroid);
        let mut glass = parts.clone();
        for part in &mut glass {
            if part.url == "vial" {
                part.value_string = Some("glass".into());
            }
        }
        assert!(from_parts::<SiteFields>(&glass, &[]).is_err());

        let consent = ConsentFields {
            risks_discussed: vec!["soreness".into(), "bruising".into()],
            by: "Dr A".into(),
        };
        let parts = to_parts(&consent);
        assert_eq!(parts.len(), 3, "one part per list entry");
        assert_eq!(
            from_parts::<ConsentFields>(&parts, &["risks_discussed"]).expect("reads"),
            consent
        );
        let none = ConsentFields {
            risks_discussed: vec![],
            by: "Dr A".into(),
        };
        assert_eq!(
            from_parts::<ConsentFields>(&to_parts(&none), &["risks_discussed"]).expect("reads"),
            none
        );
    }
}
