//! Evaluation of the differential against literature cases, with the pain-guide baseline in the same run.
//!
//! A case is a drawing as a patient would make it and the muscle(s) its source names as the cause. A case is a
//! hit at k when one of those muscles is among the first k distinct muscles of the ranking.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use taut_atlas::{Atlas, Muscle};

use crate::differential::{Drawing, DrawingInput, Ranker, RegionInput};

/// The evaluation set kept in the repository (`eval/cases.toml`).
pub const CASES: &str = include_str!("../../../eval/cases.toml");

/// The cut-offs reported.
pub const CUTOFFS: [usize; 3] = [1, 3, 5];

/// Where a case's drawing comes from. The two kinds are reported apart: a drawing built from the Manual's
/// pattern tests whether the ranker recovers the atlas's own source, a drawing as a case report describes it
/// tests the ranker on what patients actually present with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseKind {
    /// The drawing follows the Manual's referral pattern (possibly completing a report's complaint from it).
    #[default]
    Pattern,
    /// The drawing is the complaint as a published case report or series describes it, nothing added.
    Report,
}

impl CaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Pattern => "pattern",
            CaseKind::Report => "report",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    pub area: String,
    #[serde(default)]
    pub kind: CaseKind,
    pub description: String,
    pub regions: Vec<String>,
    #[serde(default)]
    pub intensity: BTreeMap<String, u8>,
    #[serde(default)]
    pub symptoms: Vec<String>,
    pub expected: Vec<String>,
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    case: Vec<Case>,
}

/// A case that cannot be evaluated: the set itself is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read the cases: {0}")]
    Parse(String),
    #[error("case {case}: {problem}")]
    Case { case: String, problem: String },
}

/// Parses an evaluation set.
pub fn parse_cases(text: &str) -> Result<Vec<Case>, EvalError> {
    toml::from_str::<CaseFile>(text)
        .map(|f| f.case)
        .map_err(|e| EvalError::Parse(e.to_string()))
}

impl Case {
    /// The case as a drawing, checked against the vocabulary and the atlas.
    pub fn drawing(&self, atlas: &Atlas) -> Result<Drawing, EvalError> {
        let fail = |problem: String| EvalError::Case {
            case: self.id.clone(),
            problem,
        };
        for muscle in &self.expected {
            atlas.muscle(muscle).map_err(|e| fail(e.to_string()))?;
        }
        for key in self.intensity.keys() {
            if !self.regions.contains(key) {
                return Err(fail(format!("intensity for {key}, which is not in the drawing")));
            }
        }
        let input = DrawingInput {
            regions: self
                .regions
                .iter()
                .map(|r| RegionInput::Detailed {
                    region: r.clone(),
                    side: None,
                    intensity: self.intensity.get(r).map(|v| i64::from(*v)),
                })
                .collect(),
            symptoms: self.symptoms.clone(),
            ..DrawingInput::default()
        };
        input.drawing(atlas).map_err(|e| fail(e.to_string()))
    }
}

/// The pain-guide baseline: muscles ranked by how many drawn regions (ignoring side and intensity) any of their
/// trigger points' zones touch, ties in atlas order. This is what the Manual's pain guides and existing apps
/// offer, one region at a time.
pub fn pain_guide<'a>(atlas: &'a Atlas, drawing: &Drawing) -> Vec<&'a Muscle> {
    let mut drawn: Vec<_> = drawing.regions.iter().map(|r| r.region.region).collect();
    drawn.sort();
    drawn.dedup();
    let mut counted: Vec<(usize, usize, &Muscle)> = atlas
        .muscles()
        .iter()
        .enumerate()
        .map(|(order, muscle)| {
            let touched = drawn
                .iter()
                .filter(|region| {
                    muscle
                        .trigger_points
                        .iter()
                        .any(|tp| tp.referral.iter().any(|z| z.region == **region))
                })
                .count();
            (touched, order, muscle)
        })
        .filter(|(touched, _, _)| *touched > 0)
        .collect();
    counted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    counted.into_iter().map(|(_, _, m)| m).collect()
}

/// Distinct muscles of the ranker's output, in rank order.
pub fn ranked_muscles<'a>(ranker: &Ranker<'a>, drawing: &Drawing) -> Vec<&'a Muscle> {
    let mut muscles: Vec<&Muscle> = Vec::new();
    for candidate in ranker.rank(drawing, usize::MAX).candidates {
        if !muscles.iter().any(|m| m.id == candidate.muscle.id) {
            muscles.push(candidate.muscle);
        }
    }
    muscles
}

/// Hit rates at 1, 3 and 5.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct HitRates {
    pub top1: f64,
    pub top3: f64,
    pub top5: f64,
}

/// One case's outcome for both methods: the rank (1-based) of the first expected muscle, if listed at all.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub case: String,
    pub area: String,
    pub kind: CaseKind,
    pub expected: Vec<String>,
    pub ranker_rank: Option<usize>,
    pub baseline_rank: Option<usize>,
    /// The ranker's first five muscles.
    pub ranker_top: Vec<String>,
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub cases: usize,
    pub ranker: HitRates,
    pub baseline: HitRates,
    pub areas: BTreeMap<String, AreaReport>,
    /// The same rates for each kind of case (`pattern`, `report`).
    pub kinds: BTreeMap<CaseKind, AreaReport>,
    pub outcomes: Vec<Outcome>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaReport {
    pub cases: usize,
    pub ranker: HitRates,
    pub baseline: HitRates,
}

fn rank_of(muscles: &[&Muscle], expected: &[String], atlas: &Atlas) -> Option<usize> {
    let ids: Vec<&str> = expected
        .iter()
        .filter_map(|e| atlas.muscle(e).ok())
        .map(|m| m.id.as_str())
        .collect();
    muscles.iter().position(|m| ids.contains(&m.id.as_str())).map(|i| i + 1)
}

fn rates<'o>(outcomes: impl Iterator<Item = &'o Outcome> + Clone, pick: fn(&Outcome) -> Option<usize>) -> HitRates {
    let n = outcomes.clone().count().max(1) as f64;
    let at = |k: usize| outcomes.clone().filter(|o| pick(o).is_some_and(|r| r <= k)).count() as f64 / n;
    HitRates {
        top1: at(CUTOFFS[0]),
        top3: at(CUTOFFS[1]),
        top5: at(CUTOFFS[2]),
    }
}

/// Runs every case through the ranker and the baseline.
pub fn evaluate(ranker: &Ranker<'_>, cases: &[Case]) -> Result<Report, EvalError> {
    let atlas = ranker.atlas();
    let mut outcomes = Vec::new();
    for case in cases {
        let drawing = case.drawing(atlas)?;
        let ranked = ranked_muscles(ranker, &drawing);
        let baseline = pain_guide(atlas, &drawing);
        outcomes.push(Outcome {
            case: case.id.clone(),
            area: case.area.clone(),
            kind: case.kind,
            expected: case.expected.clone(),
            ranker_rank: rank_of(&ranked, &case.expected, atlas),
            baseline_rank: rank_of(&baseline, &case.expected, atlas),
            ranker_top: ranked.iter().take(5).map(|m| m.id.clone()).collect(),
        });
    }
    let group = |of: &dyn Fn(&Outcome) -> bool| {
        let cases = outcomes.iter().filter(|o| of(o));
        AreaReport {
            cases: cases.clone().count(),
            ranker: rates(cases.clone(), |o| o.ranker_rank),
            baseline: rates(cases, |o| o.baseline_rank),
        }
    };
    let mut areas = BTreeMap::new();
    for area in outcomes.iter().map(|o| o.area.clone()) {
        areas
            .entry(area.clone())
            .or_insert_with(|| group(&|o: &Outcome| o.area == area));
    }
    let mut kinds = BTreeMap::new();
    for kind in outcomes.iter().map(|o| o.kind) {
        kinds
            .entry(kind)
            .or_insert_with(|| group(&|o: &Outcome| o.kind == kind));
    }
    Ok(Report {
        cases: outcomes.len(),
        ranker: rates(outcomes.iter(), |o| o.ranker_rank),
        baseline: rates(outcomes.iter(), |o| o.baseline_rank),
        areas,
        kinds,
        outcomes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let atlas = Atlas::embedded().expect("atlas");
        let cases = parse_cases(CASES).expect("cases parse");
        evaluate(&Ranker::new(atlas), &cases).expect("every case is valid")
    }

    #[test]
    fn the_set_covers_the_whole_body_with_sourced_cases() {
        let cases = parse_cases(CASES).expect("cases parse");
        assert!(cases.len() >= 60, "only {} cases", cases.len());
        for area in [
            "head-face",
            "neck-shoulder",
            "arm-hand",
            "trunk-pelvis",
            "hip-thigh",
            "leg-foot",
        ] {
            let n = cases.iter().filter(|c| c.area == area).count();
            assert!(n >= 8, "area {area} has only {n} cases");
        }
        let mut ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), cases.len(), "case ids are unique");
        assert!(
            cases
                .iter()
                .all(|c| !c.source.trim().is_empty() && !c.expected.is_empty())
        );
    }

    /// The acceptance bar. On the drawings built from the Manual's patterns (the set the bar was set for): top-3 of
    /// at least 0.90. On the published case reports, harder because patients draw what they feel rather than a
    /// pattern: better than the pain-guide baseline at top-1 and top-3. And better than the baseline overall.
    #[test]
    fn the_ranker_reaches_the_bar_and_beats_the_pain_guide() {
        let report = report();
        let pattern = &report.kinds[&CaseKind::Pattern];
        assert!(
            pattern.ranker.top3 >= 0.90,
            "ranker top-3 on the pattern cases {:.3} < 0.90",
            pattern.ranker.top3
        );
        for (what, r) in [
            ("all cases", (&report.ranker, &report.baseline)),
            (
                "case reports",
                (
                    &report.kinds[&CaseKind::Report].ranker,
                    &report.kinds[&CaseKind::Report].baseline,
                ),
            ),
        ] {
            let (ranker, baseline) = r;
            assert!(
                ranker.top3 > baseline.top3 && ranker.top1 > baseline.top1,
                "{what}: ranker {ranker:?} does not beat the baseline {baseline:?}"
            );
        }
    }

    /// The published case reports and series: enough of them, each with its own citation (not only the
    /// Manual), and a kind that the report separates.
    #[test]
    fn the_set_holds_cited_case_reports() {
        let cases = parse_cases(CASES).expect("cases parse");
        let reports: Vec<&Case> = cases.iter().filter(|c| c.kind == CaseKind::Report).collect();
        assert!(reports.len() >= 42, "only {} case-report cases", reports.len());
        for case in &reports {
            assert!(
                !case.source.starts_with("T&S"),
                "{}: a case report must cite the report, not the Manual",
                case.id
            );
        }
        assert_eq!(report().kinds[&CaseKind::Report].cases, reports.len());
    }

    #[test]
    fn hit_rates_are_cumulative() {
        let report = report();
        for rates in [report.ranker, report.baseline] {
            assert!(
                rates.top1 <= rates.top3 && rates.top3 <= rates.top5 && rates.top5 <= 1.0,
                "{rates:?}"
            );
        }
    }

    #[test]
    fn a_case_with_an_unknown_muscle_or_region_is_rejected() {
        let atlas = Atlas::embedded().expect("atlas");
        let text = r#"
[[case]]
id = "x"
area = "head-face"
description = "d"
regions = ["tempel:right"]
expected = ["trapezius"]
source = "s"
"#;
        let cases = parse_cases(text).expect("parses");
        let err = evaluate(&Ranker::new(atlas), &cases).expect_err("bad region");
        assert!(err.to_string().contains("did you mean temple"), "{err}");
        let cases = parse_cases(
            &text
                .replace("tempel", "temple")
                .replace("\"trapezius\"", "\"trapezoid\""),
        )
        .expect("parses");
        assert!(evaluate(&Ranker::new(atlas), &cases).is_err());
    }

    #[test]
    fn the_baseline_counts_touched_regions_ignoring_side() {
        let atlas = Atlas::embedded().expect("atlas");
        let drawing = Case {
            id: "b".into(),
            area: "head-face".into(),
            kind: CaseKind::Pattern,
            description: String::new(),
            regions: vec!["temple:left".into(), "neck-posterior:right".into()],
            intensity: BTreeMap::new(),
            symptoms: vec![],
            expected: vec!["trapezius".into()],
            source: String::new(),
        }
        .drawing(atlas)
        .expect("valid");
        let ranked = pain_guide(atlas, &drawing);
        // Trapezius touches both regions (sides ignored), so it ranks above any muscle touching one.
        let trapezius = ranked.iter().position(|m| m.id == "trapezius").expect("listed");
        let temporalis = ranked.iter().position(|m| m.id == "temporalis").expect("listed");
        assert!(trapezius < temporalis);
    }
}
