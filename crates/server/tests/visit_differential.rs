//! Black-box tests of the differential from a stored visit (`POST /api/v1/encounters/{id}/differential`) on both
//! engines. Its own test binary, so that its load does not slow the sealing the audit tests of `api.rs` wait for.

use reqwest::StatusCode;
use serde_json::{Value, json};
use taut_app::{Actor, AuditKey};
use taut_store::testing;

mod api_support;

use api_support::{Server, ada, servers};

/// A patient with one visit (on 2026-03-01) holding a pain drawing of the right temple and neck and one
/// examined trapezius point; returns the encounter id and the patient id.
async fn stored_visit(s: &Server, token: &str, birth_date: &str, signs: Value) -> (String, String) {
    let mut patient = ada(&format!("MRN-{birth_date}"));
    patient["birth_date"] = json!(birth_date);
    let (_, patient, _) = s
        .call("POST", "/api/v1/patients", Some(token), Some(patient), None)
        .await;
    let patient_id = patient["id"].as_str().expect("patient id").to_owned();
    let visit = json!({"kind": "assessment", "occurred_at": "2026-03-01T09:00:00Z"});
    let path = format!("/api/v1/patients/{patient_id}/encounters");
    let (_, encounter, _) = s.call("POST", &path, Some(token), Some(visit), None).await;
    let id = encounter["id"].as_str().expect("encounter id").to_owned();
    let drawing = json!({"marks": [{"region": "temple:right", "intensity": 7}, {"region": "neck-posterior:right", "intensity": 5}]});
    let (status, _, _) = s
        .call(
            "POST",
            &format!("/api/v1/encounters/{id}/pain-drawing"),
            Some(token),
            Some(drawing),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut finding = json!({"trigger_point": "trapezius-upper-trp1", "side": "right"});
    for (sign, value) in signs.as_object().expect("signs") {
        finding[sign] = value.clone();
    }
    let (status, _, _) = s
        .call(
            "POST",
            &format!("/api/v1/encounters/{id}/findings"),
            Some(token),
            Some(finding),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    (id, patient_id)
}

fn candidate<'a>(result: &'a Value, trigger_point: &str, side: &str) -> &'a Value {
    result["candidates"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|c| c["trigger_point"] == trigger_point && c["side"] == side)
        })
        .unwrap_or_else(|| panic!("{trigger_point}:{side} is not listed: {result}"))
}

const ACTIVE: &str =
    r#"{"taut_band": "yes", "spot_tenderness": "yes", "referred_pain": "yes", "pain_recognised": "yes"}"#;

#[tokio::test]
async fn the_stored_visit_is_ranked_with_its_active_finding_confirmed() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let (encounter, _) = stored_visit(
            &s,
            &clinician,
            "1950-01-15",
            serde_json::from_str(ACTIVE).expect("json"),
        )
        .await;
        let path = format!("/api/v1/encounters/{encounter}/differential");
        let (status, result, _) = s.call("POST", &path, Some(&clinician), None, None).await;
        assert_eq!(status, StatusCode::OK, "{result}");
        assert_eq!(
            candidate(&result, "trapezius-upper-trp1", "right")["finding"],
            "confirmed"
        );
        assert_eq!(result["candidates"][0]["muscle"], "trapezius");
    }
}

#[tokio::test]
async fn a_stored_finding_that_is_not_a_trigger_point_rules_it_out() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let first = |result: &Value| result["candidates"][0]["trigger_point"].as_str().map(str::to_owned);
        // Signs not assessed decide nothing: the upper trapezius leads as it does for the drawing alone.
        let (undecided, _) = stored_visit(&s, &clinician, "1950-01-15", json!({})).await;
        let path = format!("/api/v1/encounters/{undecided}/differential");
        let (_, result, _) = s.call("POST", &path, Some(&clinician), None, None).await;
        assert_eq!(first(&result).as_deref(), Some("trapezius-upper-trp1"), "{result}");
        let signs = json!({"taut_band": "no", "spot_tenderness": "no", "referred_pain": "no"});
        let (ruled_out, _) = stored_visit(&s, &clinician, "1951-01-15", signs).await;
        let path = format!("/api/v1/encounters/{ruled_out}/differential");
        let (status, result, _) = s.call("POST", &path, Some(&clinician), None, None).await;
        assert_eq!(status, StatusCode::OK, "{result}");
        assert_ne!(first(&result).as_deref(), Some("trapezius-upper-trp1"), "{result}");
    }
}

#[tokio::test]
async fn the_patients_age_on_the_visit_comes_from_the_birth_date() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let signs: Value = serde_json::from_str(ACTIVE).expect("json");
        // 76 on the day of the visit: a new headache there raises giant cell arteritis; at 26 it does not.
        for (birth_date, flagged) in [("1950-01-15", true), ("2000-01-15", false)] {
            let (encounter, _) = stored_visit(&s, &clinician, birth_date, signs.clone()).await;
            let path = format!("/api/v1/encounters/{encounter}/differential?symptoms=new-headache&top=3");
            let (status, result, _) = s.call("POST", &path, Some(&clinician), None, None).await;
            assert_eq!(status, StatusCode::OK, "{result}");
            let codes: Vec<&str> = result["red_flags"]
                .as_array()
                .expect("red flags")
                .iter()
                .filter_map(|f| f["code"].as_str())
                .collect();
            assert_eq!(
                codes.contains(&"giant-cell-arteritis"),
                flagged,
                "{birth_date}: {codes:?}"
            );
            assert!(result["candidates"].as_array().is_some_and(|c| c.len() <= 3));
        }
    }
}

#[tokio::test]
async fn the_differential_of_a_stored_visit_is_audited() {
    for s in servers().await {
        let clinician = s.user("doc", "clinician", "physician").await;
        let (encounter, patient) = stored_visit(&s, &clinician, "1950-01-15", json!({})).await;
        let path = format!("/api/v1/encounters/{encounter}/differential");
        let (status, _, _) = s.call("POST", &path, Some(&clinician), None, None).await;
        assert_eq!(status, StatusCode::OK);
        let auditor = Actor {
            role: taut_app::Role::Auditor,
            ..Actor::operator()
        };
        // Events are sealed once no older transaction can still join them; on a busy PostgreSQL cluster (other
        // tests' schemas) that may take a few passes.
        let mut read = None;
        for _ in 0..50 {
            let entries = s
                .app
                .audit_log(&auditor, Some(&patient), 0, 500)
                .await
                .expect("audit log");
            read = entries.into_iter().find(|e| e.action == "differential.encounter");
            if read.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let read = read.expect("the differential's read is in the trail");
        assert_eq!(
            (read.actor.as_str(), read.record_id.as_deref()),
            ("doc", Some(encounter.as_str()))
        );
    }
}

#[tokio::test]
async fn the_differential_of_a_visit_without_a_drawing_names_what_is_missing() {
    let s = Server::start(&testing::sqlite_url().await, AuditKey::generate().expect("key")).await;
    let clinician = s.user("doc", "clinician", "physician").await;
    let (_, patient, _) = s
        .call("POST", "/api/v1/patients", Some(&clinician), Some(ada("MRN-1")), None)
        .await;
    let path = format!("/api/v1/patients/{}/encounters", patient["id"].as_str().expect("id"));
    let (_, encounter, _) = s
        .call(
            "POST",
            &path,
            Some(&clinician),
            Some(json!({"kind": "assessment"})),
            None,
        )
        .await;
    let path = format!(
        "/api/v1/encounters/{}/differential",
        encounter["id"].as_str().expect("id")
    );
    let (status, body, _) = s.call("POST", &path, Some(&clinician), None, None).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("pain_drawing"))
    );
    let missing = "/api/v1/encounters/0190b6c4-0000-7000-8000-000000000000/differential";
    let (status, _, _) = s.call("POST", missing, Some(&clinician), None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
