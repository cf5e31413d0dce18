//! `taut plan check --patient MRN` and `taut procedure show ID` against a records database, on both engines.

use taut_store::testing;

mod support;

use support::{recorded, taut, text};

#[tokio::test]
async fn a_procedure_note_prints_and_a_plan_is_checked_against_the_record() {
    let mut urls = vec![testing::sqlite_url().await];
    urls.extend(testing::postgres_url().await);
    for url in urls {
        let (token, id) = recorded(&url).await;
        let shown = taut(&["procedure", "show", &id], &url, &token);
        assert!(shown.status.success(), "{}", text(&shown.stderr));
        let note = text(&shown.stdout);
        for expected in [
            "Lovelace, Ada (MRN MRN-C1)",
            "masseter left (injection): incobotulinumtoxinA 15 U",
            "guidance: emg",
            "lot A123, expires 2027-06-30",
            "risks discussed: pain, bruising",
            "Immediate complications: brief bleeding, pressure held",
            "Diagnoses (ICD-10-CM): M79.11",
            "CPT 20552 x 1",
            "HCPCS J0588 x 15",
            "Amendments (the record above is as first recorded)",
            "30 G 13 mm needle",
            "reason: needle size not recorded",
        ] {
            assert!(note.contains(expected), "missing {expected:?} in\n{note}");
        }
        let refused = taut(&["procedure", "show", &id], &url, "taut_forged");
        assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));

        // The file's patient is replaced by the record: the stored toxin procedure 4 weeks earlier is seen.
        let plan = std::env::temp_dir().join(format!("taut-plan-{}.json", testing::unique("p")));
        std::fs::write(
            &plan,
            r#"{"date": "2026-10-29", "items": [{"muscle": "masseter", "side": "left", "agent": "Xeomin",
                "dose": {"value": 15, "unit": "U"}}]}"#,
        )
        .expect("plan file");
        let path = plan.display().to_string();
        let checked = taut(&["plan", "check", &path, "--patient", "mrn-c1", "--json"], &url, &token);
        assert_eq!(
            checked.status.code(),
            Some(1),
            "an error finding: {}",
            text(&checked.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&checked.stdout).expect("JSON");
        let codes: Vec<&str> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["code"].as_str())
            .collect();
        assert!(codes.contains(&"toxin-retreatment-interval"), "{codes:?}");
        let unknown = taut(&["plan", "check", &path, "--patient", "MRN-NONE"], &url, &token);
        assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown.stderr));
        let stateless = taut(&["plan", "check", &path, "--json"], &url, &token);
        assert!(
            stateless.status.success(),
            "without --patient nothing is read from the record"
        );
    }
}
