//! Adverse events against the catalog: an event still open past its effect's resolution window is overdue; a
//! serious one is flagged at once, open or not.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;

use super::{FollowupCatalog, FollowupError};

/// How bad an adverse event is. `Serious` is the regulatory sense (life-threatening, hospitalisation,
/// lasting harm); it is flagged for review the moment it is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Mild,
    Moderate,
    Severe,
    Serious,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Mild, Severity::Moderate, Severity::Severe, Severity::Serious];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
            Severity::Serious => "serious",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = FollowupError;

    fn from_str(s: &str) -> Result<Severity, FollowupError> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| FollowupError::UnknownSeverity { given: s.to_owned() })
    }
}

/// An adverse event as recorded against a procedure.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AdverseEvent {
    /// A side-effect id of the catalog (`bruising-hematoma`).
    pub effect: String,
    pub onset: Date,
    pub severity: Severity,
    pub resolved: Option<Date>,
}

/// What the worklist shows beside an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventFlags {
    /// Open after the end of its catalog window.
    pub overdue: bool,
    pub serious: bool,
    /// Onset + the catalog's maximum resolution; `None` when the catalog has no sourced window.
    #[serde(with = "super::iso_date::option")]
    pub expected_resolution_by: Option<Date>,
    pub open: bool,
}

/// Flags one event as of `today`. Refuses an unknown effect, an onset in the future and a resolution before
/// the onset.
pub fn flag_event(catalog: &FollowupCatalog, event: &AdverseEvent, today: Date) -> Result<EventFlags, FollowupError> {
    let effect = catalog.effect(&event.effect)?;
    if event.onset > today {
        return Err(FollowupError::Invalid {
            field: "onset".into(),
            message: format!("{} is after today ({today})", event.onset),
        });
    }
    if let Some(resolved) = event.resolved
        && resolved < event.onset
    {
        return Err(FollowupError::Invalid {
            field: "resolved".into(),
            message: format!("{resolved} is before the onset ({})", event.onset),
        });
    }
    let expected_resolution_by = effect.resolution.and_then(|r| r.unit.add(event.onset, r.max));
    let open = event.resolved.is_none();
    Ok(EventFlags {
        overdue: open && expected_resolution_by.is_some_and(|by| today > by),
        serious: event.severity == Severity::Serious,
        expected_resolution_by,
        open,
    })
}
