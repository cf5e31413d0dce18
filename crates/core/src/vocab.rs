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

/// A closed vocabulary written as an enum: its ids (kebab-case), the choices an error message lists and a
/// parser are all derived from the enum, so the Rust type, the help text, the validation and the database's
/// `CHECK` lists (tested against it) cannot drift apart. Derive `strum::EnumIter`, `strum::IntoStaticStr` and
/// `strum::EnumString` with `serialize_all = "kebab-case"` and implement this with the field name used in
/// errors.
pub trait Vocabulary: Sized + Copy + strum::IntoEnumIterator + Into<&'static str> + 'static {
    /// What the vocabulary is called in messages ("sex", "encounter kind").
    const NAME: &'static str;

    /// The value's id as stored and exchanged.
    fn id(self) -> &'static str {
        self.into()
    }

    /// Every value, in declaration order.
    fn iter_all() -> impl Iterator<Item = Self> {
        Self::iter()
    }

    /// Every id, in declaration order.
    fn ids() -> Vec<&'static str> {
        Self::iter().map(Self::id).collect()
    }

    /// The ids joined for an error message or help text: `female, male, other, unknown`.
    fn choices() -> String {
        Self::ids().join(", ")
    }

    /// Reads an id ignoring case, surrounding space, and `_` or a space written for `-`.
    fn find(text: &str) -> Option<Self> {
        let normal = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Self::iter().find(|v| v.id() == normal)
    }

    /// Like [`Vocabulary::find`], with an error that quotes the value and lists the choices.
    fn parse(text: &str) -> Result<Self, String> {
        Self::find(text).ok_or_else(|| {
            format!(
                "unknown {} {}; valid: {}",
                Self::NAME,
                crate::records::quoted(text),
                Self::choices()
            )
        })
    }
}

/// Declares a closed vocabulary enum with its strum derives and its [`Vocabulary`] name.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $label:literal, { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
            strum::EnumIter, strum::IntoStaticStr, strum::EnumString,
        )]
        #[serde(rename_all = "kebab-case")]
        #[strum(serialize_all = "kebab-case", ascii_case_insensitive)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl Vocabulary for $name {
            const NAME: &'static str = $label;
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                self.id()
            }
        }
    };
}

vocabulary!(
    /// A user's role; what each may do is the allow-list in `taut-app`.
    Role, "role", {
        /// Manages users; no access to clinical data.
        Admin,
        /// Reads and writes clinical data.
        Clinician,
        /// Writes demographics, encounters, pain drawings and outcome measures; not findings, plans or procedures.
        Assistant,
        /// Reads the audit log only.
        Auditor,
    }
);

vocabulary!(
    /// What a user is trained as; decides who may sign an injection.
    Profession, "profession", {
        Physician,
        NursePractitioner,
        PhysicianAssistant,
        PhysicalTherapist,
        MassageTherapist,
        Other,
    }
);

vocabulary!(
    /// The kind of a visit.
    EncounterKind, "encounter kind", { Assessment, Procedure, FollowUp }
);

vocabulary!(
    /// An outcome measure.
    Measure, "measure", { PainNrs, PressurePainThreshold, RangeOfMotion, Other }
);

vocabulary!(
    /// How a pain feels, as the patient describes it on a drawing.
    PainQuality, "pain quality", {
        Aching, Burning, Sharp, Dull, Throbbing, Stabbing, Shooting, Tingling, Numbness, Cramping, Pressure,
    }
);

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
    fn ids_are_kebab_case_and_parse_back() {
        assert_eq!(EncounterKind::ids(), ["assessment", "procedure", "follow-up"]);
        assert_eq!(Profession::NursePractitioner.id(), "nurse-practitioner");
        assert_eq!(Role::find(" Clinician "), Some(Role::Clinician));
        assert_eq!(Measure::find("range_of_motion"), Some(Measure::RangeOfMotion));
    }

    #[test]
    fn an_unknown_value_is_quoted_with_the_choices() {
        let error = Role::parse("wizard").expect_err("no such role");
        assert_eq!(
            error,
            "unknown role 'wizard'; valid: admin, clinician, assistant, auditor"
        );
    }

    #[test]
    fn lookup_is_case_insensitive_and_canonical() {
        assert_eq!(lookup(CONDITIONS, "pregnancy"), Some("pregnancy"));
        assert_eq!(lookup(MEDICATIONS, "warfarin"), None);
    }
}
