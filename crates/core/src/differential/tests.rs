//! Behaviour of the ranking on a small hand-made atlas, where every expected value can be worked out by hand,
//! and properties over the real atlas.

use proptest::prelude::*;
use taut_atlas::{Atlas, MANIFEST, RegionId, RegionRef, Symptom};

use super::*;

const MANIFEST_TOML: &str = "version = \"test\"\n[sources.s]\ncitation = \"Test source\"\n";

/// Builds one trigger point (id `<muscle>-tp`) per muscle with the given zones.
fn muscle(id: &str, paired: bool, zones: &str, symptoms: &str) -> String {
    let view = if paired {
        "x = 0.4\ny = 0.15\nview = \"anterior\""
    } else {
        "x = 0.5\ny = 0.15\nview = \"anterior\""
    };
    format!(
        r#"
[[muscle]]
id = "{id}"
name = "{id}"
group = "neck"
paired = {paired}
size_class = "small"
innervation = "n"
action = "a"
sources = [{{ ref = "s" }}]
[[muscle.trigger_point]]
id = "{id}-tp"
name = "{id} point"
location = "somewhere"
{view}
local_region = "neck-lateral"
referral = [{zones}]
symptoms = [{symptoms}]
factors = ["strain"]
self_care = {{ pressure = "p", stretch = "s" }}
exam = {{ position = "p", palpation = "flat", method = "m" }}
injection = {{ position = "p", approach = "a", hazards = [] }}
"#
    )
}

fn atlas(muscles: &[String]) -> Atlas {
    let body = muscles.concat();
    Atlas::from_files(&[(MANIFEST, MANIFEST_TOML), ("1.toml", &body)]).unwrap_or_else(|e| panic!("{e}"))
}

fn draw(regions: &[&str]) -> Drawing {
    Drawing {
        regions: regions
            .iter()
            .map(|r| DrawnRegion {
                region: r.parse::<RegionRef>().expect("region"),
                intensity: None,
            })
            .collect(),
        ..Drawing::default()
    }
}

fn ids(result: &Differential<'_>) -> Vec<String> {
    result
        .candidates
        .iter()
        .map(|c| format!("{}:{}", c.point.id, c.side.map_or("midline", BodySide::as_str)))
        .collect()
}

const E: &str = "weight = \"essential\"";
const S: &str = "weight = \"spillover\"";

#[test]
fn ipsilateral_contralateral_and_bilateral_zones_follow_the_side() {
    let atlas = atlas(&[
        muscle("ipsi", true, &format!("{{ region = \"temple\", {E} }}"), ""),
        muscle(
            "contra",
            true,
            &format!("{{ region = \"temple\", {E}, laterality = \"contralateral\" }}"),
            "",
        ),
        muscle(
            "bilat",
            true,
            &format!("{{ region = \"temple\", {E}, laterality = \"bilateral\" }}"),
            "",
        ),
    ]);
    let ranker = Ranker::new(&atlas);
    let result = ranker.rank(&draw(&["temple:right"]), 10);
    let found = ids(&result);
    for expected in ["ipsi-tp:right", "contra-tp:left", "bilat-tp:left", "bilat-tp:right"] {
        assert!(
            found.contains(&expected.to_owned()),
            "{expected} missing from {found:?}"
        );
    }
    for absent in ["ipsi-tp:left", "contra-tp:right"] {
        assert!(
            !found.contains(&absent.to_owned()),
            "{absent} should not explain temple:right"
        );
    }
}

#[test]
fn midline_regions_match_either_side_and_midline_muscles_refer_to_both_sides() {
    let atlas = atlas(&[
        muscle("paired", true, &format!("{{ region = \"sternum\", {E} }}"), ""),
        muscle("single", false, &format!("{{ region = \"buttock\", {E} }}"), ""),
    ]);
    let ranker = Ranker::new(&atlas);
    let sternum = ids(&ranker.rank(&draw(&["sternum"]), 10));
    assert_eq!(sternum, ["paired-tp:left", "paired-tp:right"]);
    let buttock = ranker.rank(&draw(&["buttock:left"]), 10);
    assert_eq!(ids(&buttock), ["single-tp:midline"]);
    assert_eq!(
        buttock.candidates[0].missing.len(),
        1,
        "the right buttock is an undrawn essential zone"
    );
}

#[test]
fn essential_beats_spillover_and_missing_essential_zones_cost() {
    let atlas = atlas(&[
        muscle(
            "spill",
            true,
            &format!("{{ region = \"eye\", {E} }}, {{ region = \"temple\", {S} }}"),
            "",
        ),
        muscle("exact", true, &format!("{{ region = \"temple\", {E} }}"), ""),
        muscle(
            "broad",
            true,
            &format!("{{ region = \"temple\", {E} }}, {{ region = \"jaw\", {E} }}"),
            "",
        ),
    ]);
    let ranker = Ranker::new(&atlas);
    let result = ranker.rank(&draw(&["temple:right"]), 10);
    assert_eq!(ids(&result), ["exact-tp:right", "broad-tp:right", "spill-tp:right"]);
    let by = |id: &str| result.candidates.iter().find(|c| c.point.id == id).expect(id);
    // Scores are the fit mapped into [0.01, 0.99]: 0.01 + 0.98 × fit.
    // exact: all explained, nothing missing: fit 1.
    assert!((by("exact-tp").score - 0.99).abs() < 1e-9);
    // broad: all explained, half of its essential zones missing: fit 1 × (1 − 0.4 × 1/2) = 0.8.
    assert!((by("broad-tp").score - (0.01 + 0.98 * 0.8)).abs() < 1e-9);
    // spill: explained at half credit, its only essential zone missing: fit 0.5 × (1 − 0.4) = 0.3.
    assert!((by("spill-tp").score - (0.01 + 0.98 * 0.3)).abs() < 1e-9);
    assert_eq!(
        by("broad-tp")
            .missing
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["jaw:right"]
    );
}

#[test]
fn rare_regions_weigh_more_than_common_ones() {
    // Three points refer to the neck, one to the eye: explaining the eye is worth more than explaining the neck.
    let atlas = atlas(&[
        muscle("eyeonly", true, &format!("{{ region = \"eye\", {E} }}"), ""),
        muscle("neck1", true, &format!("{{ region = \"neck-posterior\", {E} }}"), ""),
        muscle("neck2", true, &format!("{{ region = \"neck-posterior\", {E} }}"), ""),
        muscle("neck3", true, &format!("{{ region = \"neck-posterior\", {E} }}"), ""),
    ]);
    let ranker = Ranker::new(&atlas);
    let eye = RegionId::lookup("eye").expect("eye");
    let neck = RegionId::lookup("neck-posterior").expect("neck");
    assert!(ranker.specificity(eye) > ranker.specificity(neck));
    let result = ranker.rank(&draw(&["eye:left", "neck-posterior:left"]), 10);
    assert_eq!(result.candidates[0].point.id, "eyeonly-tp");
    // Each explains half the drawing; the rarer region makes the better fit.
    assert!((result.candidates[0].coverage - 0.5).abs() < 1e-9);
    assert!((result.candidates[1].coverage - 0.5).abs() < 1e-9);
    assert!(result.candidates[0].score > result.candidates[1].score);
}

#[test]
fn intensity_weights_the_drawing() {
    let atlas = atlas(&[
        muscle("templ", true, &format!("{{ region = \"temple\", {E} }}"), ""),
        muscle("jawm", true, &format!("{{ region = \"jaw\", {E} }}"), ""),
    ]);
    let ranker = Ranker::new(&atlas);
    let mut drawing = draw(&["temple:right", "jaw:right"]);
    drawing.regions[0].intensity = Some(9);
    drawing.regions[1].intensity = Some(2);
    assert_eq!(ranker.rank(&drawing, 10).candidates[0].point.id, "templ-tp");
    drawing.regions[0].intensity = Some(2);
    drawing.regions[1].intensity = Some(9);
    assert_eq!(ranker.rank(&drawing, 10).candidates[0].point.id, "jawm-tp");
}

#[test]
fn symptoms_and_findings_move_candidates() {
    let atlas = atlas(&[
        muscle("plain", true, &format!("{{ region = \"temple\", {E} }}"), ""),
        muscle(
            "dizzy",
            true,
            &format!("{{ region = \"temple\", {E} }}"),
            "\"dizziness\"",
        ),
    ]);
    let ranker = Ranker::new(&atlas);
    let mut drawing = draw(&["temple:right"]);
    assert_eq!(
        ranker.rank(&drawing, 1).candidates[0].point.id,
        "plain-tp",
        "atlas order breaks the tie"
    );
    drawing.symptoms = vec![Symptom::parse("dizziness").expect("symptom")];
    let top = &ranker.rank(&drawing, 1).candidates[0];
    assert_eq!(top.point.id, "dizzy-tp");
    assert_eq!(top.symptoms_matched.len(), 1);

    drawing.findings = vec![PriorFinding {
        trigger_point: "dizzy-tp".into(),
        side: Some(BodySide::Right),
        status: FindingStatus::RuledOut,
    }];
    let result = ranker.rank(&drawing, 10);
    assert_eq!(
        result.candidates[0].point.id, "plain-tp",
        "a ruled-out point drops below"
    );
    let ruled_out = result
        .candidates
        .iter()
        .find(|c| c.point.id == "dizzy-tp")
        .expect("still listed");
    assert!(ruled_out.score < 0.3);
}

#[test]
fn combinations_find_the_smallest_covering_sets() {
    let atlas = atlas(&[
        muscle("head", true, &format!("{{ region = \"temple\", {E} }}"), ""),
        muscle("foot", true, &format!("{{ region = \"heel\", {E} }}"), ""),
        muscle("knee", true, &format!("{{ region = \"knee-anterior\", {E} }}"), ""),
    ]);
    let ranker = Ranker::new(&atlas);
    let result = ranker.rank(&draw(&["temple:right", "heel:left"]), 10);
    assert_eq!(result.combinations.len(), 1);
    let members: Vec<String> = result.combinations[0]
        .trigger_points
        .iter()
        .map(|c| format!("{}:{}", c.point.id, c.side.map_or("midline", BodySide::as_str)))
        .collect();
    assert_eq!(members, ["head-tp:right", "foot-tp:left"]);
    assert!((result.combinations[0].coverage - 1.0).abs() < 1e-9);

    let three = ranker.rank(&draw(&["temple:right", "heel:right", "knee-anterior:right"]), 10);
    assert_eq!(three.combinations[0].trigger_points.len(), 3);
    let none = ranker.rank(&draw(&["temple:both", "heel:both", "knee-anterior:both"]), 10);
    assert!(none.combinations.is_empty(), "six spots need more than three points");
}

#[test]
fn unexplained_lists_what_no_listed_candidate_explains() {
    let atlas = atlas(&[muscle("head", true, &format!("{{ region = \"temple\", {E} }}"), "")]);
    let ranker = Ranker::new(&atlas);
    let result = ranker.rank(&draw(&["temple:right", "heel:right"]), 10);
    assert_eq!(
        result.unexplained.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["heel:right"]
    );
}

#[test]
fn validation_names_the_problem() {
    let atlas = Atlas::embedded().expect("atlas");
    assert_eq!(Drawing::default().validate(atlas), Err(DrawingError::Empty));
    let mut drawing = draw(&["temple:right"]);
    drawing.regions[0].intensity = Some(11);
    assert!(matches!(
        drawing.validate(atlas),
        Err(DrawingError::Intensity { value: 11, .. })
    ));
    let mut drawing = draw(&["temple:right"]);
    drawing.findings = vec![PriorFinding {
        trigger_point: "nope".into(),
        side: None,
        status: FindingStatus::Confirmed,
    }];
    assert_eq!(
        drawing.validate(atlas),
        Err(DrawingError::UnknownTriggerPoint("nope".into()))
    );
}

#[test]
fn json_contract_has_the_documented_fields() {
    let atlas = Atlas::embedded().expect("atlas");
    let ranker = Ranker::new(atlas);
    let result = ranker.rank(&draw(&["temple:right", "neck-posterior:right"]), 3);
    let json = serde_json::to_value(&result).expect("json");
    let first = &json["candidates"][0];
    for field in [
        "rank",
        "muscle",
        "muscle_name",
        "trigger_point",
        "side",
        "fit",
        "coverage",
        "explains",
        "missing",
    ] {
        assert!(first.get(field).is_some(), "candidate lacks {field}: {first}");
    }
    assert_eq!(first["rank"], 1);
    assert_eq!(first["muscle"], "trapezius");
    assert_eq!(first["side"], "right");
    assert!(json["combinations"][0]["trigger_points"].is_array());
    assert!(json["combinations"][0]["coverage"].as_f64().is_some_and(|c| c >= 0.9));
    assert!(json["unexplained"].is_array());
    assert!(first.get("score").is_none(), "the fit is not called a score: {first}");
    assert_eq!(json["red_flags"], serde_json::json!([]));
    let text = serde_json::to_string(&result).expect("json");
    assert!(
        text.find("\"red_flags\"") < text.find("\"candidates\""),
        "red flags come first"
    );
}

/// The issue's drawing: left chest, sternum and inner arm. Chest-wall muscles explain it, and the 2021 AHA/ACC
/// chest pain guideline makes chest pain an anginal equivalent: the cardiac flag is raised from the drawing
/// alone, with its action, before the ranking.
#[test]
fn a_left_chest_and_inner_arm_drawing_raises_the_cardiac_flag_first() {
    let atlas = Atlas::embedded().expect("atlas");
    let ranker = Ranker::new(atlas);
    let result = ranker.rank(&draw(&["chest:left", "sternum", "upper-arm-medial:left"]), 5);
    let codes: Vec<&str> = result.red_flags.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["cardiac-chest-pain"]);
    assert!(result.red_flags[0].source.contains("AHA/ACC"));
    // Sternalis and pectoralis major both refer here; with the medial epicondyle essential in the sternal
    // section's pattern (Fig. 42-1B) and not drawn, the sternalis fits a little better.
    let top: Vec<&str> = result.candidates.iter().take(2).map(|c| c.muscle.id.as_str()).collect();
    assert_eq!(top, ["sternalis", "pectoralis-major"]);
    let json = serde_json::to_value(&result).expect("json");
    for field in ["code", "message", "action", "source"] {
        assert!(
            json["red_flags"][0][field].as_str().is_some_and(|t| !t.is_empty()),
            "{field}"
        );
    }
}

/// One definition of coverage: a single candidate that explains every drawn region covers 100 %, as the
/// one-member combination of that candidate does.
#[test]
fn candidate_and_combination_coverage_agree() {
    let atlas = Atlas::embedded().expect("atlas");
    let ranker = Ranker::new(atlas);
    for drawing in [
        draw(&["temple:right", "neck-posterior:right"]),
        draw(&["lower-back:left", "buttock:left", "hip-lateral:left"]),
        draw(&["chest:left", "sternum", "upper-arm-medial:left"]),
    ] {
        let result = ranker.rank(&drawing, 40);
        for combination in result.combinations.iter().filter(|c| c.trigger_points.len() == 1) {
            let member = &combination.trigger_points[0];
            let listed = result
                .candidates
                .iter()
                .find(|c| c.point.id == member.point.id && c.side == member.side && c.also.iter().all(|a| !a.combined));
            if let Some(listed) = listed {
                assert!(
                    (listed.coverage - combination.coverage).abs() < 1e-9,
                    "{}",
                    member.point.id
                );
            }
        }
        for c in &result.candidates {
            let explained: Vec<_> = c.explains.iter().map(|e| e.region).collect();
            let share = explained.len() as f64 / drawing.spots().len() as f64;
            // Without intensities every spot weighs the same, so coverage is the explained share of spots.
            assert!(
                (c.coverage - share).abs() < 1e-9,
                "{}: {} vs {share}",
                c.point.id,
                c.coverage
            );
        }
    }
}

fn region_strategy() -> impl Strategy<Value = String> {
    (0..taut_atlas::REGIONS.len(), 0..3_usize).prop_map(|(i, side)| {
        let region = &taut_atlas::REGIONS[i];
        match (region.sided, side) {
            (false, _) => region.id.to_owned(),
            (true, 0) => format!("{}:left", region.id),
            (true, 1) => format!("{}:right", region.id),
            (true, _) => format!("{}:both", region.id),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Scores stay in [0, 1], come out sorted, and do not depend on the order the regions were drawn in.
    #[test]
    fn ranking_is_bounded_sorted_and_order_independent(regions in prop::collection::vec(region_strategy(), 1..6)) {
        let atlas = Atlas::embedded().expect("atlas");
        let ranker = Ranker::new(atlas);
        let refs: Vec<&str> = regions.iter().map(String::as_str).collect();
        let forward = ranker.rank(&draw(&refs), usize::MAX);
        let mut reversed_refs = refs.clone();
        reversed_refs.reverse();
        let backward = ranker.rank(&draw(&reversed_refs), usize::MAX);
        for pair in forward.candidates.windows(2) {
            prop_assert!(pair[0].score >= pair[1].score - 1e-9, "sorted to nine decimals");
        }
        for c in &forward.candidates {
            prop_assert!((0.0..=1.0).contains(&c.score));
            prop_assert!(!c.explains.is_empty());
        }
        prop_assert_eq!(ids(&forward), ids(&backward));
        for combination in &forward.combinations {
            prop_assert!(combination.coverage >= 0.9 - 1e-9 && combination.trigger_points.len() <= 3);
        }
    }
}

#[test]
fn each_muscle_and_side_is_listed_once_with_its_other_points() {
    let atlas = Atlas::embedded().expect("atlas");
    let ranker = Ranker::new(atlas);
    let result = ranker.rank(&draw(&["temple:right"]), usize::MAX);
    let mut seen: Vec<(usize, Option<BodySide>)> = Vec::new();
    for c in &result.candidates {
        assert!(
            !seen.contains(&(c.order.0, c.side)),
            "{} listed twice on one side",
            c.muscle.id
        );
        seen.push((c.order.0, c.side));
        assert!(
            c.also.iter().all(|a| a.score <= c.score),
            "the listed point is the muscle's best"
        );
    }
    let temporalis = result
        .candidates
        .iter()
        .find(|c| c.muscle.id == "temporalis")
        .expect("temporalis");
    assert!(
        !temporalis.also.is_empty(),
        "temporalis has several points referring to the temple"
    );
}

#[test]
fn a_muscle_combines_its_trigger_points_when_that_fits_better() {
    let one = muscle("two", true, &format!("{{ region = \"temple\", {E} }}"), "");
    let second_point = one
        .split("[[muscle.trigger_point]]")
        .nth(1)
        .expect("trigger point block")
        .replace("id = \"two-tp\"", "id = \"two-tp2\"")
        .replace("region = \"temple\"", "region = \"jaw\"");
    let rival = muscle(
        "rival",
        true,
        &format!("{{ region = \"temple\", {E} }}, {{ region = \"eye\", {E} }}"),
        "",
    );
    let atlas = atlas(&[format!("{one}\n[[muscle.trigger_point]]{second_point}"), rival]);
    let ranker = Ranker::new(&atlas);
    let result = ranker.rank(&draw(&["temple:right", "jaw:right"]), 10);
    let top = &result.candidates[0];
    assert_eq!(top.muscle.id, "two");
    assert_eq!(
        top.explains.len(),
        2,
        "the muscle's two points explain the drawing together"
    );
    assert_eq!(
        top.also.iter().filter(|a| a.combined).count(),
        1,
        "the other point is combined in"
    );
    // Coverage 1, nothing missing, one added point: fit 0.9 (parsimony), mapped into [0.01, 0.99].
    assert!((top.score - (0.01 + 0.98 * 0.9)).abs() < 1e-9, "{}", top.score);
    assert!(top.missing.is_empty());
}

#[test]
fn findings_are_read_as_trigger_point_and_side() {
    let confirmed = FindingStatus::Confirmed;
    let left = PriorFinding::parse("trapezius-upper-trp1:left", confirmed).expect("valid");
    assert_eq!(
        (left.trigger_point.as_str(), left.side),
        ("trapezius-upper-trp1", Some(BodySide::Left))
    );
    assert_eq!(
        PriorFinding::parse("sphincter-ani-central", confirmed)
            .expect("midline")
            .side,
        None
    );
    let err = PriorFinding::parse("trapezius-upper-trp1:up", confirmed).expect_err("bad side");
    assert!(err.contains("valid sides: left, right"), "{err}");
}

/// The differential as JSON, the form every caller sees.
fn answer(result: &Differential<'_>) -> String {
    serde_json::to_string(result).expect("serialises")
}

/// Scoring only the trigger points the region index selects gives the same answer as scoring the whole atlas,
/// on every drawing of the evaluation set.
#[test]
fn the_region_index_changes_no_answer_on_the_evaluation_cases() {
    let atlas = Atlas::embedded().expect("atlas");
    let ranker = Ranker::new(atlas);
    let cases = crate::eval::parse_cases(crate::eval::CASES).expect("cases");
    assert!(cases.len() > 100, "the evaluation set is loaded");
    for case in &cases {
        let drawing = case.drawing(atlas).expect("drawing");
        assert_eq!(
            answer(&ranker.rank(&drawing, usize::MAX)),
            answer(&ranker.rank_every_point(&drawing, usize::MAX)),
            "{}",
            case.id
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The same on random drawings with exam findings, including a confirmed point whose zones are not drawn
    /// (it is still listed) and a ruled-out one.
    #[test]
    fn the_region_index_changes_no_answer_with_findings(
        regions in prop::collection::vec(region_strategy(), 1..6),
        point in 0..201_usize,
        confirmed in any::<bool>(),
    ) {
        let atlas = Atlas::embedded().expect("atlas");
        let ranker = Ranker::new(atlas);
        let refs: Vec<&str> = regions.iter().map(String::as_str).collect();
        let mut drawing = draw(&refs);
        let points: Vec<_> = atlas.trigger_points().collect();
        let (muscle, tp) = points[point % points.len()];
        let side = if muscle.paired { ":left" } else { "" };
        let status = if confirmed { FindingStatus::Confirmed } else { FindingStatus::RuledOut };
        drawing.findings.push(PriorFinding::parse(&format!("{}{side}", tp.id), status).expect("finding"));
        prop_assert_eq!(
            answer(&ranker.rank(&drawing, usize::MAX)),
            answer(&ranker.rank_every_point(&drawing, usize::MAX))
        );
    }
}
