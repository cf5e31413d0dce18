//! The treatment pages over HTTP on both engines: the procedure form records through the app and refuses with
//! the message beside the field (expired lot, a profession the clinic does not let inject), roles and forged
//! cross-site posts are refused, the procedure shows on its note, the timeline, the chart and the alerts, and a
//! side effect is recorded and resolved.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};
use taut_app::{Actor, App, AuditKey, Clock, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;
use taut_core::plan::{Catalog, LimitKind};
use taut_core::records::{Demographics, EncounterInput, OutcomeInput};
use taut_store::testing;

/// The clinic's "now" in these tests.
const NOW: &str = "2026-11-26T12:00:00Z";
const TODAY: &str = "2026-11-26";

struct Server {
    base: String,
    app: App,
    client: Client,
}

async fn servers() -> Vec<Server> {
    let now = time::OffsetDateTime::parse(NOW, &time::format_description::well_known::Rfc3339).expect("now");
    let mut servers = Vec::new();
    for url in testing::backend_urls().await {
        let database = Database::connect(&url, &DatabaseConfig::default())
            .await
            .expect("connect");
        let key = AuditKey::generate().expect("key");
        let app =
            App::new(database, Atlas::embedded().expect("atlas"), Policy::default(), key).with_clock(Clock::fixed(now));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let served = app.clone();
        tokio::spawn(async move { taut_server::serve(listener, served).await });
        let client = Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .expect("client");
        servers.push(Server { base, app, client });
    }
    servers
}

impl Server {
    async fn user(&self, username: &str, role: &str, profession: &str) -> String {
        self.app
            .add_user(&Actor::operator(), username, role, profession, "a long enough password")
            .await
            .expect("add user");
        let response = self
            .client
            .post(format!("{}/signin", self.base))
            .header("origin", &self.base)
            .header("sec-fetch-site", "same-origin")
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(
                serde_urlencoded::to_string([
                    ("username", username),
                    ("password", "a long enough password"),
                    ("next", "/"),
                ])
                .expect("form"),
            )
            .send()
            .await
            .expect("sign in");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let set = response.headers()[SET_COOKIE].to_str().expect("cookie").to_owned();
        set.split(';').next().expect("pair").to_owned()
    }

    async fn get(&self, path: &str, cookie: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, cookie)
            .send()
            .await
            .expect("get");
        (response.status(), response.text().await.expect("body"))
    }

    async fn post(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, cookie)
            .header("origin", &self.base)
            .header("sec-fetch-site", "same-origin")
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("form"))
            .send()
            .await
            .expect("post")
    }

    /// A patient with a visit and two pain scores; returns (patient id, encounter id).
    async fn patient(&self, clinician: &str) -> (String, String) {
        let actor = self.app.local_user(clinician).await.expect("actor");
        let patient = self
            .app
            .create_patient(
                &actor,
                Demographics {
                    mrn: "T-100".into(),
                    given_name: "Ada".into(),
                    family_name: "Lovelace".into(),
                    birth_date: "1970-05-01".into(),
                    sex: "female".into(),
                    weight_kg: Some(62.0),
                    allergies: Vec::new(),
                    conditions: Vec::new(),
                    medications: Vec::new(),
                    notes: None,
                },
            )
            .await
            .expect("patient");
        let encounter = self
            .app
            .create_encounter(
                &actor,
                &patient.id,
                EncounterInput {
                    kind: "procedure".into(),
                    occurred_at: Some("2026-11-26T10:45:00Z".into()),
                    notes: None,
                },
            )
            .await
            .expect("encounter");
        let finding: taut_core::records::FindingInput = serde_json::from_value(serde_json::json!({
            "trigger_point": "masseter-superficial-upper", "side": "left", "spot_tenderness": "yes",
            "pressure_threshold_kg_cm2": 1.8
        }))
        .expect("finding");
        self.app
            .add_finding(&actor, &encounter.id, finding)
            .await
            .expect("finding");
        for (value, at) in [(7.0, "2026-11-20T09:00:00Z"), (4.0, "2026-11-26T11:30:00Z")] {
            self.app
                .add_outcome(
                    &actor,
                    &patient.id,
                    OutcomeInput {
                        measure: "pain-nrs".into(),
                        value,
                        unit: None,
                        name: None,
                        encounter_id: None,
                        recorded_at: Some(at.into()),
                    },
                )
                .await
                .expect("score");
        }
        (patient.id, encounter.id)
    }

    async fn procedures(&self, clinician: &str, patient: &str) -> usize {
        let actor = self.app.local_user(clinician).await.expect("actor");
        let timeline = self.app.timeline(&actor, patient).await.expect("timeline");
        timeline.encounters.iter().map(|e| e.procedures.len()).sum()
    }
}

/// A toxin site as the form sends it, with a lot that expires on `expiry`.
fn toxin_form(expiry: &str) -> Vec<(&'static str, String)> {
    [
        ("consent_obtained", "yes"),
        ("risks", "soreness\nbruising"),
        ("consent_by", "Dr Demo"),
        ("started_at", "2026-11-26T11:00"),
        ("ended_at", "2026-11-26T11:10"),
        ("sites[0].muscle", "masseter"),
        ("sites[0].side", "left"),
        ("sites[0].agent", "Xeomin"),
        ("sites[0].dose", "15"),
        ("sites[0].dose_unit", "U"),
        ("sites[0].points", "1"),
        ("sites[0].needle", "30 G 13 mm"),
        ("sites[0].guidance", "landmark"),
        ("sites[0].lot", "LOT-A123"),
        ("sites[0].reconstitution_ml", "2.5"),
        ("sites[0].vial_units", "100"),
        ("sites[1].muscle", ""),
        ("sites[1].agent", ""),
        ("diagnoses", "M79.11"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .chain([("sites[0].expiry", expiry.to_owned())])
    .collect()
}

fn pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn a_procedure_recorded_on_the_form_shows_on_its_note_the_timeline_the_chart_and_the_alerts() {
    let interval = Catalog::embedded()
        .expect("catalog")
        .limit("incobotulinumtoxinA", LimitKind::RetreatmentDays)
        .expect("a cited interval")
        .value as i64;
    let not_before = time::macros::date!(2026 - 11 - 26) + time::Duration::days(interval);
    for server in servers().await {
        let cookie = server.user("alice", "clinician", "physician").await;
        let (patient, encounter) = server.patient("alice").await;
        let (status, form) = server
            .get(&format!("/encounters/{encounter}/procedures/new"), &cookie)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains("Record a procedure") && form.contains("Ada Lovelace"));
        assert!(form.contains(r#"<label for="s0-lot">Lot number"#), "labelled lot field");

        let sent = toxin_form("2027-06-30");
        let response = server
            .post(&format!("/encounters/{encounter}/procedures"), &cookie, &pairs(&sent))
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let note_path = response.headers()[LOCATION].to_str().expect("location").to_owned();
        assert!(note_path.starts_with("/procedures/"), "{note_path}");
        let id = note_path.trim_start_matches("/procedures/").to_owned();

        let (status, note) = server.get(&note_path, &cookie).await;
        assert_eq!(status, StatusCode::OK);
        for expected in [
            "Procedure note",
            "Lovelace, Ada",
            "incobotulinumtoxinA",
            "lot LOT-A123, expires 2027-06-30",
            "Obtained by Dr Demo; risks discussed: soreness; bruising",
            "M79.11",
            "HCPCS",
        ] {
            assert!(note.contains(expected), "the note lacks {expected}");
        }
        assert!(
            note.contains("/assets/print.js") && !note.contains("<script>"),
            "no inline script"
        );

        let (status, page) = server.get(&format!("/patients/{patient}"), &cookie).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains(&format!(r#"href="/procedures/{id}""#)),
            "listed on the timeline"
        );
        assert!(
            page.contains(&format!("incobotulinumtoxinA: not before {not_before}")),
            "re-treatment alert for {not_before}"
        );
        assert!(page.contains(r#"id="alert-followups""#), "the toxin's checks are due");
        // The chart: both scores as points and the procedure as a marker, named for assistive technology.
        assert!(page.contains(r#"data-value="7" data-at="2026-11-20""#));
        assert!(page.contains(r#"data-value="4" data-at="2026-11-26""#));
        assert!(page.contains(r#"class="marker" data-at="2026-11-26""#));
        assert!(page.contains(r#"<title id="nrs-title">Pain NRS over time, procedures marked</title>"#));
        assert_eq!(server.procedures("alice", &patient).await, 1);
        // The threshold chart: the visit's measurement on its trigger point, named by muscle, point and side.
        assert!(page.contains(r#"<g class="series s0" data-series="Masseter: superficial layer, upper part, left">"#));
        assert!(page.contains(r#"data-value="1.8" data-at="2026-11-26""#));

        // A side effect recorded, shown open on the patient page, then resolved.
        let response = server
            .post(
                &format!("/procedures/{id}/side-effects"),
                &cookie,
                &[
                    ("effect", "bruising-hematoma"),
                    ("site", "masseter:left"),
                    ("onset", TODAY),
                    ("severity", "mild"),
                    ("actions", "cold pack"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, page) = server.get(&format!("/patients/{patient}"), &cookie).await;
        assert!(page.contains(r#"id="alert-side-effects""#) && page.contains("Bruising or hematoma"));
        let (_, note) = server.get(&note_path, &cookie).await;
        let event = note
            .split(r#"action="/side-effects/"#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a resolve form")
            .to_owned();
        let response = server
            .post(
                &format!("/side-effects/{event}"),
                &cookie,
                &[
                    ("procedure_id", id.as_str()),
                    ("effect", "bruising-hematoma"),
                    ("site", "masseter:left"),
                    ("onset", TODAY),
                    ("severity", "mild"),
                    ("actions", "cold pack"),
                    ("version", "1"),
                    ("resolved_on", TODAY),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, page) = server.get(&format!("/patients/{patient}"), &cookie).await;
        assert!(!page.contains(r#"id="alert-side-effects""#), "resolved: no longer open");

        // The self-care sheet with the clinic's contact, the treated muscle's points and the chart.
        let (status, sheet) = server
            .get(
                &format!("/patients/{patient}/selfcare?procedure={id}&contact=Clinic+555-0100"),
                &cookie,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(sheet.contains("Clinic 555-0100"), "the contact");
        assert!(sheet.contains(r#"id="selfcare-nrs""#), "the pain chart");
        assert!(sheet.contains("Masseter"), "the treated muscle's points");
        assert!(sheet.contains("How long: usually "), "how long each effect lasts");
        assert!(!sheet.contains("lasts usually"), "said once");
    }
}

#[tokio::test]
async fn an_expired_lot_is_refused_beside_its_field_and_nothing_is_written() {
    for server in servers().await {
        let cookie = server.user("alice", "clinician", "physician").await;
        let (patient, encounter) = server.patient("alice").await;
        let sent = toxin_form("2026-10-31");
        let response = server
            .post(&format!("/encounters/{encounter}/procedures"), &cookie, &pairs(&sent))
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = response.text().await.expect("body");
        let beside = body
            .split(r#"id="s0-expiry-err">"#)
            .nth(1)
            .expect("an error beside the expiry field");
        assert!(
            beside.starts_with("lot LOT-A123 expired on 2026-10-31"),
            "{beside:.120}"
        );
        assert!(body.contains(r#"value="LOT-A123""#), "the form comes back as sent");
        assert_eq!(server.procedures("alice", &patient).await, 0);
    }
}

/// The form offers a steroid site's vial; a single-dose vial is billed with JW for the discarded rest, shown on
/// the note with the vial; a single-dose vial without its content comes back with the error beside that field.
#[tokio::test]
async fn a_steroid_vial_chosen_on_the_form_decides_jw() {
    for server in servers().await {
        let cookie = server.user("alice", "clinician", "physician").await;
        let (patient, encounter) = server.patient("alice").await;
        let (status, form) = server
            .get(&format!("/encounters/{encounter}/procedures/new"), &cookie)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains(r#"name="sites[0].vial""#), "the vial select");
        assert!(form.contains(r#"<option value="single-dose">single-dose</option>"#));
        assert!(form.contains(r#"name="sites[0].vial_mg""#), "the vial content field");
        let steroid = |vial_mg: &'static str| -> Vec<(&'static str, &'static str)> {
            vec![
                ("consent_obtained", "yes"),
                ("started_at", "2026-11-26T11:00"),
                ("ended_at", "2026-11-26T11:10"),
                ("sites[0].muscle", "trapezius"),
                ("sites[0].side", "left"),
                ("sites[0].agent", "Kenalog"),
                ("sites[0].dose", "20"),
                ("sites[0].dose_unit", "mg"),
                ("sites[0].lot", "K40-7"),
                ("sites[0].expiry", "2027-06-30"),
                ("sites[0].vial", "single-dose"),
                ("sites[0].vial_mg", vial_mg),
            ]
        };
        let path = format!("/encounters/{encounter}/procedures");
        let refused = server.post(&path, &cookie, &steroid("")).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = refused.text().await.expect("body");
        assert!(
            body.contains(r#"id="s0-vial_mg-err""#),
            "the error beside the vial content"
        );
        assert!(
            body.contains(r#"<option value="single-dose" selected>"#),
            "the form comes back as sent"
        );
        assert_eq!(server.procedures("alice", &patient).await, 0);

        let response = server.post(&path, &cookie, &steroid("40")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let note_path = response.headers()[LOCATION].to_str().expect("location").to_owned();
        let (status, note) = server.get(&note_path, &cookie).await;
        assert_eq!(status, StatusCode::OK);
        assert!(note.contains("single-dose vial of 40 mg"), "the vial on the note");
        assert!(note.contains("J3301"), "the steroid line");
        assert!(note.contains("JW"), "the discarded 20 mg");
    }
}

#[tokio::test]
async fn roles_professions_and_forged_posts_are_refused() {
    for server in servers().await {
        let clinician = server.user("alice", "clinician", "physician").await;
        let (patient, encounter) = server.patient("alice").await;
        let sent = toxin_form("2027-06-30");

        // An assistant may read the patient but not record a procedure.
        let assistant = server.user("cara", "assistant", "other").await;
        let (status, _) = server
            .get(&format!("/encounters/{encounter}/procedures/new"), &assistant)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let response = server
            .post(
                &format!("/encounters/{encounter}/procedures"),
                &assistant,
                &pairs(&sent),
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let (_, page) = server.get(&format!("/patients/{patient}"), &assistant).await;
        assert!(
            !page.contains("/procedures/new"),
            "no link to a form the role may not use"
        );

        // A physical therapist may record dry needling but not a toxin injection (the default policy).
        let therapist = server.user("theo", "clinician", "physical-therapist").await;
        let response = server
            .post(
                &format!("/encounters/{encounter}/procedures"),
                &therapist,
                &pairs(&sent),
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body = response.text().await.expect("body");
        assert!(body.contains(r#"id="s0-agent-err">Not allowed: a physical-therapist may not record an injection"#));

        // A cross-site post with a valid session cookie is refused before it reaches the form.
        let forged = server
            .client
            .post(format!("{}/encounters/{encounter}/procedures", server.base))
            .header(COOKIE, &clinician)
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(pairs(&sent)).expect("form"))
            .send()
            .await
            .expect("post");
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert_eq!(server.procedures("alice", &patient).await, 0);
    }
}

#[tokio::test]
async fn a_signed_plan_prints_and_fills_the_procedure_form() {
    for server in servers().await {
        let cookie = server.user("alice", "clinician", "physician").await;
        let (_, encounter) = server.patient("alice").await;
        let actor = server.app.local_user("alice").await.expect("actor");
        let request: taut_app::PlanRequest = serde_json::from_value(serde_json::json!({
            "items": [{"muscle": "masseter", "side": "right", "agent": "Xeomin", "dose": {"value": 15, "unit": "U"}, "points": 1}],
            "reconstitution": [{"agent": "Xeomin", "vial_units": 100, "diluent_ml": 2.5}]
        }))
        .expect("request");
        let draft = server.app.create_plan(&actor, &encounter, request).await.expect("plan");
        let (status, page) = server.get(&format!("/plans/{}/print", draft.id), &cookie).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("not signed: it is not an order to treat"),
            "a draft says so"
        );
        assert!(!page.contains("procedures/new?plan="), "no procedure from a draft");
        let signed = server
            .app
            .sign_plan(&actor, &draft.id, taut_app::SignRequest::default(), Some(draft.version))
            .await
            .expect("sign");
        let (_, page) = server.get(&format!("/plans/{}/print", signed.id), &cookie).await;
        assert!(page.contains(r#"id="plan-status">signed"#) && page.contains("Masseter"));
        assert!(page.contains("tp-mark"), "the planned muscle's points on the body map");
        assert!(page.contains(r#"id="plan-nrs""#), "the pain chart");
        let form_link = format!("/encounters/{encounter}/procedures/new?plan={}", signed.id);
        assert!(page.contains(&form_link.replace('&', "&amp;")) || page.contains(&form_link));
        let (status, form) = server.get(&form_link, &cookie).await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains(&format!(r#"name="plan_id" value="{}""#, signed.id)));
        assert!(
            form.contains(r#"id="s0-muscle" name="sites[0].muscle" value="masseter""#),
            "filled from the plan"
        );
        assert!(form.contains(r#"id="s0-reconstitution_ml" name="sites[0].reconstitution_ml" value="2.5""#));
    }
}
