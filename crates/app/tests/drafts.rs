//! The operations behind the web editor's live parts, on both engines: the differential on a drawing being made
//! is the one the saved visit gives, a plan preview stores nothing and checks as the stored draft does, and the
//! classification of signs as entered follows the consensus rule and the roles.

use serde_json::json;
use taut_app::{Actor, App, AppError, AuditKey, Database, DatabaseConfig, PlanRequest, Policy, VisitQuestion};
use taut_atlas::Atlas;
use taut_core::exam::{Classification, Sign, Signs};
use taut_core::plan::{Dose, ItemInput};
use taut_core::records::{EncounterInput, PainMarkInput};
use taut_store::testing;

async fn apps() -> Vec<App> {
    let mut apps = Vec::new();
    for url in testing::backend_urls().await {
        let database = Database::connect(&url, &DatabaseConfig::default())
            .await
            .expect("connect");
        apps.push(App::new(
            database,
            Atlas::embedded().expect("atlas"),
            Policy::default(),
            AuditKey::generate().expect("key"),
        ));
    }
    apps
}

async fn actor(app: &App, username: &str, role: &str) -> Actor {
    app.add_user(&Actor::operator(), username, role, "physician", "correct horse battery")
        .await
        .expect("add user");
    let session = app
        .sign_in(username, "correct horse battery", "10.0.0.9")
        .await
        .expect("sign in");
    app.session(&session.token).await.expect("session")
}

/// A patient with one visit: the patient's and the visit's ids.
async fn visit(app: &App, clinician: &Actor) -> (String, String) {
    let demographics = serde_json::from_value(json!({
        "mrn": "MRN-DRAFT", "given_name": "Ada", "family_name": "Lovelace", "birth_date": "1980-02-29",
        "sex": "female", "weight_kg": 70, "allergies": [], "conditions": [], "medications": []
    }))
    .expect("demographics");
    let patient = app.create_patient(clinician, demographics).await.expect("patient");
    let encounter = EncounterInput {
        kind: "assessment".into(),
        occurred_at: None,
        notes: None,
    };
    let visit = app
        .create_encounter(clinician, &patient.id, encounter)
        .await
        .expect("visit");
    (patient.id, visit.id)
}

fn marks() -> Vec<PainMarkInput> {
    [("temple:right", 7), ("neck-posterior:right", 5)]
        .into_iter()
        .map(|(region, intensity)| PainMarkInput {
            region: region.into(),
            side: None,
            intensity,
            quality: None,
        })
        .collect()
}

#[tokio::test]
async fn the_draft_differential_is_the_one_the_saved_visit_gives() {
    for app in apps().await {
        let clinician = actor(&app, "alice", "clinician").await;
        let (_, visit) = visit(&app, &clinician).await;
        let ranked = |d: &taut_core::differential::Differential<'_>| {
            d.candidates
                .iter()
                .map(|c| (c.point.id.clone(), format!("{:.6}", c.score)))
                .collect::<Vec<_>>()
        };
        let draft = app
            .draft_differential(&clinician, &visit, marks(), VisitQuestion::default())
            .await
            .expect("draft");
        assert!(!draft.candidates.is_empty());
        app.add_pain_drawing(&clinician, &visit, marks()).await.expect("saved");
        let saved = app
            .encounter_differential(&clinician, &visit, VisitQuestion::default())
            .await
            .expect("saved visit");
        assert_eq!(ranked(&draft), ranked(&saved));
        // An empty drawing is refused naming the field; a role without the differential is refused.
        assert!(matches!(
            app.draft_differential(&clinician, &visit, Vec::new(), VisitQuestion::default()).await,
            Err(AppError::Invalid(i)) if i.field == "marks"
        ));
        let auditor = actor(&app, "audrey", "auditor").await;
        assert!(matches!(
            app.draft_differential(&auditor, &visit, marks(), VisitQuestion::default())
                .await,
            Err(AppError::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn a_plan_preview_stores_nothing_and_checks_as_the_draft_does() {
    for app in apps().await {
        let clinician = actor(&app, "bea", "clinician").await;
        let (patient, visit) = visit(&app, &clinician).await;
        let item = |muscle: &str, side: &str, units: f64| ItemInput {
            muscle: muscle.into(),
            side: Some(side.into()),
            site: None,
            agent: "incobotulinumtoxinA".into(),
            dose: Some(Dose {
                value: units,
                unit: "U".into(),
            }),
            volume_ml: None,
            concentration_percent: None,
            points: Some(1),
            vial: None,
            vial_mg: None,
        };
        let request = PlanRequest {
            items: Some(vec![item("masseter", "left", 300.0), item("masseter", "right", 150.0)]),
            ..PlanRequest::default()
        };
        let preview = app.preview_plan(&clinician, &visit, &request).await.expect("preview");
        assert!(preview.has_error(), "450 U is over the 400 U session maximum");
        let timeline = app.timeline(&clinician, &patient).await.expect("timeline");
        assert!(timeline.encounters[0].plans.is_empty(), "a preview stores nothing");
        let draft = app.create_plan(&clinician, &visit, request).await.expect("draft");
        assert_eq!(
            serde_json::to_value(&preview).expect("json"),
            draft.output,
            "the preview is the check the draft stores"
        );
        let assistant = actor(&app, "cara", "assistant").await;
        let refused = app
            .preview_plan(&actor(&app, "audrey", "auditor").await, &visit, &PlanRequest::default())
            .await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))));
        // An assistant checks plans (but does not write them).
        let request = PlanRequest {
            template: Some("xeomin-facial".into()),
            ..PlanRequest::default()
        };
        assert!(app.preview_plan(&assistant, &visit, &request).await.is_ok());
    }
}

#[tokio::test]
async fn signs_as_entered_are_classified_by_the_consensus_rule() {
    for app in apps().await {
        let clinician = actor(&app, "dana", "clinician").await;
        let signs = Signs {
            taut_band: Sign::Yes,
            spot_tenderness: Sign::Yes,
            pain_recognised: Sign::Yes,
            ..Signs::default()
        };
        assert_eq!(
            app.classify_signs(&clinician, &signs).await.expect("classified"),
            Classification::Active
        );
        assert_eq!(
            app.classify_signs(&clinician, &Signs::default())
                .await
                .expect("classified"),
            Classification::Insufficient
        );
        let assistant = actor(&app, "eli", "assistant").await;
        assert!(matches!(
            app.classify_signs(&assistant, &signs).await,
            Err(AppError::Forbidden(_))
        ));
    }
}
