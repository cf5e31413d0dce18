//! A pain drawing body (`[{"region", "side", "intensity", "quality"}]`) and the differential on its regions:
//! a ranking or a clear error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use taut_atlas::Atlas;
use taut_core::differential::{Drawing, DrawnRegion, Ranker};
use taut_core::records::PainMarkInput;

fuzz_target!(|bytes: &[u8]| {
    let Ok(marks) = serde_json::from_slice::<Vec<PainMarkInput>>(bytes) else {
        return;
    };
    let atlas = Atlas::embedded().expect("atlas");
    let mut regions = Vec::new();
    for (i, mark) in marks.into_iter().enumerate() {
        match mark.validate(i) {
            Ok(valid) => {
                let written = match &valid.side {
                    Some(side) => format!("{}:{side}", valid.region),
                    None => valid.region.clone(),
                };
                let region = written.parse().expect("a validated mark is a region");
                regions.push(DrawnRegion {
                    region,
                    intensity: u8::try_from(valid.intensity).ok(),
                });
            }
            Err(e) => assert!(e.field.starts_with(&format!("marks[{i}]"))),
        }
    }
    let drawing = Drawing {
        regions,
        symptoms: Vec::new(),
        findings: Vec::new(),
        age: None,
        sex: None,
    };
    if drawing.validate(atlas).is_ok() {
        let _ = Ranker::new(atlas).rank(&drawing, 10);
    }
});
