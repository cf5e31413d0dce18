//! Follow-up records on both engines: every severity and check kind stored, stale event edits and a second
//! completion refused, the open worklist filtered by day and clinician.

use serde_json::json;
use taut_store::testing::backends;
use taut_store::{
    AdverseEventRecord, Consent, EncounterRecord, FollowupRecord, ProcedureRecord, Store, StoreError, UserRecord,
};

mod visit_support;

use visit_support::{AT, id, setting};

async fn procedure(store: &Store, user: &UserRecord, encounter: &EncounterRecord) -> ProcedureRecord {
    let p = ProcedureRecord {
        id: id(),
        patient_id: encounter.patient_id.clone(),
        encounter_id: encounter.id.clone(),
        plan_id: None,
        started_at: "2026-10-01T10:00:00.000000Z".into(),
        ended_at: "2026-10-01T10:08:00.000000Z".into(),
        performed_by: user.id.clone(),
        consent: Consent {
            obtained: true,
            risks_discussed: vec![],
            by: "doc".into(),
        },
        sites: vec![],
        complications: vec![],
        diagnoses: vec![],
        codes: json!([]),
        findings: json!([]),
        notes: None,
        version: 1,
        created_at: AT.into(),
        amendments: Vec::new(),
    };
    let mut tx = store.begin().await.expect("begin");
    tx.insert_procedure(&p).await.expect("procedure");
    tx.commit().await.expect("commit");
    p
}

fn event(user: &UserRecord, p: &ProcedureRecord, severity: &str) -> AdverseEventRecord {
    AdverseEventRecord {
        id: id(),
        procedure_id: p.id.clone(),
        patient_id: p.patient_id.clone(),
        effect: "post-injection-soreness".into(),
        site: Some("masseter:left".into()),
        onset: "2026-10-01".into(),
        severity: severity.into(),
        actions: vec!["heat".into()],
        resolved_on: None,
        notes: None,
        version: 1,
        created_by: user.id.clone(),
        created_at: AT.into(),
        updated_by: user.id.clone(),
        updated_at: AT.into(),
    }
}

fn check(user: &UserRecord, p: &ProcedureRecord, kind: &str, from: &str, by: &str) -> FollowupRecord {
    FollowupRecord {
        id: id(),
        procedure_id: p.id.clone(),
        patient_id: p.patient_id.clone(),
        check_id: format!("{kind}-check"),
        kind: kind.into(),
        name: "a check".into(),
        purpose: "to see".into(),
        due_from: from.into(),
        due_by: by.into(),
        sources: vec!["a source".into()],
        confidence: "low".into(),
        clinician_id: user.id.clone(),
        completed_encounter_id: None,
        completed_by: None,
        completed_at: None,
        created_at: AT.into(),
    }
}

#[tokio::test]
async fn every_severity_is_stored_and_stale_edits_are_refused() {
    for store in backends().await {
        let (user, _, encounter) = setting(&store).await;
        let p = procedure(&store, &user, &encounter).await;
        let mut events = Vec::new();
        for severity in taut_core::followup::Severity::ALL {
            let e = event(&user, &p, severity.as_str());
            let mut tx = store.begin().await.expect("begin");
            tx.insert_adverse_event(&e)
                .await
                .unwrap_or_else(|err| panic!("severity {severity}: {err}"));
            tx.commit().await.expect("commit");
            events.push(e);
        }
        let first = events[0].clone();
        let resolved = AdverseEventRecord {
            resolved_on: Some("2026-10-03".into()),
            version: 2,
            ..first.clone()
        };
        let mut tx = store.begin().await.expect("begin");
        tx.update_adverse_event(&resolved).await.expect("resolve");
        tx.commit().await.expect("commit");
        let mut tx = store.begin().await.expect("begin");
        assert!(matches!(
            tx.update_adverse_event(&resolved).await,
            Err(StoreError::Conflict(_))
        ));
        drop(tx);
        // A resolution before the onset is refused by the database too.
        let backwards = AdverseEventRecord {
            resolved_on: Some("2026-09-01".into()),
            version: 3,
            ..resolved.clone()
        };
        let mut tx = store.begin().await.expect("begin");
        assert!(tx.update_adverse_event(&backwards).await.is_err());
        drop(tx);

        let mut tx = store.begin_read().await.expect("begin");
        assert_eq!(tx.adverse_event(&first.id).await.expect("read"), resolved);
        assert_eq!(tx.procedure_adverse_events(&p.id).await.expect("list").len(), 4);
        let open = tx.open_adverse_events().await.expect("open");
        assert_eq!(open.len(), 3);
        assert!(open.iter().all(|e| e.id != first.id));
    }
}

#[tokio::test]
async fn every_check_kind_is_stored_and_completed_once() {
    for store in backends().await {
        let (user, _, encounter) = setting(&store).await;
        let p = procedure(&store, &user, &encounter).await;
        let checks = [
            check(&user, &p, "call", "2026-10-03", "2026-10-04"),
            check(&user, &p, "review", "2026-10-15", "2026-10-17"),
            check(&user, &p, "outcome", "2026-10-29", "2026-11-12"),
        ];
        let mut tx = store.begin().await.expect("begin");
        for c in &checks {
            tx.insert_followup(c)
                .await
                .unwrap_or_else(|e| panic!("kind {}: {e}", c.kind));
        }
        tx.commit().await.expect("commit");

        let mut tx = store.begin_read().await.expect("begin");
        let by_day: Vec<String> = tx
            .open_followups("2026-10-20", Some(&user.id))
            .await
            .expect("open")
            .into_iter()
            .map(|f| f.kind)
            .collect();
        assert_eq!(by_day, ["call", "review"]);
        let nobody = id();
        assert!(
            tx.open_followups("2026-12-31", Some(&nobody))
                .await
                .expect("open")
                .is_empty()
        );
        assert_eq!(tx.open_followups("2026-12-31", None).await.expect("open").len(), 3);
        drop(tx);

        let mut tx = store.begin().await.expect("begin");
        tx.complete_followup(&checks[0].id, &encounter.id, &user.id, AT)
            .await
            .expect("complete");
        tx.commit().await.expect("commit");
        let mut tx = store.begin().await.expect("begin");
        assert!(matches!(
            tx.complete_followup(&checks[0].id, &encounter.id, &user.id, AT).await,
            Err(StoreError::Conflict(_))
        ));
        drop(tx);
        let mut tx = store.begin_read().await.expect("begin");
        let done = tx.followup(&checks[0].id).await.expect("read");
        assert_eq!(done.completed_encounter_id.as_deref(), Some(encounter.id.as_str()));
        assert_eq!(tx.open_followups("2026-12-31", None).await.expect("open").len(), 2);
        drop(tx);

        // A deleted patient's checks and events leave the worklist.
        let mut tx = store.begin().await.expect("begin");
        tx.insert_adverse_event(&event(&user, &p, "serious"))
            .await
            .expect("event");
        tx.delete_patient(&p.patient_id, 1, "entered in error", &user.id, AT)
            .await
            .expect("delete");
        tx.commit().await.expect("commit");
        let mut tx = store.begin_read().await.expect("begin");
        assert!(tx.open_followups("2026-12-31", None).await.expect("open").is_empty());
        assert!(tx.open_adverse_events().await.expect("open").is_empty());
    }
}
