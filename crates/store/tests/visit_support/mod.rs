//! A clinician, a patient and a visit to record against, for the store suites of plans, procedures and follow-up.
// Each test binary that includes this module uses its own part of it.
#![allow(dead_code)]

use taut_core::records::{Demographics, EncounterFields};
use taut_store::{EncounterRecord, PatientRecord, Store, UserRecord};

pub fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub const AT: &str = "2026-11-26T09:00:00.000000Z";

/// A user, a patient and an encounter to hang sessions on.
pub async fn setting(store: &Store) -> (UserRecord, PatientRecord, EncounterRecord) {
    let user = UserRecord {
        id: id(),
        username: "doc".into(),
        role: "clinician".into(),
        profession: "physician".into(),
        disabled: false,
        created_at: AT.into(),
    };
    let patient = PatientRecord {
        id: id(),
        demographics: Demographics {
            mrn: "MRN-1".into(),
            given_name: "Ada".into(),
            family_name: "Lovelace".into(),
            birth_date: "1980-02-29".into(),
            sex: "female".into(),
            weight_kg: Some(61.5),
            allergies: vec![],
            conditions: vec![],
            medications: vec![],
            notes: None,
        },
        version: 1,
        created_at: AT.into(),
        updated_at: AT.into(),
        deleted_at: None,
        delete_reason: None,
    };
    let encounter = EncounterRecord {
        id: id(),
        patient_id: patient.id.clone(),
        fields: EncounterFields {
            kind: "procedure".into(),
            occurred_at: AT.into(),
            notes: None,
        },
        clinician_id: user.id.clone(),
        created_at: AT.into(),
    };
    let mut tx = store.begin().await.expect("begin");
    tx.insert_user(&user, "$argon2id$dummy").await.expect("user");
    tx.insert_patient(&patient, &user.id).await.expect("patient");
    tx.insert_encounter(&encounter).await.expect("encounter");
    tx.commit().await.expect("commit");
    (user, patient, encounter)
}
