//! The validated atlas: muscles, their trigger points and referral zones.

use serde::Serialize;

use crate::region::{RegionId, View};
use crate::vocab::{HazardKind, Laterality, MuscleGroup, Palpation, SizeClass, Symptom, Weight};

/// One muscle, with every trigger point the sources describe for it.
#[derive(Debug, Clone, Serialize)]
pub struct Muscle {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub group: MuscleGroup,
    /// False for a single midline muscle; true when there is one on each side.
    pub paired: bool,
    pub size_class: SizeClass,
    pub innervation: String,
    pub action: String,
    pub sources: Vec<SourceRef>,
    pub trigger_points: Vec<TriggerPoint>,
}

impl Muscle {
    /// Every injection hazard of the muscle's trigger points, without repeats.
    pub fn hazard_kinds(&self) -> Vec<HazardKind> {
        let mut kinds: Vec<HazardKind> = Vec::new();
        for hazard in self.trigger_points.iter().flat_map(|tp| &tp.injection.hazards) {
            if !kinds.contains(&hazard.kind) {
                kinds.push(hazard.kind);
            }
        }
        kinds
    }
}

/// A citation, resolved against the bibliography.
#[derive(Debug, Clone, Serialize)]
pub struct SourceRef {
    /// Bibliography key (`tpm1`), when the source is in `atlas.toml`.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chapter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// The full citation.
    pub citation: String,
}

impl SourceRef {
    /// "Citation, chapter 6 'Trapezius'".
    pub fn describe(&self) -> String {
        match (&self.chapter, self.number) {
            (Some(chapter), Some(number)) => format!("{} Chapter {number}, {chapter}.", self.citation),
            (Some(chapter), None) => format!("{} Chapter: {chapter}.", self.citation),
            _ => self.citation.clone(),
        }
    }
}

/// One trigger point of a muscle.
#[derive(Debug, Clone, Serialize)]
pub struct TriggerPoint {
    pub id: String,
    pub name: String,
    pub location: String,
    pub position: Position,
    pub local_region: RegionId,
    pub referral: Vec<Referral>,
    pub symptoms: Vec<Symptom>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symptom_notes: Option<String>,
    pub factors: Vec<String>,
    pub exam: Exam,
    pub injection: Injection,
    pub self_care: SelfCare,
}

impl TriggerPoint {
    pub fn essential(&self) -> impl Iterator<Item = &Referral> {
        self.referral.iter().filter(|z| z.weight == Weight::Essential)
    }
}

/// Where a trigger point is drawn: a view and a point on it, for the right side of the body.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Position {
    pub view: View,
    pub x: f64,
    pub y: f64,
}

/// One zone of a referral pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Referral {
    pub region: RegionId,
    pub weight: Weight,
    /// `None` for a midline region, which matches either side.
    pub laterality: Option<Laterality>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Exam {
    pub position: String,
    pub palpation: Palpation,
    pub method: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Injection {
    pub position: String,
    pub approach: String,
    pub hazards: Vec<Hazard>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hazard {
    pub kind: HazardKind,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SelfCare {
    pub pressure: String,
    pub stretch: String,
}
