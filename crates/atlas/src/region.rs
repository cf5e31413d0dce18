//! The body-region vocabulary: a public contract shared by the CLI, the API, stored records and exports.
//!
//! Region ids are never renamed; finer regions may be added. A region is written `id` when it lies on the
//! midline, or `id:left`, `id:right`, `id:both` when it is sided (a sided id without a side means both).

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::suggest::closest;

/// A body-map view on which regions and trigger points are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum View {
    Anterior,
    Posterior,
    HeadLateral,
}

impl View {
    pub const ALL: [View; 3] = [View::Anterior, View::Posterior, View::HeadLateral];

    pub fn as_str(self) -> &'static str {
        match self {
            View::Anterior => "anterior",
            View::Posterior => "posterior",
            View::HeadLateral => "head-lateral",
        }
    }
}

/// Anatomical grouping of regions, for menus and body-map layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegionGroup {
    Head,
    Face,
    Neck,
    Chest,
    Abdomen,
    Pelvis,
    Back,
    Shoulder,
    UpperArm,
    Elbow,
    Forearm,
    Hand,
    Hip,
    Thigh,
    Knee,
    Leg,
    Foot,
}

impl RegionGroup {
    /// The vertical band (y from 0 at the vertex to 1 at the sole) that regions of this group occupy on the
    /// whole-body anterior and posterior views; generous, so it catches misplaced points, not fine errors.
    pub fn y_band(self) -> (f64, f64) {
        match self {
            G::Head | G::Face => (0.0, 0.13),
            G::Neck => (0.07, 0.21),
            G::Chest => (0.13, 0.34),
            G::Abdomen => (0.27, 0.5),
            G::Pelvis => (0.38, 0.6),
            G::Back => (0.13, 0.52),
            G::Shoulder => (0.12, 0.27),
            G::UpperArm => (0.16, 0.4),
            G::Elbow => (0.32, 0.43),
            G::Forearm => (0.35, 0.52),
            G::Hand => (0.45, 0.63),
            G::Hip => (0.4, 0.57),
            G::Thigh => (0.45, 0.73),
            G::Knee => (0.65, 0.77),
            G::Leg => (0.69, 0.97),
            G::Foot => (0.87, 1.0),
        }
    }
}

/// One entry of the region vocabulary.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Region {
    pub id: &'static str,
    pub label: &'static str,
    pub sided: bool,
    pub group: RegionGroup,
    pub views: &'static [View],
}

use RegionGroup as G;
use View::{Anterior as A, HeadLateral as H, Posterior as P};

const fn r(id: &'static str, sided: bool, label: &'static str, group: RegionGroup, views: &'static [View]) -> Region {
    Region {
        id,
        label,
        sided,
        group,
        views,
    }
}

/// The 86 regions, head to foot. The order is part of the contract (listings follow it).
pub static REGIONS: [Region; 86] = [
    r("vertex", false, "top of the head", G::Head, &[A, P, H]),
    r("forehead", true, "forehead", G::Head, &[A, H]),
    r("temple", true, "temple", G::Head, &[A, H]),
    r("eyebrow", true, "eyebrow and above the eye", G::Face, &[A, H]),
    r("eye", true, "in and behind the eye", G::Face, &[A, H]),
    r("cheek", true, "cheek and maxillary sinus", G::Face, &[A, H]),
    r("nose", false, "nose", G::Face, &[A, H]),
    r("ear", true, "in and around the ear", G::Head, &[A, P, H]),
    r("tmj", true, "temporomandibular joint", G::Face, &[A, H]),
    r("jaw", true, "lower jaw and its angle", G::Face, &[A, H]),
    r("upper-teeth", true, "upper teeth", G::Face, &[A, H]),
    r("lower-teeth", true, "lower teeth", G::Face, &[A, H]),
    r("chin", false, "chin", G::Face, &[A, H]),
    r("occiput", true, "back of the head", G::Head, &[P, H]),
    r("mastoid", true, "behind the ear, over the mastoid", G::Head, &[P, H]),
    r(
        "throat",
        false,
        "throat, tongue and front of the neck",
        G::Neck,
        &[A, H],
    ),
    r("neck-posterior", true, "back of the neck", G::Neck, &[P, H]),
    r("neck-lateral", true, "side of the neck", G::Neck, &[A, P, H]),
    r("sternum", false, "breastbone", G::Chest, &[A]),
    r("clavicle", true, "collarbone", G::Chest, &[A]),
    r("chest", true, "upper chest, pectoral area", G::Chest, &[A]),
    r("breast", true, "breast and nipple", G::Chest, &[A]),
    r(
        "chest-lateral",
        true,
        "side of the chest under the arm",
        G::Chest,
        &[A, P],
    ),
    r("abdomen-upper", true, "upper abdomen", G::Abdomen, &[A]),
    r("abdomen-lower", true, "lower abdomen", G::Abdomen, &[A]),
    r("groin", true, "groin", G::Pelvis, &[A]),
    r(
        "perineum",
        false,
        "perineum, genitals and anal region",
        G::Pelvis,
        &[A, P],
    ),
    r("upper-back", true, "upper back beside the spine, T1-T6", G::Back, &[P]),
    r(
        "interscapular",
        true,
        "along the inner border of the shoulder blade",
        G::Back,
        &[P],
    ),
    r("scapula", true, "over the shoulder blade", G::Back, &[P]),
    r("mid-back", true, "mid and lower thoracic back, T7-T12", G::Back, &[P]),
    r("lower-back", true, "lower back, lumbar", G::Back, &[P]),
    r("sacrum", false, "sacrum", G::Back, &[P]),
    r("sacroiliac", true, "sacroiliac joint", G::Back, &[P]),
    r("coccyx", false, "tailbone", G::Pelvis, &[P]),
    r("buttock", true, "buttock", G::Pelvis, &[P]),
    r("shoulder-top", true, "top of the shoulder", G::Shoulder, &[A, P]),
    r("shoulder-anterior", true, "front of the shoulder", G::Shoulder, &[A]),
    r(
        "shoulder-lateral",
        true,
        "outer shoulder, over the deltoid",
        G::Shoulder,
        &[A, P],
    ),
    r("shoulder-posterior", true, "back of the shoulder", G::Shoulder, &[P]),
    r("axilla", true, "armpit", G::Shoulder, &[A, P]),
    r("upper-arm-anterior", true, "front of the upper arm", G::UpperArm, &[A]),
    r("upper-arm-posterior", true, "back of the upper arm", G::UpperArm, &[P]),
    r("upper-arm-lateral", true, "outer upper arm", G::UpperArm, &[A, P]),
    r("upper-arm-medial", true, "inner upper arm", G::UpperArm, &[A, P]),
    r(
        "elbow-lateral",
        true,
        "outer elbow, lateral epicondyle",
        G::Elbow,
        &[A, P],
    ),
    r(
        "elbow-medial",
        true,
        "inner elbow, medial epicondyle",
        G::Elbow,
        &[A, P],
    ),
    r("elbow-posterior", true, "point of the elbow, olecranon", G::Elbow, &[P]),
    r("elbow-anterior", true, "front of the elbow", G::Elbow, &[A]),
    r("forearm-dorsal", true, "back of the forearm", G::Forearm, &[P]),
    r("forearm-volar", true, "palm side of the forearm", G::Forearm, &[A]),
    r("forearm-radial", true, "thumb side of the forearm", G::Forearm, &[A, P]),
    r(
        "forearm-ulnar",
        true,
        "little-finger side of the forearm",
        G::Forearm,
        &[A, P],
    ),
    r("wrist-dorsal", true, "back of the wrist", G::Hand, &[P]),
    r("wrist-volar", true, "palm side of the wrist", G::Hand, &[A]),
    r("hand-dorsal", true, "back of the hand", G::Hand, &[P]),
    r("palm", true, "palm", G::Hand, &[A]),
    r("thumb", true, "thumb and its base", G::Hand, &[A, P]),
    r("index-finger", true, "index finger", G::Hand, &[A, P]),
    r("middle-finger", true, "middle finger", G::Hand, &[A, P]),
    r("ring-finger", true, "ring finger", G::Hand, &[A, P]),
    r("little-finger", true, "little finger", G::Hand, &[A, P]),
    r("hip-lateral", true, "outer hip, greater trochanter", G::Hip, &[A, P]),
    r("thigh-anterior", true, "front of the thigh", G::Thigh, &[A]),
    r("thigh-lateral", true, "outer thigh", G::Thigh, &[A, P]),
    r("thigh-posterior", true, "back of the thigh", G::Thigh, &[P]),
    r("thigh-medial", true, "inner thigh", G::Thigh, &[A, P]),
    r("knee-anterior", true, "front of the knee, kneecap", G::Knee, &[A]),
    r("knee-medial", true, "inner knee", G::Knee, &[A, P]),
    r("knee-lateral", true, "outer knee", G::Knee, &[A, P]),
    r("knee-posterior", true, "back of the knee", G::Knee, &[P]),
    r("shin", true, "front of the lower leg", G::Leg, &[A]),
    r("leg-lateral", true, "outer lower leg", G::Leg, &[A, P]),
    r("leg-medial", true, "inner lower leg", G::Leg, &[A, P]),
    r("calf", true, "calf, back of the lower leg", G::Leg, &[P]),
    r("ankle-anterior", true, "front of the ankle", G::Foot, &[A]),
    r(
        "ankle-lateral",
        true,
        "outer ankle, lateral malleolus",
        G::Foot,
        &[A, P],
    ),
    r("ankle-medial", true, "inner ankle, medial malleolus", G::Foot, &[A, P]),
    r("achilles", true, "Achilles tendon", G::Foot, &[P]),
    r("heel", true, "heel", G::Foot, &[P]),
    r("foot-dorsal", true, "top of the foot", G::Foot, &[A]),
    r("instep", true, "arch of the foot", G::Foot, &[A, P]),
    r("sole", true, "sole of the foot", G::Foot, &[P]),
    r("forefoot-plantar", true, "ball of the foot", G::Foot, &[P]),
    r("big-toe", true, "big toe", G::Foot, &[A, P]),
    r("lesser-toes", true, "the four lesser toes", G::Foot, &[A, P]),
];

/// Index of a region in [`REGIONS`]: small, copyable and cheap to compare in the ranking engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionId(u8);

impl RegionId {
    /// Stands in for an unknown region while validation collects problems; never escapes a failed load.
    pub(crate) const PLACEHOLDER: RegionId = RegionId(0);

    /// Looks a region up by its exact id.
    pub fn lookup(id: &str) -> Option<RegionId> {
        REGIONS
            .iter()
            .position(|r| r.id == id)
            .and_then(|i| u8::try_from(i).ok())
            .map(RegionId)
    }

    pub fn region(self) -> &'static Region {
        &REGIONS[usize::from(self.0)]
    }

    pub fn as_str(self) -> &'static str {
        self.region().id
    }

    pub fn sided(self) -> bool {
        self.region().sided
    }

    /// Position in [`REGIONS`], for dense per-region tables.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// Every region, in vocabulary order.
    pub fn all() -> impl Iterator<Item = RegionId> {
        (0..REGIONS.len()).filter_map(|i| u8::try_from(i).ok()).map(RegionId)
    }

    /// Parses a bare id, with a "did you mean" error for an unknown one.
    pub fn parse(id: &str) -> Result<RegionId, RegionError> {
        RegionId::lookup(id).ok_or_else(|| RegionError::Unknown {
            input: id.to_owned(),
            suggestions: suggest(id),
        })
    }
}

/// Close region ids for a mistyped one. Everyday words are first translated into the vocabulary's
/// (`neck-back` → `neck-posterior`, `outer-knee` → `knee-lateral` is then a close spelling).
fn suggest(input: &str) -> Vec<&'static str> {
    const SYNONYMS: [(&str, &str); 6] = [
        ("back", "posterior"),
        ("front", "anterior"),
        ("outer", "lateral"),
        ("side", "lateral"),
        ("inner", "medial"),
        ("rear", "posterior"),
    ];
    let translated: Vec<&str> = input
        .split('-')
        .map(|word| {
            SYNONYMS
                .iter()
                .find(|(from, _)| *from == word)
                .map_or(word, |(_, to)| to)
        })
        .collect();
    let mut found = closest(&translated.join("-"), REGIONS.iter().map(|r| r.id), 3);
    for id in closest(input, REGIONS.iter().map(|r| r.id), 3) {
        if !found.contains(&id) {
            found.push(id);
        }
    }
    found.truncate(3);
    found
}

impl fmt::Display for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RegionId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A side of the body, as written after a sided region id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    Left,
    Right,
    Both,
}

impl Side {
    pub const CHOICES: &'static str = "left, right, both";

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
            Side::Both => "both",
        }
    }

    /// The other side; `Both` stays `Both`.
    pub fn opposite(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
            Side::Both => Side::Both,
        }
    }
}

impl FromStr for Side {
    type Err = RegionError;

    fn from_str(s: &str) -> Result<Side, RegionError> {
        match s.to_ascii_lowercase().as_str() {
            "left" | "l" => Ok(Side::Left),
            "right" | "r" => Ok(Side::Right),
            "both" | "bilateral" => Ok(Side::Both),
            _ => Err(RegionError::UnknownSide(s.to_owned())),
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A region with its side: `temple:right`, `sternum`. Midline regions carry no side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionRef {
    pub region: RegionId,
    /// `None` for a midline region; `Some` (never absent) for a sided one.
    pub side: Option<Side>,
}

impl FromStr for RegionRef {
    type Err = RegionError;

    fn from_str(input: &str) -> Result<RegionRef, RegionError> {
        let trimmed = input.trim();
        let (id, side) = match trimmed.split_once(':') {
            Some((id, side)) => (id, Some(side)),
            None => (trimmed, None),
        };
        let region = RegionId::parse(&id.to_ascii_lowercase())?;
        match (region.sided(), side) {
            (true, None) => Ok(RegionRef {
                region,
                side: Some(Side::Both),
            }),
            (true, Some(side)) => Ok(RegionRef {
                region,
                side: Some(side.parse()?),
            }),
            (false, None) => Ok(RegionRef { region, side: None }),
            (false, Some(_)) => Err(RegionError::SideOnMidline(region.as_str())),
        }
    }
}

impl fmt::Display for RegionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.side {
            Some(side) => write!(f, "{}:{}", self.region, side),
            None => write!(f, "{}", self.region),
        }
    }
}

impl Serialize for RegionRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why a region reference was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("unknown region '{input}'{}; `taut atlas regions` lists all 86", did_you_mean(.suggestions))]
    Unknown {
        input: String,
        suggestions: Vec<&'static str>,
    },
    #[error("region '{0}' lies on the midline and takes no side; write it without ':side'")]
    SideOnMidline(&'static str),
    #[error("unknown side '{0}'; valid sides: {choices}", choices = Side::CHOICES)]
    UnknownSide(String),
}

/// Formats "; did you mean a, b or c?" (empty when there is nothing close).
pub fn did_you_mean<S: AsRef<str>>(suggestions: &[S]) -> String {
    let names: Vec<&str> = suggestions.iter().map(AsRef::as_ref).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn vocabulary_has_86_unique_kebab_case_ids() {
        let ids: HashSet<_> = REGIONS.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), 86);
        for region in &REGIONS {
            assert!(
                region.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                region.id
            );
            assert!(!region.views.is_empty(), "{} has no view", region.id);
        }
    }

    #[test]
    fn exactly_the_eight_midline_regions_are_unsided() {
        let midline: Vec<_> = REGIONS.iter().filter(|r| !r.sided).map(|r| r.id).collect();
        assert_eq!(
            midline,
            [
                "vertex", "nose", "chin", "throat", "sternum", "perineum", "sacrum", "coccyx"
            ]
        );
    }

    #[test]
    fn parses_sides_and_defaults_sided_regions_to_both() {
        let cases = [
            ("temple:right", "temple", Some(Side::Right)),
            ("temple:left", "temple", Some(Side::Left)),
            ("temple", "temple", Some(Side::Both)),
            ("Temple:Both", "temple", Some(Side::Both)),
            ("sternum", "sternum", None),
        ];
        for (input, id, side) in cases {
            let parsed: RegionRef = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((parsed.region.as_str(), parsed.side), (id, side), "{input}");
        }
    }

    #[test]
    fn rejects_unknown_ids_with_suggestions() {
        let err = "tempel:right".parse::<RegionRef>().unwrap_err();
        assert!(matches!(&err, RegionError::Unknown { suggestions, .. } if suggestions.first() == Some(&"temple")));
        assert!(err.to_string().contains("did you mean temple"), "{err}");
        let err = "neck-back".parse::<RegionRef>().unwrap_err();
        assert!(err.to_string().contains("neck-posterior"), "{err}");
    }

    #[test]
    fn rejects_a_side_on_a_midline_region_and_an_unknown_side() {
        assert_eq!(
            "sternum:left".parse::<RegionRef>(),
            Err(RegionError::SideOnMidline("sternum"))
        );
        let err = "temple:up".parse::<RegionRef>().unwrap_err();
        assert!(err.to_string().contains("left, right, both"), "{err}");
    }
}
