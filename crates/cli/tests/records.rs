//! Black-box tests of the record commands: users, tokens, audit, backup, demo, on SQLite and PostgreSQL.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use taut_store::{AuditKey, Engine, Store, StoreConfig, testing};

/// One audit key for every command these tests run, in a temporary file (never the user's own key).
fn key_file() -> &'static std::path::Path {
    static KEY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("taut-cli-test-{}.key", std::process::id()));
        let key = AuditKey::generate().expect("key");
        std::fs::write(&path, key.to_hex()).expect("write key");
        path
    })
}

fn key() -> AuditKey {
    AuditKey::read(key_file()).expect("read key")
}

fn taut(args: &[&str], database: &str, stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_taut"))
        .args(args)
        .args(["--database", database])
        .env_remove("TAUT_DATABASE_URL")
        .env("TAUT_AUDIT_KEY_FILE", key_file())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(input) = stdin {
        // A command refused on its arguments exits before it reads standard input: a closed pipe is no failure.
        let written = child.stdin.take().expect("stdin").write_all(input.as_bytes());
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!(
        "taut-cli-{}-{}.db",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    format!("sqlite://{}", path.display())
}

/// A new SQLite database (created by `taut migrate --create`) and, unless switched off, a PostgreSQL schema.
async fn databases() -> Vec<String> {
    let sqlite = sqlite_url();
    let created = taut(&["migrate", "--create"], &sqlite, None);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let mut all = vec![sqlite];
    all.extend(testing::postgres_url().await);
    all
}

#[test]
fn a_mistyped_database_path_is_refused_and_not_created() {
    let db = sqlite_url();
    let refused = taut(&["user", "list"], &db, None);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("migrate --create"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!std::path::Path::new(db.trim_start_matches("sqlite://")).exists());
}

#[tokio::test]
async fn users_and_tokens() {
    for db in databases().await {
        let added = taut(
            &[
                "user",
                "add",
                "--username",
                "alice",
                "--role",
                "clinician",
                "--profession",
                "physician",
                "--password-stdin",
            ],
            &db,
            Some("a long enough password\n"),
        );
        assert!(added.status.success(), "{}", text(&added.stderr));
        let again = taut(
            &[
                "user",
                "add",
                "--username",
                "alice",
                "--role",
                "clinician",
                "--password-stdin",
            ],
            &db,
            Some("a long enough password\n"),
        );
        assert_eq!(again.status.code(), Some(1), "a taken username is refused");
        let short = taut(
            &[
                "user",
                "add",
                "--username",
                "bob",
                "--role",
                "clinician",
                "--password-stdin",
            ],
            &db,
            Some("short\n"),
        );
        assert_eq!(short.status.code(), Some(2));
        assert!(text(&short.stderr).contains("password"), "{}", text(&short.stderr));
        let role = taut(
            &["user", "add", "--username", "bob", "--role", "boss", "--password-stdin"],
            &db,
            Some("a long enough password\n"),
        );
        assert_eq!(role.status.code(), Some(2), "an unknown role is a usage error");
        assert!(
            text(&role.stderr).contains("admin, clinician, assistant, auditor"),
            "{}",
            text(&role.stderr)
        );

        let token = taut(&["token", "create", "--username", "alice"], &db, None);
        assert!(token.status.success());
        assert!(text(&token.stdout).trim().starts_with("taut_"));
        let listed = taut(&["user", "list", "--json"], &db, None);
        let users: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
        assert_eq!(users[0]["username"], "alice");
        assert!(users[0].get("password_hash").is_none(), "no hash leaves the store");
        assert!(taut(&["user", "disable", "alice"], &db, None).status.success());
        let refused = taut(&["token", "create", "--username", "alice"], &db, None);
        assert_eq!(refused.status.code(), Some(1), "a disabled user gets no token");
    }
}

#[tokio::test]
async fn audit_verify_names_the_first_altered_entry() {
    for db in databases().await {
        let demo = taut(&["demo", "--patients", "2"], &db, None);
        assert!(demo.status.success(), "{}", text(&demo.stderr));
        let ok = taut(&["audit", "verify"], &db, None);
        assert!(ok.status.success(), "{}", text(&ok.stderr));
        assert!(text(&ok.stdout).contains("intact"));
        let log = taut(&["audit", "log", "--json"], &db, None);
        let entries: serde_json::Value = serde_json::from_slice(&log.stdout).expect("json");
        assert!(entries.as_array().is_some_and(|e| e.len() > 5));

        let store = Store::connect(&db, &StoreConfig::default()).await.expect("open");
        let unguard = match store.engine() {
            Engine::Sqlite => "DROP TRIGGER audit_events_no_update",
            Engine::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER USER",
        };
        testing::execute(&store, unguard).await.expect("unguard");
        testing::execute(&store, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")
            .await
            .expect("tamper");
        let broken = taut(&["audit", "verify"], &db, None);
        assert_eq!(broken.status.code(), Some(1));
        assert!(text(&broken.stderr).contains("entry 3"), "{}", text(&broken.stderr));
    }
}

#[tokio::test]
async fn backup_writes_a_readable_copy_and_never_overwrites() {
    let db = sqlite_url();
    assert!(taut(&["demo", "--patients", "3"], &db, None).status.success());
    let copy = std::env::temp_dir().join(format!("taut-cli-backup-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&copy);
    let target = copy.to_str().expect("utf-8");
    let done = taut(&["backup", "--to", target], &db, None);
    assert!(done.status.success(), "{}", text(&done.stderr));
    let again = taut(&["backup", "--to", target], &db, None);
    assert_eq!(again.status.code(), Some(1));
    let restored = Store::connect(&format!("sqlite://{target}"), &StoreConfig::default())
        .await
        .expect("open copy");
    let mut tx = restored.begin().await.expect("begin");
    assert_eq!(
        tx.search_patients("DEMO-", 100, None)
            .await
            .expect("search")
            .items
            .len(),
        3
    );
    assert!(
        restored.verify_audit(&key(), None).await.expect("verify").is_ok(),
        "the copy's audit chain is intact"
    );
    let _ = std::fs::remove_file(&copy);
}

#[test]
fn a_bad_database_url_is_refused_clearly() {
    let output = taut(&["migrate"], "mysql://somewhere/db", None);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("sqlite://PATH or postgres://"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test]
async fn serve_with_demo_data_answers_with_the_printed_token() {
    use std::io::BufRead;
    let db = sqlite_url();
    let mut child = Command::new(env!("CARGO_BIN_EXE_taut"))
        .args(["serve", "--listen", "127.0.0.1:0", "--demo", "--database", &db])
        .env("TAUT_AUDIT_KEY_FILE", key_file())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let (mut token, mut address, mut sign_in) = (None, None, None);
    for line in lines.by_ref().take(10) {
        let line = line.expect("line");
        if line.starts_with("user: demo-clinician  password: ") {
            sign_in = Some(line.clone());
        }
        if line.starts_with("taut_") {
            token = Some(line.trim().to_owned());
        }
        if let Some(rest) = line.strip_prefix("taut serving on ") {
            address = rest.split_whitespace().next().map(str::to_owned);
            break;
        }
    }
    let (token, address) = (
        token.expect("a demo token is printed"),
        address.expect("the address is printed"),
    );
    assert!(sign_in.is_some(), "the demo clinician's sign-in is printed");
    let client = reqwest::Client::new();
    let health = client.get(format!("{address}/healthz")).send().await.expect("healthz");
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    let patients: serde_json::Value = client
        .get(format!("{address}/api/v1/patients?q=DEMO"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
    assert_eq!(patients["items"].as_array().map(Vec::len), Some(20));
    let _ = child.kill();
    let _ = child.wait();
}

/// The id of a demo visit that holds a pain drawing, read straight from the store.
async fn a_drawn_visit(db: &str) -> String {
    let store = Store::connect(db, &StoreConfig::default()).await.expect("open");
    let mut tx = store.begin().await.expect("begin");
    let page = tx.search_patients("DEMO", 50, None).await.expect("search");
    for patient in page.items {
        for encounter in tx.encounters(&patient.id).await.expect("encounters") {
            if !tx.pain_marks(&encounter.id).await.expect("marks").is_empty() {
                return encounter.id;
            }
        }
    }
    panic!("the demo data holds no pain drawing");
}

#[tokio::test]
async fn the_differential_ranks_a_stored_visit_as_a_named_user() {
    for db in databases().await {
        let demo = taut(&["demo", "--patients", "2"], &db, None);
        assert!(demo.status.success(), "{}", text(&demo.stderr));
        let encounter = a_drawn_visit(&db).await;
        let ranked = taut(
            &[
                "differential",
                "--encounter",
                &encounter,
                "--user",
                "demo-clinician",
                "--json",
                "--top",
                "3",
            ],
            &db,
            None,
        );
        assert!(ranked.status.success(), "{}", text(&ranked.stderr));
        let result: serde_json::Value = serde_json::from_slice(&ranked.stdout).expect("json");
        assert!(result["red_flags"].is_array());
        assert!(
            result["candidates"]
                .as_array()
                .is_some_and(|c| !c.is_empty() && c.len() <= 3)
        );
        let log = taut(&["audit", "log", "--json"], &db, None);
        let entries: serde_json::Value = serde_json::from_slice(&log.stdout).expect("json");
        let audited = entries.as_array().expect("entries").iter().any(|e| {
            e["action"] == "differential.encounter" && e["actor"] == "demo-clinician" && e["record_id"] == *encounter
        });
        assert!(audited, "the read of the visit is audited");
    }
}

#[tokio::test]
async fn the_differential_of_a_stored_visit_needs_a_known_user() {
    let db = databases().await.remove(0);
    assert!(taut(&["demo", "--patients", "1"], &db, None).status.success());
    let encounter = a_drawn_visit(&db).await;
    let anonymous = taut(&["differential", "--encounter", &encounter], &db, None);
    assert_eq!(anonymous.status.code(), Some(2));
    assert!(
        text(&anonymous.stderr).contains("--user"),
        "{}",
        text(&anonymous.stderr)
    );
    let stranger = taut(
        &["differential", "--encounter", &encounter, "--user", "nobody"],
        &db,
        None,
    );
    assert_eq!(stranger.status.code(), Some(2));
    assert!(
        text(&stranger.stderr).contains("no user nobody"),
        "{}",
        text(&stranger.stderr)
    );
    let both = taut(
        &[
            "differential",
            "--encounter",
            &encounter,
            "--user",
            "demo-clinician",
            "--region",
            "temple",
        ],
        &db,
        None,
    );
    assert_eq!(both.status.code(), Some(2), "a drawing is not given twice");
}
