//! Who may do what, over HTTP, on SQLite and PostgreSQL: every role against one representative route per
//! permission. The expected status is read from the app's allow-list (`taut_app::granted`), so this table and
//! the allow-list cannot drift apart: a granted permission answers 2xx, any other 403 `forbidden`.

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use taut_app::{Actor, App, AuditKey, Database, DatabaseConfig, Permission, Policy, Role, granted, parse_role};
use taut_atlas::Atlas;
use taut_core::vocab::Vocabulary;
use taut_store::testing;

struct Server {
    base: String,
    app: App,
    client: Client,
}

impl Server {
    async fn start(url: &str) -> Server {
        let database = Database::connect(url, &DatabaseConfig::default())
            .await
            .expect("connect");
        let key = AuditKey::generate().expect("key");
        let app = App::new(database, Atlas::embedded().expect("atlas"), Policy::default(), key);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let base = format!("http://{}/api/v1", listener.local_addr().expect("address"));
        let served = app.clone();
        tokio::spawn(async move { taut_server::serve(listener, served).await });
        Server {
            base,
            app,
            client: Client::new(),
        }
    }

    async fn user(&self, username: &str, role: &str) -> String {
        let operator = Actor::operator();
        self.app
            .add_user(&operator, username, role, "physician", "a long enough password")
            .await
            .expect("add user");
        self.app.create_token(&operator, username).await.expect("token")
    }

    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Creates a record as the set-up clinician and returns its id.
    async fn create(&self, token: &str, path: &str, body: Value) -> String {
        let (status, created) = self.call(Method::POST, path, token, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "set-up {path}: {created}");
        created["id"].as_str().expect("id").to_owned()
    }
}

/// Records each probe acts on, made fresh for each role so that one role's writes (a deletion) do not change
/// what the next role sees.
struct Fixture {
    patient: String,
    encounter: String,
    procedure_encounter: String,
    /// A patient of its own for the deletion, so that the other probes find theirs.
    doomed: String,
    mrn: String,
}

fn new_patient(mrn: &str) -> Value {
    json!({"mrn": mrn, "given_name": "Ada", "family_name": "Lovelace", "birth_date": "1980-02-29",
           "sex": "female", "weight_kg": 70, "allergies": [], "conditions": [], "medications": []})
}

async fn fixture(s: &Server, setup: &str, role: &str) -> Fixture {
    let patient_id = s.create(setup, "/patients", new_patient(&format!("MX-{role}"))).await;
    let visit = json!({"kind": "procedure", "occurred_at": "2026-10-01T09:00:00Z"});
    let encounter = s
        .create(setup, &format!("/patients/{patient_id}/encounters"), visit.clone())
        .await;
    let procedure_encounter = s
        .create(setup, &format!("/patients/{patient_id}/encounters"), visit)
        .await;
    let doomed = s
        .create(setup, "/patients", new_patient(&format!("MX-{role}-doomed")))
        .await;
    Fixture {
        patient: patient_id,
        encounter,
        procedure_encounter,
        doomed,
        mrn: format!("MX-{role}-new"),
    }
}

/// The one request that needs `permission`, or `None` when no HTTP route does (users are managed from the
/// command line). The match is exhaustive: a new permission does not compile until it has a probe here.
fn probe(permission: Permission, f: &Fixture) -> Option<(Method, String, Option<Value>)> {
    let (patient, encounter) = (&f.patient, &f.encounter);
    let request = match permission {
        Permission::ReadClinical => (Method::GET, format!("/patients/{patient}"), None),
        Permission::WriteDemographics => (Method::POST, "/patients".into(), Some(new_patient(&f.mrn))),
        Permission::WriteEncounter => (
            Method::POST,
            format!("/patients/{patient}/encounters"),
            Some(json!({"kind": "assessment"})),
        ),
        Permission::WritePainDrawing => (
            Method::POST,
            format!("/encounters/{encounter}/pain-drawing"),
            Some(json!({"marks": [{"region": "temple:right", "intensity": 6}]})),
        ),
        Permission::WriteOutcome => (
            Method::POST,
            format!("/patients/{patient}/outcomes"),
            Some(json!({"measure": "pain-nrs", "value": 5})),
        ),
        Permission::WriteFinding => (
            Method::POST,
            format!("/encounters/{encounter}/findings"),
            Some(json!({"trigger_point": "trapezius-upper-trp1", "side": "right", "taut_band": "yes"})),
        ),
        Permission::DeletePatient => (
            Method::DELETE,
            format!("/patients/{}", f.doomed),
            Some(json!({"reason": "duplicate", "version": 1})),
        ),
        Permission::ReadAudit => (Method::GET, "/audit".into(), None),
        Permission::ManageUsers => return None,
        Permission::UseDifferential => (
            Method::POST,
            "/differential".into(),
            Some(json!({"regions": ["temple:right"], "top": 3})),
        ),
        Permission::CheckPlan => (
            Method::POST,
            "/plans/check".into(),
            Some(
                json!({"date": "2026-10-01", "items": [{"muscle": "masseter", "side": "left",
                "agent": "incobotulinumtoxinA", "dose": {"value": 15, "unit": "U"}}]}),
            ),
        ),
        Permission::WritePlan => (
            Method::POST,
            format!("/encounters/{encounter}/plans"),
            Some(json!({"template": "xeomin-facial"})),
        ),
        Permission::WriteProcedure => (
            Method::POST,
            format!("/encounters/{}/procedures", f.procedure_encounter),
            Some(json!({"plan_id": null,
                "consent": {"obtained": true, "risks_discussed": ["pain", "bruising"]},
                "started_at": "2026-10-01T10:00:00Z", "ended_at": "2026-10-01T10:08:00Z",
                "sites": [{"muscle": "masseter", "side": "left", "agent": "Xeomin",
                    "dose": {"value": 15, "unit": "U"}, "points": 1, "lot": "A123", "expiry": "2027-06-30",
                    "guidance": "landmark", "needle": "30 G 13 mm", "reconstitution_ml": 2.5,
                    "vial_units": 100}],
                "complications": [], "diagnoses": ["M79.11"]})),
        ),
        Permission::ManageCheckins => (
            Method::POST,
            format!("/patients/{patient}/checkin-links"),
            Some(json!({"days": 3})),
        ),
    };
    Some(request)
}

fn roles() -> Vec<Role> {
    Role::ids()
        .into_iter()
        .map(|id| parse_role(id).expect("a listed role parses"))
        .collect()
}

#[test]
fn the_matrix_covers_every_role() {
    let ids: Vec<&str> = roles().iter().map(|r| r.id()).collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    for role in ["admin", "clinician", "assistant", "auditor"] {
        assert!(ids.contains(&role), "{role} missing from {ids:?}");
    }
}

#[tokio::test]
async fn every_role_gets_2xx_exactly_for_the_permissions_it_is_granted() {
    for url in testing::backend_urls().await {
        let s = Server::start(&url).await;
        let setup = s.user("setup", "clinician").await;
        let mut failures = Vec::new();
        for role in roles() {
            let token = s.user(&format!("user-{}", role.id()), role.id()).await;
            let records = fixture(&s, &setup, role.id()).await;
            for permission in Permission::ALL {
                let Some((method, path, body)) = probe(permission, &records) else {
                    continue;
                };
                let allowed = granted(role).contains(&permission);
                let (status, answer) = s.call(method.clone(), &path, &token, body).await;
                let as_expected = if allowed {
                    status.is_success()
                } else {
                    status == StatusCode::FORBIDDEN && answer["error"]["code"] == "forbidden"
                };
                if !as_expected {
                    let expected = if allowed { "2xx" } else { "403 forbidden" };
                    failures.push(format!(
                        "{url}: {} {permission:?} ({method} {path}): expected {expected}, got {status} {answer}",
                        role.id()
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
