//! The JSON API suites' server: a real server on port 0 over each engine under test, called over HTTP.
// Each test binary that includes this module uses its own part of it.
#![allow(dead_code)]

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use taut_app::{Actor, App, AuditKey, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;
use taut_store::testing;

pub struct Server {
    pub base: String,
    pub url: String,
    pub app: App,
    pub client: Client,
}

impl Server {
    /// A server on its own pool of connections to `url`; servers of one database share its audit key.
    pub async fn start(url: &str, key: AuditKey) -> Server {
        let database = Database::connect(url, &DatabaseConfig::default())
            .await
            .expect("connect");
        let app = App::new(database, Atlas::embedded().expect("atlas"), Policy::default(), key);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let served = app.clone();
        tokio::spawn(async move { taut_server::serve(listener, served).await });
        Server {
            base,
            url: url.to_owned(),
            app,
            client: Client::new(),
        }
    }

    /// A user with a token.
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
        token: Option<&str>,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(version) = if_match {
            request = request.header("If-Match", version);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        )
    }
}

pub fn ada(mrn: &str) -> Value {
    json!({"mrn": mrn, "given_name": "Ada", "family_name": "Lovelace", "birth_date": "1980-02-29", "sex": "female",
           "weight_kg": 61.5, "allergies": ["lidocaine"], "conditions": [], "medications": []})
}

pub async fn servers() -> Vec<Server> {
    let mut all = Vec::new();
    for url in testing::backend_urls().await {
        all.push(Server::start(&url, AuditKey::generate().expect("key")).await);
    }
    all
}

pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}
