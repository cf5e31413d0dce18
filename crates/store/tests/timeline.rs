//! The timeline's one-statement read gives exactly what the per-kind reads give, on both engines, through one
//! pooled connection reused for every statement: values with and without every optional field, JSON columns,
//! text that needs escaping, floating-point values that need all their digits, and the order of each list.

use serde_json::json;
use taut_core::exam::{Sign, Signs};
use taut_core::records::{EncounterFields, FindingFields, OutcomeFields, PainMark};
use taut_store::testing::backends;
use taut_store::{
    AmendmentRecord, Consent, EncounterRecord, FindingRecord, OutcomeRecord, PainMarkRecord, PlanRecord,
    ProcedureRecord, SiteRecord, StoreError,
};

mod visit_support;

use visit_support::{AT, id, setting};

const ESCAPED: &str = "said \"ouch\" \\ then left\nü — 痛い\t";

fn stamp(day: u32, minute: u32) -> String {
    format!("2026-11-{day:02}T10:{minute:02}:00.123456Z")
}

#[tokio::test]
async fn the_course_in_one_statement_equals_the_per_kind_reads() {
    for store in backends().await {
        let (user, patient, first) = setting(&store).await;
        let second = EncounterRecord {
            id: id(),
            fields: EncounterFields {
                kind: "follow-up".into(),
                occurred_at: stamp(27, 0),
                notes: Some(ESCAPED.into()),
            },
            ..first.clone()
        };
        let mark = |encounter: &EncounterRecord, region: &str, side: Option<&str>, minute: u32| PainMarkRecord {
            id: id(),
            encounter_id: encounter.id.clone(),
            mark: PainMark {
                region: region.into(),
                side: side.map(Into::into),
                intensity: 7,
                quality: side.map(|_| "aching".into()),
            },
            created_at: stamp(26, minute),
        };
        let marks = [
            mark(&first, "temple", Some("left"), 2),
            mark(&first, "vertex", None, 1),
            mark(&second, "jaw", Some("right"), 3),
        ];
        let finding = |encounter: &EncounterRecord, pressure: Option<f64>, notes: Option<&str>, minute| {
            let signs = Signs {
                taut_band: Sign::Yes,
                spot_tenderness: Sign::Yes,
                referred_pain: Sign::No,
                ..Signs::default()
            };
            FindingRecord {
                id: id(),
                encounter_id: encounter.id.clone(),
                classification: taut_core::exam::classify(&signs),
                fields: FindingFields {
                    trigger_point: "masseter-deep".into(),
                    muscle: "masseter".into(),
                    side: Some("left".into()),
                    signs,
                    pressure_threshold_kg_cm2: pressure,
                    notes: notes.map(Into::into),
                },
                created_at: stamp(26, minute),
            }
        };
        let findings = [
            finding(&first, Some(0.1 + 0.2), Some(ESCAPED), 5),
            finding(&second, None, None, 6),
            finding(&first, Some(2.35), None, 4),
        ];
        let plan = |encounter: &EncounterRecord, signed: bool, minute| PlanRecord {
            id: id(),
            patient_id: patient.id.clone(),
            encounter_id: encounter.id.clone(),
            status: if signed { "signed" } else { "draft" }.into(),
            version: 1 + i64::from(signed),
            output: json!({"items": [{"dose": 12.5, "note": ESCAPED}], "findings": [], "codes": ["20552"]}),
            has_error: signed,
            input: json!({"items": [{"muscle": "masseter"}], "nested": {"null": null, "flag": true}}),
            created_by: user.id.clone(),
            created_at: stamp(26, minute),
            updated_by: user.id.clone(),
            updated_at: stamp(26, minute),
            signed_by: signed.then(|| user.id.clone()),
            signed_at: signed.then(|| stamp(26, minute + 1)),
            override_reason: signed.then(|| ESCAPED.into()),
        };
        let plans = [plan(&second, false, 9), plan(&first, true, 7)];
        let site = |muscle: &str, amount: Option<f64>| SiteRecord {
            muscle: muscle.into(),
            side: amount.map(|_| "left".into()),
            site: None,
            kind: if amount.is_some() { "injection" } else { "manual" }.into(),
            agent: if amount.is_some() {
                "incobotulinumtoxinA"
            } else {
                "manual"
            }
            .into(),
            amount,
            amount_unit: amount.map(|_| "U".into()),
            volume_ml: amount.map(|a| a / 50.0),
            concentration_percent: None,
            points: 1,
            needle: amount.map(|_| "30 G".into()),
            guidance: amount.map(|_| "emg".into()),
            technique: amount.is_none().then(|| ESCAPED.into()),
            lot: amount.map(|_| "A123".into()),
            expiry: amount.map(|_| "2027-06-30".into()),
            reconstitution_ml: amount.map(|_| 2.0),
            vial_units: amount.map(|_| 100.0),
            vial: amount.is_none().then(|| "single-dose".into()),
            vial_mg: amount.is_none().then_some(40.0),
        };
        let procedure = |started: String, sites: Vec<SiteRecord>, plan_id: Option<String>| ProcedureRecord {
            id: id(),
            patient_id: patient.id.clone(),
            encounter_id: first.id.clone(),
            plan_id,
            ended_at: started.replace("10:", "11:"),
            started_at: started,
            performed_by: user.id.clone(),
            consent: Consent {
                obtained: true,
                risks_discussed: vec!["pain".into()],
                by: ESCAPED.into(),
            },
            sites,
            complications: vec![],
            diagnoses: vec!["M79.11".into()],
            codes: json!([{"system": "CPT", "code": "20552", "units": 1}]),
            findings: json!([]),
            notes: None,
            version: 1,
            created_at: AT.into(),
            amendments: Vec::new(),
        };
        let later = procedure(
            stamp(26, 30),
            vec![
                site("temporalis", Some(10.0)),
                site("masseter", Some(15.0)),
                site("trapezius", None),
            ],
            Some(plans[1].id.clone()),
        );
        let earlier = procedure(stamp(26, 20), vec![site("trapezius", None)], None);
        let outcome = |encounter: Option<&EncounterRecord>, value: f64, minute| OutcomeRecord {
            id: id(),
            patient_id: patient.id.clone(),
            fields: OutcomeFields {
                measure: "pain-nrs".into(),
                name: encounter.map(|_| ESCAPED.into()),
                value,
                unit: "points".into(),
                encounter_id: encounter.map(|e| e.id.clone()),
                recorded_at: stamp(28, minute),
            },
            created_at: AT.into(),
        };
        let outcomes = [outcome(None, 6.0, 2), outcome(Some(&second), 1.0 / 3.0, 1)];

        let mut tx = store.begin().await.expect("begin");
        tx.insert_encounter(&second).await.expect("encounter");
        for m in &marks {
            tx.insert_pain_mark(m, &user.id).await.expect("mark");
        }
        for f in &findings {
            tx.insert_finding(f, &user.id).await.expect("finding");
        }
        for p in &plans {
            tx.insert_plan(p).await.expect("plan");
        }
        tx.insert_procedure(&later).await.expect("procedure");
        tx.insert_procedure(&earlier).await.expect("procedure");
        for o in &outcomes {
            tx.insert_outcome(o, &user.id).await.expect("outcome");
        }
        tx.commit().await.expect("commit");
        let mut tx = store.begin().await.expect("begin");
        tx.amend_procedure(&AmendmentRecord {
            id: id(),
            procedure_id: later.id.clone(),
            number: 1,
            reason: ESCAPED.into(),
            correction: "10 U, not 15 U".into(),
            amended_by: user.id.clone(),
            amended_at: stamp(29, 0),
        })
        .await
        .expect("amend");
        tx.commit().await.expect("commit");
        // An update is in the course too: the draft plan is signed.
        let signed_draft = PlanRecord {
            status: "signed".into(),
            version: plans[0].version + 1,
            signed_by: Some(user.id.clone()),
            signed_at: Some(stamp(29, 5)),
            updated_at: stamp(29, 5),
            ..plans[0].clone()
        };
        let mut tx = store.begin().await.expect("begin");
        tx.update_plan(&signed_draft).await.expect("sign");
        tx.commit().await.expect("commit");

        // Twice on the same transaction's connection, then on another: the statement is prepared once and reused.
        let mut tx = store.begin_read().await.expect("begin");
        let course = tx.patient_course(&patient.id).await.expect("course");
        assert_eq!(tx.patient_course(&patient.id).await.expect("again"), course);
        assert_eq!(course.encounters, tx.encounters(&patient.id).await.expect("encounters"));
        assert_eq!(
            course.pain_marks,
            tx.patient_pain_marks(&patient.id).await.expect("marks")
        );
        assert_eq!(
            course.findings,
            tx.patient_findings(&patient.id).await.expect("findings")
        );
        assert_eq!(course.plans, tx.patient_plans(&patient.id).await.expect("plans"));
        assert_eq!(
            course.procedures,
            tx.patient_procedures(&patient.id).await.expect("procedures")
        );
        assert_eq!(course.outcomes, tx.outcomes(&patient.id).await.expect("outcomes"));
        drop(tx);

        // And against what was written, so that both reads cannot be wrong together.
        assert_eq!(course.encounters, [first.clone(), second.clone()]);
        let ids = |v: Vec<String>| v;
        assert_eq!(
            ids(course.pain_marks.iter().map(|m| m.id.clone()).collect()),
            [marks[1].id.clone(), marks[0].id.clone(), marks[2].id.clone()]
        );
        assert_eq!(
            course.findings,
            [findings[2].clone(), findings[0].clone(), findings[1].clone()]
        );
        assert_eq!(course.plans, [plans[1].clone(), signed_draft]);
        assert_eq!(course.procedures.len(), 2);
        assert_eq!(course.procedures[0], earlier);
        assert_eq!(course.procedures[1].sites, later.sites, "sites in their recorded order");
        assert_eq!(course.procedures[1].amendments.len(), 1);
        assert_eq!(course.outcomes, [outcomes[1].clone(), outcomes[0].clone()]);

        let mut tx = store.begin_read().await.expect("begin");
        assert!(matches!(tx.patient_course(&id()).await, Err(StoreError::NotFound)));
        assert!(matches!(
            tx.patient_course("not-an-id").await,
            Err(StoreError::NotFound)
        ));
        drop(tx);

        // A deleted patient has no course to read.
        let mut tx = store.begin().await.expect("begin");
        tx.delete_patient(&patient.id, patient.version, "duplicate", &user.id, AT)
            .await
            .expect("delete");
        tx.commit().await.expect("commit");
        let mut tx = store.begin_read().await.expect("begin");
        assert!(matches!(
            tx.patient_course(&patient.id).await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn a_patient_with_nothing_recorded_has_an_empty_course() {
    for store in backends().await {
        let (_, patient, first) = setting(&store).await;
        let mut tx = store.begin_read().await.expect("begin");
        let course = tx.patient_course(&patient.id).await.expect("course");
        assert_eq!(course.encounters, [first]);
        assert!(course.pain_marks.is_empty() && course.findings.is_empty() && course.plans.is_empty());
        assert!(course.procedures.is_empty() && course.outcomes.is_empty());
    }
}

/// SQLite is built with the query planner stability guarantee (.cargo/config.toml): with STAT4 samples from
/// ANALYZE, SQLite would otherwise re-plan a cached statement on every new bound value, and the timeline's one
/// statement would be parsed again on every request.
#[tokio::test]
async fn sqlite_keeps_a_cached_plan_whatever_the_bound_values() {
    let store = taut_store::testing::sqlite().await;
    let options = taut_store::testing::rows4(
        &store,
        "SELECT compile_options, '', '', 0 FROM pragma_compile_options WHERE compile_options = 'ENABLE_QPSG'",
    )
    .await
    .expect("compile options");
    assert_eq!(options.len(), 1, "SQLite was built without SQLITE_ENABLE_QPSG");
}

/// The audited read writes its event with the read (one statement on PostgreSQL) only when there is a live
/// patient to read, and the read equals the plain one.
#[tokio::test]
async fn an_audited_course_records_its_event_only_for_a_live_patient() {
    for store in backends().await {
        let (user, patient, _) = setting(&store).await;
        let read = |about: String| {
            let (store, user) = (&store, &user);
            async move {
                let event_id = id();
                timeline_read(store, user, &about, &event_id, json!({"why": ESCAPED})).await
            }
        };
        let events = || async {
            taut_store::testing::rows4(
                &store,
                "SELECT action, record_type, coalesce(record_id, ''), CAST(0 AS BIGINT) FROM audit_events \
                 WHERE action = 'timeline.read' ORDER BY at",
            )
            .await
            .expect("events")
        };

        let course = read(patient.id.clone()).await.expect("course");
        let mut tx = store.begin_read().await.expect("begin");
        assert_eq!(course, tx.patient_course(&patient.id).await.expect("plain read"));
        drop(tx);
        assert_eq!(
            events().await,
            [("timeline.read".to_owned(), "patient".to_owned(), patient.id.clone(), 0)]
        );

        assert!(matches!(read(id()).await, Err(StoreError::NotFound)));
        assert_eq!(events().await.len(), 1, "no event for a patient who does not exist");

        let mut tx = store.begin().await.expect("begin");
        tx.delete_patient(&patient.id, patient.version, "duplicate", &user.id, AT)
            .await
            .expect("delete");
        tx.commit().await.expect("commit");
        assert!(matches!(read(patient.id.clone()).await, Err(StoreError::NotFound)));
        assert_eq!(events().await.len(), 1, "no event for a deleted patient");
    }
}

/// Many timeline reads at once (they share batches): each answer is its own patient's course,
/// each live read has its own audit event with its details, a deleted or unknown patient has none, and a read
/// that fails (here: an event id used twice) fails alone, without its batch's other reads.
#[tokio::test]
async fn concurrent_audited_reads_each_get_their_own_course_and_event() {
    for store in backends().await {
        let (user, first, _) = setting(&store).await;
        let second = taut_store::PatientRecord {
            id: id(),
            ..first.clone()
        };
        let gone = taut_store::PatientRecord {
            id: id(),
            ..first.clone()
        };
        let mut tx = store.begin().await.expect("begin");
        for patient in [&second, &gone] {
            let mut patient = patient.clone();
            patient.demographics.mrn = format!("MRN-{}", patient.id);
            tx.insert_patient(&patient, &user.id).await.expect("patient");
        }
        for minute in 0..3 {
            let visit = EncounterRecord {
                id: id(),
                patient_id: second.id.clone(),
                fields: EncounterFields {
                    kind: "follow-up".into(),
                    occurred_at: stamp(28, minute),
                    notes: Some(format!("visit {minute}")),
                },
                clinician_id: user.id.clone(),
                created_at: stamp(28, minute),
            };
            tx.insert_encounter(&visit).await.expect("encounter");
        }
        tx.delete_patient(&gone.id, 1, "duplicate", &user.id, AT)
            .await
            .expect("delete");
        tx.commit().await.expect("commit");
        let mut tx = store.begin_read().await.expect("begin");
        let expected = [
            tx.patient_course(&first.id).await.expect("first"),
            tx.patient_course(&second.id).await.expect("second"),
        ];
        drop(tx);
        assert_ne!(expected[0], expected[1]);

        let shared_event = id();
        let read = |n: i64| {
            let about = match n % 4 {
                0 | 1 => first.id.clone(),
                2 => second.id.clone(),
                _ if n % 8 == 3 => gone.id.clone(),
                _ => id(),
            };
            let event_id = if (48..50).contains(&n) {
                shared_event.clone()
            } else {
                id()
            };
            let (store, user) = (&store, &user);
            async move {
                let details = json!({"read": n, "patient": about, "why": ESCAPED});
                (
                    n,
                    about.clone(),
                    timeline_read(store, user, &about, &event_id, details).await,
                )
            }
        };
        // The first wave shares batches; in the second, two reads carry one event id.
        let mut answers = futures_util::future::join_all((0..48).map(read)).await;
        let batched = if store.engine() == taut_store::Engine::Postgres {
            let (transactions, _, _, events) = taut_store::testing::rows4(
                &store,
                "SELECT CAST(count(DISTINCT xid::text) AS TEXT), '', '', count(*) FROM audit_events \
                 WHERE action = 'timeline.read'",
            )
            .await
            .expect("transactions")
            .remove(0);
            Some((transactions.parse::<i64>().expect("a count"), events))
        } else {
            None
        };
        answers.extend(futures_util::future::join_all((48..56).map(read)).await);

        let mut expected_events = Vec::new();
        for (n, about, answer) in answers {
            match n % 4 {
                0 | 1 if (48..50).contains(&n) => match answer {
                    Ok(course) => {
                        assert_eq!(course, expected[0]);
                        expected_events.push((about, n));
                    }
                    Err(e) => assert!(matches!(e, StoreError::Conflict(_)), "read {n}: {e}"),
                },
                0..=2 => {
                    let course = answer.unwrap_or_else(|e| panic!("read {n}: {e}"));
                    assert_eq!(
                        course,
                        expected[usize::from(n % 4 == 2)],
                        "read {n} got another's course"
                    );
                    expected_events.push((about, n));
                }
                _ => assert!(matches!(answer, Err(StoreError::NotFound)), "read {n}"),
            }
        }
        assert_eq!(
            expected_events.iter().filter(|(_, n)| (48..50).contains(n)).count(),
            1,
            "of two reads with one event id, exactly one is recorded"
        );
        let mut events: Vec<(String, i64)> = taut_store::testing::rows4(
            &store,
            "SELECT CAST(details AS TEXT), '', '', CAST(0 AS BIGINT) FROM audit_events \
             WHERE action = 'timeline.read'",
        )
        .await
        .expect("events")
        .into_iter()
        .map(|(details, _, _, _)| {
            let details: serde_json::Value = serde_json::from_str(&details).expect("details are JSON");
            assert_eq!(details["why"], ESCAPED);
            let patient = details["patient"].as_str().expect("patient").to_owned();
            (patient, details["read"].as_i64().expect("read number"))
        })
        .collect();
        events.sort_by_key(|(_, n)| *n);
        assert_eq!(events, expected_events);
        if let Some((transactions, events)) = batched {
            assert!(
                transactions < events,
                "{events} reads in {transactions} transactions: no batch was formed"
            );
        }
    }
}

/// A read waits in a queue for its batch: a read whose request went away (a closed connection) before its
/// batch started is left out of it and records nothing, and the batch still answers the others. (The test
/// runtime has one thread, so nothing runs until the test awaits.)
#[tokio::test]
async fn a_read_that_goes_away_before_its_batch_starts_records_nothing() {
    for store in backends().await {
        let (user, patient, _) = setting(&store).await;
        let read = |event_id: String| {
            let (store, user, about) = (&store, &user, patient.id.clone());
            async move { timeline_read(store, user, &about, &event_id, json!({"event": event_id})).await }
        };
        let (gone, kept) = (id(), id());
        assert!(
            futures_util::FutureExt::now_or_never(Box::pin(read(gone.clone()))).is_none(),
            "a read waits for its batch"
        );
        read(kept.clone()).await.expect("the other read is answered");
        let events = taut_store::testing::rows4(
            &store,
            "SELECT details ->> 'event', '', '', CAST(0 AS BIGINT) FROM audit_events WHERE action = 'timeline.read'",
        )
        .await
        .expect("events");
        assert_eq!(events, [(kept, String::new(), String::new(), 0)]);
    }
}

/// `user` reads the timeline of patient `about`, with its audit event.
async fn timeline_read(
    store: &taut_store::Store,
    user: &taut_store::UserRecord,
    about: &str,
    event_id: &str,
    details: serde_json::Value,
) -> Result<taut_store::PatientCourse, StoreError> {
    let audit = taut_store::NewAudit {
        id: event_id,
        at: AT,
        actor_id: Some(&user.id),
        actor: &user.username,
        action: "timeline.read",
        patient_id: Some(about),
        record_type: "patient",
        record_id: Some(about),
        details: Some(details),
    };
    store.audited_course(about, audit).await
}

/// The course the timeline reads equals the per-kind reads (PostgreSQL stores it, rebuilt on each write).
async fn assert_course_is_current(store: &taut_store::Store, patient_id: &str) -> taut_store::PatientCourse {
    let mut tx = store.begin_read().await.expect("begin");
    let course = tx.patient_course(patient_id).await.expect("course");
    assert_eq!(course.encounters, tx.encounters(patient_id).await.expect("encounters"));
    assert_eq!(
        course.pain_marks,
        tx.patient_pain_marks(patient_id).await.expect("marks")
    );
    assert_eq!(
        course.findings,
        tx.patient_findings(patient_id).await.expect("findings")
    );
    assert_eq!(course.plans, tx.patient_plans(patient_id).await.expect("plans"));
    assert_eq!(
        course.procedures,
        tx.patient_procedures(patient_id).await.expect("procedures")
    );
    assert_eq!(course.outcomes, tx.outcomes(patient_id).await.expect("outcomes"));
    course
}

/// Clinicians writing for one patient at once, each transaction open a while after its write: every record is
/// in the course once all have committed. (A course rebuilt from a snapshot taken before a concurrent writer
/// committed would lose that writer's record; a transaction's single write is its last chance to rebuild.)
#[tokio::test]
async fn records_written_concurrently_for_one_patient_are_all_in_the_course() {
    for store in backends().await {
        let (user, recorded, _) = setting(&store).await;
        // A patient with nothing recorded yet, so that the writers also race to create the course.
        let patient = taut_store::PatientRecord {
            id: id(),
            demographics: taut_core::records::Demographics {
                mrn: "MRN-2".into(),
                ..recorded.demographics.clone()
            },
            ..recorded
        };
        let mut tx = store.begin().await.expect("begin");
        tx.insert_patient(&patient, &user.id).await.expect("patient");
        tx.commit().await.expect("commit");
        let writers = (0..12u32).map(|n| {
            let (store, user, patient) = (store.clone(), user.clone(), patient.clone());
            tokio::spawn(async move {
                let mut tx = store.begin().await.expect("begin");
                if n % 2 == 0 {
                    let encounter = EncounterRecord {
                        id: id(),
                        patient_id: patient.id.clone(),
                        fields: EncounterFields {
                            kind: "assessment".into(),
                            occurred_at: stamp(27, n),
                            notes: Some(format!("writer {n}")),
                        },
                        clinician_id: user.id.clone(),
                        created_at: stamp(27, n),
                    };
                    tx.insert_encounter(&encounter).await.expect("encounter");
                } else {
                    let outcome = OutcomeRecord {
                        id: id(),
                        patient_id: patient.id.clone(),
                        fields: OutcomeFields {
                            measure: "pain-nrs".into(),
                            name: None,
                            value: f64::from(n % 11),
                            unit: "points".into(),
                            encounter_id: None,
                            recorded_at: stamp(27, n),
                        },
                        created_at: stamp(27, n),
                    };
                    tx.insert_outcome(&outcome, &user.id).await.expect("outcome");
                }
                tokio::time::sleep(std::time::Duration::from_millis(30)).await;
                tx.commit().await.expect("commit");
            })
        });
        for writer in writers.collect::<Vec<_>>() {
            writer.await.expect("writer");
        }
        let course = assert_course_is_current(&store, &patient.id).await;
        assert_eq!(course.encounters.len(), 6, "{:?}", store.engine());
        assert_eq!(course.outcomes.len(), 6, "{:?}", store.engine());
    }
}

/// An import's multi-row statements put every patient's records in that patient's course, and a rolled-back
/// write leaves the course as it was.
#[tokio::test]
async fn bulk_imports_and_rolled_back_writes_keep_each_course_current() {
    for store in backends().await {
        let (user, first, encounter) = setting(&store).await;
        let patients: Vec<_> = (0..3)
            .map(|n| taut_store::PatientRecord {
                id: id(),
                demographics: taut_core::records::Demographics {
                    mrn: format!("BULK-{n}"),
                    ..first.demographics.clone()
                },
                ..first.clone()
            })
            .collect();
        let encounters: Vec<EncounterRecord> = patients
            .iter()
            .flat_map(|p| {
                (0..2).map(|n| EncounterRecord {
                    id: id(),
                    patient_id: p.id.clone(),
                    fields: EncounterFields {
                        kind: "assessment".into(),
                        occurred_at: stamp(20 + n, 0),
                        notes: None,
                    },
                    clinician_id: user.id.clone(),
                    created_at: AT.into(),
                })
            })
            .collect();
        let pain_marks = encounters
            .iter()
            .map(|e| PainMarkRecord {
                id: id(),
                encounter_id: e.id.clone(),
                mark: PainMark {
                    region: "temple".into(),
                    side: Some("left".into()),
                    intensity: 5,
                    quality: None,
                },
                created_at: AT.into(),
            })
            .collect();
        let bulk = taut_store::Bulk {
            patients: patients.clone(),
            encounters,
            pain_marks,
            ..taut_store::Bulk::default()
        };
        let author = taut_store::BulkAuthor {
            user_id: &user.id,
            name: "doc",
            at: AT,
        };
        let mut tx = store.begin().await.expect("begin");
        tx.insert_bulk(&bulk, author).await.expect("bulk");
        tx.commit().await.expect("commit");
        for p in &patients {
            let course = assert_course_is_current(&store, &p.id).await;
            assert_eq!(course.encounters.len(), 2);
            assert_eq!(course.pain_marks.len(), 2);
        }

        let mut tx = store.begin().await.expect("begin");
        let discarded = EncounterRecord {
            id: id(),
            ..encounter.clone()
        };
        tx.insert_encounter(&discarded).await.expect("encounter");
        drop(tx);
        let course = assert_course_is_current(&store, &first.id).await;
        assert_eq!(course.encounters, [encounter]);
    }
}
