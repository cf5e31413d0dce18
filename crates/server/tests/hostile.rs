//! Slow and hostile clients, and the one error shape: a real server on a loopback port, spoken to over raw TCP
//! where a well-behaved HTTP client would not misbehave enough.

use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{Value, json};
use taut_app::{Actor, App, AuditKey, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;
use taut_server::Limits;
use taut_store::testing;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Server {
    addr: String,
    app: App,
    client: Client,
}

impl Server {
    async fn start(url: &str, limits: Limits) -> Server {
        let database = Database::connect(url, &DatabaseConfig::default())
            .await
            .expect("connect");
        let key = AuditKey::generate().expect("key");
        let app = App::new(database, Atlas::embedded().expect("atlas"), Policy::default(), key);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let addr = listener.local_addr().expect("address").to_string();
        let served = app.clone();
        tokio::spawn(async move { taut_server::serve_with(listener, served, limits).await });
        Server {
            addr,
            app,
            client: Client::new(),
        }
    }

    async fn sqlite(limits: Limits) -> Server {
        Server::start(&testing::sqlite_url().await, limits).await
    }

    async fn token(&self, username: &str, role: &str) -> String {
        let operator = Actor::operator();
        self.app
            .add_user(&operator, username, role, "physician", "a long enough password")
            .await
            .expect("add user");
        self.app.create_token(&operator, username).await.expect("token")
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends raw bytes and reads the whole answer (the request asks the server to close).
    async fn raw(&self, request: &[u8]) -> (u16, String, Value) {
        let mut stream = TcpStream::connect(&self.addr).await.expect("connect");
        stream.write_all(request).await.expect("write");
        read_answer(&mut stream).await
    }
}

async fn read_answer(stream: &mut TcpStream) -> (u16, String, Value) {
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut bytes))
        .await
        .expect("the server answers in time")
        .expect("read");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let json = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, head.to_owned(), json)
}

/// `{"error": {"code", "message", "field"}}`, field a string or null.
fn assert_error_shape(status: u16, body: &Value, what: &str) {
    let error = &body["error"];
    assert!(
        error["code"].as_str().is_some_and(|c| !c.is_empty()),
        "{what}: {status} without a code: {body}"
    );
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {status} without a message: {body}"
    );
    assert!(
        error.get("field").is_some_and(|f| f.is_null() || f.is_string()),
        "{what}: {status} without a field: {body}"
    );
}

async fn call(client: &Client, method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn ada(mrn: &str) -> Value {
    json!({"mrn": mrn, "given_name": "Ada", "family_name": "Lovelace", "birth_date": "1980-02-29", "sex": "female"})
}

#[tokio::test]
async fn every_error_the_api_answers_has_the_json_shape() {
    let s = Server::sqlite(Limits {
        body_read_timeout: Duration::from_millis(400),
        ..Limits::default()
    })
    .await;
    let doc = s.token("doc", "clinician").await;
    let auditor = s.token("aud", "auditor").await;
    let (_, patient) = call(
        &s.client,
        "POST",
        &s.url("/api/v1/patients"),
        Some(&doc),
        Some(ada("M-1")),
    )
    .await;
    let id = patient["id"].as_str().expect("patient id").to_owned();
    let patient_url = s.url(&format!("/api/v1/patients/{id}"));

    let mut seen = Vec::new();
    let mut check = |what: &str, expected: u16, status: u16, body: &Value| {
        assert_eq!(status, expected, "{what}: {body}");
        assert_error_shape(status, body, what);
        seen.push(status);
    };

    // 400: an id that is not UTF-8 once percent-decoded.
    let (status, _, body) = s
        .raw(format!("GET /api/v1/patients/%FF%FE HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {doc}\r\nConnection: close\r\n\r\n").as_bytes())
        .await;
    check("bad percent-encoding", 400, status, &body);
    let (status, body) = call(&s.client, "GET", &s.url("/api/v1/patients"), None, None).await;
    check("no token", 401, status, &body);
    let (status, body) = call(&s.client, "GET", &patient_url, Some(&auditor), None).await;
    check("auditor reads a patient", 403, status, &body);
    let (status, body) = call(&s.client, "GET", &s.url("/nowhere"), None, None).await;
    check("unknown route", 404, status, &body);
    let (status, body) = call(&s.client, "PUT", &s.url("/api/v1/differential"), Some(&doc), None).await;
    check("wrong method", 405, status, &body);

    // 408: a body announced and never finished.
    let mut stream = TcpStream::connect(&s.addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/patients HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {doc}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{\"mrn\""
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let started = Instant::now();
    let (status, _, body) = read_answer(&mut stream).await;
    check("body never finished", 408, status, &body);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );

    let stale = s
        .client
        .patch(&patient_url)
        .bearer_auth(&doc)
        .header("If-Match", "\"99\"")
        .json(&json!({"notes": "x"}))
        .send()
        .await
        .expect("patch");
    let status = stale.status().as_u16();
    check("stale version", 409, status, &stale.json().await.expect("json"));

    let huge = json!({"mrn": "x".repeat(2 * 1024 * 1024)});
    let (status, body) = call(&s.client, "POST", &s.url("/api/v1/patients"), Some(&doc), Some(huge)).await;
    check("2 MiB body", 413, status, &body);
    // The same without a Content-Length: the limit holds on a chunked body too.
    let chunk = "y".repeat(1024 * 1024 + 10);
    let request = format!(
        "POST /api/v1/patients HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {doc}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    let (status, _, body) = s.raw(request.as_bytes()).await;
    check("chunked 1 MiB body", 413, status, &body);

    let long = s.url(&format!("/api/v1/patients?q={}", "a".repeat(20_000)));
    let (status, body) = call(&s.client, "GET", &long, Some(&doc), None).await;
    check("20 kB URI", 414, status, &body);
    let no_type = s
        .client
        .post(s.url("/api/v1/patients"))
        .bearer_auth(&doc)
        .body(ada("M-2").to_string())
        .send()
        .await
        .expect("post");
    let status = no_type.status().as_u16();
    check("no content type", 415, status, &no_type.json().await.expect("json"));
    let (status, body) = call(
        &s.client,
        "POST",
        &s.url("/api/v1/patients"),
        Some(&doc),
        Some(json!({"mrn": 1})),
    )
    .await;
    check("wrong type", 422, status, &body);
    let (status, body) = call(
        &s.client,
        "PATCH",
        &patient_url,
        Some(&doc),
        Some(json!({"notes": "x"})),
    )
    .await;
    check("no version", 428, status, &body);
    let fat = s
        .client
        .get(s.url("/healthz"))
        .header("X-Padding", "p".repeat(20_000))
        .send()
        .await
        .expect("get");
    let status = fat.status().as_u16();
    check("20 kB of headers", 431, status, &fat.json().await.expect("json"));

    // A syntax error in a body is 422 too, with the JSON error.
    let broken = s
        .client
        .post(s.url("/api/v1/differential"))
        .bearer_auth(&doc)
        .header("Content-Type", "application/json")
        .body("{\"regions\": [")
        .send()
        .await
        .expect("post");
    let status = broken.status().as_u16();
    check("truncated JSON", 422, status, &broken.json().await.expect("json"));
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(
        seen,
        [400, 401, 403, 404, 405, 408, 409, 413, 414, 415, 422, 428, 431],
        "statuses provoked"
    );
}

#[tokio::test]
async fn a_thousand_half_open_connections_do_not_delay_a_normal_request() {
    let s = Server::sqlite(Limits::default()).await;
    let mut held = Vec::new();
    for _ in 0..1000 {
        let mut stream = TcpStream::connect(&s.addr).await.expect("connect");
        // Half a request: the headers never end.
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .expect("write");
        held.push(stream);
    }
    let started = Instant::now();
    let (status, body) = call(&s.client, "GET", &s.url("/healthz"), None, None).await;
    let elapsed = started.elapsed();
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    assert!(elapsed < Duration::from_secs(1), "answered after {elapsed:?}");
    drop(held);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let s = Server::sqlite(Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    let mut stream = TcpStream::connect(&s.addr).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let started = Instant::now();
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buffer)).await;
    assert!(read.is_ok(), "still connected after 5 s");
    assert!(started.elapsed() >= Duration::from_millis(250), "closed too early");
    // A kept-alive connection left idle after its answer is closed at the same timeout.
    let mut stream = TcpStream::connect(&s.addr).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "an idle kept-alive connection stayed open");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    // Trickling one header line at a time does not reset the clock.
    let mut stream = TcpStream::connect(&s.addr).await.expect("connect");
    let started = Instant::now();
    let closed = async {
        stream.write_all(b"GET /healthz HTTP/1.1\r\n").await?;
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            stream.write_all(b"X-Drip: 1\r\n").await?;
        }
        #[allow(unreachable_code)]
        Ok::<(), std::io::Error>(())
    };
    let ended = tokio::time::timeout(Duration::from_secs(5), closed).await;
    assert!(
        matches!(ended, Ok(Err(_))),
        "a dripping client was still connected after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn connections_over_the_limit_get_503_at_once_and_the_server_recovers() {
    let s = Server::sqlite(Limits {
        max_connections: 4,
        ..Limits::default()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(&s.addr).await.expect("connect");
        stream.write_all(b"GET /healthz HTTP/1.1\r\n").await.expect("write");
        held.push(stream);
    }
    // Let the server accept the four before the fifth arrives.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let (status, head, body) = s
        .raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await;
    assert_eq!(status, 503, "{head}");
    assert_error_shape(status, &body, "over the connection limit");
    assert!(head.to_ascii_lowercase().contains("retry-after: 1"), "{head}");
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(held);
    // The permits come back when the held connections close.
    let mut recovered = false;
    for _ in 0..50 {
        let (status, _, _) = s
            .raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await;
        if status == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(recovered, "the server stayed at its limit after the clients left");
}

/// NUL and other control characters in a body, an id or a search: 422 on every engine (PostgreSQL would
/// otherwise fail the statement and answer 503).
#[tokio::test]
async fn control_characters_are_refused_on_every_engine() {
    for url in testing::backend_urls().await {
        let s = Server::start(&url, Limits::default()).await;
        let doc = s.token("doc", "clinician").await;
        let (_, patient) = call(
            &s.client,
            "POST",
            &s.url("/api/v1/patients"),
            Some(&doc),
            Some(ada("M-1")),
        )
        .await;
        let id = patient["id"].as_str().expect("id").to_owned();
        let (_, encounter) = call(
            &s.client,
            "POST",
            &s.url(&format!("/api/v1/patients/{id}/encounters")),
            Some(&doc),
            Some(json!({"kind": "assessment"})),
        )
        .await;
        let encounter_id = encounter["id"].as_str().expect("encounter id").to_owned();
        let bodies: Vec<(String, Value, &str)> = vec![
            ("/api/v1/patients".into(), ada("M-\u{0}2"), "mrn"),
            (
                "/api/v1/patients".into(),
                json!({"mrn": "M-3", "given_name": "A\u{0}", "family_name": "B", "birth_date": "1980-01-01", "sex": "male"}),
                "given_name",
            ),
            (
                "/api/v1/patients".into(),
                json!({"mrn": "M-4", "given_name": "A", "family_name": "B", "birth_date": "1980-01-01", "sex": "male", "notes": "esc \u{1b}[31m"}),
                "notes",
            ),
            (
                format!("/api/v1/patients/{id}/encounters"),
                json!({"kind": "assessment", "notes": "nul \u{0}"}),
                "notes",
            ),
            (
                format!("/api/v1/patients/{id}/outcomes"),
                json!({"measure": "other", "value": 3, "unit": "m\u{0}in", "name": "walk"}),
                "unit",
            ),
            (
                format!("/api/v1/encounters/{encounter_id}/pain-drawing"),
                json!({"marks": [{"region": "temple:right", "intensity": 3, "quality": "ach\u{0}ing"}]}),
                "marks[0].quality",
            ),
            (
                format!("/api/v1/encounters/{encounter_id}/findings"),
                json!({"trigger_point": "trapezius-upper-trp1", "side": "left", "notes": "\u{7}"}),
                "notes",
            ),
            (
                "/api/v1/differential".into(),
                json!({"regions": ["temple:right\u{0}"]}),
                "regions[0]",
            ),
        ];
        for (path, body, field) in bodies {
            let (status, answer) = call(&s.client, "POST", &s.url(&path), Some(&doc), Some(body)).await;
            assert_eq!(status, 422, "{path}: {answer}");
            assert_error_shape(status, &answer, &path);
            assert_eq!(answer["error"]["field"], field, "{path}: {answer}");
        }
        let gets = [
            "/api/v1/patients?q=Ada%00".to_owned(),
            "/api/v1/patients/%00".to_owned(),
            format!("/api/v1/patients/{id}%00/history"),
            "/api/v1/audit?patient=%00".to_owned(),
        ];
        for path in gets {
            let (status, answer) = call(&s.client, "GET", &s.url(&path), Some(&doc), None).await;
            assert_eq!(status, 422, "{path}: {answer}");
            assert_error_shape(status, &answer, &path);
        }
        // The store is untouched: the one patient created above is the only one.
        let (status, list) = call(&s.client, "GET", &s.url("/api/v1/patients?q=M-"), Some(&doc), None).await;
        assert_eq!(status, 200);
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    }
}

#[tokio::test]
async fn unknown_fields_are_refused_everywhere() {
    let s = Server::sqlite(Limits::default()).await;
    let doc = s.token("doc", "clinician").await;
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            "POST",
            "/api/v1/differential",
            json!({"regions": [{"region": "temple:right", "intensty": 7}]}),
            "intensty",
        ),
        (
            "POST",
            "/api/v1/differential",
            json!({"regions": ["temple:right"], "topp": 3}),
            "topp",
        ),
        (
            "POST",
            "/api/v1/patients",
            json!({"mrn": "X", "given_name": "A", "family_name": "B", "birth_date": "1980-01-01", "sex": "male", "nickname": "Al"}),
            "nickname",
        ),
    ];
    for (method, path, body, word) in cases {
        let (status, answer) = call(&s.client, method, &s.url(path), Some(&doc), Some(body)).await;
        assert_eq!(status, 422, "{path}: {answer}");
        assert!(
            answer["error"]["message"].as_str().is_some_and(|m| m.contains(word)),
            "{path}: the message names {word}: {answer}"
        );
    }
    for path in ["/api/v1/patients?q=Ada&sort=name", "/api/v1/audit?after=0&page=2"] {
        let (status, answer) = call(&s.client, "GET", &s.url(path), Some(&doc), None).await;
        assert_eq!(status, 422, "{path}: {answer}");
        assert_error_shape(status, &answer, path);
    }
    // A region object written correctly still works.
    let (status, ranked) = call(
        &s.client,
        "POST",
        &s.url("/api/v1/differential"),
        Some(&doc),
        Some(json!({"regions": [{"region": "temple", "side": "right", "intensity": 7}]})),
    )
    .await;
    assert_eq!(status, 200, "{ranked}");
    assert!(ranked["candidates"].as_array().is_some_and(|c| !c.is_empty()));
}
