//! The clinical vocabularies that patient records and the planner share: conditions and medications. Records
//! accept only these ids, so the planner's safety checks can rely on them. (Agent ids, for allergies too, are
//! the planner catalog's: see `plan::Catalog`.)

/// Conditions the planner checks a plan against.
pub const CONDITIONS: &[&str] = &[
    "pregnancy",
    "breastfeeding",
    "neuromuscular-disease",
    "bleeding-disorder",
    "anticoagulated",
    "infection-at-site",
    "diabetes",
];

/// Medication classes the planner checks a plan against.
pub const MEDICATIONS: &[&str] = &["aminoglycoside", "anticoagulant"];

/// Finds `input` in a vocabulary, ignoring case; returns the canonical spelling.
pub fn lookup(vocabulary: &'static [&'static str], input: &str) -> Option<&'static str> {
    vocabulary
        .iter()
        .copied()
        .find(|id| id.eq_ignore_ascii_case(input.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_canonical() {
        assert_eq!(lookup(CONDITIONS, "pregnancy"), Some("pregnancy"));
        assert_eq!(lookup(MEDICATIONS, "warfarin"), None);
    }
}
