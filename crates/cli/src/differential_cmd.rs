//! `taut differential`: a pain drawing in, ranked and explained trigger points out.

use clap::Args;
use taut_app::{AppError, Policy, Support, VisitQuestion};
use taut_atlas::{RegionRef, Side};
use taut_core::differential::{BodySide, Differential, DrawingInput, FindingStatus, RegionInput};

use crate::database::{DatabaseArgs, Purpose};
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
    /// The patient's age in years (red flags such as giant cell arteritis depend on it).
    #[arg(long)]
    age: Option<u8>,
    /// The patient's sex: female, male, other or unknown.
    #[arg(long)]
    sex: Option<String>,
    /// Rank from a stored visit instead: its pain drawing, its exam findings (active or latent as confirmed, "not
    /// a trigger point" as ruled out) and the patient's age and sex. Needs --user; the read is audited.
    #[arg(long, value_name = "ENCOUNTER_ID")]
    encounter: Option<String>,
    /// The user reading the records (with --encounter), as `taut user list` shows them.
    #[arg(long, env = "TAUT_USER", value_name = "NAME")]
    user: Option<String>,
    #[command(flatten)]
    database: DatabaseArgs,
    /// How many candidates to list.
    #[arg(long, default_value_t = 10)]
    top: usize,
    #[arg(long)]
    json: bool,
}

pub fn run(args: DifferentialArgs) -> Result<(), Failure> {
    let result = match &args.encounter {
        Some(encounter) => from_encounter(&args, encounter)?,
        None => {
            let support = Support::embedded().map_err(|e| Failure::Found(e.to_string()))?;
            support.differential(&input(&args)?).map_err(|e| failure(&args, e))?
        }
    };
    if args.json {
        return print_json(&result);
    }
    print!("{}", table(&result));
    Ok(())
}

/// `--encounter ID`: the stored visit's drawing and findings, read through the app as `--user` (audited).
fn from_encounter(args: &DifferentialArgs, encounter: &str) -> Result<Differential<'static>, Failure> {
    let drawn = !(args.regions.is_empty()
        && args.intensities.is_empty()
        && args.confirmed.is_empty()
        && args.ruled_out.is_empty()
        && args.age.is_none()
        && args.sex.is_none());
    if drawn {
        return Err(Failure::Input(
            "--encounter takes the drawing, findings, age and sex from the record; give only --symptom, \
             --top and --json with it"
                .into(),
        ));
    }
    let username = args
        .user
        .as_deref()
        .ok_or_else(|| Failure::Input("--encounter needs --user NAME (or TAUT_USER): the read is audited".into()))?;
    let top = i64::try_from(args.top).unwrap_or(i64::MAX);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(e.into()))?;
    runtime.block_on(async {
        let app = args.database.app(Purpose::Clinical, false, Policy::default()).await?;
        let actor = app.local_user(username).await.map_err(|e| failure(args, e))?;
        let ask = VisitQuestion {
            symptoms: args.symptoms.clone(),
            top: Some(top),
        };
        app.encounter_differential(&actor, encounter, ask)
            .await
            .map_err(|e| failure(args, e))
    })
}

/// Bad input exits 2 and names the option it came from; other failures exit 1.
fn failure(args: &DifferentialArgs, error: AppError) -> Failure {
    match error {
        AppError::Invalid(invalid) => Failure::Input(format!("{}: {}", option(args, &invalid.field), invalid.message)),
        AppError::NotFound(_) => Failure::Input(error.to_string()),
        other => Failure::Found(other.to_string()),
    }
}

/// The command-line option behind a field of the drawing input (`regions[1]` is the second `--region`).
fn option(args: &DifferentialArgs, field: &str) -> String {
    let (name, index) = match field.split_once('[') {
        Some((name, rest)) => (name, rest.split(']').next().and_then(|i| i.parse::<usize>().ok())),
        None => (field, None),
    };
    let (flag, values): (&str, &[String]) = match name {
        "regions" => ("--region", &args.regions),
        "symptoms" => ("--symptom", &args.symptoms),
        "confirmed" => ("--confirmed", &args.confirmed),
        "ruled_out" => ("--ruled-out", &args.ruled_out),
        "age" => ("--age", &[]),
        "sex" => ("--sex", &[]),
        "top" => ("--top", &[]),
        other => return other.to_owned(),
    };
    match index.and_then(|i| values.get(i)) {
        Some(value) => format!("{flag} {value}"),
        None => flag.to_owned(),
    }
}

/// The drawing input from the options: `--intensity REGION=N` is applied to the drawn regions it names.
fn input(args: &DifferentialArgs) -> Result<DrawingInput, Failure> {
    let mut intensity: Vec<Option<i64>> = vec![None; args.regions.len()];
    let parsed: Vec<Option<RegionRef>> = args.regions.iter().map(|r| r.parse().ok()).collect();
    for text in &args.intensities {
        let (region_text, value_text) = text
            .rsplit_once('=')
            .ok_or_else(|| Failure::Input(format!("--intensity {text}: write REGION=N, e.g. temple:right=7")))?;
        let region: RegionRef = region_text
            .parse()
            .map_err(|e| Failure::Input(format!("--intensity {text}: {e}")))?;
        let value: i64 = value_text
            .trim()
            .parse()
            .ok()
            .filter(|v| (0..=10).contains(v))
            .ok_or_else(|| {
                Failure::Input(format!(
                    "--intensity {text}: intensity must be a whole number from 0 to 10"
                ))
            })?;
        let mut applied = false;
        for (slot, drawn) in intensity.iter_mut().zip(&parsed) {
            if drawn.is_some_and(|d| covers(region, d)) {
                *slot = Some(value);
                applied = true;
            }
        }
        if !applied {
            let drawn: Vec<String> = parsed.iter().flatten().map(ToString::to_string).collect();
            return Err(Failure::Input(format!(
                "--intensity {text}: {region} is not in the drawing; drawn regions: {}",
                if drawn.is_empty() {
                    "none".to_owned()
                } else {
                    drawn.join(", ")
                }
            )));
        }
    }
    if args.top == 0 {
        return Err(Failure::Input("--top must be at least 1".into()));
    }
    Ok(DrawingInput {
        regions: args
            .regions
            .iter()
            .zip(intensity)
            .map(|(region, intensity)| RegionInput::Detailed {
                region: region.clone(),
                side: None,
                intensity,
            })
            .collect(),
        symptoms: args.symptoms.clone(),
        confirmed: args.confirmed.clone(),
        ruled_out: args.ruled_out.clone(),
        age: args.age.map(i64::from),
        sex: args.sex.clone(),
        top: Some(i64::try_from(args.top).unwrap_or(i64::MAX)),
    })
}

/// An intensity written for `temple` (both sides) applies to `temple:left` and `temple:right` too.
fn covers(intensity: RegionRef, drawn: RegionRef) -> bool {
    intensity.region == drawn.region && (intensity.side == drawn.side || intensity.side == Some(Side::Both))
}

fn side_label(side: Option<BodySide>) -> &'static str {
    side.map_or("midline", BodySide::as_str)
}

/// The text output's width: it must fit an 80-column terminal.
const WIDTH: usize = 80;

/// Appends `text` wrapped to [`WIDTH`], the first line after `first`, the others indented by `rest`.
fn wrapped(out: &mut String, first: &str, rest: &str, text: &str) {
    let options = textwrap::Options::new(WIDTH)
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(true);
    for line in textwrap::wrap(text, options) {
        out.push_str(&line);
        out.push('\n');
    }
}

fn zone_kind(weight: taut_atlas::Weight) -> &'static str {
    if weight == taut_atlas::Weight::Essential {
        "essential"
    } else {
        "spillover"
    }
}

/// The readable report: red flags first, then the ranked trigger points with reasons, within 80 columns.
fn table(result: &Differential<'_>) -> String {
    let mut out = String::new();
    if !result.red_flags.is_empty() {
        out.push_str("RED FLAGS: rule these out before treating trigger points\n");
        for flag in &result.red_flags {
            wrapped(&mut out, "  ! ", "    ", &format!("{} [{}]", flag.message, flag.code));
            wrapped(&mut out, "    Action: ", "      ", &flag.action);
            wrapped(&mut out, "    Source: ", "      ", &flag.source);
        }
        out.push('\n');
    }
    if result.candidates.is_empty() {
        out.push_str("No trigger point in the atlas refers pain to this drawing.\n");
    } else {
        wrapped(
            &mut out,
            "",
            "",
            "Trigger points whose referral patterns fit the drawing, best first. \"Fit\" (0-1) measures how well \
             the drawing matches the atlas pattern; it is not the probability that the point is active. \
             \"Covers\" is the share of the drawn pain inside the point's zones.",
        );
        out.push('\n');
    }
    for (i, c) in result.candidates.iter().enumerate() {
        wrapped(
            &mut out,
            &format!("{:>2}. ", i + 1),
            "    ",
            &format!(
                "{}, {}: {} ({})",
                c.muscle.name,
                side_label(c.side),
                c.point.name,
                c.point.id
            ),
        );
        let mut line = format!("fit {:.2}, covers {:.0}% of the drawing", c.score, c.coverage * 100.0);
        if let Some(finding) = c.finding {
            line.push_str(match finding {
                FindingStatus::Confirmed => "; confirmed on exam",
                FindingStatus::RuledOut => "; ruled out on exam",
            });
        }
        wrapped(&mut out, "    ", "    ", &line);
        let explains: Vec<String> = c
            .explains
            .iter()
            .map(|e| format!("{} ({})", e.region, zone_kind(e.weight)))
            .collect();
        wrapped(&mut out, "    explains: ", "      ", &explains.join(", "));
        let combined: Vec<&str> = c
            .also
            .iter()
            .filter(|a| a.combined)
            .map(|a| a.point.id.as_str())
            .collect();
        if !combined.is_empty() {
            wrapped(
                &mut out,
                "    together with: ",
                "      ",
                &format!("{} (same muscle and side, counted in the fit)", combined.join(", ")),
            );
        }
        if !c.missing.is_empty() {
            let missing: Vec<String> = c.missing.iter().map(ToString::to_string).collect();
            wrapped(
                &mut out,
                "    essential zone not drawn: ",
                "      ",
                &missing.join(", "),
            );
        }
        if !c.symptoms_matched.is_empty() {
            let matched: Vec<&str> = c.symptoms_matched.iter().map(|s| s.as_str()).collect();
            wrapped(&mut out, "    known to cause: ", "      ", &matched.join(", "));
        }
        wrapped(
            &mut out,
            "    confirm: ",
            "      ",
            &format!("{} ({})", c.point.location, c.point.exam.method),
        );
    }
    if !result.combinations.is_empty() {
        out.push('\n');
        wrapped(
            &mut out,
            "",
            "",
            "Smallest sets of trigger points whose zones together cover at least 90% of the drawn pain:",
        );
        for combination in &result.combinations {
            let members: Vec<String> = combination
                .trigger_points
                .iter()
                .map(|c| format!("{} ({})", c.point.id, side_label(c.side)))
                .collect();
            wrapped(
                &mut out,
                &format!("  {:>3.0}%  ", combination.coverage * 100.0),
                "        ",
                &members.join(" + "),
            );
        }
    }
    if !result.unexplained.is_empty() {
        let spots: Vec<String> = result.unexplained.iter().map(ToString::to_string).collect();
        out.push('\n');
        wrapped(
            &mut out,
            "Not explained by any listed candidate: ",
            "  ",
            &spots.join(", "),
        );
    }
    out.push('\n');
    wrapped(
        &mut out,
        "",
        "",
        "A ranked list guides the examination; it is not a diagnosis. Confirm each point on exam.",
    );
    out
}

#[cfg(test)]
mod tests {
    use taut_atlas::Atlas;

    use super::*;

    fn report(regions: &[&str], symptoms: &[&str]) -> String {
        let atlas = Atlas::embedded().expect("atlas");
        let args = DifferentialArgs {
            regions: regions.iter().map(|r| (*r).to_owned()).collect(),
            intensities: Vec::new(),
            symptoms: symptoms.iter().map(|s| (*s).to_owned()).collect(),
            confirmed: Vec::new(),
            ruled_out: Vec::new(),
            age: Some(70),
            sex: None,
            encounter: None,
            user: None,
            database: DatabaseArgs {
                url: None,
                audit_key_file: None,
                pool_size: None,
                statement_timeout_ms: 15_000,
                lock_timeout_ms: 5_000,
                sqlite_synchronous: "full".into(),
            },
            top: 10,
            json: false,
        };
        let support = Support::new(atlas);
        table(&support.differential(&input(&args).expect("input")).expect("valid"))
    }

    #[test]
    fn text_fits_80_columns() {
        for (regions, symptoms) in [
            (
                &["chest:left", "sternum", "upper-arm-medial:left"][..],
                &["exertional"][..],
            ),
            (
                &["lower-back:both", "buttock:both", "thigh-posterior:both", "calf:both"],
                &["saddle-numbness"],
            ),
            (
                &["temple:right", "jaw:right", "tmj:right", "ear:right"],
                &["jaw-claudication", "new-headache"],
            ),
            (
                &["lower-back:left", "buttock:left", "hip-lateral:left", "groin:left"],
                &[],
            ),
        ] {
            let text = report(regions, symptoms);
            for line in text.lines() {
                assert!(
                    line.chars().count() <= WIDTH,
                    "{} columns: {line}",
                    line.chars().count()
                );
            }
        }
    }

    #[test]
    fn red_flags_come_before_the_ranking_and_scores_are_called_fit() {
        let text = report(&["chest:left", "sternum", "upper-arm-medial:left"], &[]);
        let flag = text.find("cardiac-chest-pain").expect("cardiac flag shown");
        let first = text.find(" 1. ").expect("a ranked candidate");
        assert!(flag < first, "{text}");
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words.contains("it is not the probability that the point is active"),
            "{text}"
        );
        assert!(text.contains("fit 0."), "{text}");
    }

    #[test]
    fn combined_points_are_shown() {
        let text = report(
            &["lower-back:left", "buttock:left", "hip-lateral:left", "sacroiliac:left"],
            &[],
        );
        assert!(text.contains("together with: quadratus-lumborum"), "{text}");
    }
}
