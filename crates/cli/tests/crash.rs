//! Crash safety and concurrency, black box: the built `taut` binary serves on a free loopback port, clients
//! write through the HTTP API, and the server is killed with SIGKILL at a random moment. Every write the server
//! acknowledged must be there after a restart, the SQLite file must pass `PRAGMA integrity_check`, and
//! `taut audit verify` must pass. Parallel edits of one patient: the losers get 409 and no update is lost, on
//! one server and on two servers sharing one PostgreSQL database. Only the HTTP API and the CLI are used, so
//! these tests do not depend on how the store is written.

use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{Value, json};
use taut_store::testing;

/// A random number without a random crate: the standard library seeds each `RandomState` afresh.
fn random(below: u64) -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    hasher.finish() % below.max(1)
}

/// One audit key for every process these tests start (servers of one database share their key).
fn key_file() -> &'static std::path::Path {
    static KEY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("taut-crash-{}.key", std::process::id()));
        let key = taut_store::AuditKey::generate().expect("key");
        std::fs::write(&path, key.to_hex()).expect("write key");
        path
    })
}

fn taut(args: &[&str], database: &str, stdin: Option<&str>) -> std::process::Output {
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
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("output")
}

/// A clinician and a token for it, made with the CLI (in a database it creates if need be).
fn clinician(database: &str) -> String {
    let created = taut(&["migrate", "--create"], database, None);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let added = taut(
        &[
            "user",
            "add",
            "--username",
            "doc",
            "--role",
            "clinician",
            "--profession",
            "physician",
            "--password-stdin",
        ],
        database,
        Some("a long enough password"),
    );
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let token = taut(&["token", "create", "--username", "doc"], database, None);
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    String::from_utf8_lossy(&token.stdout).trim().to_owned()
}

fn sqlite_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "taut-crash-{}-{}.db",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ))
}

/// `taut serve` on a port the system picks; its address is read from the line it prints.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(database: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_taut"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
            .env_remove("TAUT_DATABASE_URL")
            .env("TAUT_AUDIT_KEY_FILE", key_file())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the server prints its address");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        Server { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

/// Writes acknowledged with 201: patients (id, MRN) and encounters (patient id, encounter id).
#[derive(Default, Clone)]
struct Acked {
    patients: Vec<(String, String)>,
    encounters: Vec<(String, String)>,
}

/// Writes until the server stops answering (or 3 s pass), recording what it acknowledged.
async fn write_until_killed(client: Client, base: String, token: String, tag: String, acked: Arc<Mutex<Acked>>) {
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut i = 0;
    while Instant::now() < deadline {
        i += 1;
        let mrn = format!("{tag}-{i}");
        let body = json!({"mrn": mrn, "given_name": "Crash", "family_name": "Test", "birth_date": "1970-01-01",
                          "sex": "unknown", "notes": "written before a kill -9"});
        let Ok(response) = client
            .post(format!("{base}/api/v1/patients"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
        else {
            return;
        };
        if response.status().as_u16() != 201 {
            return;
        }
        let Ok(patient) = response.json::<Value>().await else {
            return;
        };
        let id = patient["id"].as_str().expect("id").to_owned();
        acked.lock().expect("lock").patients.push((id.clone(), mrn));
        let Ok(response) = client
            .post(format!("{base}/api/v1/patients/{id}/encounters"))
            .bearer_auth(&token)
            .json(&json!({"kind": "assessment", "notes": "acknowledged"}))
            .send()
            .await
        else {
            return;
        };
        if response.status().as_u16() != 201 {
            return;
        }
        let Ok(encounter) = response.json::<Value>().await else {
            return;
        };
        let encounter_id = encounter["id"].as_str().expect("encounter id").to_owned();
        acked.lock().expect("lock").encounters.push((id, encounter_id));
    }
}

async fn check_acknowledged(server: &Server, token: &str, acked: &Acked) {
    let client = client();
    for (id, mrn) in &acked.patients {
        let response = client
            .get(server.url(&format!("/api/v1/patients/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("read");
        assert_eq!(response.status().as_u16(), 200, "acknowledged patient {mrn} lost");
        let patient: Value = response.json().await.expect("json");
        assert_eq!(patient["mrn"], mrn.as_str());
    }
    for (patient, encounter) in &acked.encounters {
        let list: Value = client
            .get(server.url(&format!("/api/v1/patients/{patient}/encounters")))
            .bearer_auth(token)
            .send()
            .await
            .expect("read")
            .json()
            .await
            .expect("json");
        let found = list["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|e| e["id"] == encounter.as_str()));
        assert!(found, "acknowledged encounter {encounter} lost");
    }
}

fn audit_verifies(database: &str) {
    let verified = taut(&["audit", "verify"], database, None);
    assert!(
        verified.status.success(),
        "audit verify failed: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
}

async fn sqlite_integrity(path: &std::path::Path) {
    use sqlx::Connection;
    let mut connection = sqlx::sqlite::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("open the SQLite file");
    let result: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .expect("integrity check runs");
    assert_eq!(result, "ok");
    connection.close().await.expect("close");
}

/// Several rounds of: start, write from four clients, SIGKILL at a random moment, restart, check.
async fn kill_nine_rounds(database: &str) {
    const ROUNDS: usize = 4;
    let token = clinician(database);
    let acked = Arc::new(Mutex::new(Acked::default()));
    for round in 0..ROUNDS {
        let server = Server::start(database);
        let so_far = acked.lock().expect("lock").clone();
        check_acknowledged(&server, &token, &so_far).await;
        let writers: Vec<_> = (0..4)
            .map(|w| {
                tokio::spawn(write_until_killed(
                    client(),
                    server.base.clone(),
                    token.clone(),
                    format!("R{round}W{w}"),
                    acked.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(150 + random(500))).await;
        server.kill();
        for writer in writers {
            writer.await.expect("writer ends");
        }
    }
    let acked = Arc::try_unwrap(acked)
        .ok()
        .expect("writers are done")
        .into_inner()
        .expect("lock");
    assert!(
        acked.patients.len() >= ROUNDS,
        "too few writes acknowledged to mean anything: {}",
        acked.patients.len()
    );
    eprintln!(
        "{ROUNDS} kills; {} patients and {} encounters acknowledged, all present",
        acked.patients.len(),
        acked.encounters.len()
    );
    let server = Server::start(database);
    check_acknowledged(&server, &token, &acked).await;
    server.kill();
    audit_verifies(database);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_nine_on_sqlite() {
    let path = sqlite_path();
    let database = format!("sqlite://{}", path.display());
    kill_nine_rounds(&database).await;
    sqlite_integrity(&path).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_nine_on_postgres() {
    let Some(database) = testing::postgres_url().await else {
        return;
    };
    kill_nine_rounds(&database).await;
}

/// Creates a patient and returns its id.
async fn patient(client: &Client, base: &str, token: &str) -> String {
    let created: Value = client
        .post(format!("{base}/api/v1/patients"))
        .bearer_auth(token)
        .json(
            &json!({"mrn": "RACE-1", "given_name": "Race", "family_name": "Test", "birth_date": "1970-01-01",
                      "sex": "unknown", "notes": "count=0"}),
        )
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    created["id"].as_str().expect("id").to_owned()
}

/// Eight clients edit the same version at once: one wins, seven get 409, the record holds the winner's edit.
async fn one_wins(bases: &[String], token: &str, id: &str) {
    let client = client();
    let edits: Vec<_> = (0..8)
        .map(|i| {
            let request = client
                .patch(format!("{}/api/v1/patients/{id}", bases[i % bases.len()]))
                .bearer_auth(token)
                .header("If-Match", "\"1\"")
                .json(&json!({"notes": format!("edit {i}")}));
            tokio::spawn(async move {
                let response = request.send().await.expect("patch");
                (i, response.status().as_u16())
            })
        })
        .collect();
    let mut winners = Vec::new();
    for edit in edits {
        let (i, status) = edit.await.expect("edit");
        match status {
            200 => winners.push(i),
            409 => {}
            other => panic!("edit {i} answered {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one edit of version 1 wins: {winners:?}");
    let record: Value = client
        .get(format!("{}/api/v1/patients/{id}", bases[0]))
        .bearer_auth(token)
        .send()
        .await
        .expect("read")
        .json()
        .await
        .expect("json");
    assert_eq!(record["version"], 2);
    assert_eq!(record["notes"], format!("edit {}", winners[0]));
}

/// Clients increment a counter in the notes by read, edit with If-Match, retry on 409: no increment is lost.
async fn no_lost_update(bases: &[String], token: &str, id: &str) {
    const CLIENTS: usize = 4;
    const EACH: usize = 5;
    let start: Value = client()
        .get(format!("{}/api/v1/patients/{id}", bases[0]))
        .bearer_auth(token)
        .send()
        .await
        .expect("read")
        .json()
        .await
        .expect("json");
    let first = start["notes"]
        .as_str()
        .and_then(|n| n.strip_prefix("count="))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let workers: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (base, token, id) = (bases[c % bases.len()].clone(), token.to_owned(), id.to_owned());
            tokio::spawn(async move {
                let client = client();
                let mut conflicts = 0;
                for _ in 0..EACH {
                    loop {
                        let current: Value = client
                            .get(format!("{base}/api/v1/patients/{id}"))
                            .bearer_auth(&token)
                            .send()
                            .await
                            .expect("read")
                            .json()
                            .await
                            .expect("json");
                        let count: usize = current["notes"]
                            .as_str()
                            .and_then(|n| n.strip_prefix("count="))
                            .and_then(|n| n.parse().ok())
                            .unwrap_or(0);
                        let version = current["version"].as_i64().expect("version");
                        let status = client
                            .patch(format!("{base}/api/v1/patients/{id}"))
                            .bearer_auth(&token)
                            .header("If-Match", format!("\"{version}\""))
                            .json(&json!({"notes": format!("count={}", count + 1)}))
                            .send()
                            .await
                            .expect("patch")
                            .status()
                            .as_u16();
                        match status {
                            200 => break,
                            409 => conflicts += 1,
                            other => panic!("an edit answered {other}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker");
    }
    let end: Value = client()
        .get(format!("{}/api/v1/patients/{id}", bases[0]))
        .bearer_auth(token)
        .send()
        .await
        .expect("read")
        .json()
        .await
        .expect("json");
    assert_eq!(
        end["notes"],
        format!("count={}", first + CLIENTS * EACH),
        "an update was lost"
    );
    let history: Value = client()
        .get(format!("{}/api/v1/patients/{id}/history", bases[0]))
        .bearer_auth(token)
        .send()
        .await
        .expect("history")
        .json()
        .await
        .expect("json");
    let versions = history["items"].as_array().map_or(0, Vec::len);
    assert_eq!(
        end["version"].as_i64(),
        i64::try_from(versions).ok(),
        "every version is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_edits_on_one_server_lose_nothing() {
    let mut databases = vec![format!("sqlite://{}", sqlite_path().display())];
    databases.extend(testing::postgres_url().await);
    for database in databases {
        let token = clinician(&database);
        let server = Server::start(&database);
        let bases = vec![server.base.clone()];
        let id = patient(&client(), &bases[0], &token).await;
        one_wins(&bases, &token, &id).await;
        no_lost_update(&bases, &token, &id).await;
        server.kill();
        audit_verifies(&database);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_database_lose_nothing() {
    let Some(database) = testing::postgres_url().await else {
        return;
    };
    let token = clinician(&database);
    let (a, b) = (Server::start(&database), Server::start(&database));
    let bases = vec![a.base.clone(), b.base.clone()];
    let id = patient(&client(), &bases[0], &token).await;
    one_wins(&bases, &token, &id).await;
    no_lost_update(&bases, &token, &id).await;
    a.kill();
    b.kill();
    audit_verifies(&database);
}
