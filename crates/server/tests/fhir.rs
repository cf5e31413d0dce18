//! Black-box tests of `/fhir/r4` over HTTP, on SQLite and PostgreSQL: $everything, a transaction import, and
//! every error as an OperationOutcome.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use taut_app::{Actor, App, AuditKey, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;
use taut_store::testing;

async fn start(url: &str) -> (String, App) {
    let database = Database::connect(url, &DatabaseConfig::default())
        .await
        .expect("connect");
    let key = AuditKey::generate().expect("key");
    let app = App::new(database, Atlas::embedded().expect("atlas"), Policy::default(), key);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let served = app.clone();
    tokio::spawn(async move { taut_server::serve(listener, served).await });
    (base, app)
}

async fn token(app: &App, name: &str, role: &str) -> String {
    let operator = Actor::operator();
    app.add_user(&operator, name, role, "physician", "a long enough password")
        .await
        .expect("user");
    app.create_token(&operator, name).await.expect("token")
}

async fn call(
    client: &Client,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (StatusCode, String, Value) {
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/fhir+json")
            .body(body.to_string());
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, kind, body)
}

fn assert_outcome(body: &Value, code: &str) {
    assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
    assert_eq!(body["issue"][0]["severity"], "error", "{body}");
    assert_eq!(body["issue"][0]["code"], code, "{body}");
}

#[tokio::test]
async fn everything_import_and_operation_outcomes() {
    use reqwest::Method;
    for url in testing::backend_urls().await {
        let (base, app) = start(&url).await;
        let client = Client::new();
        let clinician = token(&app, "clinician", "clinician").await;
        let api = |path: &str| format!("{base}/api/v1{path}");
        let patient: Value = client
            .post(api("/patients"))
            .bearer_auth(&clinician)
            .json(
                &json!({"mrn": "F-1", "given_name": "Ada", "family_name": "Lovelace", "birth_date": "1980-02-29",
                          "sex": "female", "allergies": ["latex"]}),
            )
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        let id = patient["id"].as_str().expect("id");
        let encounter: Value = client
            .post(api(&format!("/patients/{id}/encounters")))
            .bearer_auth(&clinician)
            .json(&json!({"kind": "assessment", "occurred_at": "2026-01-05T09:30:00Z"}))
            .send()
            .await
            .expect("encounter")
            .json()
            .await
            .expect("json");
        let encounter_id = encounter["id"].as_str().expect("id");
        let finding = client
            .post(api(&format!("/encounters/{encounter_id}/findings")))
            .bearer_auth(&clinician)
            .json(&json!({"trigger_point": "trapezius-upper-trp1", "side": "right", "taut_band": "yes"}))
            .send()
            .await
            .expect("finding");
        assert_eq!(finding.status(), StatusCode::CREATED);

        let everything = format!("{base}/fhir/r4/Patient/{id}/$everything");
        let (status, kind, bundle) = call(&client, Method::GET, &everything, Some(&clinician), None).await;
        assert_eq!(status, StatusCode::OK, "{url}: {bundle}");
        assert!(kind.starts_with("application/fhir+json"), "{kind}");
        assert_eq!(bundle["resourceType"], "Bundle");
        assert_eq!(bundle["type"], "searchset");
        let types: Vec<&str> = bundle["entry"]
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["resource"]["resourceType"].as_str())
            .collect();
        assert_eq!(
            types,
            ["Patient", "AllergyIntolerance", "Encounter", "Observation"],
            "{url}"
        );
        let site = &bundle["entry"][3]["resource"]["bodySite"];
        assert_eq!(
            site["extension"][0]["valueCodeableConcept"]["coding"][0]["code"], "24028007",
            "right"
        );
        assert_eq!(site["coding"][0]["code"], "trapezius");

        // Errors are OperationOutcomes, whoever answers them.
        let (status, kind, body) = call(&client, Method::GET, &everything, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(kind.starts_with("application/fhir+json"));
        assert_outcome(&body, "login");
        let missing = format!("{base}/fhir/r4/Patient/01a23167-da9b-768f-aed5-69ab2a92db29/$everything");
        let (status, _, body) = call(&client, Method::GET, &missing, Some(&clinician), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_outcome(&body, "not-found");
        let auditor = token(&app, "auditor", "auditor").await;
        let (status, _, body) = call(&client, Method::GET, &everything, Some(&auditor), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_outcome(&body, "forbidden");
        let (status, _, body) = call(
            &client,
            Method::GET,
            &format!("{base}/fhir/r4/Nothing"),
            Some(&clinician),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_outcome(&body, "not-found");

        // The searchset is not a transaction: refused, naming Bundle.type.
        let root = format!("{base}/fhir/r4");
        let (status, _, body) = call(&client, Method::POST, &root, Some(&clinician), Some(&bundle)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_outcome(&body, "invalid");
        assert_eq!(body["issue"][0]["expression"][0], "Bundle.type");

        // As a transaction under a new MRN it is imported, whole.
        let mut transaction = bundle.clone();
        transaction["type"] = "transaction".into();
        transaction["entry"][0]["resource"]["identifier"][0]["value"] = "F-2".into();
        let (status, _, answer) = call(&client, Method::POST, &root, Some(&clinician), Some(&transaction)).await;
        assert_eq!(status, StatusCode::OK, "{url}: {answer}");
        assert_eq!(answer["type"], "transaction-response");
        let location = answer["entry"][0]["response"]["location"].as_str().expect("location");
        let copy = format!("{base}/fhir/r4/{location}/$everything");
        let (status, _, copied) = call(&client, Method::GET, &copy, Some(&clinician), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(copied["entry"].as_array().map(Vec::len), Some(4));

        // A duplicate MRN conflicts, and nothing of the bundle is stored.
        let (status, _, body) = call(&client, Method::POST, &root, Some(&clinician), Some(&transaction)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_outcome(&body, "conflict");
        let search: Value = client
            .get(api("/patients?q=F-"))
            .bearer_auth(&clinician)
            .send()
            .await
            .expect("search")
            .json()
            .await
            .expect("json");
        assert_eq!(search["items"].as_array().map(Vec::len), Some(2), "{url}");
    }
}
