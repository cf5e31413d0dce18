//! `taut checkin create` against a records database, on both engines: it prints a link once, for a named user
//! of a clinical role; the link opens a form offering the side effects of the patient's latest procedure.

use taut_app::{App, AuditKey, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;
use taut_store::testing;

mod support;

use support::{key_file, recorded, taut, text};

#[tokio::test]
async fn a_link_is_printed_once_and_opens_the_form_for_the_procedures_side_effects() {
    for url in testing::backend_urls().await {
        let _ = recorded(&url).await;
        let args = [
            "checkin",
            "create",
            "--patient",
            "MRN-C1",
            "--user",
            "doc",
            "--days",
            "3",
            "--base-url",
            "https://clinic.example/",
        ];
        let out = taut(&args, &url, "");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let printed = text(&out.stdout);
        let link = printed.lines().next().expect("the link");
        let token = link
            .strip_prefix("https://clinic.example/checkin/")
            .unwrap_or_else(|| panic!("{printed}"));
        assert!(printed.contains("for one check-in"), "{printed}");

        let database = Database::connect(&url, &DatabaseConfig::default())
            .await
            .expect("connect");
        let key = AuditKey::read(key_file()).expect("key");
        let app = App::new(database, Atlas::embedded().expect("atlas"), Policy::default(), key);
        let form = app.open_checkin(token).await.expect("the link opens");
        let offered: Vec<&str> = form.side_effects.iter().map(|(id, _)| id.as_str()).collect();
        assert!(
            offered.contains(&"toxin-local-weakness"),
            "a toxin procedure: {offered:?}"
        );
        assert!(
            offered.contains(&"post-injection-soreness"),
            "any injection: {offered:?}"
        );
        assert!(
            !offered.contains(&"steroid-skin-atrophy"),
            "no steroid was given: {offered:?}"
        );

        let unknown = taut(
            &["checkin", "create", "--patient", "NO-SUCH", "--user", "doc"],
            &url,
            "",
        );
        assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown.stderr));
        let bad_days = taut(
            &[
                "checkin",
                "create",
                "--patient",
                "MRN-C1",
                "--user",
                "doc",
                "--days",
                "31",
            ],
            &url,
            "",
        );
        assert_eq!(bad_days.status.code(), Some(2));
        assert!(text(&bad_days.stderr).contains("days"), "{}", text(&bad_days.stderr));
    }
}
