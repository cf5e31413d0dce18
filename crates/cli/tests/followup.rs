//! `taut followups`, `taut report outcomes` and `taut selfcare` against a records database, on both engines.

use taut_store::testing;

mod support;

use support::{recorded, taut, text};

#[tokio::test]
async fn the_worklist_the_report_and_the_self_care_sheet_print() {
    for url in testing::backend_urls().await {
        let (token, procedure) = recorded(&url).await;

        let out = taut(&["followups", "--due", "2026-10-20", "--json"], &url, &token);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let items: Vec<(&str, &str)> = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| (i["status"].as_str().unwrap_or(""), i["check_id"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(
            items,
            vec![("overdue", "call-2-3-days"), ("overdue", "toxin-review-2-weeks")]
        );
        let out = taut(&["followups", "--due", "2026-10-20"], &url, &token);
        assert!(
            text(&out.stdout).contains("Review 2 weeks after toxin"),
            "{}",
            text(&out.stdout)
        );

        let out = taut(&["followups", "--due", "20/10/2026"], &url, &token);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out.stderr).contains("--due"), "{}", text(&out.stderr));

        let out = taut(
            &[
                "report",
                "outcomes",
                "--from",
                "2026-10-01",
                "--to",
                "2026-10-31",
                "--csv",
            ],
            &url,
            &token,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let csv = text(&out.stdout);
        assert!(csv.starts_with("group,key,patients,"), "{csv}");
        assert!(
            csv.contains("\nall,all,1,0,1,"),
            "one patient, no score after treatment: {csv}"
        );
        assert!(csv.contains("\nmuscle,masseter,1,"), "{csv}");

        let out = taut(&["selfcare", &procedure, "--contact", "Clinic 555-0100"], &url, &token);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let sheet = text(&out.stdout);
        assert!(
            sheet.contains("Masseter") && sheet.contains("Clinic 555-0100"),
            "{sheet}"
        );
        let out = taut(&["selfcare", "0190a000-0000-7000-8000-000000000000"], &url, &token);
        assert_eq!(out.status.code(), Some(2));
    }
}
