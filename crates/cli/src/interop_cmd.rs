//! `taut export` and `taut import`: records out as FHIR R4 or CSV, and FHIR bundles in. Each access is made as
//! a named user (`--user`), so that the audit trail says who exported or imported what.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use taut_app::{Actor, App};
use taut_fhir::{Record, import::BUNDLE_TYPES};

use crate::database::DatabaseArgs;
use crate::output::Failure;
use crate::records_cmd::{app, app_failure, runtime};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// One FHIR R4 transaction Bundle holding every exported patient (load it with `taut import` or POST it to
    /// a FHIR server).
    Fhir,
    /// RFC 4180 CSV with a header row, one line per record of `--table`.
    Csv,
}

/// Which records a CSV export lists.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Table {
    /// Outcome measures: pain scores, pressure thresholds, ranges of motion and free measures.
    Outcomes,
    /// Procedures, one row per treated site, with the procedure's codes (CPT, HCPCS with units and modifier,
    /// ICD-10-CM) and the amount's unit.
    Procedures,
    /// Adverse events after procedures.
    AdverseEvents,
}

#[derive(Args)]
pub struct ExportArgs {
    /// The patients to export, by MRN (repeat it); every live patient when absent.
    #[arg(long = "patient", value_name = "MRN")]
    patients: Vec<String>,
    #[arg(long, value_enum, default_value = "fhir")]
    format: Format,
    /// For CSV: which records.
    #[arg(long, value_enum, default_value = "outcomes")]
    table: Table,
    /// Write here instead of standard output (never overwrites a file).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The user the export is made as (a clinician or assistant); it is audited under that name.
    #[arg(long, env = "TAUT_USER")]
    user: String,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Args)]
pub struct ImportArgs {
    /// A FHIR R4 Bundle (transaction, collection or searchset) as `taut export --format fhir` writes it.
    file: PathBuf,
    /// The user the import is made as; it is audited under that name.
    #[arg(long, env = "TAUT_USER")]
    user: String,
    #[command(flatten)]
    database: DatabaseArgs,
}

fn bar(len: u64, what: &str) -> Result<indicatif::ProgressBar, Failure> {
    let template = format!("{{bar:40}} {{pos}}/{{len}} {what}, {{eta}} left");
    Ok(indicatif::ProgressBar::new(len)
        .with_style(indicatif::ProgressStyle::with_template(&template).map_err(|e| Failure::Other(e.into()))?))
}

/// The ids of the patients to export: those named, or every live one (paged through the search).
async fn patient_ids(app: &App, actor: &Actor, mrns: &[String]) -> Result<Vec<String>, Failure> {
    let mut ids = Vec::new();
    if !mrns.is_empty() {
        for mrn in mrns {
            ids.push(app.patient_by_mrn(actor, mrn).await.map_err(app_failure)?.id);
        }
        return Ok(ids);
    }
    let mut after: Option<String> = None;
    loop {
        let page = app
            .search_patients(actor, "", 200, after.as_deref())
            .await
            .map_err(app_failure)?;
        ids.extend(page.items.into_iter().map(|p| p.id));
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(ids),
        }
    }
}

pub fn export(args: ExportArgs) -> Result<(), Failure> {
    runtime()?.block_on(async move {
        let app = app(&args.database).await?;
        let actor = app.local_actor(&args.user).await.map_err(app_failure)?;
        let ids = patient_ids(&app, &actor, &args.patients).await?;
        let progress = bar(ids.len() as u64, "patients")?;
        let mut records = Vec::with_capacity(ids.len());
        for id in &ids {
            records.push(app.export_record(&actor, id).await.map_err(app_failure)?);
            progress.inc(1);
        }
        progress.finish_and_clear();
        app.seal_audit().await.map_err(app_failure)?;
        let bytes = match args.format {
            Format::Fhir => {
                let bundles = records.iter().map(|r| taut_fhir::everything(r, app.atlas()));
                serde_json::to_vec_pretty(&taut_fhir::to_transaction(bundles)).context("writing JSON")?
            }
            Format::Csv => match args.table {
                Table::Outcomes => outcomes_csv(&records)?,
                Table::Procedures => procedures_csv(&records)?,
                Table::AdverseEvents => adverse_events_csv(&records)?,
            },
        };
        write_out(args.out.as_ref(), &bytes)
    })
}

/// One row per outcome measure, with the patient's MRN beside the ids.
fn outcomes_csv(records: &[Record]) -> Result<Vec<u8>, Failure> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "patient_id",
            "mrn",
            "outcome_id",
            "encounter_id",
            "recorded_at",
            "measure",
            "name",
            "value",
            "unit",
        ])
        .context("writing CSV")?;
    for record in records {
        for outcome in &record.outcomes {
            let o = &outcome.fields;
            writer
                .write_record([
                    record.id.as_str(),
                    record.demographics.mrn.as_str(),
                    outcome.id.as_str(),
                    o.encounter_id.as_deref().unwrap_or(""),
                    o.recorded_at.as_str(),
                    o.measure.as_str(),
                    o.name.as_deref().unwrap_or(""),
                    &o.value.to_string(),
                    o.unit.as_str(),
                ])
                .context("writing CSV")?;
        }
    }
    writer
        .into_inner()
        .map_err(|e| Failure::Other(anyhow::anyhow!("writing CSV: {e}")))
}

/// The billing lines of one system as one cell: `J0588 x15 JZ; J0588 x85 JW`.
fn code_cell(codes: &[taut_core::plan::Code], system: &str) -> String {
    codes
        .iter()
        .filter(|c| c.system == system)
        .map(|c| {
            let mut cell = c.code.clone();
            if let Some(units) = c.units {
                cell.push_str(&format!(" x{units}"));
            }
            if let Some(modifier) = &c.modifier {
                cell.push_str(&format!(" {modifier}"));
            }
            cell
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// One row per treated site of every procedure; the procedure's codes repeat on each of its rows.
fn procedures_csv(records: &[Record]) -> Result<Vec<u8>, Failure> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "patient_id",
            "mrn",
            "procedure_id",
            "encounter_id",
            "started_at",
            "ended_at",
            "site_number",
            "muscle",
            "side",
            "kind",
            "agent",
            "amount",
            "amount_unit",
            "volume_ml",
            "concentration_percent",
            "points",
            "guidance",
            "lot",
            "expiry",
            "cpt",
            "hcpcs",
            "icd10cm",
        ])
        .context("writing CSV")?;
    for record in records {
        for procedure in &record.procedures {
            let p = &procedure.fields;
            let (cpt, hcpcs) = (code_cell(&procedure.codes, "CPT"), code_cell(&procedure.codes, "HCPCS"));
            let diagnoses = p.diagnoses.join("; ");
            for (i, site) in p.sites.iter().enumerate() {
                writer
                    .write_record([
                        record.id.as_str(),
                        record.demographics.mrn.as_str(),
                        procedure.id.as_str(),
                        procedure.encounter_id.as_str(),
                        p.started_at.as_str(),
                        p.ended_at.as_str(),
                        &(i + 1).to_string(),
                        site.muscle.as_str(),
                        site.side.as_deref().unwrap_or(""),
                        site.kind.as_str(),
                        site.agent.as_str(),
                        &number(site.amount),
                        site.amount_unit.as_deref().unwrap_or(""),
                        &number(site.volume_ml),
                        &number(site.concentration_percent),
                        &site.points.to_string(),
                        site.guidance.as_deref().unwrap_or(""),
                        site.lot.as_deref().unwrap_or(""),
                        site.expiry.as_deref().unwrap_or(""),
                        &cpt,
                        &hcpcs,
                        &diagnoses,
                    ])
                    .context("writing CSV")?;
            }
        }
    }
    writer
        .into_inner()
        .map_err(|e| Failure::Other(anyhow::anyhow!("writing CSV: {e}")))
}

/// One row per adverse event, with its procedure.
fn adverse_events_csv(records: &[Record]) -> Result<Vec<u8>, Failure> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "patient_id",
            "mrn",
            "adverse_event_id",
            "procedure_id",
            "effect",
            "effect_name",
            "site",
            "onset",
            "severity",
            "resolved_on",
            "actions",
            "notes",
        ])
        .context("writing CSV")?;
    for record in records {
        for procedure in &record.procedures {
            for event in &procedure.adverse_events {
                let e = &event.fields;
                writer
                    .write_record([
                        record.id.as_str(),
                        record.demographics.mrn.as_str(),
                        event.id.as_str(),
                        procedure.id.as_str(),
                        e.effect.as_str(),
                        event.effect_name.as_deref().unwrap_or(""),
                        e.site.as_deref().unwrap_or(""),
                        e.onset.as_str(),
                        e.severity.as_str(),
                        e.resolved_on.as_deref().unwrap_or(""),
                        &e.actions.join("; "),
                        e.notes.as_deref().unwrap_or(""),
                    ])
                    .context("writing CSV")?;
            }
        }
    }
    writer
        .into_inner()
        .map_err(|e| Failure::Other(anyhow::anyhow!("writing CSV: {e}")))
}

fn write_out(out: Option<&PathBuf>, bytes: &[u8]) -> Result<(), Failure> {
    match out {
        Some(path) => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .with_context(|| format!("creating {} (an existing file is never overwritten)", path.display()))?;
            file.write_all(bytes)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes).context("writing to standard output")?;
            stdout.write_all(b"\n").context("writing to standard output")?;
        }
    }
    Ok(())
}

pub fn import(args: ImportArgs) -> Result<(), Failure> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    runtime()?.block_on(async move {
        let app = app(&args.database).await?;
        let actor = app.local_actor(&args.user).await.map_err(app_failure)?;
        // One transaction, all or nothing: the spinner shows it is working, not a count that could stop halfway.
        let spinner = indicatif::ProgressBar::new_spinner().with_message(format!("importing {}", args.file.display()));
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
        let result = app.import_fhir(&actor, &bytes, BUNDLE_TYPES).await;
        spinner.finish_and_clear();
        let ids = result.map_err(app_failure)?;
        app.seal_audit().await.map_err(app_failure)?;
        println!("imported {} patients", ids.len());
        Ok(())
    })
}
