//! The differential's input as every client writes it: the API's JSON body, the CLI's options and the
//! evaluation's cases all become a [`DrawingInput`], and this one parser turns it into a [`Drawing`] or an
//! [`Invalid`] that names the field (`regions[2].intensity`, `confirmed[0]`, `age`).

use serde::{Deserialize, Serialize};
use taut_atlas::{Atlas, RegionRef, Symptom};

use super::drawing::{Drawing, DrawnRegion, FindingStatus, MAX_AGE, PriorFinding, Sex};
use crate::records::{Invalid, quoted};
use crate::side::muscle_side;

/// How many candidates are listed when the input does not say, and the most listed whatever it asks for.
pub const DEFAULT_TOP: usize = 10;
pub const MAX_TOP: usize = 100;

/// A drawn region: `"temple:right"`, or `{"region": "temple:right", "intensity": 7}` (`"region": "temple",
/// "side": "right"` works too). Read by hand rather than as an untagged enum, so that a misspelt key in an
/// object is named instead of "did not match any variant".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RegionInput {
    Plain(String),
    Detailed {
        region: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        side: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        intensity: Option<i64>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionObject {
    region: String,
    side: Option<String>,
    intensity: Option<i64>,
}

impl<'de> Deserialize<'de> for RegionInput {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RegionInput, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => Ok(RegionInput::Plain(text)),
            object @ serde_json::Value::Object(_) => {
                let o = RegionObject::deserialize(object).map_err(D::Error::custom)?;
                Ok(RegionInput::Detailed {
                    region: o.region,
                    side: o.side,
                    intensity: o.intensity,
                })
            }
            _ => Err(D::Error::custom(
                "a region is \"temple:right\" or {\"region\": \"temple:right\", \"intensity\": 7}",
            )),
        }
    }
}

impl RegionInput {
    /// The region as written, with its side (`temple:right`).
    pub fn written(&self) -> String {
        match self {
            RegionInput::Plain(text) => text.clone(),
            RegionInput::Detailed { region, side, .. } => match side {
                Some(side) => format!("{region}:{side}"),
                None => region.clone(),
            },
        }
    }

    fn intensity(&self) -> Option<i64> {
        match self {
            RegionInput::Plain(_) => None,
            RegionInput::Detailed { intensity, .. } => *intensity,
        }
    }
}

/// A pain drawing with what else the differential weighs: the JSON contract of `POST /api/v1/differential`
/// (`top` says how many candidates to list).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawingInput {
    /// Each region as `"temple:right"` or `{"region": "temple", "side": "right", "intensity": 7}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<serde_json::Value>))]
    pub regions: Vec<RegionInput>,
    /// Symptom qualifiers (`numbness`, `dizziness`, …).
    #[serde(default)]
    pub symptoms: Vec<String>,
    /// Trigger points found on exam: `TRIGGER_POINT:SIDE`, or a bare id for a midline muscle.
    #[serde(default)]
    pub confirmed: Vec<String>,
    /// Trigger points examined and not found.
    #[serde(default)]
    pub ruled_out: Vec<String>,
    /// Age in whole years, for the red-flag rules.
    #[serde(default)]
    pub age: Option<i64>,
    /// `female`, `male`, `other` or `unknown`, for the red-flag rules.
    #[serde(default)]
    pub sex: Option<String>,
    /// How many candidates to list (default 10, at most 100).
    #[serde(default)]
    pub top: Option<i64>,
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        message: message.into(),
    }
}

impl DrawingInput {
    /// The drawing, checked against the vocabularies and the atlas.
    pub fn drawing(&self, atlas: &Atlas) -> Result<Drawing, Invalid> {
        if self.regions.is_empty() {
            return Err(invalid("regions", "the drawing is empty: give at least one region"));
        }
        let mut regions = Vec::with_capacity(self.regions.len());
        for (i, input) in self.regions.iter().enumerate() {
            let field = format!("regions[{i}]");
            let region: RegionRef = input
                .written()
                .parse()
                .map_err(|e: taut_atlas::RegionError| invalid(&field, e.to_string()))?;
            let intensity = match input.intensity() {
                Some(v) => Some(u8::try_from(v).ok().filter(|v| *v <= 10).ok_or_else(|| {
                    invalid(
                        format!("{field}.intensity"),
                        "intensity must be a whole number from 0 to 10",
                    )
                })?),
                None => None,
            };
            regions.push(DrawnRegion { region, intensity });
        }
        let symptoms = self
            .symptoms
            .iter()
            .enumerate()
            .map(|(i, s)| Symptom::parse(s).map_err(|e| invalid(format!("symptoms[{i}]"), e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let mut findings = Vec::new();
        for (list, status, name) in [
            (&self.confirmed, FindingStatus::Confirmed, "confirmed"),
            (&self.ruled_out, FindingStatus::RuledOut, "ruled_out"),
        ] {
            for (i, text) in list.iter().enumerate() {
                findings.push(prior_finding(atlas, &format!("{name}[{i}]"), text, status)?);
            }
        }
        let age = self
            .age
            .map(|a| {
                u8::try_from(a)
                    .ok()
                    .filter(|a| *a <= MAX_AGE)
                    .ok_or_else(|| invalid("age", format!("age must be a whole number from 0 to {MAX_AGE}")))
            })
            .transpose()?;
        let sex = self
            .sex
            .as_deref()
            .map(|s| Sex::parse(s).map_err(|e| invalid("sex", e)))
            .transpose()?;
        let drawing = Drawing {
            regions,
            symptoms,
            findings,
            age,
            sex,
        };
        // Every rule is checked above with its field; this is the core's own guard, kept in one place.
        drawing.validate(atlas).map_err(|e| invalid("regions", e.to_string()))?;
        Ok(drawing)
    }

    /// How many candidates to list: at least one; a request for more than [`MAX_TOP`] lists that many.
    pub fn top(&self) -> Result<usize, Invalid> {
        match self.top {
            None => Ok(DEFAULT_TOP),
            Some(n) => usize::try_from(n)
                .ok()
                .filter(|n| *n >= 1)
                .map(|n| n.min(MAX_TOP))
                .ok_or_else(|| invalid("top", "must be a whole number of at least 1")),
        }
    }
}

/// `TRIGGER_POINT:SIDE` (or a bare id for a midline muscle), checked against the atlas and the side rule.
fn prior_finding(atlas: &Atlas, field: &str, text: &str, status: FindingStatus) -> Result<PriorFinding, Invalid> {
    let trimmed = text.trim();
    let (id, side) = match trimmed.rsplit_once(':') {
        Some((id, side)) => (id, Some(side)),
        None => (trimmed, None),
    };
    let (muscle, _) = atlas.trigger_point(id).ok_or_else(|| {
        invalid(
            field,
            format!(
                "unknown trigger point {}; trigger point ids are listed by `taut atlas show MUSCLE`",
                quoted(id)
            ),
        )
    })?;
    let side = muscle_side(muscle, side).map_err(|e| invalid(field, format!("{}: {e}", quoted(trimmed))))?;
    Ok(PriorFinding {
        trigger_point: id.to_owned(),
        side,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atlas() -> &'static Atlas {
        Atlas::embedded().expect("atlas")
    }

    fn input(json: serde_json::Value) -> DrawingInput {
        serde_json::from_value(json).expect("readable input")
    }

    fn field_of(json: serde_json::Value) -> String {
        input(json).drawing(atlas()).expect_err("invalid").field
    }

    #[test]
    fn a_region_is_a_string_or_an_object_with_side_and_intensity() {
        let drawing = input(serde_json::json!({"regions": [
            "temple:right",
            {"region": "neck-posterior", "side": "right", "intensity": 6}
        ]}))
        .drawing(atlas())
        .expect("valid");
        assert_eq!(drawing.regions.len(), 2);
        assert_eq!(drawing.regions[0].intensity, None);
        assert_eq!(drawing.regions[1].intensity, Some(6));
        assert_eq!(drawing.regions[1].region.to_string(), "neck-posterior:right");
    }

    #[test]
    fn a_misspelt_key_in_a_region_is_named() {
        let error = serde_json::from_value::<DrawingInput>(serde_json::json!({"regions": [{"regoin": "temple"}]}))
            .expect_err("unknown key");
        assert!(error.to_string().contains("regoin"), "{error}");
    }

    #[test]
    fn each_error_names_its_field() {
        let cases = [
            (serde_json::json!({"regions": []}), "regions"),
            (serde_json::json!({"regions": ["nowhere"]}), "regions[0]"),
            (
                serde_json::json!({"regions": ["temple", {"region": "jaw", "intensity": 11}]}),
                "regions[1].intensity",
            ),
            (
                serde_json::json!({"regions": ["temple"], "symptoms": ["dizziness", "purple"]}),
                "symptoms[1]",
            ),
            (
                serde_json::json!({"regions": ["temple"], "confirmed": ["no-such-point:left"]}),
                "confirmed[0]",
            ),
            (
                serde_json::json!({"regions": ["temple"], "ruled_out": ["trapezius-upper-trp1"]}),
                "ruled_out[0]",
            ),
            (serde_json::json!({"regions": ["temple"], "age": 131}), "age"),
            (serde_json::json!({"regions": ["temple"], "age": -1}), "age"),
            (serde_json::json!({"regions": ["temple"], "sex": "x"}), "sex"),
        ];
        for (json, field) in cases {
            assert_eq!(field_of(json.clone()), field, "{json}");
        }
    }

    #[test]
    fn a_finding_follows_the_side_rule() {
        let error = input(serde_json::json!({"regions": ["temple"], "confirmed": ["trapezius-upper-trp1:both"]}))
            .drawing(atlas())
            .expect_err("both is no muscle side");
        assert!(error.message.contains("valid sides: left, right"), "{}", error.message);
        let ok = input(serde_json::json!({"regions": ["temple"], "confirmed": ["trapezius-upper-trp1:Left"]}))
            .drawing(atlas())
            .expect("valid");
        assert_eq!(ok.findings[0].side, Some(super::super::BodySide::Left));
    }

    #[test]
    fn top_defaults_to_ten_and_is_bounded() {
        assert_eq!(DrawingInput::default().top(), Ok(DEFAULT_TOP));
        let with = |top| DrawingInput {
            top: Some(top),
            ..DrawingInput::default()
        };
        assert_eq!(with(3).top(), Ok(3));
        assert_eq!(with(0).top().expect_err("zero").field, "top");
        assert_eq!(with(-3).top().expect_err("negative").field, "top");
        assert_eq!(with(500).top(), Ok(MAX_TOP));
    }
}
