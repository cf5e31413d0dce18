//! `taut procedure show ID`: a recorded procedure as a note (or JSON), read through the app as the token's user.

use std::fmt::Write;

use clap::{Args, Subcommand};
use taut_app::{PatientRecord, ProcedureRecord};

use crate::database::{DatabaseArgs, Purpose};
use crate::output::{Failure, print_json};
use crate::records_cmd::app_failure;

#[derive(Args)]
pub struct ProcedureArgs {
    #[command(subcommand)]
    command: ProcedureCommand,
}

#[derive(Subcommand)]
enum ProcedureCommand {
    /// Print a procedure note: patient, time, consent, each site with agent, dose, lot and guidance,
    /// complications, diagnoses, codes and any amendments (with their reasons).
    Show {
        id: String,
        #[arg(long)]
        json: bool,
        /// An API token of the user reading the record (`taut token create`); the read is audited.
        #[arg(long, env = "TAUT_TOKEN", hide_env_values = true)]
        token: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub fn run(args: ProcedureArgs) -> Result<(), Failure> {
    let ProcedureCommand::Show {
        id,
        json,
        token,
        database,
    } = args.command;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(e.into()))?;
    let (procedure, patient) = runtime.block_on(async {
        let app = database
            .app(Purpose::Clinical, false, taut_app::Policy::default())
            .await?;
        let actor = app.authenticate(&token).await.map_err(app_failure)?;
        let procedure = app.procedure(&actor, &id).await.map_err(app_failure)?;
        let patient = app.patient(&actor, &procedure.patient_id).await.map_err(app_failure)?;
        Ok::<_, Failure>((procedure, patient))
    })?;
    if json {
        return print_json(&procedure);
    }
    print!("{}", note(&procedure, &patient));
    Ok(())
}

/// The procedure note.
pub fn note(p: &ProcedureRecord, patient: &PatientRecord) -> String {
    let d = &patient.demographics;
    let mut out = String::new();
    let _ = writeln!(out, "Procedure note {}", p.id);
    let _ = writeln!(
        out,
        "Patient: {}, {} (MRN {}), born {}",
        d.family_name, d.given_name, d.mrn, d.birth_date
    );
    let _ = writeln!(out, "Time: {} to {}", p.started_at, p.ended_at);
    let _ = writeln!(
        out,
        "Plan: {}",
        p.plan_id.as_deref().unwrap_or("none (recorded without a signed plan)")
    );
    let risks = if p.consent.risks_discussed.is_empty() {
        "none recorded".to_owned()
    } else {
        p.consent.risks_discussed.join(", ")
    };
    let _ = writeln!(
        out,
        "Consent: {} by {}; risks discussed: {risks}",
        if p.consent.obtained { "obtained" } else { "NOT obtained" },
        p.consent.by
    );
    let _ = writeln!(out, "Sites");
    for s in &p.sites {
        let amount = match (s.amount, &s.amount_unit) {
            (Some(value), Some(unit)) => format!(" {value} {unit}"),
            _ => String::new(),
        };
        let volume = s.volume_ml.map(|v| format!(" in {v} mL")).unwrap_or_default();
        let strength = s.concentration_percent.map(|c| format!(" ({c} %)")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {} ({}): {}{amount}{volume}{strength}, {} point(s)",
            s.muscle,
            s.side.as_deref().unwrap_or("midline"),
            s.kind,
            s.agent,
            s.points
        );
        let mut details: Vec<String> = Vec::new();
        if let Some(site) = &s.site {
            details.push(format!("site: {site}"));
        }
        if let Some(guidance) = &s.guidance {
            details.push(format!("guidance: {guidance}"));
        }
        if let Some(needle) = &s.needle {
            details.push(format!("needle: {needle}"));
        }
        if let Some(technique) = &s.technique {
            details.push(format!("technique: {technique}"));
        }
        if let (Some(lot), Some(expiry)) = (&s.lot, &s.expiry) {
            details.push(format!("lot {lot}, expires {expiry}"));
        }
        if let Some(ml) = s.reconstitution_ml {
            let vial = s.vial_units.map(|u| format!(" into a {u} U vial")).unwrap_or_default();
            details.push(format!("reconstituted with {ml} mL{vial}"));
        }
        if let Some(vial) = &s.vial {
            let content = s.vial_mg.map(|mg| format!(" of {mg} mg")).unwrap_or_default();
            details.push(format!("{vial} vial{content}"));
        }
        if !details.is_empty() {
            let _ = writeln!(out, "      {}", details.join("; "));
        }
    }
    let _ = writeln!(
        out,
        "Immediate complications: {}",
        if p.complications.is_empty() {
            "none".to_owned()
        } else {
            p.complications.join("; ")
        }
    );
    let _ = writeln!(
        out,
        "Diagnoses (ICD-10-CM): {}",
        if p.diagnoses.is_empty() {
            "none recorded".to_owned()
        } else {
            p.diagnoses.join(", ")
        }
    );
    let _ = writeln!(out, "Codes");
    for c in p.codes.as_array().into_iter().flatten() {
        let units = c["units"].as_u64().map(|u| format!(" x {u}")).unwrap_or_default();
        let modifier = c["modifier"].as_str().map(|m| format!("-{m}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {}{modifier}{units}",
            c["system"].as_str().unwrap_or(""),
            c["code"].as_str().unwrap_or("")
        );
    }
    let findings: Vec<String> = p
        .findings
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] != "info")
        .map(|f| {
            format!(
                "  {} {}: {}",
                f["severity"].as_str().unwrap_or(""),
                f["code"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    if !findings.is_empty() {
        let _ = writeln!(out, "Safety findings on what was done");
        for f in findings {
            let _ = writeln!(out, "{f}");
        }
    }
    if let Some(notes) = &p.notes {
        let _ = writeln!(out, "Notes: {notes}");
    }
    // The record above is as it was signed; corrections follow it, never replace it.
    if !p.amendments.is_empty() {
        let _ = writeln!(out, "Amendments (the record above is as first recorded)");
        for a in &p.amendments {
            let _ = writeln!(
                out,
                "  {}. {} by user {}: {}\n     reason: {}",
                a.number, a.amended_at, a.amended_by, a.correction, a.reason
            );
        }
    }
    out
}
