//! Property tests of every parser that takes outside input: regions, pain drawings, the differential's
//! drawing, the plan JSON and demographics. Whatever arrives, the answer is a value or a clear error naming
//! a field, never a panic; and what is accepted keeps the invariants the rest of Taut relies on.

use proptest::prelude::*;
use serde_json::{Value, json};
use taut_atlas::{Atlas, RegionRef};
use taut_core::differential::{Drawing, DrawnRegion, FindingStatus, PriorFinding, Ranker};
use taut_core::plan::{Catalog, PlanInput, check};
use taut_core::records::{Demographics, EARLIEST_DATE, PainMarkInput, limits};

fn atlas() -> &'static Atlas {
    Atlas::embedded().expect("the embedded atlas loads")
}

/// Text that hits the parsers' edges: real ids and words, near misses, controls, odd Unicode, long runs.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "temple:right", "temple", "temple:left", "temple:both", "sternum", "sternum:left", "neck-posterior:right",
            "TEMPLE:RIGHT", " temple : right ", "temple:", ":right", "::", "", " ", "trapezius", "trapezius-upper-trp1",
            "trapezius-upper-trp1:left", "masseter-deep:right", "lidocaine", "incobotulinumtoxinA", "U", "mg", "left",
            "right", "both", "female", "aching", "pain-nrs", "2026-11-26", "1980-02-29", "-0001-01-01", "1899-12-31",
            "9999-12-31", "2026-02-30", "dizziness", "peroneus longus",
        ])
        .prop_map(str::to_owned),
        3 => ".{0,40}",
        1 => "[a-z:-]{0,30}",
        1 => prop::collection::vec(prop::char::range('\u{0}', '\u{a0}'), 0..20)
            .prop_map(|c| c.into_iter().collect()),
        1 => (1usize..3000).prop_map(|n| "é".repeat(n)),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        (-20i64..600).prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![0.0, -0.0, 1e308, -1e308, 5e-324, 0.5, 10.0, 400.0, 401.0]).prop_map(|f| json!(f)),
    ]
}

/// Any JSON value, leaning on the shapes the parsers expect.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(vec![
                        "region",
                        "side",
                        "intensity",
                        "quality",
                        "marks",
                        "muscle",
                        "agent",
                        "dose",
                        "value",
                        "unit",
                        "items",
                        "date",
                        "patient",
                        "weight_kg",
                        "history",
                        "points",
                        "volume_ml",
                        "concentration_percent",
                        "allergies",
                        "conditions",
                        "medications",
                        "muscles",
                    ])
                    .prop_map(str::to_owned),
                    text(),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A plan body close enough to valid that resolution and the checks run, with any field gone wrong.
fn plan_like() -> impl Strategy<Value = Value> {
    let item = (
        text(),
        prop::option::of(text()),
        text(),
        prop::option::of((number(), text())),
        prop::option::of(number()),
        prop::option::of(number()),
        prop::option::of(any::<u32>()),
    )
        .prop_map(|(muscle, side, agent, dose, volume, concentration, points)| {
            let mut item = json!({"muscle": muscle, "agent": agent});
            if let Some(side) = side {
                item["side"] = json!(side);
            }
            if let Some((value, unit)) = dose {
                item["dose"] = json!({"value": value, "unit": unit});
            }
            if let Some(volume) = volume {
                item["volume_ml"] = volume;
            }
            if let Some(concentration) = concentration {
                item["concentration_percent"] = concentration;
            }
            if let Some(points) = points {
                item["points"] = json!(points);
            }
            item
        });
    let history = (text(), text(), number(), text(), prop::collection::vec(text(), 0..3))
        .prop_map(|(date, agent, value, unit, muscles)| {
            json!({"date": date, "agent": agent, "dose": {"value": value, "unit": unit}, "muscles": muscles})
        });
    (
        text(),
        prop::option::of(number()),
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(history, 0..3),
        prop::collection::vec(item, 0..6),
    )
        .prop_map(|(date, weight, allergies, conditions, medications, history, items)| {
            json!({"date": date, "patient": {"weight_kg": weight, "allergies": allergies, "conditions": conditions,
                   "medications": medications, "history": history}, "items": items})
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn regions_parse_or_refuse_and_what_parses_round_trips(input in text()) {
        if let Ok(region) = input.parse::<RegionRef>() {
            let again: RegionRef = region.to_string().parse().expect("a printed region parses");
            prop_assert_eq!(again, region);
        }
    }

    #[test]
    fn pain_marks_are_valid_or_name_their_field(body in any_json()) {
        if let Ok(marks) = serde_json::from_value::<Vec<PainMarkInput>>(body) {
            for (i, mark) in marks.into_iter().enumerate() {
                match mark.validate(i) {
                    Ok(valid) => prop_assert!((0..=10).contains(&valid.intensity)),
                    Err(e) => prop_assert!(e.field.starts_with(&format!("marks[{i}]")), "{}", e),
                }
            }
        }
    }

    #[test]
    fn any_drawing_is_ranked_or_refused(
        regions in prop::collection::vec((text(), prop::option::of(0u8..=12)), 0..8),
        findings in prop::collection::vec(text(), 0..3),
        top in 0usize..200,
    ) {
        let regions: Vec<DrawnRegion> = regions
            .into_iter()
            .filter_map(|(text, intensity)| Some(DrawnRegion { region: text.parse().ok()?, intensity }))
            .collect();
        let findings = findings
            .iter()
            .filter_map(|f| PriorFinding::parse(f, FindingStatus::Confirmed).ok())
            .collect();
        let drawing = Drawing { regions, symptoms: Vec::new(), findings, age: None, sex: None };
        if drawing.validate(atlas()).is_ok() {
            let ranked = Ranker::new(atlas()).rank(&drawing, top.clamp(1, 100));
            let value = serde_json::to_value(&ranked).expect("serialises");
            for candidate in value["candidates"].as_array().expect("candidates") {
                let score = candidate["fit"].as_f64().expect("fit");
                prop_assert!(score.is_finite() && score >= 0.0, "{}", score);
            }
        }
    }

    #[test]
    fn any_json_is_a_plan_or_a_clear_error(body in any_json()) {
        if let Ok(input) = serde_json::from_value::<PlanInput>(body) {
            let catalog = Catalog::embedded().expect("catalog");
            if let Ok(plan) = input.resolve(atlas(), catalog) {
                let _ = check(&plan, catalog);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn near_valid_plans_are_checked_or_refused_by_field(body in plan_like()) {
        let catalog = Catalog::embedded().expect("catalog");
        match serde_json::from_value::<PlanInput>(body) {
            Ok(input) => match input.resolve(atlas(), catalog) {
                Ok(plan) => {
                    let report = serde_json::to_value(check(&plan, catalog)).expect("serialises");
                    for total in report["totals"].as_array().expect("totals") {
                        prop_assert!(total["value"].as_f64().is_some_and(f64::is_finite), "{}", total);
                    }
                }
                Err(e) => prop_assert!(!e.field.is_empty() && !e.message.is_empty(), "{:?}", e),
            },
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn accepted_demographics_keep_their_invariants(
        mrn in text(), given in text(), family in text(), birth in text(), sex in text(), notes in prop::option::of(text()),
    ) {
        let today = time::macros::date!(2026 - 11 - 26);
        let input = Demographics {
            mrn, given_name: given, family_name: family, birth_date: birth, sex,
            weight_kg: None, allergies: vec![], conditions: vec![], medications: vec![], notes,
        };
        match input.validate(today) {
            Ok(d) => {
                for (value, max) in [(&d.mrn, limits::MRN), (&d.given_name, limits::NAME), (&d.family_name, limits::NAME)] {
                    prop_assert!(!value.is_empty() && value.chars().count() <= max);
                    prop_assert!(!value.chars().any(char::is_control));
                }
                let birth = time::Date::parse(&d.birth_date, time::macros::format_description!("[year]-[month]-[day]"))
                    .expect("a stored birth date parses");
                prop_assert!(birth >= EARLIEST_DATE && birth <= today);
            }
            Err(e) => {
                prop_assert!(["mrn", "given_name", "family_name", "birth_date", "sex", "notes"].contains(&e.field.as_str()), "{}", e);
                prop_assert!(e.message.chars().count() < 300, "an error quotes too much: {}", e.message.len());
            }
        }
    }
}
