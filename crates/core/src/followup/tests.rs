//! Table-driven tests of the follow-up logic; the expected values come from the sources cited in the catalog.

use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

use super::*;
use crate::plan::Catalog;

fn rules() -> &'static FollowupCatalog {
    FollowupCatalog::embedded().expect("the compiled-in follow-up catalog is valid")
}

fn drugs() -> &'static Catalog {
    Catalog::embedded().expect("drug catalog")
}

#[test]
fn every_catalog_entry_has_a_source_date_and_confidence() {
    let c = rules();
    assert!(c.effects.len() >= 15);
    for e in &c.effects {
        assert!(
            !e.sources.is_empty() && e.sources.iter().all(|s| s.len() > 20),
            "{}",
            e.id
        );
        assert!(["H", "M", "L"].contains(&e.confidence.as_str()), "{}", e.id);
        assert_eq!(e.effective_date.len(), 10, "{}", e.id);
    }
    for r in &c.checks {
        assert!(!r.sources.is_empty(), "{}", r.id);
    }
    for r in &c.responders {
        assert!(!r.sources.is_empty(), "{}", r.id);
    }
    assert!(!c.self_care.sources.is_empty() && !c.lipid_rescue.sources.is_empty());
}

#[test]
fn the_catalog_covers_the_issue_effects() {
    for id in [
        "post-injection-soreness",
        "bruising-hematoma",
        "vasovagal-reaction",
        "itching",
        "infection",
        "anesthetic-numbness",
        "anesthetic-myotoxicity",
        "local-anesthetic-systemic-toxicity",
        "steroid-skin-atrophy",
        "steroid-depigmentation",
        "steroid-raised-glucose",
        "toxin-local-weakness",
        "toxin-ptosis",
        "toxin-dysphagia",
        "toxin-distant-spread",
        "pneumothorax",
    ] {
        assert!(rules().effect(id).is_ok(), "{id}");
    }
}

#[test]
fn unknown_fields_and_missing_sources_are_refused() {
    let good = include_str!("../../../../catalog/side-effects.toml");
    let rules_file = include_str!("../../../../catalog/followup.toml");
    let extra = good.replacen("plain = ", "colour = \"red\"\nplain = ", 1);
    let err = FollowupCatalog::parse(&extra, rules_file).expect_err("unknown field");
    assert!(err.to_string().contains("colour"), "{err}");
    let unsourced = good.replacen("sources = [", "sources = [] \nold_sources = [", 1);
    assert!(FollowupCatalog::parse(&unsourced, rules_file).is_err());
    let no_source = good.replacen("sources = [\n  \"Kishner", "sources = [\"\", \"Kishner", 1);
    let err = FollowupCatalog::parse(&no_source, rules_file).expect_err("empty source");
    assert!(err.to_string().contains("source"), "{err}");
    let bad_class = good.replacen("applies_to = [\"toxin\"]", "applies_to = [\"botox\"]", 1);
    assert!(FollowupCatalog::parse(&bad_class, rules_file).is_err());
}

#[test]
fn windows_match_their_sources() {
    // (effect, onset text, resolution text) as the cited sources give them.
    let cases = [
        ("toxin-ptosis", "2-10 days", Some("up to 4 weeks")), // WJARR 2025: onset 2-10 days, 2-4 weeks
        ("bruising-hematoma", "0-1 days", Some("usually 2, up to 4 weeks")), // Cleveland Clinic
        (
            "steroid-depigmentation",
            "4-10 weeks",
            Some("usually 7, up to 18 months"),
        ), // cohort: mean 7.14, 2-18
        ("anesthetic-myotoxicity", "0-2 days", Some("usually 3, up to 4 weeks")), // Zink & Graf 2004
        ("steroid-raised-glucose", "0-1 days", Some("usually 1, up to 3 days")), // Shin 2020; NHS 24-72 h
        ("local-anesthetic-systemic-toxicity", "30-3600 seconds", None), // Medscape: 30 s to 60 min
        ("toxin-distant-spread", "from 0 weeks, no upper bound", None), // label: hours to weeks
    ];
    for (id, onset, resolution) in cases {
        let e = rules().effect(id).expect(id);
        assert_eq!(e.onset_text(), onset, "{id}");
        assert_eq!(e.resolution_text().as_deref(), resolution, "{id}");
    }
}

#[test]
fn effects_apply_to_their_agent_classes() {
    let classes = |agent: &str| AgentClass::of_agent(drugs(), agent).expect(agent);
    let ids = |agent: &str| -> Vec<String> {
        rules()
            .effects_for(&classes(agent))
            .iter()
            .map(|e| e.id.clone())
            .collect()
    };
    let cases: [(&str, &str, bool); 8] = [
        ("incobotulinumtoxinA", "toxin-ptosis", true),
        ("incobotulinumtoxinA", "bruising-hematoma", true),
        ("lidocaine", "toxin-ptosis", false),
        ("lidocaine", "local-anesthetic-systemic-toxicity", true),
        ("triamcinolone-acetonide", "steroid-raised-glucose", true),
        ("dry-needling", "pneumothorax", true),
        ("dry-needling", "itching", false),
        ("manual-pressure", "post-injection-soreness", false),
    ];
    for (agent, effect, expected) in cases {
        assert_eq!(ids(agent).iter().any(|i| i == effect), expected, "{agent} {effect}");
    }
    let err = AgentClass::of_agent(drugs(), "wizardium").expect_err("unknown agent");
    assert!(err.to_string().contains("incobotulinumtoxinA"), "{err}");
}

#[test]
fn severity_parses_its_vocabulary_only() {
    let cases = [
        ("mild", Some(Severity::Mild)),
        ("Moderate", Some(Severity::Moderate)),
        (" severe ", Some(Severity::Severe)),
        ("serious", Some(Severity::Serious)),
        ("life-threatening", None),
    ];
    for (input, expected) in cases {
        assert_eq!(input.parse::<Severity>().ok(), expected, "{input}");
    }
    let err = "bad".parse::<Severity>().expect_err("bad");
    assert!(err.to_string().contains("mild, moderate, severe, serious"));
    assert_eq!(serde_json::to_string(&Severity::Serious).expect("json"), "\"serious\"");
}

fn event(effect: &str, onset: Date, severity: Severity, resolved: Option<Date>) -> AdverseEvent {
    AdverseEvent {
        effect: effect.into(),
        onset,
        severity,
        resolved,
    }
}

#[test]
fn events_are_flagged_overdue_past_their_window_and_serious_at_once() {
    use Severity::*;
    // (effect, onset, severity, resolved, today, overdue, serious, expected resolution by)
    let cases = [
        // Soreness: up to 4 days (AFP 2002: first 3-4 days).
        (
            "post-injection-soreness",
            date!(2026 - 11 - 02),
            Mild,
            None,
            date!(2026 - 11 - 06),
            false,
            false,
            Some(date!(2026 - 11 - 06)),
        ),
        (
            "post-injection-soreness",
            date!(2026 - 11 - 02),
            Mild,
            None,
            date!(2026 - 11 - 07),
            true,
            false,
            Some(date!(2026 - 11 - 06)),
        ),
        (
            "post-injection-soreness",
            date!(2026 - 11 - 02),
            Mild,
            Some(date!(2026 - 11 - 05)),
            date!(2026 - 11 - 20),
            false,
            false,
            Some(date!(2026 - 11 - 06)),
        ),
        // Ptosis: 2-4 weeks (WJARR 2025): open 29 days after onset is overdue.
        (
            "toxin-ptosis",
            date!(2026 - 10 - 01),
            Moderate,
            None,
            date!(2026 - 10 - 29),
            false,
            false,
            Some(date!(2026 - 10 - 29)),
        ),
        (
            "toxin-ptosis",
            date!(2026 - 10 - 01),
            Moderate,
            None,
            date!(2026 - 10 - 30),
            true,
            false,
            Some(date!(2026 - 10 - 30).previous_day().expect("day")),
        ),
        // Vasovagal: 1 hour rounds up to the next day.
        (
            "vasovagal-reaction",
            date!(2026 - 11 - 02),
            Mild,
            None,
            date!(2026 - 11 - 03),
            false,
            false,
            Some(date!(2026 - 11 - 03)),
        ),
        (
            "vasovagal-reaction",
            date!(2026 - 11 - 02),
            Mild,
            None,
            date!(2026 - 11 - 04),
            true,
            false,
            Some(date!(2026 - 11 - 03)),
        ),
        // Depigmentation: up to 18 calendar months.
        (
            "steroid-depigmentation",
            date!(2025 - 01 - 31),
            Mild,
            None,
            date!(2026 - 07 - 31),
            false,
            false,
            Some(date!(2026 - 07 - 31)),
        ),
        // A serious event is flagged the day it starts, even when resolved; no window means never overdue.
        (
            "pneumothorax",
            date!(2026 - 11 - 02),
            Serious,
            None,
            date!(2026 - 11 - 02),
            false,
            true,
            None,
        ),
        (
            "pneumothorax",
            date!(2026 - 11 - 02),
            Serious,
            Some(date!(2026 - 11 - 09)),
            date!(2027 - 01 - 01),
            false,
            true,
            None,
        ),
        (
            "toxin-dysphagia",
            date!(2026 - 01 - 02),
            Severe,
            None,
            date!(2026 - 11 - 02),
            false,
            false,
            None,
        ),
    ];
    for (effect, onset, severity, resolved, today, overdue, serious, by) in cases {
        let flags = flag_event(rules(), &event(effect, onset, severity, resolved), today).expect(effect);
        assert_eq!(flags.overdue, overdue, "{effect} on {today}");
        assert_eq!(flags.serious, serious, "{effect}");
        assert_eq!(flags.expected_resolution_by, by, "{effect}");
    }
}

#[test]
fn impossible_events_are_refused_with_the_choices() {
    let today = date!(2026 - 11 - 10);
    let unknown = flag_event(rules(), &event("headache", today, Severity::Mild, None), today).expect_err("unknown");
    assert!(unknown.to_string().contains("bruising-hematoma"), "{unknown}");
    let future = event("itching", date!(2026 - 11 - 11), Severity::Mild, None);
    assert!(flag_event(rules(), &future, today).is_err());
    let backwards = event(
        "itching",
        date!(2026 - 11 - 09),
        Severity::Mild,
        Some(date!(2026 - 11 - 08)),
    );
    assert!(flag_event(rules(), &backwards, today).is_err());
}

fn procedure(id: &str, day: Date, agents: &[&str], sites: &[(&str, &str)]) -> Procedure {
    Procedure {
        id: id.into(),
        date: day,
        agents: agents.iter().map(|a| (*a).to_owned()).collect(),
        sites: sites
            .iter()
            .map(|(m, s)| Site {
                muscle: (*m).into(),
                side: Some((*s).into()),
            })
            .collect(),
        protocol: None,
    }
}

#[test]
fn procedures_schedule_the_checks_their_agents_call_for() {
    let day = date!(2026 - 11 - 02);
    // (agents, expected (check, from, to))
    let toxin = vec![
        ("call-2-3-days", date!(2026 - 11 - 04), date!(2026 - 11 - 05)),
        ("toxin-review-2-weeks", date!(2026 - 11 - 16), date!(2026 - 11 - 18)),
        ("outcome-visit-4-6-weeks", date!(2026 - 11 - 30), date!(2026 - 12 - 14)),
    ];
    let no_toxin = vec![toxin[0], toxin[2]];
    type Expected<'a> = Vec<(&'a str, Date, Date)>;
    let cases: [(&[&str], Expected); 4] = [
        (&["incobotulinumtoxinA"], toxin),
        (&["lidocaine", "triamcinolone-acetonide"], no_toxin.clone()),
        (&["dry-needling"], no_toxin),
        (&["manual-pressure"], vec![]),
    ];
    for (agents, expected) in cases {
        let got = schedule(rules(), drugs(), &procedure("p1", day, agents, &[])).expect("schedule");
        let got: Vec<(&str, Date, Date)> = got.iter().map(|c| (c.check.as_str(), c.due_from, c.due_by)).collect();
        assert_eq!(got, expected, "{agents:?}");
    }
    assert!(schedule(rules(), drugs(), &procedure("p1", day, &[], &[])).is_err());
    assert!(schedule(rules(), drugs(), &procedure("p1", day, &["saline"], &[])).is_err());
}

#[test]
fn the_worklist_puts_overdue_then_due_then_upcoming() {
    let mut checks = Vec::new();
    for (id, day) in [
        ("a", date!(2026 - 10 - 01)),
        ("b", date!(2026 - 11 - 20)),
        ("c", date!(2026 - 11 - 28)),
    ] {
        checks.extend(schedule(rules(), drugs(), &procedure(id, day, &["incobotulinumtoxinA"], &[])).expect("s"));
    }
    // a's 2-day call is done.
    checks[0].completed_on = Some(date!(2026 - 10 - 03));
    let today = date!(2026 - 12 - 01);
    let got: Vec<(DueStatus, String)> = worklist(&checks, today)
        .into_iter()
        .map(|w| (w.status, format!("{}:{}", w.check.procedure_id, w.check.check)))
        .collect();
    use DueStatus::*;
    let expected = vec![
        (Overdue, "a:toxin-review-2-weeks".to_owned()),     // due by 10-17
        (Overdue, "a:outcome-visit-4-6-weeks".to_owned()),  // due by 11-12
        (Overdue, "b:call-2-3-days".to_owned()),            // due by 11-23
        (Due, "c:call-2-3-days".to_owned()),                // 11-30 to 12-01
        (Upcoming, "b:toxin-review-2-weeks".to_owned()),    // from 12-04
        (Upcoming, "c:toxin-review-2-weeks".to_owned()),    // from 12-12
        (Upcoming, "b:outcome-visit-4-6-weeks".to_owned()), // from 12-18
        (Upcoming, "c:outcome-visit-4-6-weeks".to_owned()), // from 12-26
    ];
    assert_eq!(got, expected);
}

fn nrs(at: OffsetDateTime, value: f64) -> Outcome {
    Outcome {
        measure: Measure::PainNrs,
        value,
        recorded_at: at,
        trigger_point: None,
    }
}

#[test]
fn responder_arithmetic_follows_immpact_and_farrar() {
    let before = datetime!(2026-10-01 09:00 UTC);
    let after = datetime!(2026-11-12 09:00 UTC);
    let treated = Some(date!(2026 - 10 - 01));
    // (baseline, latest, change points, change %, responder 30, 50, 2 points)
    let cases = [
        (8.0, 4.0, 4.0, Some(50.0), Some(true), Some(true), Some(true)), // the issue's 50 % responder
        (3.0, 2.0, 1.0, Some(100.0 / 3.0), Some(true), Some(false), Some(false)), // not a 2-point responder
        (10.0, 7.0, 3.0, Some(30.0), Some(true), Some(false), Some(true)), // exactly 30 %
        (7.0, 5.0, 2.0, Some(200.0 / 7.0), Some(false), Some(false), Some(true)), // 2 points, 28.6 %
        (0.0, 0.0, 0.0, None, None, None, Some(false)),                  // baseline 0: no percent
        (4.0, 6.0, -2.0, Some(-50.0), Some(false), Some(false), Some(false)), // worse
    ];
    for (b, l, points, percent, r30, r50, r2) in cases {
        let s = summarise_nrs(rules(), &[nrs(after, l), nrs(before, b)], treated);
        assert_eq!((s.baseline_nrs, s.latest_nrs), (Some(b), Some(l)));
        assert_eq!(s.change_points, Some(points), "{b}->{l}");
        match (s.change_percent, percent) {
            (Some(got), Some(want)) => assert!((got - want).abs() < 1e-9, "{b}->{l}: {got}"),
            (got, want) => assert_eq!(got, want, "{b}->{l}"),
        }
        assert_eq!(
            (s.responder_30, s.responder_50, s.responder_2_points),
            (r30, r50, r2),
            "{b}->{l}"
        );
    }
}

#[test]
fn the_summary_serialises_with_the_contract_names() {
    let s = summarise_nrs(
        rules(),
        &[
            nrs(datetime!(2026-10-01 09:00 UTC), 8.0),
            nrs(datetime!(2026-11-12 09:00 UTC), 4.0),
        ],
        Some(date!(2026 - 10 - 01)),
    );
    let json = serde_json::to_value(&s).expect("json");
    let keys: Vec<&str> = json.as_object().expect("object").keys().map(String::as_str).collect();
    for name in [
        "baseline_nrs",
        "latest_nrs",
        "change_points",
        "change_percent",
        "responder_30",
        "responder_50",
        "responder_2_points",
    ] {
        assert!(keys.contains(&name), "{name} in {keys:?}");
    }
    assert_eq!(json["responder_50"], true);
}

#[test]
fn baseline_is_the_last_score_before_treatment_and_latest_a_later_day() {
    let day = |d: u8, v: f64| {
        nrs(
            OffsetDateTime::new_utc(
                Date::from_calendar_date(2026, time::Month::October, d).expect("d"),
                time::Time::MIDNIGHT,
            ),
            v,
        )
    };
    let series = [day(1, 9.0), day(5, 7.0), day(5, 6.5), day(20, 3.0), day(27, 4.0)];
    // Treated on the 5th: baseline is the last score of that day (6.5), latest the 27th's.
    let s = summarise_nrs(rules(), &series, Some(date!(2026 - 10 - 05)));
    assert_eq!((s.baseline_nrs, s.latest_nrs), (Some(6.5), Some(4.0)));
    // No score before treatment: no baseline, no responder status.
    let s = summarise_nrs(rules(), &series[3..], Some(date!(2026 - 10 - 05)));
    assert_eq!((s.baseline_nrs, s.responder_30), (None, None));
    // Only a baseline: no follow-up score.
    let s = summarise_nrs(rules(), &series[..1], Some(date!(2026 - 10 - 05)));
    assert!(!s.has_followup_score());
}

#[test]
fn patient_summary_counts_sessions_sites_and_pressure() {
    let today = date!(2026 - 12 - 01);
    let procedures = [
        procedure("p1", date!(2025 - 12 - 01), &["lidocaine"], &[("trapezius", "left")]), // exactly a year: out
        procedure(
            "p2",
            date!(2026 - 09 - 01),
            &["lidocaine"],
            &[("trapezius", "left"), ("levator-scapulae", "left")],
        ),
        procedure("p3", date!(2026 - 11 - 03), &["dry-needling"], &[("trapezius", "left")]), // not an injection
        procedure(
            "p4",
            date!(2026 - 11 - 10),
            &["incobotulinumtoxinA"],
            &[("masseter", "left")],
        ),
    ];
    let ppt = |at: OffsetDateTime, v: f64| Outcome {
        measure: Measure::PressurePainThreshold,
        value: v,
        recorded_at: at,
        trigger_point: Some("trapezius-upper-trp1".into()),
    };
    let outcomes = [
        ppt(datetime!(2025-11-20 10:00 UTC), 2.0),
        ppt(datetime!(2026-11-24 10:00 UTC), 3.0),
    ];
    let s = summarise_patient(rules(), drugs(), &procedures, &outcomes, today).expect("summary");
    assert_eq!(s.sessions_last_12_months, 3);
    let sites: Vec<(&str, Date, i64)> = s
        .weeks_since_last_injection
        .iter()
        .map(|w| (w.site.as_str(), w.last_injection, w.weeks_since))
        .collect();
    assert_eq!(
        sites,
        vec![
            ("levator-scapulae:left", date!(2026 - 09 - 01), 13), // 91 days
            ("masseter:left", date!(2026 - 11 - 10), 3),          // 21 days
            ("trapezius:left", date!(2026 - 09 - 01), 13),        // dry needling on 11-03 does not count
        ]
    );
    assert_eq!(s.pressure.len(), 1);
    assert_eq!(
        (s.pressure[0].baseline_kg_cm2, s.pressure[0].latest_kg_cm2),
        (2.0, Some(3.0))
    );
    assert_eq!(s.pressure[0].change_kg_cm2, Some(1.0));
    assert_eq!(s.pressure[0].change_percent, Some(50.0));
    let future = [nrs(datetime!(2026-12-02 10:00 UTC), 3.0)];
    assert!(summarise_patient(rules(), drugs(), &procedures, &future, today).is_err());
}

#[test]
fn clinic_report_rates_by_protocol_agent_and_muscle() {
    let series = |id: &str, agent: &str, protocol: Option<&str>, scores: &[(OffsetDateTime, f64)]| PatientSeries {
        patient_id: id.into(),
        procedures: vec![Procedure {
            protocol: protocol.map(str::to_owned),
            ..procedure(id, date!(2026 - 10 - 01), &[agent], &[("trapezius", "left")])
        }],
        outcomes: scores.iter().map(|&(at, v)| nrs(at, v)).collect(),
    };
    let pre = datetime!(2026-10-01 08:00 UTC);
    let post = datetime!(2026-11-10 08:00 UTC);
    let patients = [
        series("a", "lidocaine", Some("lidocaine-tpi"), &[(pre, 8.0), (post, 4.0)]), // 50 %
        series("b", "lidocaine", Some("lidocaine-tpi"), &[(pre, 3.0), (post, 2.0)]), // 33 %, 1 point
        series("c", "lidocaine", None, &[(pre, 6.0)]),                               // no follow-up score
        series(
            "d",
            "incobotulinumtoxinA",
            Some("xeomin-facial"),
            &[(pre, 0.0), (post, 0.0)],
        ), // baseline 0
    ];
    let r = clinic_report(
        rules(),
        drugs(),
        &patients,
        date!(2026 - 09 - 01),
        date!(2026 - 10 - 31),
    )
    .expect("report");
    assert_eq!(
        (r.all.patients, r.all.without_followup_score, r.all.with_followup_score),
        (4, 1, 3)
    );
    assert_eq!(
        (r.all.percent_evaluable, r.all.responders_30, r.all.responders_50),
        (2, 2, 1)
    );
    assert_eq!(r.all.rate_50, Some(0.5));
    assert_eq!(r.all.rate_2_points, Some(1.0 / 3.0));
    let lido = r.by_agent.iter().find(|g| g.key == "lidocaine").expect("lidocaine");
    assert_eq!(
        (lido.patients, lido.without_followup_score, lido.responders_2_points),
        (3, 1, 1)
    );
    let keys: Vec<&str> = r.by_protocol.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["lidocaine-tpi", "none", "xeomin-facial"]);
    assert_eq!(r.by_muscle.len(), 1);
    assert_eq!(r.by_muscle[0].patients, 4);
    // Out of range: nobody.
    let empty = clinic_report(
        rules(),
        drugs(),
        &patients,
        date!(2026 - 11 - 01),
        date!(2026 - 11 - 30),
    )
    .expect("r");
    assert_eq!(empty.all.patients, 0);
    assert_eq!(empty.all.rate_30, None);
    assert!(
        clinic_report(
            rules(),
            drugs(),
            &patients,
            date!(2026 - 11 - 30),
            date!(2026 - 11 - 01)
        )
        .is_err()
    );
}

#[test]
fn lipid_rescue_follows_the_asra_table() {
    let l = &rules().lipid_rescue;
    // (lean weight, bolus mL, fixed infusion, infusion mL/min, max total mL)
    let cases = [
        (80.0, 100.0, Some([200.0, 250.0]), None, 960.0),
        (70.0, 105.0, None, Some(17.5), 840.0),
        (50.0, 75.0, None, Some(12.5), 600.0),
    ];
    for (w, bolus, fixed, rate, max) in cases {
        let d = l.dose(w).expect("dose");
        assert!((d.bolus_ml - bolus).abs() < 1e-9, "{w}");
        assert_eq!(d.infusion_ml, fixed, "{w}");
        assert_eq!(d.infusion_ml_per_min, rate, "{w}");
        assert!((d.max_total_ml - max).abs() < 1e-9, "{w}");
    }
    assert!(l.dose(0.0).is_err() && l.dose(f64::NAN).is_err());
}

#[test]
fn self_care_sheet_for_a_real_atlas_muscle() {
    let atlas = taut_atlas::Atlas::embedded().expect("atlas");
    let (_, tp) = atlas.trigger_point("trapezius-upper-trp1").expect("in the atlas");
    let treated = [TreatedPoint {
        trigger_point: "trapezius-upper-trp1".into(),
        side: Some("left".into()),
    }];
    let sheet = self_care_sheet(
        atlas,
        rules(),
        drugs(),
        &treated,
        &["lidocaine".into()],
        "Taut Clinic, 555 0100",
    )
    .expect("sheet");
    assert_eq!(sheet.points[0].press, tp.self_care.pressure);
    assert!(sheet.press_how.contains("30 to 60 seconds"));
    assert!(sheet.stretch_how.contains("10 to 30 seconds"));
    let expect: Vec<&str> = sheet.expect.iter().map(|e| e.effect.as_str()).collect();
    assert!(expect.contains(&"post-injection-soreness") && expect.contains(&"anesthetic-numbness"));
    assert!(!expect.contains(&"toxin-ptosis"));
    assert!(sheet.emergency_when.iter().any(|e| e.contains("chest pain")));
    let text = sheet.text();
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    assert!(text.contains("Taut Clinic, 555 0100") && text.contains("Trapezius (left side)"));
    assert!(text.contains("Go to emergency care"));
    // How long each effect lasts reads once: "How long: usually 2, up to 4 days", never "lasts usually".
    assert!(text.contains("How long: usually "), "{text}");
    assert!(!text.contains("lasts usually"), "{text}");

    let err = self_care_sheet(
        atlas,
        rules(),
        drugs(),
        &[TreatedPoint {
            trigger_point: "nope".into(),
            side: None,
        }],
        &[],
        "x",
    )
    .expect_err("unknown point");
    assert!(err.to_string().contains("nope"));
    assert!(self_care_sheet(atlas, rules(), drugs(), &treated, &[], " ").is_err());
}

/// Every entry's effective date is not in the future nor after its verification day; an entry dated only by its
/// verification day says why; the loader refuses the contrary.
#[test]
fn effective_dates_are_the_sources_or_marked_undated() {
    let c = rules();
    let today = time::OffsetDateTime::now_utc().date();
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let mut entries: Vec<(&str, &str, &str, Option<&str>)> = Vec::new();
    for e in &c.effects {
        entries.push((&e.id, &e.effective_date, &e.verified, e.date_note.as_deref()));
    }
    for r in &c.checks {
        entries.push((&r.id, &r.effective_date, &r.verified, r.date_note.as_deref()));
    }
    for r in &c.responders {
        entries.push((&r.id, &r.effective_date, &r.verified, r.date_note.as_deref()));
    }
    let (l, s) = (&c.lipid_rescue, &c.self_care);
    entries.push(("lipid_rescue", &l.effective_date, &l.verified, l.date_note.as_deref()));
    entries.push(("self_care", &s.effective_date, &s.verified, s.date_note.as_deref()));
    for (id, effective, verified, note) in &entries {
        let effective = time::Date::parse(effective, format).expect("effective");
        let verified = time::Date::parse(verified, format).expect("verified");
        assert!(effective <= today && effective <= verified, "{id}");
        if effective == verified {
            assert!(note.is_some_and(|n| !n.is_empty()), "{id}: undated without a note");
        }
    }
    let outcome = c
        .checks
        .iter()
        .find(|r| r.id == "outcome-visit-4-6-weeks")
        .expect("check");
    assert_eq!(outcome.effective_date, "2024-04-01", "the LCD revision");

    let good = include_str!("../../../../catalog/side-effects.toml");
    let rules_file = include_str!("../../../../catalog/followup.toml");
    let future = rules_file.replacen("effective_date = \"2024-04-01\"", "effective_date = \"2027-04-01\"", 1);
    let err = FollowupCatalog::parse(good, &future).expect_err("after verified");
    assert!(err.to_string().contains("after verified"), "{err}");
    let silent = good.replacen("\ndate_note = ", "\n# date_note = ", 1);
    let err = FollowupCatalog::parse(&silent, rules_file).expect_err("undated without a note");
    assert!(err.to_string().contains("date_note"), "{err}");
}
