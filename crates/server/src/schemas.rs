//! The response shapes of the main `/api/v1` routes, for the OpenAPI document only. The records are the store's
//! and the app's types, which do not depend on the schema library; these mirror their JSON field for field, and
//! the test below serialises real records and compares their fields with these schemas, so that the two cannot
//! drift apart unnoticed.

#![allow(dead_code)] // documents shapes the handlers write from the app's types; never built itself

use serde::Serialize;
use utoipa::ToSchema;

/// A patient record: its id, demographics, version (also the ETag) and stamps; `deleted_at` and
/// `delete_reason` only on a deleted patient.
#[derive(Serialize, ToSchema)]
pub struct Patient {
    pub id: String,
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub sex: String,
    pub weight_kg: Option<f64>,
    pub allergies: Vec<String>,
    pub conditions: Vec<String>,
    pub medications: Vec<String>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub deleted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub delete_reason: Option<String>,
}

/// A visit.
#[derive(Serialize, ToSchema)]
pub struct Encounter {
    pub id: String,
    pub patient_id: String,
    /// `assessment`, `procedure` or `follow-up`.
    pub kind: String,
    pub occurred_at: String,
    pub notes: Option<String>,
    pub clinician_id: String,
    pub created_at: String,
}

/// An outcome measure.
#[derive(Serialize, ToSchema)]
pub struct Outcome {
    pub id: String,
    pub patient_id: String,
    pub measure: String,
    pub name: Option<String>,
    pub value: f64,
    pub unit: String,
    pub encounter_id: Option<String>,
    pub recorded_at: String,
    pub created_at: String,
}

/// An adverse event with the flags computed as of today.
#[derive(Serialize, ToSchema)]
pub struct AdverseEvent {
    pub id: String,
    pub procedure_id: String,
    pub patient_id: String,
    /// A side-effect id of the follow-up catalog.
    pub effect: String,
    pub site: Option<String>,
    /// `YYYY-MM-DD`.
    pub onset: String,
    /// `mild`, `moderate`, `severe` or `serious`.
    pub severity: String,
    pub actions: Vec<String>,
    pub resolved_on: Option<String>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_by: String,
    pub updated_at: String,
    /// Open after the end of its catalog window.
    pub overdue: bool,
    pub serious: bool,
    /// Onset plus the catalog's longest resolution; `null` when the catalog has no sourced window.
    pub expected_resolution_by: Option<String>,
    pub open: bool,
}

/// A procedure's adverse events.
#[derive(Serialize, ToSchema)]
pub struct AdverseEvents {
    pub items: Vec<AdverseEvent>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;
    use utoipa::OpenApi;

    use crate::openapi::ApiDoc;

    /// The property names of a component schema of the generated document.
    fn properties(name: &str) -> BTreeSet<String> {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("document");
        doc["components"]["schemas"][name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} is in the document"))
            .keys()
            .cloned()
            .collect()
    }

    fn keys(value: &Value) -> BTreeSet<String> {
        value.as_object().expect("an object").keys().cloned().collect()
    }

    #[test]
    fn the_schemas_name_every_field_of_the_records() {
        let demographics = taut_core::records::Demographics {
            mrn: "M-1".into(),
            given_name: "Ada".into(),
            family_name: "L".into(),
            birth_date: "1980-01-01".into(),
            sex: "female".into(),
            weight_kg: None,
            allergies: vec![],
            conditions: vec![],
            medications: vec![],
            notes: None,
        };
        let patient = taut_store::PatientRecord {
            id: "p".into(),
            demographics,
            version: 1,
            created_at: "t".into(),
            updated_at: "t".into(),
            deleted_at: Some("t".into()),
            delete_reason: Some("r".into()),
        };
        assert_eq!(
            keys(&serde_json::to_value(&patient).expect("json")),
            properties("Patient")
        );

        let encounter = taut_store::EncounterRecord {
            id: "e".into(),
            patient_id: "p".into(),
            fields: taut_core::records::EncounterFields {
                kind: "assessment".into(),
                occurred_at: "t".into(),
                notes: None,
            },
            clinician_id: "c".into(),
            created_at: "t".into(),
        };
        assert_eq!(
            keys(&serde_json::to_value(&encounter).expect("json")),
            properties("Encounter")
        );

        let outcome = taut_store::OutcomeRecord {
            id: "o".into(),
            patient_id: "p".into(),
            fields: taut_core::records::OutcomeFields {
                measure: "pain-nrs".into(),
                name: None,
                value: 3.0,
                unit: "NRS".into(),
                encounter_id: None,
                recorded_at: "t".into(),
            },
            created_at: "t".into(),
        };
        assert_eq!(
            keys(&serde_json::to_value(&outcome).expect("json")),
            properties("Outcome")
        );

        let event = taut_app::AdverseEventDetail {
            event: taut_store::AdverseEventRecord {
                id: "a".into(),
                procedure_id: "x".into(),
                patient_id: "p".into(),
                effect: "bruising-hematoma".into(),
                site: None,
                onset: "2026-01-01".into(),
                severity: "mild".into(),
                actions: vec![],
                resolved_on: None,
                notes: None,
                version: 1,
                created_by: "c".into(),
                created_at: "t".into(),
                updated_by: "c".into(),
                updated_at: "t".into(),
            },
            flags: taut_core::followup::EventFlags {
                overdue: false,
                serious: false,
                expected_resolution_by: None,
                open: true,
            },
        };
        assert_eq!(
            keys(&serde_json::to_value(&event).expect("json")),
            properties("AdverseEvent")
        );
    }
}
