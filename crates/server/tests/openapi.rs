//! The OpenAPI document of `/api/v1`: served over HTTP, equal to the committed `tests/openapi.json` (so a
//! contract change shows in review), and covering every route the router registers under `/api/v1`.
//!
//! After an intended change: `TAUT_UPDATE_OPENAPI=1 cargo test -p taut-server --test openapi`, then review
//! the diff of `crates/server/tests/openapi.json`.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;
use taut_app::{App, AuditKey, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;
use taut_store::testing;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/openapi.json");

/// A server on port 0 over a fresh SQLite database; the document does not depend on the engine.
async fn start() -> String {
    let url = testing::sqlite_url().await;
    let database = Database::connect(&url, &DatabaseConfig::default())
        .await
        .expect("connect");
    let app = App::new(
        database,
        Atlas::embedded().expect("atlas"),
        Policy::default(),
        AuditKey::generate().expect("audit key"),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { taut_server::serve(listener, app).await });
    base
}

async fn served_document(base: &str) -> Value {
    let response = reqwest::get(format!("{base}/api/v1/openapi.json"))
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .is_ok_and(|v| v.starts_with("application/json"))
    );
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn the_served_document_matches_the_committed_snapshot() {
    let base = start().await;
    let served = served_document(&base).await;
    let pretty = serde_json::to_string_pretty(&served).expect("serialise") + "\n";
    if std::env::var_os("TAUT_UPDATE_OPENAPI").is_some() {
        std::fs::write(SNAPSHOT, &pretty).expect("write the snapshot");
        return;
    }
    let committed = std::fs::read_to_string(SNAPSHOT).expect("read tests/openapi.json");
    // Compared as text, so the failure shows the first differing line.
    if committed != pretty {
        let line = committed
            .lines()
            .zip(pretty.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(pretty.lines().count()));
        panic!(
            "the OpenAPI document changed (first difference at line {}: committed {:?}, served {:?}); if intended, \
             run with TAUT_UPDATE_OPENAPI=1 and review the diff",
            line + 1,
            committed.lines().nth(line),
            pretty.lines().nth(line)
        );
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_bearer_auth_and_the_error_shape() {
    let base = start().await;
    let doc = served_document(&base).await;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["type"], "http");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(doc["security"][0]["bearer"], Value::Array(vec![]));
    let error = &doc["components"]["schemas"]["ErrorBody"];
    assert_eq!(error["required"], serde_json::json!(["error"]));
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let responses = operation["responses"].as_object().expect("responses");
            let mut expected = vec!["400", "401", "403", "408", "414", "422", "429", "431", "503"];
            if operation.get("requestBody").is_some() {
                expected.extend(["413", "415"]);
            }
            if path.contains("{id}") {
                expected.push("404");
            }
            if method == "patch" || method == "delete" || path.ends_with("/sign") || path.ends_with("/withdraw") {
                expected.extend(["409", "428"]);
            }
            for status in expected {
                let response = responses
                    .get(status)
                    .unwrap_or_else(|| panic!("{method} {path} does not document {status}"));
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path} documents no success"
            );
        }
    }
}

/// The routes registered under `/api/v1` in the router's source, as `(method, path)`.
fn registered_routes() -> BTreeSet<(String, String)> {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes.rs")).expect("routes.rs");
    let start = source.find("let api = Router::new()").expect("the api router");
    let end = start + source[start..].find(';').expect("end of the api router");
    let block: String = source[start..end].split_whitespace().collect();
    let mut routes = BTreeSet::new();
    for route in block.split(".route(").skip(1) {
        let path = route.split('"').nth(1).expect("a quoted path");
        for method in ["get", "post", "patch", "delete", "put"] {
            // `get(handler)` or `.get(handler)` after the path.
            let after_path = &route[path.len() + 2..];
            if after_path.starts_with(&format!(",{method}(")) || after_path.contains(&format!(".{method}(")) {
                routes.insert((method.to_owned(), format!("/api/v1{path}")));
            }
        }
    }
    routes
}

#[tokio::test]
async fn every_api_route_is_documented_and_every_documented_route_exists() {
    let base = start().await;
    let doc = served_document(&base).await;
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let mut registered = registered_routes();
    // The document describes the API; it does not describe itself or its page.
    registered.remove(&("get".into(), "/api/v1/openapi.json".into()));
    registered.remove(&("get".into(), "/api/v1/docs".into()));
    assert!(registered.len() >= 20, "the route parser found {registered:?}");
    assert_eq!(documented, registered);

    // Every documented operation is routed: without a token it answers 401 (not 404 or 405).
    let client = reqwest::Client::new();
    for (method, path) in &documented {
        let url = format!("{base}{}", path.replace("{id}", "0190a5a0-0000-7000-8000-000000000000"));
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let response = client.request(method.clone(), &url).send().await.expect("request");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method} {url}");
    }
}

#[tokio::test]
async fn the_docs_page_lists_every_operation() {
    let base = start().await;
    let doc = served_document(&base).await;
    let response = reqwest::get(format!("{base}/api/v1/docs")).await.expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .is_ok_and(|v| v.starts_with("text/html"))
    );
    let page = response.text().await.expect("page");
    assert!(page.contains("/api/v1/openapi.json"));
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            let heading = format!("<code>{} {}</code>", method.to_uppercase(), path);
            assert!(page.contains(&heading), "{heading} missing from the page");
        }
    }
}
