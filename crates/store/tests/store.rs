//! One store test suite, run against SQLite and PostgreSQL (see `taut_store::testing`).

use taut_core::exam::{Classification, Sign, Signs};
use taut_core::records::{Demographics, EncounterFields, FindingFields, OutcomeFields, PainMark};
use taut_store::{
    EncounterRecord, Engine, FindingRecord, OutcomeRecord, PainMarkRecord, PatientCursor, PatientRecord, Store,
    StoreConfig, StoreError, UserRecord,
};

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

use taut_store::testing::{backend_urls, backends, sqlite};

fn mrns(page: &taut_store::PatientPage) -> Vec<&str> {
    page.items.iter().map(|p| p.demographics.mrn.as_str()).collect()
}

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
        let found = tx.search_patients("LOVE", 10, None).await.expect("search");
        assert_eq!(mrns(&found), ["MRN-1"]);
        assert_eq!(
            mrns(&tx.search_patients("mrn-2", 10, None).await.expect("search")),
            ["MRN-2"]
        );
        assert_eq!(
            mrns(&tx.search_patients("ba", 10, None).await.expect("prefix")),
            ["MRN-2"]
        );
        let all = tx.search_patients("", 10, None).await.expect("all");
        assert_eq!(mrns(&all), ["MRN-2", "MRN-1"], "sorted by family name");
        assert_eq!(all.next, None, "one page holds both");
        assert!(
            tx.search_patients("100%", 10, None)
                .await
                .expect("literal %")
                .items
                .is_empty()
        );
        assert!(
            tx.search_patients("\"ada", 10, None)
                .await
                .expect("a quote")
                .items
                .is_empty()
        );
    }
}

#[tokio::test]
async fn search_pages_by_keyset_without_gaps_or_repeats() {
    for store in backends().await {
        let clinician = user(&store, "doc").await;
        for (i, family) in ["Curie", "Babbage", "Noether", "Hopper", "Turing", "Babbage"]
            .iter()
            .enumerate()
        {
            insert(&store, &patient(&format!("MRN-{i}"), family), &clinician).await;
        }
        let mut tx = store.begin().await.expect("begin");
        let (mut seen, mut after) = (Vec::new(), None::<PatientCursor>);
        loop {
            let page = tx.search_patients("", 2, after.as_ref()).await.expect("page");
            assert!(page.items.len() <= 2);
            seen.extend(page.items.iter().map(|p| p.demographics.family_name.clone()));
            match page.next {
                Some(next) => after = Some(PatientCursor::decode(&next).expect("cursor")),
                None => break,
            }
        }
        assert_eq!(
            seen,
            ["Babbage", "Babbage", "Curie", "Hopper", "Noether", "Turing"],
            "{:?}",
            store.engine()
        );
    }
}

#[tokio::test]
async fn mrns_that_read_the_same_are_one_patient() {
    for store in backends().await {
        let clinician = user(&store, "doc").await;
        insert(&store, &patient("MRN-7", "Lovelace"), &clinician).await;
        for lookalike in ["mrn-7", "MRN-\u{200B}7", "ＭＲＮ-７", "MRN-\u{00AD}7"] {
            let mut tx = store.begin().await.expect("begin");
            let err = tx
                .insert_patient(&patient(lookalike, "Other"), &clinician.id)
                .await
                .expect_err(lookalike);
            assert!(
                matches!(err, StoreError::Conflict(_)),
                "{lookalike:?} on {:?}: {err}",
                store.engine()
            );
        }
    }
}

/// The PostgreSQL failure this suite once missed: one pooled connection, rows with and without every nullable
/// value, one after another (a cached statement must take a NULL where it took a number before).
#[tokio::test]
async fn one_pooled_connection_takes_rows_with_and_without_every_nullable_value() {
    for url in backend_urls().await {
        let config = StoreConfig {
            pool_size: Some(1),
            ..StoreConfig::default()
        };
        let store = Store::connect(&url, &config).await.expect("connect");
        let clinician = user(&store, "doc").await;
        for i in 0..6 {
            let full = i % 2 == 0;
            let mut p = patient(&format!("MRN-{i}"), "Lovelace");
            p.demographics.weight_kg = full.then_some(60.0 + f64::from(i));
            p.demographics.notes = full.then(|| "note".to_owned());
            insert(&store, &p, &clinician).await;
            let encounter = EncounterRecord {
                fields: EncounterFields {
                    notes: full.then(|| "seen".to_owned()),
                    ..assessment(&p, &clinician).fields
                },
                ..assessment(&p, &clinician)
            };
            let mut tx = store.begin().await.expect("begin");
            tx.insert_encounter(&encounter).await.expect("encounter");
            let mark = PainMarkRecord {
                id: id(),
                encounter_id: encounter.id.clone(),
                mark: PainMark {
                    region: "temple".into(),
                    side: full.then(|| "right".to_owned()),
                    intensity: 5,
                    quality: full.then(|| "aching".to_owned()),
                },
                created_at: "2026-11-26T09:31:00.000000Z".into(),
            };
            tx.insert_pain_mark(&mark, &clinician.id).await.expect("mark");
            let finding = FindingRecord {
                id: id(),
                encounter_id: encounter.id.clone(),
                fields: FindingFields {
                    trigger_point: "trapezius-upper-trp1".into(),
                    muscle: "trapezius".into(),
                    side: full.then(|| "right".to_owned()),
                    signs: Signs::default(),
                    pressure_threshold_kg_cm2: full.then_some(2.5),
                    notes: full.then(|| "tender".to_owned()),
                },
                classification: taut_core::exam::classify(&Signs::default()),
                created_at: "2026-11-26T09:32:00.000000Z".into(),
            };
            tx.insert_finding(&finding, &clinician.id).await.expect("finding");
            let outcome = OutcomeRecord {
                id: id(),
                patient_id: p.id.clone(),
                fields: OutcomeFields {
                    measure: "pain-nrs".into(),
                    name: full.then(|| "NRS".to_owned()),
                    value: 5.0,
                    unit: "NRS".into(),
                    encounter_id: full.then(|| encounter.id.clone()),
                    recorded_at: "2026-11-26T09:33:00.000000Z".into(),
                },
                created_at: "2026-11-26T09:33:00.000000Z".into(),
            };
            tx.insert_outcome(&outcome, &clinician.id).await.expect("outcome");
            let read = tx.patient(&p.id).await.expect("read");
            assert_eq!(read, p, "round {i} on {url}");
            assert_eq!(tx.findings(&encounter.id).await.expect("findings"), [finding]);
            assert_eq!(tx.outcomes(&p.id).await.expect("outcomes"), [outcome]);
            tx.commit().await.expect("commit");
        }
        store.close().await;
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
            tx.search_patients("Byron", 10, None)
                .await
                .expect("search")
                .items
                .is_empty(),
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

#[tokio::test]
async fn a_mistyped_sqlite_path_is_refused_unless_asked_to_create() {
    let path = std::env::temp_dir().join(format!("taut-missing-{}.db", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}", path.display());
    let err = Store::connect(&url, &StoreConfig::default())
        .await
        .expect_err("missing file");
    assert!(err.to_string().contains("migrate --create"), "{err}");
    assert!(!path.exists(), "nothing was created");
    let creating = StoreConfig {
        create: true,
        ..StoreConfig::default()
    };
    Store::connect(&url, &creating).await.expect("created").close().await;
    assert!(path.exists());
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
    let restored = Store::connect(&format!("sqlite://{path}"), &StoreConfig::default())
        .await
        .expect("open copy");
    let mut tx = restored.begin().await.expect("begin");
    assert_eq!(tx.search_patients("", 10, None).await.expect("search").items.len(), 1);
    assert_eq!(restored.engine(), Engine::Sqlite);
}

#[tokio::test]
async fn common_and_rare_search_terms_find_the_same_rows_in_name_order() {
    for store in backends().await {
        let clinician = user(&store, "doc").await;
        // 2,100 patients are called Ada (common: more than the 2,000 a trigram lookup sorts); 100 have "ng2".
        let bulk = taut_store::Bulk {
            patients: (0..2100)
                .map(|i| patient(&format!("X-{i}"), &format!("Ng{:04}", 2099 - i)))
                .collect(),
            ..taut_store::Bulk::default()
        };
        let author = taut_store::BulkAuthor {
            user_id: &clinician.id,
            name: "doc",
            at: "2026-11-26T09:00:00.000000Z",
        };
        let mut tx = store.begin().await.expect("begin");
        tx.insert_bulk(&bulk, author).await.expect("bulk insert");
        tx.commit().await.expect("commit");
        let mut tx = store.begin().await.expect("begin");
        let common = tx
            .search_patients("ada", 3, None)
            .await
            .expect("common term: every patient is Ada");
        assert_eq!(
            tx.search_patients("ng2", 200, None).await.expect("rarer").items.len(),
            100
        );
        let names: Vec<&str> = common
            .items
            .iter()
            .map(|p| p.demographics.family_name.as_str())
            .collect();
        assert_eq!(names, ["Ng0000", "Ng0001", "Ng0002"], "{:?}", store.engine());
        let next = PatientCursor::decode(common.next.as_deref().expect("more pages")).expect("cursor");
        let second = tx.search_patients("ada", 2, Some(&next)).await.expect("second page");
        assert_eq!(second.items[0].demographics.family_name, "Ng0003");
        let rare = tx.search_patients("ng2099", 10, None).await.expect("rare term");
        assert_eq!(mrns(&rare), ["X-0"], "{:?}", store.engine());
    }
}

#[tokio::test]
async fn names_and_mrns_that_start_with_the_term_come_first_and_every_match_once() {
    for store in backends().await {
        let clinician = user(&store, "doc").await;
        // Family names starting with "kov", a given name starting with it, an MRN starting with it, and names
        // containing it elsewhere; one patient matches two ways.
        let people = [
            ("K-1", "Ada", "Kovacs"),
            ("K-2", "Ada", "Ivkov"),
            ("KOV-9", "Ada", "Lind"),
            ("K-3", "Kovan", "Abel"),
            ("K-4", "Kovan", "Kovacs"),
            ("K-5", "Ada", "Markovic"),
            ("K-6", "Ada", "Kovalenko"),
            ("K-7", "Ada", "Smith"),
        ];
        for (mrn, given, family) in people {
            let mut p = patient(mrn, family);
            p.demographics.given_name = given.into();
            insert(&store, &p, &clinician).await;
        }
        let mut tx = store.begin().await.expect("begin");
        let order = ["K-1", "K-4", "K-6", "K-3", "KOV-9", "K-2", "K-5"];
        assert_eq!(
            mrns(&tx.search_patients("kov", 50, None).await.expect("search")),
            order,
            "{:?}",
            store.engine()
        );
        // The same order page by page, across the tiers' boundaries.
        for size in 1..=3 {
            let (mut seen, mut after) = (Vec::new(), None::<PatientCursor>);
            loop {
                let page = tx.search_patients("KOV", size, after.as_ref()).await.expect("page");
                seen.extend(page.items.iter().map(|p| p.demographics.mrn.clone()));
                match page.next {
                    Some(next) => after = Some(PatientCursor::decode(&next).expect("cursor")),
                    None => break,
                }
            }
            assert_eq!(seen, order, "pages of {size}");
        }
        // Two letters: starts only.
        assert_eq!(
            mrns(&tx.search_patients("ko", 50, None).await.expect("search")),
            ["K-1", "K-4", "K-6", "K-3", "KOV-9"]
        );
    }
}
