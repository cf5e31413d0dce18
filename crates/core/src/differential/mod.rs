//! The differential: which trigger points explain a pain drawing best.
//!
//! A drawing is a set of body regions, each on one side (or the midline), with an optional intensity. Every
//! trigger point of the atlas, on each side of the body, is scored by how much of the drawing its referral pattern
//! explains (weighted by intensity and by how specific each region is), less a penalty for the essential zones the
//! patient did not draw. See the README section "How the differential scores" for the reasoning and the limits.

mod combine;
mod drawing;
mod input;
mod rank;
mod red_flags;
mod view;

#[cfg(test)]
mod tests;

pub use combine::Combination;
pub use drawing::{BodySide, Drawing, DrawingError, DrawnRegion, FindingStatus, MAX_AGE, PriorFinding, Sex, Spot};
pub use input::{DEFAULT_TOP, DrawingInput, MAX_TOP, RegionInput};
pub use rank::{AlsoPoint, Candidate, Differential, Explained, Ranker};
pub use red_flags::{RedFlag, RedFlagCatalog, RedFlagError};
