//! Validation of clinical record input: demographics, encounters, pain drawings, exam findings and outcome
//! measures. Each check names the field and the valid choices, so the API can answer 422 with them.

use serde::{Deserialize, Serialize};
use taut_atlas::{Atlas, RegionRef, Side};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::differential::Sex;
use crate::exam::{Sign, Signs};
use crate::vocab::{EncounterKind, Measure, PainQuality, Vocabulary};

/// A field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

fn invalid(field: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.to_owned(),
        message: message.into(),
    }
}

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Length limits of the free-text fields, in characters (Unicode scalar values), documented in
/// docs/reliability.md. They are far above any real value and far below what would burden a database or a
/// screen: a 900,000-character name is an attack or an accident, not a name.
pub mod limits {
    /// A medical record number (hospital MRNs run to about 20 characters).
    pub const MRN: usize = 64;
    /// A given or a family name.
    pub const NAME: usize = 200;
    /// Notes on a patient, an encounter or a finding.
    pub const NOTES: usize = 10_000;
    /// The name of a free or range-of-motion outcome measure ("cervical rotation left").
    pub const MEASURE_NAME: usize = 200;
    /// The unit of a free outcome measure ("min", "m", "steps").
    pub const UNIT: usize = 32;
    /// A record id given in a body (an encounter id); Taut's ids are 36-character UUIDs.
    pub const ID: usize = 64;
    /// The reason given for deleting a record.
    pub const REASON: usize = 1_000;
    /// Characters of a refused value quoted back in an error message.
    pub const QUOTED: usize = 40;
}

/// The earliest birth date and the earliest time of an encounter or measure accepted: no living patient was
/// born before 1900, and a record dated earlier is a typo (or year 0 from a broken client).
pub const EARLIEST_DATE: Date = time::macros::date!(1900 - 01 - 01);

/// A refused value as quoted back in an error: at most [`limits::QUOTED`] characters, control characters
/// escaped, so an error never echoes a megabyte or a terminal escape sequence.
pub fn quoted(value: &str) -> String {
    let mut out: String = value
        .chars()
        .take(limits::QUOTED)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if value.chars().count() > limits::QUOTED {
        out.push('…');
    }
    format!("'{out}'")
}

/// Finds `value` in a vocabulary, ignoring case and writing `_` or a space for `-`; a few common synonyms
/// (`F`, `nrs`, `ppt`, `rom`, `followup`) are accepted and stored as the canonical id.
fn choose<V: Vocabulary>(field: &str, value: &str) -> Result<&'static str, Invalid> {
    let normal = value.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    let synonym = match normal.as_str() {
        "f" => "female",
        "m" => "male",
        "pain" | "nrs" | "pain-score" | "pain-nrs-0-10" => "pain-nrs",
        "ppt" | "pressure-threshold" | "pressure-pain-threshold-kg-cm2" => "pressure-pain-threshold",
        "rom" => "range-of-motion",
        "followup" => "follow-up",
        other => other,
    };
    V::find(synonym).map(V::id).ok_or_else(|| {
        invalid(
            field,
            format!("unknown value {}; valid: {}", quoted(value), V::choices()),
        )
    })
}

/// One line of text: trimmed, not empty, at most `max` characters, no control characters at all.
fn text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(invalid(field, format!("longer than {max} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(invalid(field, "contains control characters"));
    }
    Ok(trimmed.to_owned())
}

/// The reason given for deleting a record: one line of at most [`limits::REASON`] characters.
pub fn delete_reason(value: &str) -> Result<String, Invalid> {
    text("reason", value, limits::REASON)
}

/// A record id given in a body: at most [`limits::ID`] characters, no control characters.
pub fn record_id(field: &str, value: &str) -> Result<String, Invalid> {
    text(field, value, limits::ID)
}

/// Optional free text (notes): line breaks and tabs allowed, other control characters refused.
fn notes(field: &str, value: Option<String>) -> Result<Option<String>, Invalid> {
    let Some(value) = value.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(invalid(field, "contains control characters"));
    }
    if value.chars().count() > limits::NOTES {
        return Err(invalid(field, format!("longer than {} characters", limits::NOTES)));
    }
    Ok(Some(value))
}

/// Parses a timestamp (RFC 3339) and returns it in UTC, truncated to microseconds (both engines keep that).
/// Times before [`EARLIEST_DATE`] (in UTC) are refused.
pub fn timestamp(field: &str, value: &str) -> Result<String, Invalid> {
    let parsed = OffsetDateTime::parse(value.trim(), &Rfc3339).map_err(|_| {
        invalid(
            field,
            format!(
                "{} is not an RFC 3339 date-time (e.g. 2026-11-26T09:30:00Z)",
                quoted(value)
            ),
        )
    })?;
    if parsed.to_offset(time::UtcOffset::UTC).date() < EARLIEST_DATE {
        return Err(invalid(field, format!("lies before {EARLIEST_DATE}")));
    }
    Ok(format_utc(parsed))
}

/// A calendar date written exactly `YYYY-MM-DD` (four-digit year, no sign) from [`EARLIEST_DATE`] to `today`.
pub fn past_date(field: &str, value: &str, today: Date) -> Result<Date, Invalid> {
    let trimmed = value.trim();
    let shaped = trimmed.len() == 10
        && trimmed.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let date = shaped
        .then(|| Date::parse(trimmed, DATE_FORMAT).ok())
        .flatten()
        .ok_or_else(|| invalid(field, format!("{} is not a date YYYY-MM-DD", quoted(value))))?;
    if date < EARLIEST_DATE {
        return Err(invalid(field, format!("lies before {EARLIEST_DATE}")));
    }
    if date > today {
        return Err(invalid(field, "lies in the future"));
    }
    Ok(date)
}

/// Records describe what happened: a time more than a day ahead (clock skew allowed) is a typo.
fn not_future(field: &str, stamp: String, now: OffsetDateTime) -> Result<String, Invalid> {
    if stamp > format_utc(now + time::Duration::days(1)) {
        return Err(invalid(field, "lies in the future"));
    }
    Ok(stamp)
}

/// Formats a moment as UTC RFC 3339 with microseconds: fixed width, so text order is time order.
pub fn format_utc(moment: OffsetDateTime) -> String {
    let utc = moment.to_offset(time::UtcOffset::UTC);
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    utc.format(format).unwrap_or_default()
}

/// Allergies, conditions and medications as the clinician wrote them (`penicillin`, `warfarin`, `hypertension`):
/// kept verbatim (trimmed), duplicates ignoring case dropped. The planner recognises what it can (catalog agents by
/// generic or brand name, medication classes, the conditions it checks) and reports the rest; the record never
/// refuses a clinical fact for being outside a vocabulary.
fn free_list(field: &str, values: &[String]) -> Result<Vec<String>, Invalid> {
    if values.len() > 200 {
        return Err(invalid(field, "more than 200 entries"));
    }
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let entry = text(field, value, limits::NAME)?;
        if !out.iter().any(|e| e.eq_ignore_ascii_case(&entry)) {
            out.push(entry);
        }
    }
    Ok(out)
}

/// A patient's demographics and clinical background, as stored and as exchanged.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demographics {
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub sex: String,
    #[serde(default)]
    pub weight_kg: Option<f64>,
    /// Free text as written (`lidocaine`, `Botox`, `penicillin`, `latex`).
    #[serde(default)]
    pub allergies: Vec<String>,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub medications: Vec<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl Demographics {
    /// Checks every field and returns the record in canonical form (trimmed, vocabulary ids canonical).
    pub fn validate(self, today: Date) -> Result<Demographics, Invalid> {
        let birth = past_date("birth_date", &self.birth_date, today)?;
        if let Some(weight) = self.weight_kg
            && !(weight.is_finite() && weight > 0.0 && weight <= 500.0)
        {
            return Err(invalid(
                "weight_kg",
                "must be a number of kilograms above 0 and at most 500",
            ));
        }
        Ok(Demographics {
            mrn: text("mrn", &self.mrn, limits::MRN)?,
            given_name: text("given_name", &self.given_name, limits::NAME)?,
            family_name: text("family_name", &self.family_name, limits::NAME)?,
            birth_date: birth.format(DATE_FORMAT).unwrap_or_default(),
            sex: choose::<Sex>("sex", &self.sex)?.to_owned(),
            weight_kg: self.weight_kg,
            allergies: free_list("allergies", &self.allergies)?,
            conditions: free_list("conditions", &self.conditions)?,
            medications: free_list("medications", &self.medications)?,
            notes: notes("notes", self.notes)?,
        })
    }
}

impl Demographics {
    /// Age in whole years on `on`, from a valid birth date; `None` when the birth date cannot be read or lies
    /// after `on`. The planner computes the same way (a birthday on 29 February comes on 1 March in other years).
    pub fn age_on(&self, on: Date) -> Option<i64> {
        let birth = Date::parse(self.birth_date.trim(), DATE_FORMAT).ok()?;
        (birth <= on).then(|| i64::from(crate::plan::whole_years(birth, on)))
    }
}

impl From<&Demographics> for crate::plan::PatientContext {
    /// The patient as the planner needs them, from the record: one patient context, not two. The record keeps
    /// no procedure history yet, so `history` is empty.
    fn from(record: &Demographics) -> crate::plan::PatientContext {
        crate::plan::PatientContext {
            weight_kg: record.weight_kg,
            birth_date: Some(record.birth_date.clone()),
            allergies: record.allergies.clone(),
            conditions: record.conditions.clone(),
            medications: record.medications.clone(),
            history: Vec::new(),
        }
    }
}

/// A partial update of demographics: absent fields keep their value; `null` clears an optional one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemographicsPatch {
    pub mrn: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>))]
    pub weight_kg: Option<Option<f64>>,
    pub allergies: Option<Vec<String>>,
    pub conditions: Option<Vec<String>>,
    pub medications: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub notes: Option<Option<String>>,
    /// The version the edit was based on (alternative to `If-Match`).
    pub version: Option<i64>,
}

/// Distinguishes an absent field (outer `None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

impl DemographicsPatch {
    pub fn apply(self, current: &Demographics) -> Demographics {
        Demographics {
            mrn: self.mrn.unwrap_or_else(|| current.mrn.clone()),
            given_name: self.given_name.unwrap_or_else(|| current.given_name.clone()),
            family_name: self.family_name.unwrap_or_else(|| current.family_name.clone()),
            birth_date: self.birth_date.unwrap_or_else(|| current.birth_date.clone()),
            sex: self.sex.unwrap_or_else(|| current.sex.clone()),
            weight_kg: self.weight_kg.unwrap_or(current.weight_kg),
            allergies: self.allergies.unwrap_or_else(|| current.allergies.clone()),
            conditions: self.conditions.unwrap_or_else(|| current.conditions.clone()),
            medications: self.medications.unwrap_or_else(|| current.medications.clone()),
            notes: self.notes.unwrap_or_else(|| current.notes.clone()),
        }
    }
}

/// A visit.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncounterInput {
    pub kind: String,
    /// RFC 3339; default now.
    pub occurred_at: Option<String>,
    pub notes: Option<String>,
}

/// A validated visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EncounterFields {
    pub kind: String,
    pub occurred_at: String,
    pub notes: Option<String>,
}

impl EncounterInput {
    pub fn validate(self, now: OffsetDateTime) -> Result<EncounterFields, Invalid> {
        Ok(EncounterFields {
            kind: choose::<EncounterKind>("kind", &self.kind)?.to_owned(),
            occurred_at: match &self.occurred_at {
                Some(value) => not_future("occurred_at", timestamp("occurred_at", value)?, now)?,
                None => format_utc(now),
            },
            notes: notes("notes", self.notes)?,
        })
    }
}

/// One region of a pain drawing.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PainMarkInput {
    /// `temple:right`, or `temple` with `side`.
    pub region: String,
    pub side: Option<String>,
    pub intensity: i64,
    pub quality: Option<String>,
}

/// A validated mark: region id, side (`left`/`right`/`both`, none for a midline region), intensity, quality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PainMark {
    pub region: String,
    pub side: Option<String>,
    pub intensity: i64,
    pub quality: Option<String>,
}

impl PainMarkInput {
    pub fn validate(self, index: usize) -> Result<PainMark, Invalid> {
        let field = format!("marks[{index}]");
        let written = match &self.side {
            Some(side) => format!("{}:{side}", self.region),
            None => self.region.clone(),
        };
        let region: RegionRef = written
            .parse()
            .map_err(|e: taut_atlas::RegionError| invalid(&field, e.to_string()))?;
        if !(0..=10).contains(&self.intensity) {
            return Err(invalid(
                &format!("{field}.intensity"),
                "must be a whole number from 0 to 10",
            ));
        }
        let quality = match &self.quality {
            Some(q) => Some(choose::<PainQuality>(&format!("{field}.quality"), q)?.to_owned()),
            None => None,
        };
        Ok(PainMark {
            region: region.region.as_str().to_owned(),
            side: region.side.map(|s: Side| s.as_str().to_owned()),
            intensity: self.intensity,
            quality,
        })
    }
}

/// An exam finding on one trigger point. Unknown fields are refused, so a misspelt sign is an error rather
/// than a sign silently left "not assessed".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    pub trigger_point: String,
    pub side: Option<String>,
    #[serde(default)]
    pub taut_band: Sign,
    #[serde(default, alias = "hypersensitive_spot")]
    pub spot_tenderness: Sign,
    #[serde(default)]
    pub referred_pain: Sign,
    #[serde(default, alias = "pain_recognized")]
    pub pain_recognised: Sign,
    #[serde(default, alias = "twitch_response", alias = "local_twitch_response")]
    pub local_twitch: Sign,
    #[serde(default)]
    pub jump_sign: Sign,
    #[serde(
        alias = "pressure_threshold",
        alias = "pressure_pain_threshold",
        alias = "ppt_kg_cm2"
    )]
    pub pressure_threshold_kg_cm2: Option<f64>,
    pub notes: Option<String>,
}

impl FindingInput {
    pub fn signs(&self) -> Signs {
        Signs {
            taut_band: self.taut_band,
            spot_tenderness: self.spot_tenderness,
            referred_pain: self.referred_pain,
            pain_recognised: self.pain_recognised,
            local_twitch: self.local_twitch,
            jump_sign: self.jump_sign,
        }
    }
}

/// A validated finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingFields {
    pub trigger_point: String,
    pub muscle: String,
    pub side: Option<String>,
    pub signs: Signs,
    pub pressure_threshold_kg_cm2: Option<f64>,
    pub notes: Option<String>,
}

impl FindingInput {
    pub fn validate(self, atlas: &Atlas) -> Result<FindingFields, Invalid> {
        let (muscle, _) = atlas.trigger_point(self.trigger_point.trim()).ok_or_else(|| {
            invalid(
                "trigger_point",
                format!(
                    "unknown trigger point {}; see `taut atlas show MUSCLE`",
                    quoted(&self.trigger_point)
                ),
            )
        })?;
        let side = crate::side::muscle_side(muscle, self.side.as_deref())
            .map_err(|e| invalid("side", e.to_string()))?
            .map(|s| s.as_str().to_owned());
        if let Some(ppt) = self.pressure_threshold_kg_cm2
            && !(ppt.is_finite() && ppt > 0.0 && ppt <= 20.0)
        {
            return Err(invalid(
                "pressure_threshold_kg_cm2",
                "must be above 0 and at most 20 kg/cm²",
            ));
        }
        Ok(FindingFields {
            trigger_point: self.trigger_point.trim().to_owned(),
            muscle: muscle.id.clone(),
            side,
            signs: self.signs(),
            pressure_threshold_kg_cm2: self.pressure_threshold_kg_cm2,
            notes: notes("notes", self.notes)?,
        })
    }
}

/// An outcome measure.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    pub measure: String,
    pub value: f64,
    pub unit: Option<String>,
    /// What was measured, for range of motion and free measures ("cervical rotation").
    pub name: Option<String>,
    pub encounter_id: Option<String>,
    pub recorded_at: Option<String>,
}

/// A validated outcome measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeFields {
    pub measure: String,
    pub name: Option<String>,
    pub value: f64,
    pub unit: String,
    pub encounter_id: Option<String>,
    pub recorded_at: String,
}

impl OutcomeInput {
    pub fn validate(self, now: OffsetDateTime) -> Result<OutcomeFields, Invalid> {
        let measure = choose::<Measure>("measure", &self.measure)?;
        if !self.value.is_finite() {
            return Err(invalid("value", "must be a number"));
        }
        let name = match self.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => Some(text("name", name, limits::MEASURE_NAME)?),
            None => None,
        };
        let (unit, range): (String, Option<(f64, f64)>) = match measure {
            "pain-nrs" => ("NRS".into(), Some((0.0, 10.0))),
            "pressure-pain-threshold" => ("kg/cm2".into(), Some((f64::MIN_POSITIVE, 20.0))),
            "range-of-motion" => {
                if name.is_none() {
                    return Err(invalid(
                        "name",
                        "range of motion needs the movement measured (e.g. cervical rotation left)",
                    ));
                }
                ("deg".into(), Some((0.0, 360.0)))
            }
            _ => {
                let unit = match self.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                    Some(unit) => Some(text("unit", unit, limits::UNIT)?),
                    None => None,
                };
                match (&name, unit) {
                    (Some(_), Some(unit)) => (unit, None),
                    _ => return Err(invalid("name", "a free measure needs a name and a unit")),
                }
            }
        };
        if let Some(given) = self.unit.as_deref().map(str::trim)
            && measure != "other"
            && !given.eq_ignore_ascii_case(&unit)
        {
            return Err(invalid(
                "unit",
                format!("{measure} is recorded in {unit}, not {}", quoted(given)),
            ));
        }
        if let Some((low, high)) = range
            && !(low..=high).contains(&self.value)
        {
            return Err(invalid(
                "value",
                format!("{measure} must lie between {low} and {high} {unit}"),
            ));
        }
        Ok(OutcomeFields {
            measure: measure.to_owned(),
            name,
            value: self.value,
            unit,
            encounter_id: match &self.encounter_id {
                Some(id) => Some(record_id("encounter_id", id)?),
                None => None,
            },
            recorded_at: match &self.recorded_at {
                Some(value) => not_future("recorded_at", timestamp("recorded_at", value)?, now)?,
                None => format_utc(now),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demographics() -> Demographics {
        Demographics {
            mrn: " MRN-1 ".into(),
            given_name: "Ada".into(),
            family_name: "Lovelace".into(),
            birth_date: "1980-02-29".into(),
            sex: "Female".into(),
            weight_kg: Some(61.5),
            allergies: vec!["Lidocaine".into(), "lidocaine".into()],
            conditions: vec!["pregnancy".into()],
            medications: vec![],
            notes: Some("  ".into()),
        }
    }

    fn today() -> Date {
        Date::from_calendar_date(2026, time::Month::November, 26).expect("date")
    }

    #[test]
    fn demographics_are_canonicalised() {
        let valid = demographics().validate(today()).expect("valid");
        assert_eq!(valid.mrn, "MRN-1");
        assert_eq!(valid.sex, "female");
        assert_eq!(
            valid.allergies,
            ["Lidocaine"],
            "kept as written, duplicates ignoring case dropped"
        );
        assert_eq!(valid.notes, None);
    }

    #[test]
    fn demographics_errors_name_the_field() {
        type Change = Box<dyn Fn(&mut Demographics)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|d| d.mrn = " ".into()), "mrn"),
            (Box::new(|d| d.birth_date = "1980-02-30".into()), "birth_date"),
            (Box::new(|d| d.birth_date = "2030-01-01".into()), "birth_date"),
            (Box::new(|d| d.sex = "x".into()), "sex"),
            (Box::new(|d| d.given_name = "A\u{0}B".into()), "given_name"),
            (Box::new(|d| d.notes = Some("bell \u{7}".into())), "notes"),
            (Box::new(|d| d.weight_kg = Some(0.0)), "weight_kg"),
            (Box::new(|d| d.allergies = vec![" ".into()]), "allergies"),
            (Box::new(|d| d.conditions = vec!["a".repeat(201)]), "conditions"),
            (
                Box::new(|d| d.medications = vec!["warfarin\u{0}".into()]),
                "medications",
            ),
        ];
        for (change, field) in cases {
            let mut d = demographics();
            change(&mut d);
            let err = d.validate(today()).expect_err(field);
            assert_eq!(err.field, field, "{err}");
        }
    }

    #[test]
    fn free_text_allergies_conditions_and_medications_are_kept() {
        let mut d = demographics();
        d.allergies = vec!["penicillin".into(), "Latex".into(), " Botox ".into()];
        d.conditions = vec!["hypertension".into(), "Pregnancy".into()];
        d.medications = vec!["warfarin".into(), "apixaban".into(), "Warfarin".into()];
        let valid = d.validate(today()).expect("free text is valid");
        assert_eq!(valid.allergies, ["penicillin", "Latex", "Botox"]);
        assert_eq!(valid.conditions, ["hypertension", "Pregnancy"]);
        assert_eq!(valid.medications, ["warfarin", "apixaban"]);
    }

    #[test]
    fn age_is_counted_in_whole_years_on_the_given_day() {
        let d = demographics().validate(today()).expect("valid");
        let on = |y, m, day| Date::from_calendar_date(y, m, day).expect("date");
        assert_eq!(d.age_on(on(2026, time::Month::February, 28)), Some(45));
        assert_eq!(d.age_on(on(2026, time::Month::March, 1)), Some(46));
        assert_eq!(d.age_on(on(1979, time::Month::January, 1)), None);
    }

    #[test]
    fn the_planner_reads_the_record_as_its_patient_context() {
        let d = demographics().validate(today()).expect("valid");
        let context = crate::plan::PatientContext::from(&d);
        assert_eq!(context.birth_date.as_deref(), Some("1980-02-29"));
        assert_eq!(context.weight_kg, Some(61.5));
        assert_eq!(context.allergies, ["Lidocaine"]);
        assert!(context.history.is_empty());
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let current = demographics().validate(today()).expect("valid");
        let patch: DemographicsPatch = serde_json_like(r#"{"weight_kg": null, "family_name": "Byron"}"#);
        let next = patch.apply(&current);
        assert_eq!(next.family_name, "Byron");
        assert_eq!(next.weight_kg, None);
        assert_eq!(next.given_name, current.given_name);
    }

    fn serde_json_like<T: for<'de> Deserialize<'de>>(text: &str) -> T {
        serde_json::from_str(text).expect("json")
    }

    #[test]
    fn pain_marks_take_the_region_vocabulary() {
        let mark = PainMarkInput {
            region: "temple".into(),
            side: Some("right".into()),
            intensity: 7,
            quality: Some("Aching".into()),
        };
        let valid = mark.validate(0).expect("valid");
        assert_eq!(
            (valid.region.as_str(), valid.side.as_deref(), valid.quality.as_deref()),
            ("temple", Some("right"), Some("aching"))
        );
        let midline = PainMarkInput {
            region: "sternum:left".into(),
            side: None,
            intensity: 3,
            quality: None,
        };
        assert!(midline.validate(0).expect_err("side").message.contains("midline"));
        let loud = PainMarkInput {
            region: "temple:left".into(),
            side: None,
            intensity: 11,
            quality: None,
        };
        assert_eq!(loud.validate(2).expect_err("intensity").field, "marks[2].intensity");
    }

    #[test]
    fn findings_check_the_atlas_and_the_side() {
        let atlas = Atlas::embedded().expect("atlas");
        let input = |tp: &str, side: Option<&str>| FindingInput {
            trigger_point: tp.into(),
            side: side.map(Into::into),
            pressure_threshold_kg_cm2: Some(2.5),
            ..FindingInput::default()
        };
        assert!(input("trapezius-upper-trp1", Some("left")).validate(atlas).is_ok());
        assert_eq!(
            input("trapezius-upper-trp1", None)
                .validate(atlas)
                .expect_err("side")
                .field,
            "side"
        );
        assert_eq!(
            input("nope", Some("left")).validate(atlas).expect_err("tp").field,
            "trigger_point"
        );
        assert_eq!(
            input("sphincter-ani-central", Some("left"))
                .validate(atlas)
                .expect_err("midline")
                .field,
            "side"
        );
    }

    #[test]
    fn outcomes_check_range_and_unit() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let outcome = |measure: &str, value: f64, unit: Option<&str>, name: Option<&str>| OutcomeInput {
            measure: measure.into(),
            value,
            unit: unit.map(Into::into),
            name: name.map(Into::into),
            encounter_id: None,
            recorded_at: None,
        };
        assert_eq!(
            outcome("pain-nrs", 7.0, None, None).validate(now).expect("ok").unit,
            "NRS"
        );
        assert_eq!(
            outcome("pain-nrs", 11.0, None, None)
                .validate(now)
                .expect_err("range")
                .field,
            "value"
        );
        assert_eq!(
            outcome("pain-nrs", 5.0, Some("mm"), None)
                .validate(now)
                .expect_err("unit")
                .field,
            "unit"
        );
        assert_eq!(
            outcome("range-of-motion", 60.0, None, None)
                .validate(now)
                .expect_err("name")
                .field,
            "name"
        );
        assert!(
            outcome("other", 3.0, Some("min"), Some("walking time"))
                .validate(now)
                .is_ok()
        );
        assert_eq!(
            outcome("weight", 3.0, None, None)
                .validate(now)
                .expect_err("measure")
                .field,
            "measure"
        );
    }

    #[test]
    fn timestamps_are_normalised_to_utc_microseconds() {
        assert_eq!(
            timestamp("t", "2026-11-26T10:30:00+01:00").expect("ok"),
            "2026-11-26T09:30:00.000000Z"
        );
        assert!(timestamp("t", "yesterday").is_err());
    }

    /// Each limit holds exactly: the longest allowed value passes, one character more is refused, naming the field.
    #[test]
    fn every_text_field_has_its_length_limit() {
        let at = |n: usize| "é".repeat(n);
        type Set = Box<dyn Fn(&mut Demographics, String)>;
        let cases: Vec<(&str, usize, Set)> = vec![
            ("mrn", limits::MRN, Box::new(|d, v| d.mrn = v)),
            ("given_name", limits::NAME, Box::new(|d, v| d.given_name = v)),
            ("family_name", limits::NAME, Box::new(|d, v| d.family_name = v)),
            ("notes", limits::NOTES, Box::new(|d, v| d.notes = Some(v))),
        ];
        for (field, max, set) in cases {
            let mut d = demographics();
            set(&mut d, at(max));
            assert!(d.validate(today()).is_ok(), "{field} at {max}");
            let mut d = demographics();
            set(&mut d, at(max + 1));
            assert_eq!(d.validate(today()).expect_err(field).field, field);
        }
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let encounter = |notes: String| EncounterInput {
            kind: "assessment".into(),
            occurred_at: None,
            notes: Some(notes),
        };
        assert!(encounter(at(limits::NOTES)).validate(now).is_ok());
        assert_eq!(
            encounter(at(limits::NOTES + 1)).validate(now).expect_err("notes").field,
            "notes"
        );
        let free = |name: String, unit: String, id: Option<String>| OutcomeInput {
            measure: "other".into(),
            value: 1.0,
            unit: Some(unit),
            name: Some(name),
            encounter_id: id,
            recorded_at: None,
        };
        assert!(
            free(at(limits::MEASURE_NAME), at(limits::UNIT), Some(at(limits::ID)))
                .validate(now)
                .is_ok()
        );
        for (outcome, field) in [
            (free(at(limits::MEASURE_NAME + 1), "m".into(), None), "name"),
            (free("walk".into(), at(limits::UNIT + 1), None), "unit"),
            (
                free("walk".into(), "m".into(), Some(at(limits::ID + 1))),
                "encounter_id",
            ),
            (free("walk".into(), "m\u{0}".into(), None), "unit"),
            (free("walk".into(), "m".into(), Some("id\u{0}".into())), "encounter_id"),
        ] {
            assert_eq!(outcome.validate(now).expect_err(field).field, field);
        }
        assert!(delete_reason(&at(limits::REASON)).is_ok());
        assert_eq!(
            delete_reason(&at(limits::REASON + 1)).expect_err("long").field,
            "reason"
        );
        assert_eq!(delete_reason("duplicate\u{0}").expect_err("nul").field, "reason");
        assert_eq!(delete_reason("  ").expect_err("empty").field, "reason");
    }

    #[test]
    fn control_characters_are_refused_and_notes_keep_line_breaks() {
        for bad in ["\u{0}", "\u{7}", "\u{1b}[31m", "\u{7f}", "\u{85}", "\u{8}"] {
            let mut d = demographics();
            d.family_name = format!("Love{bad}lace");
            assert_eq!(d.validate(today()).expect_err(bad).field, "family_name");
            let mut d = demographics();
            d.notes = Some(format!("no{bad}te"));
            assert_eq!(d.validate(today()).expect_err(bad).field, "notes");
        }
        let mut d = demographics();
        d.notes = Some("line one\r\nline two\tend".into());
        assert!(d.validate(today()).is_ok());
        let mut d = demographics();
        d.given_name = "Ada\nBeth".into();
        assert_eq!(d.validate(today()).expect_err("newline in a name").field, "given_name");
    }

    #[test]
    fn birth_dates_lie_between_1900_and_today_written_yyyy_mm_dd() {
        let cases: &[(&str, bool)] = &[
            ("1900-01-01", true),
            ("1980-02-29", true),
            ("2026-11-26", true),
            ("1899-12-31", false),
            ("-0001-01-01", false),
            ("0000-01-01", false),
            ("+1980-01-01", false),
            ("19800-01-01", false),
            ("1980-1-1", false),
            ("1980-01-01T00:00:00Z", false),
            ("2026-11-27", false),
            ("9999-12-31", false),
        ];
        for (date, ok) in cases {
            let mut d = demographics();
            d.birth_date = (*date).into();
            match d.validate(today()) {
                Ok(valid) => assert!(*ok && valid.birth_date == *date, "{date} accepted"),
                Err(e) => assert!(!*ok && e.field == "birth_date", "{date}: {e}"),
            }
        }
    }

    #[test]
    fn times_before_1900_are_refused() {
        assert!(timestamp("t", "1900-01-01T00:00:00Z").is_ok());
        for bad in [
            "1899-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "1900-01-01T00:30:00+01:00",
        ] {
            assert_eq!(timestamp("t", bad).expect_err(bad).message, "lies before 1900-01-01");
        }
    }

    #[test]
    fn refused_values_are_quoted_short_and_escaped() {
        assert_eq!(quoted("male"), "'male'");
        let long = quoted(&"x".repeat(900_000));
        assert_eq!(long.chars().count(), limits::QUOTED + 3);
        assert!(long.ends_with("…'"));
        assert_eq!(quoted("a\u{0}b\u{1b}"), "'a\\u{0}b\\u{1b}'");
        let mut d = demographics();
        d.sex = "x".repeat(900_000);
        assert!(d.validate(today()).expect_err("sex").message.len() < 200);
    }
}
