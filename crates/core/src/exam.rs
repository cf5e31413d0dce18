//! Classifying an examined trigger point from its raw signs.
//!
//! The 2018 international Delphi consensus (Fernández-de-las-Peñas C, Dommerholt J. Pain Med 2018;19(1):142-150,
//! PMID 29025044) names three essential signs — a taut band, a hypersensitive spot and referred pain — and a
//! trigger point needs at least two of them (the abstract speaks of a "cluster of three"; the International
//! Continence Society's terminology page quotes "at least two of three"). It is **active** when its stimulation
//! reproduces a symptom the patient recognises as familiar, **latent** otherwise. The record keeps the raw signs;
//! the classification is always derived from them here.

use serde::{Deserialize, Serialize};

/// One examined sign. Written `yes`, `no` or `not-assessed`; input also accepts `true`/`false`, `null` and
/// `not assessed`/`not_assessed`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case", ascii_case_insensitive)]
pub enum Sign {
    Yes,
    No,
    #[default]
    NotAssessed,
}

impl crate::vocab::Vocabulary for Sign {
    const NAME: &'static str = "sign";
}

impl Sign {
    pub const CHOICES: &'static str = "yes, no, not-assessed";

    pub fn as_str(self) -> &'static str {
        match self {
            Sign::Yes => "yes",
            Sign::No => "no",
            Sign::NotAssessed => "not-assessed",
        }
    }

    pub fn parse(text: &str) -> Option<Sign> {
        match text.trim().to_ascii_lowercase().replace(['_', ' '], "-").as_str() {
            "yes" | "y" | "present" | "positive" => Some(Sign::Yes),
            "no" | "n" | "absent" | "negative" => Some(Sign::No),
            "not-assessed" | "na" | "n/a" | "unknown" => Some(Sign::NotAssessed),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Sign {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Sign, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Flag(bool),
            Text(String),
        }
        match Option::<Written>::deserialize(deserializer)? {
            None => Ok(Sign::NotAssessed),
            Some(Written::Flag(true)) => Ok(Sign::Yes),
            Some(Written::Flag(false)) => Ok(Sign::No),
            Some(Written::Text(text)) => Sign::parse(&text)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown sign '{text}'; valid: {}", Sign::CHOICES))),
        }
    }
}

/// The raw signs of one trigger point examination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Signs {
    #[serde(default)]
    pub taut_band: Sign,
    /// The hypersensitive spot of the consensus: exquisite tenderness of a spot in the band.
    #[serde(default)]
    pub spot_tenderness: Sign,
    #[serde(default)]
    pub referred_pain: Sign,
    /// The patient recognises the provoked sensation as their familiar symptom.
    #[serde(default)]
    pub pain_recognised: Sign,
    /// Confirmatory only; unreliable by palpation, so it does not enter the classification.
    #[serde(default)]
    pub local_twitch: Sign,
    /// Confirmatory only.
    #[serde(default)]
    pub jump_sign: Sign,
}

/// What the signs establish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Classification {
    /// A trigger point whose stimulation the patient recognises as their pain.
    Active,
    /// A trigger point that does not reproduce the patient's symptoms (or recognition was not confirmed).
    Latent,
    /// Fewer than two essential signs, and assessing the missing ones could not change that.
    NotATriggerPoint,
    /// Too few essential signs assessed to decide.
    Insufficient,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Active => "active",
            Classification::Latent => "latent",
            Classification::NotATriggerPoint => "not-a-trigger-point",
            Classification::Insufficient => "insufficient",
        }
    }
}

/// Classifies by the consensus: at least two of taut band, hypersensitive spot and referred pain; active when
/// the patient recognises the pain.
pub fn classify(signs: &Signs) -> Classification {
    let essential = [signs.taut_band, signs.spot_tenderness, signs.referred_pain];
    let present = essential.iter().filter(|s| **s == Sign::Yes).count();
    let unknown = essential.iter().filter(|s| **s == Sign::NotAssessed).count();
    if present >= 2 {
        if signs.pain_recognised == Sign::Yes {
            Classification::Active
        } else {
            Classification::Latent
        }
    } else if present + unknown >= 2 {
        Classification::Insufficient
    } else {
        Classification::NotATriggerPoint
    }
}

#[cfg(test)]
mod tests {
    use super::Sign::{No as N, NotAssessed as U, Yes as Y};
    use super::*;

    /// Cases from the consensus rule (≥2 of the three essential signs; active = recognised pain).
    #[test]
    fn consensus_table() {
        let cases = [
            // taut band, spot, referred, recognised → classification
            (Y, Y, Y, Y, Classification::Active),
            (Y, Y, N, Y, Classification::Active),
            (Y, N, Y, Y, Classification::Active),
            (N, Y, Y, Y, Classification::Active),
            (Y, Y, Y, N, Classification::Latent),
            (Y, Y, N, N, Classification::Latent),
            (Y, Y, U, U, Classification::Latent),
            (Y, N, N, Y, Classification::NotATriggerPoint),
            (N, N, N, N, Classification::NotATriggerPoint),
            (N, Y, N, Y, Classification::NotATriggerPoint),
            (Y, U, N, Y, Classification::Insufficient),
            (U, U, U, U, Classification::Insufficient),
            (Y, U, U, Y, Classification::Insufficient),
            (N, U, N, U, Classification::NotATriggerPoint),
        ];
        for (taut_band, spot_tenderness, referred_pain, pain_recognised, expected) in cases {
            let signs = Signs {
                taut_band,
                spot_tenderness,
                referred_pain,
                pain_recognised,
                ..Signs::default()
            };
            assert_eq!(classify(&signs), expected, "{signs:?}");
        }
    }

    #[test]
    fn signs_are_read_leniently_but_never_guessed() {
        let read = |json: &str| serde_json::from_str::<Sign>(json);
        assert_eq!(read("\"yes\"").ok(), Some(Y));
        assert_eq!(read("true").ok(), Some(Y));
        assert_eq!(read("false").ok(), Some(N));
        assert_eq!(read("null").ok(), Some(U));
        assert_eq!(read("\"not assessed\"").ok(), Some(U));
        assert!(read("\"maybe\"").is_err_and(|e| e.to_string().contains("yes, no, not-assessed")));
    }

    #[test]
    fn twitch_and_jump_sign_do_not_decide() {
        let signs = Signs {
            taut_band: Y,
            local_twitch: Y,
            jump_sign: Y,
            spot_tenderness: N,
            referred_pain: N,
            ..Signs::default()
        };
        assert_eq!(classify(&signs), Classification::NotATriggerPoint);
    }
}
