//! Treatment sessions over HTTP, on SQLite and PostgreSQL: plan → sign (with and without an override) →
//! procedure → a second plan that sees the first; expired lots, and who may record an injection.

use reqwest::StatusCode;
use serde_json::{Value, json};
mod support;

use support::{error, servers};

fn finding_codes(plan: &Value) -> Vec<(String, String)> {
    plan["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or("").to_owned(),
                f["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn has_finding(plan: &Value, severity: &str, code: &str) -> bool {
    finding_codes(plan).iter().any(|(s, c)| s == severity && c == code)
}

/// Codes as `SYSTEM CODE[-MODIFIER] xUNITS`.
fn codes(record: &Value) -> Vec<String> {
    record["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| {
            let modifier = c["modifier"].as_str().map(|m| format!("-{m}")).unwrap_or_default();
            let units = c["units"].as_u64().map(|u| format!(" x{u}")).unwrap_or_default();
            format!(
                "{} {}{modifier}{units}",
                c["system"].as_str().unwrap_or(""),
                c["code"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn xeomin_site(muscle: &str, units: f64, expiry: &str) -> Value {
    json!({"muscle": muscle, "side": "left", "agent": "Xeomin", "dose": {"value": units, "unit": "U"},
           "points": 1, "lot": "A123", "expiry": expiry, "guidance": "landmark", "needle": "30 G 13 mm",
           "reconstitution_ml": 2.5, "vial_units": 100})
}

fn procedure(plan_id: Option<&str>, day: &str, sites: Vec<Value>) -> Value {
    json!({"plan_id": plan_id,
           "consent": {"obtained": true, "risks_discussed": ["pain", "bruising"]},
           "started_at": format!("{day}T10:00:00Z"), "ended_at": format!("{day}T10:08:00Z"),
           "sites": sites, "complications": [], "diagnoses": ["M79.11"]})
}

#[tokio::test]
async fn plan_sign_procedure_and_a_second_plan_that_sees_the_first() {
    for s in servers().await {
        let doc = s.user("doc", "clinician", "physician").await;
        let auditor = s.user("aud", "auditor", "other").await;
        let patient = s.patient(&doc, "MRN-S1").await;
        let first = s.encounter(&doc, &patient, "2026-10-01").await;

        // A draft from the seed template, with the context from the record (nothing retyped).
        let (status, plan) = s
            .call(
                "POST",
                &format!("/encounters/{first}/plans"),
                &doc,
                Some(json!({"template": "xeomin-facial"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        assert_eq!(
            (plan["status"].as_str(), plan["version"].as_i64()),
            (Some("draft"), Some(1))
        );
        for key in ["id", "items", "totals", "vials", "waste", "findings", "codes"] {
            assert!(!plan[key].is_null(), "{key} missing from {plan}");
        }
        assert_eq!(plan["items"].as_array().map(Vec::len), Some(5));
        assert!(codes(&plan).contains(&"CPT 20553 x1".to_owned()), "{:?}", codes(&plan));
        // The record's free-text allergy is carried into the check (and reported as not interpreted).
        assert!(
            has_finding(&plan, "info", "unrecognised-entries"),
            "{:?}",
            finding_codes(&plan)
        );
        assert_eq!(plan["input"]["checked"]["patient"]["weight_kg"], 70.0);
        let plan_id = plan["id"].as_str().expect("id").to_owned();

        // Edits carry the version: none is 428, a stale one 409.
        let masseter_only = json!({"items": [{"muscle": "masseter", "side": "left", "agent": "Xeomin",
                                              "dose": {"value": 15, "unit": "U"}}]});
        let (status, _) = s
            .call(
                "PATCH",
                &format!("/plans/{plan_id}"),
                &doc,
                Some(masseter_only.clone()),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
        let (status, edited) = s
            .call(
                "PATCH",
                &format!("/plans/{plan_id}"),
                &doc,
                Some(masseter_only.clone()),
                Some("\"1\""),
            )
            .await;
        assert_eq!(
            (status, edited["version"].as_i64()),
            (StatusCode::OK, Some(2)),
            "{edited}"
        );
        assert_eq!(edited["items"].as_array().map(Vec::len), Some(1));
        let (status, body) = s
            .call(
                "PATCH",
                &format!("/plans/{plan_id}"),
                &doc,
                Some(masseter_only),
                Some("\"1\""),
            )
            .await;
        assert_eq!((status, error(&body).0), (StatusCode::CONFLICT, "conflict"));

        // No error finding: signed without an override.
        let (status, signed) = s
            .call("POST", &format!("/plans/{plan_id}/sign"), &doc, Some(json!({})), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{signed}");
        assert_eq!(
            (signed["status"].as_str(), signed["version"].as_i64()),
            (Some("signed"), Some(3))
        );
        assert!(signed["override_reason"].is_null());
        let (status, _) = s
            .call(
                "PATCH",
                &format!("/plans/{plan_id}"),
                &doc,
                Some(json!({"template": "xeomin-facial"})),
                Some("\"3\""),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "a signed plan is not edited");

        // The procedure as done (15 U into the left masseter), coded from the sites.
        let (status, done) = s
            .call(
                "POST",
                &format!("/encounters/{first}/procedures"),
                &doc,
                Some(procedure(
                    Some(&plan_id),
                    "2026-10-01",
                    vec![xeomin_site("masseter", 15.0, "2027-06-30")],
                )),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{done}");
        assert_eq!(done["version"], 1);
        let billed = codes(&done);
        assert!(billed.contains(&"CPT 20552 x1".to_owned()), "{billed:?}");
        assert!(billed.contains(&"HCPCS J0588 x15".to_owned()), "{billed:?}");
        assert!(
            billed.iter().any(|c| c.starts_with("HCPCS J0588-JW")),
            "the rest of the opened vial is billed as waste: {billed:?}"
        );
        assert!(billed.contains(&"ICD-10-CM M79.11".to_owned()), "{billed:?}");
        assert_eq!(done["suggested_diagnoses"], json!(["M79.11"]));
        assert_eq!(
            done["sites"][0]["agent"], "incobotulinumtoxinA",
            "brand names are stored as the agent id"
        );
        assert_eq!(done["sites"][0]["volume_ml"], 0.375, "15 U at 100 U in 2.5 mL");
        assert_eq!(done["consent"]["by"], "doc");
        let procedure_id = done["id"].as_str().expect("id").to_owned();
        let (status, read) = s
            .call("GET", &format!("/procedures/{procedure_id}"), &doc, None, None)
            .await;
        assert_eq!((status, &read["sites"]), (StatusCode::OK, &done["sites"]));

        // Four weeks later, the same toxin into the same muscle: the stored procedure is in the history.
        let second = s.encounter(&doc, &patient, "2026-10-29").await;
        let again = json!({"items": [{"muscle": "masseter", "side": "left", "agent": "incobotulinumtoxinA",
                                      "dose": {"value": 15, "unit": "U"}}]});
        let (status, replan) = s
            .call("POST", &format!("/encounters/{second}/plans"), &doc, Some(again), None)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{replan}");
        assert!(
            has_finding(&replan, "error", "toxin-retreatment-interval"),
            "{:?}",
            finding_codes(&replan)
        );
        assert!(
            has_finding(&replan, "warning", "tpi-same-site-interval"),
            "{:?}",
            finding_codes(&replan)
        );
        let history = &replan["input"]["checked"]["patient"]["history"];
        assert_eq!(history[0]["performed_at"], "2026-10-01", "{history}");
        let replan_id = replan["id"].as_str().expect("id").to_owned();

        // An error finding: signed only with a written reason, which is kept and audited.
        for body in [json!({}), json!({"override_reason": "   "})] {
            let (status, refused) = s
                .call("POST", &format!("/plans/{replan_id}/sign"), &doc, Some(body), None)
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
            assert_eq!(error(&refused), ("override-required", "override_reason"));
            assert!(
                refused["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("toxin-retreatment-interval"))
            );
        }
        let reason = "spasm recurred early; discussed the risk with the patient";
        let (status, overridden) = s
            .call(
                "POST",
                &format!("/plans/{replan_id}/sign"),
                &doc,
                Some(json!({"override_reason": reason})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{overridden}");
        assert_eq!(
            (overridden["status"].as_str(), overridden["override_reason"].as_str()),
            (Some("signed"), Some(reason))
        );
        let (_, log) = s.call("GET", "/audit?limit=1000", &auditor, None, None).await;
        let sign = log["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|e| e["action"] == "plan.sign" && e["record_id"] == replan_id.as_str())
            .cloned()
            .expect("the signature is audited");
        assert_eq!(sign["details"]["override_reason"], reason);
        assert_eq!(sign["details"]["errors"], json!(["toxin-retreatment-interval"]));
        let (_, versions) = s
            .call("GET", &format!("/plans/{replan_id}/history"), &doc, None, None)
            .await;
        let states: Vec<&str> = versions["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|v| v["status"].as_str())
            .collect();
        assert_eq!(states, ["draft", "signed"]);

        // The timeline shows plans and procedures under their encounters.
        let (_, timeline) = s
            .call("GET", &format!("/patients/{patient}/timeline"), &doc, None, None)
            .await;
        let encounters = timeline["encounters"].as_array().expect("encounters");
        assert_eq!(encounters[0]["plans"].as_array().map(Vec::len), Some(1));
        assert_eq!(encounters[0]["procedures"][0]["id"], procedure_id.as_str());
        assert_eq!(encounters[1]["plans"][0]["status"], "signed");
        assert_eq!(encounters[1]["procedures"].as_array().map(Vec::len), Some(0));
    }
}

#[tokio::test]
async fn an_expired_lot_is_refused_and_nothing_is_written() {
    for s in servers().await {
        let doc = s.user("doc", "clinician", "physician").await;
        let patient = s.patient(&doc, "MRN-S2").await;
        let encounter = s.encounter(&doc, &patient, "2026-10-01").await;
        let path = format!("/encounters/{encounter}/procedures");
        for (expiry, field) in [("2026-09-30", "sites[0].expiry"), ("2026-09", "sites[0].expiry")] {
            let (status, body) = s
                .call(
                    "POST",
                    &path,
                    &doc,
                    Some(procedure(
                        None,
                        "2026-10-01",
                        vec![xeomin_site("masseter", 15.0, expiry)],
                    )),
                    None,
                )
                .await;
            assert_eq!(
                (status, error(&body)),
                (StatusCode::UNPROCESSABLE_ENTITY, ("invalid", field)),
                "{body}"
            );
            assert!(
                body["error"]["message"].as_str().is_some_and(|m| m.contains("expired")),
                "{body}"
            );
        }
        // The last day of the expiry month is still usable; a lot is required for an injection.
        let (status, body) = s
            .call(
                "POST",
                &path,
                &doc,
                Some(procedure(
                    None,
                    "2026-10-01",
                    vec![xeomin_site("masseter", 15.0, "2026-10")],
                )),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let mut no_lot = xeomin_site("masseter", 15.0, "2027-06-30");
        no_lot.as_object_mut().expect("site").remove("lot");
        let (status, body) = s
            .call(
                "POST",
                &path,
                &doc,
                Some(procedure(None, "2026-10-01", vec![no_lot])),
                None,
            )
            .await;
        assert_eq!(
            (status, error(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, ("invalid", "sites[0].lot"))
        );
        // Consent, times and diagnoses are checked too.
        let mut refused = procedure(None, "2026-10-01", vec![xeomin_site("masseter", 15.0, "2027-06-30")]);
        refused["consent"]["obtained"] = json!(false);
        let (status, body) = s.call("POST", &path, &doc, Some(refused), None).await;
        assert_eq!(
            (status, error(&body).1),
            (StatusCode::UNPROCESSABLE_ENTITY, "consent.obtained")
        );
        let mut backwards = procedure(None, "2026-10-01", vec![xeomin_site("masseter", 15.0, "2027-06-30")]);
        backwards["ended_at"] = json!("2026-10-01T09:00:00Z");
        let (status, body) = s.call("POST", &path, &doc, Some(backwards), None).await;
        assert_eq!((status, error(&body).1), (StatusCode::UNPROCESSABLE_ENTITY, "ended_at"));
        let mut coded = procedure(None, "2026-10-01", vec![xeomin_site("masseter", 15.0, "2027-06-30")]);
        coded["diagnoses"] = json!(["myalgia"]);
        let (status, body) = s.call("POST", &path, &doc, Some(coded), None).await;
        assert_eq!(
            (status, error(&body).1),
            (StatusCode::UNPROCESSABLE_ENTITY, "diagnoses[0]")
        );
        let (_, timeline) = s
            .call("GET", &format!("/patients/{patient}/timeline"), &doc, None, None)
            .await;
        assert_eq!(
            timeline["encounters"][0]["procedures"].as_array().map(Vec::len),
            Some(1),
            "only the valid one"
        );
    }
}

#[tokio::test]
async fn a_physical_therapist_may_needle_and_treat_manually_but_not_inject() {
    for s in servers().await {
        let doc = s.user("doc", "clinician", "physician").await;
        let pt = s.user("pt", "clinician", "physical-therapist").await;
        let assistant = s.user("asst", "assistant", "other").await;
        let patient = s.patient(&doc, "MRN-S3").await;
        let encounter = s.encounter(&doc, &patient, "2026-10-01").await;
        let path = format!("/encounters/{encounter}/procedures");

        let injection = procedure(None, "2026-10-01", vec![xeomin_site("masseter", 15.0, "2027-06-30")]);
        let (status, body) = s.call("POST", &path, &pt, Some(injection.clone()), None).await;
        assert_eq!((status, error(&body).0), (StatusCode::FORBIDDEN, "forbidden"), "{body}");
        let (status, _) = s.call("POST", &path, &assistant, Some(injection), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let manual = procedure(
            None,
            "2026-10-01",
            vec![
                json!({"muscle": "trapezius", "side": "left", "agent": "manual-pressure",
                        "technique": "ischemic compression, 60 s"}),
            ],
        );
        let (status, body) = s.call("POST", &path, &pt, Some(manual), None).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert!(
            !codes(&body).iter().any(|c| c.starts_with("CPT")),
            "manual pressure has no TPI code"
        );
        assert_eq!(body["sites"][0]["kind"], "manual");
        assert!(body["sites"][0]["guidance"].is_null());

        let needling = procedure(
            None,
            "2026-10-01",
            vec![
                json!({"muscle": "trapezius", "side": "left", "agent": "dry-needling", "guidance": "ultrasound"}),
                json!({"muscle": "trapezius", "side": "right", "agent": "dry-needling"}),
                json!({"muscle": "infraspinatus", "side": "left", "agent": "dry-needling"}),
            ],
        );
        let (status, body) = s.call("POST", &path, &pt, Some(needling), None).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert!(codes(&body).contains(&"CPT 20561 x1".to_owned()), "{:?}", codes(&body));
        assert_eq!(
            body["sites"][1]["guidance"], "landmark",
            "a needle without a stated guidance is landmark-guided"
        );

        // A PT may not sign an injection plan either; the physician may.
        let (_, plan) = s
            .call(
                "POST",
                &format!("/encounters/{encounter}/plans"),
                &pt,
                Some(json!({"template": "xeomin-facial"})),
                None,
            )
            .await;
        let plan_id = plan["id"].as_str().expect("a PT may draft a plan").to_owned();
        let (status, _) = s
            .call("POST", &format!("/plans/{plan_id}/sign"), &pt, Some(json!({})), None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = s
            .call("POST", &format!("/plans/{plan_id}/sign"), &doc, Some(json!({})), None)
            .await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// Trigger point injection frequency from stored procedures: a fourth session in 12 months is flagged.
#[tokio::test]
async fn stored_sessions_drive_the_tpi_frequency_rule() {
    for s in servers().await {
        let doc = s.user("doc", "clinician", "physician").await;
        let patient = s.patient(&doc, "MRN-S4").await;
        let lidocaine = |muscle: &str| {
            json!({"muscle": muscle, "side": "right", "agent": "lidocaine", "volume_ml": 2,
                   "concentration_percent": 0.5, "lot": "L9", "expiry": "2028-01-31"})
        };
        for (day, muscle) in [
            ("2026-03-02", "trapezius"),
            ("2026-05-04", "infraspinatus"),
            ("2026-07-06", "levator-scapulae"),
        ] {
            let encounter = s.encounter(&doc, &patient, day).await;
            let (status, body) = s
                .call(
                    "POST",
                    &format!("/encounters/{encounter}/procedures"),
                    &doc,
                    Some(procedure(None, day, vec![lidocaine(muscle)])),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let encounter = s.encounter(&doc, &patient, "2026-09-07").await;
        let (status, plan) = s
            .call(
                "POST",
                &format!("/encounters/{encounter}/plans"),
                &doc,
                Some(
                    json!({"items": [{"muscle": "trapezius", "side": "right", "agent": "lidocaine",
                                        "volume_ml": 2, "concentration_percent": 0.5}]}),
                ),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        assert!(
            has_finding(&plan, "warning", "tpi-frequency"),
            "{:?}",
            finding_codes(&plan)
        );
        assert!(
            !has_finding(&plan, "warning", "tpi-same-site-interval"),
            "trapezius was injected 27 weeks ago"
        );
    }
}

/// A recorded procedure is corrected only by an amendment: reason and correction required, the version raised,
/// the recorded sites and codes unchanged, the amendment audited and shown with the procedure.
#[tokio::test]
async fn a_procedure_is_corrected_by_an_amendment_never_edited() {
    for s in servers().await {
        let doc = s.user("doc", "clinician", "physician").await;
        let auditor = s.user("aud", "auditor", "other").await;
        let patient = s.patient(&doc, "MRN-S5").await;
        let encounter = s.encounter(&doc, &patient, "2026-10-01").await;
        let (status, done) = s
            .call(
                "POST",
                &format!("/encounters/{encounter}/procedures"),
                &doc,
                Some(procedure(
                    None,
                    "2026-10-01",
                    vec![xeomin_site("masseter", 15.0, "2027-06-30")],
                )),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{done}");
        let id = done["id"].as_str().expect("id").to_owned();
        let path = format!("/procedures/{id}/amendments");
        for (body, field) in [
            (json!({"correction": "10 U, not 15 U"}), "reason"),
            (json!({"reason": "  ", "correction": "10 U, not 15 U"}), "reason"),
            (json!({"reason": "dose mistyped", "correction": ""}), "correction"),
            (json!({"reason": "dose\u{7}mistyped", "correction": "10 U"}), "reason"),
        ] {
            let (status, refused) = s.call("POST", &path, &doc, Some(body), None).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
            assert_eq!(error(&refused).1, field, "{refused}");
        }
        let correction = "the left masseter received 10 U, not 15 U";
        let (status, amended) = s
            .call(
                "POST",
                &path,
                &doc,
                Some(json!({"reason": "dose mistyped", "correction": correction})),
                Some("\"1\""),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{amended}");
        assert_eq!(amended["version"], 2);
        assert_eq!(amended["amendments"][0]["number"], 1);
        assert_eq!(amended["amendments"][0]["correction"], correction);
        assert_eq!(amended["amendments"][0]["reason"], "dose mistyped");
        assert_eq!(
            (&amended["sites"], &amended["codes"]),
            (&done["sites"], &done["codes"]),
            "what was recorded stays as recorded"
        );
        // A stale version is refused; an unknown procedure is 404.
        let (status, _) = s
            .call(
                "POST",
                &path,
                &doc,
                Some(json!({"reason": "again", "correction": "x"})),
                Some("\"1\""),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = s
            .call(
                "POST",
                "/procedures/00000000-0000-4000-8000-000000000000/amendments",
                &doc,
                Some(json!({"reason": "r", "correction": "c"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Read back with the amendment; an auditor may not amend; the amendment is audited with its reason.
        let (_, read) = s.call("GET", &format!("/procedures/{id}"), &doc, None, None).await;
        assert_eq!(read["amendments"], amended["amendments"]);
        let (status, _) = s
            .call(
                "POST",
                &path,
                &auditor,
                Some(json!({"reason": "r", "correction": "c"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, log) = s.call("GET", "/audit?limit=1000", &auditor, None, None).await;
        let event = log["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|e| e["action"] == "procedure.amend" && e["record_id"] == id.as_str())
            .cloned()
            .expect("the amendment is audited");
        assert_eq!(event["details"]["reason"], "dose mistyped");
    }
}

/// Recorded diagnoses are checked against the catalog's cited ICD-10-CM list; vials and JW come from the vial
/// the site records as opened.
#[tokio::test]
async fn diagnoses_and_waste_follow_what_was_recorded() {
    for s in servers().await {
        let doc = s.user("doc", "clinician", "physician").await;
        let patient = s.patient(&doc, "MRN-S6").await;
        let encounter = s.encounter(&doc, &patient, "2026-10-01").await;
        let path = format!("/encounters/{encounter}/procedures");
        let with = |diagnoses: Value, vial: u32| {
            let mut site = xeomin_site("masseter", 15.0, "2027-06-30");
            site["vial_units"] = json!(vial);
            site["reconstitution_ml"] = json!(f64::from(vial) / 40.0);
            let mut body = procedure(None, "2026-10-01", vec![site]);
            body["diagnoses"] = diagnoses;
            body
        };
        // A category that is not billable is refused, naming the codes under it.
        let (status, body) = s
            .call("POST", &path, &doc, Some(with(json!(["M79.1"]), 100)), None)
            .await;
        assert_eq!(
            (status, error(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, ("invalid", "diagnoses[0]"))
        );
        assert!(
            body["error"]["message"].as_str().is_some_and(|m| m.contains("M79.11")),
            "{body}"
        );
        // A code outside the list is kept and reported as not verified; a listed one is not.
        let (status, kept) = s
            .call("POST", &path, &doc, Some(with(json!(["M54.2", "M79.11"]), 200)), None)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{kept}");
        assert_eq!(kept["diagnoses"], json!(["M54.2", "M79.11"]));
        let unverified: Vec<&str> = kept["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["code"] == "diagnosis-unverified")
            .filter_map(|f| f["message"].as_str())
            .collect();
        assert_eq!(unverified.len(), 1, "{unverified:?}");
        assert!(unverified[0].starts_with("M54.2"), "{unverified:?}");
        // 15 U from the 200 U vial recorded as opened: 185 U discarded (JW), not the catalog's least-waste 100 U vial.
        let billed = codes(&kept);
        assert!(billed.contains(&"HCPCS J0588 x15".to_owned()), "{billed:?}");
        assert!(billed.contains(&"HCPCS J0588-JW x185".to_owned()), "{billed:?}");
    }
}

/// A steroid site records its vial. CMS bills JW/JZ on single-dose containers only: 20 mg of triamcinolone
/// (J3301 per 10 mg) from a 40 mg single-dose vial bills J3301 x2 and the discarded 20 mg as J3301-JW x2; the
/// whole vial bills J3301-JZ x4; a multi-dose vial bills J3301 x2 with no modifier; a vial not recorded bills
/// the same and gets an info finding that cites the catalog rule. The vial is stored with the site.
#[tokio::test]
async fn steroid_vials_decide_jw_and_jz() {
    for s in servers().await {
        let doc = s.user("doc", "clinician", "physician").await;
        let patient = s.patient(&doc, "MRN-S7").await;
        let encounter = s.encounter(&doc, &patient, "2026-10-01").await;
        let path = format!("/encounters/{encounter}/procedures");
        let steroid = |mg: f64, vial: Option<&str>, vial_mg: Option<u32>| {
            let mut site = json!({"muscle": "trapezius", "side": "left", "agent": "Kenalog", "dose": {"value": mg, "unit": "mg"},
                                  "lot": "K40-7", "expiry": "2027-06-30"});
            if let Some(vial) = vial {
                site["vial"] = json!(vial);
            }
            if let Some(content) = vial_mg {
                site["vial_mg"] = json!(content);
            }
            procedure(None, "2026-10-01", vec![site])
        };
        let table: [(Value, &[&str], bool); 4] = [
            (
                steroid(20.0, Some("single-dose"), Some(40)),
                &["HCPCS J3301 x2", "HCPCS J3301-JW x2"],
                false,
            ),
            (
                steroid(40.0, Some("single-dose"), Some(40)),
                &["HCPCS J3301-JZ x4"],
                false,
            ),
            (steroid(20.0, Some("multi-dose"), None), &["HCPCS J3301 x2"], false),
            (steroid(20.0, None, None), &["HCPCS J3301 x2"], true),
        ];
        for (body, expected, unrecorded) in table {
            let (status, recorded) = s.call("POST", &path, &doc, Some(body.clone()), None).await;
            assert_eq!(status, StatusCode::CREATED, "{recorded}");
            let billed: Vec<String> = codes(&recorded)
                .into_iter()
                .filter(|c| c.starts_with("HCPCS"))
                .collect();
            assert_eq!(billed, expected, "{body}");
            assert_eq!(recorded["sites"][0]["vial"], body["sites"][0]["vial"]);
            assert_eq!(
                has_finding(&recorded, "info", "steroid-container-unrecorded"),
                unrecorded,
                "{recorded}"
            );
            // Read back: the stored site keeps its vial and the codes stay as recorded.
            let id = recorded["id"].as_str().expect("id");
            let (status, read) = s.call("GET", &format!("/procedures/{id}"), &doc, None, None).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(read["sites"][0]["vial"], recorded["sites"][0]["vial"]);
            assert_eq!(read["sites"][0]["vial_mg"], recorded["sites"][0]["vial_mg"]);
            assert_eq!(read["codes"], recorded["codes"]);
        }
        let unrecorded = s
            .call("POST", &path, &doc, Some(steroid(20.0, None, None)), None)
            .await
            .1;
        let finding = unrecorded["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["code"] == "steroid-container-unrecorded")
            .cloned()
            .expect("the finding");
        assert!(
            finding["source"]
                .as_str()
                .is_some_and(|s| s.contains("single-dose containers")),
            "{finding}"
        );
        // A single-dose vial without its content, or a vial on a toxin, is refused naming the field.
        let (status, body) = s
            .call(
                "POST",
                &path,
                &doc,
                Some(steroid(20.0, Some("single-dose"), None)),
                None,
            )
            .await;
        assert_eq!(
            (status, error(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, ("invalid", "sites[0].vial_mg"))
        );
        let mut toxin = xeomin_site("masseter", 15.0, "2027-06-30");
        toxin["vial"] = json!("single-dose");
        let (status, body) = s
            .call(
                "POST",
                &path,
                &doc,
                Some(procedure(None, "2026-10-01", vec![toxin])),
                None,
            )
            .await;
        assert_eq!(
            (status, error(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, ("invalid", "sites[0].vial"))
        );
        let (status, body) = s
            .call("POST", &path, &doc, Some(steroid(20.0, Some("glass"), None)), None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("single-dose")),
            "an unknown vial names the choices: {body}"
        );
    }
}
