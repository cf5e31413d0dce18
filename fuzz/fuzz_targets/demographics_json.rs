//! A patient body: canonical demographics that keep their limits, or an error naming one field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use taut_core::records::{Demographics, limits};

fuzz_target!(|bytes: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Demographics>(bytes) else {
        return;
    };
    let today = time::macros::date!(2026 - 11 - 26);
    match input.validate(today) {
        Ok(d) => {
            assert!(d.mrn.chars().count() <= limits::MRN);
            assert!(!d.given_name.chars().any(char::is_control));
            assert!(d.notes.as_ref().is_none_or(|n| n.chars().count() <= limits::NOTES));
        }
        Err(e) => assert!(!e.field.is_empty() && e.message.chars().count() < 300),
    }
});
