//! Rust and the database agree on every closed vocabulary: each value of each enum is inserted through the
//! store on both engines, so a value added in Rust without its `CHECK` (a new migration) fails here, not in a
//! clinic.

use taut_atlas::Side;
use taut_core::differential::{BodySide, Sex};
use taut_core::exam::{Classification, Sign, Signs};
use taut_core::records::{Demographics, EncounterFields, FindingFields, OutcomeFields, PainMark};
use taut_core::vocab::{EncounterKind, Measure, PainQuality, Profession, Role, Vocabulary};
use taut_store::testing::backends;
use taut_store::{EncounterRecord, FindingRecord, OutcomeRecord, PainMarkRecord, PatientRecord, Store, UserRecord};

const AT: &str = "2026-11-26T09:00:00.000000Z";

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn user(store: &Store, role: Role, profession: Profession) -> UserRecord {
    let user = UserRecord {
        id: id(),
        username: format!("{}-{}", role.id(), profession.id()),
        role: role.id().into(),
        profession: profession.id().into(),
        disabled: false,
        created_at: AT.into(),
    };
    let mut tx = store.begin().await.expect("begin");
    tx.insert_user(&user, "$argon2id$dummy")
        .await
        .unwrap_or_else(|e| panic!("role {} and profession {}: {e}", role.id(), profession.id()));
    tx.commit().await.expect("commit");
    user
}

async fn patient(store: &Store, sex: Sex, by: &UserRecord) -> PatientRecord {
    let record = PatientRecord {
        id: id(),
        demographics: Demographics {
            mrn: format!("MRN-{}", sex.id()),
            given_name: "Ada".into(),
            family_name: "Lovelace".into(),
            birth_date: "1980-02-29".into(),
            sex: sex.id().into(),
            weight_kg: None,
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
    let mut tx = store.begin().await.expect("begin");
    tx.insert_patient(&record, &by.id)
        .await
        .unwrap_or_else(|e| panic!("sex {}: {e}", sex.id()));
    tx.commit().await.expect("commit");
    record
}

async fn encounter(store: &Store, kind: EncounterKind, patient: &PatientRecord, by: &UserRecord) -> EncounterRecord {
    let record = EncounterRecord {
        id: id(),
        patient_id: patient.id.clone(),
        fields: EncounterFields {
            kind: kind.id().into(),
            occurred_at: AT.into(),
            notes: None,
        },
        clinician_id: by.id.clone(),
        created_at: AT.into(),
    };
    let mut tx = store.begin().await.expect("begin");
    tx.insert_encounter(&record)
        .await
        .unwrap_or_else(|e| panic!("encounter kind {}: {e}", kind.id()));
    tx.commit().await.expect("commit");
    record
}

#[tokio::test]
async fn every_role_and_profession_is_stored() {
    for store in backends().await {
        for role in Role::iter_all() {
            for profession in Profession::iter_all() {
                user(&store, role, profession).await;
            }
        }
    }
}

#[tokio::test]
async fn every_sex_and_encounter_kind_is_stored() {
    for store in backends().await {
        let by = user(&store, Role::Clinician, Profession::Physician).await;
        for sex in Sex::iter_all() {
            let p = patient(&store, sex, &by).await;
            for kind in EncounterKind::iter_all() {
                encounter(&store, kind, &p, &by).await;
            }
        }
    }
}

#[tokio::test]
async fn every_region_side_and_pain_quality_is_stored() {
    for store in backends().await {
        let by = user(&store, Role::Clinician, Profession::Physician).await;
        let p = patient(&store, Sex::Female, &by).await;
        let visit = encounter(&store, EncounterKind::Assessment, &p, &by).await;
        let sides = [None, Some(Side::Left), Some(Side::Right), Some(Side::Both)];
        for quality in PainQuality::iter_all() {
            for side in sides {
                let mark = PainMarkRecord {
                    id: id(),
                    encounter_id: visit.id.clone(),
                    mark: PainMark {
                        region: "temple".into(),
                        side: side.map(|s| s.as_str().to_owned()),
                        intensity: 5,
                        quality: Some(quality.id().into()),
                    },
                    created_at: AT.into(),
                };
                let mut tx = store.begin().await.expect("begin");
                tx.insert_pain_mark(&mark, &by.id)
                    .await
                    .unwrap_or_else(|e| panic!("side {side:?}, quality {}: {e}", quality.id()));
                tx.commit().await.expect("commit");
            }
        }
    }
}

#[tokio::test]
async fn every_sign_and_muscle_side_is_stored_in_a_finding() {
    for store in backends().await {
        let by = user(&store, Role::Clinician, Profession::Physician).await;
        let p = patient(&store, Sex::Male, &by).await;
        let visit = encounter(&store, EncounterKind::Assessment, &p, &by).await;
        let sides = std::iter::once(None).chain(BodySide::iter_all().map(Some));
        for side in sides {
            for sign in Sign::iter_all() {
                let signs = Signs {
                    taut_band: sign,
                    spot_tenderness: sign,
                    referred_pain: sign,
                    pain_recognised: sign,
                    local_twitch: sign,
                    jump_sign: sign,
                };
                let finding = FindingRecord {
                    id: id(),
                    encounter_id: visit.id.clone(),
                    fields: FindingFields {
                        trigger_point: "trapezius-upper-trp1".into(),
                        muscle: "trapezius".into(),
                        side: side.map(|s| s.id().to_owned()),
                        signs,
                        pressure_threshold_kg_cm2: None,
                        notes: None,
                    },
                    classification: Classification::Insufficient,
                    created_at: AT.into(),
                };
                let mut tx = store.begin().await.expect("begin");
                tx.insert_finding(&finding, &by.id)
                    .await
                    .unwrap_or_else(|e| panic!("side {side:?}, sign {}: {e}", sign.id()));
                tx.commit().await.expect("commit");
            }
        }
    }
}

#[tokio::test]
async fn every_measure_is_stored() {
    for store in backends().await {
        let by = user(&store, Role::Clinician, Profession::Physician).await;
        let p = patient(&store, Sex::Other, &by).await;
        for measure in Measure::iter_all() {
            let outcome = OutcomeRecord {
                id: id(),
                patient_id: p.id.clone(),
                fields: OutcomeFields {
                    measure: measure.id().into(),
                    name: Some("measured".into()),
                    value: 1.0,
                    unit: "u".into(),
                    encounter_id: None,
                    recorded_at: AT.into(),
                },
                created_at: AT.into(),
            };
            let mut tx = store.begin().await.expect("begin");
            tx.insert_outcome(&outcome, &by.id)
                .await
                .unwrap_or_else(|e| panic!("measure {}: {e}", measure.id()));
            tx.commit().await.expect("commit");
        }
    }
}
