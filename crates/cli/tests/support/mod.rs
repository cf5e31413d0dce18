//! Shared by the CLI suites that record a procedure through the app and then run `taut` against it.
// Each test binary that includes this module uses its own part of it.
#![allow(dead_code)]

use std::process::{Command, Output};

use taut_app::{Actor, AmendmentRequest, App, AuditKey, Database, DatabaseConfig, Policy, ProcedureInput};
use taut_atlas::Atlas;

pub fn key_file() -> &'static std::path::Path {
    static KEY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("taut-cli-{}.key", std::process::id()));
        std::fs::write(&path, AuditKey::generate().expect("key").to_hex()).expect("write key");
        path
    })
}

pub fn taut(args: &[&str], database: &str, token: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taut"))
        .args(args)
        .args(["--database", database])
        .env_remove("TAUT_DATABASE_URL")
        .env("TAUT_AUDIT_KEY_FILE", key_file())
        .env("TAUT_TOKEN", token)
        .output()
        .expect("the binary runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A physician with a token, a patient with a toxin procedure on 2026-10-01; returns (token, procedure id).
pub async fn recorded(url: &str) -> (String, String) {
    let database = Database::connect(url, &DatabaseConfig::default())
        .await
        .expect("connect");
    let key = AuditKey::read(key_file()).expect("key");
    let app = App::new(database, Atlas::embedded().expect("atlas"), Policy::default(), key);
    let operator = Actor::operator();
    app.add_user(&operator, "doc", "clinician", "physician", "a long enough password")
        .await
        .expect("user");
    let token = app.create_token(&operator, "doc").await.expect("token");
    let doc = app.authenticate(&token).await.expect("actor");
    let patient = app
        .create_patient(
            &doc,
            serde_json::from_value(serde_json::json!({"mrn": "MRN-C1", "given_name": "Ada",
                "family_name": "Lovelace", "birth_date": "1980-02-29", "sex": "female", "weight_kg": 70,
                "allergies": [], "conditions": [], "medications": []}))
            .expect("demographics"),
        )
        .await
        .expect("patient");
    let encounter = app
        .create_encounter(
            &doc,
            &patient.id,
            serde_json::from_value(serde_json::json!({"kind": "procedure", "occurred_at": "2026-10-01T09:00:00Z"}))
                .expect("encounter"),
        )
        .await
        .expect("encounter");
    let input: ProcedureInput = serde_json::from_value(serde_json::json!({
        "consent": {"obtained": true, "risks_discussed": ["pain", "bruising"]},
        "started_at": "2026-10-01T10:00:00Z", "ended_at": "2026-10-01T10:08:00Z",
        "sites": [{"muscle": "masseter", "side": "left", "agent": "Xeomin", "dose": {"value": 15, "unit": "U"},
                   "lot": "A123", "expiry": "2027-06-30", "guidance": "emg"}],
        "complications": ["brief bleeding, pressure held"], "diagnoses": ["M79.11"]}))
    .expect("procedure input");
    let done = app
        .record_procedure(&doc, &encounter.id, input)
        .await
        .expect("procedure");
    // A correction is appended, never written over the record; the note shows it.
    let correction: AmendmentRequest = serde_json::from_value(serde_json::json!({
        "reason": "needle size not recorded", "correction": "30 G 13 mm needle"}))
    .expect("amendment");
    app.amend_procedure(&doc, &done.procedure.id, correction, None)
        .await
        .expect("amendment");
    (token, done.procedure.id)
}
