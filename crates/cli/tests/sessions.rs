//! `taut plan check --patient MRN` and `taut procedure show ID` against a records database, on both engines.

use std::process::{Command, Output};

use taut_app::{Actor, App, AuditKey, Database, DatabaseConfig, Policy, ProcedureInput};
use taut_atlas::Atlas;
use taut_store::testing;

fn key_file() -> &'static std::path::Path {
    static KEY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("taut-cli-sessions-{}.key", std::process::id()));
        std::fs::write(&path, AuditKey::generate().expect("key").to_hex()).expect("write key");
        path
    })
}

fn taut(args: &[&str], database: &str, token: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taut"))
        .args(args)
        .args(["--database", database])
        .env_remove("TAUT_DATABASE_URL")
        .env("TAUT_AUDIT_KEY_FILE", key_file())
        .env("TAUT_TOKEN", token)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A physician with a token, a patient with a toxin procedure on 2026-10-01; returns (token, procedure id).
async fn recorded(url: &str) -> (String, String) {
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
    (token, done.procedure.id)
}

#[tokio::test]
async fn a_procedure_note_prints_and_a_plan_is_checked_against_the_record() {
    let mut urls = vec![testing::sqlite_url().await];
    urls.extend(testing::postgres_url().await);
    for url in urls {
        let (token, id) = recorded(&url).await;
        let shown = taut(&["procedure", "show", &id], &url, &token);
        assert!(shown.status.success(), "{}", text(&shown.stderr));
        let note = text(&shown.stdout);
        for expected in [
            "Lovelace, Ada (MRN MRN-C1)",
            "masseter left (injection): incobotulinumtoxinA 15 U",
            "guidance: emg",
            "lot A123, expires 2027-06-30",
            "risks discussed: pain, bruising",
            "Immediate complications: brief bleeding, pressure held",
            "Diagnoses (ICD-10-CM): M79.11",
            "CPT 20552 x 1",
            "HCPCS J0588 x 15",
        ] {
            assert!(note.contains(expected), "missing {expected:?} in\n{note}");
        }
        let refused = taut(&["procedure", "show", &id], &url, "taut_forged");
        assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));

        // The file's patient is replaced by the record: the stored toxin procedure 4 weeks earlier is seen.
        let plan = std::env::temp_dir().join(format!("taut-plan-{}.json", testing::unique("p")));
        std::fs::write(
            &plan,
            r#"{"date": "2026-10-29", "items": [{"muscle": "masseter", "side": "left", "agent": "Xeomin",
                "dose": {"value": 15, "unit": "U"}}]}"#,
        )
        .expect("plan file");
        let path = plan.display().to_string();
        let checked = taut(&["plan", "check", &path, "--patient", "mrn-c1", "--json"], &url, &token);
        assert_eq!(
            checked.status.code(),
            Some(1),
            "an error finding: {}",
            text(&checked.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&checked.stdout).expect("JSON");
        let codes: Vec<&str> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["code"].as_str())
            .collect();
        assert!(codes.contains(&"toxin-retreatment-interval"), "{codes:?}");
        let unknown = taut(&["plan", "check", &path, "--patient", "MRN-NONE"], &url, &token);
        assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown.stderr));
        let stateless = taut(&["plan", "check", &path, "--json"], &url, &token);
        assert!(
            stateless.status.success(),
            "without --patient nothing is read from the record"
        );
    }
}
