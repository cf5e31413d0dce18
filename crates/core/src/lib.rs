//! Taut's domain logic: pure functions over the atlas, with no I/O, no SQL and no HTTP.
//!
//! - [`differential`]: from a pain drawing to ranked, explained trigger points and combinations.
//! - [`eval`]: the differential's evaluation against literature cases, beside the pain-guide baseline.
//! - [`exam`]: classifying examined trigger points; [`records`]: validating record input.
//! - [`side`]: the one side rule for records made on a muscle.
//! - [`plan`]: treatment plans checked against the drug catalog and the patient's history, and coded.
//! - [`followup`]: the side-effect catalog, adverse-event flags, follow-up schedules, outcomes, self-care.

pub mod differential;
pub mod eval;
pub mod exam;
pub mod followup;
pub mod identity;
pub mod plan;
pub mod records;
pub mod side;
pub mod vocab;
