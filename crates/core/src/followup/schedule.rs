//! The follow-up checks a procedure calls for, from the agent classes it used, and the order of a worklist:
//! overdue first, then due, then upcoming.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use super::{AgentClass, CheckKind, FollowupCatalog, FollowupError};
use crate::plan::Catalog;

/// Where a procedure treated: an atlas muscle id and a side (`left`, `right`, `both`; `None` for midline).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub muscle: String,
    pub side: Option<String>,
}

impl Site {
    /// `trapezius:left`, or the muscle alone.
    pub fn label(&self) -> String {
        match &self.side {
            Some(side) => format!("{}:{side}", self.muscle),
            None => self.muscle.clone(),
        }
    }
}

/// A procedure as the follow-up needs it: the agents given (drug catalog ids, or `dry-needling`), the date,
/// the sites and the protocol (template id) it followed, if any.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    pub id: String,
    pub date: Date,
    pub agents: Vec<String>,
    pub sites: Vec<Site>,
    #[serde(default)]
    pub protocol: Option<String>,
}

impl Procedure {
    /// Every agent class the procedure used, sorted, without repeats.
    pub fn classes(&self, drugs: &Catalog) -> Result<Vec<AgentClass>, FollowupError> {
        let mut classes = Vec::new();
        for agent in &self.agents {
            classes.extend(AgentClass::of_agent(drugs, agent)?);
        }
        classes.sort();
        classes.dedup();
        Ok(classes)
    }

    /// Whether anything was injected (a drug, not dry needling or manual pressure).
    pub fn is_injection(&self, drugs: &Catalog) -> Result<bool, FollowupError> {
        Ok(self.classes(drugs)?.contains(&AgentClass::AnyInjection))
    }
}

/// One check a procedure calls for, with its window and its source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueCheck {
    pub procedure_id: String,
    pub check: String,
    pub kind: CheckKind,
    pub name: String,
    pub purpose: String,
    #[serde(with = "super::iso_date")]
    pub due_from: Date,
    #[serde(with = "super::iso_date")]
    pub due_by: Date,
    pub sources: Vec<String>,
    pub confidence: String,
    /// Set when an encounter completed it; a completed check leaves the worklist.
    #[serde(with = "super::iso_date::option")]
    pub completed_on: Option<Date>,
}

/// The checks `procedure` calls for, in catalog order. Refuses an unknown agent or a procedure without agents.
pub fn schedule(
    rules: &FollowupCatalog,
    drugs: &Catalog,
    procedure: &Procedure,
) -> Result<Vec<DueCheck>, FollowupError> {
    if procedure.agents.is_empty() {
        return Err(FollowupError::Invalid {
            field: "agents".into(),
            message: format!(
                "a procedure needs at least one agent; valid agents: {}",
                drugs.agent_ids().join(", ")
            ),
        });
    }
    let classes = procedure.classes(drugs)?;
    let mut checks = Vec::new();
    for rule in &rules.checks {
        if !rule.applies_to.iter().any(|c| classes.contains(c)) {
            continue;
        }
        let at = |day: u32| {
            procedure
                .date
                .checked_add(Duration::days(i64::from(day)))
                .ok_or_else(|| FollowupError::Invalid {
                    field: "date".into(),
                    message: format!("{} is out of range", procedure.date),
                })
        };
        checks.push(DueCheck {
            procedure_id: procedure.id.clone(),
            check: rule.id.clone(),
            kind: rule.kind,
            name: rule.name.clone(),
            purpose: rule.purpose.clone(),
            due_from: at(rule.from_day)?,
            due_by: at(rule.to_day)?,
            sources: rule.sources.clone(),
            confidence: rule.confidence.clone(),
            completed_on: None,
        });
    }
    Ok(checks)
}

/// Where a check stands on a day. The order of the variants is the worklist's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DueStatus {
    Overdue,
    Due,
    Upcoming,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkItem {
    pub status: DueStatus,
    #[serde(flatten)]
    pub check: DueCheck,
}

/// The open checks as of `today`, overdue first (longest overdue first), then due (soonest deadline first),
/// then upcoming (soonest start first); completed checks are left out.
pub fn worklist(checks: &[DueCheck], today: Date) -> Vec<WorkItem> {
    let mut items: Vec<WorkItem> = checks
        .iter()
        .filter(|c| c.completed_on.is_none())
        .map(|c| WorkItem {
            status: if today > c.due_by {
                DueStatus::Overdue
            } else if today >= c.due_from {
                DueStatus::Due
            } else {
                DueStatus::Upcoming
            },
            check: c.clone(),
        })
        .collect();
    items.sort_by(|a, b| {
        let key = |w: &WorkItem| match w.status {
            DueStatus::Upcoming => w.check.due_from,
            DueStatus::Overdue | DueStatus::Due => w.check.due_by,
        };
        (a.status, key(a), &a.check.procedure_id, &a.check.check).cmp(&(
            b.status,
            key(b),
            &b.check.procedure_id,
            &b.check.check,
        ))
    });
    items
}
