//! The clinical vocabularies that patient records and the planner share: agents (for allergies), conditions and
//! medications. Records accept only these ids, so the planner's safety checks can rely on them.

/// Agent ids: the generic names of the products the planner knows, multi-word ones in kebab-case.
pub const AGENTS: &[&str] = &[
    "onabotulinumtoxinA",
    "incobotulinumtoxinA",
    "abobotulinumtoxinA",
    "rimabotulinumtoxinB",
    "daxibotulinumtoxinA",
    "lidocaine",
    "bupivacaine",
    "ropivacaine",
    "procaine",
    "triamcinolone-acetonide",
    "methylprednisolone-acetate",
    "dexamethasone-sodium-phosphate",
    "betamethasone",
];

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
        assert_eq!(lookup(AGENTS, "INCOBOTULINUMTOXINA"), Some("incobotulinumtoxinA"));
        assert_eq!(lookup(CONDITIONS, "pregnancy"), Some("pregnancy"));
        assert_eq!(lookup(MEDICATIONS, "warfarin"), None);
    }
}
