//! Patient check-in links on SQLite and PostgreSQL: a link opens its form until it expires, is used or is
//! revoked, and every refused link gets the same error; a submission lands patient-reported and flagged for
//! review in one transaction, audited with the link as actor; only the clinical roles send links and review.

use std::sync::{Arc, Mutex};

use taut_app::{Actor, App, AppError, AuditKey, CheckinAnswers, Clock, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;
use taut_core::records::Demographics;
use taut_store::testing;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// A clock the test moves forward.
#[derive(Clone)]
struct Hands(Arc<Mutex<OffsetDateTime>>);

impl Hands {
    fn new() -> Hands {
        Hands(Arc::new(Mutex::new(datetime!(2026-12-01 10:00 UTC))))
    }

    fn clock(&self) -> Clock {
        let hands = self.0.clone();
        Clock::from_fn(move || *hands.lock().expect("clock"))
    }

    fn advance(&self, by: Duration) {
        *self.0.lock().expect("clock") += by;
    }
}

async fn apps(hands: &Hands) -> Vec<App> {
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
        apps.push(app.with_clock(hands.clock()));
    }
    apps
}

async fn user(app: &App, name: &str, role: &str) -> Actor {
    let operator = Actor::operator();
    app.add_user(&operator, name, role, "physician", "a long enough password")
        .await
        .expect("user");
    let token = app.create_token(&operator, name).await.expect("token");
    app.authenticate(&token).await.expect("actor")
}

async fn patient(app: &App, actor: &Actor) -> String {
    let demographics = Demographics {
        mrn: "CHK-1".into(),
        given_name: "Ada".into(),
        family_name: "Lovelace".into(),
        birth_date: "1980-02-29".into(),
        sex: "female".into(),
        weight_kg: None,
        allergies: vec![],
        conditions: vec![],
        medications: vec![],
        notes: None,
    };
    app.create_patient(actor, demographics).await.expect("patient").id
}

fn answers() -> CheckinAnswers {
    CheckinAnswers {
        pain_nrs: Some(3),
        side_effects: vec!["post-injection-soreness".into()],
        adherence_percent: Some(75),
        pain_drawing: vec!["temple:right:6".into()],
        note: Some("Better in the mornings".into()),
    }
}

fn is_closed<T: std::fmt::Debug>(result: Result<T, AppError>) -> bool {
    matches!(result, Err(AppError::NotFound(ref what)) if what == taut_app::CHECKIN_CLOSED)
}

#[tokio::test]
async fn a_submission_lands_patient_reported_flagged_and_audited_and_uses_the_link() {
    let hands = Hands::new();
    for app in apps(&hands).await {
        let clara = user(&app, "clara", "clinician").await;
        let audrey = user(&app, "audrey", "auditor").await;
        let patient = patient(&app, &clara).await;
        let link = app.create_checkin_link(&clara, &patient, None).await.expect("link");
        assert_eq!(link.path, format!("/checkin/{}", link.token));
        assert_eq!(link.expires_at, "2026-12-08T10:00:00.000000Z", "seven days by default");

        let form = app.open_checkin(&link.token).await.expect("form");
        assert!(
            form.side_effects.iter().any(|(id, _)| id == "post-injection-soreness"),
            "no procedure yet: the whole plain-language list"
        );
        // Opening again is fine until the link is used.
        app.open_checkin(&link.token).await.expect("open twice");

        let report = app
            .submit_checkin(&link.token, &form.form_key, &answers())
            .await
            .expect("submit");
        assert_eq!(report.source, "patient-reported");
        assert!(report.needs_review);
        assert_eq!(report.pain_nrs, 3);
        assert_eq!(report.pain_drawing[0].region, "temple");
        assert_eq!(report.pain_drawing[0].side.as_deref(), Some("right"));

        // One use: the link opens nothing now, and a second submission stores nothing.
        assert!(is_closed(app.open_checkin(&link.token).await));
        assert!(is_closed(
            app.submit_checkin(&link.token, &form.form_key, &answers()).await
        ));

        let listed = app.patient_checkins(&clara, &patient).await.expect("list");
        assert_eq!(listed.reports.len(), 1);
        assert!(listed.links[0].used_at.is_some());
        let reviews = app.checkin_reviews(&clara).await.expect("reviews");
        assert_eq!(reviews.len(), 1);
        assert_eq!(reviews[0].mrn, "CHK-1");

        let reviewed = app.review_checkin(&clara, &report.id).await.expect("review");
        assert!(!reviewed.needs_review && reviewed.reviewed_at.is_some());
        assert_eq!(reviewed.source, "patient-reported", "still the patient's word");
        assert!(matches!(
            app.review_checkin(&clara, &report.id).await,
            Err(AppError::Conflict(_))
        ));
        assert!(app.checkin_reviews(&clara).await.expect("reviews").is_empty());

        let trail = app.audit_log(&audrey, Some(&patient), 0, 500).await.expect("audit");
        let submit = trail
            .iter()
            .find(|e| e.action == "checkin.submit")
            .expect("the submission is audited");
        assert_eq!(submit.actor, format!("patient via check-in link {}", link.id));
        assert_eq!(submit.actor_id, None, "the link, not a user");
        assert_eq!(submit.record_id.as_deref(), Some(report.id.as_str()));
        for action in ["checkin_link.create", "checkin.open", "checkin.review"] {
            assert!(trail.iter().any(|e| e.action == action), "{action} not audited");
        }
        assert!(
            trail
                .iter()
                .any(|e| e.action == "checkin.refused" && e.details.as_ref().is_some_and(|d| d["reason"] == "used")),
            "the reason is in the audit trail only"
        );
    }
}

#[tokio::test]
async fn expired_altered_revoked_and_unknown_links_are_refused_alike() {
    let hands = Hands::new();
    for app in apps(&hands).await {
        let clara = user(&app, "clara", "clinician").await;
        let patient = patient(&app, &clara).await;

        let short = app.create_checkin_link(&clara, &patient, Some(1)).await.expect("link");
        let form = app.open_checkin(&short.token).await.expect("open");

        // Altered: one character changed, truncated, another kind of token, nonsense.
        let mut altered = short.token.clone();
        let last = altered.pop().expect("char");
        altered.push(if last == '0' { '1' } else { '0' });
        for token in [
            altered.as_str(),
            &short.token[..short.token.len() - 1],
            "tautweb_0000",
            "",
            "../../etc/passwd",
        ] {
            assert!(is_closed(app.open_checkin(token).await), "{token:?}");
        }
        // A form without the link's own key is refused alike and stores nothing.
        assert!(is_closed(app.submit_checkin(&short.token, "forged", &answers()).await));
        assert!(is_closed(
            app.submit_checkin(&altered, &form.form_key, &answers()).await
        ));

        // Revoked.
        let revoked = app.create_checkin_link(&clara, &patient, None).await.expect("link");
        app.revoke_checkin_link(&clara, &revoked.id).await.expect("revoke");
        assert!(is_closed(app.open_checkin(&revoked.token).await));
        assert!(matches!(
            app.revoke_checkin_link(&clara, &revoked.id).await,
            Err(AppError::Conflict(_))
        ));

        // Expired: a day and a second later.
        hands.advance(Duration::days(1) + Duration::seconds(1));
        assert!(is_closed(app.open_checkin(&short.token).await));
        assert!(is_closed(
            app.submit_checkin(&short.token, &form.form_key, &answers()).await
        ));

        let listed = app.patient_checkins(&clara, &patient).await.expect("list");
        assert!(listed.reports.is_empty(), "nothing was stored");
        hands.advance(-(Duration::days(1) + Duration::seconds(1)));

        // A deleted patient's open link opens nothing either.
        let orphan = app.create_checkin_link(&clara, &patient, None).await.expect("link");
        app.open_checkin(&orphan.token).await.expect("open before");
        app.delete_patient(&clara, &patient, "duplicate record", Some(1), None)
            .await
            .expect("delete");
        assert!(is_closed(app.open_checkin(&orphan.token).await));
    }
}

#[tokio::test]
async fn invalid_answers_store_nothing_and_keep_the_link_open() {
    let hands = Hands::new();
    for app in apps(&hands).await {
        let clara = user(&app, "clara", "clinician").await;
        let patient = patient(&app, &clara).await;
        let link = app.create_checkin_link(&clara, &patient, None).await.expect("link");
        let form = app.open_checkin(&link.token).await.expect("open");
        let bad = CheckinAnswers {
            pain_nrs: Some(12),
            ..answers()
        };
        match app.submit_checkin(&link.token, &form.form_key, &bad).await {
            Err(AppError::Invalid(invalid)) => assert_eq!(invalid.field, "pain_nrs"),
            other => panic!("expected invalid, got {other:?}"),
        }
        app.open_checkin(&link.token).await.expect("still open");
        app.submit_checkin(&link.token, &form.form_key, &answers())
            .await
            .expect("then valid");
    }
}

#[tokio::test]
async fn only_clinical_roles_send_links_within_the_bound() {
    let hands = Hands::new();
    for app in apps(&hands).await {
        let clara = user(&app, "clara", "clinician").await;
        let cara = user(&app, "cara", "assistant").await;
        let audrey = user(&app, "audrey", "auditor").await;
        let adam = user(&app, "adam", "admin").await;
        let patient = patient(&app, &clara).await;
        app.create_checkin_link(&cara, &patient, Some(taut_app::CHECKIN_MAX_DAYS))
            .await
            .expect("an assistant may send one");
        for actor in [&audrey, &adam] {
            assert!(
                matches!(
                    app.create_checkin_link(actor, &patient, None).await,
                    Err(AppError::Forbidden(_))
                ),
                "{}",
                actor.name
            );
        }
        for days in [0, taut_app::CHECKIN_MAX_DAYS + 1] {
            match app.create_checkin_link(&clara, &patient, Some(days)).await {
                Err(AppError::Invalid(invalid)) => assert_eq!(invalid.field, "days"),
                other => panic!("{days}: {other:?}"),
            }
        }
        assert!(matches!(
            app.create_checkin_link(&clara, "0190b2d3-7c1e-7b8a-9f3e-2a1b3c4d5e6f", None)
                .await,
            Err(AppError::NotFound(_))
        ));
    }
}
