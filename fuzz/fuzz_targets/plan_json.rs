//! The plan JSON of `taut plan check` and `POST /api/v1/plans/check`: a report or an error naming the field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use taut_atlas::Atlas;
use taut_core::plan::{Catalog, PlanInput, check};

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    match PlanInput::parse(text) {
        Ok(input) => {
            let atlas = Atlas::embedded().expect("atlas");
            let catalog = Catalog::embedded().expect("catalog");
            match input.resolve(atlas, catalog) {
                Ok(plan) => {
                    let _ = check(&plan, catalog);
                }
                Err(e) => assert!(!e.field.is_empty() && !e.message.is_empty()),
            }
        }
        Err(e) => assert!(!e.message.is_empty()),
    }
});
