//! Follow-up after treatment, without a database: the cited side-effect catalog, adverse-event flags, the
//! follow-up schedule a procedure calls for and its worklist order, outcome arithmetic (responders per IMMPACT)
//! and the patient's self-care sheet.
//!
//! The inputs are plain structs ([`Procedure`], [`AdverseEvent`], [`Outcome`]) so that stored records map onto
//! them one to one; every clinical number comes from `catalog/side-effects.toml` or `catalog/followup.toml`.

mod catalog;
// Dates in answers are `YYYY-MM-DD`, as everywhere else in the API (time's default is a [year, ordinal] pair).
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");
mod events;
mod outcomes;
mod schedule;
mod selfcare;

pub use catalog::{
    AgentClass, CheckKind, CheckRule, FollowupCatalog, Help, HelpKind, LipidDose, LipidRescue, Onset, Resolution,
    ResponderRule, SelfCareDose, SideEffect, TimeUnit,
};
pub use events::{AdverseEvent, EventFlags, Severity, flag_event};
pub use outcomes::{
    ClinicReport, GroupRate, InjectionSite, Measure, NrsSummary, Outcome, PatientSeries, PatientSummary,
    PressureChange, clinic_report, summarise_nrs, summarise_patient,
};
pub use schedule::{DueCheck, DueStatus, Procedure, Site, WorkItem, schedule, worklist};
pub use selfcare::{CarePoint, EffectNote, SelfCareSheet, TreatedPoint, self_care_sheet};

/// Why follow-up input or data could not be used; each message names the problem and the valid choices.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FollowupError {
    #[error("{0}")]
    Catalog(String),
    #[error("unknown side effect {given:?}; valid effects: {choices}")]
    UnknownEffect { given: String, choices: String },
    #[error("unknown agent {given:?}; valid agents: {choices}")]
    UnknownAgent { given: String, choices: String },
    #[error("unknown severity {given:?}; valid severities: mild, moderate, severe, serious")]
    UnknownSeverity { given: String },
    #[error("unknown trigger point {given:?}; `taut atlas muscles` lists the trigger point ids")]
    UnknownTriggerPoint { given: String },
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
}

#[cfg(test)]
mod tests;
