//! FHIR round trip on both engines: a record exported, imported into an empty database and exported again reads
//! the same (ids aside); a bad bundle is refused whole.

use serde_json::{Value, json};
use taut_app::{Actor, AdverseEventInput, App, AppError, AuditKey, Database, DatabaseConfig, Policy, ProcedureInput};
use taut_atlas::Atlas;
use taut_core::exam::Sign;
use taut_core::records::{Demographics, EncounterInput, FindingInput, OutcomeInput, PainMarkInput};
use taut_store::testing;

async fn app(url: &str) -> App {
    let database = Database::connect(url, &DatabaseConfig::default())
        .await
        .expect("connect");
    App::new(
        database,
        Atlas::embedded().expect("atlas"),
        Policy::default(),
        AuditKey::generate().expect("key"),
    )
}

async fn user(app: &App, name: &str, role: &str) -> Actor {
    let operator = Actor::operator();
    app.add_user(&operator, name, role, "physician", "a long enough password")
        .await
        .expect("user");
    let token = app.create_token(&operator, name).await.expect("token");
    app.authenticate(&token).await.expect("actor")
}

fn outcome(measure: &str, value: f64, unit: Option<&str>, name: Option<&str>, at: &str) -> OutcomeInput {
    OutcomeInput {
        measure: measure.into(),
        value,
        unit: unit.map(str::to_owned),
        name: name.map(str::to_owned),
        encounter_id: None,
        recorded_at: Some(at.into()),
    }
}

/// A record using every field the export carries.
async fn rich_patient(app: &App, clinician: &Actor) -> String {
    let patient = app
        .create_patient(
            clinician,
            Demographics {
                mrn: "RT-1".into(),
                given_name: "Ada".into(),
                family_name: "Lovelace".into(),
                birth_date: "1980-02-29".into(),
                sex: "female".into(),
                weight_kg: Some(61.5),
                allergies: vec!["lidocaine".into(), "latex".into()],
                conditions: vec!["hypertension".into()],
                medications: vec!["warfarin".into()],
                notes: Some("prefers mornings\nsecond line".into()),
            },
        )
        .await
        .expect("patient");
    let visit = app
        .create_encounter(
            clinician,
            &patient.id,
            EncounterInput {
                kind: "assessment".into(),
                occurred_at: Some("2026-01-05T09:30:00Z".into()),
                notes: Some("first visit".into()),
            },
        )
        .await
        .expect("encounter");
    let marks = vec![
        PainMarkInput {
            region: "temple".into(),
            side: Some("right".into()),
            intensity: 7,
            quality: Some("aching".into()),
        },
        PainMarkInput {
            region: "neck-posterior".into(),
            side: Some("both".into()),
            intensity: 4,
            quality: None,
        },
        PainMarkInput {
            region: "sternum".into(),
            side: None,
            intensity: 2,
            quality: None,
        },
    ];
    app.add_pain_drawing(clinician, &visit.id, marks)
        .await
        .expect("drawing");
    app.add_finding(
        clinician,
        &visit.id,
        FindingInput {
            trigger_point: "trapezius-upper-trp1".into(),
            side: Some("left".into()),
            taut_band: Sign::Yes,
            spot_tenderness: Sign::Yes,
            referred_pain: Sign::No,
            pain_recognised: Sign::Yes,
            local_twitch: Sign::NotAssessed,
            jump_sign: Sign::No,
            pressure_threshold_kg_cm2: Some(2.3),
            notes: Some("band palpable".into()),
        },
    )
    .await
    .expect("finding");
    let second = app
        .create_encounter(
            clinician,
            &patient.id,
            EncounterInput {
                kind: "follow-up".into(),
                occurred_at: Some("2026-02-02T10:00:00Z".into()),
                notes: None,
            },
        )
        .await
        .expect("encounter");
    let linked = OutcomeInput {
        encounter_id: Some(second.id.clone()),
        ..outcome("pain-nrs", 3.0, None, None, "2026-02-02T10:05:00Z")
    };
    for input in [
        outcome("pain-nrs", 7.0, None, None, "2026-01-05T09:35:00Z"),
        linked,
        outcome(
            "pressure-pain-threshold",
            2.75,
            Some("kg/cm2"),
            None,
            "2026-02-02T10:06:00Z",
        ),
        outcome(
            "range-of-motion",
            65.0,
            None,
            Some("cervical rotation left"),
            "2026-02-02T10:07:00Z",
        ),
        outcome(
            "other",
            1200.0,
            Some("m"),
            Some("six-minute walk"),
            "2026-02-02T10:08:00Z",
        ),
    ] {
        app.add_outcome(clinician, &patient.id, input).await.expect("outcome");
    }
    let session = app
        .create_encounter(
            clinician,
            &patient.id,
            EncounterInput {
                kind: "procedure".into(),
                occurred_at: Some("2026-01-12T10:00:00Z".into()),
                notes: None,
            },
        )
        .await
        .expect("encounter");
    let input: ProcedureInput = serde_json::from_value(json!({
        "consent": {"obtained": true, "risks_discussed": ["soreness", "bruising"], "by": "Dr Who"},
        "started_at": "2026-01-12T10:00:00Z",
        "ended_at": "2026-01-12T10:20:00Z",
        "sites": [
            {"muscle": "masseter", "side": "left", "agent": "Xeomin", "dose": {"value": 15, "unit": "U"},
             "points": 1, "lot": "LOT-7", "expiry": "2027-03", "guidance": "ultrasound", "needle": "30 G 13 mm",
             "reconstitution_ml": 2.5, "vial_units": 100},
            {"muscle": "trapezius", "side": "right", "agent": "dry-needling", "technique": "fast-in fast-out"}
        ],
        "complications": ["vasovagal reaction, resolved lying down"],
        "diagnoses": ["M79.11", "M79.12"],
        "notes": "tolerated well"
    }))
    .expect("procedure input");
    let procedure = app
        .record_procedure(clinician, &session.id, input)
        .await
        .expect("procedure")
        .procedure;
    let event = AdverseEventInput {
        effect: "bruising-hematoma".into(),
        site: Some("masseter:left".into()),
        onset: "2026-01-12".into(),
        severity: "mild".into(),
        actions: vec!["advised ice".into(), "reviewed at one week".into()],
        resolved_on: Some("2026-01-20".into()),
        notes: Some("small".into()),
        version: None,
    };
    app.record_adverse_event(clinician, &procedure.id, event)
        .await
        .expect("adverse event");
    patient.id
}

/// The bundle as JSON with every id (and every id-derived id) replaced by its order of appearance.
fn without_ids(bundle: &taut_fhir::Bundle) -> Value {
    let mut text = serde_json::to_string(bundle).expect("json");
    let ids: Vec<String> = bundle.resources().filter_map(|r| r.id().map(str::to_owned)).collect();
    for (i, id) in ids.iter().enumerate() {
        if id.len() == 36 {
            text = text.replace(id.as_str(), &format!("id{i}"));
        }
    }
    serde_json::from_str(&text).expect("json")
}

#[tokio::test]
async fn export_import_export_reads_the_same_on_both_engines() {
    for url in testing::backend_urls().await {
        let source = app(&url).await;
        let clinician = user(&source, "source-clinician", "clinician").await;
        let id = rich_patient(&source, &clinician).await;
        let first = source.fhir_everything(&clinician, &id).await.expect("export");
        assert_eq!(first.entry.len(), 1 + 2 + 1 + 1 + 1 + 3 + 3 + 1 + 5 + 4, "{url}");
        let kinds: Vec<&str> = first.resources().map(|r| r.type_name()).collect();
        for kind in ["Procedure", "MedicationAdministration", "AdverseEvent", "CarePlan"] {
            assert_eq!(kinds.iter().filter(|k| **k == kind).count(), 1, "{url}: {kind}");
        }
        let json = serde_json::to_value(&first).expect("json");
        let procedure = &json["entry"]
            .as_array()
            .expect("entries")
            .iter()
            .find(|e| e["resource"]["resourceType"] == "Procedure")
            .expect("procedure")["resource"];
        assert_eq!(
            procedure["code"]["coding"][0]["system"],
            "http://www.ama-assn.org/go/cpt"
        );
        assert_eq!(procedure["code"]["coding"][0]["code"], "20552", "{procedure}");
        assert_eq!(procedure["bodySite"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            procedure["bodySite"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"], "7771000",
            "left"
        );
        assert_eq!(procedure["reasonCode"][1]["coding"][0]["code"], "M79.12");

        let target_url = if url.starts_with("sqlite") {
            testing::sqlite_url().await
        } else {
            testing::postgres_url().await.expect("postgres")
        };
        let target = app(&target_url).await;
        let importer = user(&target, "target-clinician", "clinician").await;
        let transaction = taut_fhir::to_transaction([first.clone()]);
        let json = serde_json::to_vec(&transaction).expect("json");
        let ids = target
            .import_fhir(&importer, &json, &["transaction"])
            .await
            .expect("import");
        assert_eq!(ids.len(), 1);
        let second = target.fhir_everything(&importer, &ids[0]).await.expect("export again");
        assert_eq!(without_ids(&first), without_ids(&second), "{url}");

        // The searchset of $everything reads back too.
        let again = app(&testing::sqlite_url().await).await;
        let reader = user(&again, "reader", "clinician").await;
        let json = serde_json::to_vec(&first).expect("json");
        let ids = again
            .import_fhir(&reader, &json, taut_fhir::import::BUNDLE_TYPES)
            .await
            .expect("searchset import");
        let third = again.fhir_everything(&reader, &ids[0]).await.expect("export");
        assert_eq!(without_ids(&first), without_ids(&third));
    }
}

#[tokio::test]
async fn a_bad_bundle_is_refused_whole_and_named() {
    for url in testing::backend_urls().await {
        let source = app(&url).await;
        let clinician = user(&source, "clinician", "clinician").await;
        let id = rich_patient(&source, &clinician).await;
        let good = serde_json::to_value(taut_fhir::to_transaction([source
            .fhir_everything(&clinician, &id)
            .await
            .expect("export")]))
        .expect("json");

        let target = app(&testing::sqlite_url().await).await;
        let importer = user(&target, "importer", "clinician").await;
        let entries = good["entry"].as_array().expect("entries");
        let index = |kind: &str| {
            entries
                .iter()
                .rposition(|e| e["resource"]["resourceType"] == kind)
                .expect(kind)
        };
        let (last, procedure, administration, event) = (
            index("Observation"),
            index("Procedure"),
            index("MedicationAdministration"),
            index("AdverseEvent"),
        );
        type Break = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(Break, String)> = vec![
            (Box::new(|b| b["type"] = "document".into()), "Bundle.type".into()),
            (
                Box::new(|b| b["entry"][0]["resource"]["birthDate"] = "1980-02-30".into()),
                "Bundle.entry[0].resource".into(),
            ),
            (
                // The last Observation is an outcome measure.
                Box::new(move |b| b["entry"][last]["resource"]["effectiveDateTime"] = "yesterday".into()),
                format!("Bundle.entry[{last}].resource"),
            ),
            (
                Box::new(|b| b["entry"][1]["resource"]["resourceType"] = "Immunization".into()),
                "Bundle.entry[1].resource.resourceType".into(),
            ),
            (
                Box::new(move |b| b["entry"][last]["resource"]["subject"]["reference"] = "Patient/nobody".into()),
                format!("Bundle.entry[{last}].resource.subject"),
            ),
            (
                // Checked by the app after the patients are written in the same transaction: an expired lot.
                Box::new(move |b| {
                    for part in b["entry"][procedure]["resource"]["extension"][0]["extension"]
                        .as_array_mut()
                        .expect("site parts")
                    {
                        if part["url"] == "expiry" {
                            part["valueString"] = "2025-12-31".into();
                        }
                    }
                }),
                format!("Bundle.entry[{procedure}].resource"),
            ),
            (
                Box::new(move |b| {
                    b["entry"][procedure]["resource"]["reasonCode"][0]["coding"][0]["code"] = "bad".into()
                }),
                format!("Bundle.entry[{procedure}].resource"),
            ),
            (
                Box::new(move |b| b["entry"][procedure]["resource"]["extension"] = json!([])),
                format!("Bundle.entry[{procedure}].resource.extension"),
            ),
            (
                Box::new(move |b| {
                    b["entry"][administration]["resource"]["partOf"] = json!([{"reference": "Procedure/x"}])
                }),
                format!("Bundle.entry[{administration}].resource.partOf"),
            ),
            (
                Box::new(move |b| b["entry"][event]["resource"]["suspectEntity"] = json!([])),
                format!("Bundle.entry[{event}].resource.suspectEntity"),
            ),
            (
                Box::new(move |b| {
                    for part in b["entry"][event]["resource"]["extension"][0]["extension"]
                        .as_array_mut()
                        .expect("event parts")
                    {
                        if part["url"] == "resolved_on" {
                            part["valueString"] = "2025-01-01".into();
                        }
                    }
                }),
                format!("Bundle.entry[{event}].resource"),
            ),
        ];
        for (break_it, expression) in cases {
            let mut bad = good.clone();
            break_it(&mut bad);
            let json = serde_json::to_vec(&bad).expect("json");
            match target.import_fhir(&importer, &json, &["transaction"]).await {
                Err(AppError::Invalid(invalid)) => {
                    assert_eq!(invalid.field, expression, "{url}: {invalid}");
                    // A record's own field leads the message of a refusal the app makes.
                    if expression == format!("Bundle.entry[{procedure}].resource") {
                        assert!(
                            invalid.message.starts_with("sites[0].expiry:")
                                || invalid.message.starts_with("diagnoses[0]:"),
                            "{invalid}"
                        );
                    }
                }
                other => panic!("{url}: {expression}: {other:?}"),
            }
        }
        let stored = target.search_patients(&importer, "", 10, None).await.expect("search");
        assert!(stored.items.is_empty(), "nothing partial is stored");

        // An assistant may not record findings, so may not import them.
        let assistant = user(&target, "assistant", "assistant").await;
        let json = serde_json::to_vec(&good).expect("json");
        assert!(matches!(
            target.import_fhir(&assistant, &json, &["transaction"]).await,
            Err(AppError::Forbidden(_))
        ));
    }
}
