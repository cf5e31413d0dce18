//! Treatment planning: doses, volumes, vials and waste, safety findings against the patient's history, and
//! procedure and diagnosis codes. Decision support: every finding says why and cites its source.

mod catalog;
mod check;
mod input;
mod template;

pub use catalog::{AgentRef, Catalog, METHODS, Protocol};
pub use check::{Code, Finding, ItemOut, Report, Severity, Total, Vials, check, choose_vials};
pub use input::{Dose, HistoryEntry, ItemInput, Kind, PatientContext, Plan, PlanInput, PlanInputError};
pub use template::from_template;

#[cfg(test)]
mod tests;
