//! Follow-up from the command line, read through the app as the token's user (every read audited):
//! `taut followups` (the worklist), `taut report outcomes` (the clinic's responder rates) and
//! `taut selfcare PROCEDURE_ID` (the patient's sheet).

use std::fmt::Write;

use clap::{Args, Subcommand};
use taut_app::{App, parse_day};
use taut_core::followup::{ClinicReport, GroupRate};

use crate::database::{DatabaseArgs, Purpose};
use crate::output::{Failure, print_json};
use crate::records_cmd::app_failure;

/// Who reads, and from which database.
#[derive(Args)]
struct Reader {
    /// An API token of the user reading the records (`taut token create`); the read is audited.
    #[arg(long, env = "TAUT_TOKEN", hide_env_values = true)]
    token: String,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Args)]
pub struct FollowupsArgs {
    /// The day the worklist is for (`YYYY-MM-DD`); today by default.
    #[arg(long)]
    due: Option<String>,
    /// Every clinician's checks, not only the token user's.
    #[arg(long)]
    all: bool,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    reader: Reader,
}

#[derive(Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    command: ReportCommand,
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Responder rates (30 %, 50 %, 2 points) by protocol, agent and muscle over the patients treated in a range.
    Outcomes {
        /// First day (`YYYY-MM-DD`).
        #[arg(long)]
        from: String,
        /// Last day, inclusive (`YYYY-MM-DD`).
        #[arg(long)]
        to: String,
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        reader: Reader,
    },
}

#[derive(Args)]
pub struct SelfcareArgs {
    procedure_id: String,
    /// The clinic's contact printed on the sheet.
    #[arg(long, env = "TAUT_CLINIC_CONTACT", default_value = "the clinic that treated you")]
    contact: String,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    reader: Reader,
}

fn with_app<T>(
    reader: Reader,
    work: impl AsyncFnOnce(App, taut_app::Actor) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(e.into()))?;
    runtime.block_on(async {
        let app = reader
            .database
            .app(Purpose::Clinical, false, taut_app::Policy::default())
            .await?;
        let actor = app.authenticate(&reader.token).await.map_err(app_failure)?;
        work(app, actor).await
    })
}

pub fn followups(args: FollowupsArgs) -> Result<(), Failure> {
    let due = args
        .due
        .as_deref()
        .map(|d| parse_day("--due", d))
        .transpose()
        .map_err(app_failure)?;
    let all = args.all;
    let list = with_app(args.reader, async |app, actor| {
        app.followups(&actor, due, all).await.map_err(app_failure)
    })?;
    if args.json {
        return print_json(&list);
    }
    let mut out = String::new();
    let _ = writeln!(out, "Follow-ups due by {}: {}", list.due, list.items.len());
    for item in &list.items {
        let f = &item.followup;
        let status = serde_json::to_value(item.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        let _ = writeln!(
            out,
            "  {:<8} {} to {}  {}  patient {}  procedure {}  (follow-up {})",
            status.unwrap_or_default(),
            f.due_from,
            f.due_by,
            f.name,
            f.patient_id,
            f.procedure_id,
            f.id
        );
    }
    if !list.flagged_adverse_events.is_empty() {
        let _ = writeln!(out, "Adverse events to review:");
        for e in &list.flagged_adverse_events {
            let mut why = Vec::new();
            if e.flags.serious {
                why.push("serious".to_owned());
            }
            if e.flags.overdue {
                let by = e
                    .flags
                    .expected_resolution_by
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                why.push(format!("open past {by}"));
            }
            let _ = writeln!(
                out,
                "  {} ({}) since {}, {}  patient {}  (event {})",
                e.event.effect,
                e.event.severity,
                e.event.onset,
                why.join(", "),
                e.event.patient_id,
                e.event.id
            );
        }
    }
    print!("{out}");
    Ok(())
}

pub fn report(args: ReportArgs) -> Result<(), Failure> {
    let ReportCommand::Outcomes {
        from,
        to,
        json,
        csv,
        reader,
    } = args.command;
    let (from, to) = (
        parse_day("--from", &from).map_err(app_failure)?,
        parse_day("--to", &to).map_err(app_failure)?,
    );
    let report = with_app(reader, async |app, actor| {
        app.outcome_report(&actor, from, to).await.map_err(app_failure)
    })?;
    if json {
        return print_json(&report);
    }
    print!("{}", if csv { report_csv(&report) } else { report_text(&report) });
    Ok(())
}

fn groups(report: &ClinicReport) -> Vec<(&'static str, &GroupRate)> {
    let mut rows = vec![("all", &report.all)];
    rows.extend(report.by_protocol.iter().map(|g| ("protocol", g)));
    rows.extend(report.by_agent.iter().map(|g| ("agent", g)));
    rows.extend(report.by_muscle.iter().map(|g| ("muscle", g)));
    rows
}

/// A rate (a fraction of the evaluable patients) as a fraction with three decimals, empty when undefined.
fn rate(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.3}")).unwrap_or_default()
}

fn report_csv(report: &ClinicReport) -> String {
    let mut out = String::from(
        "group,key,patients,with_followup_score,without_followup_score,responders_30,responders_50,\
         responders_2_points,rate_30,rate_50,rate_2_points\n",
    );
    for (group, g) in groups(report) {
        let key = if g.key.contains([',', '"']) {
            format!("\"{}\"", g.key.replace('"', "\"\""))
        } else {
            g.key.clone()
        };
        let _ = writeln!(
            out,
            "{group},{key},{},{},{},{},{},{},{},{},{}",
            g.patients,
            g.with_followup_score,
            g.without_followup_score,
            g.responders_30,
            g.responders_50,
            g.responders_2_points,
            rate(g.rate_30),
            rate(g.rate_50),
            rate(g.rate_2_points)
        );
    }
    out
}

fn report_text(report: &ClinicReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Outcomes of the patients treated {} to {}", report.from, report.to);
    let _ = writeln!(
        out,
        "{:<9} {:<32} {:>8} {:>10} {:>9} {:>9} {:>9}",
        "group", "key", "patients", "no score", "30 %", "50 %", "2 pts"
    );
    for (group, g) in groups(report) {
        let cell = |n: u32, r: Option<f64>| match r {
            Some(r) => format!("{n} ({:.0}%)", r * 100.0),
            None => "-".to_owned(),
        };
        let _ = writeln!(
            out,
            "{group:<9} {:<32} {:>8} {:>10} {:>9} {:>9} {:>9}",
            g.key,
            g.patients,
            g.without_followup_score,
            cell(g.responders_30, g.rate_30),
            cell(g.responders_50, g.rate_50),
            cell(g.responders_2_points, g.rate_2_points)
        );
    }
    out
}

pub fn selfcare(args: SelfcareArgs) -> Result<(), Failure> {
    let (id, contact) = (args.procedure_id, args.contact);
    let sheet = with_app(args.reader, async |app, actor| {
        app.self_care(&actor, &id, &contact).await.map_err(app_failure)
    })?;
    if args.json {
        return print_json(&sheet);
    }
    print!("{}", sheet.text);
    Ok(())
}
