//! The `taut` binary: parses the command line and hands each command to its module.

mod atlas_cmd;
mod catalog_cmd;
mod checkin_cmd;
mod database;
mod demo;
mod differential_cmd;
mod eval_cmd;
mod followup_cmd;
mod interop_cmd;
mod output;
mod plan_cmd;
mod procedure_cmd;
mod records_cmd;
mod vocab_arg;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Taut: trigger point therapy. Atlas, differential, exam, planning and records.
#[derive(Parser)]
#[command(name = "taut", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Look up muscles, trigger points, referral patterns and body regions.
    Atlas(atlas_cmd::AtlasArgs),
    /// Rank the trigger points that best explain a pain drawing, with reasons.
    Differential(differential_cmd::DifferentialArgs),
    /// Measure the differential on the literature cases, beside the pain-guide baseline.
    Eval(eval_cmd::EvalArgs),
    /// The cited side-effect catalog: what to expect after treatment, when to call, when to go to emergency care.
    Catalog(catalog_cmd::CatalogArgs),
    /// Check a treatment plan or build one from a template: doses, vials, safety findings, codes.
    Plan(plan_cmd::PlanArgs),
    /// Recorded procedures: print a procedure note.
    Procedure(procedure_cmd::ProcedureArgs),
    /// Serve the web application and the JSON API on one port.
    Serve(records_cmd::ServeArgs),
    /// Bring the records database schema up to date (also done by every command that opens it).
    Migrate(records_cmd::MigrateArgs),
    /// Manage users: add, list, disable.
    User(records_cmd::UserArgs),
    /// Create API tokens.
    Token(records_cmd::TokenArgs),
    /// Verify or read the audit log.
    Audit(records_cmd::AuditArgs),
    /// Write a consistent copy of the SQLite database while it is in use.
    Backup(records_cmd::BackupArgs),
    /// Add synthetic demo patients with visits, findings and outcomes.
    Demo(records_cmd::DemoArgs),
    /// Export records as FHIR R4 (a transaction Bundle) or CSV.
    Export(interop_cmd::ExportArgs),
    /// Import a FHIR R4 Bundle of patients and their records, all or nothing.
    Import(interop_cmd::ImportArgs),
    /// The follow-up worklist: calls, reviews and outcome visits due, overdue first; adverse events to review.
    Followups(followup_cmd::FollowupsArgs),
    /// Clinic reports: `report outcomes --from --to` (responder rates by protocol, agent and muscle).
    Report(followup_cmd::ReportArgs),
    /// Print a procedure's self-care sheet for the patient.
    Selfcare(followup_cmd::SelfcareArgs),
    /// Patient check-in links: `checkin create --patient MRN --user NAME`.
    Checkin(checkin_cmd::CheckinArgs),
}

fn main() -> ExitCode {
    // Logs go to standard error, filtered by RUST_LOG (default: warnings); they never carry patient data.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx=error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // Rust ignores SIGPIPE, so `taut atlas muscles | head -1` would make the next print panic with a broken
    // pipe. A command that only prints ends instead as Unix tools do: quietly, killed by SIGPIPE (status 141 in
    // a shell). The server keeps SIGPIPE ignored: a client closing its socket must not end the process.
    if !matches!(cli.command, Command::Serve(_)) {
        sigpipe::reset();
    }
    let result = match cli.command {
        Command::Atlas(args) => atlas_cmd::run(args),
        Command::Differential(args) => differential_cmd::run(args),
        Command::Eval(args) => eval_cmd::run(args),
        Command::Catalog(args) => catalog_cmd::run(args),
        Command::Plan(args) => plan_cmd::run(args),
        Command::Procedure(args) => procedure_cmd::run(args),
        Command::Followups(args) => followup_cmd::followups(args),
        Command::Report(args) => followup_cmd::report(args),
        Command::Selfcare(args) => followup_cmd::selfcare(args),
        Command::Checkin(args) => checkin_cmd::run(args),
        Command::Serve(args) => records_cmd::serve(args),
        Command::Migrate(args) => records_cmd::migrate(args),
        Command::User(args) => records_cmd::user(args),
        Command::Token(args) => records_cmd::token(args),
        Command::Audit(args) => records_cmd::audit(args),
        Command::Backup(args) => records_cmd::backup(args),
        Command::Demo(args) => records_cmd::demo(args),
        Command::Export(args) => interop_cmd::export(args),
        Command::Import(args) => interop_cmd::import(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}
