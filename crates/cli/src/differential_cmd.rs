//! `taut differential`: a pain drawing in, ranked and explained trigger points out.

use std::fmt::Write;

use clap::Args;
use taut_atlas::{Atlas, RegionRef, Side, Symptom};
use taut_core::differential::{BodySide, Differential, Drawing, DrawnRegion, FindingStatus, PriorFinding, Ranker};

use crate::output::{Failure, print_json};

#[derive(Args)]
pub struct DifferentialArgs {
    /// A painful region: `id` (midline) or `id:left|right|both` (`taut atlas regions` lists the ids). Repeat it.
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// Pain intensity 0-10 of a drawn region: `REGION=N` (e.g. temple:right=7). Regions without one count as 5.
    #[arg(long = "intensity", value_name = "REGION=N")]
    intensities: Vec<String>,
    /// A symptom qualifier (numbness, tingling, dizziness, …); trigger points known to cause it rank higher.
    #[arg(long = "symptom", value_name = "SYMPTOM")]
    symptoms: Vec<String>,
    /// A trigger point found on exam: `TRIGGER_POINT:SIDE` (side omitted for a midline muscle).
    #[arg(long = "confirmed", value_name = "TRIGGER_POINT:SIDE")]
    confirmed: Vec<String>,
    /// A trigger point examined and not found: `TRIGGER_POINT:SIDE`.
    #[arg(long = "ruled-out", value_name = "TRIGGER_POINT:SIDE")]
    ruled_out: Vec<String>,
    /// How many candidates to list.
    #[arg(long, default_value_t = 10)]
    top: usize,
    #[arg(long)]
    json: bool,
}

pub fn run(args: DifferentialArgs) -> Result<(), Failure> {
    let atlas = Atlas::embedded().map_err(|e| Failure::Found(e.to_string()))?;
    let drawing = drawing(&args).map_err(Failure::Input)?;
    drawing.validate(atlas).map_err(|e| Failure::Input(e.to_string()))?;
    if args.top == 0 {
        return Err(Failure::Input("--top must be at least 1".into()));
    }
    let ranker = Ranker::new(atlas);
    let result = ranker.rank(&drawing, args.top);
    if args.json {
        return print_json(&result);
    }
    print!("{}", table(&result));
    Ok(())
}

/// Builds the drawing from the arguments; an error message names the bad value and the valid choices.
fn drawing(args: &DifferentialArgs) -> Result<Drawing, String> {
    let mut regions: Vec<DrawnRegion> = Vec::new();
    for text in &args.regions {
        let region: RegionRef = text.parse().map_err(|e| format!("--region {text}: {e}"))?;
        regions.push(DrawnRegion {
            region,
            intensity: None,
        });
    }
    for text in &args.intensities {
        let (region_text, value_text) = text
            .rsplit_once('=')
            .ok_or_else(|| format!("--intensity {text}: write REGION=N, e.g. temple:right=7"))?;
        let region: RegionRef = region_text.parse().map_err(|e| format!("--intensity {text}: {e}"))?;
        let value: u8 = value_text
            .trim()
            .parse()
            .ok()
            .filter(|v| *v <= 10)
            .ok_or_else(|| format!("--intensity {text}: intensity must be a whole number from 0 to 10"))?;
        let mut applied = false;
        for drawn in regions.iter_mut().filter(|d| covers(region, d.region)) {
            drawn.intensity = Some(value);
            applied = true;
        }
        if !applied {
            let drawn: Vec<String> = regions.iter().map(|d| d.region.to_string()).collect();
            return Err(format!(
                "--intensity {text}: {region} is not in the drawing; drawn regions: {}",
                if drawn.is_empty() {
                    "none".to_owned()
                } else {
                    drawn.join(", ")
                }
            ));
        }
    }
    let symptoms = args
        .symptoms
        .iter()
        .map(|s| Symptom::parse(s).map_err(|e| format!("--symptom: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut findings = Vec::new();
    for (texts, status) in [
        (&args.confirmed, FindingStatus::Confirmed),
        (&args.ruled_out, FindingStatus::RuledOut),
    ] {
        for text in texts {
            findings.push(PriorFinding::parse(text, status).map_err(|e| format!("finding {e}"))?);
        }
    }
    Ok(Drawing {
        regions,
        symptoms,
        findings,
    })
}

/// An intensity written for `temple` (both sides) applies to `temple:left` and `temple:right` too.
fn covers(intensity: RegionRef, drawn: RegionRef) -> bool {
    intensity.region == drawn.region && (intensity.side == drawn.side || intensity.side == Some(Side::Both))
}

fn side_label(side: Option<BodySide>) -> &'static str {
    side.map_or("midline", BodySide::as_str)
}

/// The readable ranked table with reasons.
fn table(result: &Differential<'_>) -> String {
    let mut out = String::new();
    if result.candidates.is_empty() {
        out.push_str("No trigger point in the atlas refers pain to this drawing.\n");
    }
    for (i, c) in result.candidates.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:>2}. {:.2}  {} ({}), {} — {}",
            i + 1,
            c.score,
            c.muscle.name,
            side_label(c.side),
            c.point.name,
            c.point.id
        );
        let explains: Vec<String> = c
            .explains
            .iter()
            .map(|e| {
                format!(
                    "{} ({})",
                    e.region,
                    if e.weight == taut_atlas::Weight::Essential {
                        "essential"
                    } else {
                        "spillover"
                    }
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "      explains {:.0}% of the drawing: {}",
            c.coverage * 100.0,
            explains.join(", ")
        );
        if !c.missing.is_empty() {
            let missing: Vec<String> = c.missing.iter().map(ToString::to_string).collect();
            let _ = writeln!(out, "      essential zone not drawn: {}", missing.join(", "));
        }
        if !c.symptoms_matched.is_empty() {
            let matched: Vec<&str> = c.symptoms_matched.iter().map(|s| s.as_str()).collect();
            let _ = writeln!(out, "      known to cause: {}", matched.join(", "));
        }
        let _ = writeln!(out, "      confirm: {} — {}", c.point.location, c.point.exam.method);
    }
    if !result.combinations.is_empty() {
        let _ = writeln!(out, "\nSmallest combinations explaining at least 90% of the drawing:");
        for combination in &result.combinations {
            let members: Vec<String> = combination
                .trigger_points
                .iter()
                .map(|c| format!("{} ({})", c.point.id, side_label(c.side)))
                .collect();
            let _ = writeln!(out, "  {:.0}%  {}", combination.coverage * 100.0, members.join(" + "));
        }
    }
    if !result.unexplained.is_empty() {
        let spots: Vec<String> = result.unexplained.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "\nNot explained by any listed candidate: {}", spots.join(", "));
    }
    out.push_str("\nA ranked list guides the examination; it is not a diagnosis. Confirm each point on exam.\n");
    out
}
