//! Check-in links over HTTP on SQLite and PostgreSQL: the API creates a link for the clinical roles only; the
//! patient opens it without an account and submits once; an expired, altered, used or revoked link gets one page
//! that reveals nothing; the answers show on the patient page as patient-reported with a review action; the
//! submission is audited with the link as actor.

use std::sync::{Arc, Mutex};

use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};
use serde_json::{Value, json};
use taut_app::{Actor, App, AuditKey, Clock, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;
use taut_store::testing;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

struct Server {
    base: String,
    app: App,
    client: Client,
    hands: Arc<Mutex<OffsetDateTime>>,
}

async fn servers() -> Vec<Server> {
    let mut servers = Vec::new();
    for url in testing::backend_urls().await {
        let database = Database::connect(&url, &DatabaseConfig::default())
            .await
            .expect("connect");
        let hands = Arc::new(Mutex::new(datetime!(2026-12-01 10:00 UTC)));
        let read = hands.clone();
        let app = App::new(
            database,
            Atlas::embedded().expect("atlas"),
            Policy::default(),
            AuditKey::generate().expect("key"),
        )
        .with_clock(Clock::from_fn(move || *read.lock().expect("clock")));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let served = app.clone();
        tokio::spawn(async move { taut_server::serve(listener, served).await });
        let client = Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .expect("client");
        servers.push(Server {
            base,
            app,
            client,
            hands,
        });
    }
    servers
}

impl Server {
    /// A user and an API token.
    async fn user(&self, username: &str, role: &str) -> String {
        let operator = Actor::operator();
        self.app
            .add_user(&operator, username, role, "physician", "a long enough password")
            .await
            .expect("add user");
        self.app.create_token(&operator, username).await.expect("token")
    }

    async fn api(&self, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn patient(&self, token: &str) -> String {
        let (status, patient) = self
            .api(
                reqwest::Method::POST,
                "/patients",
                token,
                Some(
                    json!({"mrn": "MRN-CHECKIN-7", "given_name": "Ada", "family_name": "Lovelace",
                    "birth_date": "1980-02-29", "sex": "female", "allergies": [], "conditions": [],
                    "medications": []}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{patient}");
        patient["id"].as_str().expect("id").to_owned()
    }

    async fn link(&self, token: &str, patient: &str) -> Value {
        let (status, link) = self
            .api(
                reqwest::Method::POST,
                &format!("/patients/{patient}/checkin-links"),
                token,
                Some(json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{link}");
        link
    }

    async fn session(&self, username: &str) -> String {
        let response = self
            .client
            .post(format!("{}/signin", self.base))
            .header("origin", &self.base)
            .header("sec-fetch-site", "same-origin")
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(
                serde_urlencoded::to_string([("username", username), ("password", "a long enough password")])
                    .expect("form"),
            )
            .send()
            .await
            .expect("sign in");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let set = response.headers()[SET_COOKIE].to_str().expect("cookie").to_owned();
        set.split(';').next().expect("pair").to_owned()
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await.expect("get");
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.text().await.expect("body"))
    }

    /// A same-origin form post, as a browser on this server sends it.
    async fn post(&self, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .header("sec-fetch-site", "same-origin")
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("form"));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await.expect("post");
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().expect("location").to_owned())
            .unwrap_or_default();
        (status, location, response.text().await.expect("body"))
    }
}

/// The form key the check-in page carries.
fn form_key(page: &str) -> String {
    let start = page.find(r#"name="form_key" value=""#).expect("form key field") + r#"name="form_key" value=""#.len();
    page[start..start + 64].to_owned()
}

/// The patient's answers as the form sends them.
fn answers(key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("form_key", key.to_owned()),
        ("pain_nrs", "4".into()),
        ("side_effect", "post-injection-soreness".into()),
        ("side_effect", "bruising-hematoma".into()),
        ("adherence_percent", "75".into()),
        ("intensity", "6".into()),
        ("pain", "temple:right:6".into()),
        ("pain", "sternum:3".into()),
        ("note", "Sore for two days".into()),
    ]
}

fn fields<'a>(owned: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    owned.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Nothing of the patient on a page anyone with a link (or a guess) can see.
fn reveals_nothing(page: &str) {
    for secret in ["Lovelace", "Ada", "MRN-CHECKIN-7", "1980-02-29"] {
        assert!(!page.contains(secret), "the page shows {secret}");
    }
}

#[tokio::test]
async fn a_patient_checks_in_once_and_the_clinician_reviews_it() {
    for s in servers().await {
        let doc = s.user("doc", "clinician").await;
        let audrey = s.user("audrey", "auditor").await;
        let patient = s.patient(&doc).await;
        let link = s.link(&doc, &patient).await;
        let token = link["token"].as_str().expect("token").to_owned();
        assert_eq!(link["path"], format!("/checkin/{token}"));
        assert_eq!(link["expires_at"], "2026-12-08T10:00:00.000000Z");

        // The patient's page: no cookie, no account, nothing about the patient, the house CSP.
        let path = format!("/checkin/{token}");
        let (status, headers, page) = s.get(&path, None).await;
        assert_eq!(status, StatusCode::OK);
        let csp = headers[CONTENT_SECURITY_POLICY].to_str().expect("csp");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert!(page.contains(r#"name="viewport""#) && page.contains("/assets/bodymap.js"));
        assert!(page.contains("data-region=\"temple:right\""), "the body map");
        assert!(
            page.contains("The treated muscle feels sore"),
            "the plain-language list"
        );
        reveals_nothing(&page);
        let key = form_key(&page);

        // A cross-site post is refused before it reaches the app.
        let forged = s
            .client
            .post(format!("{}{path}", s.base))
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields(&answers(&key))).expect("form"))
            .send()
            .await
            .expect("post");
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);

        // An invalid answer shows the form again with the answers kept.
        let mut bad = answers(&key);
        bad[1].1 = "11".into();
        let (status, _, page) = s.post(&path, None, &fields(&bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("How strong is your pain now"), "{page}");
        assert!(page.contains(r#"value="post-injection-soreness" checked"#));
        assert!(page.contains(r#"value="temple:right:6""#), "the drawing is kept");

        let (status, _, page) = s.post(&path, None, &fields(&answers(&key))).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("Thank you"));
        assert!(
            page.contains("Call your clinic if you have") && page.contains("The soreness gets worse"),
            "the catalog's warning signs for the effects reported: {page}"
        );

        // Used: the link now gets the one refusal page.
        let (status, _, page) = s.get(&path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(page.contains("This link cannot be used"));
        let (status, _, _) = s.post(&path, None, &fields(&answers(&key))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "a second submission stores nothing");

        // The clinician sees it as patient-reported, flagged, with a review action.
        let cookie = s.session("doc").await;
        let (status, _, page) = s.get(&format!("/patients/{patient}"), Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("Patient-reported") && page.contains("Needs review"),
            "{page}"
        );
        assert!(page.contains("Post-injection soreness, Bruising or hematoma"));
        assert!(page.contains("4/10") && page.contains("75 % of days") && page.contains("Sore for two days"));
        assert!(page.contains("temple, right: 6/10"));
        let (_, _, list) = s.get("/checkins", Some(&cookie)).await;
        assert!(
            list.contains("Lovelace, Ada") && list.contains("Mark reviewed"),
            "{list}"
        );

        let (status, items) = s.api(reqwest::Method::GET, "/checkin-reports", &doc, None).await;
        assert_eq!(status, StatusCode::OK);
        let report = items["items"][0].clone();
        assert_eq!(report["source"], "patient-reported");
        assert_eq!(report["needs_review"], true);
        let report_id = report["id"].as_str().expect("id");

        let (status, location, _) = s
            .post(
                &format!("/checkin-reports/{report_id}/review"),
                Some(&cookie),
                &[("patient", &patient)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, format!("/patients/{patient}#checkins"));
        let (_, _, page) = s.get(&format!("/patients/{patient}"), Some(&cookie)).await;
        assert!(page.contains("Reviewed 2026-12-01 10:00") && !page.contains("Needs review"));
        let (status, _) = s
            .api(
                reqwest::Method::POST,
                &format!("/checkin-reports/{report_id}/review"),
                &doc,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);

        // Audited with the link as actor.
        let (status, trail) = s
            .api(
                reqwest::Method::GET,
                &format!("/audit?patient={patient}&limit=500"),
                &audrey,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{trail}");
        let submit = trail["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|e| e["action"] == "checkin.submit")
            .cloned()
            .expect("the submission is audited");
        assert_eq!(
            submit["actor"],
            format!("patient via check-in link {}", link["id"].as_str().expect("id"))
        );
        assert_eq!(submit["actor_id"], Value::Null);
    }
}

#[tokio::test]
async fn expired_altered_and_revoked_links_show_one_page_that_reveals_nothing() {
    for s in servers().await {
        let doc = s.user("doc", "clinician").await;
        let patient = s.patient(&doc).await;
        let expiring = s.link(&doc, &patient).await["token"]
            .as_str()
            .expect("token")
            .to_owned();
        let revoked = s.link(&doc, &patient).await;
        let (status, _) = s
            .api(
                reqwest::Method::POST,
                &format!("/checkin-links/{}/revoke", revoked["id"].as_str().expect("id")),
                &doc,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);

        let (_, _, open) = s.get(&format!("/checkin/{expiring}"), None).await;
        let key = form_key(&open);
        let mut altered = expiring.clone();
        let last = altered.pop().expect("char");
        altered.push(if last == 'a' { 'b' } else { 'a' });

        let mut pages = Vec::new();
        for token in [
            altered.clone(),
            expiring[..40].to_owned(),
            "nothing".to_owned(),
            revoked["token"].as_str().expect("token").to_owned(),
        ] {
            let (status, headers, page) = s.get(&format!("/checkin/{token}"), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{token}");
            assert_eq!(headers["cache-control"], "no-store");
            reveals_nothing(&page);
            pages.push(page);
        }
        // A submission without the link's key, or on an altered link, is refused alike.
        let (status, _, page) = s
            .post(
                &format!("/checkin/{expiring}"),
                None,
                &fields(&answers("0".repeat(64).as_str())),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        pages.push(page);
        let (status, _, page) = s
            .post(&format!("/checkin/{altered}"), None, &fields(&answers(&key)))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        pages.push(page);

        *s.hands.lock().expect("clock") += Duration::days(7);
        let (status, _, page) = s.get(&format!("/checkin/{expiring}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "expired at seven days");
        pages.push(page);
        let (status, _, page) = s
            .post(&format!("/checkin/{expiring}"), None, &fields(&answers(&key)))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        pages.push(page);

        for page in &pages {
            assert_eq!(page, &pages[0], "every refusal is the same page");
        }
        assert!(pages[0].contains("This link cannot be used"));

        let (_, items) = s.api(reqwest::Method::GET, "/checkin-reports", &doc, None).await;
        assert_eq!(items["items"], json!([]), "nothing was stored");
    }
}

#[tokio::test]
async fn only_clinical_roles_create_links_and_bad_requests_are_refused() {
    for s in servers().await {
        let doc = s.user("doc", "clinician").await;
        let cara = s.user("cara", "assistant").await;
        let audrey = s.user("audrey", "auditor").await;
        let patient = s.patient(&doc).await;
        let path = format!("/patients/{patient}/checkin-links");
        let (status, _) = s
            .api(reqwest::Method::POST, &path, &cara, Some(json!({"days": 30})))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, body) = s.api(reqwest::Method::POST, &path, &audrey, Some(json!({}))).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );
        for days in [json!(0), json!(31), json!("seven")] {
            let (status, body) = s
                .api(reqwest::Method::POST, &path, &doc, Some(json!({"days": days})))
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{days}: {body}");
            assert_eq!(body["error"]["field"], "days");
        }
        let (status, _) = s
            .api(
                reqwest::Method::POST,
                "/patients/0190b2d3-7c1e-7b8a-9f3e-2a1b3c4d5e6f/checkin-links",
                &doc,
                Some(json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // On the web: the auditor cannot create a link either; the clinician sees it once, with its address.
        let auditor = s.session("audrey").await;
        let (status, _, _) = s.post(&path, Some(&auditor), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let cookie = s.session("doc").await;
        let (status, _, page) = s
            .post(
                &format!("/patients/{patient}/checkin-links"),
                Some(&cookie),
                &[("days", "3")],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            page.contains(&format!("value=\"{}/checkin/tautci_", s.base)),
            "the link to copy"
        );
        assert!(page.contains("2026-12-04 10:00"), "three days");
        let (_, _, again) = s.get(&format!("/patients/{patient}"), Some(&cookie)).await;
        assert!(!again.contains("/checkin/tautci_"), "the link is shown once");
    }
}
