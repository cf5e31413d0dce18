//! The drug catalog and the plan templates, compiled in from `catalog/*.toml` with their sources.
//!
//! Limit kinds, confidences and drug classes are enums: a misspelt kind in the data fails to load (and so fails
//! `taut plan catalog --check` and the test suite) instead of silently switching a safety check off.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use taut_atlas::Atlas;
use time::Date;

use super::check::{FindingCode, Severity};

const AGENTS: &str = include_str!("../../../../catalog/agents.toml");
const PROTOCOLS: &str = include_str!("../../../../catalog/protocols.toml");

/// Non-drug treatments a plan item may name instead of an agent.
pub const METHODS: &[&str] = &["dry-needling", "manual-pressure"];

/// How strong the evidence behind a catalog value is (see the head of `catalog/agents.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, strum::Display, strum::EnumString)]
pub enum Confidence {
    /// A label, the manufacturer, CMS or a primary paper.
    H,
    /// A reputable secondary source.
    M,
    /// A weak source: used only for cautious warnings.
    L,
}

/// What a limit constrains. Each kind is read by exactly one rule of the checker.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Deserialize,
    Serialize,
    strum::Display,
    strum::EnumString,
    strum::EnumIter,
    strum::AsRefStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum LimitKind {
    /// Units of a toxin in one session: more is an error.
    SessionMax,
    /// The top of the label's dose range (the label gives a range, not a maximum): more is a warning.
    LabelRangeMax,
    /// Units in any rolling window of `days`, history included.
    WindowMax,
    /// Minimum days since the last session of the same product.
    RetreatmentDays,
    /// Units per injection site.
    PerSiteMaxUnits,
    /// Millilitres per injection site at the reconstitution used.
    PerSiteMaxMl,
    /// Units into one muscle (`muscle`), on one side or on both sides together: a warning.
    PerMuscleMaxUnits,
    /// A weight-based cap for patients under `max_age`: `value` units per kg, never above `cap`.
    WeightMaxUnits,
    /// The age (years) under which the label does not establish safety or recommends against use.
    MinAge,
    /// Milligrams of a corticosteroid in one session.
    SessionMaxMg,
    /// Milligrams of a corticosteroid per injection site.
    PerSiteMaxMg,
    /// Minimum days between corticosteroid injections.
    FrequencyDays,
    /// Corticosteroid injections per rolling year.
    FrequencyPerYear,
    /// Trigger point injection sessions in a rolling 12 months (payer rule).
    TpiSessionsPerYear,
    /// Minimum days before a trigger point injection into the same muscle and side (payer rule).
    TpiSameSiteDays,
}

/// The medication classes the planner checks, recognised by generic and brand name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, strum::Display, strum::EnumString, strum::AsRefStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum DrugClass {
    Anticoagulant,
    Antiplatelet,
    Aminoglycoside,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Toxin {
    pub id: String,
    pub brand: String,
    /// Other names clinicians write (brand names), matched ignoring case.
    #[serde(default)]
    pub aliases: Vec<String>,
    pub vial_units: Vec<u32>,
    /// Saline per 100 vial units; `None` with a ready-made solution or an unverified reconstitution.
    pub diluent_ml_per_100_units: Option<f64>,
    pub solution_units_per_ml: Option<f64>,
    pub hcpcs: String,
    pub billing_unit: u32,
    pub source: String,
    /// The date the source took effect (label revision, code or LCD effective date, publication).
    pub effective_date: String,
    /// The date Taut last checked the value against the source; never before `effective_date`.
    pub verified: String,
    /// How `effective_date` was obtained: a month-only revision (first of the month), or why it is undated.
    pub date_note: Option<String>,
    pub confidence: Confidence,
}

impl Toxin {
    /// Units per 0.1 mL at the catalog's dilution, when it is known.
    pub fn units_per_0_1_ml(&self) -> Option<f64> {
        match (self.solution_units_per_ml, self.diluent_ml_per_100_units) {
            (Some(per_ml), _) => Some(per_ml / 10.0),
            (None, Some(ml_per_100)) => Some(100.0 * 0.1 / ml_per_100),
            (None, None) => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Anesthetic {
    pub id: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub mg_per_kg: f64,
    pub max_mg: f64,
    pub concentrations_percent: Vec<f64>,
    pub source: String,
    /// The date the source took effect (label revision, code or LCD effective date, publication).
    pub effective_date: String,
    /// The date Taut last checked the value against the source; never before `effective_date`.
    pub verified: String,
    /// How `effective_date` was obtained: a month-only revision (first of the month), or why it is undated.
    pub date_note: Option<String>,
    pub confidence: Confidence,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SteroidCode {
    pub code: String,
    pub mg: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Steroid {
    pub id: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub mg_per_ml: f64,
    pub usual_mg: f64,
    /// The HCPCS code and the mg one billing unit stands for.
    pub hcpcs: SteroidCode,
    pub source: String,
    /// The date the source took effect (label revision, code or LCD effective date, publication).
    pub effective_date: String,
    /// The date Taut last checked the value against the source; never before `effective_date`.
    pub verified: String,
    /// How `effective_date` was obtained: a month-only revision (first of the month), or why it is undated.
    pub date_note: Option<String>,
    pub confidence: Confidence,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// An agent id, `*steroid` for every corticosteroid or `*injection` for every injected drug.
    pub agent: String,
    pub kind: LimitKind,
    pub value: f64,
    pub days: Option<u32>,
    /// For a per-muscle limit: the atlas muscle id.
    pub muscle: Option<String>,
    /// For a weight-based limit: the absolute cap in units.
    pub cap: Option<f64>,
    /// For a weight-based limit: it applies below this age (years).
    pub max_age: Option<u32>,
    pub source: String,
    /// The date the source took effect (label revision, code or LCD effective date, publication).
    pub effective_date: String,
    /// The date Taut last checked the value against the source; never before `effective_date`.
    pub verified: String,
    /// How `effective_date` was obtained: a month-only revision (first of the month), or why it is undated.
    pub date_note: Option<String>,
    pub confidence: Confidence,
}

/// A rule of the checker that is not a number on one agent (a warning about both sternocleidomastoids, the
/// pregnancy and breastfeeding warnings, the payer note on toxins, the vial a steroid came from): its
/// severity, source and dates live in the catalog (`[[rule]]`), the logic in the checker. Each rule raises one
/// finding code; a closed list, so a misspelt id fails to load and a missing one fails the catalog check.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Deserialize,
    Serialize,
    strum::Display,
    strum::EnumString,
    strum::EnumIter,
    strum::AsRefStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum RuleId {
    /// Toxin into both sternocleidomastoids in one session.
    ToxinBilateralScm,
    /// Payers may not cover toxin for myofascial pain.
    ToxinCoverage,
    /// Any drug in pregnancy.
    Pregnancy,
    /// A toxin or a corticosteroid while breastfeeding.
    Breastfeeding,
    /// A local anesthetic alone while breastfeeding.
    BreastfeedingLocalAnesthetic,
    /// A recorded steroid whose vial (single-dose or multi-dose) was not recorded: no JW/JZ derived.
    SteroidContainerUnrecorded,
    /// More than one botulinum toxin product in one plan: units are never converted.
    ToxinMixedProducts,
    /// Another botulinum toxin product given within the re-treatment interval.
    ToxinOtherProductInterval,
    /// A corticosteroid in a patient with diabetes.
    SteroidGlucose,
    /// The patient is allergic to a planned agent.
    Allergy,
    /// Infection at the proposed injection site.
    InfectionAtSite,
    /// Needling with a bleeding disorder, anticoagulation or an anticoagulant or antiplatelet drug.
    BleedingRisk,
    /// A toxin in a patient with a neuromuscular disease.
    NeuromuscularDisease,
    /// A toxin in a patient taking an aminoglycoside.
    AminoglycosideInteraction,
    /// Needling a muscle over the lung.
    PneumothoraxRisk,
    /// A local anesthetic for infiltration has no separate drug line.
    AnestheticNotBilled,
}

impl RuleId {
    /// The finding code the rule raises.
    pub fn finding(self) -> FindingCode {
        match self {
            RuleId::ToxinBilateralScm => FindingCode::ToxinBilateralScm,
            RuleId::ToxinCoverage => FindingCode::ToxinCoverage,
            RuleId::Pregnancy => FindingCode::Pregnancy,
            RuleId::Breastfeeding | RuleId::BreastfeedingLocalAnesthetic => FindingCode::Breastfeeding,
            RuleId::SteroidContainerUnrecorded => FindingCode::SteroidContainerUnrecorded,
            RuleId::ToxinMixedProducts => FindingCode::ToxinMixedProducts,
            RuleId::ToxinOtherProductInterval => FindingCode::ToxinRetreatmentInterval,
            RuleId::SteroidGlucose => FindingCode::SteroidGlucose,
            RuleId::Allergy => FindingCode::Allergy,
            RuleId::InfectionAtSite => FindingCode::InfectionAtSite,
            RuleId::BleedingRisk => FindingCode::BleedingRisk,
            RuleId::NeuromuscularDisease => FindingCode::NeuromuscularDisease,
            RuleId::AminoglycosideInteraction => FindingCode::AminoglycosideInteraction,
            RuleId::PneumothoraxRisk => FindingCode::PneumothoraxRisk,
            RuleId::AnestheticNotBilled => FindingCode::AnestheticNotBilled,
        }
    }
}

/// A catalog-held rule: how severe its finding is and where it comes from.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: RuleId,
    pub severity: Severity,
    pub source: String,
    /// The date the source took effect (label revision, code or LCD effective date, publication).
    pub effective_date: String,
    /// The date Taut last checked the value against the source; never before `effective_date`.
    pub verified: String,
    /// How `effective_date` was obtained: a month-only revision (first of the month), or why it is undated.
    pub date_note: Option<String>,
    pub confidence: Confidence,
}

/// A medication class and the generic and brand names that belong to it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClassNames {
    pub class: DrugClass,
    pub names: Vec<String>,
    pub source: String,
    /// The date the source took effect (label revision, code or LCD effective date, publication).
    pub effective_date: String,
    /// The date Taut last checked the value against the source; never before `effective_date`.
    pub verified: String,
    /// How `effective_date` was obtained: a month-only revision (first of the month), or why it is undated.
    pub date_note: Option<String>,
    pub confidence: Confidence,
}

/// An ICD-10-CM code Taut suggests or knows, with its source. Codes the clinician records are checked against
/// this list: a category that is not billable (`billable = false`) is refused and names the codes to use
/// instead; a code not listed is kept and reported as not verified, never refused.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    pub code: String,
    pub title: String,
    pub billable: bool,
    /// For a category that is not billable: the billable codes under it.
    #[serde(default)]
    pub use_instead: Vec<String>,
    pub source: String,
    /// The date the source took effect (the code set release that holds the code).
    pub effective_date: String,
    /// The date Taut last checked the value against the source; never before `effective_date`.
    pub verified: String,
    /// How `effective_date` was obtained, or why it is undated.
    pub date_note: Option<String>,
    pub confidence: Confidence,
}

/// Other ways clinicians write a condition the planner checks.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionNames {
    pub id: String,
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateItem {
    pub muscle: String,
    pub side: Option<String>,
    /// Where in the muscle, when the muscle alone does not say it (e.g. the lateral part).
    pub site: Option<String>,
    pub agent: String,
    pub dose: f64,
    pub unit: String,
    pub points: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeBySize {
    pub small: f64,
    pub medium: f64,
    pub large: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    pub id: String,
    pub name: String,
    pub description: String,
    /// What the template takes for granted about the patient; the clinician confirms each.
    #[serde(default)]
    pub assumptions: Vec<String>,
    pub source: String,
    #[serde(default)]
    pub items: Vec<TemplateItem>,
    /// For an anesthetic template scaled by muscle size.
    pub agent: Option<String>,
    pub concentration_percent: Option<f64>,
    pub volume_ml_by_size: Option<VolumeBySize>,
    #[serde(default)]
    pub muscles: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentFile {
    version: String,
    toxin: Vec<Toxin>,
    anesthetic: Vec<Anesthetic>,
    steroid: Vec<Steroid>,
    limit: Vec<Limit>,
    drug_class: Vec<ClassNames>,
    condition: Vec<ConditionNames>,
    #[serde(default)]
    diagnosis: Vec<Diagnosis>,
    #[serde(default)]
    rule: Vec<Rule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProtocolFile {
    protocol: Vec<Protocol>,
}

/// A catalog that cannot be used: names the file and the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct CatalogError {
    pub file: &'static str,
    pub message: String,
}

/// The compiled-in catalog.
#[derive(Debug)]
pub struct Catalog {
    pub version: String,
    pub toxins: Vec<Toxin>,
    pub anesthetics: Vec<Anesthetic>,
    pub steroids: Vec<Steroid>,
    pub limits: Vec<Limit>,
    pub drug_classes: Vec<ClassNames>,
    pub conditions: Vec<ConditionNames>,
    pub diagnoses: Vec<Diagnosis>,
    pub rules: Vec<Rule>,
    pub protocols: Vec<Protocol>,
}

/// What an agent id names.
#[derive(Debug, Clone, Copy)]
pub enum AgentRef<'a> {
    Toxin(&'a Toxin),
    Anesthetic(&'a Anesthetic),
    Steroid(&'a Steroid),
    Method(&'static str),
}

impl AgentRef<'_> {
    pub fn id(&self) -> &str {
        match self {
            AgentRef::Toxin(t) => &t.id,
            AgentRef::Anesthetic(a) => &a.id,
            AgentRef::Steroid(s) => &s.id,
            AgentRef::Method(m) => m,
        }
    }
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl Catalog {
    /// The catalog compiled into this binary; its data are checked by the test suite.
    pub fn embedded() -> Result<&'static Catalog, &'static String> {
        static CATALOG: OnceLock<Result<Catalog, String>> = OnceLock::new();
        CATALOG
            .get_or_init(|| Catalog::parse(AGENTS, PROTOCOLS).map_err(|e| e.to_string()))
            .as_ref()
    }

    /// The text of the compiled-in catalog files (agents, protocols).
    pub fn embedded_text() -> (&'static str, &'static str) {
        (AGENTS, PROTOCOLS)
    }

    /// Reads both catalog files and checks the references between entries that need no atlas.
    pub fn parse(agents: &str, protocols: &str) -> Result<Catalog, CatalogError> {
        let agents: AgentFile = toml::from_str(agents).map_err(|e| CatalogError {
            file: "catalog/agents.toml",
            message: e.to_string(),
        })?;
        let protocols: ProtocolFile = toml::from_str(protocols).map_err(|e| CatalogError {
            file: "catalog/protocols.toml",
            message: e.to_string(),
        })?;
        let catalog = Catalog {
            version: agents.version,
            toxins: agents.toxin,
            anesthetics: agents.anesthetic,
            steroids: agents.steroid,
            limits: agents.limit,
            drug_classes: agents.drug_class,
            conditions: agents.condition,
            diagnoses: agents.diagnosis,
            rules: agents.rule,
            protocols: protocols.protocol,
        };
        catalog.check_references()?;
        Ok(catalog)
    }

    fn check_references(&self) -> Result<(), CatalogError> {
        let bad = |message: String| CatalogError {
            file: "catalog/agents.toml",
            message,
        };
        let dated = |entry: String, dates: Dates<'_>| {
            let parse = |field: &str, date: &str| {
                Date::parse(date, DATE).map_err(|_| bad(format!("{entry}: {field} '{date}' is not a date YYYY-MM-DD")))
            };
            let effective = parse("effective_date", dates.effective)?;
            let verified = parse("verified", dates.verified)?;
            if effective > verified {
                return Err(bad(format!(
                    "{entry}: effective_date {} is after verified {}; a source cannot be checked before it exists",
                    dates.effective, dates.verified
                )));
            }
            // An entry whose effective date is only the day Taut verified it is undated: it must say so.
            if effective == verified && dates.note.is_none_or(|n| n.trim().is_empty()) {
                return Err(bad(format!(
                    "{entry}: effective_date equals verified ({}); give the source's own date or a date_note saying it is undated",
                    dates.verified
                )));
            }
            Ok(())
        };
        for t in &self.toxins {
            dated(
                format!("toxin {}", t.id),
                Dates::of(&t.effective_date, &t.verified, &t.date_note),
            )?;
        }
        for a in &self.anesthetics {
            dated(
                format!("anesthetic {}", a.id),
                Dates::of(&a.effective_date, &a.verified, &a.date_note),
            )?;
        }
        for s in &self.steroids {
            dated(
                format!("steroid {}", s.id),
                Dates::of(&s.effective_date, &s.verified, &s.date_note),
            )?;
        }
        for c in &self.drug_classes {
            dated(
                format!("drug_class {}", c.class),
                Dates::of(&c.effective_date, &c.verified, &c.date_note),
            )?;
        }
        for d in &self.diagnoses {
            let entry = format!("diagnosis {}", d.code);
            dated(entry.clone(), Dates::of(&d.effective_date, &d.verified, &d.date_note))?;
            if d.billable != d.use_instead.is_empty() {
                return Err(bad(format!(
                    "{entry}: a billable code has no use_instead; a category that is not billable lists its codes"
                )));
            }
            for other in &d.use_instead {
                if !self.diagnosis(other).is_some_and(|o| o.billable) {
                    return Err(bad(format!(
                        "{entry}: use_instead '{other}' is not a billable code of the list"
                    )));
                }
            }
        }
        for r in &self.rules {
            dated(
                format!("rule {}", r.id),
                Dates::of(&r.effective_date, &r.verified, &r.date_note),
            )?;
            if self.rules.iter().filter(|o| o.id == r.id).count() > 1 {
                return Err(bad(format!("rule {}: listed twice; give each rule once", r.id)));
            }
        }
        let missing: Vec<String> = <RuleId as strum::IntoEnumIterator>::iter()
            .filter(|id| !self.rules.iter().any(|r| r.id == *id))
            .map(|id| id.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(bad(format!(
                "[[rule]] missing for {}: every rule of the checker needs its severity and source here",
                missing.join(", ")
            )));
        }
        for (i, l) in self.limits.iter().enumerate() {
            let entry = format!("limit[{i}] ({} {})", l.agent, l.kind);
            dated(entry.clone(), Dates::of(&l.effective_date, &l.verified, &l.date_note))?;
            let known = matches!(l.agent.as_str(), "*steroid" | "*injection") || self.agent(&l.agent).is_some();
            if !known {
                return Err(bad(format!(
                    "{entry}: unknown agent '{}'; valid: *steroid, *injection, {}",
                    l.agent,
                    self.agent_ids().join(", ")
                )));
            }
            let needs = |field: &str, present: bool| {
                if present {
                    Ok(())
                } else {
                    Err(bad(format!("{entry}: a {} limit needs '{field}'", l.kind)))
                }
            };
            match l.kind {
                LimitKind::WindowMax | LimitKind::TpiSessionsPerYear => needs("days", l.days.is_some())?,
                LimitKind::PerMuscleMaxUnits => needs("muscle", l.muscle.is_some())?,
                LimitKind::WeightMaxUnits => {
                    needs("cap", l.cap.is_some())?;
                    needs("max_age", l.max_age.is_some())?;
                }
                _ => {}
            }
            if !(l.value.is_finite() && l.value > 0.0) {
                return Err(bad(format!("{entry}: value must be above 0")));
            }
        }
        Ok(())
    }

    /// Checks what needs the atlas too: per-muscle limits and template muscles name atlas muscles, template
    /// agents are in the catalog. For `taut plan catalog --check` and the tests.
    pub fn validate(&self, atlas: &Atlas) -> Result<(), CatalogError> {
        for (i, l) in self.limits.iter().enumerate() {
            if let Some(muscle) = &l.muscle
                && atlas.muscle(muscle).is_err()
            {
                return Err(CatalogError {
                    file: "catalog/agents.toml",
                    message: format!("limit[{i}] ({} {}): unknown muscle '{muscle}'", l.agent, l.kind),
                });
            }
        }
        let bad = |message: String| CatalogError {
            file: "catalog/protocols.toml",
            message,
        };
        for p in &self.protocols {
            for item in &p.items {
                atlas
                    .muscle(&item.muscle)
                    .map_err(|e| bad(format!("protocol {}: {e}", p.id)))?;
                if self.agent(&item.agent).is_none() {
                    return Err(bad(format!("protocol {}: unknown agent '{}'", p.id, item.agent)));
                }
            }
            for written in &p.muscles {
                let id = written.split_once(':').map_or(written.as_str(), |(id, _)| id);
                atlas.muscle(id).map_err(|e| bad(format!("protocol {}: {e}", p.id)))?;
            }
            if let Some(agent) = &p.agent
                && self.agent(agent).is_none()
            {
                return Err(bad(format!("protocol {}: unknown agent '{agent}'", p.id)));
            }
        }
        Ok(())
    }

    /// Every agent and method id, for error messages.
    pub fn agent_ids(&self) -> Vec<&str> {
        self.toxins
            .iter()
            .map(|t| t.id.as_str())
            .chain(self.anesthetics.iter().map(|a| a.id.as_str()))
            .chain(self.steroids.iter().map(|s| s.id.as_str()))
            .chain(METHODS.iter().copied())
            .collect()
    }

    /// Finds an agent or method by id, brand or other alias, ignoring case.
    pub fn agent(&self, name: &str) -> Option<AgentRef<'_>> {
        let name = name.trim();
        let same = |other: &str| other.eq_ignore_ascii_case(name);
        let named = |id: &str, aliases: &[String]| same(id) || aliases.iter().any(|a| same(a));
        if let Some(t) = self.toxins.iter().find(|t| named(&t.id, &t.aliases) || same(&t.brand)) {
            return Some(AgentRef::Toxin(t));
        }
        if let Some(a) = self.anesthetics.iter().find(|a| named(&a.id, &a.aliases)) {
            return Some(AgentRef::Anesthetic(a));
        }
        if let Some(s) = self.steroids.iter().find(|s| named(&s.id, &s.aliases)) {
            return Some(AgentRef::Steroid(s));
        }
        METHODS.iter().copied().find(|m| same(m)).map(AgentRef::Method)
    }

    /// The medication class a drug name (generic or brand) or a class name belongs to, ignoring case.
    pub fn drug_class(&self, name: &str) -> Option<DrugClass> {
        let name = name.trim();
        if let Ok(class) = name.to_ascii_lowercase().parse::<DrugClass>() {
            return Some(class);
        }
        self.drug_classes
            .iter()
            .find(|c| c.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
            .map(|c| c.class)
    }

    /// The condition id a written condition names (the id itself or a listed synonym), ignoring case.
    pub fn condition(&self, name: &str) -> Option<&str> {
        let normal = name.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        self.conditions
            .iter()
            .find(|c| {
                c.id == normal
                    || c.names
                        .iter()
                        .any(|n| n.eq_ignore_ascii_case(name.trim()) || n.eq_ignore_ascii_case(&normal))
            })
            .map(|c| c.id.as_str())
    }

    /// The limits of a kind for an agent (`*steroid` limits apply to every steroid, `*injection` limits to every
    /// injected drug).
    pub fn limits(&self, agent: &str, kind: LimitKind) -> impl Iterator<Item = &Limit> {
        let is_steroid = self.steroids.iter().any(|s| s.id == agent);
        self.limits.iter().filter(move |l| {
            l.kind == kind && (l.agent == agent || (is_steroid && l.agent == "*steroid") || l.agent == "*injection")
        })
    }

    /// The first limit of a kind for an agent.
    pub fn limit(&self, agent: &str, kind: LimitKind) -> Option<&Limit> {
        self.limits(agent, kind).next()
    }

    /// The listed ICD-10-CM code, ignoring case and surrounding space.
    pub fn diagnosis(&self, code: &str) -> Option<&Diagnosis> {
        let code = code.trim();
        self.diagnoses.iter().find(|d| d.code.eq_ignore_ascii_case(code))
    }

    /// Every dated entry's name and whether its source is undated (its effective date is only the day Taut
    /// verified it), in file order: for `taut plan catalog --check` and the review of what is left to date.
    pub fn dated_entries(&self) -> Vec<(String, bool)> {
        let undated = |effective: &str, verified: &str| effective == verified;
        let mut entries = Vec::new();
        for t in &self.toxins {
            entries.push((format!("toxin {}", t.id), undated(&t.effective_date, &t.verified)));
        }
        for a in &self.anesthetics {
            entries.push((format!("anesthetic {}", a.id), undated(&a.effective_date, &a.verified)));
        }
        for s in &self.steroids {
            entries.push((format!("steroid {}", s.id), undated(&s.effective_date, &s.verified)));
        }
        for l in &self.limits {
            entries.push((
                format!("limit {} {}", l.agent, l.kind),
                undated(&l.effective_date, &l.verified),
            ));
        }
        for r in &self.rules {
            entries.push((format!("rule {}", r.id), undated(&r.effective_date, &r.verified)));
        }
        for c in &self.drug_classes {
            entries.push((
                format!("drug_class {}", c.class),
                undated(&c.effective_date, &c.verified),
            ));
        }
        for d in &self.diagnoses {
            entries.push((format!("diagnosis {}", d.code), undated(&d.effective_date, &d.verified)));
        }
        entries
    }

    /// A catalog-held rule. Every [`RuleId`] is present once: the loader refuses a catalog without it.
    pub fn rule(&self, id: RuleId) -> &Rule {
        self.rules
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| unreachable!("the catalog loader checks that rule {id} is present"))
    }

    pub fn protocol(&self, id: &str) -> Option<&Protocol> {
        self.protocols.iter().find(|p| p.id == id)
    }
}

/// The provenance dates of one catalog entry, checked together.
#[derive(Clone, Copy)]
struct Dates<'a> {
    effective: &'a str,
    verified: &'a str,
    note: Option<&'a str>,
}

impl<'a> Dates<'a> {
    fn of(effective: &'a str, verified: &'a str, note: &'a Option<String>) -> Self {
        Dates {
            effective,
            verified,
            note: note.as_deref(),
        }
    }
}
