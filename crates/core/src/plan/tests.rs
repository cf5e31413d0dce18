//! Table-driven checks from the cited sources, and properties that hold for every plan.

use proptest::prelude::*;
use serde_json::json;
use taut_atlas::Atlas;

use super::*;

fn atlas() -> &'static Atlas {
    Atlas::embedded().expect("atlas")
}

fn catalog() -> &'static Catalog {
    Catalog::embedded().expect("catalog")
}

fn report(plan: serde_json::Value) -> Report {
    let input = PlanInput::parse(&plan.to_string()).expect("parses");
    check(&input.resolve(atlas(), catalog()).expect("resolves"), catalog())
}

fn input_error(plan: serde_json::Value) -> PlanInputError {
    PlanInput::parse(&plan.to_string())
        .and_then(|i| i.resolve(atlas(), catalog()).map(|_| ()))
        .expect_err("unreadable")
}

fn toxin(muscle: &str, side: &str, agent: &str, units: f64, points: u32) -> serde_json::Value {
    json!({"muscle": muscle, "side": side, "agent": agent, "dose": {"value": units, "unit": "U"}, "points": points})
}

fn codes(report: &Report) -> Vec<String> {
    report
        .codes
        .iter()
        .map(|c| {
            let modifier = c.modifier.as_deref().map(|m| format!("-{m}")).unwrap_or_default();
            let units = c.units.map(|u| format!("x{u}")).unwrap_or_default();
            format!("{}{modifier}{units}", c.code)
        })
        .collect()
}

fn has(report: &Report, severity: Severity, code: &str) -> bool {
    report
        .findings
        .iter()
        .any(|f| f.severity == severity && f.code.as_ref() == code)
}

#[test]
fn the_seed_protocol_comes_to_55_units_from_one_100_unit_vial() {
    let input = from_template(
        catalog(),
        atlas(),
        "xeomin-facial",
        &[],
        PatientContext::default(),
        "2026-11-26".into(),
    )
    .expect("template");
    let report = check(&input.resolve(atlas(), catalog()).expect("resolves"), catalog());
    assert_eq!(
        report.totals,
        [Total {
            agent: "incobotulinumtoxinA".into(),
            value: 55.0,
            unit: "U".into()
        }]
    );
    assert_eq!(
        report.vials,
        [Vials {
            agent: "incobotulinumtoxinA".into(),
            size: 100,
            count: 1
        }]
    );
    assert_eq!(report.waste[0].value, 45.0);
    assert_eq!(
        codes(&report),
        ["20553x1", "J0588x55", "J0588-JWx45", "M79.11", "M79.12"]
    );
    assert!(!report.has_error(), "{:?}", report.findings);
    let masseter = report.items.iter().find(|i| i.muscle == "masseter").expect("masseter");
    assert_eq!((masseter.volume_ml, masseter.units_per_0_1_ml), (Some(0.3), Some(5.0)));
}

/// Units per 0.1 mL = vial units × 0.1 / diluent mL (labels' dilution tables).
#[test]
fn strengths_follow_the_labels() {
    let cases = [
        ("onabotulinumtoxinA", Some(5.0)),    // 100 U in 2 mL
        ("incobotulinumtoxinA", Some(5.0)),   // 100 U in 2 mL
        ("abobotulinumtoxinA", Some(20.0)),   // 500 U in 2.5 mL
        ("rimabotulinumtoxinB", Some(500.0)), // 5,000 U/mL solution
        ("daxibotulinumtoxinA", None),        // reconstitution not verified
    ];
    for (id, expected) in cases {
        let Some(AgentRef::Toxin(t)) = catalog().agent(id) else {
            panic!("{id}")
        };
        assert_eq!(t.units_per_0_1_ml(), expected, "{id}");
    }
}

#[test]
fn vials_minimise_waste_then_count() {
    type Case = (f64, &'static [u32], &'static [(u32, u32)]);
    let cases: [Case; 6] = [
        (55.0, &[50, 100, 200], &[(100, 1)]),
        (150.0, &[50, 100, 200], &[(100, 1), (50, 1)]),
        (400.0, &[50, 100, 200], &[(200, 2)]),
        (700.0, &[300, 500], &[(500, 1), (300, 1)]),
        (7500.0, &[2500, 5000, 10000], &[(5000, 1), (2500, 1)]),
        (0.0, &[100], &[]),
    ];
    assert_eq!(
        choose_vials(1_000_000.0, &[50, 100, 200]),
        [(200, 5000)],
        "large doses stay fast and exact"
    );
    for (total, sizes, expected) in cases {
        assert_eq!(choose_vials(total, sizes), expected, "{total} U from {sizes:?}");
    }
}

/// Lidocaine 4.5 mg/kg up to 300 mg; bupivacaine 2 mg/kg up to 175 mg; 1 % = 10 mg/mL.
#[test]
fn anesthetic_maximum_is_the_lower_of_weight_and_cap() {
    let plan = |agent: &str, weight: f64, ml: f64, percent: f64| {
        json!({"date": "2026-11-26", "patient": {"weight_kg": weight}, "items": [
            {"muscle": "trapezius", "side": "left", "agent": agent, "volume_ml": ml, "concentration_percent": percent}]})
    };
    let cases = [
        ("lidocaine", 70.0, 60.0, 0.5, false),     // 300 mg = min(315, 300)
        ("lidocaine", 70.0, 61.0, 0.5, true),      // 305 mg
        ("lidocaine", 50.0, 46.0, 0.5, true),      // 230 mg > 225 mg (4.5 × 50)
        ("lidocaine", 50.0, 45.0, 0.5, false),     // 225 mg
        ("bupivacaine", 100.0, 70.0, 0.25, false), // 175 mg = min(200, 175)
        ("bupivacaine", 100.0, 72.0, 0.25, true),  // 180 mg
        ("bupivacaine", 60.0, 50.0, 0.25, true),   // 125 mg > 120 mg (2 × 60)
    ];
    for (agent, weight, ml, percent, over) in cases {
        let report = report(plan(agent, weight, ml, percent));
        assert_eq!(
            has(&report, Severity::Error, "anesthetic-max-dose"),
            over,
            "{agent} {ml} mL {percent}% at {weight} kg"
        );
    }
    // Two anesthetics, each under its own maximum, together over it: 250 of 300 mg lidocaine (83 %) and
    // 125 of 140 mg bupivacaine (89 %) at 70 kg.
    let both = report(json!({"date": "2026-11-26", "patient": {"weight_kg": 70}, "items": [
        {"muscle": "trapezius", "side": "left", "agent": "lidocaine", "volume_ml": 25, "concentration_percent": 1},
        {"muscle": "trapezius", "side": "right", "agent": "bupivacaine", "volume_ml": 50, "concentration_percent": 0.25}]}));
    assert!(
        has(&both, Severity::Error, "anesthetic-max-dose"),
        "{:?}",
        both.findings
    );
    let message = &report(plan("lidocaine", 50.0, 46.0, 0.5)).findings[0].message;
    assert!(message.contains("225"), "{message}");
    let no_weight = report(json!({"date": "2026-11-26", "items": [
        {"muscle": "trapezius", "side": "left", "agent": "lidocaine", "volume_ml": 2, "concentration_percent": 0.5}]}));
    assert!(has(&no_weight, Severity::Error, "weight-required"));
}

#[test]
fn toxin_limits_from_the_labels() {
    let plan = |items: Vec<serde_json::Value>, history: serde_json::Value| json!({"date": "2026-11-26", "patient": {"weight_kg": 70, "history": history}, "items": items});
    // Xeomin: 400 U per session.
    let over = report(plan(
        vec![toxin("trapezius", "left", "incobotulinumtoxinA", 410.0, 9)],
        json!([]),
    ));
    assert!(has(&over, Severity::Error, "toxin-session-max"));
    let at = report(plan(
        vec![toxin("trapezius", "left", "incobotulinumtoxinA", 400.0, 9)],
        json!([]),
    ));
    assert!(!at.has_error(), "{:?}", at.findings);
    // Dysport: adult spasticity, upper and lower limb combined, at most 1500 U per session (US label).
    let dysport = |units: f64| {
        report(plan(
            vec![
                toxin("gluteus-medius", "left", "abobotulinumtoxinA", units / 2.0, 8),
                toxin("gluteus-medius", "right", "abobotulinumtoxinA", units / 2.0, 8),
            ],
            json!([]),
        ))
    };
    assert!(has(&dysport(1510.0), Severity::Error, "toxin-session-max"));
    assert!(!has(&dysport(1500.0), Severity::Error, "toxin-session-max"));
    // Botox: 400 U in any 90 days, history included.
    let recent = json!([{"date": "2026-10-27", "agent": "onabotulinumtoxinA", "dose": {"value": 300, "unit": "U"}, "muscle": "trapezius", "side": "left"}]);
    let report_recent = report(plan(
        vec![toxin("masseter", "left", "onabotulinumtoxinA", 150.0, 3)],
        recent,
    ));
    assert!(has(&report_recent, Severity::Error, "toxin-cumulative-max"));
    assert!(
        has(&report_recent, Severity::Error, "toxin-retreatment-interval"),
        "30 days < 12 weeks"
    );
    let old = json!([{"date": "2026-08-01", "agent": "onabotulinumtoxinA", "dose": {"value": 300, "unit": "U"}}]);
    let report_old = report(plan(
        vec![toxin("masseter", "left", "onabotulinumtoxinA", 150.0, 3)],
        old,
    ));
    assert!(
        !report_old.has_error(),
        "117 days ago is outside both windows: {:?}",
        report_old.findings
    );
    // Another product within 12 weeks: a warning, not an error.
    let other = json!([{"date": "2026-10-27", "agent": "abobotulinumtoxinA", "dose": {"value": 300, "unit": "U"}}]);
    let report_other = report(plan(
        vec![toxin("masseter", "left", "incobotulinumtoxinA", 20.0, 1)],
        other,
    ));
    assert!(has(&report_other, Severity::Warning, "toxin-retreatment-interval") && !report_other.has_error());
    // Botox: ≤50 U per site. Dysport: ≤1 mL per site (20 U/0.1 mL → 200 U per mL).
    assert!(has(
        &report(plan(
            vec![toxin("trapezius", "left", "onabotulinumtoxinA", 120.0, 2)],
            json!([])
        )),
        Severity::Error,
        "toxin-per-site-max"
    ));
    assert!(
        !report(plan(
            vec![toxin("trapezius", "left", "onabotulinumtoxinA", 120.0, 3)],
            json!([])
        ))
        .has_error()
    );
    assert!(has(
        &report(plan(
            vec![toxin("trapezius", "left", "abobotulinumtoxinA", 500.0, 2)],
            json!([])
        )),
        Severity::Error,
        "toxin-per-site-max"
    ));
    // Botox: at most 100 U into one sternocleidomastoid (a warning: the label advises it to limit dysphagia).
    let scm = report(plan(
        vec![toxin("sternocleidomastoid", "left", "onabotulinumtoxinA", 120.0, 4)],
        json!([]),
    ));
    assert!(has(&scm, Severity::Warning, "toxin-per-muscle-max") && !scm.has_error());
    // Two products in one plan.
    let mixed = report(plan(
        vec![
            toxin("trapezius", "left", "onabotulinumtoxinA", 20.0, 1),
            toxin("trapezius", "right", "incobotulinumtoxinA", 20.0, 1),
        ],
        json!([]),
    ));
    assert!(has(&mixed, Severity::Error, "toxin-mixed-products"));
}

#[test]
fn patient_history_findings() {
    let plan = |patient: serde_json::Value, items: Vec<serde_json::Value>| json!({"date": "2026-11-26", "patient": patient, "items": items});
    let masseter = || toxin("masseter", "left", "incobotulinumtoxinA", 20.0, 1);
    let cases: Vec<(serde_json::Value, Vec<serde_json::Value>, Severity, &str)> = vec![
        (
            json!({"allergies": ["incobotulinumtoxinA"]}),
            vec![masseter()],
            Severity::Error,
            "allergy",
        ),
        (
            json!({"conditions": ["infection-at-site"]}),
            vec![masseter()],
            Severity::Error,
            "infection-at-site",
        ),
        (
            json!({"medications": ["anticoagulant"]}),
            vec![masseter()],
            Severity::Warning,
            "bleeding-risk",
        ),
        (
            json!({"conditions": ["bleeding-disorder"]}),
            vec![masseter()],
            Severity::Warning,
            "bleeding-risk",
        ),
        (
            json!({"conditions": ["neuromuscular-disease"]}),
            vec![masseter()],
            Severity::Warning,
            "neuromuscular-disease",
        ),
        (
            json!({"medications": ["aminoglycoside"]}),
            vec![masseter()],
            Severity::Warning,
            "aminoglycoside-interaction",
        ),
        (
            json!({"conditions": ["pregnancy"]}),
            vec![masseter()],
            Severity::Warning,
            "pregnancy",
        ),
        (
            json!({}),
            vec![toxin("trapezius", "left", "incobotulinumtoxinA", 20.0, 1)],
            Severity::Warning,
            "pneumothorax-risk",
        ),
        (
            json!({"history": [{"date": "2026-11-01", "agent": "triamcinolone-acetonide", "dose": {"value": 40, "unit": "mg"}}]}),
            vec![
                json!({"muscle": "trapezius", "side": "left", "agent": "triamcinolone-acetonide", "dose": {"value": 40, "unit": "mg"}}),
            ],
            Severity::Warning,
            "steroid-frequency",
        ),
        (
            json!({"conditions": ["diabetes"]}),
            vec![
                json!({"muscle": "gluteus-medius", "side": "left", "agent": "dexamethasone-sodium-phosphate", "dose": {"value": 4, "unit": "mg"}}),
            ],
            Severity::Warning,
            "steroid-glucose",
        ),
    ];
    for (patient, items, severity, code) in cases {
        let report = report(plan(patient.clone(), items));
        assert!(
            has(&report, severity, code),
            "{code} for {patient}: {:?}",
            report.findings
        );
        assert!(
            report.findings.iter().all(|f| !f.source.is_empty()),
            "every finding cites its source"
        );
    }
    let clean = report(plan(json!({}), vec![masseter()]));
    assert!(
        clean.findings.iter().all(|f| f.severity == Severity::Info),
        "{:?}",
        clean.findings
    );
    let manual = report(plan(
        json!({"conditions": ["infection-at-site"]}),
        vec![json!({"muscle": "masseter", "side": "left", "agent": "manual-pressure"})],
    ));
    assert!(!manual.has_error(), "manual pressure uses no needle");
}

/// CPT counts muscles (left and right apart), not injections; HCPCS billing units per the CMS descriptors.
#[test]
fn codes_follow_the_billing_rules() {
    let plan =
        |items: Vec<serde_json::Value>| json!({"date": "2026-11-26", "patient": {"weight_kg": 80}, "items": items});
    let steroid = |agent: &str, mg: f64| json!({"muscle": "gluteus-medius", "side": "left", "agent": agent, "dose": {"value": mg, "unit": "mg"}});
    let cases: Vec<(Vec<serde_json::Value>, Vec<&str>)> = vec![
        (
            vec![
                toxin("trapezius", "left", "incobotulinumtoxinA", 20.0, 2),
                toxin("trapezius", "left", "incobotulinumtoxinA", 10.0, 1),
            ],
            vec!["20552x1", "J0588-JWx20", "J0588x30"],
        ),
        (
            vec![
                toxin("trapezius", "left", "incobotulinumtoxinA", 25.0, 1),
                toxin("trapezius", "right", "incobotulinumtoxinA", 25.0, 1),
            ],
            vec!["20552x1", "J0588-JZx50"],
        ),
        (
            vec![toxin("masseter", "left", "abobotulinumtoxinA", 250.0, 3)],
            vec!["20552x1", "J0586-JWx10", "J0586x50"],
        ),
        (
            vec![toxin("trapezius", "left", "rimabotulinumtoxinB", 2500.0, 5)],
            vec!["20552x1", "J0587-JZx25"],
        ),
        (
            vec![steroid("triamcinolone-acetonide", 40.0)],
            vec!["20552x1", "J3301x4"],
        ),
        // J1010 methylprednisolone acetate per 1 mg since 2024-04-01 (J1020/J1030/J1040 deleted).
        (
            vec![steroid("methylprednisolone-acetate", 40.0)],
            vec!["20552x1", "J1010x40"],
        ),
        (
            vec![steroid("methylprednisolone-acetate", 100.0)],
            vec!["20552x1", "J1010x100"],
        ),
        (
            vec![steroid("methylprednisolone-acetate", 20.5)],
            vec!["20552x1", "J1010x21"],
        ),
        // J3301 per 10 mg: 45 mg bills 5 units.
        (
            vec![steroid("triamcinolone-acetonide", 45.0)],
            vec!["20552x1", "J3301x5"],
        ),
        (
            vec![steroid("dexamethasone-sodium-phosphate", 4.0)],
            vec!["20552x1", "J1100x4"],
        ),
        (
            vec![json!({"muscle": "trapezius", "side": "left", "agent": "dry-needling"})],
            vec!["20560x1"],
        ),
        // 20560 for 1 or 2 muscles, 20561 for 3 or more (CPT 2020, per APTA Feb 2020); left and right count as two.
        (
            vec![
                json!({"muscle": "trapezius", "side": "left", "agent": "dry-needling"}),
                json!({"muscle": "trapezius", "side": "right", "agent": "dry-needling"}),
            ],
            vec!["20560x1"],
        ),
        (
            vec![
                json!({"muscle": "trapezius", "side": "left", "agent": "dry-needling"}),
                json!({"muscle": "trapezius", "side": "right", "agent": "dry-needling"}),
                json!({"muscle": "infraspinatus", "side": "left", "agent": "dry-needling"}),
            ],
            vec!["20561x1"],
        ),
        (
            vec![json!({"muscle": "masseter", "side": "left", "agent": "manual-pressure"})],
            vec![],
        ),
    ];
    for (items, expected) in cases {
        let report = report(plan(items));
        let mut found: Vec<String> = codes(&report).into_iter().filter(|c| !c.starts_with('M')).collect();
        found.sort();
        let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        expected.sort();
        assert_eq!(found, expected);
    }
    let three = report(plan(vec![
        toxin("trapezius", "left", "incobotulinumtoxinA", 10.0, 1),
        toxin("trapezius", "right", "incobotulinumtoxinA", 10.0, 1),
        toxin("gluteus-medius", "left", "incobotulinumtoxinA", 10.0, 1),
    ]));
    assert_eq!(codes(&three)[0], "20553x1");
    assert!(codes(&three).contains(&"M79.12".to_owned()) && codes(&three).contains(&"M79.18".to_owned()));
}

#[test]
fn unreadable_input_names_the_choices() {
    let plan = |item: serde_json::Value| json!({"date": "2026-11-26", "items": [item]});
    let cases = [
        (
            plan(toxin("trapezus", "left", "incobotulinumtoxinA", 10.0, 1)),
            "did you mean trapezius",
        ),
        (
            plan(toxin("trapezius", "left", "xeomn", 10.0, 1)),
            "valid agents: onabotulinumtoxinA",
        ),
        (
            plan(toxin("trapezius", "up", "incobotulinumtoxinA", 10.0, 1)),
            "valid sides: left, right",
        ),
        (
            plan(
                json!({"muscle": "trapezius", "side": "left", "agent": "incobotulinumtoxinA", "dose": {"value": 10, "unit": "mg"}}),
            ),
            "valid unit: U",
        ),
        (
            plan(
                json!({"muscle": "trapezius", "side": "left", "agent": "lidocaine", "dose": {"value": 10, "unit": "mg"}}),
            ),
            "volume_ml",
        ),
        (json!({"date": "26/11/2026", "items": []}), "YYYY-MM-DD"),
        (
            plan(toxin("trapezius", "left", "incobotulinumtoxinA", 1e300, 1)),
            "not a plausible amount",
        ),
        (
            json!({"date": "2026-11-26", "patient": {"history": [{"date": "2026-10-01", "agent": "onabotulinumtoxinA", "dose": {"value": 100, "unit": "mg"}}]},
                   "items": [toxin("trapezius", "left", "incobotulinumtoxinA", 10.0, 1)]}),
            "valid unit: U",
        ),
        (
            json!({"date": "2026-11-26", "patient": {"birth_date": "2027-01-01"}, "items": [toxin("trapezius", "left", "incobotulinumtoxinA", 10.0, 1)]}),
            "lies after the plan's date",
        ),
        (
            json!({"date": "2026-11-26", "reconstitution": [{"agent": "Myobloc", "vial_units": 5000, "diluent_ml": 1}],
                   "items": [toxin("trapezius", "left", "rimabotulinumtoxinB", 1000.0, 1)]}),
            "ready-to-use solution",
        ),
        (
            json!({"date": "2026-11-26", "reconstitution": [{"agent": "lidocaine", "vial_units": 100, "diluent_ml": 1}],
                   "items": [toxin("trapezius", "left", "incobotulinumtoxinA", 10.0, 1)]}),
            "is not a toxin",
        ),
        (
            json!({"date": "2026-11-26", "patient": {"history": [{"performed_at": "2026-10-01"}]},
                   "items": [toxin("trapezius", "left", "incobotulinumtoxinA", 10.0, 1)]}),
            "injection, dry-needling, manual",
        ),
    ];
    for (input, expected) in cases {
        let err = input_error(input);
        assert!(err.to_string().contains(expected), "expected '{expected}' in: {err}");
    }
    // Aliases and case-insensitive agent ids are accepted.
    assert!(
        !report(
            json!({"date": "2026-11-26", "items": [toxin("peroneus longus", "left", "INCOBOTULINUMTOXINA", 10.0, 1)]})
        )
        .has_error()
    );
}

#[test]
fn every_limit_and_product_cites_a_source() {
    let c = catalog();
    assert!(
        c.toxins
            .iter()
            .all(|t| !t.source.is_empty() && !t.effective_date.is_empty())
    );
    assert!(
        c.anesthetics
            .iter()
            .all(|a| !a.source.is_empty() && !a.effective_date.is_empty())
    );
    assert!(
        c.steroids
            .iter()
            .all(|s| !s.source.is_empty() && !s.effective_date.is_empty())
    );
    assert!(
        c.limits
            .iter()
            .all(|l| !l.source.is_empty() && !l.effective_date.is_empty())
    );
    for limit in &c.limits {
        assert!(
            matches!(limit.agent.as_str(), "*steroid" | "*injection") || c.agent(&limit.agent).is_some(),
            "limit for unknown agent {}",
            limit.agent
        );
    }
    for protocol in &c.protocols {
        let input = from_template(
            c,
            atlas(),
            &protocol.id,
            &[],
            PatientContext {
                weight_kg: Some(70.0),
                ..PatientContext::default()
            },
            "2026-11-26".into(),
        )
        .expect("template builds");
        assert!(input.resolve(atlas(), c).is_ok(), "template {} resolves", protocol.id);
    }
}

fn toxin_agent() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "onabotulinumtoxinA",
        "incobotulinumtoxinA",
        "abobotulinumtoxinA",
        "rimabotulinumtoxinB",
        "daxibotulinumtoxinA",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Totals equal the sum of the items, and a toxin total over its session maximum never passes.
    #[test]
    fn totals_add_up_and_no_plan_over_a_toxin_limit_passes(
        agent in toxin_agent(),
        doses in prop::collection::vec(1.0_f64..3000.0, 1..5),
        points in 1_u32..20,
    ) {
        let muscles = ["trapezius", "masseter", "gluteus-medius", "infraspinatus", "soleus"];
        let items: Vec<_> = doses.iter().zip(muscles).map(|(d, m)| toxin(m, "left", agent, (*d * 10.0).round() / 10.0, points)).collect();
        let report = report(json!({"date": "2026-11-26", "items": items}));
        let sum: f64 = report.items.iter().filter_map(|i| i.dose.as_ref()).map(|d| d.value).sum();
        prop_assert!((report.totals[0].value - sum).abs() < 1e-6);
        // Every toxin has a session maximum (an error) or the top of its label's range (a warning).
        if let Some(max) = catalog().limit(agent, LimitKind::SessionMax).map(|l| l.value) {
            if report.totals[0].value > max {
                prop_assert!(has(&report, Severity::Error, "toxin-session-max"));
            }
        } else {
            let top = catalog().limit(agent, LimitKind::LabelRangeMax).map(|l| l.value).expect("a session maximum or a label range");
            if report.totals[0].value > top {
                prop_assert!(has(&report, Severity::Warning, "toxin-label-range"));
            }
        }
        let opened: u32 = report.vials.iter().map(|v| v.size * v.count).sum();
        prop_assert!(f64::from(opened) >= report.totals[0].value, "the vials cover the dose");
    }

    /// Any lidocaine dose over the lower of 4.5 mg/kg and 300 mg gets an error finding.
    #[test]
    fn no_anesthetic_overdose_passes(weight in 20.0_f64..150.0, ml in 0.5_f64..120.0) {
        let report = report(json!({"date": "2026-11-26", "patient": {"weight_kg": weight}, "items": [
            {"muscle": "trapezius", "side": "left", "agent": "lidocaine", "volume_ml": ml, "concentration_percent": 0.5}]}));
        let mg = ml * 5.0;
        if mg > (4.5 * weight).min(300.0) + 1e-6 {
            prop_assert!(has(&report, Severity::Error, "anesthetic-max-dose"));
        }
    }
}

fn history(entries: serde_json::Value) -> serde_json::Value {
    json!({"weight_kg": 70, "history": entries})
}

fn plan_on(date: &str, patient: serde_json::Value, items: Vec<serde_json::Value>) -> Report {
    report(json!({"date": date, "patient": patient, "items": items}))
}

fn lidocaine(muscle: &str, side: &str, ml: f64) -> serde_json::Value {
    json!({"muscle": muscle, "side": side, "agent": "lidocaine", "volume_ml": ml, "concentration_percent": 0.5})
}

/// Medicare LCD L34211/L36859: at most 3 TPI sessions in a rolling 12 months; at least 6 weeks (42 days) before the
/// same site again. Warnings that name the payer rule.
#[test]
fn tpi_payer_rules_from_the_lcd() {
    let past = |date: &str, muscle: &str| json!({"performed_at": date, "agent": "lidocaine", "dose": {"value": 20, "unit": "mg"}, "muscle": muscle, "side": "left"});
    type Case = (&'static str, Vec<serde_json::Value>, bool, bool);
    let cases: Vec<Case> = vec![
        // Three earlier sessions within 12 months: this would be the fourth.
        (
            "2026-11-26",
            vec![
                past("2026-01-10", "infraspinatus"),
                past("2026-05-10", "infraspinatus"),
                past("2026-09-10", "infraspinatus"),
            ],
            true,
            false,
        ),
        // Two earlier sessions: the third is allowed.
        (
            "2026-11-26",
            vec![past("2026-05-10", "infraspinatus"), past("2026-09-10", "infraspinatus")],
            false,
            false,
        ),
        // One of three is older than 12 months.
        (
            "2026-11-26",
            vec![
                past("2025-11-25", "infraspinatus"),
                past("2026-05-10", "infraspinatus"),
                past("2026-09-10", "infraspinatus"),
            ],
            false,
            false,
        ),
        // Two sites on one day are one session.
        (
            "2026-11-26",
            vec![
                past("2026-05-10", "infraspinatus"),
                past("2026-05-10", "teres-major"),
                past("2026-09-10", "infraspinatus"),
            ],
            false,
            false,
        ),
        // The same muscle and side 41 days ago; 42 days is enough.
        ("2026-11-26", vec![past("2026-10-16", "trapezius")], false, true),
        ("2026-11-26", vec![past("2026-10-15", "trapezius")], false, false),
    ];
    for (date, entries, frequency, same_site) in cases {
        let report = plan_on(
            date,
            history(json!(entries.clone())),
            vec![lidocaine("trapezius", "left", 4.0)],
        );
        assert_eq!(
            has(&report, Severity::Warning, "tpi-frequency"),
            frequency,
            "{entries:?}"
        );
        assert_eq!(
            has(&report, Severity::Warning, "tpi-same-site-interval"),
            same_site,
            "{entries:?}"
        );
    }
    let warned = plan_on(
        "2026-11-26",
        history(json!([past("2026-10-16", "trapezius")])),
        vec![lidocaine("trapezius", "left", 4.0)],
    );
    let finding = warned
        .findings
        .iter()
        .find(|f| f.code == FindingCode::TpiSameSiteInterval)
        .expect("finding");
    assert!(
        finding.message.contains("L34211") && finding.source.contains("L34211"),
        "{finding:?}"
    );
    // The other side is another site; dry needling and manual therapy are not TPIs.
    let other_side = plan_on(
        "2026-11-26",
        history(json!([past("2026-10-16", "trapezius")])),
        vec![lidocaine("trapezius", "right", 4.0)],
    );
    assert!(!has(&other_side, Severity::Warning, "tpi-same-site-interval"));
    let needling = plan_on(
        "2026-11-26",
        history(json!([past("2026-10-16", "trapezius")])),
        vec![json!({"muscle": "trapezius", "side": "left", "agent": "dry-needling"})],
    );
    assert!(!has(&needling, Severity::Warning, "tpi-same-site-interval"));
    let after_needling = plan_on(
        "2026-11-26",
        history(json!([{"performed_at": "2026-10-16", "kind": "dry-needling", "muscle": "trapezius:left"}])),
        vec![lidocaine("trapezius", "left", 4.0)],
    );
    assert!(!has(&after_needling, Severity::Warning, "tpi-same-site-interval"));
}

/// A second toxin plan 4 weeks after a toxin procedure (label: no sooner than 12 weeks); Botox 400 U in 90 days.
#[test]
fn toxin_history_rules() {
    let xeomin = |date: &str, units: f64| json!({"performed_at": date, "agent": "Xeomin", "dose": {"value": units, "unit": "U"}, "muscle": "masseter", "side": "left"});
    let four_weeks = plan_on(
        "2026-11-26",
        history(json!([xeomin("2026-10-29", 20.0)])),
        vec![toxin("masseter", "left", "incobotulinumtoxinA", 20.0, 1)],
    );
    assert!(has(&four_weeks, Severity::Error, "toxin-retreatment-interval"));
    let twelve_weeks = plan_on(
        "2026-11-26",
        history(json!([xeomin("2026-09-03", 20.0)])),
        vec![toxin("masseter", "left", "incobotulinumtoxinA", 20.0, 1)],
    );
    assert!(
        !has(&twelve_weeks, Severity::Error, "toxin-retreatment-interval"),
        "84 days is enough"
    );
    // Botox window: 250 U 86 days ago + 160 U = 410 U > 400 U in 90 days.
    let botox = json!([{"performed_at": "2026-10-01", "agent": "Botox", "dose": {"value": 250, "unit": "U"}, "muscle": "trapezius:left"}]);
    let over = plan_on(
        "2026-12-26",
        history(botox.clone()),
        vec![toxin("gluteus-medius", "left", "onabotulinumtoxinA", 160.0, 4)],
    );
    assert!(has(&over, Severity::Error, "toxin-cumulative-max"));
    let under = plan_on(
        "2026-12-26",
        history(botox),
        vec![toxin("gluteus-medius", "left", "onabotulinumtoxinA", 150.0, 3)],
    );
    assert!(!has(&under, Severity::Error, "toxin-cumulative-max"));
}

/// Local anesthetic totals within the same day: earlier doses today count towards the maximum.
#[test]
fn anesthetic_totals_within_the_day() {
    // Lidocaine at 70 kg: min(4.5 x 70 = 315, 300) = 300 mg. 200 mg earlier today + 40 mL of 0.5 % (200 mg).
    let earlier = |date: &str| json!([{"performed_at": date, "agent": "Xylocaine", "dose": {"value": 200, "unit": "mg"}, "muscle": "trapezius", "side": "right"}]);
    let same_day = plan_on(
        "2026-11-26",
        history(earlier("2026-11-26")),
        vec![lidocaine("infraspinatus", "left", 40.0)],
    );
    assert!(
        has(&same_day, Severity::Error, "anesthetic-max-dose"),
        "{:?}",
        same_day.findings
    );
    let day_before = plan_on(
        "2026-11-26",
        history(earlier("2026-11-25")),
        vec![lidocaine("infraspinatus", "left", 40.0)],
    );
    assert!(!has(&day_before, Severity::Error, "anesthetic-max-dose"));
}

/// Label statements on age: toxins under 18, bupivacaine under 18 (the PLR labels' adult indication; the former
/// label's under-12 statement no longer sets the age); Botox's pediatric cap 6 U/kg or 200 U.
#[test]
fn age_from_the_birth_date() {
    let patient = |birth: &str, weight: f64| json!({"birth_date": birth, "weight_kg": weight});
    let bupivacaine = json!({"muscle": "trapezius", "side": "left", "agent": "Marcaine", "volume_ml": 4, "concentration_percent": 0.25});
    type Case = (&'static str, serde_json::Value, &'static str, bool);
    let cases: Vec<Case> = vec![
        (
            "2008-11-27",
            toxin("masseter", "left", "Xeomin", 20.0, 1),
            "17 the day before the 18th birthday",
            true,
        ),
        (
            "2008-11-26",
            toxin("masseter", "left", "Xeomin", 20.0, 1),
            "18 on the birthday",
            false,
        ),
        ("2014-11-27", bupivacaine.clone(), "11", true),
        (
            "2014-11-26",
            bupivacaine.clone(),
            "12: under the adult indication",
            true,
        ),
        (
            "2008-11-27",
            bupivacaine.clone(),
            "17 the day before the 18th birthday",
            true,
        ),
        ("2008-11-26", bupivacaine.clone(), "18 on the birthday", false),
        (
            "2014-11-27",
            lidocaine("trapezius", "left", 2.0),
            "lidocaine has no age statement",
            false,
        ),
    ];
    for (birth, item, why, pediatric) in cases {
        let report = plan_on("2026-11-26", patient(birth, 40.0), vec![item]);
        assert_eq!(has(&report, Severity::Warning, "pediatric"), pediatric, "{why}");
    }
    // Botox at 15 years and 25 kg: min(6 x 25 = 150, 200) = 150 U.
    let over = plan_on(
        "2026-11-26",
        patient("2011-01-01", 25.0),
        vec![toxin("gluteus-medius", "left", "Botox", 160.0, 4)],
    );
    assert!(has(&over, Severity::Error, "toxin-weight-max"), "{:?}", over.findings);
    let at = plan_on(
        "2026-11-26",
        patient("2011-01-01", 25.0),
        vec![toxin("gluteus-medius", "left", "Botox", 150.0, 3)],
    );
    assert!(!has(&at, Severity::Error, "toxin-weight-max"));
    let adult = plan_on(
        "2026-11-26",
        patient("1990-01-01", 25.0),
        vec![toxin("gluteus-medius", "left", "Botox", 160.0, 4)],
    );
    assert!(
        !has(&adult, Severity::Error, "toxin-weight-max"),
        "the cap is pediatric"
    );
}

/// Corticosteroid label doses (warnings): triamcinolone 40 mg per site, 80 mg per session; methylprednisolone
/// 80 mg per site; dexamethasone 4 mg per soft tissue site, 1 or 2 sites.
#[test]
fn steroid_maximum_doses() {
    let steroid = |muscle: &str, agent: &str, mg: f64, points: u32| json!({"muscle": muscle, "side": "left", "agent": agent, "dose": {"value": mg, "unit": "mg"}, "points": points});
    let cases: Vec<(Vec<serde_json::Value>, bool)> = vec![
        (vec![steroid("trapezius", "Kenalog", 40.0, 1)], false),
        (vec![steroid("trapezius", "Kenalog", 50.0, 1)], true),
        (vec![steroid("trapezius", "Kenalog", 50.0, 2)], false),
        (
            vec![
                steroid("trapezius", "Kenalog", 40.0, 1),
                steroid("infraspinatus", "Kenalog", 40.0, 1),
                steroid("gluteus-medius", "Kenalog", 10.0, 1),
            ],
            true,
        ),
        (vec![steroid("trapezius", "Depo-Medrol", 80.0, 1)], false),
        (vec![steroid("trapezius", "Depo-Medrol", 81.0, 1)], true),
        (vec![steroid("trapezius", "dexamethasone", 4.0, 1)], false),
        (vec![steroid("trapezius", "dexamethasone", 6.0, 1)], true),
        (
            vec![
                steroid("trapezius", "dexamethasone", 4.0, 1),
                steroid("infraspinatus", "dexamethasone", 4.0, 1),
                steroid("gluteus-medius", "dexamethasone", 2.0, 1),
            ],
            true,
        ),
    ];
    for (items, over) in cases {
        let report = plan_on("2026-11-26", json!({}), items.clone());
        assert_eq!(has(&report, Severity::Warning, "steroid-max-dose"), over, "{items:?}");
        assert!(!has(&report, Severity::Error, "steroid-max-dose"));
    }
}

/// Myobloc and Daxxify labels give ranges (2,500-5,000 U; 125-250 U): above them is a warning, not an error.
#[test]
fn label_ranges_are_warnings() {
    let cases = [
        ("Myobloc", 5000.0, false),
        ("Myobloc", 6000.0, true),
        ("Daxxify", 250.0, false),
        ("Daxxify", 300.0, true),
    ];
    for (agent, units, above) in cases {
        let report = plan_on(
            "2026-11-26",
            json!({}),
            vec![toxin("gluteus-medius", "left", agent, units, 10)],
        );
        assert_eq!(
            has(&report, Severity::Warning, "toxin-label-range"),
            above,
            "{agent} {units}"
        );
        assert!(!has(&report, Severity::Error, "toxin-session-max"), "{agent} {units}");
    }
}

/// Botox label: limit the sternocleidomastoid to 100 U; bilateral SCM injection raises the dysphagia risk.
#[test]
fn both_sternocleidomastoids() {
    let scm = |side: &str, units: f64| toxin("sternocleidomastoid", side, "Botox", units, 2);
    let both = plan_on("2026-11-26", json!({}), vec![scm("left", 60.0), scm("right", 60.0)]);
    assert!(has(&both, Severity::Warning, "toxin-bilateral-scm"));
    assert!(
        has(&both, Severity::Warning, "toxin-per-muscle-max"),
        "120 U into both SCMs exceeds 100 U"
    );
    let one = plan_on("2026-11-26", json!({}), vec![scm("left", 60.0)]);
    assert!(
        !has(&one, Severity::Warning, "toxin-bilateral-scm") && !has(&one, Severity::Warning, "toxin-per-muscle-max")
    );
    let xeomin = plan_on(
        "2026-11-26",
        json!({}),
        vec![
            toxin("sternocleidomastoid", "left", "Xeomin", 20.0, 1),
            toxin("sternocleidomastoid", "right", "Xeomin", 20.0, 1),
        ],
    );
    assert!(
        has(&xeomin, Severity::Warning, "toxin-bilateral-scm"),
        "the warning holds for every toxin"
    );
}

/// The clinic's reconstitution drives volumes and per-site checks: Dysport 500 U in 5 mL is 10 U/0.1 mL, so
/// 150 U per site is 1.5 mL (> 1 mL per site); at the catalog's 2.5 mL it is 0.75 mL.
#[test]
fn the_clinics_reconstitution() {
    let item = toxin("gluteus-medius", "left", "Dysport", 300.0, 2);
    let diluted = report(
        json!({"date": "2026-11-26", "reconstitution": [{"agent": "Dysport", "vial_units": 500, "diluent_ml": 5}], "items": [item.clone()]}),
    );
    assert!(
        has(&diluted, Severity::Error, "toxin-per-site-max"),
        "{:?}",
        diluted.findings
    );
    assert_eq!(
        (diluted.items[0].volume_ml, diluted.items[0].units_per_0_1_ml),
        (Some(3.0), Some(10.0))
    );
    let catalog_default = report(json!({"date": "2026-11-26", "items": [item]}));
    assert!(!has(&catalog_default, Severity::Error, "toxin-per-site-max"));
    assert_eq!(catalog_default.items[0].volume_ml, Some(1.5));
    // Daxxify has no verified catalog reconstitution; the clinic's own gives volumes.
    let daxxify = report(
        json!({"date": "2026-11-26", "reconstitution": [{"agent": "Daxxify", "vial_units": 100, "diluent_ml": 1.25}],
        "items": [toxin("gluteus-medius", "left", "Daxxify", 40.0, 5)]}),
    );
    assert_eq!(daxxify.items[0].units_per_0_1_ml, Some(8.0));
    assert!(!has(&daxxify, Severity::Info, "reconstitution-unverified"));
}

/// JW/JZ follow the vials actually opened: the sizes the reconstitution names (a procedure records the vial of
/// each site), least waste among them; without any, the catalog's sizes (CMS JW/JZ policy, Noridian: the
/// discarded amount of the single-dose container used, billed on its own JW line; JZ when none is discarded).
#[test]
fn vials_and_waste_come_from_the_vials_opened() {
    type Case = (&'static [u32], f64, &'static [(u32, u32)], f64, &'static [&'static str]);
    let cases: [Case; 5] = [
        (&[], 55.0, &[(100, 1)], 45.0, &["J0588x55", "J0588-JWx45"]),
        (&[200], 55.0, &[(200, 1)], 145.0, &["J0588x55", "J0588-JWx145"]),
        (&[50], 55.0, &[(50, 2)], 45.0, &["J0588x55", "J0588-JWx45"]),
        (&[100], 150.0, &[(100, 2)], 50.0, &["J0588x150", "J0588-JWx50"]),
        (&[50, 100], 150.0, &[(100, 1), (50, 1)], 0.0, &["J0588-JZx150"]),
    ];
    for (opened, units, vials, waste, billed) in cases {
        let reconstitution: Vec<serde_json::Value> = opened
            .iter()
            .map(|size| json!({"agent": "Xeomin", "vial_units": size, "diluent_ml": f64::from(*size) / 50.0}))
            .collect();
        let r = report(json!({"date": "2026-11-26", "reconstitution": reconstitution,
                              "items": [toxin("gluteus-medius", "left", "Xeomin", units, 3)]}));
        let chosen: Vec<(u32, u32)> = r.vials.iter().map(|v| (v.size, v.count)).collect();
        assert_eq!(chosen, vials, "{units} U from {opened:?}");
        assert_eq!(r.waste[0].value, waste, "{units} U from {opened:?}");
        let found: Vec<String> = codes(&r).into_iter().filter(|c| c.starts_with('J')).collect();
        assert_eq!(found, billed, "{units} U from {opened:?}");
    }
    let fraction = input_error(json!({"date": "2026-11-26",
        "reconstitution": [{"agent": "Xeomin", "vial_units": 100.5, "diluent_ml": 2}],
        "items": [toxin("trapezius", "left", "Xeomin", 10.0, 1)]}));
    assert_eq!(fraction.field, "reconstitution[0].vial_units");
}

/// The ICD-10-CM list: every code Taut suggests is a listed billable code; a category that is not billable names
/// the codes under it (M79.1 into M79.10-M79.18; M62.83 into M62.830/M62.831/M62.838; M26.62- by side).
#[test]
fn diagnosis_codes_from_the_cited_list() {
    let c = catalog();
    type Case = (&'static str, Option<bool>, &'static [&'static str]);
    let cases: [Case; 8] = [
        ("M79.11", Some(true), &[]),
        ("m79.12", Some(true), &[]),
        (" M79.18 ", Some(true), &[]),
        ("M79.1", Some(false), &["M79.10", "M79.11", "M79.12", "M79.18"]),
        ("M62.83", Some(false), &["M62.830", "M62.831", "M62.838"]),
        ("M26.62", Some(false), &["M26.621", "M26.622", "M26.623", "M26.629"]),
        ("G24.3", Some(true), &[]),
        ("M54.2", None, &[]),
    ];
    for (code, billable, instead) in cases {
        let found = c.diagnosis(code);
        assert_eq!(found.map(|d| d.billable), billable, "{code}");
        let listed: Vec<&str> = found
            .map(|d| d.use_instead.iter().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(listed, instead, "{code}");
    }
    let suggested = report(json!({"date": "2026-11-26", "items": [
        toxin("masseter", "left", "Xeomin", 10.0, 1),
        toxin("frontalis", "left", "Xeomin", 10.0, 1),
        toxin("trapezius", "left", "Xeomin", 10.0, 1),
        toxin("gluteus-medius", "left", "Xeomin", 10.0, 1),
    ]}));
    let icd: Vec<&str> = suggested
        .codes
        .iter()
        .filter(|c| c.system == "ICD-10-CM")
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(icd, ["M79.11", "M79.12", "M79.18"]);
    for code in icd {
        assert!(
            c.diagnosis(code).is_some_and(|d| d.billable),
            "{code} is suggested but not listed"
        );
    }
    let (agents, protocols) = Catalog::embedded_text();
    let broken = agents.replacen("use_instead = [\"M79.10\",", "use_instead = [\"M79.19\",", 1);
    let err = Catalog::parse(&broken, protocols).expect_err("unknown replacement");
    assert!(err.to_string().contains("M79.19"), "{err}");
}

/// Free-text allergies, conditions and medications: brand and generic names are recognised, the rest reported.
#[test]
fn free_text_patient_entries() {
    let patient = json!({"allergies": ["Xeomin", "penicillin", "latex"], "conditions": ["hypertension", "Breast-feeding"],
        "medications": ["Eliquis", "clopidogrel", "gentamicin", "metformin"]});
    let report = plan_on(
        "2026-11-26",
        patient,
        vec![toxin("masseter", "left", "incobotulinumtoxinA", 20.0, 1)],
    );
    for (severity, code) in [
        (Severity::Error, "allergy"),
        (Severity::Warning, "bleeding-risk"),
        (Severity::Warning, "aminoglycoside-interaction"),
        (Severity::Warning, "breastfeeding"),
        (Severity::Info, "unrecognised-entries"),
        (Severity::Info, "toxin-coverage"),
    ] {
        assert!(has(&report, severity, code), "{code}: {:?}", report.findings);
    }
    let listed = &report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::UnrecognisedEntries)
        .expect("listed")
        .message;
    for entry in ["penicillin", "latex", "hypertension", "metformin"] {
        assert!(listed.contains(entry), "{entry} in {listed}");
    }
    for entry in ["Xeomin", "Eliquis", "clopidogrel", "Breast-feeding"] {
        assert!(!listed.contains(entry), "{entry} was recognised: {listed}");
    }
    // Aspirin alone (an antiplatelet) raises the bleeding warning; breastfeeding with only lidocaine is info.
    let aspirin = plan_on(
        "2026-11-26",
        json!({"weight_kg": 70, "medications": ["Aspirin"], "conditions": ["lactating"]}),
        vec![lidocaine("trapezius", "left", 2.0)],
    );
    assert!(has(&aspirin, Severity::Warning, "bleeding-risk"));
    assert!(has(&aspirin, Severity::Info, "breastfeeding"));
}

/// Brand names are agent aliases, ignoring case.
#[test]
fn brand_names_are_aliases() {
    let cases = [
        ("Botox", "onabotulinumtoxinA"),
        ("XEOMIN", "incobotulinumtoxinA"),
        ("dysport", "abobotulinumtoxinA"),
        ("Myobloc", "rimabotulinumtoxinB"),
        ("Daxxify", "daxibotulinumtoxinA"),
        ("Xylocaine", "lidocaine"),
        ("Marcaine", "bupivacaine"),
        ("Naropin", "ropivacaine"),
        ("Kenalog-40", "triamcinolone-acetonide"),
        ("Depo-Medrol", "methylprednisolone-acetate"),
    ];
    for (name, id) in cases {
        assert_eq!(
            catalog().agent(name).map(|a| a.id().to_owned()),
            Some(id.to_owned()),
            "{name}"
        );
    }
}

/// The seed template names its assumptions and injects the lateral orbicularis oculi, not the upper lid.
#[test]
fn the_seed_template_states_its_assumptions() {
    let protocol = catalog().protocol("xeomin-facial").expect("template");
    let assumptions = protocol.assumptions.join(" ");
    assert!(
        assumptions.contains("right masseter") && assumptions.contains("untreated"),
        "{assumptions}"
    );
    for item in protocol.items.iter().filter(|i| i.muscle == "orbicularis-oculi") {
        let site = item.site.as_deref().unwrap_or("");
        assert!(site.contains("lateral") && site.contains("not the upper lid"), "{site}");
    }
}

/// A one-character typo in a limit kind fails to load, naming the bad value and the valid kinds.
#[test]
fn a_misspelt_limit_kind_is_refused() {
    let (agents, protocols) = Catalog::embedded_text();
    assert!(Catalog::parse(agents, protocols).is_ok());
    let typo = agents.replacen("kind = \"session-max\"", "kind = \"session-mux\"", 1);
    let err = Catalog::parse(&typo, protocols).expect_err("typo refused");
    assert!(
        err.to_string().contains("session-mux") && err.to_string().contains("session-max"),
        "{err}"
    );
    let unknown_agent = agents.replacen("agent = \"*steroid\"", "agent = \"*sterod\"", 1);
    assert!(
        Catalog::parse(&unknown_agent, protocols)
            .expect_err("unknown agent")
            .to_string()
            .contains("*sterod")
    );
    assert!(catalog().validate(atlas()).is_ok());
    for kind in <LimitKind as strum::IntoEnumIterator>::iter() {
        assert_eq!(kind.to_string().parse::<LimitKind>().ok(), Some(kind));
    }
}

/// Every condition the checks read has a catalog entry for its synonyms, and every listed id is one the checks read.
#[test]
fn catalog_conditions_match_the_vocabulary() {
    let ids: Vec<&str> = catalog().conditions.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, crate::vocab::CONDITIONS);
    assert_eq!(catalog().condition("Myasthenia Gravis"), Some("neuromuscular-disease"));
    assert_eq!(catalog().condition("hypertension"), None);
}

/// Pediatric weight-based toxin caps from the labels' pediatric upper limb spasticity dosing: Botox 6 U/kg or
/// 200 U, Xeomin 8 U/kg or 200 U (one upper limb), Dysport 16 U/kg or 640 U, whichever is lower; under 18 only.
#[test]
fn pediatric_weight_caps_from_the_labels() {
    // (birth date, weight kg, agent, units, over the cap, why)
    type Case = (&'static str, f64, &'static str, f64, bool, &'static str);
    let cases: Vec<Case> = vec![
        ("2011-01-01", 20.0, "Xeomin", 160.0, false, "8 x 20 = 160 U"),
        ("2011-01-01", 20.0, "Xeomin", 165.0, true, "above 8 x 20 = 160 U"),
        (
            "2011-01-01",
            40.0,
            "Xeomin",
            200.0,
            false,
            "200 U cap below 8 x 40 = 320",
        ),
        ("2011-01-01", 40.0, "Xeomin", 205.0, true, "above the 200 U cap"),
        ("1990-01-01", 20.0, "Xeomin", 205.0, false, "adults have no weight cap"),
        ("2011-01-01", 30.0, "Dysport", 480.0, false, "16 x 30 = 480 U"),
        ("2011-01-01", 30.0, "Dysport", 485.0, true, "above 16 x 30 = 480 U"),
        (
            "2011-01-01",
            50.0,
            "Dysport",
            640.0,
            false,
            "640 U cap below 16 x 50 = 800",
        ),
        ("2011-01-01", 50.0, "Dysport", 645.0, true, "above the 640 U cap"),
        ("1990-01-01", 30.0, "Dysport", 600.0, false, "adults have no weight cap"),
        ("2011-01-01", 25.0, "Botox", 150.0, false, "6 x 25 = 150 U"),
        ("2011-01-01", 25.0, "Botox", 155.0, true, "above 6 x 25 = 150 U"),
    ];
    for (birth, weight, agent, units, over, why) in cases {
        let report = plan_on(
            "2026-11-26",
            json!({"birth_date": birth, "weight_kg": weight}),
            vec![toxin("gluteus-medius", "left", agent, units, 8)],
        );
        assert_eq!(
            has(&report, Severity::Error, "toxin-weight-max"),
            over,
            "{agent} {units} U at {weight} kg: {why}: {:?}",
            report.findings
        );
    }
}

/// Every product, limit and drug class names its source and the date that source took effect: a date not in the
/// future, not after the day Taut verified it, and, where it is only that verification day, a note saying so.
#[test]
fn every_catalog_entry_has_a_source_and_an_effective_date_not_in_the_future() {
    let c = catalog();
    let today = time::OffsetDateTime::now_utc().date();
    let date = |s: &str| time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).expect(s);
    let mut entries: Vec<(String, &str, &str, &str, Option<&str>)> = Vec::new();
    for t in &c.toxins {
        entries.push((
            t.id.clone(),
            &t.source,
            &t.effective_date,
            &t.verified,
            t.date_note.as_deref(),
        ));
    }
    for a in &c.anesthetics {
        entries.push((
            a.id.clone(),
            &a.source,
            &a.effective_date,
            &a.verified,
            a.date_note.as_deref(),
        ));
    }
    for s in &c.steroids {
        entries.push((
            s.id.clone(),
            &s.source,
            &s.effective_date,
            &s.verified,
            s.date_note.as_deref(),
        ));
    }
    for l in &c.limits {
        let name = format!("{} {}", l.agent, l.kind);
        entries.push((name, &l.source, &l.effective_date, &l.verified, l.date_note.as_deref()));
    }
    for d in &c.drug_classes {
        entries.push((
            d.class.to_string(),
            &d.source,
            &d.effective_date,
            &d.verified,
            d.date_note.as_deref(),
        ));
    }
    for d in &c.diagnoses {
        entries.push((
            d.code.clone(),
            &d.source,
            &d.effective_date,
            &d.verified,
            d.date_note.as_deref(),
        ));
    }
    for r in &c.rules {
        entries.push((
            format!("rule {}", r.id),
            &r.source,
            &r.effective_date,
            &r.verified,
            r.date_note.as_deref(),
        ));
    }
    assert!(entries.len() > 40, "{}", entries.len());
    for (name, source, effective, verified, note) in &entries {
        assert!(!source.trim().is_empty(), "{name}: no source");
        let (effective, verified) = (date(effective), date(verified));
        assert!(effective <= today, "{name}: effective {effective} is in the future");
        assert!(
            effective <= verified,
            "{name}: effective {effective} after verified {verified}"
        );
        if effective == verified {
            assert!(
                note.is_some_and(|n| !n.trim().is_empty()),
                "{name}: undated without a note"
            );
        }
    }
    // The dates found are the sources' own: label changes, code and LCD dates, not one date for all.
    let dated: std::collections::BTreeSet<&str> = entries
        .iter()
        .filter(|(_, _, effective, verified, _)| effective != verified)
        .map(|(_, _, effective, _, _)| *effective)
        .collect();
    for expected in [
        "2019-06-20",
        "2019-08-01",
        "2019-09-25",
        "2020-08-19",
        "2020-12-21",
        "2021-02-01",
        "2022-09-07",
        "2024-04-01",
        // Label versions dated for 2026-12-01: Botox (DailyMed set 33d066a9…, 15 November 2023), Xeomin
        // (8/2021), Xylocaine (DailyMed, 15 September 2022), Depo-Medrol (March 2024); and the rules: the LCD
        // revision of L33274 (21 March 2021), Marcaine's pregnancy text (January 2012), JZ required (1 July 2023).
        "2023-11-15",
        "2021-08-01",
        "2022-09-15",
        "2024-03-01",
        "2021-03-21",
        "2012-01-01",
        "2023-07-01",
        // Dated for 2026-12-06: the Dysport adult combined maximum (adult lower limb approval, 16 June 2017), the
        // Kenalog-40 label revision (June 2011), lidocaine in breast milk (Zeisler et al., September 1986), the
        // corticosteroid guideline (Reg Anesth Pain Med, 16 July 2024) and the trigger point review (Am Fam
        // Physician, 15 February 2002).
        "2017-06-16",
        "2011-06-01",
        "1986-09-01",
        "2024-07-16",
        "2002-02-15",
        // Dated for 2026-12-06 too: the bupivacaine labels' adult indication (Xellia's label, 9 June 2023).
        "2023-06-09",
        // And the TMJ arthralgia codes M26.62- by side (the FY2017 ICD-10-CM release, 1 October 2016).
        "2016-10-01",
    ] {
        assert!(dated.contains(expected), "{expected} missing from {dated:?}");
    }
}

/// The loader refuses an effective date after the verification day, and an undated entry that does not say so.
#[test]
fn catalog_dates_are_checked_when_loading() {
    let (agents, protocols) = Catalog::embedded_text();
    let future = agents.replacen("effective_date = \"2024-04-01\"", "effective_date = \"2027-04-01\"", 1);
    let err = Catalog::parse(&future, protocols).expect_err("effective after verified");
    assert!(err.to_string().contains("after verified"), "{err}");
    let dated = "effective_date = \"2019-06-20\"\nverified = \"2026-11-26\"\ndate_note";
    assert!(agents.contains(dated));
    let undated = agents.replacen(
        dated,
        "effective_date = \"2026-11-26\"\nverified = \"2026-11-26\"\n# date_note",
        1,
    );
    let err = Catalog::parse(&undated, protocols).expect_err("undated without a note");
    assert!(err.to_string().contains("date_note"), "{err}");
    let garbled = agents.replacen("verified = \"2026-11-26\"", "verified = \"26.11.2026\"", 1);
    assert!(
        Catalog::parse(&garbled, protocols)
            .expect_err("bad date")
            .to_string()
            .contains("verified '26.11.2026'")
    );
}

/// The re-treatment date is the last toxin day plus the catalog's interval (each toxin's label), latest day per
/// toxin, brand names resolved, other agents ignored; a plan on that day passes the check, a day earlier fails.
#[test]
fn retreatment_dates_follow_the_catalog_interval() {
    let day = |text: &str| time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).unwrap();
    // (given as, toxin id): every toxin with a `retreatment-days` limit in catalog/agents.toml.
    let table = [
        ("Botox", "onabotulinumtoxinA"),
        ("Xeomin", "incobotulinumtoxinA"),
        ("abobotulinumtoxinA", "abobotulinumtoxinA"),
        ("rimabotulinumtoxinB", "rimabotulinumtoxinB"),
        ("daxibotulinumtoxinA", "daxibotulinumtoxinA"),
    ];
    for (given_as, id) in table {
        let limit = catalog()
            .limit(id, LimitKind::RetreatmentDays)
            .expect("a cited interval");
        let dates = retreatment_dates(
            catalog(),
            &[
                (day("2026-03-02"), given_as),
                (day("2026-06-01"), given_as),
                (day("2026-07-01"), "lidocaine"),
            ],
        );
        assert_eq!(dates.len(), 1, "{given_as}: {dates:?}");
        let date = &dates[0];
        assert_eq!(date.agent, id);
        assert_eq!(date.last_given, day("2026-06-01"), "the latest day counts");
        assert_eq!(date.interval_days, limit.value as i64);
        assert_eq!(
            date.not_before,
            day("2026-06-01") + time::Duration::days(limit.value as i64)
        );
        assert_eq!(date.source, limit.source);
    }
    // Consistent with the plan check: Xeomin on 2026-06-01, re-treated on the date passes, a day earlier fails.
    let dates = retreatment_dates(catalog(), &[(day("2026-06-01"), "Xeomin")]);
    let not_before = dates[0].not_before;
    let on = |d: time::Date| {
        plan_on(
            &d.to_string(),
            history(
                json!([{"performed_at": "2026-06-01", "agent": "Xeomin", "dose": {"value": 20, "unit": "U"}, "muscle": "masseter", "side": "left"}]),
            ),
            vec![toxin("masseter", "left", "incobotulinumtoxinA", 20.0, 1)],
        )
    };
    assert!(!has(&on(not_before), Severity::Error, "toxin-retreatment-interval"));
    assert!(has(
        &on(not_before.previous_day().unwrap()),
        Severity::Error,
        "toxin-retreatment-interval"
    ));
    assert!(retreatment_dates(catalog(), &[(day("2026-06-01"), "dry-needling")]).is_empty());
}

/// CMS discarded-drug policy (JW/JZ on single-dose containers only; Medicare Claims Processing Manual ch. 17
/// §40, JZ required from 1 July 2023): a steroid from single-dose vials bills the administered units with JZ, or
/// the discarded rest of the vials opened as its own JW line; from a multi-dose vial, or a vial not recorded, no
/// modifier. Units per the HCPCS descriptor: J3301 per 10 mg, J1010 per 1 mg, J1100 per 1 mg.
#[test]
fn steroid_lines_carry_jw_or_jz_only_from_single_dose_vials() {
    let site = |side: &str, agent: &str, mg: f64, vial: Option<&str>, vial_mg: Option<f64>| {
        let mut item =
            json!({"muscle": "gluteus-medius", "side": side, "agent": agent, "dose": {"value": mg, "unit": "mg"}});
        if let Some(vial) = vial {
            item["vial"] = json!(vial);
        }
        if let Some(content) = vial_mg {
            item["vial_mg"] = json!(content);
        }
        item
    };
    let tac = "triamcinolone-acetonide";
    let mpa = "methylprednisolone-acetate";
    let cases: Vec<(&str, Vec<serde_json::Value>, Vec<&str>)> = vec![
        (
            "40 mg from one 40 mg vial: nothing discarded",
            vec![site("left", tac, 40.0, Some("single-dose"), Some(40.0))],
            vec!["J3301-JZx4"],
        ),
        (
            "20 mg from a 40 mg vial: 20 mg discarded",
            vec![site("left", tac, 20.0, Some("single-dose"), Some(40.0))],
            vec!["J3301x2", "J3301-JWx2"],
        ),
        (
            "25 mg: 3 units given (rounded up), 1 of the vial's 4 discarded",
            vec![site("left", tac, 25.0, Some("single-dose"), Some(40.0))],
            vec!["J3301x3", "J3301-JWx1"],
        ),
        (
            "60 mg over two sites from 40 mg vials: two opened, 20 mg discarded",
            vec![
                site("left", tac, 30.0, Some("single-dose"), Some(40.0)),
                site("right", tac, 30.0, Some("single-dose"), Some(40.0)),
            ],
            vec!["J3301x6", "J3301-JWx2"],
        ),
        (
            "10 mg from a 10 mg vial (Kenalog-10 strength)",
            vec![site("left", tac, 10.0, Some("single-dose"), Some(10.0))],
            vec!["J3301-JZx1"],
        ),
        (
            "20 mg from a multi-dose vial: no modifier",
            vec![site("left", tac, 20.0, Some("multi-dose"), None)],
            vec!["J3301x2"],
        ),
        (
            "20 mg, vial not recorded: no modifier",
            vec![site("left", tac, 20.0, None, None)],
            vec!["J3301x2"],
        ),
        (
            "single-dose and multi-dose sites of one steroid: separate lines",
            vec![
                site("left", tac, 40.0, Some("single-dose"), Some(40.0)),
                site("right", tac, 20.0, Some("multi-dose"), None),
            ],
            vec!["J3301-JZx4", "J3301x2"],
        ),
        (
            "J1010 per 1 mg: 30 mg from a 40 mg vial",
            vec![site("left", mpa, 30.0, Some("single-dose"), Some(40.0))],
            vec!["J1010x30", "J1010-JWx10"],
        ),
        (
            "J1010: 80 mg from an 80 mg vial",
            vec![site("left", mpa, 80.0, Some("single-dose"), Some(80.0))],
            vec!["J1010-JZx80"],
        ),
        (
            "J1100 per 1 mg: 4 mg from a 10 mg vial",
            vec![site("left", "Decadron", 4.0, Some("single-dose"), Some(10.0))],
            vec!["J1100x4", "J1100-JWx6"],
        ),
    ];
    for (case, items, expected) in cases {
        let report = report(json!({"date": "2026-12-01", "patient": {"weight_kg": 80}, "items": items}));
        let mut found: Vec<String> = codes(&report).into_iter().filter(|c| c.starts_with('J')).collect();
        found.sort();
        let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        expected.sort();
        assert_eq!(found, expected, "{case}");
    }
    // The container is kept on the checked item.
    let report =
        report(json!({"date": "2026-12-01", "items": [site("left", tac, 20.0, Some("single-dose"), Some(40.0))]}));
    assert_eq!(report.items[0].vial, Some(Container::SingleDose));
    assert_eq!(report.items[0].vial_mg, Some(40));
}

/// A vial record that cannot be billed from is refused, naming the field and what to give.
#[test]
fn a_steroid_vial_is_recorded_whole() {
    let plan = |item: serde_json::Value| json!({"date": "2026-12-01", "items": [item]});
    let tac = |extra: serde_json::Value| {
        let mut item =
            json!({"muscle": "trapezius", "side": "left", "agent": "Kenalog", "dose": {"value": 20, "unit": "mg"}});
        for (k, v) in extra.as_object().unwrap() {
            item[k] = v.clone();
        }
        item
    };
    let cases: Vec<(serde_json::Value, &str, &str)> = vec![
        (
            tac(json!({"vial": "single-dose"})),
            "items[0].vial_mg",
            "labeled content in mg",
        ),
        (tac(json!({"vial_mg": 40})), "items[0].vial_mg", "single-dose"),
        (
            tac(json!({"vial": "multi-dose", "vial_mg": 40})),
            "items[0].vial_mg",
            "single-dose",
        ),
        (
            tac(json!({"vial": "single-dose", "vial_mg": 40.5})),
            "items[0].vial_mg",
            "whole mg",
        ),
        (
            tac(json!({"vial": "single-dose", "vial_mg": 0})),
            "items[0].vial_mg",
            "above 0",
        ),
        (
            toxin("masseter", "left", "Xeomin", 10.0, 1)
                .as_object()
                .unwrap()
                .clone()
                .into_iter()
                .chain([("vial".to_owned(), json!("single-dose"))])
                .collect(),
            "items[0].vial",
            "corticosteroid",
        ),
        (
            json!({"muscle": "trapezius", "side": "left", "agent": "lidocaine", "volume_ml": 2, "concentration_percent": 0.5, "vial": "multi-dose"}),
            "items[0].vial",
            "corticosteroid",
        ),
    ];
    for (item, field, says) in cases {
        let err = input_error(plan(item.clone()));
        assert_eq!(err.field, field, "{item}");
        assert!(err.message.contains(says), "{item}: {}", err.message);
    }
    let err = input_error(plan(tac(json!({"vial": "glass"}))));
    assert!(
        err.message.contains("single-dose") && err.message.contains("multi-dose"),
        "an unknown container names the choices: {}",
        err.message
    );
}

/// The rules that live in the catalog (`[[rule]]`): each finding they raise carries the rule's severity and
/// source, so it shows a catalog entry with a date like the limits' findings.
#[test]
fn catalog_rule_findings_cite_their_catalog_entry() {
    let scm = |side: &str| toxin("sternocleidomastoid", side, "Botox", 40.0, 2);
    let steroid =
        json!({"muscle": "trapezius", "side": "left", "agent": "Kenalog", "dose": {"value": 20, "unit": "mg"}});
    let cases: Vec<(RuleId, serde_json::Value, Vec<serde_json::Value>)> = vec![
        (RuleId::ToxinBilateralScm, json!({}), vec![scm("left"), scm("right")]),
        (RuleId::ToxinCoverage, json!({}), vec![scm("left")]),
        (
            RuleId::Pregnancy,
            json!({"weight_kg": 70, "conditions": ["pregnant"]}),
            vec![lidocaine("trapezius", "left", 2.0)],
        ),
        (
            RuleId::Breastfeeding,
            json!({"conditions": ["breastfeeding"]}),
            vec![steroid.clone()],
        ),
        (
            RuleId::BreastfeedingLocalAnesthetic,
            json!({"weight_kg": 70, "conditions": ["lactating"]}),
            vec![lidocaine("trapezius", "left", 2.0)],
        ),
        (
            RuleId::ToxinMixedProducts,
            json!({}),
            vec![scm("left"), toxin("masseter", "left", "Xeomin", 20.0, 1)],
        ),
        (
            RuleId::ToxinOtherProductInterval,
            json!({"history": [{"performed_at": "2026-11-01", "agent": "Botox", "dose": {"value": 20, "unit": "U"}, "muscle": "masseter:left"}]}),
            vec![toxin("masseter", "left", "Xeomin", 20.0, 1)],
        ),
        (
            RuleId::SteroidGlucose,
            json!({"conditions": ["type 2 diabetes"]}),
            vec![steroid.clone()],
        ),
        (RuleId::Allergy, json!({"allergies": ["Botox"]}), vec![scm("left")]),
        (
            RuleId::InfectionAtSite,
            json!({"conditions": ["cellulitis at site"]}),
            vec![scm("left")],
        ),
        (
            RuleId::BleedingRisk,
            json!({"medications": ["Eliquis"]}),
            vec![scm("left")],
        ),
        (
            RuleId::NeuromuscularDisease,
            json!({"conditions": ["myasthenia gravis"]}),
            vec![scm("left")],
        ),
        (
            RuleId::AminoglycosideInteraction,
            json!({"medications": ["gentamicin"]}),
            vec![scm("left")],
        ),
        (
            RuleId::PneumothoraxRisk,
            json!({}),
            vec![toxin("trapezius", "left", "Botox", 20.0, 1)],
        ),
        (
            RuleId::AnestheticNotBilled,
            json!({"weight_kg": 70}),
            vec![lidocaine("trapezius", "left", 2.0)],
        ),
    ];
    // Every rule of the checker has a case here (steroid-container-unrecorded is raised for recorded sessions,
    // by taut-app, and tested there).
    for id in <RuleId as strum::IntoEnumIterator>::iter() {
        assert!(
            cases.iter().any(|(case, _, _)| *case == id) || id == RuleId::SteroidContainerUnrecorded,
            "{id}: no case"
        );
    }
    for (id, patient, items) in cases {
        let rule = catalog().rule(id);
        let report = plan_on("2026-12-01", patient, items);
        let found: Vec<&Finding> = report.findings.iter().filter(|f| f.code == id.finding()).collect();
        assert_eq!(found.len(), 1, "{id}: {:?}", report.findings);
        assert_eq!(found[0].severity, rule.severity, "{id}");
        assert_eq!(found[0].source, rule.source, "{id}");
        assert!(rule.effective_date <= rule.verified, "{id}");
    }
    // Every rule of the checker is in the catalog once, with a source.
    for id in <RuleId as strum::IntoEnumIterator>::iter() {
        assert!(!catalog().rule(id).source.trim().is_empty(), "{id}");
        assert_eq!(catalog().rules.iter().filter(|r| r.id == id).count(), 1, "{id}");
    }
}

/// A rule missing from the catalog, listed twice, misspelt or given an unknown severity fails to load.
#[test]
fn catalog_rules_are_checked_when_loading() {
    let (agents, protocols) = Catalog::embedded_text();
    let missing = agents.replacen("id = \"toxin-bilateral-scm\"", "id = \"toxin-coverage\"", 1);
    let err = Catalog::parse(&missing, protocols).expect_err("a rule twice, another missing");
    assert!(
        err.to_string().contains("listed twice") || err.to_string().contains("missing"),
        "{err}"
    );
    let misspelt = agents.replacen(
        "id = \"toxin-bilateral-scm\"",
        "id = \"toxin-bilateral-sternocleidomastoid\"",
        1,
    );
    assert!(Catalog::parse(&misspelt, protocols).is_err());
    let severity = agents.replacen("severity = \"warning\"", "severity = \"caution\"", 1);
    let err = Catalog::parse(&severity, protocols).expect_err("unknown severity");
    assert!(err.to_string().contains("caution"), "{err}");
    let start = agents.find("[[rule]]\nid = \"pregnancy\"").expect("the pregnancy rule");
    let end = start + agents[start..].find("confidence = ").expect("its end");
    let without = format!(
        "{}{}",
        &agents[..start],
        &agents[end..].split_once('\n').expect("line").1
    );
    let err = Catalog::parse(&without, protocols).expect_err("pregnancy missing");
    assert!(err.to_string().contains("missing for pregnancy"), "{err}");
}
