//! Every code system and code Taut writes into FHIR, each with where it was verified. A standard code is used
//! only when verified; everything else is written as Taut's own code with readable text, so a receiver never
//! reads a guessed SNOMED CT or LOINC meaning.

/// LOINC.
pub const LOINC: &str = "http://loinc.org";
/// "Pain severity - 0-10 verbal numeric rating [Score] - Reported", active (loinc.org/72514-3, as quoted by the
/// HL7 Belgium patient-monitoring IG value set "Pain severity - 0-10 verbal numeric rating").
pub const LOINC_PAIN_SEVERITY_NRS: &str = "72514-3";
pub const LOINC_PAIN_SEVERITY_NRS_DISPLAY: &str = "Pain severity - 0-10 verbal numeric rating [Score] - Reported";
/// "Body weight": the code fixed by the FHIR R4 body weight profile (hl7.org/fhir/StructureDefinition/bodyweight)
/// and US Core's body weight profile.
pub const LOINC_BODY_WEIGHT: &str = "29463-7";

/// SNOMED CT.
pub const SNOMED: &str = "http://snomed.info/sct";
/// Laterality qualifiers, from HL7's value set `bodystructure-laterality` (hl7.org/fhir/ValueSet/
/// bodystructure-laterality, expansion on SNOMED CT International 2025-02) and HL7 Europe's
/// `siteLaterality-eu`: 7771000 "Left (qualifier value)", 24028007 "Right (qualifier value)", 51440002 "Right and
/// left (qualifier value)".
pub const LATERALITY: &[(&str, &str, &str)] = &[
    ("left", "7771000", "Left (qualifier value)"),
    ("right", "24028007", "Right (qualifier value)"),
    ("both", "51440002", "Right and left (qualifier value)"),
];

/// The FHIR extensions pack's `observation-structureLaterality` (trial use; context Observation.bodySite, value a
/// CodeableConcept): the side of a body site whose code does not carry it.
pub const EXT_STRUCTURE_LATERALITY: &str = "http://hl7.org/fhir/StructureDefinition/observation-structureLaterality";

/// UCUM units.
pub const UCUM: &str = "http://unitsofmeasure.org";
/// FHIR R4 observation categories (`exam`, `survey`).
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
/// HL7 v2 table 0203, identifier type: `MR` medical record number.
pub const IDENTIFIER_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
/// HL7 v3 ActCode: `AMB` ambulatory, the encounter class of an outpatient visit.
pub const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// Why a value is absent: `not-performed` for a sign that was not assessed.
pub const DATA_ABSENT_REASON: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
/// ICD-10-CM, for Conditions whose record holds a code (none does yet: conditions are free text).
pub const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";

/// CPT, as "Using CPT with FHIR" (hl7.org/fhir/dstu2/cpt.html) and HL7 Terminology's value set `cpt-all` name
/// it. Only the code is written: CPT descriptors are the AMA's copyrighted text.
pub const CPT: &str = "http://www.ama-assn.org/go/cpt";
/// HL7 v3 RouteOfAdministration; `IM` "Injection, intramuscular" heads HL7 Terminology's value set
/// `v3-IntramuscularInjection` (terminology.hl7.org/ValueSet/v3-IntramuscularInjection). A trigger point injection
/// goes into the muscle.
pub const ROUTE: &str = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration";
pub const ROUTE_INTRAMUSCULAR: (&str, &str) = ("IM", "Injection, intramuscular");
/// R4 AdverseEventOutcome (hl7.org/fhir/R4/codesystem-adverse-event-outcome.html): `resolved`, `ongoing`, …
pub const AE_OUTCOME: &str = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome";
/// AdverseEventSeriousness (hl7.org/fhir/R4/codesystem-adverse-event-seriousness.html; codes as listed in the
/// value set `adverse-event-seriousness`): `serious`, `non-serious`.
pub const AE_SERIOUSNESS: &str = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness";

/// Taut's own code systems and extensions, under one prefix so that a published canonical URL can replace it in
/// one place. The codes are Taut's vocabularies (atlas ids, region ids, record kinds), printed with their text.
pub const TAUT: &str = "urn:taut:fhir:";

pub fn taut(name: &str) -> String {
    format!("{TAUT}{name}")
}

/// Taut code systems and extensions, by name.
pub mod taut {
    pub const MUSCLE: &str = "atlas-muscle";
    pub const TRIGGER_POINT: &str = "atlas-trigger-point";
    pub const REGION: &str = "atlas-region";
    pub const RECORD_KIND: &str = "record-kind";
    pub const ENCOUNTER_KIND: &str = "encounter-kind";
    pub const SIGN: &str = "trigger-point-sign";
    pub const CLASSIFICATION: &str = "trigger-point-classification";
    pub const PAIN_QUALITY: &str = "pain-quality";
    pub const MEASURE: &str = "outcome-measure";
    pub const NOTES: &str = "notes";
    /// Agents of the drug catalog (`taut catalog agents`), `dry-needling` and `manual-pressure`.
    pub const AGENT: &str = "agent";
    /// Side effects of the follow-up catalog (`taut catalog side-effects`).
    pub const SIDE_EFFECT: &str = "side-effect";
    /// What Taut records beyond the R4 elements, each a complex extension whose parts are named like the
    /// record's fields: one treated site, the consent, a billing line, an adverse event's details.
    pub const PROCEDURE_SITE: &str = "procedure-site";
    pub const CONSENT: &str = "consent";
    pub const BILLING_LINE: &str = "billing-line";
    pub const ADVERSE_EVENT: &str = "adverse-event";
    /// The CarePlan category of a self-care programme.
    pub const CARE_PLAN: &str = "care-plan";
}

/// The Taut category that says which record an Observation carries, so that import never guesses.
pub mod kind {
    pub const PAIN_MARK: &str = "pain-drawing-mark";
    pub const FINDING: &str = "trigger-point-finding";
    pub const OUTCOME: &str = "outcome-measure";
    pub const BODY_WEIGHT: &str = "body-weight";
}

/// The SNOMED CT laterality qualifier of a side (`left`, `right`, `both`).
pub fn laterality(side: &str) -> Option<(&'static str, &'static str)> {
    LATERALITY
        .iter()
        .find(|(s, _, _)| *s == side)
        .map(|(_, code, display)| (*code, *display))
}

/// The side of a SNOMED CT laterality qualifier.
pub fn side_of(code: &str) -> Option<&'static str> {
    LATERALITY.iter().find(|(_, c, _)| *c == code).map(|(side, _, _)| *side)
}

/// The UCUM code of one of Taut's outcome units; a free unit has none.
pub fn ucum(unit: &str) -> Option<&'static str> {
    match unit {
        "NRS" => Some("{score}"),
        "kg/cm2" => Some("kg/cm2"),
        "deg" => Some("deg"),
        "kg" => Some("kg"),
        "mg" => Some("mg"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table as read from HL7's bodystructure-laterality value set.
    #[test]
    fn laterality_codes_are_the_verified_ones() {
        for (side, code) in [("left", "7771000"), ("right", "24028007"), ("both", "51440002")] {
            assert_eq!(laterality(side).map(|l| l.0), Some(code), "{side}");
            assert_eq!(side_of(code), Some(side));
        }
        assert_eq!(laterality("middle"), None);
        assert_eq!(
            side_of("419161000"),
            None,
            "'unilateral left' is not the qualifier Taut writes"
        );
    }

    #[test]
    fn loinc_codes_are_the_verified_ones() {
        assert_eq!(LOINC_PAIN_SEVERITY_NRS, "72514-3");
        assert_eq!(LOINC_BODY_WEIGHT, "29463-7");
    }
}
