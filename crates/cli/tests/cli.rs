//! Black-box tests of the `taut` binary: exit codes, messages and the JSON contracts other tools script against.

use std::process::{Command, Output};

use serde_json::Value;

fn taut(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taut"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(args: &[&str]) -> Value {
    let output = taut(args);
    assert!(output.status.success(), "{args:?} failed: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("valid JSON")
}

#[test]
fn version_and_help() {
    let version = taut(&["--version"]);
    assert!(version.status.success());
    assert!(stdout(&version).starts_with("taut "));
    let help = taut(&["--help"]);
    assert!(help.status.success());
    for command in ["atlas", "differential", "eval"] {
        assert!(stdout(&help).contains(command), "help lists {command}");
    }
}

#[test]
fn show_prints_a_readable_chapter() {
    let output = taut(&["atlas", "show", "trapezius"]);
    assert!(output.status.success());
    let text = stdout(&output);
    for part in [
        "TRAPEZIUS",
        "Essential zone",
        "temple",
        "Exam:",
        "Hazard (lung)",
        "Self-care",
        "Sources",
    ] {
        assert!(text.contains(part), "chapter lacks {part}");
    }
    let alias = taut(&["atlas", "show", "peroneus longus"]);
    assert!(stdout(&alias).contains("fibularis-longus"));
}

#[test]
fn unknown_muscle_exits_2_with_suggestions() {
    let output = taut(&["atlas", "show", "trapezus"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("did you mean trapezius"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn muscles_json_follows_the_contract() {
    let muscles = json(&["atlas", "muscles", "--json"]);
    let list = muscles.as_array().expect("array");
    assert!(list.len() >= 120);
    let first = &list[0];
    for key in ["id", "name", "aliases", "group", "size_class", "trigger_points"] {
        assert!(first.get(key).is_some(), "muscle lacks {key}");
    }
    let zone = &first["trigger_points"][0]["referral"][0];
    assert!(zone["region"].is_string());
    assert!(["essential", "spillover"].contains(&zone["weight"].as_str().expect("weight")));
    for muscle in list {
        for tp in muscle["trigger_points"].as_array().expect("trigger points") {
            for zone in tp["referral"].as_array().expect("referral") {
                let laterality = &zone["laterality"];
                assert!(
                    laterality.is_null()
                        || ["ipsilateral", "contralateral", "bilateral"].contains(&laterality.as_str().unwrap_or("")),
                    "{zone}"
                );
            }
        }
    }
}

#[test]
fn regions_json_lists_the_86_regions() {
    let regions = json(&["atlas", "regions", "--json"]);
    let list = regions.as_array().expect("array");
    assert_eq!(list.len(), 86);
    assert_eq!(list[0]["id"], "vertex");
    assert_eq!(list[0]["sided"], false);
    assert!(list[0]["views"].as_array().is_some_and(|v| !v.is_empty()));
    for key in ["id", "label", "sided", "group", "views"] {
        assert!(list[5].get(key).is_some(), "region lacks {key}");
    }
}

#[test]
fn search_matches_symptoms() {
    let hits = json(&["atlas", "search", "tinnitus", "--json"]);
    let ids: Vec<&str> = hits
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|h| h["muscle"].as_str())
        .collect();
    assert!(ids.contains(&"masseter"), "{ids:?}");
}

#[test]
fn check_validates_the_compiled_atlas_and_rejects_bad_files() {
    let ok = taut(&["atlas", "check"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let dir = std::env::temp_dir().join(format!("taut-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[muscle]]\nid = \"x\"\n").expect("write");
    let output = taut(&["atlas", "check", bad.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("bad.toml"), "{}", stderr(&output));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn differential_json_follows_the_contract() {
    let result = json(&[
        "differential",
        "--region",
        "temple:right",
        "--region",
        "neck-posterior:right",
        "--intensity",
        "temple:right=7",
        "--top",
        "5",
        "--json",
    ]);
    let candidates = result["candidates"].as_array().expect("candidates");
    assert!(!candidates.is_empty() && candidates.len() <= 5);
    let first = &candidates[0];
    assert_eq!(first["rank"], 1);
    assert_eq!(first["muscle"], "trapezius");
    assert_eq!(first["side"], "right");
    for key in ["muscle_name", "trigger_point", "fit", "explains", "missing"] {
        assert!(first.get(key).is_some(), "candidate lacks {key}");
    }
    let scores: Vec<f64> = candidates.iter().filter_map(|c| c["fit"].as_f64()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "rank order: {scores:?}");
    assert!(result["combinations"].is_array() && result["unexplained"].is_array());
}

#[test]
fn differential_rejects_bad_input_with_exit_2() {
    let cases: [(&[&str], &str); 5] = [
        (&["differential", "--region", "tempel:right"], "did you mean temple"),
        (&["differential", "--region", "sternum:left"], "midline"),
        (&["differential"], "empty"),
        (
            &[
                "differential",
                "--region",
                "temple:right",
                "--intensity",
                "temple:right=11",
            ],
            "0 to 10",
        ),
        (
            &["differential", "--region", "temple:right", "--symptom", "numbnes"],
            "did you mean numbness",
        ),
    ];
    for (args, message) in cases {
        let output = taut(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr(&output).contains(message), "{args:?}: {}", stderr(&output));
    }
}

#[test]
fn eval_reports_both_methods() {
    let report = json(&["eval", "--json"]);
    assert!(report["cases"].as_u64().is_some_and(|n| n >= 60));
    for method in ["ranker", "baseline"] {
        for k in ["top1", "top3", "top5"] {
            assert!(report[method][k].as_f64().is_some(), "{method}.{k}");
        }
    }
    // The published case reports are reported apart from the drawings built from the Manual's patterns.
    for kind in ["pattern", "report"] {
        assert!(
            report["kinds"][kind]["ranker"]["top1"].as_f64().is_some(),
            "kinds.{kind}"
        );
    }
    assert!(report["kinds"]["report"]["cases"].as_u64().is_some_and(|n| n >= 42));
}

#[test]
fn plan_template_prints_the_seed_protocol_codes() {
    let output = taut(&["plan", "template", "xeomin-facial", "--date", "2026-11-26", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("json");
    let codes: Vec<String> = report["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| {
            format!(
                "{}{}",
                c["code"].as_str().unwrap_or(""),
                c["modifier"].as_str().map(|m| format!("-{m}")).unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(&codes[..3], ["20553", "J0588", "J0588-JW"]);
    assert_eq!(report["vials"][0]["size"], 100);
    assert_eq!(report["waste"][0]["value"].as_f64(), Some(45.0));
}

#[test]
fn plan_check_exit_codes() {
    let dir = std::env::temp_dir().join(format!("taut-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let write = |name: &str, body: &str| {
        let path = dir.join(name);
        std::fs::write(&path, body).expect("write");
        path.to_string_lossy().into_owned()
    };
    let ok = write(
        "ok.json",
        r#"{"date": "2026-11-26", "items": [{"muscle": "frontalis", "side": "left", "agent": "incobotulinumtoxinA", "dose": {"value": 10, "unit": "U"}}]}"#,
    );
    let over = write(
        "over.json",
        r#"{"date": "2026-11-26", "patient": {"weight_kg": 50}, "items": [{"muscle": "trapezius", "side": "left", "agent": "lidocaine", "volume_ml": 60, "concentration_percent": 1}]}"#,
    );
    let unreadable = write(
        "bad.json",
        r#"{"date": "2026-11-26", "items": [{"muscle": "trapezius", "side": "left", "agent": "lidocain", "volume_ml": 6, "concentration_percent": 1}]}"#,
    );
    assert_eq!(taut(&["plan", "check", &ok, "--json"]).status.code(), Some(0));
    let output = taut(&["plan", "check", &over]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("anesthetic-max-dose"));
    let output = taut(&["plan", "check", &unreadable]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("lidocaine"), "{}", stderr(&output));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn plan_catalog_check_names_a_misspelt_limit_kind() {
    let output = taut(&["plan", "catalog", "--check"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let dir = std::env::temp_dir().join(format!("taut-catalog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let agents = std::fs::read_to_string(root.join("agents.toml")).expect("agents");
    std::fs::write(
        dir.join("agents.toml"),
        agents.replacen("kind = \"window-max\"", "kind = \"window-mx\"", 1),
    )
    .expect("write");
    std::fs::copy(root.join("protocols.toml"), dir.join("protocols.toml")).expect("copy");
    let output = taut(&["plan", "catalog", "--check", "--dir", &dir.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("window-mx"), "{}", stderr(&output));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn user_add_help_lists_every_role_and_profession_from_the_vocabularies() {
    use taut_core::vocab::{Profession, Role, Vocabulary};
    let help = taut(&["user", "add", "--help"]);
    assert!(help.status.success());
    let help = stdout(&help);
    let listed = |ids: Vec<&str>| format!("[possible values: {}]", ids.join(", "));
    assert!(help.contains(&listed(Role::ids())), "{help}");
    assert!(help.contains(&listed(Profession::ids())), "{help}");
}
