//! Black-box tests of the visit and plan pages over HTTP on both engines: a new visit, the pain drawing and NRS
//! saved, the differential and the classification as fragments, roles and CSRF on the new routes, and a plan
//! that trips a safety finding and is signed only with an override reason.

mod support;

use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};
use support::{Server, servers};

/// A browser-like client on one server: no redirects followed, a session cookie once signed in.
struct Browser<'a> {
    server: &'a Server,
    client: Client,
    cookie: String,
}

impl<'a> Browser<'a> {
    async fn sign_in(server: &'a Server, username: &str) -> Browser<'a> {
        let client = Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .expect("client");
        let response = client
            .post(format!("{}/signin", server.base))
            .header("sec-fetch-site", "same-origin")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(
                serde_urlencoded::to_string([("username", username), ("password", "a long enough password")])
                    .expect("form"),
            )
            .send()
            .await
            .expect("sign in");
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{username} signs in");
        let set = response.headers()[SET_COOKIE].to_str().expect("cookie");
        let cookie = set.split(';').next().expect("pair").to_owned();
        Browser { server, client, cookie }
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.server.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .expect("get");
        (response.status(), response.text().await.expect("body"))
    }

    /// A same-origin form post, as the page's forms and script send it.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.post_from(path, fields, "same-origin").await
    }

    async fn post_from(&self, path: &str, fields: &[(&str, &str)], site: &str) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.server.base))
            .header(COOKIE, &self.cookie)
            .header("sec-fetch-site", site)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("form"));
        if site == "cross-site" {
            request = request.header("origin", "https://evil.example");
        }
        request.send().await.expect("post")
    }

    /// Opens a new visit for the patient from the patient page's button; returns the visit page's path.
    async fn new_visit(&self, patient: &str) -> String {
        let response = self
            .post(&format!("/patients/{patient}/visits"), &[("kind", "assessment")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()[LOCATION].to_str().expect("location").to_owned();
        assert!(
            location.starts_with(&format!("/patients/{patient}/visits/")),
            "{location}"
        );
        location
    }
}

async fn text(response: reqwest::Response) -> (StatusCode, String) {
    (response.status(), response.text().await.expect("body"))
}

#[tokio::test]
async fn a_visit_records_the_drawing_and_nrs_and_the_differential_follows_the_drawing() {
    for server in servers().await {
        let token = server.user("alice", "clinician", "physician").await;
        let patient = server.patient(&token, "MRN-V1").await;
        let alice = Browser::sign_in(&server, "alice").await;
        let (status, page) = alice.get(&format!("/patients/{patient}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("id=\"new-visit\""), "the patient page offers a new visit");

        let visit = alice.new_visit(&patient).await;
        let (status, page) = alice.get(&visit).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("id=\"drawing\"") && page.contains("data-region=\"temple:right\""));
        assert!(page.contains("<script src=\"/assets/visit.js\" defer></script>"));
        assert!(!page.contains("style=\""), "no inline style (CSP)");

        // The fragment the page's script fetches as the drawing changes.
        let (status, fragment) = text(
            alice
                .post(&format!("{visit}/differential"), &[("pain", "temple:right:7")])
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(fragment.contains("id=\"candidates\""), "{fragment}");
        assert!(fragment.contains("not a probability"));
        assert!(
            fragment.contains("Trapezius"),
            "the upper trapezius refers to the temple"
        );
        assert!(!fragment.contains("<html"), "a fragment, not a page");

        // Without the script: the form's preview button reloads the page with the drawing.
        let (status, page) = alice.get(&format!("{visit}?pain=temple:right:7")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(r#"class="r pain i7" "#) && page.contains("id=\"candidates\""));

        // A visit under another patient's address is not found, and nothing is written through it.
        let other = server.patient(&token, "MRN-V1B").await;
        let visit_id = visit.rsplit('/').next().expect("id");
        let crossed = format!("/patients/{other}/visits/{visit_id}");
        assert_eq!(alice.get(&crossed).await.0, StatusCode::NOT_FOUND);
        let (status, _) = text(
            alice
                .post(
                    &format!("{crossed}/drawing"),
                    &[("pain", "temple:right:7"), ("nrs", "6")],
                )
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Saving with nothing marked is refused and writes nothing.
        let (status, page) = text(alice.post(&format!("{visit}/drawing"), &[("nrs", "6")]).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Mark at least one painful region"));
        // An NRS out of range is refused before the drawing is written.
        let (status, page) = text(
            alice
                .post(
                    &format!("{visit}/drawing"),
                    &[("pain", "temple:right:7"), ("nrs", "11")],
                )
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("whole number from 0 to 10") && page.contains("id=\"drawing\""));

        let saved = alice
            .post(
                &format!("{visit}/drawing"),
                &[
                    ("intensity", "7"),
                    ("pain", "temple:right:7"),
                    ("pain", "neck-posterior:right:5"),
                    ("nrs", "6"),
                ],
            )
            .await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let (_, page) = alice.get(&visit).await;
        assert!(page.contains("id=\"stored-marks\"") && !page.contains("id=\"drawing\""));
        assert!(
            page.contains("temple, right: 7/10"),
            "the saved marks are listed: {}",
            &page[page.find("stored-marks").unwrap_or(0)..][..600]
        );
        assert!(page.contains("<span id=\"nrs-stored\">6/10</span>"));
        assert!(page.contains("id=\"candidates\"") && page.contains("saved drawing"));

        // The record holds exactly the one drawing and the NRS, tied to the visit.
        let (_, timeline) = server
            .call("GET", &format!("/patients/{patient}/timeline"), &token, None, None)
            .await;
        let encounter = timeline["encounters"]
            .as_array()
            .expect("encounters")
            .iter()
            .find(|e| e["id"] == visit_id)
            .expect("the visit");
        assert_eq!(encounter["pain_drawing"].as_array().map(Vec::len), Some(2));
        let outcomes = timeline["outcomes"].as_array().expect("outcomes");
        assert_eq!(outcomes.len(), 1);
        assert_eq!(outcomes[0]["measure"], "pain-nrs");
        assert_eq!(outcomes[0]["value"], 6.0);
        assert_eq!(outcomes[0]["encounter_id"], visit_id);
    }
}

#[tokio::test]
async fn findings_show_the_consensus_classification_as_entered_and_after_saving() {
    for server in servers().await {
        let token = server.user("bea", "clinician", "physician").await;
        let patient = server.patient(&token, "MRN-V2").await;
        let bea = Browser::sign_in(&server, "bea").await;
        let visit = bea.new_visit(&patient).await;

        let classify = |fields: &'static [(&'static str, &'static str)]| {
            let path = format!("{visit}/classify");
            let bea = &bea;
            async move { text(bea.post(&path, fields).await).await }
        };
        let (status, html) = classify(&[
            ("taut_band", "yes"),
            ("spot_tenderness", "yes"),
            ("pain_recognised", "yes"),
        ])
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("Active trigger point") && html.contains("2 of 3 essential signs"),
            "{html}"
        );
        let (_, html) = classify(&[
            ("taut_band", "yes"),
            ("spot_tenderness", "yes"),
            ("pain_recognised", "no"),
        ])
        .await;
        assert!(html.contains("Latent trigger point"), "{html}");
        let (_, html) = classify(&[("taut_band", "yes"), ("spot_tenderness", "no"), ("referred_pain", "no")]).await;
        assert!(html.contains("Not a trigger point"), "{html}");
        let (_, html) = classify(&[("taut_band", "yes")]).await;
        assert!(html.contains("Insufficient"), "{html}");
        let (status, _) = classify(&[("taut_band", "maybe")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // An "examine" link fills the form.
        let (_, page) = bea.get(&format!("{visit}?tp=trapezius-upper-trp1&side=right")).await;
        assert!(page.contains(r#"<option value="trapezius-upper-trp1" selected>"#));

        let finding = [
            ("trigger_point", "trapezius-upper-trp1"),
            ("side", "right"),
            ("taut_band", "yes"),
            ("spot_tenderness", "yes"),
            ("referred_pain", "yes"),
            ("pain_recognised", "yes"),
            ("local_twitch", "not-assessed"),
            ("jump_sign", "no"),
            ("pressure_threshold", "2.5"),
            ("notes", ""),
        ];
        let saved = bea.post(&format!("{visit}/findings"), &finding).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let (_, page) = bea.get(&visit).await;
        assert!(
            page.contains(r#"<span class="badge class-active">active</span>"#),
            "stored and shown"
        );
        assert!(page.contains("2.5 kg/cm²"));

        // A midline side on a paired muscle is refused with the field named; the form keeps what was typed.
        let mut unsided = finding;
        unsided[1] = ("side", "");
        let (status, page) = text(bea.post(&format!("{visit}/findings"), &unsided).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("The finding was not saved") && page.contains("side"),
            "{page}"
        );
        assert!(page.contains(r#"<option value="trapezius-upper-trp1" selected>"#));
    }
}

#[tokio::test]
async fn cross_site_posts_to_the_visit_routes_are_refused() {
    for server in servers().await {
        let token = server.user("carl", "clinician", "physician").await;
        let patient = server.patient(&token, "MRN-V3").await;
        let carl = Browser::sign_in(&server, "carl").await;
        let visit = carl.new_visit(&patient).await;
        for (path, fields) in [
            (format!("/patients/{patient}/visits"), vec![("kind", "assessment")]),
            (format!("{visit}/drawing"), vec![("pain", "temple:right:7")]),
            (format!("{visit}/differential"), vec![("pain", "temple:right:7")]),
            (
                format!("{visit}/findings"),
                vec![("trigger_point", "trapezius-upper-trp1")],
            ),
            (format!("{visit}/plans"), vec![("template", "xeomin-facial")]),
            (format!("{visit}/plan-check"), vec![("template", "xeomin-facial")]),
        ] {
            let forged = carl.post_from(&path, &fields, "cross-site").await;
            assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{path}");
        }
        let (_, timeline) = server
            .call("GET", &format!("/patients/{patient}/timeline"), &token, None, None)
            .await;
        let encounters = timeline["encounters"].as_array().expect("encounters");
        assert_eq!(encounters.len(), 1, "no second visit");
        assert!(encounters[0]["pain_drawing"].as_array().is_some_and(Vec::is_empty));
        assert!(encounters[0]["plans"].as_array().is_some_and(Vec::is_empty));
    }
}

#[tokio::test]
async fn roles_that_may_not_are_refused_on_the_visit_routes() {
    for server in servers().await {
        let token = server.user("dana", "clinician", "physician").await;
        server.user("audrey", "auditor", "other").await;
        server.user("cara", "assistant", "other").await;
        let patient = server.patient(&token, "MRN-V4").await;
        let dana = Browser::sign_in(&server, "dana").await;
        let visit = dana.new_visit(&patient).await;

        let audrey = Browser::sign_in(&server, "audrey").await;
        assert_eq!(audrey.get(&visit).await.0, StatusCode::FORBIDDEN);
        let (status, html) = text(
            audrey
                .post(&format!("{visit}/differential"), &[("pain", "temple:right:7")])
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(html.contains("Not allowed"));
        assert_eq!(
            audrey.post(&format!("/patients/{patient}/visits"), &[]).await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            audrey
                .post(&format!("{visit}/drawing"), &[("pain", "temple:right:7")])
                .await
                .status(),
            StatusCode::FORBIDDEN
        );

        // An assistant draws pain but neither records findings nor writes or signs plans.
        let cara = Browser::sign_in(&server, "cara").await;
        let (status, page) = cara.get(&visit).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("id=\"drawing\"") && !page.contains("id=\"finding-form\""));
        assert!(!page.contains("id=\"plan-editor\""));
        let finding = [
            ("trigger_point", "trapezius-upper-trp1"),
            ("side", "right"),
            ("taut_band", "yes"),
        ];
        assert_eq!(
            cara.post(&format!("{visit}/findings"), &finding).await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            cara.post(&format!("{visit}/classify"), &finding).await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            cara.post(&format!("{visit}/plans"), &[("template", "xeomin-facial")])
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        let created = dana
            .post(&format!("{visit}/plans"), &[("template", "xeomin-facial")])
            .await;
        let plan = created.headers()[LOCATION].to_str().expect("plan").to_owned();
        assert_eq!(
            cara.post(&format!("{plan}/sign"), &[("override_reason", "x")])
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        assert!(
            dana.get(&plan).await.1.contains(r#"id="plan-status">draft<"#),
            "still a draft"
        );
    }
}

#[tokio::test]
async fn a_plan_that_trips_a_safety_finding_is_signed_only_with_a_written_reason() {
    for server in servers().await {
        let token = server.user("erin", "clinician", "physician").await;
        let patient = server.patient(&token, "MRN-V5").await;
        let erin = Browser::sign_in(&server, "erin").await;
        let visit = erin.new_visit(&patient).await;

        // From the template: a draft at its stable address, its items in the editor.
        let created = erin
            .post(
                &format!("{visit}/plans"),
                &[("template", "xeomin-facial"), ("muscles", "")],
            )
            .await;
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        let plan = created.headers()[LOCATION].to_str().expect("plan").to_owned();
        assert!(plan.starts_with("/plans/"), "{plan}");
        let (status, page) = erin.get(&plan).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(r#"<option value="masseter" selected>"#) && page.contains("id=\"sign-form\""));
        assert!(
            page.contains("incobotulinumtoxinA: 55 U"),
            "the template's total: {}",
            &page[page.find("plan-totals").unwrap_or(0)..][..400]
        );

        // The items as the editor sends them: the template's five, the masseter raised to 400 U.
        let mut items: Vec<(&str, &str)> = Vec::new();
        for (muscle, side, dose) in [
            ("frontalis", "left", "10"),
            ("frontalis", "right", "10"),
            ("orbicularis-oculi", "left", "10"),
            ("orbicularis-oculi", "right", "10"),
            ("masseter", "left", "400"),
        ] {
            items.extend([
                ("muscle", muscle),
                ("side", side),
                ("agent", "incobotulinumtoxinA"),
                ("dose", dose),
                ("unit", "U"),
                ("volume_ml", ""),
                ("concentration_percent", ""),
                ("points", "1"),
                ("site", ""),
            ]);
        }
        // Blank rows are ignored.
        items.extend([("muscle", ""), ("side", ""), ("agent", ""), ("dose", ""), ("unit", "")]);

        // The live check: totals and the error, nothing stored.
        let (status, html) = text(erin.post(&format!("{visit}/plan-check"), &items).await).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("incobotulinumtoxinA: 440 U"), "{html}");
        assert!(
            html.contains("toxin-session-max") && html.contains("class=\"sev-error\""),
            "{html}"
        );
        let (status, html) = text(
            erin.post(
                &format!("{visit}/plan-check"),
                &[
                    ("muscle", "masseter"),
                    ("agent", "incobotulinumtoxinA"),
                    ("dose", "ten"),
                    ("unit", "U"),
                ],
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("items[0].dose"), "{html}");

        // Saved on the version read; a stale version is refused.
        let mut save = items.clone();
        save.push(("version", "1"));
        assert_eq!(erin.post(&plan, &save).await.status(), StatusCode::SEE_OTHER);
        let (status, page) = text(erin.post(&plan, &save).await).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(page.contains("The draft was not saved"));

        // Signing without a reason is refused and says why; the plan stays a draft.
        let (status, page) = text(
            erin.post(&format!("{plan}/sign"), &[("version", "2"), ("override_reason", "  ")])
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("id=\"sign-error\"") && page.contains("toxin-session-max"),
            "{page}"
        );
        assert!(page.contains("aria-invalid=\"true\""));
        assert!(page.contains(r#"id="plan-status">draft<"#));

        let reason = "Masseter hypertrophy; dose agreed with the patient after discussion";
        let signed = erin
            .post(
                &format!("{plan}/sign"),
                &[("version", "2"), ("override_reason", reason)],
            )
            .await;
        assert_eq!(signed.status(), StatusCode::SEE_OTHER);
        let (_, page) = erin.get(&plan).await;
        assert!(page.contains(r#"id="plan-status">signed<"#) && page.contains(reason));
        assert!(!page.contains("id=\"plan-editor\""), "a signed plan is not edited");
        let (_, stored) = server.call("GET", &plan, &token, None, None).await;
        assert_eq!(stored["status"], "signed");
        assert_eq!(stored["override_reason"], reason);

        // The visit page lists it.
        let (_, page) = erin.get(&visit).await;
        assert!(page.contains(&format!("href=\"{plan}\"")) && page.contains("status-signed"));
    }
}
