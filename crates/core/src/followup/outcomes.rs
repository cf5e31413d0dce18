//! Outcome arithmetic: baseline and latest pain NRS with responder status (IMMPACT 30 % and 50 %, 2 points),
//! pressure-threshold change per trigger point, sessions in the last 12 months, weeks since the last injection
//! at each site, and the clinic's responder rates by protocol, agent and muscle.
//!
//! Baseline: the last score recorded on or before the day of the first treatment (the pre-treatment score);
//! with no treatment given, the first score. Latest: the last score recorded on a later day than the treatment
//! (or than the baseline, without treatment). A baseline of 0 has no percent change: `change_percent`,
//! `responder_30` and `responder_50` are `null`, and such a patient is left out of the percent rates' denominators.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::{FollowupCatalog, FollowupError, Procedure, Site};
use crate::plan::Catalog;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    PainNrs,
    PressurePainThreshold,
    RangeOfMotion,
    Other,
}

/// One recorded outcome measure.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub measure: Measure,
    pub value: f64,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// The trigger point a pressure threshold was taken at.
    #[serde(default)]
    pub trigger_point: Option<String>,
}

/// The pain NRS summary; the field names are the API's contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NrsSummary {
    pub baseline_nrs: Option<f64>,
    pub latest_nrs: Option<f64>,
    /// Baseline minus latest: positive is less pain.
    pub change_points: Option<f64>,
    /// The change as a share of the baseline, in per cent; `None` with a baseline of 0.
    pub change_percent: Option<f64>,
    pub responder_30: Option<bool>,
    pub responder_50: Option<bool>,
    pub responder_2_points: Option<bool>,
}

impl NrsSummary {
    pub fn has_followup_score(&self) -> bool {
        self.baseline_nrs.is_some() && self.latest_nrs.is_some()
    }
}

/// Baseline and latest values of one series, per the module's rule.
fn baseline_latest(
    mut series: Vec<(OffsetDateTime, f64)>,
    first_treatment: Option<Date>,
) -> (Option<f64>, Option<f64>) {
    series.sort_by_key(|(at, _)| *at);
    let baseline = match first_treatment {
        Some(day) => series.iter().rev().find(|(at, _)| at.date() <= day),
        None => series.first(),
    };
    let Some(&(baseline_at, baseline)) = baseline else {
        return (None, None);
    };
    let after = first_treatment.unwrap_or(baseline_at.date());
    let latest = series.iter().rev().find(|(at, _)| at.date() > after).map(|&(_, v)| v);
    (Some(baseline), latest)
}

fn percent_change(baseline: f64, latest: f64) -> Option<f64> {
    (baseline != 0.0).then(|| (baseline - latest) / baseline * 100.0)
}

/// The pain NRS summary of one patient's outcomes.
pub fn summarise_nrs(rules: &FollowupCatalog, outcomes: &[Outcome], first_treatment: Option<Date>) -> NrsSummary {
    let series = outcomes
        .iter()
        .filter(|o| o.measure == Measure::PainNrs)
        .map(|o| (o.recorded_at, o.value))
        .collect();
    let (baseline, latest) = baseline_latest(series, first_treatment);
    let (Some(b), Some(l)) = (baseline, latest) else {
        return NrsSummary {
            baseline_nrs: baseline,
            ..NrsSummary::default()
        };
    };
    let drop = b - l;
    // Compared as drop × 100 >= percent × baseline so that whole-number scores meet a threshold exactly.
    let by_percent = |id: &str| {
        let pct = rules.responder(id).percent.unwrap_or(f64::INFINITY);
        (b != 0.0).then_some(drop * 100.0 >= pct * b)
    };
    let points = rules.responder("responder_2_points").points.unwrap_or(f64::INFINITY);
    NrsSummary {
        baseline_nrs: Some(b),
        latest_nrs: Some(l),
        change_points: Some(drop),
        change_percent: percent_change(b, l),
        responder_30: by_percent("responder_30"),
        responder_50: by_percent("responder_50"),
        responder_2_points: Some(drop >= points),
    }
}

/// Pressure pain threshold change at one trigger point (kg/cm²); a rise is less tenderness.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PressureChange {
    pub trigger_point: String,
    pub baseline_kg_cm2: f64,
    pub latest_kg_cm2: Option<f64>,
    pub change_kg_cm2: Option<f64>,
    pub change_percent: Option<f64>,
}

/// When a site was last injected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InjectionSite {
    pub site: String,
    #[serde(with = "super::iso_date")]
    pub last_injection: Date,
    /// Whole weeks since, rounded down.
    pub weeks_since: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientSummary {
    #[serde(flatten)]
    pub nrs: NrsSummary,
    pub pressure: Vec<PressureChange>,
    pub sessions_last_12_months: u32,
    pub weeks_since_last_injection: Vec<InjectionSite>,
}

/// The same calendar day a year earlier (29 February becomes 28 February).
fn one_year_before(day: Date) -> Date {
    let year = day.year() - 1;
    let d = day.day().min(time::util::days_in_month(day.month(), year));
    Date::from_calendar_date(year, day.month(), d).unwrap_or(day)
}

/// One patient's summary as of `today`. Refuses procedures with unknown agents and outcomes in the future.
pub fn summarise_patient(
    rules: &FollowupCatalog,
    drugs: &Catalog,
    procedures: &[Procedure],
    outcomes: &[Outcome],
    today: Date,
) -> Result<PatientSummary, FollowupError> {
    if let Some(o) = outcomes.iter().find(|o| o.recorded_at.date() > today) {
        return Err(FollowupError::Invalid {
            field: "recorded_at".into(),
            message: format!("{} is after today ({today})", o.recorded_at.date()),
        });
    }
    let past: Vec<&Procedure> = procedures.iter().filter(|p| p.date <= today).collect();
    let first_treatment = past.iter().map(|p| p.date).min();
    let nrs = summarise_nrs(rules, outcomes, first_treatment);

    let mut by_point: BTreeMap<&str, Vec<(OffsetDateTime, f64)>> = BTreeMap::new();
    for o in outcomes.iter().filter(|o| o.measure == Measure::PressurePainThreshold) {
        if let Some(tp) = &o.trigger_point {
            by_point.entry(tp.as_str()).or_default().push((o.recorded_at, o.value));
        }
    }
    let pressure = by_point
        .into_iter()
        .filter_map(|(tp, series)| {
            let (baseline, latest) = baseline_latest(series, first_treatment);
            let baseline = baseline?;
            Some(PressureChange {
                trigger_point: tp.to_owned(),
                baseline_kg_cm2: baseline,
                latest_kg_cm2: latest,
                change_kg_cm2: latest.map(|l| l - baseline),
                change_percent: latest.and_then(|l| percent_change(baseline, l).map(|p| -p)),
            })
        })
        .collect();

    let year_ago = one_year_before(today);
    let sessions = past.iter().filter(|p| p.date > year_ago).count();

    let mut last: BTreeMap<String, Date> = BTreeMap::new();
    for p in &past {
        if p.is_injection(drugs)? {
            for site in &p.sites {
                let entry = last.entry(site.label()).or_insert(p.date);
                *entry = (*entry).max(p.date);
            }
        }
    }
    let weeks_since_last_injection = last
        .into_iter()
        .map(|(site, day)| InjectionSite {
            site,
            last_injection: day,
            weeks_since: (today - day).whole_weeks(),
        })
        .collect();

    Ok(PatientSummary {
        nrs,
        pressure,
        sessions_last_12_months: u32::try_from(sessions).unwrap_or(u32::MAX),
        weeks_since_last_injection,
    })
}

/// One patient's record for the clinic report.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PatientSeries {
    pub patient_id: String,
    pub procedures: Vec<Procedure>,
    pub outcomes: Vec<Outcome>,
}

/// Responder counts and rates for one protocol, agent or muscle.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupRate {
    pub key: String,
    pub patients: u32,
    pub without_followup_score: u32,
    pub with_followup_score: u32,
    /// Patients with a follow-up score and a baseline above 0 (the denominator of the percent rates).
    pub percent_evaluable: u32,
    pub responders_30: u32,
    pub responders_50: u32,
    pub responders_2_points: u32,
    pub rate_30: Option<f64>,
    pub rate_50: Option<f64>,
    pub rate_2_points: Option<f64>,
}

impl GroupRate {
    fn add(&mut self, s: &NrsSummary) {
        self.patients += 1;
        if !s.has_followup_score() {
            self.without_followup_score += 1;
            return;
        }
        self.with_followup_score += 1;
        if s.responder_30.is_some() {
            self.percent_evaluable += 1;
        }
        self.responders_30 += u32::from(s.responder_30 == Some(true));
        self.responders_50 += u32::from(s.responder_50 == Some(true));
        self.responders_2_points += u32::from(s.responder_2_points == Some(true));
    }

    fn finish(mut self) -> GroupRate {
        let rate = |n: u32, d: u32| (d > 0).then(|| f64::from(n) / f64::from(d));
        self.rate_30 = rate(self.responders_30, self.percent_evaluable);
        self.rate_50 = rate(self.responders_50, self.percent_evaluable);
        self.rate_2_points = rate(self.responders_2_points, self.with_followup_score);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClinicReport {
    #[serde(with = "super::iso_date")]
    pub from: Date,
    #[serde(with = "super::iso_date")]
    pub to: Date,
    pub all: GroupRate,
    pub by_protocol: Vec<GroupRate>,
    pub by_agent: Vec<GroupRate>,
    pub by_muscle: Vec<GroupRate>,
}

/// Responder rates over the patients treated between `from` and `to` (inclusive). A patient counts once in
/// each protocol, agent and muscle of the procedures in the range; the baseline is taken before the first of
/// them. Procedures without a protocol are grouped under `none`.
pub fn clinic_report(
    rules: &FollowupCatalog,
    drugs: &Catalog,
    patients: &[PatientSeries],
    from: Date,
    to: Date,
) -> Result<ClinicReport, FollowupError> {
    if from > to {
        return Err(FollowupError::Invalid {
            field: "from".into(),
            message: format!("{from} is after {to}"),
        });
    }
    let mut all = GroupRate {
        key: "all".into(),
        ..GroupRate::default()
    };
    let mut groups: [BTreeMap<String, GroupRate>; 3] = Default::default();
    for patient in patients {
        let treated: Vec<&Procedure> = patient
            .procedures
            .iter()
            .filter(|p| p.date >= from && p.date <= to)
            .collect();
        let Some(first) = treated.iter().map(|p| p.date).min() else {
            continue;
        };
        for p in &treated {
            p.classes(drugs)?; // refuses unknown agents
        }
        let summary = summarise_nrs(rules, &patient.outcomes, Some(first));
        all.add(&summary);
        let mut keys: [Vec<String>; 3] = Default::default();
        for p in &treated {
            keys[0].push(p.protocol.clone().unwrap_or_else(|| "none".into()));
            keys[1].extend(p.agents.iter().cloned());
            keys[2].extend(p.sites.iter().map(|s: &Site| s.muscle.clone()));
        }
        for (group, mut ks) in groups.iter_mut().zip(keys) {
            ks.sort();
            ks.dedup();
            for k in ks {
                group
                    .entry(k.clone())
                    .or_insert_with(|| GroupRate {
                        key: k,
                        ..GroupRate::default()
                    })
                    .add(&summary);
            }
        }
    }
    let [by_protocol, by_agent, by_muscle] = groups.map(|g| g.into_values().map(GroupRate::finish).collect());
    Ok(ClinicReport {
        from,
        to,
        all: all.finish(),
        by_protocol,
        by_agent,
        by_muscle,
    })
}
