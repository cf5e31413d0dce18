//! Command-line options whose values come from a closed vocabulary (`taut_core::vocab`): the help's
//! `[possible values: …]`, shell completion and the error for an unknown value are all derived from the enum,
//! so a new role or profession appears in the CLI without touching this crate.

use std::ffi::OsStr;
use std::marker::PhantomData;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command};
use taut_core::vocab::Vocabulary;

/// Parses an option into a vocabulary value as the app does ([`Vocabulary::find`]: case, surrounding space and
/// `_` for `-` are forgiven) and lists the ids as the option's possible values.
#[derive(Debug)]
pub struct VocabularyParser<V>(PhantomData<V>);

impl<V> VocabularyParser<V> {
    pub fn new() -> Self {
        VocabularyParser(PhantomData)
    }
}

impl<V> Clone for VocabularyParser<V> {
    fn clone(&self) -> Self {
        VocabularyParser(PhantomData)
    }
}

impl<V: Vocabulary + Send + Sync> TypedValueParser for VocabularyParser<V> {
    type Value = V;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &OsStr) -> Result<V, clap::Error> {
        let text = value.to_string_lossy();
        V::find(&text).ok_or_else(|| {
            let mut error = clap::Error::new(ErrorKind::InvalidValue).with_cmd(cmd);
            if let Some(arg) = arg {
                error.insert(ContextKind::InvalidArg, ContextValue::String(arg.to_string()));
            }
            error.insert(ContextKind::InvalidValue, ContextValue::String(text.into_owned()));
            let valid = V::ids().into_iter().map(str::to_owned).collect();
            error.insert(ContextKind::ValidValue, ContextValue::Strings(valid));
            error
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(V::ids().into_iter().map(PossibleValue::new)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use taut_core::vocab::{Profession, Role};

    fn parse<V: Vocabulary + Send + Sync>(text: &str) -> Result<V, clap::Error> {
        VocabularyParser::<V>::new().parse_ref(&Command::new("taut"), None, OsStr::new(text))
    }

    #[test]
    fn every_id_parses_and_is_a_possible_value() {
        let listed: Vec<String> = VocabularyParser::<Role>::new()
            .possible_values()
            .expect("values")
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(listed, Role::ids());
        for role in Role::iter_all() {
            assert_eq!(parse::<Role>(role.id()).expect("parses"), role);
        }
    }

    #[test]
    fn case_space_and_underscores_are_forgiven_as_in_the_app() {
        assert_eq!(parse::<Role>(" Clinician ").expect("parses"), Role::Clinician);
        assert_eq!(
            parse::<Profession>("physical_therapist").expect("parses"),
            Profession::PhysicalTherapist
        );
    }

    #[test]
    fn an_unknown_value_is_refused_with_the_choices() {
        let command = Command::new("taut").arg(
            Arg::new("role")
                .long("role")
                .value_parser(VocabularyParser::<Role>::new()),
        );
        let error = command
            .try_get_matches_from(["taut", "--role", "boss"])
            .expect_err("unknown")
            .to_string();
        assert!(
            error.contains("boss") && error.contains("admin, clinician, assistant, auditor"),
            "{error}"
        );
    }
}
