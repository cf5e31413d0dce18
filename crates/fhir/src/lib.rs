//! FHIR R4 (4.0.1) for Taut's records: a small serde model of the resources Taut exchanges ([`model`]), the
//! codes it uses with their sources ([`codes`]), pure functions from records to a Bundle ([`export`]) and from
//! a Bundle back to record input ([`import`]).
//!
//! No database and no I/O here, so the mapping can be tested and fuzzed alone; the app calls it inside its
//! audited operations. Procedures, medication administrations, adverse events and self-care programmes are
//! mapped in [`treatment`]; treatment plans are not exported.

pub mod codes;
pub mod export;
pub mod import;
pub mod model;
pub mod treatment;

pub use export::{Finding, Outcome, PainMarkEntry, Record, Visit, everything, to_transaction};
pub use import::{ImportedAdverseEvent, ImportedPatient, ImportedProcedure, ImportedVisit, Problem, read_bundle};
pub use model::{Bundle, OperationOutcome};
pub use treatment::{
    AdverseEventEntry, AdverseEventFields, ConsentFields, ProcedureEntry, ProcedureFields, SiteFields,
};
