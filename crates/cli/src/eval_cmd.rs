//! `taut eval`: the differential against the literature cases, beside the pain-guide baseline.

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use taut_atlas::Atlas;
use taut_core::differential::Ranker;
use taut_core::eval::{self, HitRates, Report};

use crate::output::{Failure, print_json};

#[derive(Args)]
pub struct EvalArgs {
    /// An evaluation set in the format of eval/cases.toml (default: the one compiled in).
    #[arg(long, value_name = "FILE")]
    cases: Option<PathBuf>,
    /// List every case with the rank each method gave its expected muscle.
    #[arg(long)]
    verbose: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(args: EvalArgs) -> Result<(), Failure> {
    let atlas = Atlas::embedded().map_err(|e| Failure::Found(e.to_string()))?;
    let text = match &args.cases {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        None => eval::CASES.to_owned(),
    };
    let cases = eval::parse_cases(&text).map_err(|e| Failure::Input(e.to_string()))?;
    let report = eval::evaluate(&Ranker::new(atlas), &cases).map_err(|e| Failure::Input(e.to_string()))?;
    if args.json {
        return print_json(&report);
    }
    print!("{}", render(&report, args.verbose));
    Ok(())
}

fn rates(r: &HitRates) -> String {
    format!("{:>5.2} {:>5.2} {:>5.2}", r.top1, r.top3, r.top5)
}

fn render(report: &Report, verbose: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} cases                 ranker (top1 top3 top5)   pain-guide baseline",
        report.cases
    );
    let _ = writeln!(
        out,
        "{:<24}{:<27}{}",
        "all",
        rates(&report.ranker),
        rates(&report.baseline)
    );
    for (kind, a) in &report.kinds {
        let label = match kind {
            eval::CaseKind::Pattern => "Manual patterns",
            eval::CaseKind::Report => "case reports",
        };
        let _ = writeln!(
            out,
            "{:<24}{:<27}{}",
            format!("{label} ({})", a.cases),
            rates(&a.ranker),
            rates(&a.baseline)
        );
    }
    for (area, a) in &report.areas {
        let _ = writeln!(
            out,
            "{:<24}{:<27}{}",
            format!("{area} ({})", a.cases),
            rates(&a.ranker),
            rates(&a.baseline)
        );
    }
    if verbose {
        let _ = writeln!(out, "\ncase        ranker baseline  expected -> ranker's top 5");
        for o in &report.outcomes {
            let rank = |r: Option<usize>| r.map_or("-".to_owned(), |r| r.to_string());
            let _ = writeln!(
                out,
                "{:<12}{:>6} {:>8}  {} -> {}",
                o.case,
                rank(o.ranker_rank),
                rank(o.baseline_rank),
                o.expected.join("|"),
                o.ranker_top.join(", ")
            );
        }
    }
    out
}
