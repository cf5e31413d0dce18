//! The differential's input: a pain drawing, symptom qualifiers and findings already made.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use taut_atlas::{Atlas, RegionId, RegionRef, Side, Symptom};

use crate::vocab::Vocabulary;

/// One side of the body: the side of a paired muscle (see [`crate::side`]). The differential always works per
/// side; `both` in a drawing expands to the two.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case", ascii_case_insensitive)]
pub enum BodySide {
    Left,
    Right,
}

impl Vocabulary for BodySide {
    const NAME: &'static str = "side";
}

impl BodySide {
    pub const BOTH: [BodySide; 2] = [BodySide::Left, BodySide::Right];

    /// `left, right`.
    pub fn choices() -> String {
        <BodySide as Vocabulary>::choices()
    }

    pub fn opposite(self) -> BodySide {
        match self {
            BodySide::Left => BodySide::Right,
            BodySide::Right => BodySide::Left,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BodySide::Left => "left",
            BodySide::Right => "right",
        }
    }
}

/// A concrete place on the body: a region and, unless it is midline, one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Spot {
    pub region: RegionId,
    pub side: Option<BodySide>,
}

impl fmt::Display for Spot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.side {
            Some(side) => write!(f, "{}:{}", self.region, side.as_str()),
            None => write!(f, "{}", self.region),
        }
    }
}

impl Serialize for Spot {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One region of a drawing with its pain intensity (0-10), if the patient gave one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrawnRegion {
    pub region: RegionRef,
    pub intensity: Option<u8>,
}

/// Whether the examiner found a trigger point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingStatus {
    Confirmed,
    RuledOut,
}

/// A trigger point already examined: confirmed or ruled out on one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorFinding {
    pub trigger_point: String,
    /// `None` for a trigger point of a midline muscle.
    pub side: Option<BodySide>,
    pub status: FindingStatus,
}

impl PriorFinding {
    /// Reads `TRIGGER_POINT:left|right`, or a bare id for a midline muscle's trigger point.
    pub fn parse(text: &str, status: FindingStatus) -> Result<PriorFinding, String> {
        let (id, side) = match text.trim().rsplit_once(':') {
            Some((id, side)) => match side.to_ascii_lowercase().as_str() {
                "left" => (id, Some(BodySide::Left)),
                "right" => (id, Some(BodySide::Right)),
                other => return Err(format!("'{text}': unknown side '{other}'; valid sides: left, right")),
            },
            None => (text.trim(), None),
        };
        Ok(PriorFinding {
            trigger_point: id.to_owned(),
            side,
            status,
        })
    }
}

/// A patient's sex as the record keeps it; the red-flag rules may depend on it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case", ascii_case_insensitive)]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

impl Vocabulary for Sex {
    const NAME: &'static str = "sex";
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        self.id()
    }

    /// Reads `female`, `male`, `other` or `unknown` (any case).
    pub fn parse(text: &str) -> Result<Sex, String> {
        <Sex as Vocabulary>::parse(text)
    }
}

/// A patient's pain drawing with everything else the differential uses. Age and sex are optional: the ranking
/// does not use them, the red-flag rules do (an unknown age or sex never rules a flag out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drawing {
    pub regions: Vec<DrawnRegion>,
    pub symptoms: Vec<Symptom>,
    pub findings: Vec<PriorFinding>,
    /// Age in whole years.
    pub age: Option<u8>,
    /// `Sex::Unknown` is treated like `None`.
    pub sex: Option<Sex>,
}

/// The oldest age accepted; above it an age is taken for a typing error.
pub const MAX_AGE: u8 = 130;

/// Intensity assumed for a region drawn without one: the middle of the 0-10 scale.
pub const DEFAULT_INTENSITY: u8 = 5;

/// A drawing the differential cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawingError {
    #[error("the drawing is empty: give at least one region (e.g. --region temple:right)")]
    Empty,
    #[error("intensity {value} for {region} is outside 0-10")]
    Intensity { region: String, value: u8 },
    #[error("unknown trigger point '{0}' in a finding; trigger point ids are listed by `taut atlas show MUSCLE`")]
    UnknownTriggerPoint(String),
    #[error("trigger point '{0}' belongs to a paired muscle: give its side (left or right)")]
    FindingNeedsSide(String),
    #[error("trigger point '{0}' belongs to a midline muscle and takes no side")]
    FindingTakesNoSide(String),
    #[error("age {0} is outside 0-{MAX_AGE} years")]
    Age(u8),
}

impl Drawing {
    /// Checks the drawing against the scale and the atlas.
    pub fn validate(&self, atlas: &Atlas) -> Result<(), DrawingError> {
        if self.regions.is_empty() {
            return Err(DrawingError::Empty);
        }
        if let Some(age) = self.age.filter(|a| *a > MAX_AGE) {
            return Err(DrawingError::Age(age));
        }
        for drawn in &self.regions {
            if let Some(value) = drawn.intensity.filter(|v| *v > 10) {
                return Err(DrawingError::Intensity {
                    region: drawn.region.to_string(),
                    value,
                });
            }
        }
        for finding in &self.findings {
            let (muscle, _) = atlas
                .trigger_point(&finding.trigger_point)
                .ok_or_else(|| DrawingError::UnknownTriggerPoint(finding.trigger_point.clone()))?;
            match (muscle.paired, finding.side) {
                (true, None) => return Err(DrawingError::FindingNeedsSide(finding.trigger_point.clone())),
                (false, Some(_)) => return Err(DrawingError::FindingTakesNoSide(finding.trigger_point.clone())),
                _ => {}
            }
        }
        Ok(())
    }

    /// The drawing as concrete spots with their intensity: `both` expands to left and right, and a spot drawn
    /// twice keeps its highest intensity.
    pub fn spots(&self) -> Vec<(Spot, u8)> {
        let mut spots: Vec<(Spot, u8)> = Vec::new();
        for drawn in &self.regions {
            let intensity = drawn.intensity.unwrap_or(DEFAULT_INTENSITY);
            let sides: &[Option<BodySide>] = match drawn.region.side {
                None => &[None],
                Some(Side::Left) => &[Some(BodySide::Left)],
                Some(Side::Right) => &[Some(BodySide::Right)],
                Some(Side::Both) => &[Some(BodySide::Left), Some(BodySide::Right)],
            };
            for &side in sides {
                let spot = Spot {
                    region: drawn.region.region,
                    side,
                };
                match spots.iter_mut().find(|(s, _)| *s == spot) {
                    Some((_, existing)) => *existing = (*existing).max(intensity),
                    None => spots.push((spot, intensity)),
                }
            }
        }
        spots
    }
}
