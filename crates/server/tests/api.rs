//! Black-box tests of the JSON API: a real server on port 0 over SQLite and over PostgreSQL, called over HTTP.

use reqwest::StatusCode;
use serde_json::{Value, json};
use taut_app::{Actor, AuditKey};
use taut_store::{Store, StoreConfig, testing};

mod api_support;

use api_support::{Server, ada, error_code, servers};

#[tokio::test]
async fn health_and_authentication() {
    for s in servers().await {
        let (status, body, _) = s.call("GET", "/healthz", None, None, None).await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ok")));
        let (status, body, _) = s.call("GET", "/api/v1/patients", None, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&body), "unauthenticated");
        let (status, _, _) = s.call("GET", "/api/v1/patients", Some("taut_forged"), None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, body, _) = s.call("GET", "/api/v1/nowhere", None, None, None).await;
        assert_eq!((status, error_code(&body)), (StatusCode::NOT_FOUND, "not-found"));
    }
}

/// A patient (from `ada(mrn)`) and an assessment visit recorded by `token`: their ids.
async fn patient_with_visit(s: &Server, token: &str, mrn: &str) -> (String, String) {
    let (status, patient, _) = s
        .call("POST", "/api/v1/patients", Some(token), Some(ada(mrn)), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{patient}");
    let id = patient["id"].as_str().expect("id").to_owned();
    let (status, encounter, _) = s
        .call(
            "POST",
            &format!("/api/v1/patients/{id}/encounters"),
            Some(token),
            Some(json!({"kind": "assessment"})),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{encounter}");
    (id, encounter["id"].as_str().expect("id").to_owned())
}

// Which role may call which route is the matrix in `tests/matrix.rs`; the tests here hold the behaviours
// around it.

#[tokio::test]
async fn an_assistants_writes_are_in_the_audit_log_an_auditor_reads() {
    for s in servers().await {
        let assistant = s.user("asst", "assistant", "other").await;
        let auditor = s.user("aud", "auditor", "other").await;
        let (id, encounter_id) = patient_with_visit(&s, &assistant, "MRN-1").await;
        let drawing = json!({"marks": [{"region": "temple:right", "intensity": 6}]});
        let (status, _, _) = s
            .call(
                "POST",
                &format!("/api/v1/encounters/{encounter_id}/pain-drawing"),
                Some(&assistant),
                Some(drawing),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _, _) = s
            .call(
                "POST",
                &format!("/api/v1/patients/{id}/outcomes"),
                Some(&assistant),
                Some(json!({"measure": "pain-nrs", "value": 5})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, body, _) = s
            .call(
                "GET",
                &format!("/api/v1/audit?patient={id}"),
                Some(&auditor),
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let actions: Vec<&str> = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        for action in [
            "patient.create",
            "encounter.create",
            "pain-drawing.create",
            "outcome.create",
        ] {
            assert!(actions.contains(&action), "{action} audited: {actions:?}");
        }
    }
}

#[tokio::test]
async fn a_refused_request_names_the_forbidden_error() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let auditor = s.user("aud", "auditor", "other").await;
        let (id, _) = patient_with_visit(&s, &clinician, "MRN-1").await;
        let (status, body, _) = s
            .call("GET", &format!("/api/v1/patients/{id}"), Some(&auditor), None, None)
            .await;
        assert_eq!((status, error_code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
        assert!(
            !body.to_string().contains("Lovelace"),
            "nothing of the record leaks: {body}"
        );
    }
}

#[tokio::test]
async fn patients_are_edited_with_versions_and_deleted_softly() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let (status, created, headers) = s
            .call("POST", "/api/v1/patients", Some(&clinician), Some(ada("MRN-1")), None)
            .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(headers.get("etag").and_then(|v| v.to_str().ok()), Some("\"1\""));
        let id = created["id"].as_str().expect("id").to_owned();
        let path = format!("/api/v1/patients/{id}");

        let (status, body, _) = s
            .call("POST", "/api/v1/patients", Some(&clinician), Some(ada("MRN-1")), None)
            .await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::CONFLICT, "conflict"),
            "duplicate MRN"
        );
        let mut bad = ada("MRN-2");
        bad["sex"] = json!("x");
        let (status, body, _) = s
            .call("POST", "/api/v1/patients", Some(&clinician), Some(bad), None)
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("sex"))
        );

        let (status, body, _) = s
            .call("PATCH", &path, Some(&clinician), Some(json!({"weight_kg": 63})), None)
            .await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::PRECONDITION_REQUIRED, "version-required")
        );
        let (status, body, headers) = s
            .call(
                "PATCH",
                &path,
                Some(&clinician),
                Some(json!({"weight_kg": 63})),
                Some("\"1\""),
            )
            .await;
        assert_eq!(
            (status, body["version"].as_i64(), body["weight_kg"].as_f64()),
            (StatusCode::OK, Some(2), Some(63.0))
        );
        assert_eq!(headers.get("etag").and_then(|v| v.to_str().ok()), Some("\"2\""));
        let (status, body, _) = s
            .call(
                "PATCH",
                &path,
                Some(&clinician),
                Some(json!({"weight_kg": 70, "version": 1})),
                None,
            )
            .await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::CONFLICT, "conflict"),
            "stale version"
        );
        let (_, body, _) = s.call("GET", &path, Some(&clinician), None, None).await;
        assert_eq!(body["weight_kg"].as_f64(), Some(63.0), "the stale edit changed nothing");

        let (status, body, _) = s
            .call("GET", "/api/v1/patients?q=love&limit=1", Some(&clinician), None, None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["items"].as_array().map(Vec::len), Some(1));

        let (status, _, _) = s
            .call(
                "DELETE",
                &path,
                Some(&clinician),
                Some(json!({"reason": " "})),
                Some("\"2\""),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a delete needs a reason");
        let (status, body, _) = s
            .call(
                "DELETE",
                &path,
                Some(&clinician),
                Some(json!({"reason": "duplicate", "version": 2})),
                None,
            )
            .await;
        assert_eq!(
            (status, body["delete_reason"].as_str()),
            (StatusCode::OK, Some("duplicate"))
        );
        let (status, _, _) = s.call("GET", &path, Some(&clinician), None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let store = Store::connect(&s.url, &StoreConfig::default()).await.expect("store");
        let mut tx = store.begin().await.expect("begin");
        let versions = tx.patient_versions(&id).await.expect("history stays in the database");
        assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), [1, 2, 3]);
    }
}

#[tokio::test]
async fn a_visit_is_recorded_and_read_back_as_a_timeline() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let (_, patient, _) = s
            .call("POST", "/api/v1/patients", Some(&clinician), Some(ada("MRN-1")), None)
            .await;
        let id = patient["id"].as_str().expect("id").to_owned();
        let (status, encounter, _) = s
            .call(
                "POST",
                &format!("/api/v1/patients/{id}/encounters"),
                Some(&clinician),
                Some(json!({"kind": "assessment", "occurred_at": "2026-11-20T09:00:00+01:00"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(encounter["occurred_at"], "2026-11-20T08:00:00.000000Z");
        let encounter_id = encounter["id"].as_str().expect("id").to_owned();
        let drawing = json!({"marks": [
            {"region": "temple:right", "intensity": 7, "quality": "aching"},
            {"region": "neck-posterior", "side": "right", "intensity": 4}]});
        let (status, _, _) = s
            .call(
                "POST",
                &format!("/api/v1/encounters/{encounter_id}/pain-drawing"),
                Some(&clinician),
                Some(drawing),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let bare = json!([{"region": "occiput:right", "intensity": 3}]);
        let (status, _, _) = s
            .call(
                "POST",
                &format!("/api/v1/encounters/{encounter_id}/pain-drawing"),
                Some(&clinician),
                Some(bare),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "a bare list of marks is accepted too");
        let missing = json!({"marks": [{"region": "temple:right"}]});
        let (status, body, _) = s
            .call(
                "POST",
                &format!("/api/v1/encounters/{encounter_id}/pain-drawing"),
                Some(&clinician),
                Some(missing),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("intensity")),
            "{body}"
        );
        let bad = json!({"marks": [{"region": "temple:right", "intensity": 7}, {"region": "tempel", "intensity": 2}]});
        let (status, body, _) = s
            .call(
                "POST",
                &format!("/api/v1/encounters/{encounter_id}/pain-drawing"),
                Some(&clinician),
                Some(bad),
                None,
            )
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("marks[1]"))
        );
        let finding = json!({"trigger_point": "trapezius-upper-trp1", "side": "right", "taut_band": "yes",
                             "spot_tenderness": "yes", "referred_pain": "yes", "pain_recognised": "yes",
                             "local_twitch": "not-assessed", "pressure_threshold_kg_cm2": 2.4});
        let (status, body, _) = s
            .call(
                "POST",
                &format!("/api/v1/encounters/{encounter_id}/findings"),
                Some(&clinician),
                Some(finding),
                None,
            )
            .await;
        assert_eq!(
            (status, body["classification"].as_str()),
            (StatusCode::CREATED, Some("active"))
        );
        let outcome = json!({"measure": "pain-nrs", "value": 7, "encounter_id": encounter_id});
        let (status, _, _) = s
            .call(
                "POST",
                &format!("/api/v1/patients/{id}/outcomes"),
                Some(&clinician),
                Some(outcome),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, body, _) = s
            .call(
                "POST",
                &format!("/api/v1/patients/{id}/outcomes"),
                Some(&clinician),
                Some(json!({"measure": "pain-nrs", "value": 12})),
                None,
            )
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("value"))
        );

        let (status, timeline, _) = s
            .call(
                "GET",
                &format!("/api/v1/patients/{id}/timeline"),
                Some(&clinician),
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let visit = &timeline["encounters"][0];
        assert_eq!(
            visit["pain_drawing"].as_array().map(Vec::len),
            Some(3),
            "the rejected drawings wrote nothing"
        );
        assert_eq!(visit["findings"][0]["classification"], "active");
        assert_eq!(timeline["outcomes"][0]["value"].as_f64(), Some(7.0));
        let (_, list, _) = s
            .call(
                "GET",
                &format!("/api/v1/patients/{id}/encounters"),
                Some(&clinician),
                None,
                None,
            )
            .await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
        assert!(s.app.verify_audit(None).await.expect("verify").is_ok());
    }
}

#[tokio::test]
async fn the_differential_answers_over_http() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let body = json!({"regions": ["temple:right", {"region": "neck-posterior:right", "intensity": 6}], "top": 3});
        let (status, result, _) = s
            .call("POST", "/api/v1/differential", Some(&clinician), Some(body), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(result["candidates"][0]["muscle"], "trapezius");
        assert_eq!(result["red_flags"], json!([]));
        let gca = json!({"regions": ["temple:right"], "symptoms": ["jaw-claudication"], "age": 71, "sex": "female"});
        let (status, result, _) = s
            .call("POST", "/api/v1/differential", Some(&clinician), Some(gca), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(result["red_flags"][0]["code"], "giant-cell-arteritis");
        let (status, body, _) = s
            .call(
                "POST",
                "/api/v1/differential",
                Some(&clinician),
                Some(json!({"regions": ["temple:right"], "sex": "f"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("female, male"))
        );
        let (status, body, _) = s
            .call(
                "POST",
                "/api/v1/differential",
                Some(&clinician),
                Some(json!({"regions": ["sternum:left"]})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("midline")));
    }
}

#[tokio::test]
async fn a_plan_is_checked_over_http() {
    let s = Server::start(&testing::sqlite_url().await, AuditKey::generate().expect("key")).await;
    let clinician = s.user("doc", "clinician", "physician").await;
    let plan = json!({"date": "2026-11-26", "items": [
        {"muscle": "masseter", "side": "left", "agent": "incobotulinumtoxinA", "dose": {"value": 15, "unit": "U"}}]});
    let (status, report, _) = s
        .call("POST", "/api/v1/plans/check", Some(&clinician), Some(plan), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["totals"][0]["value"].as_f64(), Some(15.0));
    let bad = json!({"date": "2026-11-26", "items": [{"muscle": "masseter", "side": "left", "agent": "xeomim", "dose": {"value": 15, "unit": "U"}}]});
    let (status, body, _) = s
        .call("POST", "/api/v1/plans/check", Some(&clinician), Some(bad), None)
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("items[0].agent"))
    );
}

#[tokio::test]
async fn two_servers_share_one_postgres_database() {
    let Some(url) = testing::postgres_url().await else {
        return;
    };
    let key = AuditKey::generate().expect("key");
    let a = Server::start(&url, key.clone()).await;
    let b = Server::start(&url, key).await;
    let token = a.user("doc", "clinician", "physician").await;
    let (_, created, _) = a
        .call("POST", "/api/v1/patients", Some(&token), Some(ada("MRN-1")), None)
        .await;
    let path = format!("/api/v1/patients/{}", created["id"].as_str().expect("id"));
    let (status, _, _) = b
        .call(
            "PATCH",
            &path,
            Some(&token),
            Some(json!({"weight_kg": 64})),
            Some("\"1\""),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "server B sees server A's write");
    let (status, _, _) = a
        .call(
            "PATCH",
            &path,
            Some(&token),
            Some(json!({"weight_kg": 65})),
            Some("\"1\""),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "server A learns of B's edit");
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..10 {
        let base = if i % 2 == 0 { a.base.clone() } else { b.base.clone() };
        let (client, url, token) = (a.client.clone(), format!("{base}{path}"), token.clone());
        calls.spawn(async move { client.get(url).bearer_auth(token).send().await.map(|r| r.status()) });
    }
    while let Some(done) = calls.join_next().await {
        assert_eq!(done.expect("task").expect("request"), StatusCode::OK);
    }
    assert!(
        a.app.verify_audit(None).await.expect("verify").is_ok(),
        "one unbroken audit chain across servers"
    );
}

#[tokio::test]
async fn a_misspelt_sign_is_refused_and_the_american_spelling_accepted() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let (_, encounter_id) = patient_with_visit(&s, &clinician, "MRN-1").await;
        let findings = format!("/api/v1/encounters/{encounter_id}/findings");
        // Refused rather than left "not assessed".
        let typo = json!({"trigger_point": "masseter-deep", "side": "left", "taut_band": "yes", "spot_tenderness": "yes", "pain_recognised_": "yes"});
        let (status, body, _) = s.call("POST", &findings, Some(&clinician), Some(typo), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let american = json!({"trigger_point": "masseter-deep", "side": "left", "taut_band": true, "spot_tenderness": "yes", "pain_recognized": "yes"});
        let (status, body, _) = s.call("POST", &findings, Some(&clinician), Some(american), None).await;
        assert_eq!(
            (status, body["classification"].as_str()),
            (StatusCode::CREATED, Some("active"))
        );
    }
}

#[tokio::test]
async fn search_folds_case_beyond_ascii() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let mut umlaut = ada("MRN-2");
        umlaut["family_name"] = json!("Ärnström");
        let (status, _, _) = s
            .call("POST", "/api/v1/patients", Some(&clinician), Some(umlaut), None)
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, found, _) = s
            .call("GET", "/api/v1/patients?q=%C3%A4rnstr", Some(&clinician), None, None)
            .await;
        assert_eq!(found["items"].as_array().map(Vec::len), Some(1), "{found}");
    }
}

#[tokio::test]
async fn a_delete_whose_if_match_and_body_versions_disagree_is_refused() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let (id, _) = patient_with_visit(&s, &clinician, "MRN-1").await;
        let (status, _, _) = s
            .call(
                "DELETE",
                &format!("/api/v1/patients/{id}"),
                Some(&clinician),
                Some(json!({"reason": "duplicate", "version": 2})),
                Some("\"1\""),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "disagreeing versions");
    }
}

#[tokio::test]
async fn a_deleted_record_releases_its_mrn_and_does_not_reveal_its_id() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let (id, encounter_id) = patient_with_visit(&s, &clinician, "MRN-1").await;
        let (status, _, _) = s
            .call(
                "DELETE",
                &format!("/api/v1/patients/{id}"),
                Some(&clinician),
                Some(json!({"reason": "duplicate"})),
                Some("\"1\""),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) = s
            .call("POST", "/api/v1/patients", Some(&clinician), Some(ada("MRN-1")), None)
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "the MRN of a deleted record can be given again"
        );
        let (status, body, _) = s
            .call(
                "POST",
                &format!("/api/v1/encounters/{encounter_id}/findings"),
                Some(&clinician),
                Some(json!({"trigger_point": "masseter-deep", "side": "left"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            !body.to_string().contains(&id),
            "a deleted patient's id is not revealed: {body}"
        );
    }
}

#[tokio::test]
async fn bad_query_strings_and_wrong_methods_answer_in_the_json_error_shape() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let (id, _) = patient_with_visit(&s, &clinician, "MRN-1").await;
        let (status, body, _) = s
            .call("GET", "/api/v1/patients?limit=abc", Some(&clinician), None, None)
            .await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
        );
        let path = format!("/api/v1/patients/{id}");
        let (status, body, _) = s.call("PUT", &path, Some(&clinician), Some(json!({})), None).await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed")
        );
    }
}

#[tokio::test]
async fn the_audit_log_pages_forward_from_the_last_position_seen() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let auditor = s.user("aud", "auditor", "other").await;
        patient_with_visit(&s, &clinician, "MRN-1").await;
        let (_, first, _) = s.call("GET", "/api/v1/audit?limit=2", Some(&auditor), None, None).await;
        let last = first["items"][1]["position"].as_i64().expect("position");
        let (_, next, _) = s
            .call(
                "GET",
                &format!("/api/v1/audit?limit=2&after={last}"),
                Some(&auditor),
                None,
                None,
            )
            .await;
        assert_eq!(next["items"][0]["position"].as_i64(), Some(last + 1));
        let (status, _, _) = s.call("GET", "/api/v1/audit?limit=0", Some(&auditor), None, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn a_revoked_token_stops_working_at_once() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let (status, _, _) = s.call("GET", "/api/v1/patients", Some(&clinician), None, None).await;
        assert_eq!(status, StatusCode::OK);
        s.app.revoke_tokens(&Actor::operator(), "doc").await.expect("revoke");
        let (status, _, _) = s.call("GET", "/api/v1/patients", Some(&clinician), None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn refusals_failed_sign_ins_and_searches_are_audited() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let auditor = s.user("audit", "auditor", "other").await;
        let (status, _, _) = s
            .call("GET", "/api/v1/patients", Some("taut_not-a-token"), None, None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _, _) = s.call("GET", "/api/v1/audit", Some(&clinician), None, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        for mrn in ["MRN-1", "MRN-2"] {
            s.call("POST", "/api/v1/patients", Some(&clinician), Some(ada(mrn)), None)
                .await;
        }
        let (_, found, _) = s
            .call("GET", "/api/v1/patients?q=lovelace", Some(&clinician), None, None)
            .await;
        assert_eq!(found["items"].as_array().map(Vec::len), Some(2));

        let (status, log, _) = s
            .call("GET", "/api/v1/audit?limit=1000", Some(&auditor), None, None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let entries = log["items"].as_array().expect("items");
        let actions: Vec<&str> = entries.iter().filter_map(|e| e["action"].as_str()).collect();
        assert!(actions.contains(&"auth.failed"), "{actions:?}");
        let refused = entries
            .iter()
            .find(|e| e["action"] == "access.refused")
            .expect("refusal audited");
        assert_eq!(refused["actor"], "doc");
        assert!(
            refused["details"]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("audit")),
            "{refused}"
        );
        let searches: Vec<&Value> = entries.iter().filter(|e| e["action"] == "patient.search").collect();
        assert_eq!(searches.len(), 1, "one event per search, not one per patient");
        assert_eq!(searches[0]["details"]["returned"].as_array().map(Vec::len), Some(2));
    }
}
