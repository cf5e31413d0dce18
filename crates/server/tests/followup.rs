//! Follow-up over HTTP, on SQLite and PostgreSQL: a procedure schedules its checks, adverse events are flagged
//! and edited with versions, the worklist orders and completes checks, outcomes are summarised per patient and
//! for the clinic.

use reqwest::StatusCode;
use serde_json::{Value, json};
mod support;

use support::{error, servers};

fn xeomin_procedure(day: &str) -> Value {
    json!({"consent": {"obtained": true, "risks_discussed": ["pain", "bruising"]},
           "started_at": format!("{day}T10:00:00Z"), "ended_at": format!("{day}T10:08:00Z"),
           "sites": [{"muscle": "masseter", "side": "left", "agent": "Xeomin", "dose": {"value": 15, "unit": "U"},
                      "points": 1, "lot": "A123", "expiry": "2027-06-30", "guidance": "landmark",
                      "needle": "30 G 13 mm", "reconstitution_ml": 2.5, "vial_units": 100}],
           "complications": [], "diagnoses": ["M79.11"]})
}

fn checks(worklist: &Value) -> Vec<(String, String)> {
    worklist["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["status"].as_str().unwrap_or("").to_owned(),
                i["check_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_toxin_procedure_schedules_its_checks_and_the_worklist_completes_them() {
    for s in servers().await {
        let doc = s.user("doc", "clinician", "physician").await;
        let other = s.user("other", "clinician", "physician").await;
        let patient = s.patient(&doc, "MRN-F1").await;
        let encounter = s.encounter(&doc, &patient, "2026-10-01").await;
        let (status, procedure) = s
            .call(
                "POST",
                &format!("/encounters/{encounter}/procedures"),
                &doc,
                Some(xeomin_procedure("2026-10-01")),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{procedure}");

        // On day 2 only the call is due; the toxin review and the outcome visit have not started.
        let (status, list) = s.call("GET", "/followups?due=2026-10-03", &doc, None, None).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(checks(&list), vec![("due".to_owned(), "call-2-3-days".to_owned())]);
        assert!(!list["items"][0]["sources"].as_array().expect("sources").is_empty());

        // On day 20: the call and the review are overdue, longest overdue first; the outcome visit not yet.
        let (_, list) = s.call("GET", "/followups?due=2026-10-20", &doc, None, None).await;
        assert_eq!(
            checks(&list),
            vec![
                ("overdue".to_owned(), "call-2-3-days".to_owned()),
                ("overdue".to_owned(), "toxin-review-2-weeks".to_owned())
            ]
        );
        // Another clinician's own worklist is empty; with all=true it is the clinic's.
        let (_, theirs) = s.call("GET", "/followups?due=2026-10-20", &other, None, None).await;
        assert_eq!(checks(&theirs), vec![]);
        let (_, clinic) = s
            .call("GET", "/followups?due=2026-10-20&all=true", &other, None, None)
            .await;
        assert_eq!(checks(&clinic).len(), 2);

        let (status, body) = s.call("GET", "/followups?due=20-10-2026", &doc, None, None).await;
        assert_eq!(
            (status, error(&body).1),
            (StatusCode::UNPROCESSABLE_ENTITY, "due"),
            "{body}"
        );

        // The call is completed by a visit of the same patient, once.
        let call_id = list["items"][0]["id"].as_str().expect("id").to_owned();
        let visit = s.encounter(&doc, &patient, "2026-10-03").await;
        let stranger = s.patient(&doc, "MRN-F2").await;
        let strangers_visit = s.encounter(&doc, &stranger, "2026-10-03").await;
        let path = format!("/followups/{call_id}/complete");
        let (status, body) = s
            .call(
                "POST",
                &path,
                &doc,
                Some(json!({"encounter_id": strangers_visit})),
                None,
            )
            .await;
        assert_eq!(
            (status, error(&body).1),
            (StatusCode::UNPROCESSABLE_ENTITY, "encounter_id"),
            "{body}"
        );
        let (status, done) = s
            .call("POST", &path, &doc, Some(json!({"encounter_id": visit})), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["completed_encounter_id"], visit.as_str());
        let (status, _) = s
            .call("POST", &path, &doc, Some(json!({"encounter_id": visit})), None)
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (_, list) = s.call("GET", "/followups?due=2026-10-20", &doc, None, None).await;
        assert_eq!(
            checks(&list),
            vec![("overdue".to_owned(), "toxin-review-2-weeks".to_owned())]
        );
    }
}

#[tokio::test]
async fn adverse_events_are_flagged_and_edited_with_versions() {
    for s in servers().await {
        let doc = s.user("doc", "clinician", "physician").await;
        let patient = s.patient(&doc, "MRN-F3").await;
        let encounter = s.encounter(&doc, &patient, "2026-10-01").await;
        let (_, procedure) = s
            .call(
                "POST",
                &format!("/encounters/{encounter}/procedures"),
                &doc,
                Some(xeomin_procedure("2026-10-01")),
                None,
            )
            .await;
        let procedure_id = procedure["id"].as_str().expect("id").to_owned();
        let path = format!("/procedures/{procedure_id}/adverse-events");

        // Soreness lasts at most 4 days in the catalog: open since 1 October, it is overdue now.
        let soreness = json!({"effect": "post-injection-soreness", "site": "masseter:left", "onset": "2026-10-01",
                              "severity": "mild", "actions": ["heat"]});
        let (status, event) = s.call("POST", &path, &doc, Some(soreness.clone()), None).await;
        assert_eq!(status, StatusCode::CREATED, "{event}");
        assert_eq!(
            (event["overdue"].as_bool(), event["serious"].as_bool()),
            (Some(true), Some(false))
        );
        assert_eq!(event["expected_resolution_by"], "2026-10-05");
        assert_eq!(event["version"], 1);

        // Resolved: no longer overdue. The edit needs the version; a stale one is a conflict.
        let event_id = event["id"].as_str().expect("id").to_owned();
        let edit_path = format!("/adverse-events/{event_id}");
        let mut resolved = soreness.clone();
        resolved["resolved_on"] = json!("2026-10-03");
        let (status, _) = s.call("PATCH", &edit_path, &doc, Some(resolved.clone()), None).await;
        assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
        let (status, edited) = s
            .call("PATCH", &edit_path, &doc, Some(resolved.clone()), Some("1"))
            .await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!(
            (edited["version"].as_i64(), edited["overdue"].as_bool()),
            (Some(2), Some(false))
        );
        let (status, _) = s.call("PATCH", &edit_path, &doc, Some(resolved), Some("1")).await;
        assert_eq!(status, StatusCode::CONFLICT);

        // A serious event is flagged at once and shows on the worklist.
        let ptosis = json!({"effect": "toxin-ptosis", "onset": "2026-10-05", "severity": "serious"});
        let (status, serious) = s.call("POST", &path, &doc, Some(ptosis), None).await;
        assert_eq!(status, StatusCode::CREATED, "{serious}");
        assert_eq!(serious["serious"], true);
        let (_, list) = s.call("GET", "/followups?due=2026-10-06", &doc, None, None).await;
        let flagged: Vec<&str> = list["flagged_adverse_events"]
            .as_array()
            .expect("flagged")
            .iter()
            .filter_map(|e| e["effect"].as_str())
            .collect();
        assert_eq!(flagged, vec!["toxin-ptosis"]);
        // The worklist as of a day before the ptosis began does not list it, and does not fail on it.
        let (status, before) = s.call("GET", "/followups?due=2026-10-04", &doc, None, None).await;
        assert_eq!(status, StatusCode::OK, "{before}");
        assert_eq!(
            before["flagged_adverse_events"].as_array().map(Vec::len),
            Some(0),
            "{before}"
        );

        let (_, all) = s.call("GET", &path, &doc, None, None).await;
        assert_eq!(all["items"].as_array().map(Vec::len), Some(2));

        // Roles are enforced in the app: an auditor may neither record nor read an event.
        let auditor = s.user("auditor", "auditor", "other").await;
        let (status, _) = s
            .call(
                "POST",
                &path,
                &auditor,
                Some(json!({"effect": "itching", "onset": "2026-10-02", "severity": "mild"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = s.call("GET", &path, &auditor, None, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = s.call("GET", "/followups", &auditor, None, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Bad input names the field; nothing is written.
        for (body, field) in [
            (
                json!({"effect": "hiccups", "onset": "2026-10-02", "severity": "mild"}),
                "effect",
            ),
            (
                json!({"effect": "itching", "onset": "2026-10-02", "severity": "awful"}),
                "severity",
            ),
            (
                json!({"effect": "itching", "onset": "2999-01-01", "severity": "mild"}),
                "onset",
            ),
            (
                json!({"effect": "itching", "onset": "2026-09-01", "severity": "mild"}),
                "onset",
            ),
            (
                json!({"effect": "itching", "onset": "2026-10-02", "severity": "mild", "resolved_on": "2026-10-01"}),
                "resolved_on",
            ),
        ] {
            let (status, answer) = s.call("POST", &path, &doc, Some(body), None).await;
            assert_eq!(
                (status, error(&answer).1),
                (StatusCode::UNPROCESSABLE_ENTITY, field),
                "{answer}"
            );
        }
        let (_, all) = s.call("GET", &path, &doc, None, None).await;
        assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
        let (status, _) = s
            .call(
                "POST",
                "/procedures/0190a000-0000-7000-8000-000000000000/adverse-events",
                &doc,
                Some(json!({"effect": "itching", "onset": "2026-10-02", "severity": "mild"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn outcomes_are_summarised_for_the_patient_and_the_clinic() {
    for s in servers().await {
        let doc = s.user("doc", "clinician", "physician").await;
        let patient = s.patient(&doc, "MRN-F4").await;
        let encounter = s.encounter(&doc, &patient, "2026-10-01").await;
        // The procedure follows a signed plan built from a template: the report groups it under that protocol.
        let (status, plan) = s
            .call(
                "POST",
                &format!("/encounters/{encounter}/plans"),
                &doc,
                Some(json!({"template": "xeomin-facial"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        let plan_id = plan["id"].as_str().expect("id").to_owned();
        let sign = if plan["has_error"] == true {
            json!({"override_reason": "reviewed"})
        } else {
            json!({})
        };
        let (status, signed) = s
            .call("POST", &format!("/plans/{plan_id}/sign"), &doc, Some(sign), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{signed}");
        let mut done = xeomin_procedure("2026-10-01");
        done["plan_id"] = json!(plan_id);
        let (status, body) = s
            .call(
                "POST",
                &format!("/encounters/{encounter}/procedures"),
                &doc,
                Some(done),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        for (value, at) in [
            (8, "2026-09-30T09:00:00Z"),
            (6, "2026-10-15T09:00:00Z"),
            (4, "2026-11-05T09:00:00Z"),
        ] {
            let (status, body) = s
                .call(
                    "POST",
                    &format!("/patients/{patient}/outcomes"),
                    &doc,
                    Some(json!({"measure": "pain-nrs", "value": value, "recorded_at": at})),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let (status, summary) = s
            .call(
                "GET",
                &format!("/patients/{patient}/outcomes/summary"),
                &doc,
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{summary}");
        // Baseline 8, latest 4: a 50 % responder.
        assert_eq!(summary["baseline_nrs"], 8.0);
        assert_eq!(summary["latest_nrs"], 4.0);
        assert_eq!(summary["change_points"], 4.0);
        assert_eq!(summary["change_percent"], 50.0);
        assert_eq!(summary["responder_30"], true);
        assert_eq!(summary["responder_50"], true);
        assert_eq!(summary["responder_2_points"], true);
        assert_eq!(summary["sessions_last_12_months"], 1);
        assert_eq!(summary["weeks_since_last_injection"][0]["site"], "masseter:left");

        let (status, report) = s
            .call(
                "GET",
                "/reports/outcomes?from=2026-10-01&to=2026-10-31",
                &doc,
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["all"]["patients"], 1);
        assert_eq!(report["all"]["responders_50"], 1);
        assert_eq!(report["by_protocol"][0]["key"], "xeomin-facial", "{report}");
        assert_eq!(report["by_muscle"][0]["key"], "masseter", "{report}");
        let (_, empty) = s
            .call(
                "GET",
                "/reports/outcomes?from=2025-01-01&to=2025-12-31",
                &doc,
                None,
                None,
            )
            .await;
        assert_eq!(empty["all"]["patients"], 0);
        let (status, body) = s
            .call(
                "GET",
                "/reports/outcomes?from=2026-11-01&to=2026-10-01",
                &doc,
                None,
                None,
            )
            .await;
        assert_eq!(
            (status, error(&body).1),
            (StatusCode::UNPROCESSABLE_ENTITY, "from"),
            "{body}"
        );

        // Reads are audited.
        let auditor = s.user("auditor", "auditor", "other").await;
        let (_, log) = s
            .call("GET", &format!("/audit?patient={patient}"), &auditor, None, None)
            .await;
        let actions: Vec<&str> = log["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{log}"))
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(actions.contains(&"outcome.summary"), "{actions:?}");
    }
}

#[tokio::test]
async fn adherence_is_recorded_and_shown_beside_the_outcomes() {
    for s in servers().await {
        let doc = s.user("doc", "clinician", "physician").await;
        let patient = s.patient(&doc, "MRN-A1").await;
        let other = s.patient(&doc, "MRN-A2").await;
        let encounter = s.encounter(&doc, &other, "2026-10-01").await;
        let (status, procedure) = s
            .call(
                "POST",
                &format!("/encounters/{encounter}/procedures"),
                &doc,
                Some(xeomin_procedure("2026-10-01")),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{procedure}");
        let path = format!("/patients/{patient}/adherence");
        for (body, field) in [
            (json!({"percent_of_days": 101}), "percent_of_days"),
            (
                json!({"percent_of_days": 50, "recorded_on": "2999-01-01"}),
                "recorded_on",
            ),
            (
                json!({"percent_of_days": 50, "procedure_id": procedure["id"]}),
                "procedure_id",
            ),
        ] {
            let (status, answer) = s.call("POST", &path, &doc, Some(body), None).await;
            assert_eq!(
                (status, error(&answer).1),
                (StatusCode::UNPROCESSABLE_ENTITY, field),
                "{answer}"
            );
        }
        for (day, percent) in [("2026-10-08", 40), ("2026-10-15", 85)] {
            let body = json!({"percent_of_days": percent, "recorded_on": day, "notes": "pressure twice a day"});
            let (status, answer) = s.call("POST", &path, &doc, Some(body), None).await;
            assert_eq!(status, StatusCode::CREATED, "{answer}");
        }
        let (status, summary) = s
            .call(
                "GET",
                &format!("/patients/{patient}/outcomes/summary"),
                &doc,
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{summary}");
        let reported: Vec<(String, i64)> = summary["adherence"]
            .as_array()
            .expect("adherence")
            .iter()
            .map(|a| {
                (
                    a["recorded_on"].as_str().unwrap_or("").to_owned(),
                    a["percent_of_days"].as_i64().unwrap_or(-1),
                )
            })
            .collect();
        assert_eq!(reported, [("2026-10-08".to_owned(), 40), ("2026-10-15".to_owned(), 85)]);
    }
}
