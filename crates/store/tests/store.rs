//! One store test suite, run against SQLite and PostgreSQL (see `taut_store::testing`).

use taut_core::exam::{Classification, Sign, Signs};
use taut_core::records::{Demographics, EncounterFields, FindingFields, OutcomeFields, PainMark};
use taut_store::{
    EncounterRecord, Engine, FindingRecord, NewAudit, OutcomeRecord, PainMarkRecord, PatientRecord, Store, StoreError,
    UserRecord,
};

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

use taut_store::testing::{backends, sqlite};

async fn user(store: &Store, username: &str) -> UserRecord {
    let user = UserRecord {
        id: id(),
        username: username.into(),
        role: "clinician".into(),
        profession: "physician".into(),
        disabled: false,
        created_at: "2026-11-26T09:00:00.000000Z".into(),
    };
    let mut tx = store.begin().await.expect("begin");
    tx.insert_user(&user, "$argon2id$dummy").await.expect("insert user");
    tx.commit().await.expect("commit");
    user
}

fn demographics(mrn: &str, family: &str) -> Demographics {
    Demographics {
        mrn: mrn.into(),
        given_name: "Ada".into(),
        family_name: family.into(),
        birth_date: "1980-02-29".into(),
        sex: "female".into(),
        weight_kg: Some(61.5),
        allergies: vec!["lidocaine".into()],
        conditions: vec![],
        medications: vec!["anticoagulant".into()],
        notes: None,
    }
}

fn patient(mrn: &str, family: &str) -> PatientRecord {
    PatientRecord {
        id: id(),
        demographics: demographics(mrn, family),
        version: 1,
        created_at: "2026-11-26T09:00:00.000000Z".into(),
        updated_at: "2026-11-26T09:00:00.000000Z".into(),
        deleted_at: None,
        delete_reason: None,
    }
}

fn assessment(patient: &PatientRecord, clinician: &UserRecord) -> EncounterRecord {
    EncounterRecord {
        id: id(),
        patient_id: patient.id.clone(),
        fields: EncounterFields {
            kind: "assessment".into(),
            occurred_at: "2026-11-26T09:30:00.000000Z".into(),
            notes: None,
        },
        clinician_id: clinician.id.clone(),
        created_at: "2026-11-26T09:30:00.000000Z".into(),
    }
}

async fn insert(store: &Store, p: &PatientRecord, by: &UserRecord) {
    let mut tx = store.begin().await.expect("begin");
    tx.insert_patient(p, &by.id).await.expect("insert patient");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn patients_round_trip_and_search_ignores_case() {
    for store in backends().await {
        let clinician = user(&store, "doc").await;
        let ada = patient("MRN-1", "Lovelace");
        insert(&store, &ada, &clinician).await;
        insert(&store, &patient("MRN-2", "Babbage"), &clinician).await;
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(tx.patient(&ada.id).await.expect("read"), ada, "{:?}", store.engine());
        let found = tx.search_patients("LOVE", 10, 0).await.expect("search");
        assert_eq!(
            found.iter().map(|p| p.demographics.mrn.as_str()).collect::<Vec<_>>(),
            ["MRN-1"]
        );
        let by_mrn = tx.search_patients("mrn-2", 10, 0).await.expect("search");
        assert_eq!(by_mrn.len(), 1);
        let all = tx.search_patients("", 10, 0).await.expect("all");
        assert_eq!(all[0].demographics.family_name, "Babbage", "sorted by family name");
        assert_eq!(tx.search_patients("", 1, 1).await.expect("page 2").len(), 1);
        assert_eq!(tx.search_patients("100%", 10, 0).await.expect("literal %").len(), 0);
    }
}

#[tokio::test]
async fn a_duplicate_mrn_is_a_conflict() {
    for store in backends().await {
        let clinician = user(&store, "doc").await;
        insert(&store, &patient("MRN-1", "Lovelace"), &clinician).await;
        let mut tx = store.begin().await.expect("begin");
        let err = tx
            .insert_patient(&patient("MRN-1", "Other"), &clinician.id)
            .await
            .expect_err("duplicate");
        assert!(matches!(&err, StoreError::Conflict(m) if m.contains("MRN-1")), "{err}");
    }
}

#[tokio::test]
async fn edits_need_the_current_version_and_keep_history() {
    for store in backends().await {
        let clinician = user(&store, "doc").await;
        let ada = patient("MRN-1", "Lovelace");
        insert(&store, &ada, &clinician).await;
        let mut tx = store.begin().await.expect("begin");
        let changed = demographics("MRN-1", "Byron");
        let v2 = tx
            .update_patient(&ada.id, 1, &changed, &clinician.id, "2026-11-26T10:00:00.000000Z")
            .await
            .expect("update");
        assert_eq!((v2.version, v2.demographics.family_name.as_str()), (2, "Byron"));
        let stale = tx
            .update_patient(
                &ada.id,
                1,
                &demographics("MRN-1", "X"),
                &clinician.id,
                "2026-11-26T11:00:00.000000Z",
            )
            .await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
        let deleted = tx
            .delete_patient(
                &ada.id,
                2,
                "duplicate record",
                &clinician.id,
                "2026-11-26T12:00:00.000000Z",
            )
            .await
            .expect("delete");
        assert_eq!(deleted.version, 3);
        assert_eq!(deleted.delete_reason.as_deref(), Some("duplicate record"));
        assert!(
            tx.search_patients("Byron", 10, 0).await.expect("search").is_empty(),
            "deleted patients are hidden"
        );
        let again = tx
            .update_patient(&ada.id, 3, &changed, &clinician.id, "2026-11-26T13:00:00.000000Z")
            .await;
        assert!(
            matches!(again, Err(StoreError::NotFound)),
            "a deleted patient cannot be edited"
        );
        let history = tx.patient_versions(&ada.id).await.expect("history");
        assert_eq!(history.iter().map(|v| v.version).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(history[0].record.family_name, "Lovelace", "the first version is kept");
        assert_eq!(history[2].deleted_at.as_deref(), Some("2026-11-26T12:00:00.000000Z"));
        tx.commit().await.expect("commit");
    }
}

#[tokio::test]
async fn an_uncommitted_transaction_leaves_nothing() {
    for store in backends().await {
        let clinician = user(&store, "doc").await;
        let ada = patient("MRN-1", "Lovelace");
        {
            let mut tx = store.begin().await.expect("begin");
            tx.insert_patient(&ada, &clinician.id).await.expect("insert");
        }
        let mut tx = store.begin().await.expect("begin");
        assert!(matches!(tx.patient(&ada.id).await, Err(StoreError::NotFound)));
    }
}

#[tokio::test]
async fn clinical_records_round_trip_with_derived_classification() {
    for store in backends().await {
        let clinician = user(&store, "doc").await;
        let ada = patient("MRN-1", "Lovelace");
        insert(&store, &ada, &clinician).await;
        let encounter = assessment(&ada, &clinician);
        let mark = PainMarkRecord {
            id: id(),
            encounter_id: encounter.id.clone(),
            mark: PainMark {
                region: "temple".into(),
                side: Some("right".into()),
                intensity: 7,
                quality: Some("aching".into()),
            },
            created_at: "2026-11-26T09:31:00.000000Z".into(),
        };
        let signs = Signs {
            taut_band: Sign::Yes,
            spot_tenderness: Sign::Yes,
            pain_recognised: Sign::Yes,
            ..Signs::default()
        };
        let finding = FindingRecord {
            id: id(),
            encounter_id: encounter.id.clone(),
            fields: FindingFields {
                trigger_point: "trapezius-upper-trp1".into(),
                muscle: "trapezius".into(),
                side: Some("right".into()),
                signs,
                pressure_threshold_kg_cm2: Some(2.25),
                notes: None,
            },
            classification: Classification::Active,
            created_at: "2026-11-26T09:32:00.000000Z".into(),
        };
        let outcome = OutcomeRecord {
            id: id(),
            patient_id: ada.id.clone(),
            fields: OutcomeFields {
                measure: "pain-nrs".into(),
                name: None,
                value: 6.0,
                unit: "NRS".into(),
                encounter_id: Some(encounter.id.clone()),
                recorded_at: "2026-11-26T09:33:00.000000Z".into(),
            },
            created_at: "2026-11-26T09:33:00.000000Z".into(),
        };
        let mut tx = store.begin().await.expect("begin");
        tx.insert_encounter(&encounter).await.expect("encounter");
        tx.insert_pain_mark(&mark, &clinician.id).await.expect("mark");
        tx.insert_finding(&finding, &clinician.id).await.expect("finding");
        tx.insert_outcome(&outcome, &clinician.id).await.expect("outcome");
        tx.commit().await.expect("commit");

        let mut tx = store.begin().await.expect("begin");
        assert_eq!(
            tx.encounters(&ada.id).await.expect("encounters"),
            std::slice::from_ref(&encounter)
        );
        assert_eq!(tx.pain_marks(&encounter.id).await.expect("marks"), [mark]);
        assert_eq!(tx.findings(&encounter.id).await.expect("findings"), [finding]);
        assert_eq!(tx.outcomes(&ada.id).await.expect("outcomes"), [outcome]);
    }
}

#[tokio::test]
async fn the_schema_rejects_impossible_values() {
    for store in backends().await {
        let clinician = user(&store, "doc").await;
        let ada = patient("MRN-1", "Lovelace");
        insert(&store, &ada, &clinician).await;
        let encounter = assessment(&ada, &clinician);
        let mut tx = store.begin().await.expect("begin");
        tx.insert_encounter(&encounter).await.expect("encounter");
        let mark = PainMarkRecord {
            id: id(),
            encounter_id: encounter.id.clone(),
            mark: PainMark {
                region: "temple".into(),
                side: Some("up".into()),
                intensity: 11,
                quality: None,
            },
            created_at: "2026-11-26T09:31:00.000000Z".into(),
        };
        assert!(
            tx.insert_pain_mark(&mark, &clinician.id).await.is_err(),
            "{:?}",
            store.engine()
        );
        let orphan = EncounterRecord {
            id: id(),
            patient_id: "no-such-patient".into(),
            ..encounter
        };
        assert!(
            tx.insert_encounter(&orphan).await.is_err(),
            "foreign keys are enforced on {:?}",
            store.engine()
        );
    }
}

async fn append(store: &Store, n: usize) {
    for i in 0..n {
        let mut tx = store.begin().await.expect("begin");
        let entry_id = id();
        let record = format!("r{i}");
        tx.audit(NewAudit {
            id: &entry_id,
            at: "2026-11-26T09:00:00.000000Z",
            actor_id: None,
            actor: "tester",
            action: "patient.read",
            patient_id: Some("p1"),
            record_type: "patient",
            record_id: Some(&record),
        })
        .await
        .expect("audit");
        tx.commit().await.expect("commit");
    }
}

#[tokio::test]
async fn the_audit_chain_detects_alteration_and_removal() {
    for store in backends().await {
        append(&store, 4).await;
        assert_eq!(store.verify_audit().await.expect("verify"), Ok(4));
        store
            .execute_unchecked("UPDATE audit_log SET action = 'patient.update' WHERE seq = 2")
            .await
            .expect("tamper");
        let broken = store.verify_audit().await.expect("verify").expect_err("altered");
        assert_eq!(broken.seq, 2, "{broken:?}");
        store
            .execute_unchecked("UPDATE audit_log SET action = 'patient.read' WHERE seq = 2")
            .await
            .expect("restore");
        assert!(store.verify_audit().await.expect("verify").is_ok());
        store
            .execute_unchecked("DELETE FROM audit_log WHERE seq = 3")
            .await
            .expect("remove");
        let broken = store.verify_audit().await.expect("verify").expect_err("removed");
        assert_eq!(broken.seq, 4, "{broken:?}");
        // Removing the tail too: the chain of 1 and 2 is intact, but the head still records entry 4.
        store
            .execute_unchecked("DELETE FROM audit_log WHERE seq = 4")
            .await
            .expect("remove the last");
        let broken = store
            .verify_audit()
            .await
            .expect("verify")
            .expect_err("removed at the end");
        assert_eq!(broken.seq, 3, "{broken:?}");
        assert!(broken.reason.contains("removed from the end"), "{broken:?}");
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(tx.audit_entries(Some("p1"), 0, 100).await.expect("entries").len(), 2);
    }
}

#[tokio::test]
async fn concurrent_writers_keep_one_unbroken_chain() {
    for store in backends().await {
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { append(&store, 5).await })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(
            store.verify_audit().await.expect("verify"),
            Ok(20),
            "{:?}",
            store.engine()
        );
    }
}

#[tokio::test]
async fn backup_copies_a_live_sqlite_database() {
    let store = sqlite().await;
    let clinician = user(&store, "doc").await;
    insert(&store, &patient("MRN-1", "Lovelace"), &clinician).await;
    let copy = std::env::temp_dir().join(format!("taut-backup-{}.db", uuid::Uuid::now_v7().simple()));
    let path = copy.to_str().expect("utf-8");
    store.backup_to(path).await.expect("backup");
    assert!(store.backup_to(path).await.is_err(), "never overwrites a file");
    let restored = Store::connect(&format!("sqlite://{path}")).await.expect("open copy");
    let mut tx = restored.begin().await.expect("begin");
    assert_eq!(tx.search_patients("", 10, 0).await.expect("search").len(), 1);
    assert_eq!(restored.engine(), Engine::Sqlite);
}
