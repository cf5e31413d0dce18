//! The plan input contract (`taut plan check FILE --json`) and its resolution against the atlas and catalog.

use serde::{Deserialize, Serialize};
use taut_atlas::{Atlas, Muscle};
use time::Date;

use super::catalog::{AgentRef, Catalog, DrugClass, Toxin};
use crate::side::{SideError, muscle_side};
use crate::vocab::{self, CONDITIONS};

/// A dose with its unit (`U` for toxins, `mg` for drugs dosed by weight).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dose {
    pub value: f64,
    pub unit: String,
}

/// What kind of procedure a past treatment was.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display, strum::EnumString)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ProcedureKind {
    /// A drug injected (toxin, anesthetic, steroid): a trigger point injection for the payer rules.
    Injection,
    DryNeedling,
    Manual,
}

/// One site of a past procedure: a plain record, built from the plan input's `patient.history` or from stored
/// procedures (one entry per muscle, side and agent).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PastProcedure {
    /// `YYYY-MM-DD` (`date` is accepted too).
    #[serde(alias = "date")]
    pub performed_at: String,
    /// Derived from the agent when absent (a drug: injection).
    #[serde(default)]
    pub kind: Option<ProcedureKind>,
    /// Agent id or brand name; absent for dry needling or manual therapy.
    #[serde(default)]
    pub agent: Option<String>,
    #[serde(default)]
    pub dose: Option<Dose>,
    /// Atlas muscle id or alias (`masseter`, or `masseter:left` with the side).
    #[serde(default)]
    pub muscle: Option<String>,
    #[serde(default)]
    pub side: Option<String>,
}

/// The patient as the planner needs them. Allergies, conditions and medications are free text as written in the
/// record; the planner recognises what it can and reports the rest.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientContext {
    pub weight_kg: Option<f64>,
    /// `YYYY-MM-DD`; the age is computed on the plan's date.
    pub birth_date: Option<String>,
    #[serde(default)]
    pub allergies: Vec<String>,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub medications: Vec<String>,
    #[serde(default)]
    pub history: Vec<PastProcedure>,
}

/// The clinic's own reconstitution of a toxin: `diluent_ml` of saline into a `vial_units` vial.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reconstitution {
    pub agent: String,
    pub vial_units: f64,
    pub diluent_ml: f64,
}

/// The container a corticosteroid was drawn from. The CMS discarded-drug policy (JW/JZ modifiers) applies to
/// single-dose containers only; a multi-dose vial's line carries neither.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display, strum::EnumString, strum::AsRefStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Container {
    SingleDose,
    MultiDose,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub muscle: String,
    pub side: Option<String>,
    /// Where in the muscle (free text, e.g. "lateral orbital part"), carried to the output.
    #[serde(default)]
    pub site: Option<String>,
    pub agent: String,
    pub dose: Option<Dose>,
    pub volume_ml: Option<f64>,
    pub concentration_percent: Option<f64>,
    pub points: Option<u32>,
    /// For a corticosteroid: `single-dose` or `multi-dose`. A single-dose vial's line gets JW (the discarded
    /// rest) or JZ (nothing discarded); a multi-dose vial's gets neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vial: Option<Container>,
    /// With a single-dose vial: its labeled content in whole mg (40 for a 1 mL vial of 40 mg/mL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vial_mg: Option<f64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    pub date: String,
    #[serde(default)]
    pub patient: PatientContext,
    /// The clinic's reconstitution per toxin; without one the catalog's is used for volumes and per-site checks.
    #[serde(default)]
    pub reconstitution: Vec<Reconstitution>,
    pub items: Vec<ItemInput>,
}

/// Input that cannot be read: names the field, the bad value and the valid choices. The same type as every
/// other invalid input ([`crate::records::Invalid`]), so each client maps it one way.
pub type PlanInputError = crate::records::Invalid;

fn bad(field: impl Into<String>, message: impl Into<String>) -> PlanInputError {
    PlanInputError {
        field: field.into(),
        message: message.into(),
    }
}

/// How an item is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Toxin,
    Anesthetic,
    Steroid,
    DryNeedling,
    ManualPressure,
}

impl Kind {
    /// Whether a needle goes in (injection or dry needling).
    pub fn needle(self) -> bool {
        !matches!(self, Kind::ManualPressure)
    }

    /// Whether it is an injection billed as a trigger point injection.
    pub fn injection(self) -> bool {
        matches!(self, Kind::Toxin | Kind::Anesthetic | Kind::Steroid)
    }
}

/// An item resolved against the atlas and the catalog.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub muscle: &'a Muscle,
    pub side: Option<String>,
    pub site: Option<String>,
    pub agent: String,
    pub kind: Kind,
    /// Units for a toxin, mg for an anesthetic or a steroid, none for a method.
    pub amount: Option<f64>,
    pub volume_ml: Option<f64>,
    pub concentration_percent: Option<f64>,
    pub points: u32,
    /// For a corticosteroid: the container, when recorded.
    pub vial: Option<Container>,
    /// A single-dose vial's labeled content in mg.
    pub vial_mg: Option<u32>,
}

/// A past treatment, resolved.
#[derive(Debug, Clone)]
pub struct Past {
    pub date: Date,
    pub kind: ProcedureKind,
    /// Canonical agent id, if a drug or method was named.
    pub agent: Option<String>,
    /// Units for a toxin, mg otherwise.
    pub amount: Option<f64>,
    /// Atlas muscle id.
    pub muscle: Option<String>,
    pub side: Option<String>,
}

/// A plan ready to check.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub date: Date,
    pub weight_kg: Option<f64>,
    /// Whole years on the plan's date, when the birth date is known.
    pub age_years: Option<i32>,
    /// Agent ids the patient is allergic to.
    pub allergies: Vec<String>,
    /// Condition ids (`pregnancy`, …).
    pub conditions: Vec<String>,
    pub medications: Vec<DrugClass>,
    /// Entries of the record the planner could not interpret (`allergies: penicillin`).
    pub unrecognised: Vec<String>,
    pub history: Vec<Past>,
    /// Units per 0.1 mL by toxin id, from the plan's reconstitution.
    pub strengths: Vec<(String, f64)>,
    /// Vial sizes by toxin id that the reconstitution names: the vials actually opened (a procedure records
    /// them per site). Vials are chosen among these, least waste first; without any, among the catalog's.
    pub vial_sizes: Vec<(String, Vec<u32>)>,
    pub items: Vec<Item<'a>>,
}

impl Plan<'_> {
    /// The vial sizes to open for a toxin: those the reconstitution names, else the catalog's.
    pub fn vial_sizes<'t>(&'t self, toxin: &'t Toxin) -> &'t [u32] {
        self.vial_sizes
            .iter()
            .find(|(id, _)| *id == toxin.id)
            .map_or(toxin.vial_units.as_slice(), |(_, sizes)| sizes.as_slice())
    }

    /// Units per 0.1 mL of a toxin: the clinic's reconstitution, else the catalog's.
    pub fn units_per_0_1_ml(&self, toxin: &Toxin) -> Option<f64> {
        self.strengths
            .iter()
            .find(|(id, _)| *id == toxin.id)
            .map(|(_, per)| *per)
            .or_else(|| toxin.units_per_0_1_ml())
    }
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn date(field: &str, text: &str) -> Result<Date, PlanInputError> {
    Date::parse(text.trim(), DATE).map_err(|_| bad(field, format!("'{text}' is not a date YYYY-MM-DD")))
}

/// Upper bounds far beyond any clinical dose: they only keep absurd input (a typo of several zeros, 1e300)
/// from reaching the arithmetic. The safety limits themselves are findings, not input errors.
const MAX_UNITS: f64 = 100_000.0;
const MAX_MG: f64 = 10_000.0;
const MAX_ML: f64 = 1_000.0;
const MAX_ITEMS: usize = 500;

fn finite_positive(field: &str, value: f64) -> Result<f64, PlanInputError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(bad(field, "must be a number above 0"))
    }
}

fn bounded(field: &str, value: f64, max: f64, unit: &str) -> Result<f64, PlanInputError> {
    let value = finite_positive(field, value)?;
    if value > max {
        return Err(bad(
            field,
            format!("{value} {unit} is not a plausible amount (at most {max} {unit}); check the number"),
        ));
    }
    Ok(value)
}

fn agent_id(catalog: &Catalog, field: &str, id: &str) -> Result<String, PlanInputError> {
    let canonical = match catalog.agent(id) {
        Some(AgentRef::Toxin(t)) => t.id.clone(),
        Some(AgentRef::Anesthetic(a)) => a.id.clone(),
        Some(AgentRef::Steroid(s)) => s.id.clone(),
        Some(AgentRef::Method(m)) => m.to_owned(),
        None => {
            return Err(bad(
                field,
                format!("unknown agent '{id}'; valid agents: {}", catalog.agent_ids().join(", ")),
            ));
        }
    };
    Ok(canonical)
}

impl PlanInput {
    pub fn parse(json: &str) -> Result<PlanInput, PlanInputError> {
        serde_json::from_str(json).map_err(|e| bad("plan", format!("cannot read the plan: {e}")))
    }

    /// Resolves muscles, sides, agents and doses; any unreadable value is an error naming the choices. Free-text
    /// allergies, conditions and medications are never refused: what is not recognised is listed in the plan.
    pub fn resolve<'a>(&self, atlas: &'a Atlas, catalog: &Catalog) -> Result<Plan<'a>, PlanInputError> {
        let plan_date = date("date", &self.date)?;
        let p = &self.patient;
        if let Some(weight) = p.weight_kg {
            finite_positive("patient.weight_kg", weight)?;
        }
        let age_years = match &p.birth_date {
            Some(text) => {
                let birth = date("patient.birth_date", text)?;
                if birth > plan_date {
                    return Err(bad("patient.birth_date", "lies after the plan's date"));
                }
                Some(whole_years(birth, plan_date))
            }
            None => None,
        };
        let mut unrecognised = Vec::new();
        let mut allergies: Vec<String> = Vec::new();
        for written in p.allergies.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
            match catalog.agent(written) {
                Some(AgentRef::Method(_)) | None => unrecognised.push(format!("allergies: {written}")),
                Some(agent) => push_new(&mut allergies, agent.id().to_owned()),
            }
        }
        let mut conditions: Vec<String> = Vec::new();
        for written in p.conditions.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            let known = vocab::lookup(CONDITIONS, written).or_else(|| catalog.condition(written));
            match known {
                Some(id) => push_new(&mut conditions, id.to_owned()),
                None => unrecognised.push(format!("conditions: {written}")),
            }
        }
        let mut medications: Vec<DrugClass> = Vec::new();
        for written in p.medications.iter().map(|m| m.trim()).filter(|m| !m.is_empty()) {
            match catalog.drug_class(written) {
                Some(class) if !medications.contains(&class) => medications.push(class),
                Some(_) => {}
                None => unrecognised.push(format!("medications: {written}")),
            }
        }
        let history = p
            .history
            .iter()
            .enumerate()
            .map(|(i, h)| h.resolve(&format!("patient.history[{i}]"), atlas, catalog))
            .collect::<Result<Vec<_>, _>>()?;
        let mut strengths = Vec::new();
        let mut vial_sizes: Vec<(String, Vec<u32>)> = Vec::new();
        for (i, r) in self.reconstitution.iter().enumerate() {
            let field = format!("reconstitution[{i}]");
            let toxin = match catalog.agent(&r.agent) {
                Some(AgentRef::Toxin(t)) => t,
                _ => {
                    let toxins: Vec<&str> = catalog.toxins.iter().map(|t| t.id.as_str()).collect();
                    return Err(bad(
                        format!("{field}.agent"),
                        format!("'{}' is not a toxin; valid: {}", r.agent, toxins.join(", ")),
                    ));
                }
            };
            if toxin.solution_units_per_ml.is_some() {
                return Err(bad(
                    format!("{field}.agent"),
                    format!("{} is a ready-to-use solution and is not reconstituted", toxin.id),
                ));
            }
            let vial = bounded(&format!("{field}.vial_units"), r.vial_units, MAX_UNITS, "U")?;
            if vial.fract() != 0.0 {
                return Err(bad(
                    format!("{field}.vial_units"),
                    format!("a vial holds a whole number of units, not {vial}"),
                ));
            }
            let ml = bounded(&format!("{field}.diluent_ml"), r.diluent_ml, MAX_ML, "mL")?;
            strengths.retain(|(id, _): &(String, f64)| *id != toxin.id);
            strengths.push((toxin.id.clone(), vial * 0.1 / ml));
            // Bounded above by MAX_UNITS, so the whole number fits.
            let size = vial as u32;
            match vial_sizes.iter_mut().find(|(id, _)| *id == toxin.id) {
                Some((_, sizes)) if !sizes.contains(&size) => sizes.push(size),
                Some(_) => {}
                None => vial_sizes.push((toxin.id.clone(), vec![size])),
            }
        }
        if self.items.is_empty() {
            return Err(bad("items", "a plan needs at least one item"));
        }
        if self.items.len() > MAX_ITEMS {
            return Err(bad("items", format!("at most {MAX_ITEMS} items in one plan")));
        }
        let items = self
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| item.resolve(&format!("items[{i}]"), atlas, catalog))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Plan {
            date: plan_date,
            weight_kg: p.weight_kg,
            age_years,
            allergies,
            conditions,
            medications,
            unrecognised,
            history,
            strengths,
            vial_sizes,
            items,
        })
    }
}

fn push_new(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Completed years from `birth` to `on` (a birthday on 29 February counts from 1 March in other years).
pub(crate) fn whole_years(birth: Date, on: Date) -> i32 {
    let mut years = on.year() - birth.year();
    if (u8::from(on.month()), on.day()) < (u8::from(birth.month()), birth.day()) {
        years -= 1;
    }
    years
}

/// A paired muscle takes `left` or `right`; a midline muscle takes none (the one rule of [`crate::side`]).
fn side_of(field: &str, muscle: &Muscle, side: Option<&str>) -> Result<Option<String>, PlanInputError> {
    match muscle_side(muscle, side) {
        Ok(side) => Ok(side.map(|s| s.as_str().to_owned())),
        Err(e @ SideError::Unknown(_)) => Err(bad(format!("{field}.side"), format!("{e} (one item per side)"))),
        Err(e) => Err(bad(format!("{field}.side"), e.to_string())),
    }
}

impl PastProcedure {
    fn resolve(&self, field: &str, atlas: &Atlas, catalog: &Catalog) -> Result<Past, PlanInputError> {
        let date = date(&format!("{field}.performed_at"), &self.performed_at)?;
        let agent = match &self.agent {
            Some(name) => Some(agent_id(catalog, &format!("{field}.agent"), name)?),
            None => None,
        };
        let reference = agent.as_deref().and_then(|a| catalog.agent(a));
        let kind = match (self.kind, reference) {
            (Some(kind), _) => kind,
            (None, Some(AgentRef::Method("dry-needling"))) => ProcedureKind::DryNeedling,
            (None, Some(AgentRef::Method(_))) => ProcedureKind::Manual,
            (None, Some(_)) => ProcedureKind::Injection,
            (None, None) => {
                return Err(bad(
                    format!("{field}.kind"),
                    "give the agent or the kind: injection, dry-needling, manual",
                ));
            }
        };
        let amount = match &self.dose {
            Some(dose) => {
                let expected = match reference {
                    Some(AgentRef::Toxin(_)) => "U",
                    _ => "mg",
                };
                if !dose.unit.eq_ignore_ascii_case(expected) {
                    return Err(bad(
                        format!("{field}.dose.unit"),
                        format!(
                            "unknown unit '{}' for {}; valid unit: {expected}",
                            dose.unit,
                            agent.as_deref().unwrap_or("this procedure")
                        ),
                    ));
                }
                let max = if expected == "U" { MAX_UNITS } else { MAX_MG };
                Some(bounded(&format!("{field}.dose.value"), dose.value, max, expected)?)
            }
            None => None,
        };
        let (muscle, side) = match &self.muscle {
            Some(written) => {
                let (id, written_side) = match written.split_once(':') {
                    Some((id, side)) => (id, Some(side)),
                    None => (written.as_str(), None),
                };
                let muscle = atlas
                    .muscle(id)
                    .map_err(|e| bad(format!("{field}.muscle"), e.to_string()))?;
                let side = side_of(field, muscle, self.side.as_deref().or(written_side))?;
                (Some(muscle.id.clone()), side)
            }
            None => (None, None),
        };
        Ok(Past {
            date,
            kind,
            agent,
            amount,
            muscle,
            side,
        })
    }
}

impl ItemInput {
    fn resolve<'a>(&self, field: &str, atlas: &'a Atlas, catalog: &Catalog) -> Result<Item<'a>, PlanInputError> {
        let muscle = atlas
            .muscle(&self.muscle)
            .map_err(|e| bad(format!("{field}.muscle"), e.to_string()))?;
        let side = side_of(field, muscle, self.side.as_deref())?;
        let agent_field = format!("{field}.agent");
        let agent = agent_id(catalog, &agent_field, &self.agent)?;
        let points = self.points.unwrap_or(1);
        if points == 0 {
            return Err(bad(format!("{field}.points"), "must be at least 1"));
        }
        let unit_of = |expected: &str| -> Result<f64, PlanInputError> {
            let dose = self
                .dose
                .as_ref()
                .ok_or_else(|| bad(format!("{field}.dose"), format!("give the dose in {expected}")))?;
            if !dose.unit.eq_ignore_ascii_case(expected) {
                return Err(bad(
                    format!("{field}.dose.unit"),
                    format!("unknown unit '{}' for {agent}; valid unit: {expected}", dose.unit),
                ));
            }
            let max = if expected == "U" { MAX_UNITS } else { MAX_MG };
            bounded(&format!("{field}.dose.value"), dose.value, max, expected)
        };
        let (kind, amount, volume_ml, concentration_percent) = match catalog.agent(&agent) {
            Some(AgentRef::Toxin(_)) => (Kind::Toxin, Some(unit_of("U")?), None, None),
            Some(AgentRef::Steroid(s)) => {
                let mg = unit_of("mg")?;
                (Kind::Steroid, Some(mg), Some(mg / s.mg_per_ml), None)
            }
            Some(AgentRef::Anesthetic(_)) => {
                let (Some(volume), Some(percent)) = (self.volume_ml, self.concentration_percent) else {
                    return Err(bad(
                        field,
                        format!("{agent} needs \"volume_ml\" and \"concentration_percent\""),
                    ));
                };
                let volume = bounded(&format!("{field}.volume_ml"), volume, MAX_ML, "mL")?;
                let percent = finite_positive(&format!("{field}.concentration_percent"), percent)?;
                if percent > 5.0 {
                    return Err(bad(
                        format!("{field}.concentration_percent"),
                        "above 5 %: write 0.5 for 0.5 %",
                    ));
                }
                // 1 % = 10 mg/mL.
                (
                    Kind::Anesthetic,
                    Some(volume * percent * 10.0),
                    Some(volume),
                    Some(percent),
                )
            }
            Some(AgentRef::Method(m)) => (
                if m == "dry-needling" {
                    Kind::DryNeedling
                } else {
                    Kind::ManualPressure
                },
                None,
                None,
                None,
            ),
            None => unreachable!("agent_id resolved it"),
        };
        let (vial, vial_mg) = self.container(field, kind)?;
        Ok(Item {
            muscle,
            side,
            site: self
                .site
                .as_ref()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            agent,
            kind,
            amount,
            volume_ml,
            concentration_percent,
            points,
            vial,
            vial_mg,
        })
    }

    /// The steroid's container: `vial` only for a corticosteroid, and a single-dose vial with its content in
    /// whole mg (what the discarded amount is billed from).
    fn container(&self, field: &str, kind: Kind) -> Result<(Option<Container>, Option<u32>), PlanInputError> {
        if self.vial.is_some() && kind != Kind::Steroid {
            return Err(bad(
                format!("{field}.vial"),
                "the vial (single-dose or multi-dose) is recorded for a corticosteroid; a toxin vial is single-dose by its label (give vial_units with reconstitution_ml), and a local anesthetic has no drug line",
            ));
        }
        match (self.vial, self.vial_mg) {
            (Some(Container::SingleDose), Some(mg)) => {
                let mg = bounded(&format!("{field}.vial_mg"), mg, MAX_MG, "mg")?;
                if mg.fract() != 0.0 {
                    return Err(bad(
                        format!("{field}.vial_mg"),
                        format!("give the vial's labeled content in whole mg, not {mg}"),
                    ));
                }
                // Bounded above by MAX_MG, so the whole number fits.
                Ok((Some(Container::SingleDose), Some(mg as u32)))
            }
            (Some(Container::SingleDose), None) => Err(bad(
                format!("{field}.vial_mg"),
                "a single-dose vial needs its labeled content in mg (40 for a 1 mL vial of 40 mg/mL) to bill the discarded amount (JW) or none (JZ)",
            )),
            (_, Some(_)) => Err(bad(
                format!("{field}.vial_mg"),
                "the vial's content in mg goes with \"vial\": \"single-dose\"",
            )),
            (vial, None) => Ok((vial, None)),
        }
    }
}
