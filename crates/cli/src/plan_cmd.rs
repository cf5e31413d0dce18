//! `taut plan`: check a treatment plan, or build one from a template; list the catalog.

use std::fmt::Write;
use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use taut_app::{AppError, Support};
use taut_atlas::Atlas;
use taut_core::plan::{self, Catalog, PatientContext, PlanInput, Report, Severity};

use crate::database::{DatabaseArgs, Purpose};
use crate::output::{Failure, print_json};

#[derive(Args)]
pub struct PlanArgs {
    #[command(subcommand)]
    command: PlanCommand,
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Check a plan (JSON, `-` for standard input): exit 0 without error findings, 1 with, 2 if unreadable.
    /// With `--patient MRN` the patient context (weight, age, allergies, conditions, medications and every
    /// stored procedure) comes from the record instead of the file; the read is audited under the token's user.
    Check {
        file: PathBuf,
        #[arg(long)]
        json: bool,
        /// The patient's MRN: check against the record (needs --token).
        #[arg(long, value_name = "MRN", requires = "token")]
        patient: Option<String>,
        /// An API token of the user the check is done as (`taut token create`).
        #[arg(long, env = "TAUT_TOKEN", hide_env_values = true)]
        token: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Build a plan from a template and check it.
    Template {
        /// Template id (`taut plan catalog` lists them).
        name: String,
        /// The patient: a plan file (its "patient" is used) or just that object (weight, allergies, conditions, …).
        #[arg(long, value_name = "FILE")]
        patient: Option<PathBuf>,
        /// Muscles for a size-scaled template, `id:side` (repeat); replaces its default muscles.
        #[arg(long = "muscle", value_name = "MUSCLE:SIDE")]
        muscles: Vec<String>,
        /// Date of the session, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List the agents, limits and templates with their sources; `--check` validates the catalog instead.
    Catalog {
        #[arg(long)]
        json: bool,
        /// Validate the catalog (the compiled-in one, or the `agents.toml` and `protocols.toml` in `--dir`): exit 0
        /// when valid, 1 with a message naming the bad entry.
        #[arg(long)]
        check: bool,
        /// A directory holding `agents.toml` and `protocols.toml` to check instead of the compiled-in catalog.
        #[arg(long, value_name = "DIR", requires = "check")]
        dir: Option<PathBuf>,
    },
}

fn read(path: &PathBuf) -> Result<String, Failure> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| Failure::Input(format!("cannot read {}: {e}", path.display())))
}

/// `taut plan catalog --check [--dir DIR]`: the same parse and validation the tests run.
fn check_catalog(dir: Option<PathBuf>) -> Result<(), Failure> {
    let atlas = Atlas::embedded().map_err(|e| Failure::Found(e.to_string()))?;
    let (agents, protocols) = match &dir {
        Some(dir) => (read(&dir.join("agents.toml"))?, read(&dir.join("protocols.toml"))?),
        None => {
            let (agents, protocols) = Catalog::embedded_text();
            (agents.to_owned(), protocols.to_owned())
        }
    };
    let catalog = Catalog::parse(&agents, &protocols).map_err(|e| Failure::Found(e.to_string()))?;
    catalog.validate(atlas).map_err(|e| Failure::Found(e.to_string()))?;
    let entries = catalog.dated_entries();
    let undated = entries.iter().filter(|(_, undated)| *undated).count();
    println!(
        "catalog {} is valid: {} toxins, {} anesthetics, {} steroids, {} limits, {} rules, {} templates; {undated} of {} dated entries have an undated source",
        catalog.version,
        catalog.toxins.len(),
        catalog.anesthetics.len(),
        catalog.steroids.len(),
        catalog.limits.len(),
        catalog.rules.len(),
        catalog.protocols.len(),
        entries.len()
    );
    Ok(())
}

fn sources() -> Result<(&'static Atlas, &'static Catalog), Failure> {
    let atlas = Atlas::embedded().map_err(|e| Failure::Found(e.to_string()))?;
    let catalog = Catalog::embedded().map_err(|e| Failure::Found(e.clone()))?;
    Ok((atlas, catalog))
}

pub fn run(args: PlanArgs) -> Result<(), Failure> {
    if let PlanCommand::Catalog { check: true, dir, .. } = args.command {
        return check_catalog(dir);
    }
    let (atlas, catalog) = sources()?;
    let mut assumptions: Vec<String> = Vec::new();
    let (input, json) = match args.command {
        PlanCommand::Check {
            file,
            json,
            patient: Some(mrn),
            token,
            database,
        } => {
            let input = PlanInput::parse(&read(&file)?).map_err(|e| Failure::Input(e.to_string()))?;
            let report = check_from_record(&database, token.as_deref().unwrap_or(""), &mrn, input)?;
            return finish(&report, &[], json);
        }
        PlanCommand::Check { file, json, .. } => (
            PlanInput::parse(&read(&file)?).map_err(|e| Failure::Input(e.to_string()))?,
            json,
        ),
        PlanCommand::Template {
            name,
            patient,
            muscles,
            date,
            json,
        } => {
            let patient: PatientContext = match patient {
                Some(path) => patient_file(&read(&path)?)?,
                None => PatientContext::default(),
            };
            let date = date.unwrap_or_else(|| {
                let today = time::OffsetDateTime::now_utc().date();
                format!("{:04}-{:02}-{:02}", today.year(), u8::from(today.month()), today.day())
            });
            let input = plan::from_template(catalog, atlas, &name, &muscles, patient, date)
                .map_err(|e| Failure::Input(e.to_string()))?;
            if let Some(protocol) = catalog.protocol(&name) {
                assumptions.clone_from(&protocol.assumptions);
            }
            (input, json)
        }
        PlanCommand::Catalog { json, .. } => return print_catalog(catalog, json),
    };
    let report = Support::new(atlas).check_plan(&input).map_err(|e| match e {
        AppError::Invalid(invalid) => Failure::Input(invalid.to_string()),
        other => Failure::Found(other.to_string()),
    })?;
    finish(&report, &assumptions, json)
}

/// Prints a checked plan; an error finding is exit code 1.
fn finish(report: &Report, assumptions: &[String], json: bool) -> Result<(), Failure> {
    if json {
        print_json(report)?;
    } else {
        if !assumptions.is_empty() {
            println!("Assumptions (confirm each)");
            for assumption in assumptions {
                println!("  - {assumption}");
            }
        }
        print!("{}", render(report));
    }
    if report.has_error() {
        return Err(Failure::Found("the plan has error findings".into()));
    }
    Ok(())
}

/// `taut plan check --patient MRN`: through the app, as the token's user, against the record.
fn check_from_record(database: &DatabaseArgs, token: &str, mrn: &str, input: PlanInput) -> Result<Report, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(e.into()))?;
    runtime.block_on(async {
        let app = database
            .app(Purpose::Clinical, false, taut_app::Policy::default())
            .await?;
        let actor = app.authenticate(token).await.map_err(crate::records_cmd::app_failure)?;
        app.check_plan_for_patient(&actor, mrn, input)
            .await
            .map_err(crate::records_cmd::app_failure)
    })
}

/// A patient file: the "patient" object of a plan, or a whole plan file whose "patient" is taken.
fn patient_file(text: &str) -> Result<PatientContext, Failure> {
    let unreadable = |e: serde_json::Error| Failure::Input(format!("cannot read the patient file: {e}"));
    let mut value: serde_json::Value = serde_json::from_str(text).map_err(unreadable)?;
    if let Some(patient) = value.get_mut("patient").map(serde_json::Value::take) {
        value = patient;
    }
    serde_json::from_value(value).map_err(unreadable)
}

fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Items");
    for i in &report.items {
        let dose = i
            .dose
            .as_ref()
            .map(|d| format!("{} {}", d.value, d.unit))
            .unwrap_or_else(|| "-".into());
        let volume = i.volume_ml.map(|v| format!("{v} mL")).unwrap_or_else(|| "-".into());
        let strength = i
            .units_per_0_1_ml
            .map(|u| format!(" ({u} U/0.1 mL)"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<22} {:<6} {:<28} {:>9} {:>9}{strength}, {} point(s)",
            i.muscle,
            i.side.as_deref().unwrap_or("-"),
            i.agent,
            dose,
            volume,
            i.points
        );
        if let Some(site) = &i.site {
            let _ = writeln!(out, "      site: {site}");
        }
    }
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let _ = writeln!(
        out,
        "Totals: {}",
        list(
            report
                .totals
                .iter()
                .map(|t| format!("{} {} {}", t.agent, t.value, t.unit))
                .collect()
        )
    );
    let _ = writeln!(
        out,
        "Vials: {}",
        list(
            report
                .vials
                .iter()
                .map(|v| format!("{} x {} U {}", v.count, v.size, v.agent))
                .collect()
        )
    );
    let _ = writeln!(
        out,
        "Waste: {}",
        list(
            report
                .waste
                .iter()
                .map(|w| format!("{} {} {}", w.agent, w.value, w.unit))
                .collect()
        )
    );
    let _ = writeln!(out, "Findings");
    if report.findings.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for f in &report.findings {
        let severity = match f.severity {
            Severity::Error => "ERROR",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let _ = writeln!(
            out,
            "  {severity} {}: {}\n      source: {}",
            f.code, f.message, f.source
        );
    }
    let _ = writeln!(out, "Codes");
    for c in &report.codes {
        let units = c.units.map(|u| format!(" x {u}")).unwrap_or_default();
        let modifier = c.modifier.as_deref().map(|m| format!("-{m}")).unwrap_or_default();
        let _ = writeln!(out, "  {} {}{modifier}{units}", c.system, c.code);
    }
    out.push_str("\nDecision support: the clinician decides. Check doses against the current label.\n");
    out
}

fn print_catalog(catalog: &Catalog, json: bool) -> Result<(), Failure> {
    if json {
        return print_json(&serde_json::json!({
            "version": catalog.version,
            "toxins": catalog.toxins,
            "anesthetics": catalog.anesthetics,
            "steroids": catalog.steroids,
            "limits": catalog.limits,
            "drug_classes": catalog.drug_classes,
            "conditions": catalog.conditions,
            "diagnoses": catalog.diagnoses,
            "rules": catalog.rules,
            "protocols": catalog.protocols,
        }));
    }
    println!("Catalog {}", catalog.version);
    for t in &catalog.toxins {
        let strength = t
            .units_per_0_1_ml()
            .map_or("reconstitution unverified".to_owned(), |u| format!("{u} U/0.1 mL"));
        println!(
            "  toxin {} ({}): vials {:?} U, {strength}, {} per {} U  [{}; {}] {}",
            t.id,
            t.brand,
            t.vial_units,
            t.hcpcs,
            t.billing_unit,
            t.confidence,
            dated(&t.effective_date, &t.verified),
            t.source
        );
    }
    for a in &catalog.anesthetics {
        println!(
            "  anesthetic {}: {} mg/kg, max {} mg  [{}; {}] {}",
            a.id,
            a.mg_per_kg,
            a.max_mg,
            a.confidence,
            dated(&a.effective_date, &a.verified),
            a.source
        );
    }
    for s in &catalog.steroids {
        println!(
            "  steroid {}: {} mg/mL, usual {} mg, {} per {} mg  [{}; {}] {}",
            s.id,
            s.mg_per_ml,
            s.usual_mg,
            s.hcpcs.code,
            s.hcpcs.mg,
            s.confidence,
            dated(&s.effective_date, &s.verified),
            s.source
        );
    }
    for l in &catalog.limits {
        println!(
            "  limit {} {} = {}{}  [{}; {}] {}",
            l.agent,
            l.kind,
            l.value,
            l.days.map(|d| format!(" per {d} days")).unwrap_or_default(),
            l.confidence,
            dated(&l.effective_date, &l.verified),
            l.source
        );
    }
    for c in &catalog.drug_classes {
        println!(
            "  medication class {}: {}  [{}; {}] {}",
            c.class,
            c.names.join(", "),
            c.confidence,
            dated(&c.effective_date, &c.verified),
            c.source
        );
    }
    for d in &catalog.diagnoses {
        let billable = if d.billable {
            String::new()
        } else {
            format!(" (not billable: use {})", d.use_instead.join(", "))
        };
        println!(
            "  diagnosis ICD-10-CM {} {}{billable}  [{}; {}] {}",
            d.code,
            d.title,
            d.confidence,
            dated(&d.effective_date, &d.verified),
            d.source
        );
    }
    for r in &catalog.rules {
        println!(
            "  rule {}: {} {}  [{}; {}] {}",
            r.id,
            r.severity,
            r.id.finding(),
            r.confidence,
            dated(&r.effective_date, &r.verified),
            r.source
        );
    }
    for p in &catalog.protocols {
        println!("  template {}: {}", p.id, p.description);
        for assumption in &p.assumptions {
            println!("    assumes: {assumption}");
        }
    }
    Ok(())
}

/// A catalog entry's dates as the text listing shows them: the source's own date, or "undated" where Taut found
/// none and the effective date is only the day it verified the value.
fn dated(effective: &str, verified: &str) -> String {
    if effective == verified {
        format!("source undated, verified {verified}")
    } else {
        format!("effective {effective}, verified {verified}")
    }
}
