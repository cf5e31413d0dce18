//! The plan input contract (`taut plan check FILE --json`) and its resolution against the atlas and catalog.

use serde::{Deserialize, Serialize};
use taut_atlas::{Atlas, Muscle};
use time::Date;

use super::catalog::{AgentRef, Catalog};
use crate::vocab::{self, CONDITIONS, MEDICATIONS};

/// A dose with its unit (`U` for toxins, `mg` for drugs dosed by weight).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dose {
    pub value: f64,
    pub unit: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    pub date: String,
    pub agent: String,
    pub dose: Option<Dose>,
    #[serde(default)]
    pub muscles: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientContext {
    pub weight_kg: Option<f64>,
    #[serde(default)]
    pub allergies: Vec<String>,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub medications: Vec<String>,
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub muscle: String,
    pub side: Option<String>,
    pub agent: String,
    pub dose: Option<Dose>,
    pub volume_ml: Option<f64>,
    pub concentration_percent: Option<f64>,
    pub points: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    pub date: String,
    #[serde(default)]
    pub patient: PatientContext,
    pub items: Vec<ItemInput>,
}

/// Input that cannot be read: names the bad value and the valid choices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PlanInputError {
    pub field: String,
    pub message: String,
}

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
    pub agent: String,
    pub kind: Kind,
    /// Units for a toxin, mg for an anesthetic or a steroid, none for a method.
    pub amount: Option<f64>,
    pub volume_ml: Option<f64>,
    pub concentration_percent: Option<f64>,
    pub points: u32,
}

/// A past treatment, resolved.
#[derive(Debug, Clone)]
pub struct Past {
    pub date: Date,
    pub agent: String,
    pub amount: Option<f64>,
    /// Atlas muscle ids treated.
    pub muscles: Vec<String>,
}

/// A plan ready to check.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub date: Date,
    pub weight_kg: Option<f64>,
    pub allergies: Vec<String>,
    pub conditions: Vec<String>,
    pub medications: Vec<String>,
    pub history: Vec<Past>,
    pub items: Vec<Item<'a>>,
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

    /// Resolves muscles, sides, agents and doses; any unreadable value is an error naming the choices.
    pub fn resolve<'a>(&self, atlas: &'a Atlas, catalog: &Catalog) -> Result<Plan<'a>, PlanInputError> {
        let plan_date = date("date", &self.date)?;
        let p = &self.patient;
        if let Some(weight) = p.weight_kg {
            finite_positive("patient.weight_kg", weight)?;
        }
        let allergies = p
            .allergies
            .iter()
            .map(|a| agent_id(catalog, "patient.allergies", a))
            .collect::<Result<Vec<_>, _>>()?;
        let listed = |field: &str, vocabulary: &'static [&'static str], values: &[String]| {
            values
                .iter()
                .map(|v| {
                    vocab::lookup(vocabulary, v)
                        .map(str::to_owned)
                        .ok_or_else(|| bad(field, format!("unknown value '{v}'; valid: {}", vocabulary.join(", "))))
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let conditions = listed("patient.conditions", CONDITIONS, &p.conditions)?;
        let medications = listed("patient.medications", MEDICATIONS, &p.medications)?;
        let mut history = Vec::new();
        for (i, h) in p.history.iter().enumerate() {
            let field = format!("patient.history[{i}]");
            history.push(Past {
                date: date(&format!("{field}.date"), &h.date)?,
                agent: agent_id(catalog, &format!("{field}.agent"), &h.agent)?,
                amount: match &h.dose {
                    Some(dose) => {
                        let expected = match catalog.agent(&h.agent) {
                            Some(AgentRef::Toxin(_)) => "U",
                            _ => "mg",
                        };
                        if !dose.unit.eq_ignore_ascii_case(expected) {
                            return Err(bad(
                                format!("{field}.dose.unit"),
                                format!("unknown unit '{}' for {}; valid unit: {expected}", dose.unit, h.agent),
                            ));
                        }
                        let max = if expected == "U" { MAX_UNITS } else { MAX_MG };
                        Some(bounded(&format!("{field}.dose.value"), dose.value, max, expected)?)
                    }
                    None => None,
                },
                muscles: h
                    .muscles
                    .iter()
                    .enumerate()
                    .map(|(m, written)| {
                        let id = written.split_once(':').map_or(written.as_str(), |(id, _)| id);
                        atlas
                            .muscle(id)
                            .map(|muscle| muscle.id.clone())
                            .map_err(|e| bad(format!("{field}.muscles[{m}]"), e.to_string()))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            });
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
            allergies,
            conditions,
            medications,
            history,
            items,
        })
    }
}

impl ItemInput {
    fn resolve<'a>(&self, field: &str, atlas: &'a Atlas, catalog: &Catalog) -> Result<Item<'a>, PlanInputError> {
        let muscle = atlas
            .muscle(&self.muscle)
            .map_err(|e| bad(format!("{field}.muscle"), e.to_string()))?;
        let side = match (muscle.paired, self.side.as_deref().map(str::trim)) {
            (true, Some(side @ ("left" | "right"))) => Some(side.to_owned()),
            (true, Some(other)) => {
                return Err(bad(
                    format!("{field}.side"),
                    format!("unknown side '{other}'; valid sides: left, right (one item per side)"),
                ));
            }
            (true, None) => {
                return Err(bad(
                    format!("{field}.side"),
                    format!("{} is paired: give left or right", muscle.id),
                ));
            }
            (false, None) => None,
            (false, Some(_)) => {
                return Err(bad(
                    format!("{field}.side"),
                    format!("{} is a midline muscle and takes no side", muscle.id),
                ));
            }
        };
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
        Ok(Item {
            muscle,
            side,
            agent,
            kind,
            amount,
            volume_ml,
            concentration_percent,
            points,
        })
    }
}
