//! Red flags: conditions a trigger point pattern resembles that need other care first (cardiac ischaemia, cauda
//! equina, giant cell arteritis, …). The rules are cited data in `catalog/red-flags.toml`; this module only
//! loads, checks and applies them. A flag is a prompt to ask and examine, never a diagnosis.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use taut_atlas::{RegionId, Symptom};

use super::drawing::{BodySide, Drawing, Sex, Spot};

const CATALOG: &str = include_str!("../../../../catalog/red-flags.toml");

/// A raised red flag, as the differential's JSON shows it: `{"code", "message", "action", "source"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedFlag {
    pub code: String,
    pub message: String,
    pub action: String,
    pub source: String,
}

/// The red-flag rules, loaded and checked against the atlas vocabularies.
#[derive(Debug)]
pub struct RedFlagCatalog {
    version: String,
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    code: String,
    message: String,
    action: String,
    source: String,
    when: Vec<Clause>,
}

/// One `when` table: every part must hold.
#[derive(Debug, Default)]
struct Clause {
    regions: Vec<RegionId>,
    both_sides: Vec<RegionId>,
    symptoms: Vec<Symptom>,
    age_at_least: Option<u8>,
    sex: Option<Sex>,
}

/// A catalog file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("catalog/red-flags.toml: {0}")]
pub struct RedFlagError(String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: String,
    rule: Vec<RuleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    code: String,
    #[allow(
        dead_code,
        reason = "documents the rule in the file; the message names it for the reader"
    )]
    condition: String,
    message: String,
    action: String,
    source: String,
    /// The date the source took effect; checked on load, kept in the data for review.
    effective_date: String,
    /// The day Taut verified the rule against its source; never before `effective_date`.
    verified: String,
    /// How `effective_date` was obtained, or why the rule is undated (required when it equals `verified`).
    date_note: Option<String>,
    #[allow(dead_code, reason = "kept in the data for review; not shown")]
    confidence: String,
    when: Vec<ClauseFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClauseFile {
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    both_sides: Vec<String>,
    #[serde(default)]
    symptoms: Vec<String>,
    age_at_least: Option<u8>,
    sex: Option<Sex>,
}

/// A rule's effective date and verification day are dates, in that order; a rule dated only by the day it was
/// verified says why in its `date_note`.
fn dates_in_order(effective: &str, verified: &str, note: Option<&str>) -> Result<(), String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let parse = |field: &str, value: &str| {
        time::Date::parse(value, format).map_err(|_| format!("{field} {value:?} is not YYYY-MM-DD"))
    };
    let (from, checked) = (parse("effective_date", effective)?, parse("verified", verified)?);
    if from > checked {
        return Err(format!("effective_date {effective} is after verified {verified}"));
    }
    if from == checked && note.is_none_or(|n| n.trim().is_empty()) {
        return Err(format!(
            "effective_date equals verified ({verified}); give the source's own date or a date_note saying it is undated"
        ));
    }
    Ok(())
}

impl RedFlagCatalog {
    /// The catalog compiled into this binary, parsed and checked on first use.
    pub fn embedded() -> Result<&'static RedFlagCatalog, &'static RedFlagError> {
        static CATALOG_CELL: OnceLock<Result<RedFlagCatalog, RedFlagError>> = OnceLock::new();
        CATALOG_CELL.get_or_init(|| RedFlagCatalog::parse(CATALOG)).as_ref()
    }

    /// Parses a catalog, refusing unknown region ids and symptoms, a rule without a source or a condition, and
    /// an empty `when` table (which would raise the flag for every drawing).
    pub fn parse(text: &str) -> Result<RedFlagCatalog, RedFlagError> {
        let file: File = toml::from_str(text).map_err(|e| RedFlagError(e.to_string()))?;
        let mut rules = Vec::new();
        for rule in file.rule {
            let at = |message: String| RedFlagError(format!("rule '{}': {message}", rule.code));
            for (field, value) in [
                ("code", &rule.code),
                ("message", &rule.message),
                ("action", &rule.action),
                ("source", &rule.source),
            ] {
                if value.trim().is_empty() {
                    return Err(at(format!("{field} is empty")));
                }
            }
            dates_in_order(&rule.effective_date, &rule.verified, rule.date_note.as_deref()).map_err(at)?;
            if rules.iter().any(|r: &Rule| r.code == rule.code) {
                return Err(at("duplicate code".into()));
            }
            if rule.when.is_empty() {
                return Err(at("has no `when` table".into()));
            }
            let mut when = Vec::new();
            for clause in rule.when {
                let region = |id: &String| -> Result<RegionId, RedFlagError> {
                    RegionId::parse(id).map_err(|e| at(e.to_string()))
                };
                let parsed = Clause {
                    regions: clause.regions.iter().map(region).collect::<Result<_, _>>()?,
                    both_sides: clause.both_sides.iter().map(region).collect::<Result<_, _>>()?,
                    symptoms: clause
                        .symptoms
                        .iter()
                        .map(|s| Symptom::parse(s).map_err(|e| at(e.to_string())))
                        .collect::<Result<_, _>>()?,
                    age_at_least: clause.age_at_least,
                    sex: clause.sex,
                };
                if parsed.regions.is_empty() && parsed.both_sides.is_empty() && parsed.symptoms.is_empty() {
                    return Err(at("a `when` table needs regions, both_sides or symptoms".into()));
                }
                if let Some(sided) = parsed.both_sides.iter().find(|r| !r.sided()) {
                    return Err(at(format!("both_sides lists the midline region '{sided}'")));
                }
                when.push(parsed);
            }
            rules.push(Rule {
                code: rule.code,
                message: rule.message,
                action: rule.action,
                source: rule.source,
                when,
            });
        }
        Ok(RedFlagCatalog {
            version: file.version,
            rules,
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// Every rule's code, in catalog order.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.code.as_str())
    }

    /// The flags a drawing raises, in catalog order. An age or sex condition that cannot be checked because the
    /// patient's age or sex was not given does not rule a flag out: the flag is raised and says so.
    pub fn check(&self, drawing: &Drawing) -> Vec<RedFlag> {
        let spots = drawing.spots();
        let mut flags = Vec::new();
        for rule in &self.rules {
            let Some(unchecked) = rule.when.iter().find_map(|clause| clause.holds(drawing, &spots)) else {
                continue;
            };
            let mut message = rule.message.clone();
            for note in unchecked {
                message.push(' ');
                message.push_str(&note);
            }
            flags.push(RedFlag {
                code: rule.code.clone(),
                message,
                action: rule.action.clone(),
                source: rule.source.clone(),
            });
        }
        flags
    }
}

impl Clause {
    /// `None` when the clause does not hold; otherwise notes on the conditions that could not be checked.
    fn holds(&self, drawing: &Drawing, spots: &[(Spot, u8)]) -> Option<Vec<String>> {
        let drawn_on = |side: BodySide| {
            spots
                .iter()
                .any(|(s, _)| s.side == Some(side) && self.both_sides.contains(&s.region))
        };
        let regions = self.regions.is_empty() || spots.iter().any(|(s, _)| self.regions.contains(&s.region));
        let both = self.both_sides.is_empty() || BodySide::BOTH.iter().all(|side| drawn_on(*side));
        let symptoms = self.symptoms.is_empty() || self.symptoms.iter().any(|s| drawing.symptoms.contains(s));
        if !(regions && both && symptoms) {
            return None;
        }
        let mut unchecked = Vec::new();
        match (self.age_at_least, drawing.age) {
            (Some(min), Some(age)) if age < min => return None,
            (Some(min), None) => unchecked.push(format!("(Age not given: this applies from {min} years.)")),
            _ => {}
        }
        match (self.sex, drawing.sex.filter(|s| *s != Sex::Unknown)) {
            (Some(wanted), Some(sex)) if wanted != sex => return None,
            (Some(wanted), None) => unchecked.push(format!("(Sex not given: this applies to {}.)", wanted.as_str())),
            _ => {}
        }
        Some(unchecked)
    }
}

#[cfg(test)]
mod tests {
    use taut_atlas::RegionRef;

    use super::*;
    use crate::differential::DrawnRegion;

    fn drawing(regions: &[&str], symptoms: &[&str], age: Option<u8>) -> Drawing {
        Drawing {
            regions: regions
                .iter()
                .map(|r| DrawnRegion {
                    region: r.parse::<RegionRef>().expect("region"),
                    intensity: None,
                })
                .collect(),
            symptoms: symptoms.iter().map(|s| Symptom::parse(s).expect("symptom")).collect(),
            age,
            ..Drawing::default()
        }
    }

    fn codes(d: &Drawing) -> Vec<String> {
        let catalog = RedFlagCatalog::embedded().expect("catalog loads");
        catalog.check(d).into_iter().map(|f| f.code).collect()
    }

    /// Drawing, symptoms, age, the flags expected (in catalog order), and the source of the expectation.
    type Row<'a> = (&'a [&'a str], &'a [&'a str], Option<u8>, &'a [&'a str], &'a str);

    #[test]
    fn flags_follow_their_sources() {
        #[rustfmt::skip]
        let rows: &[Row<'_>] = &[
            // AHA/ACC 2021: chest pain is an anginal equivalent; the drawing alone cannot say it is not angina.
            (&["chest:left", "sternum", "upper-arm-medial:left"], &[], None, &["cardiac-chest-pain"], "AHA/ACC 2021"),
            // NICE CG95: discomfort in the chest, neck, shoulders, jaw or arms precipitated by exertion.
            (&["chest:left", "sternum", "upper-arm-medial:left"], &["exertional"], None,
                &["cardiac-exertional", "cardiac-chest-pain"], "NICE CG95"),
            (&["jaw:left"], &["exertional"], None, &["cardiac-exertional"], "NICE CG95: jaw"),
            (&["jaw:left"], &[], None, &[], "jaw pain without exertion is no cardiac flag"),
            // NICE CKS sciatica red flags for cauda equina.
            (&["buttock:right"], &["saddle-numbness"], None, &["cauda-equina"], "saddle anaesthesia"),
            (&["lower-back:left"], &["bladder-bowel-change"], None, &["cauda-equina"], "bladder or bowel change"),
            (&["lower-back:both", "thigh-posterior:both", "calf:both"], &[], None, &["cauda-equina"],
                "bilateral sciatica"),
            (&["lower-back:left", "thigh-posterior:left", "calf:left"], &[], None, &[], "one-sided sciatica"),
            (&["lower-back:left", "calf:left"], &["numbness"], None, &["lumbar-radiculopathy"],
                "NICE CKS: below the knee with numbness"),
            (&["thigh-lateral:left"], &["numbness"], None, &[], "above the knee: no lumbar flag"),
            // ACR 1990 / BSR 2020: 50 or older with new headache, jaw claudication, visual symptoms.
            (&["temple:right"], &["jaw-claudication"], Some(72), &["giant-cell-arteritis"], "ACR 1990: age 72"),
            (&["temple:right"], &["new-headache"], Some(50), &["giant-cell-arteritis"], "ACR 1990: age 50"),
            (&["temple:right"], &["new-headache"], Some(49), &[], "ACR 1990: under 50"),
            (&["temple:right"], &[], Some(72), &[], "temple pain alone is not new headache"),
            // NICE NG158, Wells: calf swelling.
            (&["calf:right"], &["calf-swelling"], None, &["deep-vein-thrombosis"], "Wells: calf swelling"),
            (&["calf:right"], &[], None, &[], "calf pain alone"),
            // NICE CKS low back pain red flags.
            (&["neck-posterior:left"], &["weight-loss"], None, &["malignancy"], "unexplained weight loss"),
            (&["mid-back:left"], &["cancer-history", "night-pain"], None, &["malignancy"], "history of cancer"),
            (&["lower-back:right"], &["fever"], None, &["infection"], "fever"),
            // Carnett 1926 / Suleiman 2001: abdominal pain may be visceral.
            (&["abdomen-lower:right"], &[], None, &["visceral-abdominal"], "abdominal wall vs viscera"),
            // NICE CKS carpal tunnel and cervical radiculopathy.
            (&["index-finger:right", "thumb:right"], &["tingling"], None,
                &["cervical-radiculopathy", "carpal-tunnel"], "median distribution"),
            (&["little-finger:right"], &["numbness"], None, &["cervical-radiculopathy"], "C8, not median"),
            // A typical myofascial drawing raises nothing.
            (&["temple:right", "neck-posterior:right"], &["dizziness"], Some(40), &[], "trapezius pattern"),
        ];
        for (regions, symptoms, age, expected, why) in rows {
            assert_eq!(
                codes(&drawing(regions, symptoms, *age)),
                *expected,
                "{why}: {regions:?} {symptoms:?}"
            );
        }
    }

    #[test]
    fn an_unknown_age_raises_the_flag_and_says_so() {
        let catalog = RedFlagCatalog::embedded().expect("catalog loads");
        let flags = catalog.check(&drawing(&["temple:left"], &["visual-disturbance"], None));
        assert_eq!(flags.len(), 1);
        assert!(
            flags[0].message.contains("Age not given: this applies from 50 years"),
            "{}",
            flags[0].message
        );
        let known = catalog.check(&drawing(&["temple:left"], &["visual-disturbance"], Some(66)));
        assert!(!known[0].message.contains("Age not given"));
    }

    #[test]
    fn every_rule_is_cited_with_an_action() {
        let catalog = RedFlagCatalog::embedded().expect("catalog loads");
        let file: File = toml::from_str(CATALOG).expect("parses");
        assert_eq!(file.rule.len(), catalog.codes().count());
        for rule in &file.rule {
            assert!(rule.source.len() > 40, "{}: source too thin", rule.code);
            assert!(["H", "M"].contains(&rule.confidence.as_str()), "{}", rule.code);
            assert!(rule.effective_date.len() == 10, "{}", rule.code);
            assert!(
                dates_in_order(&rule.effective_date, &rule.verified, rule.date_note.as_deref()).is_ok(),
                "{}",
                rule.code
            );
            let effective = time::Date::parse(
                &rule.effective_date,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .expect("date");
            assert!(
                effective <= time::OffsetDateTime::now_utc().date(),
                "{}: in the future",
                rule.code
            );
        }
        // The sources' own dates where found: NICE CG95's last update, NICE NG158's month of publication.
        let date_of = |code: &str| {
            file.rule
                .iter()
                .find(|r| r.code == code)
                .map(|r| r.effective_date.as_str())
        };
        assert_eq!(date_of("cardiac-exertional"), Some("2016-11-30"));
        assert_eq!(date_of("deep-vein-thrombosis"), Some("2020-03-01"));
        // The loader refuses an effective date after the verification day and an undated rule without a note.
        let future = CATALOG.replacen("effective_date = \"2016-11-30\"", "effective_date = \"2027-11-30\"", 1);
        let err = RedFlagCatalog::parse(&future).expect_err("after verified");
        assert!(err.to_string().contains("after verified"), "{err}");
        let silent = CATALOG.replacen(
            "\ndate_note = \"the guideline's publication",
            "\n# date_note = \"the guideline's publication",
            1,
        );
        let err = RedFlagCatalog::parse(&silent).expect_err("undated without a note");
        assert!(err.to_string().contains("date_note"), "{err}");
        let expected = [
            "cardiac-exertional",
            "cardiac-chest-pain",
            "cauda-equina",
            "lumbar-radiculopathy",
            "cervical-radiculopathy",
            "carpal-tunnel",
            "giant-cell-arteritis",
            "deep-vein-thrombosis",
            "malignancy",
            "infection",
            "visceral-abdominal",
        ];
        assert_eq!(catalog.codes().collect::<Vec<_>>(), expected);
    }

    const RULE_HEAD: &str = "version = \"t\"\n[[rule]]\ncode = \"x\"\ncondition = \"c\"\nmessage = \"m\"\naction = \"a\"\n\
                             source = \"s\"\neffective_date = \"2026-01-01\"\nverified = \"2026-11-26\"\n\
                             confidence = \"H\"\n";

    #[test]
    fn bad_catalogs_are_refused_with_the_problem_named() {
        let cases = [
            ("[[rule.when]]\nregions = [\"elbow-lateral-ish\"]\n", "unknown region"),
            ("[[rule.when]]\nsymptoms = [\"chest-ache\"]\n", "unknown symptom"),
            (
                "[[rule.when]]\nage_at_least = 50\n",
                "needs regions, both_sides or symptoms",
            ),
            ("[[rule.when]]\nboth_sides = [\"sternum\"]\n", "midline region"),
            ("", "missing field `when`"),
        ];
        for (when, message) in cases {
            let err = RedFlagCatalog::parse(&format!("{RULE_HEAD}{when}")).expect_err(message);
            assert!(err.to_string().contains(message), "{err}");
        }
    }

    #[test]
    fn a_sex_condition_holds_only_for_that_sex_or_an_unknown_one() {
        let catalog = RedFlagCatalog::parse(&format!(
            "{RULE_HEAD}[[rule.when]]\nregions = [\"breast\"]\nsex = \"female\"\n"
        ))
        .expect("valid");
        let mut d = drawing(&["breast:left"], &[], None);
        let unknown = catalog.check(&d);
        assert!(unknown[0].message.contains("Sex not given"));
        d.sex = Some(Sex::Male);
        assert!(catalog.check(&d).is_empty());
        d.sex = Some(Sex::Female);
        assert_eq!(catalog.check(&d)[0].message, "m");
        d.sex = Some(Sex::Unknown);
        assert!(catalog.check(&d)[0].message.contains("Sex not given"));
    }
}
