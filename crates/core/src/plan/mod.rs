//! Treatment planning: doses, volumes, vials and waste, safety findings against the patient's history, and
//! procedure and diagnosis codes. Decision support: every finding says why and cites its source.

mod catalog;
mod check;
mod input;
mod template;

pub use catalog::{
    AgentRef, Catalog, CatalogError, Confidence, Diagnosis, DrugClass, LimitKind, METHODS, Protocol, Rule, RuleId,
};
pub use check::{
    Code, Finding, FindingCode, ItemOut, Report, RetreatmentDate, Severity, Total, Vials, check, choose_vials,
    retreatment_dates, rule_finding,
};
pub(crate) use input::whole_years;
pub use input::{
    Container, Dose, ItemInput, Kind, PastProcedure, PatientContext, Plan, PlanInput, PlanInputError, ProcedureKind,
    Reconstitution,
};
pub use template::from_template;

#[cfg(test)]
mod tests;
