//! The app reads the time from its injected clock: "today" and "the future" are judged against the clock the
//! test fixes, not against the day the suite runs (each test would pass or fail differently on the wall clock).

use taut_app::{Actor, App, AppError, AuditKey, Clock, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;
use taut_core::records::{Demographics, EncounterInput};
use taut_store::testing;
use time::macros::datetime;

/// 2 March 2026, 10:00 UTC: a date the wall clock has already left behind.
const FIXED: time::OffsetDateTime = datetime!(2026-03-02 10:00 UTC);

async fn apps(clock: Clock) -> Vec<App> {
    let mut apps = Vec::new();
    for url in testing::backend_urls().await {
        let database = Database::connect(&url, &DatabaseConfig::default())
            .await
            .expect("connect");
        let app = App::new(
            database,
            Atlas::embedded().expect("atlas"),
            Policy::default(),
            AuditKey::generate().expect("key"),
        );
        apps.push(app.with_clock(clock.clone()));
    }
    apps
}

async fn clinician(app: &App) -> Actor {
    let operator = Actor::operator();
    app.add_user(&operator, "clara", "clinician", "physician", "a long enough password")
        .await
        .expect("user");
    let token = app.create_token(&operator, "clara").await.expect("token");
    app.authenticate(&token).await.expect("actor")
}

fn born(birth_date: &str) -> Demographics {
    Demographics {
        mrn: "CLK-1".into(),
        given_name: "Ada".into(),
        family_name: "Lovelace".into(),
        birth_date: birth_date.into(),
        sex: "female".into(),
        weight_kg: None,
        allergies: vec![],
        conditions: vec![],
        medications: vec![],
        notes: None,
    }
}

fn visit(at: &str) -> EncounterInput {
    EncounterInput {
        kind: "assessment".into(),
        occurred_at: Some(at.into()),
        notes: None,
    }
}

fn refused_field(result: Result<impl std::fmt::Debug, AppError>) -> String {
    match result {
        Err(AppError::Invalid(invalid)) => invalid.field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

#[tokio::test]
async fn a_birth_date_after_the_clocks_today_is_refused() {
    for app in apps(Clock::fixed(FIXED)).await {
        let clara = clinician(&app).await;
        // Long past on the wall clock, but tomorrow for this app.
        let field = refused_field(app.create_patient(&clara, born("2026-03-03")).await);
        assert_eq!(field, "birth_date");
        app.create_patient(&clara, born("2026-03-02"))
            .await
            .expect("born today is valid");
    }
}

#[tokio::test]
async fn a_visit_more_than_a_day_after_the_clock_is_refused_and_one_today_is_kept() {
    for app in apps(Clock::fixed(FIXED)).await {
        let clara = clinician(&app).await;
        let patient = app.create_patient(&clara, born("1980-01-01")).await.expect("patient");
        let field = refused_field(
            app.create_encounter(&clara, &patient.id, visit("2026-03-04T10:00:00Z"))
                .await,
        );
        assert_eq!(field, "occurred_at");
        let kept = app
            .create_encounter(&clara, &patient.id, visit("2026-03-02T09:00:00Z"))
            .await
            .expect("a visit this morning is kept");
        assert_eq!(kept.fields.occurred_at, "2026-03-02T09:00:00.000000Z");
    }
}

#[tokio::test]
async fn a_visit_and_a_patient_without_a_time_are_stamped_with_the_clock() {
    for app in apps(Clock::fixed(FIXED)).await {
        let clara = clinician(&app).await;
        let patient = app.create_patient(&clara, born("1980-01-01")).await.expect("patient");
        let input = EncounterInput {
            kind: "follow-up".into(),
            occurred_at: None,
            notes: None,
        };
        let encounter = app.create_encounter(&clara, &patient.id, input).await.expect("visit");
        assert_eq!(encounter.fields.occurred_at, "2026-03-02T10:00:00.000000Z");
        assert_eq!(encounter.created_at, "2026-03-02T10:00:00.000000Z");
        assert_eq!(patient.created_at, "2026-03-02T10:00:00.000000Z");
    }
}
