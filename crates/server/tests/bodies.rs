//! Property test of every request body: any bytes or any JSON sent to any route that takes a body gets an
//! answer below 500, and every error answer has the JSON error shape. Runs in process (no sockets) over SQLite.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use taut_app::{Actor, App, AuditKey, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;
use taut_store::testing;
use tower::ServiceExt;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "temple:right", "sternum", "trapezius-upper-trp1", "left", "assessment", "pain-nrs", "other", "female",
            "lidocaine", "2026-01-01", "1980-02-29", "-0001-01-01", "aching", "U", "mg", "\u{0}", "a\u{1b}b",
        ])
        .prop_map(str::to_owned),
        2 => ".{0,24}",
        1 => (1usize..500).prop_map(|n| "x".repeat(n)),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-5i64..15).prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(vec![
                        "mrn",
                        "given_name",
                        "family_name",
                        "birth_date",
                        "sex",
                        "notes",
                        "kind",
                        "occurred_at",
                        "marks",
                        "region",
                        "side",
                        "intensity",
                        "quality",
                        "trigger_point",
                        "taut_band",
                        "measure",
                        "value",
                        "unit",
                        "name",
                        "regions",
                        "symptoms",
                        "top",
                        "items",
                        "date",
                        "muscle",
                        "agent",
                        "version",
                        "reason",
                    ])
                    .prop_map(str::to_owned),
                    text(),
                ],
                inner,
                0..7,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A body as sent: JSON, or bytes that may not be JSON at all.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => any_json().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => any_json().prop_map(|v| {
            let mut text = v.to_string().into_bytes();
            text.truncate(text.len() / 2);
            text
        }),
    ]
}

/// On every engine: PostgreSQL refuses what SQLite takes (NUL in text), so both must be shown the bodies.
#[test]
fn any_body_to_any_route_gets_a_clear_answer() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    for url in runtime.block_on(testing::backend_urls()) {
        bodies_on(&runtime, &url);
    }
}

fn bodies_on(runtime: &tokio::runtime::Runtime, url: &str) {
    let (router, token, routes) = runtime.block_on(async {
        let database = Database::connect(url, &DatabaseConfig::default())
            .await
            .expect("connect");
        let key = AuditKey::generate().expect("key");
        let app = App::new(database, Atlas::embedded().expect("atlas"), Policy::default(), key);
        let operator = Actor::operator();
        app.add_user(&operator, "doc", "clinician", "physician", "a long enough password")
            .await
            .expect("user");
        let token = app.create_token(&operator, "doc").await.expect("token");
        let router = taut_server::router(app);
        let send = |method: &str, path: &str, body: Value| {
            let request = Request::builder()
                .method(method)
                .uri(path)
                .header("Authorization", format!("Bearer {token}"))
                .header("Content-Type", "application/json")
                .body(Body::from(body.to_string()))
                .expect("request");
            router.clone().oneshot(request)
        };
        let patient = send(
            "POST",
            "/api/v1/patients",
            json!({"mrn": "P-1", "given_name": "A", "family_name": "B", "birth_date": "1980-01-01", "sex": "male"}),
        )
        .await
        .expect("infallible");
        let patient: Value =
            serde_json::from_slice(&axum::body::to_bytes(patient.into_body(), 1 << 20).await.expect("body"))
                .expect("json");
        let id = patient["id"].as_str().expect("id").to_owned();
        let encounter = send(
            "POST",
            &format!("/api/v1/patients/{id}/encounters"),
            json!({"kind": "assessment"}),
        )
        .await
        .expect("infallible");
        let encounter: Value = serde_json::from_slice(
            &axum::body::to_bytes(encounter.into_body(), 1 << 20)
                .await
                .expect("body"),
        )
        .expect("json");
        let encounter_id = encounter["id"].as_str().expect("encounter id").to_owned();
        let routes = vec![
            ("POST", "/api/v1/patients".to_owned()),
            ("PATCH", format!("/api/v1/patients/{id}")),
            ("POST", format!("/api/v1/patients/{id}/encounters")),
            ("POST", format!("/api/v1/patients/{id}/outcomes")),
            ("POST", format!("/api/v1/encounters/{encounter_id}/pain-drawing")),
            ("POST", format!("/api/v1/encounters/{encounter_id}/findings")),
            ("POST", "/api/v1/differential".to_owned()),
            ("POST", "/api/v1/plans/check".to_owned()),
        ];
        (router, token, routes)
    });
    let mut runner = TestRunner::new(Config {
        cases: 384,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (prop::sample::select(routes), body());
    runner
        .run(&strategy, |((method, path), bytes)| {
            let request = Request::builder()
                .method(method)
                .uri(&path)
                .header("Authorization", format!("Bearer {token}"))
                .header("Content-Type", "application/json")
                .header("If-Match", "\"1\"")
                .body(Body::from(bytes))
                .expect("request");
            let (status, body) = runtime.block_on(async {
                let response = router.clone().oneshot(request).await.expect("infallible");
                let status = response.status();
                let body = axum::body::to_bytes(response.into_body(), 1 << 22).await.expect("body");
                (status, body)
            });
            if status.is_server_error() {
                return Err(TestCaseError::fail(format!(
                    "{method} {path}: {status} {}",
                    String::from_utf8_lossy(&body)
                )));
            }
            if status.is_client_error() {
                let value: Value = serde_json::from_slice(&body)
                    .map_err(|_| TestCaseError::fail(format!("{method} {path}: {status} is not JSON")))?;
                let error = &value["error"];
                prop_assert!(error["code"].is_string() && error["message"].is_string(), "{}", value);
                prop_assert!(error["field"].is_null() || error["field"].is_string(), "{}", value);
                prop_assert!(
                    status != StatusCode::UNPROCESSABLE_ENTITY
                        || error["message"].as_str().is_some_and(|m| m.len() < 2_000),
                    "a 422 quotes too much"
                );
            }
            Ok(())
        })
        .expect("every body gets a clear answer");
}
