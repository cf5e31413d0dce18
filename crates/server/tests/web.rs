//! Black-box tests of the web pages over HTTP on both engines: sign-in and sessions, CSRF, the security headers,
//! roles on pages, the set-up link, and that the API still wants its bearer token.

use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};
use taut_app::{Actor, App, AuditKey, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;
use taut_store::testing;

/// A form body (reqwest's `form` needs a feature the workspace does not enable).
trait FormBody {
    fn form_body(self, fields: &[(&str, &str)]) -> Self;
}

impl FormBody for reqwest::RequestBuilder {
    fn form_body(self, fields: &[(&str, &str)]) -> Self {
        self.header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("form"))
    }
}

struct Server {
    base: String,
    app: App,
    client: Client,
}

async fn servers() -> Vec<Server> {
    let mut servers = Vec::new();
    for url in testing::backend_urls().await {
        let database = Database::connect(&url, &DatabaseConfig::default())
            .await
            .expect("connect");
        let key = AuditKey::generate().expect("key");
        let app = App::new(database, Atlas::embedded().expect("atlas"), Policy::default(), key);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let served = app.clone();
        tokio::spawn(async move { taut_server::serve(listener, served).await });
        let client = Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .expect("client");
        servers.push(Server { base, app, client });
    }
    servers
}

impl Server {
    async fn user(&self, username: &str, role: &str) {
        self.app
            .add_user(
                &Actor::operator(),
                username,
                role,
                "physician",
                "a long enough password",
            )
            .await
            .expect("add user");
    }

    async fn sign_in(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/signin", self.base))
            .header("origin", &self.base)
            .header("sec-fetch-site", "same-origin")
            .form_body(&[("username", username), ("password", password), ("next", "/patients")])
            .send()
            .await
            .expect("sign in")
    }

    /// Signs in and returns the `Cookie` header value of the session.
    async fn session(&self, username: &str) -> String {
        let response = self.sign_in(username, "a long enough password").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let set = response.headers()[SET_COOKIE].to_str().expect("cookie").to_owned();
        set.split(';').next().expect("pair").to_owned()
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.expect("get")
    }
}

#[tokio::test]
async fn signing_in_sets_a_safe_cookie_and_opens_the_pages_until_sign_out() {
    for server in servers().await {
        server.user("alice", "clinician").await;
        let anonymous = server.get("/patients", None).await;
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
        assert_eq!(anonymous.headers()[LOCATION], "/signin?next=/patients");

        let wrong = server.sign_in("alice", "not the password").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert!(wrong.headers().get(SET_COOKIE).is_none());
        assert!(wrong.text().await.expect("body").contains("Wrong username or password"));

        let response = server.sign_in("alice", "a long enough password").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[LOCATION], "/patients");
        let set = response.headers()[SET_COOKIE].to_str().expect("cookie");
        assert!(set.starts_with("taut_session=tautweb_"), "{set}");
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
            assert!(set.contains(attribute), "{set} lacks {attribute}");
        }
        assert!(!set.contains("Secure"), "Secure only when configured");
        let cookie = set.split(';').next().expect("pair").to_owned();

        let page = server.get("/patients", Some(&cookie)).await;
        assert_eq!(page.status(), StatusCode::OK);
        let csp = page.headers()[CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp")
            .to_owned();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(page.headers()["x-frame-options"], "DENY");
        assert_eq!(page.headers()["cache-control"], "no-store");
        assert!(page.text().await.expect("body").contains("<h1>Patients</h1>"));

        // The API keeps its bearer tokens: a session cookie opens no API route.
        let api = server.get("/api/v1/patients", Some(&cookie)).await;
        assert_eq!(api.status(), StatusCode::UNAUTHORIZED);

        let out = server
            .client
            .post(format!("{}/signout", server.base))
            .header(COOKIE, &cookie)
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .expect("sign out");
        assert_eq!(out.status(), StatusCode::SEE_OTHER);
        assert!(
            out.headers()[SET_COOKIE]
                .to_str()
                .expect("cookie")
                .contains("Max-Age=0")
        );
        let after = server.get("/patients", Some(&cookie)).await;
        assert_eq!(after.status(), StatusCode::SEE_OTHER, "the old cookie opens nothing");
    }
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    for server in servers().await {
        server.user("bob", "clinician").await;
        let forged = server
            .client
            .post(format!("{}/signin", server.base))
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .form_body(&[("username", "bob"), ("password", "a long enough password")])
            .send()
            .await
            .expect("post");
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert!(forged.headers().get(SET_COOKIE).is_none());
        let cookie = server.session("bob").await;
        let forged_out = server
            .client
            .post(format!("{}/signout", server.base))
            .header(COOKIE, &cookie)
            .header("origin", "https://evil.example")
            .send()
            .await
            .expect("post");
        assert_eq!(forged_out.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            server.get("/patients", Some(&cookie)).await.status(),
            StatusCode::OK,
            "still signed in"
        );
    }
}

#[tokio::test]
async fn roles_are_enforced_on_pages() {
    for server in servers().await {
        server.user("audrey", "auditor").await;
        server.user("adam", "admin").await;
        server.user("cara", "assistant").await;
        for (user, status) in [
            ("audrey", StatusCode::FORBIDDEN),
            ("adam", StatusCode::FORBIDDEN),
            ("cara", StatusCode::OK),
        ] {
            let cookie = server.session(user).await;
            let page = server.get("/patients", Some(&cookie)).await;
            assert_eq!(page.status(), status, "{user}");
            if status == StatusCode::FORBIDDEN {
                assert!(
                    page.text()
                        .await
                        .expect("body")
                        .contains("may not read clinical records")
                );
            }
            // The atlas is reference material every signed-in user may read.
            assert_eq!(
                server.get("/atlas/trapezius", Some(&cookie)).await.status(),
                StatusCode::OK
            );
        }
    }
}

#[tokio::test]
async fn repeated_failed_sign_ins_lock_the_account() {
    for server in servers().await {
        server.user("dora", "clinician").await;
        for _ in 0..5 {
            assert_eq!(
                server.sign_in("dora", "guess guess").await.status(),
                StatusCode::UNAUTHORIZED
            );
        }
        let locked = server.sign_in("dora", "a long enough password").await;
        assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(locked.text().await.expect("body").contains("too many failed sign-ins"));
    }
}

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_once() {
    for server in servers().await {
        let token = server
            .app
            .create_setup_link()
            .await
            .expect("link")
            .expect("empty database");
        assert_eq!(
            server.get("/setup?token=forged", None).await.status(),
            StatusCode::FORBIDDEN
        );
        let form = server.get(&format!("/setup?token={token}"), None).await;
        assert_eq!(form.status(), StatusCode::OK);
        let post = |username: &'static str| {
            server
                .client
                .post(format!("{}/setup", server.base))
                .header("sec-fetch-site", "same-origin")
                .form_body(&[
                    ("token", token.as_str()),
                    ("username", username),
                    ("profession", "other"),
                    ("password", "a long enough password"),
                    ("password_again", "a long enough password"),
                ])
                .send()
        };
        assert_eq!(post("root").await.expect("setup").status(), StatusCode::SEE_OTHER);
        assert_eq!(post("root2").await.expect("again").status(), StatusCode::FORBIDDEN);
        let cookie = server.session("root").await;
        // An admin manages users and sees no clinical data.
        assert_eq!(
            server.get("/patients", Some(&cookie)).await.status(),
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn muscle_pages_and_the_map_render_the_atlas() {
    for server in servers().await {
        server.user("eve", "clinician").await;
        let cookie = server.session("eve").await;
        let page = server.get("/atlas/trapezius?side=left", Some(&cookie)).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.expect("body");
        assert!(html.contains(r#"class="r zone-essential" "#) && html.contains(r#"data-region="temple:left""#));
        assert!(html.contains("tp-mark"));
        let unknown = server.get("/atlas/trapezius?side=up", Some(&cookie)).await;
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        let search = server.get("/atlas?q=tennis+elbow", Some(&cookie)).await;
        assert!(search.text().await.expect("body").contains("/atlas/extensor"));
        let map = server
            .get("/map?pain=temple:right:7&pain=neck-posterior:right:5", Some(&cookie))
            .await;
        let html = map.text().await.expect("body");
        assert!(html.contains("id=\"candidates\""), "the ranking is shown");
        assert!(html.contains(r#"class="r pain i7" "#));
        let bad = server.get("/map?pain=elbow:up:3", Some(&cookie)).await;
        assert!(bad.text().await.expect("body").contains("class=\"error\""));
        let css = server.get("/assets/app.css", None).await;
        assert_eq!(css.status(), StatusCode::OK);
    }
}
