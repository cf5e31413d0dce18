//! Closed vocabularies of the atlas: symptoms, muscle groups, size classes, palpation kinds, hazards.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

use crate::region::did_you_mean;
use crate::suggest::closest;

/// Symptom and sensation tags a trigger point may produce, and a pain drawing may carry as qualifiers.
pub static SYMPTOMS: [&str; 66] = [
    "aching",
    "burning",
    "tingling",
    "numbness",
    "weakness",
    "stiffness",
    "restricted-motion",
    "cramping",
    "headache",
    "dizziness",
    "vertigo",
    "imbalance",
    "tinnitus",
    "ear-fullness",
    "hearing-loss",
    "lacrimation",
    "blurred-vision",
    "eye-redness",
    "ptosis",
    "nasal-congestion",
    "sore-throat",
    "difficulty-swallowing",
    "toothache",
    "tooth-sensitivity",
    "trismus",
    "bruxism",
    "nausea",
    "vomiting",
    "cough",
    "shortness-of-breath",
    "chest-pain",
    "heartburn",
    "bloating",
    "diarrhea",
    "abdominal-pain",
    "urinary-frequency",
    "urinary-retention",
    "painful-bowel-movement",
    "painful-intercourse",
    "sexual-dysfunction",
    "coldness",
    "swelling-sensation",
    "sweating",
    "pilomotor",
    "grip-weakness",
    "dropping-objects",
    "clumsiness",
    "knee-buckling",
    "ankle-instability",
    "night-cramps",
    "sleep-disturbance",
    "nerve-entrapment",
    "hiccups",
    "postural-dizziness",
    // Red-flag inputs: not produced by trigger points, asked so the differential can say when a drawing calls
    // for other care first (catalog/red-flags.toml).
    "exertional",
    "saddle-numbness",
    "bladder-bowel-change",
    "jaw-claudication",
    "visual-disturbance",
    "new-headache",
    "scalp-tenderness",
    "calf-swelling",
    "night-pain",
    "weight-loss",
    "fever",
    "cancer-history",
];

/// A tag from [`SYMPTOMS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symptom(u8);

impl Symptom {
    pub fn parse(input: &str) -> Result<Symptom, UnknownSymptom> {
        let needle = input.trim().to_ascii_lowercase();
        SYMPTOMS
            .iter()
            .position(|s| *s == needle)
            .and_then(|i| u8::try_from(i).ok())
            .map(Symptom)
            .ok_or_else(|| UnknownSymptom {
                input: input.to_owned(),
                suggestions: closest(&needle, SYMPTOMS, 3),
            })
    }

    pub fn as_str(self) -> &'static str {
        SYMPTOMS[usize::from(self.0)]
    }
}

impl fmt::Display for Symptom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Symptom {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown symptom '{input}'{}; valid symptoms: {}", did_you_mean(.suggestions), SYMPTOMS.join(", "))]
pub struct UnknownSymptom {
    pub input: String,
    pub suggestions: Vec<&'static str>,
}

/// Anatomical group of a muscle. `Mastication` is its own group because coding (ICD-10-CM M79.11) needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MuscleGroup {
    Mastication,
    HeadFace,
    Neck,
    Shoulder,
    UpperArm,
    Forearm,
    Hand,
    Chest,
    Abdomen,
    Back,
    PelvicFloor,
    Hip,
    Thigh,
    Leg,
    Foot,
}

/// Relative bulk of a muscle; the planner scales doses and volumes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SizeClass {
    Small,
    Medium,
    Large,
}

/// How a trigger point is palpated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Palpation {
    Flat,
    Pincer,
    FlatOrPincer,
    Deep,
    Intraoral,
    Internal,
}

/// What a needle could injure near a trigger point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HazardKind {
    Lung,
    Artery,
    Vein,
    Nerve,
    Organ,
    Joint,
    Other,
}

/// How consistently a zone belongs to a referral pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Weight {
    /// Present in nearly every patient with this trigger point.
    Essential,
    /// Present in some patients.
    Spillover,
}

/// On which side a referral zone lies, relative to the trigger point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Laterality {
    #[default]
    Ipsilateral,
    Contralateral,
    Bilateral,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symptoms_are_unique() {
        let mut sorted = SYMPTOMS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), SYMPTOMS.len());
    }

    #[test]
    fn parses_symptoms_and_suggests_on_typos() {
        assert_eq!(Symptom::parse("Numbness").map(Symptom::as_str), Ok("numbness"));
        let err = Symptom::parse("tingleing").unwrap_err();
        assert_eq!(err.suggestions.first(), Some(&"tingling"));
    }
}
