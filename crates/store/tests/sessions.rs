//! Stored plans and procedures on both engines: versions kept, stale edits refused, sites read back in order.

use serde_json::json;
use taut_store::testing::backends;
use taut_store::{
    AmendmentRecord, Consent, EncounterRecord, PlanRecord, ProcedureRecord, SiteRecord, StoreError, UserRecord,
};

mod visit_support;

use visit_support::{AT, id, setting};

fn draft(user: &UserRecord, encounter: &EncounterRecord) -> PlanRecord {
    PlanRecord {
        id: id(),
        patient_id: encounter.patient_id.clone(),
        encounter_id: encounter.id.clone(),
        status: "draft".into(),
        version: 1,
        output: json!({"items": [], "findings": [{"severity": "error", "code": "allergy"}], "codes": []}),
        has_error: true,
        input: json!({"items": [{"muscle": "masseter"}]}),
        created_by: user.id.clone(),
        created_at: AT.into(),
        updated_by: user.id.clone(),
        updated_at: AT.into(),
        signed_by: None,
        signed_at: None,
        override_reason: None,
    }
}

#[tokio::test]
async fn plans_keep_every_version_and_refuse_stale_edits() {
    for store in backends().await {
        let (user, _, encounter) = setting(&store).await;
        let plan = draft(&user, &encounter);
        let mut tx = store.begin().await.expect("begin");
        tx.insert_plan(&plan).await.expect("insert plan");
        tx.commit().await.expect("commit");

        let signed = PlanRecord {
            status: "signed".into(),
            version: 2,
            signed_by: Some(user.id.clone()),
            signed_at: Some("2026-11-26T09:05:00.000000Z".into()),
            updated_at: "2026-11-26T09:05:00.000000Z".into(),
            override_reason: Some("benefit outweighs the risk".into()),
            ..plan.clone()
        };
        let mut tx = store.begin().await.expect("begin");
        tx.update_plan(&signed).await.expect("sign");
        tx.commit().await.expect("commit");

        // Another edit based on version 1 is stale now.
        let stale = PlanRecord {
            status: "withdrawn".into(),
            version: 2,
            ..plan.clone()
        };
        let mut tx = store.begin().await.expect("begin");
        assert!(matches!(tx.update_plan(&stale).await, Err(StoreError::Conflict(_))));
        drop(tx);

        let mut tx = store.begin_read().await.expect("begin");
        let read = tx.plan(&plan.id).await.expect("read");
        assert_eq!(read, signed);
        let versions = tx.plan_versions(&plan.id).await.expect("versions");
        let states: Vec<(i64, &str)> = versions.iter().map(|v| (v.version, v.status.as_str())).collect();
        assert_eq!(states, [(1, "draft"), (2, "signed")]);
        assert_eq!(
            versions[1].override_reason.as_deref(),
            Some("benefit outweighs the risk")
        );
        assert_eq!(tx.patient_plans(&plan.patient_id).await.expect("list"), [signed]);
    }
}

#[tokio::test]
async fn procedures_read_back_with_their_sites_in_order() {
    for store in backends().await {
        let (user, patient, encounter) = setting(&store).await;
        let site = |muscle: &str, side: &str, kind: &str, agent: &str, amount: Option<f64>| SiteRecord {
            muscle: muscle.into(),
            side: Some(side.into()),
            site: None,
            kind: kind.into(),
            agent: agent.into(),
            amount,
            amount_unit: amount.map(|_| "U".to_owned()),
            volume_ml: None,
            concentration_percent: None,
            points: 2,
            needle: Some("30 G 13 mm".into()),
            guidance: Some("emg".into()),
            technique: None,
            lot: Some("A123".into()),
            expiry: Some("2027-06-30".into()),
            reconstitution_ml: Some(2.5),
            vial_units: Some(100.0),
            vial: None,
            vial_mg: None,
        };
        // A steroid site records its container (and a single-dose vial's content), read back as written.
        let steroid = SiteRecord {
            agent: "triamcinolone-acetonide".into(),
            amount_unit: Some("mg".into()),
            reconstitution_ml: None,
            vial_units: None,
            vial: Some("single-dose".into()),
            vial_mg: Some(40.0),
            ..site("trapezius", "left", "injection", "triamcinolone-acetonide", Some(20.0))
        };
        let procedure = |started: &str, sites: Vec<SiteRecord>| ProcedureRecord {
            id: id(),
            patient_id: patient.id.clone(),
            encounter_id: encounter.id.clone(),
            plan_id: None,
            started_at: started.into(),
            ended_at: "2026-12-01T10:08:00.000000Z".into(),
            performed_by: user.id.clone(),
            consent: Consent {
                obtained: true,
                risks_discussed: vec!["pain".into(), "bruising".into()],
                by: "doc".into(),
            },
            sites,
            complications: vec!["vasovagal reaction".into()],
            diagnoses: vec!["M79.11".into()],
            codes: json!([{"system": "CPT", "code": "20552"}]),
            findings: json!([]),
            notes: None,
            version: 1,
            created_at: AT.into(),
            amendments: Vec::new(),
        };
        let later = procedure(
            "2026-12-01T10:00:00.000000Z",
            vec![
                site("masseter", "left", "injection", "incobotulinumtoxinA", Some(15.0)),
                site("temporalis", "left", "injection", "incobotulinumtoxinA", Some(10.0)),
                steroid.clone(),
                SiteRecord {
                    side: Some("right".into()),
                    vial: Some("multi-dose".into()),
                    vial_mg: None,
                    ..steroid
                },
            ],
        );
        let earlier = procedure(
            "2026-11-01T10:00:00.000000Z",
            vec![site("trapezius", "right", "dry-needling", "dry-needling", None)],
        );
        let mut tx = store.begin().await.expect("begin");
        tx.insert_procedure(&later).await.expect("insert");
        tx.insert_procedure(&earlier).await.expect("insert");
        tx.commit().await.expect("commit");

        let mut tx = store.begin_read().await.expect("begin");
        assert_eq!(tx.procedure(&later.id).await.expect("read"), later);
        let all = tx.patient_procedures(&patient.id).await.expect("list");
        assert_eq!(
            all,
            [earlier.clone(), later.clone()],
            "oldest first, each with its own sites"
        );
        assert!(matches!(tx.procedure(&id()).await, Err(StoreError::NotFound)));
        drop(tx);

        // A correction is appended, never written over the record: numbered per procedure, the version raised
        // from n to n + 1, a stale version refused, and every read carries the amendments.
        let amendment = |number: i64, reason: &str| AmendmentRecord {
            id: id(),
            procedure_id: later.id.clone(),
            number,
            reason: reason.into(),
            correction: "the left masseter received 10 U, not 15 U".into(),
            amended_by: user.id.clone(),
            amended_at: AT.into(),
        };
        let first = amendment(1, "dose mistyped");
        let mut tx = store.begin().await.expect("begin");
        tx.amend_procedure(&first).await.expect("amend");
        tx.commit().await.expect("commit");
        let mut tx = store.begin().await.expect("begin");
        assert!(
            matches!(
                tx.amend_procedure(&amendment(1, "stale")).await,
                Err(StoreError::Conflict(_))
            ),
            "version 1 was amended already"
        );
        drop(tx);
        let mut tx = store.begin_read().await.expect("begin");
        let read = tx.procedure(&later.id).await.expect("read");
        assert_eq!((read.version, read.amendments.clone()), (2, vec![first.clone()]));
        assert_eq!(read.sites, later.sites, "the recorded sites are unchanged");
        let all = tx.patient_procedures(&patient.id).await.expect("list");
        assert_eq!((all[0].amendments.len(), all[1].amendments.clone()), (0, vec![first]));
        drop(tx);

        // The database itself refuses an end before the start.
        let backwards = ProcedureRecord {
            ended_at: "2026-12-01T09:00:00.000000Z".into(),
            ..procedure("2026-12-01T10:00:00.000000Z", vec![])
        };
        let mut tx = store.begin().await.expect("begin");
        assert!(tx.insert_procedure(&backwards).await.is_err());
    }
}

#[tokio::test]
async fn a_live_patient_is_found_by_mrn_as_mrns_compare() {
    for store in backends().await {
        let (_, patient, _) = setting(&store).await;
        let mut tx = store.begin_read().await.expect("begin");
        assert_eq!(tx.patient_by_mrn("mrn-1").await.expect("found").id, patient.id);
        assert_eq!(tx.patient_by_mrn("ＭＲＮ-１").await.expect("found").id, patient.id);
        assert!(matches!(tx.patient_by_mrn("MRN-2").await, Err(StoreError::NotFound)));
    }
}
