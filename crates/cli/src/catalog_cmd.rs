//! `taut catalog side-effects`: the cited side-effect catalog, as text that fits 80 columns or as JSON.

use std::fmt::Write;

use clap::{Args, Subcommand};
use serde::Serialize;
use taut_core::followup::{FollowupCatalog, LipidRescue, SideEffect};

use crate::output::{Failure, print_json};

const WIDTH: usize = 80;

#[derive(Args)]
pub struct CatalogArgs {
    #[command(subcommand)]
    command: CatalogCommand,
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Expected and possible effects of treatment: onset, usual duration, what helps, when to call, when to go
    /// to emergency care, with sources; and lipid rescue for local anesthetic toxicity.
    SideEffects {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct SideEffectsJson<'a> {
    version: &'a str,
    effects: &'a [SideEffect],
    lipid_rescue: &'a LipidRescue,
}

pub fn run(args: CatalogArgs) -> Result<(), Failure> {
    let catalog = FollowupCatalog::embedded().map_err(|e| Failure::Found(e.to_string()))?;
    match args.command {
        CatalogCommand::SideEffects { json: true } => print_json(&SideEffectsJson {
            version: &catalog.version,
            effects: &catalog.effects,
            lipid_rescue: &catalog.lipid_rescue,
        }),
        CatalogCommand::SideEffects { json: false } => {
            print!("{}", side_effects_text(catalog));
            Ok(())
        }
    }
}

fn wrapped(out: &mut String, text: &str, first: &str, rest: &str) {
    let options = textwrap::Options::new(WIDTH)
        .initial_indent(first)
        .subsequent_indent(rest);
    for line in textwrap::wrap(text, options) {
        let _ = writeln!(out, "{line}");
    }
}

fn list(out: &mut String, label: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {label}");
    for item in items {
        wrapped(out, item, "    - ", "      ");
    }
}

/// The catalog as text, no line longer than 80 columns.
fn side_effects_text(catalog: &FollowupCatalog) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Side-effect catalog {}", catalog.version);
    for e in &catalog.effects {
        let _ = writeln!(out);
        wrapped(&mut out, &format!("{} ({})", e.name, e.id), "", "  ");
        let classes: Vec<&str> = e.applies_to.iter().map(|c| c.as_str()).collect();
        wrapped(&mut out, &format!("applies to: {}", classes.join(", ")), "  ", "    ");
        let lasts = e.resolution_text().unwrap_or_else(|| "no sourced window".into());
        wrapped(
            &mut out,
            &format!("onset: {}; lasts: {lasts}", e.onset_text()),
            "  ",
            "    ",
        );
        let helps: Vec<String> = e
            .helps
            .iter()
            .map(|h| format!("{}: {}", format!("{:?}", h.kind).to_lowercase(), h.text))
            .collect();
        list(&mut out, "helps:", &helps);
        list(&mut out, "call when:", &e.call_when);
        list(&mut out, "emergency when:", &e.emergency_when);
        list(
            &mut out,
            &format!("sources (confidence {}, from {}):", e.confidence, e.effective_date),
            &e.sources,
        );
    }
    let l = &catalog.lipid_rescue;
    let _ = writeln!(
        out,
        "\nLipid rescue for local anesthetic systemic toxicity (20 % lipid emulsion)"
    );
    let rows = [
        format!(
            "over {} kg: {} mL bolus over {}-{} min, then {}-{} mL over {}-{} min",
            l.weight_threshold_kg,
            l.above_bolus_ml,
            l.bolus_minutes[0],
            l.bolus_minutes[1],
            l.above_infusion_ml[0],
            l.above_infusion_ml[1],
            l.above_infusion_minutes[0],
            l.above_infusion_minutes[1]
        ),
        format!(
            "{} kg or less: {} mL/kg lean body mass over {}-{} min, then {} mL/kg/min",
            l.weight_threshold_kg,
            l.at_or_below_bolus_ml_per_kg,
            l.bolus_minutes[0],
            l.bolus_minutes[1],
            l.at_or_below_infusion_ml_per_kg_per_min
        ),
        format!(
            "if unstable: repeat the bolus up to {} times; infusion up to {} mL/kg/min",
            l.repeat_bolus_max, l.unstable_infusion_ml_per_kg_per_min
        ),
        format!(
            "upper limit about {} mL/kg; continue at least {} min after stability",
            l.max_total_ml_per_kg, l.continue_after_stable_minutes
        ),
        format!(
            "epinephrine at most {} mcg/kg per dose; seizures: {}",
            l.epinephrine_max_mcg_per_kg, l.seizures
        ),
        format!("avoid: {}", l.avoid.join(", ")),
    ];
    list(&mut out, "dosing:", &rows);
    list(
        &mut out,
        &format!("sources (confidence {}, from {}):", l.confidence, l.effective_date),
        &l.sources,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_effects_text_fits_80_columns_and_names_every_effect() {
        let catalog = FollowupCatalog::embedded().expect("catalog");
        let text = side_effects_text(catalog);
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "too long: {line}");
        }
        for e in &catalog.effects {
            assert!(text.contains(&format!("({})", e.id)), "{}", e.id);
        }
        assert!(text.contains("1.5 mL/kg lean body mass"));
    }
}
