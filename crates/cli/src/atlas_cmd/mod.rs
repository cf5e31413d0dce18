//! `taut atlas …`: listings, a muscle's chapter, search and data validation.

mod check;
mod show;

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use taut_atlas::{Atlas, MuscleGroup, REGIONS, Referral, RegionId, SizeClass};

use crate::output::{Failure, print_json};

#[derive(Args)]
pub struct AtlasArgs {
    #[command(subcommand)]
    command: AtlasCommand,
}

#[derive(Subcommand)]
enum AtlasCommand {
    /// List the 86 body regions (the region-id vocabulary).
    Regions {
        #[arg(long)]
        json: bool,
    },
    /// List every muscle, head to foot, with its trigger points and referral zones.
    Muscles {
        #[arg(long)]
        json: bool,
    },
    /// Print one muscle's chapter: trigger points, referral, exam, injection hazards, self-care, sources.
    Show {
        /// Muscle id, name or alias (e.g. trapezius, "peroneus longus").
        muscle: String,
        #[arg(long)]
        json: bool,
    },
    /// Find muscles by name, alias, symptom or region.
    Search {
        text: String,
        #[arg(long)]
        json: bool,
    },
    /// Validate atlas data: the compiled-in atlas, or the given files and directories.
    Check {
        /// Atlas TOML files or directories; the manifest (atlas.toml) is taken from beside them when present.
        paths: Vec<PathBuf>,
        /// A file to validate (same as giving it as a path).
        #[arg(long = "file", value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

pub fn run(args: AtlasArgs) -> Result<(), Failure> {
    if let AtlasCommand::Check { paths, files } = &args.command {
        let all: Vec<PathBuf> = paths.iter().chain(files).cloned().collect();
        return check::run(&all);
    }
    let atlas = Atlas::embedded().map_err(|e| Failure::Found(e.to_string()))?;
    match args.command {
        AtlasCommand::Regions { json } => regions(json),
        AtlasCommand::Muscles { json } => muscles(atlas, json),
        AtlasCommand::Show { muscle, json } => {
            let muscle = atlas.muscle(&muscle).map_err(|e| Failure::Input(e.to_string()))?;
            if json {
                return print_json(muscle);
            }
            print!("{}", show::chapter(muscle));
            Ok(())
        }
        AtlasCommand::Search { text, json } => search(atlas, &text, json),
        AtlasCommand::Check { .. } => unreachable!("handled above"),
    }
}

fn regions(json: bool) -> Result<(), Failure> {
    if json {
        return print_json(&REGIONS[..]);
    }
    println!("{:<20} {:<6} {:<10} {:<28} label", "id", "sided", "group", "views");
    for region in &REGIONS {
        let views: Vec<_> = region.views.iter().map(|v| v.as_str()).collect();
        let group = serde_plain(&region.group);
        let sided = if region.sided { "yes" } else { "no" };
        println!(
            "{:<20} {:<6} {:<10} {:<28} {}",
            region.id,
            sided,
            group,
            views.join(","),
            region.label
        );
    }
    Ok(())
}

/// The `atlas muscles --json` contract: a muscle with its trigger points and their referral zones.
#[derive(Serialize)]
struct MuscleSummary<'a> {
    id: &'a str,
    name: &'a str,
    aliases: &'a [String],
    group: MuscleGroup,
    paired: bool,
    size_class: SizeClass,
    trigger_points: Vec<PointSummary<'a>>,
}

#[derive(Serialize)]
struct PointSummary<'a> {
    id: &'a str,
    name: &'a str,
    local_region: RegionId,
    referral: &'a [Referral],
}

fn muscles(atlas: &Atlas, json: bool) -> Result<(), Failure> {
    if json {
        let summaries: Vec<MuscleSummary<'_>> = atlas
            .muscles()
            .iter()
            .map(|m| MuscleSummary {
                id: &m.id,
                name: &m.name,
                aliases: &m.aliases,
                group: m.group,
                paired: m.paired,
                size_class: m.size_class,
                trigger_points: m
                    .trigger_points
                    .iter()
                    .map(|tp| PointSummary {
                        id: &tp.id,
                        name: &tp.name,
                        local_region: tp.local_region,
                        referral: &tp.referral,
                    })
                    .collect(),
            })
            .collect();
        return print_json(&summaries);
    }
    println!("{:<34} {:<36} {:<13} {:<7} TrPs", "id", "name", "group", "size");
    for m in atlas.muscles() {
        let group = serde_plain(&m.group);
        let size = serde_plain(&m.size_class);
        println!(
            "{:<34} {:<36} {:<13} {:<7} {}",
            m.id,
            m.name,
            group,
            size,
            m.trigger_points.len()
        );
    }
    println!(
        "\n{} muscles, {} trigger points (atlas {})",
        atlas.muscles().len(),
        atlas.trigger_points().count(),
        atlas.version()
    );
    Ok(())
}

fn search(atlas: &Atlas, text: &str, json: bool) -> Result<(), Failure> {
    let hits = atlas.search(text);
    if json {
        return print_json(&hits);
    }
    if hits.is_empty() {
        println!("no muscle matches '{text}'");
        return Ok(());
    }
    for hit in &hits {
        let reasons: Vec<String> = hit
            .matches
            .iter()
            .map(|m| {
                let detail = short(&m.detail, 60);
                match &m.trigger_point {
                    Some(tp) => format!("{} {detail} [{tp}]", m.field),
                    None => format!("{} {detail}", m.field),
                }
            })
            .collect();
        println!("{:<32} {}", hit.muscle.id, reasons.join("; "));
    }
    Ok(())
}

/// At most `max` characters, with an ellipsis when cut.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}

/// The serde name of a unit enum variant (`head-face`), for text output.
pub(crate) fn serde_plain<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
