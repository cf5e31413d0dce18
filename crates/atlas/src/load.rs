//! Reading atlas TOML and validating it into the typed model, collecting every problem instead of the first.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Deserialize;

use crate::model::{Exam, Hazard, Injection, Muscle, Position, Referral, SelfCare, SourceRef, TriggerPoint};
use crate::region::{RegionId, View};
use crate::vocab::{HazardKind, Laterality, MuscleGroup, Palpation, SizeClass, Symptom, Weight};

/// Name of the manifest file (version and bibliography) among the atlas files.
pub const MANIFEST: &str = "atlas.toml";

/// Regions over the thoracic cage, where a needle can reach the lung: trigger points lying there must name
/// a `lung` hazard so that the planner can warn of pneumothorax.
const THORACIC_REGIONS: [&str; 7] = [
    "chest",
    "breast",
    "chest-lateral",
    "sternum",
    "upper-back",
    "interscapular",
    "mid-back",
];

/// How far (as a fraction of the view's width) a right-side point may cross the midline.
const MIDLINE_TOLERANCE: f64 = 0.02;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    version: String,
    #[serde(default)]
    sources: BTreeMap<String, RawBibEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBibEntry {
    citation: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    muscle: Vec<RawMuscle>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMuscle {
    id: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    group: MuscleGroup,
    paired: bool,
    size_class: SizeClass,
    innervation: String,
    action: String,
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    trigger_point: Vec<RawTriggerPoint>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    #[serde(rename = "ref")]
    key: Option<String>,
    chapter: Option<String>,
    number: Option<u32>,
    citation: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTriggerPoint {
    id: String,
    name: String,
    #[serde(default)]
    location: String,
    view: View,
    x: f64,
    y: f64,
    local_region: String,
    #[serde(default)]
    referral: Vec<RawReferral>,
    #[serde(default)]
    symptoms: Vec<String>,
    symptom_notes: Option<String>,
    #[serde(default)]
    factors: Vec<String>,
    exam: RawExam,
    injection: RawInjection,
    self_care: RawSelfCare,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReferral {
    region: String,
    weight: Weight,
    laterality: Option<Laterality>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExam {
    position: String,
    palpation: Palpation,
    method: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInjection {
    position: String,
    approach: String,
    #[serde(default)]
    hazards: Vec<RawHazard>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHazard {
    kind: HazardKind,
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelfCare {
    pressure: String,
    stretch: String,
}

/// One thing wrong with the atlas data, located by file and record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// The record the problem is in (`trapezius`, `trapezius/trapezius-upper`); empty for the whole file.
    pub record: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.record.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.record, self.message)
        }
    }
}

/// The atlas data failed validation.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the atlas has {} problem(s):\n{}", .problems.len(), list(.problems))]
pub struct AtlasError {
    pub problems: Vec<Problem>,
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Everything read from the files, before it becomes an [`crate::Atlas`].
pub(crate) struct Loaded {
    pub version: String,
    pub bibliography: BTreeMap<String, String>,
    pub muscles: Vec<Muscle>,
}

/// Parses and validates a manifest and muscle files (`(file name, contents)`, in body order).
pub(crate) fn load(manifest: &str, files: &[(&str, &str)]) -> Result<Loaded, AtlasError> {
    let mut problems = Vec::new();
    let raw_manifest = match toml::from_str::<RawManifest>(manifest) {
        Ok(m) => m,
        Err(e) => {
            return Err(AtlasError {
                problems: vec![Problem {
                    file: MANIFEST.into(),
                    record: String::new(),
                    message: e.to_string(),
                }],
            });
        }
    };
    let bibliography: BTreeMap<String, String> = raw_manifest
        .sources
        .into_iter()
        .map(|(key, entry)| (key, entry.citation))
        .collect();

    let mut muscles = Vec::new();
    for (file, contents) in files {
        match toml::from_str::<RawFile>(contents) {
            Ok(raw) => {
                let mut checker = Checker {
                    file,
                    bibliography: &bibliography,
                    problems: &mut problems,
                };
                muscles.extend(raw.muscle.into_iter().map(|m| checker.muscle(m)));
            }
            Err(e) => problems.push(Problem {
                file: (*file).into(),
                record: String::new(),
                message: e.to_string(),
            }),
        }
    }
    check_unique(&muscles, &mut problems);
    if problems.is_empty() {
        Ok(Loaded {
            version: raw_manifest.version,
            bibliography,
            muscles,
        })
    } else {
        Err(AtlasError { problems })
    }
}

/// Normalises a name or alias for lookups: lower case, words joined by hyphens.
pub(crate) fn normalise(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Ids and names must each name exactly one muscle, and no alias may be another muscle's id or name. An alias
/// may be shared: a group name such as "hamstrings" on each of its muscles (a lookup by it is then ambiguous
/// and lists them). Trigger point ids must be unique atlas-wide.
fn check_unique(muscles: &[Muscle], problems: &mut Vec<Problem>) {
    let mut own_names: HashMap<String, &str> = HashMap::new();
    let mut points: HashMap<&str, &str> = HashMap::new();
    let mut report = |record: String, message: String| {
        problems.push(Problem {
            file: String::from("(atlas)"),
            record,
            message,
        });
    };
    for muscle in muscles {
        let mut own = vec![muscle.id.clone(), normalise(&muscle.name)];
        own.dedup();
        for name in own {
            if let Some(other) = own_names.insert(name.clone(), &muscle.id) {
                report(
                    muscle.id.clone(),
                    format!("duplicate id or name '{name}', also used by muscle '{other}'"),
                );
            }
        }
        for tp in &muscle.trigger_points {
            if let Some(other) = points.insert(&tp.id, &muscle.id) {
                report(
                    format!("{}/{}", muscle.id, tp.id),
                    format!("duplicate trigger point id '{}', also in muscle '{other}'", tp.id),
                );
            }
        }
    }
    for muscle in muscles {
        for alias in &muscle.aliases {
            let alias = normalise(alias);
            if let Some(other) = own_names.get(&alias).filter(|other| **other != muscle.id) {
                report(
                    muscle.id.clone(),
                    format!("alias '{alias}' is the id or name of muscle '{other}'"),
                );
            }
        }
    }
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

struct Checker<'a> {
    file: &'a str,
    bibliography: &'a BTreeMap<String, String>,
    problems: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    fn report(&mut self, record: &str, message: String) {
        self.problems.push(Problem {
            file: self.file.into(),
            record: record.into(),
            message,
        });
    }

    fn require_text(&mut self, record: &str, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.report(record, format!("{field} is empty"));
        }
    }

    fn muscle(&mut self, raw: RawMuscle) -> Muscle {
        let record = raw.id.clone();
        if !is_kebab_case(&raw.id) {
            self.report(&record, format!("muscle id '{}' is not kebab-case", raw.id));
        }
        self.require_text(&record, "name", &raw.name);
        self.require_text(&record, "innervation", &raw.innervation);
        self.require_text(&record, "action", &raw.action);
        if raw.trigger_point.is_empty() {
            self.report(&record, "muscle has no trigger point".into());
        }
        let sources = self.sources(&record, raw.sources);
        let trigger_points = raw
            .trigger_point
            .into_iter()
            .map(|tp| self.trigger_point(&raw.id, raw.paired, tp))
            .collect();
        Muscle {
            id: raw.id,
            name: raw.name,
            aliases: raw.aliases,
            group: raw.group,
            paired: raw.paired,
            size_class: raw.size_class,
            innervation: raw.innervation,
            action: raw.action,
            sources,
            trigger_points,
        }
    }

    fn sources(&mut self, record: &str, raw: Vec<RawSource>) -> Vec<SourceRef> {
        if raw.is_empty() {
            self.report(record, "muscle cites no source".into());
        }
        let mut sources = Vec::new();
        for source in raw {
            let citation = match (&source.key, &source.citation) {
                (Some(key), _) => match self.bibliography.get(key) {
                    Some(citation) => citation.clone(),
                    None => {
                        let keys: Vec<_> = self.bibliography.keys().map(String::as_str).collect();
                        self.report(
                            record,
                            format!("unknown source key '{key}'; known keys: {}", keys.join(", ")),
                        );
                        continue;
                    }
                },
                (None, Some(citation)) if !citation.trim().is_empty() => citation.clone(),
                _ => {
                    self.report(record, "a source needs a `ref` key or a `citation`".into());
                    continue;
                }
            };
            sources.push(SourceRef {
                key: source.key,
                chapter: source.chapter,
                number: source.number,
                citation,
            });
        }
        sources
    }

    fn region(&mut self, record: &str, field: &str, id: &str) -> Option<RegionId> {
        match RegionId::parse(id) {
            Ok(region) => Some(region),
            Err(e) => {
                self.report(record, format!("{field}: {e}"));
                None
            }
        }
    }

    fn trigger_point(&mut self, muscle: &str, paired: bool, raw: RawTriggerPoint) -> TriggerPoint {
        let record = format!("{muscle}/{}", raw.id);
        if !is_kebab_case(&raw.id) || !raw.id.starts_with(&format!("{muscle}-")) {
            self.report(
                &record,
                format!("trigger point id must be kebab-case and start with '{muscle}-'"),
            );
        }
        self.require_text(&record, "name", &raw.name);
        if raw.location.trim().is_empty() {
            self.report(&record, "trigger point has no location".into());
        }
        let position = self.position(&record, paired, raw.view, raw.x, raw.y);
        let local_region = self.region(&record, "local_region", &raw.local_region);
        if let Some(region) = local_region {
            self.placement(&record, region, position);
        }
        let referral = self.referral(&record, raw.referral);
        let symptoms = raw
            .symptoms
            .iter()
            .filter_map(|s| match Symptom::parse(s) {
                Ok(symptom) => Some(symptom),
                Err(e) => {
                    self.report(&record, e.to_string());
                    None
                }
            })
            .collect();
        for (field, value) in [
            ("exam.position", &raw.exam.position),
            ("exam.method", &raw.exam.method),
            ("injection.position", &raw.injection.position),
            ("injection.approach", &raw.injection.approach),
            ("self_care.pressure", &raw.self_care.pressure),
            ("self_care.stretch", &raw.self_care.stretch),
        ] {
            self.require_text(&record, field, value);
        }
        if raw.factors.is_empty() {
            self.report(&record, "no activating or perpetuating factors".into());
        }
        let hazards: Vec<Hazard> = raw
            .injection
            .hazards
            .into_iter()
            .map(|h| Hazard {
                kind: h.kind,
                note: h.note,
            })
            .collect();
        if THORACIC_REGIONS.contains(&raw.local_region.as_str()) && !hazards.iter().any(|h| h.kind == HazardKind::Lung)
        {
            self.report(
                &record,
                format!("lies over the thorax ({}) but names no `lung` hazard", raw.local_region),
            );
        }
        TriggerPoint {
            id: raw.id,
            name: raw.name,
            location: raw.location,
            position,
            // An unknown region was reported above, and a reported problem fails the whole load.
            local_region: local_region.unwrap_or(RegionId::PLACEHOLDER),
            referral,
            symptoms,
            symptom_notes: raw.symptom_notes,
            factors: raw.factors,
            exam: Exam {
                position: raw.exam.position,
                palpation: raw.exam.palpation,
                method: raw.exam.method,
            },
            injection: Injection {
                position: raw.injection.position,
                approach: raw.injection.approach,
                hazards,
            },
            self_care: SelfCare {
                pressure: raw.self_care.pressure,
                stretch: raw.self_care.stretch,
            },
        }
    }

    fn position(&mut self, record: &str, paired: bool, view: View, x: f64, y: f64) -> Position {
        let inside = |v: f64| (0.0..=1.0).contains(&v);
        if !inside(x) || !inside(y) {
            self.report(
                record,
                format!("coordinates ({x}, {y}) lie outside the {} view (0..1)", view.as_str()),
            );
        }
        // Right-side points: the patient's right is the viewer's left from the front, right from behind.
        let wrong_half = match view {
            View::Anterior => x > 0.5 + MIDLINE_TOLERANCE,
            View::Posterior => x < 0.5 - MIDLINE_TOLERANCE,
            View::HeadLateral => false,
        };
        if paired && wrong_half {
            self.report(
                record,
                format!(
                    "x = {x} puts this right-side point on the left half of the {} view",
                    view.as_str()
                ),
            );
        }
        Position { view, x, y }
    }

    /// A trigger point must be drawn on a view that shows its local region, at that region's height.
    fn placement(&mut self, record: &str, region: RegionId, position: Position) {
        let info = region.region();
        if !info.views.contains(&position.view) {
            let views: Vec<&str> = info.views.iter().map(|v| v.as_str()).collect();
            self.report(
                record,
                format!(
                    "view {} does not show its local region {region} (shown on: {})",
                    position.view.as_str(),
                    views.join(", ")
                ),
            );
        } else if position.view != View::HeadLateral {
            let (top, bottom) = info.group.y_band();
            if !(top..=bottom).contains(&position.y) {
                self.report(
                    record,
                    format!(
                        "y = {} lies outside the height of its local region {region} ({top}..{bottom})",
                        position.y
                    ),
                );
            }
        }
    }

    fn referral(&mut self, record: &str, raw: Vec<RawReferral>) -> Vec<Referral> {
        let mut zones: Vec<Referral> = Vec::new();
        for zone in raw {
            let Some(region) = self.region(record, "referral", &zone.region) else {
                continue;
            };
            let laterality = match (region.sided(), zone.laterality) {
                (true, laterality) => Some(laterality.unwrap_or_default()),
                (false, None) => None,
                (false, Some(_)) => {
                    self.report(record, format!("region '{region}' is midline and takes no laterality"));
                    None
                }
            };
            // A region may appear twice with different lateralities (essential on the same side, spillover
            // across the midline), never twice with the same one.
            if zones.iter().any(|z| z.region == region && z.laterality == laterality) {
                self.report(
                    record,
                    format!("referral lists region '{region}' twice with the same laterality"),
                );
                continue;
            }
            zones.push(Referral {
                region,
                weight: zone.weight,
                laterality,
            });
        }
        if !zones.iter().any(|z| z.weight == Weight::Essential) {
            self.report(record, "trigger point has no essential referral zone".into());
        }
        zones
    }
}
