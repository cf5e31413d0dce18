//! The `taut` binary: parses the command line and hands each command to its module.

mod atlas_cmd;
mod differential_cmd;
mod eval_cmd;
mod output;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Atlas(args) => atlas_cmd::run(args),
        Command::Differential(args) => differential_cmd::run(args),
        Command::Eval(args) => eval_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}
