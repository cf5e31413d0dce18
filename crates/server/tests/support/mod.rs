//! A real server on port 0 for the black-box suites, on every engine under test, called over HTTP.
// Each test binary that includes this module uses its own part of it.
#![allow(dead_code)]

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use taut_app::{Actor, App, AuditKey, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;
use taut_store::testing;

pub struct Server {
    pub base: String,
    pub app: App,
    pub client: Client,
}

impl Server {
    pub async fn start(url: &str) -> Server {
        let database = Database::connect(url, &DatabaseConfig::default())
            .await
            .expect("connect");
        let key = AuditKey::generate().expect("key");
        let app = App::new(database, Atlas::embedded().expect("atlas"), Policy::default(), key);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let served = app.clone();
        tokio::spawn(async move { taut_server::serve(listener, served).await });
        Server {
            base,
            app,
            client: Client::new(),
        }
    }

    pub async fn user(&self, username: &str, role: &str, profession: &str) -> String {
        let operator = Actor::operator();
        self.app
            .add_user(&operator, username, role, profession, "a long enough password")
            .await
            .expect("add user");
        self.app.create_token(&operator, username).await.expect("token")
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(version) = if_match {
            request = request.header("If-Match", version);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// A patient and an encounter on `day` (the encounter's date is the plan's date).
    pub async fn patient(&self, token: &str, mrn: &str) -> String {
        let (status, patient) = self
            .call(
                "POST",
                "/patients",
                token,
                Some(json!({"mrn": mrn, "given_name": "Ada", "family_name": "Lovelace",
                    "birth_date": "1980-02-29", "sex": "female", "weight_kg": 70,
                    "allergies": ["penicillin"], "conditions": [], "medications": []})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{patient}");
        patient["id"].as_str().expect("id").to_owned()
    }

    pub async fn encounter(&self, token: &str, patient: &str, day: &str) -> String {
        let (status, encounter) = self
            .call(
                "POST",
                &format!("/patients/{patient}/encounters"),
                token,
                Some(json!({"kind": "procedure", "occurred_at": format!("{day}T09:00:00Z")})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{encounter}");
        encounter["id"].as_str().expect("id").to_owned()
    }
}

pub async fn servers() -> Vec<Server> {
    let mut all = Vec::new();
    for url in testing::backend_urls().await {
        all.push(Server::start(&url).await);
    }
    all
}

pub fn error(body: &Value) -> (&str, &str) {
    (
        body["error"]["code"].as_str().unwrap_or(""),
        body["error"]["field"].as_str().unwrap_or(""),
    )
}
