//! The side-effect catalog and the follow-up rules, compiled in from `catalog/side-effects.toml` and
//! `catalog/followup.toml` and validated when first used (unknown fields and unknown vocabularies are refused).

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use super::FollowupError;
use crate::plan::{AgentRef, Catalog};

const SIDE_EFFECTS: &str = include_str!("../../../../catalog/side-effects.toml");
const FOLLOWUP: &str = include_str!("../../../../catalog/followup.toml");

/// The classes of treatment a side effect or a follow-up check applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgentClass {
    Toxin,
    LocalAnesthetic,
    Steroid,
    DryNeedling,
    /// Any injected agent; the needle's own effects apply to it.
    AnyInjection,
}

impl AgentClass {
    pub const CHOICES: &'static str = "toxin, local-anesthetic, steroid, dry-needling, any-injection";

    pub fn as_str(self) -> &'static str {
        match self {
            AgentClass::Toxin => "toxin",
            AgentClass::LocalAnesthetic => "local-anesthetic",
            AgentClass::Steroid => "steroid",
            AgentClass::DryNeedling => "dry-needling",
            AgentClass::AnyInjection => "any-injection",
        }
    }

    /// The classes an agent of the drug catalog belongs to (an injected drug is also `any-injection`); manual
    /// pressure belongs to none.
    pub fn of_agent(catalog: &Catalog, agent: &str) -> Result<Vec<AgentClass>, FollowupError> {
        let own = match catalog.agent(agent) {
            Some(AgentRef::Toxin(_)) => AgentClass::Toxin,
            Some(AgentRef::Anesthetic(_)) => AgentClass::LocalAnesthetic,
            Some(AgentRef::Steroid(_)) => AgentClass::Steroid,
            Some(AgentRef::Method("dry-needling")) => return Ok(vec![AgentClass::DryNeedling]),
            Some(AgentRef::Method(_)) => return Ok(Vec::new()),
            None => {
                return Err(FollowupError::UnknownAgent {
                    given: agent.to_owned(),
                    choices: catalog.agent_ids().join(", "),
                });
            }
        };
        Ok(vec![own, AgentClass::AnyInjection])
    }
}

impl fmt::Display for AgentClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
}

impl TimeUnit {
    fn label(self, n: u32) -> &'static str {
        match (self, n == 1) {
            (TimeUnit::Seconds, true) => "second",
            (TimeUnit::Seconds, false) => "seconds",
            (TimeUnit::Minutes, true) => "minute",
            (TimeUnit::Minutes, false) => "minutes",
            (TimeUnit::Hours, true) => "hour",
            (TimeUnit::Hours, false) => "hours",
            (TimeUnit::Days, true) => "day",
            (TimeUnit::Days, false) => "days",
            (TimeUnit::Weeks, true) => "week",
            (TimeUnit::Weeks, false) => "weeks",
            (TimeUnit::Months, true) => "month",
            (TimeUnit::Months, false) => "months",
        }
    }

    /// The date `n` units after `start`. Event dates are whole days, so a span shorter than a day ends on the
    /// next day at the latest (rounded up); months are calendar months, the day clamped to the month's end.
    pub fn add(self, start: Date, n: u32) -> Option<Date> {
        let n64 = u64::from(n);
        let days = match self {
            TimeUnit::Seconds => n64.div_ceil(86_400),
            TimeUnit::Minutes => n64.div_ceil(1_440),
            TimeUnit::Hours => n64.div_ceil(24),
            TimeUnit::Days => n64,
            TimeUnit::Weeks => n64 * 7,
            TimeUnit::Months => return add_months(start, n),
        };
        start.checked_add(Duration::days(i64::try_from(days).ok()?))
    }
}

fn add_months(start: Date, n: u32) -> Option<Date> {
    let index = i64::from(start.year()) * 12 + i64::from(u8::from(start.month())) - 1 + i64::from(n);
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = start.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day).ok()
}

/// When an effect usually starts, after the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Onset {
    pub from: u32,
    /// `None` when the source gives no upper bound ("hours to weeks").
    pub to: Option<u32>,
    pub unit: TimeUnit,
}

/// How long an effect usually lasts, from its onset.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    pub typical: Option<u32>,
    /// The end of the usual window: an event still open after onset + `max` is overdue.
    pub max: u32,
    pub unit: TimeUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HelpKind {
    Heat,
    Ice,
    Medication,
    Rest,
    Position,
    Other,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Help {
    pub kind: HelpKind,
    pub text: String,
}

/// One expected or possible effect of treatment.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SideEffect {
    pub id: String,
    pub name: String,
    /// The effect in plain language, for the patient sheet.
    pub plain: String,
    pub applies_to: Vec<AgentClass>,
    pub onset: Onset,
    pub resolution: Option<Resolution>,
    pub helps: Vec<Help>,
    pub call_when: Vec<String>,
    pub emergency_when: Vec<String>,
    pub sources: Vec<String>,
    /// The date the source took effect; the verification day, with a `date_note`, where no source date was found.
    pub effective_date: String,
    /// The day Taut last checked the entry against its sources; never before `effective_date`.
    pub verified: String,
    /// How `effective_date` was obtained (a year or month only, or why the entry is undated).
    pub date_note: Option<String>,
    pub confidence: String,
}

impl SideEffect {
    pub fn applies_to_any(&self, classes: &[AgentClass]) -> bool {
        self.applies_to.iter().any(|c| classes.contains(c))
    }

    /// "0-1 days", "4-10 weeks", "from 0 weeks".
    pub fn onset_text(&self) -> String {
        let o = self.onset;
        match o.to {
            Some(to) if to == o.from => format!("{} {}", o.from, o.unit.label(to)),
            Some(to) => format!("{}-{} {}", o.from, to, o.unit.label(2)),
            None => format!("from {} {}, no upper bound", o.from, o.unit.label(o.from)),
        }
    }

    /// "usually 2, at most 4 weeks", or `None` without a sourced window.
    pub fn resolution_text(&self) -> Option<String> {
        self.resolution.map(|r| match r.typical {
            Some(t) => format!("usually {t}, up to {} {}", r.max, r.unit.label(r.max)),
            None => format!("up to {} {}", r.max, r.unit.label(r.max)),
        })
    }
}

/// 20 % lipid emulsion for local anesthetic systemic toxicity (ASRA 2020), for the clinic.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LipidRescue {
    pub weight_threshold_kg: f64,
    pub above_bolus_ml: f64,
    pub above_infusion_ml: [f64; 2],
    pub above_infusion_minutes: [f64; 2],
    pub at_or_below_bolus_ml_per_kg: f64,
    pub at_or_below_infusion_ml_per_kg_per_min: f64,
    pub unstable_infusion_ml_per_kg_per_min: f64,
    pub bolus_minutes: [f64; 2],
    pub repeat_bolus_max: u32,
    pub max_total_ml_per_kg: f64,
    pub continue_after_stable_minutes: f64,
    pub epinephrine_max_mcg_per_kg: f64,
    pub avoid: Vec<String>,
    pub seizures: String,
    pub sources: Vec<String>,
    /// The date the source took effect; the verification day, with a `date_note`, where no source date was found.
    pub effective_date: String,
    /// The day Taut last checked the entry against its sources; never before `effective_date`.
    pub verified: String,
    /// How `effective_date` was obtained (a year or month only, or why the entry is undated).
    pub date_note: Option<String>,
    pub confidence: String,
}

/// The lipid doses for one patient's lean body weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LipidDose {
    pub weight_kg: f64,
    pub bolus_ml: f64,
    /// Over 70 kg a fixed infusion volume (mL over 15-20 min); otherwise `None` and a rate is given.
    pub infusion_ml: Option<[f64; 2]>,
    pub infusion_ml_per_min: Option<f64>,
    pub max_total_ml: f64,
    pub epinephrine_max_mcg: f64,
}

impl LipidRescue {
    /// The doses for a lean body weight in kg (0 < weight ≤ 300).
    pub fn dose(&self, weight_kg: f64) -> Result<LipidDose, FollowupError> {
        if !weight_kg.is_finite() || weight_kg <= 0.0 || weight_kg > 300.0 {
            return Err(FollowupError::Invalid {
                field: "weight_kg".into(),
                message: format!("{weight_kg} is not a body weight; give the lean body weight in kg (1-300)"),
            });
        }
        let above = weight_kg > self.weight_threshold_kg;
        Ok(LipidDose {
            weight_kg,
            bolus_ml: if above {
                self.above_bolus_ml
            } else {
                self.at_or_below_bolus_ml_per_kg * weight_kg
            },
            infusion_ml: above.then_some(self.above_infusion_ml),
            infusion_ml_per_min: (!above).then_some(self.at_or_below_infusion_ml_per_kg_per_min * weight_kg),
            max_total_ml: self.max_total_ml_per_kg * weight_kg,
            epinephrine_max_mcg: self.epinephrine_max_mcg_per_kg * weight_kg,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    Call,
    Review,
    Outcome,
}

/// A follow-up check that procedures with some agent classes call for.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRule {
    pub id: String,
    pub kind: CheckKind,
    pub name: String,
    pub purpose: String,
    pub applies_to: Vec<AgentClass>,
    pub from_day: u32,
    pub to_day: u32,
    pub sources: Vec<String>,
    /// The date the source took effect; the verification day, with a `date_note`, where no source date was found.
    pub effective_date: String,
    /// The day Taut last checked the entry against its sources; never before `effective_date`.
    pub verified: String,
    /// How `effective_date` was obtained (a year or month only, or why the entry is undated).
    pub date_note: Option<String>,
    pub confidence: String,
}

/// A responder threshold on the pain NRS: a relative (`percent`) or absolute (`points`) reduction.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResponderRule {
    pub id: String,
    pub percent: Option<f64>,
    pub points: Option<f64>,
    pub sources: Vec<String>,
    /// The date the source took effect; the verification day, with a `date_note`, where no source date was found.
    pub effective_date: String,
    /// The day Taut last checked the entry against its sources; never before `effective_date`.
    pub verified: String,
    /// How `effective_date` was obtained (a year or month only, or why the entry is undated).
    pub date_note: Option<String>,
    pub confidence: String,
}

/// Self-care doses for the patient sheet.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SelfCareDose {
    pub pressure_hold_seconds: [u32; 2],
    pub stretch_hold_seconds: [u32; 2],
    pub stretch_hold_seconds_older: [u32; 2],
    pub stretch_days_per_week: u32,
    pub stretch_daily_best: bool,
    pub heat_first: bool,
    pub sources: Vec<String>,
    /// The date the source took effect; the verification day, with a `date_note`, where no source date was found.
    pub effective_date: String,
    /// The day Taut last checked the entry against its sources; never before `effective_date`.
    pub verified: String,
    /// How `effective_date` was obtained (a year or month only, or why the entry is undated).
    pub date_note: Option<String>,
    pub confidence: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SideEffectFile {
    version: String,
    effect: Vec<SideEffect>,
    lipid_rescue: LipidRescue,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FollowupFile {
    version: String,
    check: Vec<CheckRule>,
    responder: Vec<ResponderRule>,
    self_care: SelfCareDose,
}

/// The side-effect catalog and follow-up rules.
#[derive(Debug, Clone, Serialize)]
pub struct FollowupCatalog {
    pub version: String,
    pub effects: Vec<SideEffect>,
    pub lipid_rescue: LipidRescue,
    pub checks: Vec<CheckRule>,
    pub responders: Vec<ResponderRule>,
    pub self_care: SelfCareDose,
}

const CONFIDENCES: &[&str] = &["H", "M", "L"];

/// Sources, dates and confidence of one entry: `dates` is `[effective_date, verified]`. An entry whose effective
/// date is only the verification day must say so in `date_note`.
fn check_provenance(
    what: &str,
    sources: &[String],
    dates: [&str; 2],
    date_note: Option<&str>,
    confidence: &str,
) -> Result<(), String> {
    if sources.is_empty() || sources.iter().any(|s| s.trim().is_empty()) {
        return Err(format!("{what}: every entry needs at least one non-empty source"));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let [effective, verified] = dates;
    let effective = Date::parse(effective, format)
        .map_err(|_| format!("{what}: effective_date {effective:?} is not YYYY-MM-DD"))?;
    let verified =
        Date::parse(verified, format).map_err(|_| format!("{what}: verified {verified:?} is not YYYY-MM-DD"))?;
    if effective > verified {
        return Err(format!(
            "{what}: effective_date {effective} is after verified {verified}"
        ));
    }
    if effective == verified && date_note.is_none_or(|n| n.trim().is_empty()) {
        return Err(format!(
            "{what}: effective_date equals verified ({verified}); give the source's own date or a date_note saying it is undated"
        ));
    }
    if !CONFIDENCES.contains(&confidence) {
        return Err(format!("{what}: confidence {confidence:?} is not one of H, M, L"));
    }
    Ok(())
}

impl FollowupCatalog {
    /// The catalog compiled into this binary.
    pub fn embedded() -> Result<&'static FollowupCatalog, &'static FollowupError> {
        static CATALOG: OnceLock<Result<FollowupCatalog, FollowupError>> = OnceLock::new();
        CATALOG
            .get_or_init(|| FollowupCatalog::parse(SIDE_EFFECTS, FOLLOWUP))
            .as_ref()
    }

    /// Parses and validates the two files.
    pub fn parse(side_effects: &str, followup: &str) -> Result<FollowupCatalog, FollowupError> {
        let bad = |file: &str, e: String| FollowupError::Catalog(format!("catalog/{file}: {e}"));
        let effects: SideEffectFile =
            toml::from_str(side_effects).map_err(|e| bad("side-effects.toml", e.to_string()))?;
        let rules: FollowupFile = toml::from_str(followup).map_err(|e| bad("followup.toml", e.to_string()))?;
        let catalog = FollowupCatalog {
            version: effects.version,
            effects: effects.effect,
            lipid_rescue: effects.lipid_rescue,
            checks: rules.check,
            responders: rules.responder,
            self_care: rules.self_care,
        };
        catalog.validate_effects().map_err(|e| bad("side-effects.toml", e))?;
        catalog
            .validate_rules(&rules.version)
            .map_err(|e| bad("followup.toml", e))?;
        Ok(catalog)
    }

    fn validate_effects(&self) -> Result<(), String> {
        let mut seen = std::collections::BTreeSet::new();
        for e in &self.effects {
            let what = format!("effect {}", e.id);
            if !seen.insert(e.id.as_str()) {
                return Err(format!("{what}: duplicate id"));
            }
            check_provenance(
                &what,
                &e.sources,
                [&e.effective_date, &e.verified],
                e.date_note.as_deref(),
                &e.confidence,
            )?;
            if e.applies_to.is_empty() {
                return Err(format!(
                    "{what}: applies_to is empty (choices: {})",
                    AgentClass::CHOICES
                ));
            }
            if e.onset.to.is_some_and(|to| to < e.onset.from) {
                return Err(format!("{what}: onset ends before it starts"));
            }
            if let Some(r) = e.resolution
                && (r.max == 0 || r.typical.is_some_and(|t| t > r.max))
            {
                return Err(format!("{what}: resolution needs 0 < typical <= max"));
            }
            if e.call_when.is_empty() && e.emergency_when.is_empty() {
                return Err(format!("{what}: say when to call or when to go to emergency care"));
            }
        }
        let l = &self.lipid_rescue;
        check_provenance(
            "lipid_rescue",
            &l.sources,
            [&l.effective_date, &l.verified],
            l.date_note.as_deref(),
            &l.confidence,
        )
    }

    fn validate_rules(&self, version: &str) -> Result<(), String> {
        if version != self.version {
            return Err(format!(
                "version {version} differs from side-effects.toml's {}",
                self.version
            ));
        }
        for c in &self.checks {
            let what = format!("check {}", c.id);
            check_provenance(
                &what,
                &c.sources,
                [&c.effective_date, &c.verified],
                c.date_note.as_deref(),
                &c.confidence,
            )?;
            if c.from_day > c.to_day || c.applies_to.is_empty() {
                return Err(format!("{what}: needs from_day <= to_day and at least one agent class"));
            }
        }
        for r in &self.responders {
            let what = format!("responder {}", r.id);
            check_provenance(
                &what,
                &r.sources,
                [&r.effective_date, &r.verified],
                r.date_note.as_deref(),
                &r.confidence,
            )?;
            if r.percent.is_some() == r.points.is_some() {
                return Err(format!("{what}: give exactly one of percent and points"));
            }
        }
        for id in ["responder_30", "responder_50", "responder_2_points"] {
            if !self.responders.iter().any(|r| r.id == id) {
                return Err(format!("responder {id} is missing"));
            }
        }
        let s = &self.self_care;
        check_provenance(
            "self_care",
            &s.sources,
            [&s.effective_date, &s.verified],
            s.date_note.as_deref(),
            &s.confidence,
        )
    }

    /// Finds an effect by id, ignoring case; the error lists the valid ids.
    pub fn effect(&self, id: &str) -> Result<&SideEffect, FollowupError> {
        self.effects
            .iter()
            .find(|e| e.id.eq_ignore_ascii_case(id.trim()))
            .ok_or_else(|| FollowupError::UnknownEffect {
                given: id.to_owned(),
                choices: self.effect_ids().join(", "),
            })
    }

    pub fn effect_ids(&self) -> Vec<&str> {
        self.effects.iter().map(|e| e.id.as_str()).collect()
    }

    /// The effects that apply to any of these classes, in catalog order.
    pub fn effects_for(&self, classes: &[AgentClass]) -> Vec<&SideEffect> {
        self.effects.iter().filter(|e| e.applies_to_any(classes)).collect()
    }

    pub(crate) fn responder(&self, id: &str) -> &ResponderRule {
        // Validation guarantees the three thresholds the summary uses are present.
        self.responders
            .iter()
            .find(|r| r.id == id)
            .unwrap_or(&self.responders[0])
    }
}
