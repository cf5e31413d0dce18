//! A region as written in a drawing or on the command line (`temple:right`): parsed or refused, never a panic;
//! what parses prints back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use taut_atlas::RegionRef;

fuzz_target!(|text: &str| {
    if let Ok(region) = text.parse::<RegionRef>() {
        let again: RegionRef = region.to_string().parse().expect("a printed region parses");
        assert_eq!(again, region);
    }
});
