//! Checking a plan: volumes, totals, vials and waste, safety findings and codes.

use serde::Serialize;
use taut_atlas::{HazardKind, MuscleGroup};

use super::catalog::{AgentRef, Catalog, DrugClass, Limit, LimitKind, RuleId, Steroid, Toxin};
use super::input::{Container, Dose, Item, Kind, Plan, ProcedureKind};

/// One item of the checked plan.
#[derive(Debug, Clone, Serialize)]
pub struct ItemOut {
    pub muscle: String,
    pub muscle_name: String,
    pub side: Option<String>,
    /// Where in the muscle, when the plan says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub agent: String,
    pub kind: Kind,
    pub dose: Option<Dose>,
    pub volume_ml: Option<f64>,
    pub units_per_0_1_ml: Option<f64>,
    pub concentration_percent: Option<f64>,
    pub points: u32,
    /// For a corticosteroid: the container it was drawn from, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vial: Option<Container>,
    /// A single-dose vial's labeled content in mg.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vial_mg: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Total {
    pub agent: String,
    pub value: f64,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vials {
    pub agent: String,
    pub size: u32,
    pub count: u32,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize, strum::Display, strum::AsRefStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// Every finding the checker emits: a closed list, so clients can rely on the codes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    strum::Display,
    strum::EnumString,
    strum::EnumIter,
    strum::AsRefStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum FindingCode {
    ToxinSessionMax,
    ToxinLabelRange,
    ToxinCumulativeMax,
    ToxinRetreatmentInterval,
    ToxinMixedProducts,
    ToxinPerSiteMax,
    ToxinPerMuscleMax,
    ToxinBilateralScm,
    ToxinWeightMax,
    ToxinCoverage,
    AnestheticMaxDose,
    WeightRequired,
    Pediatric,
    Allergy,
    InfectionAtSite,
    BleedingRisk,
    NeuromuscularDisease,
    AminoglycosideInteraction,
    Pregnancy,
    Breastfeeding,
    PneumothoraxRisk,
    SteroidMaxDose,
    SteroidFrequency,
    SteroidGlucose,
    TpiFrequency,
    TpiSameSiteInterval,
    ReconstitutionUnverified,
    AnestheticNotBilled,
    UnrecognisedEntries,
    /// A recorded ICD-10-CM code that is not in Taut's cited list: kept, to be checked by the clinician.
    DiagnosisUnverified,
    /// A recorded steroid whose vial (single-dose or multi-dose) was not recorded: no JW/JZ modifier derived.
    SteroidContainerUnrecorded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub code: FindingCode,
    pub message: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Code {
    pub system: String,
    pub code: String,
    pub units: Option<u32>,
    pub modifier: Option<String>,
}

/// The checked plan: the output contract of `taut plan check --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub items: Vec<ItemOut>,
    pub totals: Vec<Total>,
    pub vials: Vec<Vials>,
    pub waste: Vec<Total>,
    pub findings: Vec<Finding>,
    pub codes: Vec<Code>,
}

impl Report {
    pub fn has_error(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Rounds to 3 decimals: display precision, far below any measuring syringe.
fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

fn unit_of(kind: Kind) -> &'static str {
    if kind == Kind::Toxin { "U" } else { "mg" }
}

/// The vial sizes to open for `total` units: least waste first, then fewest vials (CMS: bill from the
/// vial sizes that minimise waste). Returns (size, count) pairs, largest first.
pub fn choose_vials(total: f64, sizes: &[u32]) -> Vec<(u32, u32)> {
    let need = if total.is_finite() && total > 0.0 {
        total.ceil() as u64
    } else {
        0
    };
    let sizes: Vec<u64> = sizes.iter().map(|s| u64::from(*s)).collect();
    cover(need, &sizes)
        .into_iter()
        .map(|(size, count)| {
            (
                u32::try_from(size).unwrap_or(u32::MAX),
                u32::try_from(count).unwrap_or(u32::MAX),
            )
        })
        .collect()
}

/// The multiset of `sizes` whose sum is the smallest at or above `need`, with the fewest pieces for that sum;
/// (size, count) pairs, largest first. Exact by dynamic programming over sums up to `need` + the largest size;
/// a very large need is first reduced by whole largest pieces, keeping the search to a few largest sizes.
pub fn cover(need: u64, sizes: &[u64]) -> Vec<(u64, u64)> {
    let mut sizes: Vec<u64> = sizes.iter().copied().filter(|s| *s > 0).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes.dedup();
    let Some(&largest) = sizes.first() else {
        return Vec::new();
    };
    if need == 0 {
        return Vec::new();
    }
    let bulk = (need / largest).saturating_sub(2);
    let rest = need - bulk * largest;
    let limit = usize::try_from(rest + largest).unwrap_or(usize::MAX);
    // pieces[s]: fewest pieces summing exactly to s; last[s]: the size added last on that path.
    let mut pieces = vec![u64::MAX; limit + 1];
    let mut last = vec![0_u64; limit + 1];
    pieces[0] = 0;
    for sum in 1..=limit {
        for &size in &sizes {
            let Ok(size_index) = usize::try_from(size) else {
                continue;
            };
            if size_index <= sum && pieces[sum - size_index] != u64::MAX && pieces[sum - size_index] + 1 < pieces[sum] {
                pieces[sum] = pieces[sum - size_index] + 1;
                last[sum] = size;
            }
        }
    }
    let start = usize::try_from(rest).unwrap_or(usize::MAX);
    let Some(mut sum) = (start..=limit).find(|s| pieces[*s] != u64::MAX) else {
        return Vec::new();
    };
    let mut counts: Vec<(u64, u64)> = sizes
        .iter()
        .map(|s| (*s, if *s == largest { bulk } else { 0 }))
        .collect();
    while sum > 0 {
        let size = last[sum];
        if let Some(entry) = counts.iter_mut().find(|(s, _)| *s == size) {
            entry.1 += 1;
        }
        sum -= usize::try_from(size).unwrap_or(sum);
    }
    counts.retain(|(_, c)| *c > 0);
    counts
}

fn finding(severity: Severity, code: FindingCode, message: String, source: &str) -> Finding {
    Finding {
        severity,
        code,
        message,
        source: source.to_owned(),
    }
}

/// A finding of a catalog-held rule: its code, severity and source come from the rule's `[[rule]]` entry.
pub fn rule_finding(catalog: &Catalog, id: RuleId, message: String) -> Finding {
    let rule = catalog.rule(id);
    finding(rule.severity, id.finding(), message, &rule.source)
}

/// Checks a resolved plan against the catalog, the patient's history and the atlas.
pub fn check(plan: &Plan<'_>, catalog: &Catalog) -> Report {
    let mut findings = Vec::new();
    let items: Vec<ItemOut> = plan.items.iter().map(|item| item_out(plan, item, catalog)).collect();

    // Totals per agent, in first-mentioned order.
    let mut totals: Vec<Total> = Vec::new();
    for item in &plan.items {
        if let Some(amount) = item.amount {
            match totals.iter_mut().find(|t| t.agent == item.agent) {
                Some(total) => total.value += amount,
                None => totals.push(Total {
                    agent: item.agent.clone(),
                    value: amount,
                    unit: unit_of(item.kind).into(),
                }),
            }
        }
    }
    for total in &mut totals {
        total.value = round3(total.value);
    }

    let mut vials = Vec::new();
    let mut waste = Vec::new();
    let mut codes = Vec::new();
    let toxins: Vec<&Toxin> = totals
        .iter()
        .filter_map(|t| match catalog.agent(&t.agent) {
            Some(AgentRef::Toxin(toxin)) => Some(toxin),
            _ => None,
        })
        .collect();
    for toxin in &toxins {
        let total = totals.iter().find(|t| t.agent == toxin.id).map_or(0.0, |t| t.value);
        let chosen = choose_vials(total, plan.vial_sizes(toxin));
        let opened: u64 = chosen.iter().map(|(s, c)| u64::from(*s) * u64::from(*c)).sum();
        vials.extend(chosen.iter().map(|(size, count)| Vials {
            agent: toxin.id.clone(),
            size: *size,
            count: *count,
        }));
        let discarded = round3(opened as f64 - total);
        waste.push(Total {
            agent: toxin.id.clone(),
            value: discarded,
            unit: "U".into(),
        });
        toxin_codes(toxin, total, opened, &mut codes);
        if plan.units_per_0_1_ml(toxin).is_none() {
            findings.push(finding(
                Severity::Info,
                FindingCode::ReconstitutionUnverified,
                format!("{} ({}): the reconstitution volume is not in the verified catalog, so volumes are not computed; follow the label or give the clinic's reconstitution", toxin.id, toxin.brand),
                &toxin.source,
            ));
        }
    }
    if toxins.len() > 1 {
        let names: Vec<&str> = toxins.iter().map(|t| t.id.as_str()).collect();
        findings.push(rule_finding(
            catalog,
            RuleId::ToxinMixedProducts,
            format!("the plan mixes botulinum toxins ({}): units of different products are not interchangeable and are never converted", names.join(", ")),
        ));
    }

    toxin_limits(plan, catalog, &totals, &mut findings);
    anesthetic_limits(plan, catalog, &totals, &mut findings);
    steroid_checks(plan, catalog, &totals, &mut findings);
    age_checks(plan, catalog, &mut findings);
    tpi_rules(plan, catalog, &mut findings);
    patient_checks(plan, catalog, &mut findings);
    steroid_and_anesthetic_codes(plan, catalog, &totals, &mut codes, &mut findings);
    procedure_codes(plan, &mut codes);

    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    Report {
        items,
        totals,
        vials,
        waste,
        findings,
        codes,
    }
}

fn item_out(plan: &Plan<'_>, item: &Item<'_>, catalog: &Catalog) -> ItemOut {
    let (volume_ml, units_per_0_1_ml) = match catalog.agent(&item.agent) {
        Some(AgentRef::Toxin(toxin)) => match (plan.units_per_0_1_ml(toxin), item.amount) {
            (Some(per), Some(units)) => (Some(round3(units / per / 10.0)), Some(round3(per))),
            _ => (None, None),
        },
        _ => (item.volume_ml.map(round3), None),
    };
    ItemOut {
        muscle: item.muscle.id.clone(),
        muscle_name: item.muscle.name.clone(),
        side: item.side.clone(),
        site: item.site.clone(),
        agent: item.agent.clone(),
        kind: item.kind,
        dose: item.amount.map(|value| Dose {
            value: round3(value),
            unit: unit_of(item.kind).into(),
        }),
        volume_ml,
        units_per_0_1_ml,
        concentration_percent: item.concentration_percent,
        points: item.points,
        vial: item.vial,
        vial_mg: item.vial_mg,
    }
}

/// The drug line for the administered units, and the discarded units as their own JW line (JZ on the
/// administered line when nothing is discarded).
fn toxin_codes(toxin: &Toxin, total: f64, opened: u64, codes: &mut Vec<Code>) {
    let per = f64::from(toxin.billing_unit);
    let administered = (total / per).ceil() as u32;
    let opened_units = u32::try_from(opened.div_ceil(u64::from(toxin.billing_unit))).unwrap_or(u32::MAX);
    let discarded = opened_units.saturating_sub(administered);
    codes.push(Code {
        system: "HCPCS".into(),
        code: toxin.hcpcs.clone(),
        units: Some(administered),
        modifier: (discarded == 0).then(|| "JZ".to_owned()),
    });
    if discarded > 0 {
        codes.push(Code {
            system: "HCPCS".into(),
            code: toxin.hcpcs.clone(),
            units: Some(discarded),
            modifier: Some("JW".into()),
        });
    }
}

fn days_between(earlier: time::Date, later: time::Date) -> i64 {
    (later - earlier).whole_days()
}

fn side_label(side: Option<&str>) -> String {
    side.map(|s| format!(" {s}")).unwrap_or_default()
}

fn toxin_limits(plan: &Plan<'_>, catalog: &Catalog, totals: &[Total], findings: &mut Vec<Finding>) {
    for total in totals {
        let Some(AgentRef::Toxin(toxin)) = catalog.agent(&total.agent) else {
            continue;
        };
        if let Some(limit) = catalog.limit(&toxin.id, LimitKind::SessionMax)
            && total.value > limit.value
        {
            findings.push(finding(
                Severity::Error,
                FindingCode::ToxinSessionMax,
                format!(
                    "{} U of {} exceeds the session maximum of {} U",
                    total.value, toxin.id, limit.value
                ),
                &limit.source,
            ));
        }
        if let Some(limit) = catalog.limit(&toxin.id, LimitKind::LabelRangeMax)
            && total.value > limit.value
        {
            findings.push(finding(
                Severity::Warning,
                FindingCode::ToxinLabelRange,
                format!(
                    "{} U of {} is above the label's dose range (up to {} U); the label gives a range, not a maximum",
                    total.value, toxin.id, limit.value
                ),
                &limit.source,
            ));
        }
        if let Some(limit) = catalog.limit(&toxin.id, LimitKind::WindowMax) {
            window_max(plan, toxin, total.value, limit, findings);
        }
        if let Some(limit) = catalog.limit(&toxin.id, LimitKind::WeightMaxUnits) {
            weight_max(plan, toxin, total.value, limit, findings);
        }
        retreatment(plan, catalog, toxin, findings);
        per_muscle(plan, catalog, toxin, findings);
        per_site(plan, catalog, toxin, findings);
    }
    bilateral_scm(plan, catalog, findings);
    if totals
        .iter()
        .any(|t| matches!(catalog.agent(&t.agent), Some(AgentRef::Toxin(_))))
    {
        findings.push(rule_finding(
            catalog,
            RuleId::ToxinCoverage,
            "payers may not cover botulinum toxin for myofascial pain: it is off-label, and Medicare toxin LCDs list covered uses that do not include it; check coverage before treating".into(),
        ));
    }
}

/// Units within the label's rolling window, history included.
fn window_max(plan: &Plan<'_>, toxin: &Toxin, planned: f64, limit: &Limit, findings: &mut Vec<Finding>) {
    let days = i64::from(limit.days.unwrap_or(90));
    let within: Vec<_> = plan
        .history
        .iter()
        .filter(|h| {
            h.agent.as_deref() == Some(toxin.id.as_str()) && (0..days).contains(&days_between(h.date, plan.date))
        })
        .collect();
    let before: f64 = within.iter().filter_map(|h| h.amount).sum();
    if within.iter().any(|h| h.amount.is_none()) {
        findings.push(finding(
            Severity::Warning,
            FindingCode::ToxinCumulativeMax,
            format!(
                "{} was given within {days} days without a recorded dose: the cumulative total cannot be checked",
                toxin.id
            ),
            &limit.source,
        ));
    }
    if before + planned > limit.value {
        findings.push(finding(
            Severity::Error,
            FindingCode::ToxinCumulativeMax,
            format!(
                "{} U of {} within {days} days ({} U already given + {planned} U planned) exceeds the cumulative maximum of {} U",
                round3(before + planned),
                toxin.id,
                round3(before),
                limit.value
            ),
            &limit.source,
        ));
    }
}

/// The label's weight-based cap for patients under its age.
fn weight_max(plan: &Plan<'_>, toxin: &Toxin, planned: f64, limit: &Limit, findings: &mut Vec<Finding>) {
    let (Some(age), Some(max_age)) = (plan.age_years, limit.max_age) else {
        return;
    };
    if age >= i32::try_from(max_age).unwrap_or(i32::MAX) {
        return;
    }
    let Some(weight) = plan.weight_kg else {
        findings.push(finding(
            Severity::Error,
            FindingCode::WeightRequired,
            format!(
                "{} in a patient under {max_age}: the label caps the dose by weight ({} U/kg): give the patient's weight",
                toxin.id, limit.value
            ),
            &limit.source,
        ));
        return;
    };
    let cap = (limit.value * weight).min(limit.cap.unwrap_or(f64::INFINITY));
    if planned > cap {
        findings.push(finding(
            Severity::Error,
            FindingCode::ToxinWeightMax,
            format!(
                "{planned} U of {} exceeds {} U, the lower of {} U/kg x {weight} kg and {} U for a patient aged {age}",
                toxin.id,
                round3(cap),
                limit.value,
                limit.cap.unwrap_or(f64::INFINITY)
            ),
            &limit.source,
        ));
    }
}

/// The fewest days between two treatments with a toxin, and where that number comes from: the catalog's
/// `retreatment-days` limit, or the labels' 12 weeks when the catalog gives none for the toxin.
fn retreatment_interval(catalog: &Catalog, toxin_id: &str) -> (i64, String) {
    let interval = catalog.limit(toxin_id, LimitKind::RetreatmentDays);
    (
        interval.map_or(84, |l| l.value as i64),
        interval.map_or_else(|| "Botulinum toxin labels".to_owned(), |l| l.source.clone()),
    )
}

/// When a toxin given before may be given again: its last day and the first day the re-treatment interval
/// allows (the same rule the plan check applies, so a plan dated then passes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetreatmentDate {
    /// The toxin's catalog id.
    pub agent: String,
    pub last_given: time::Date,
    pub not_before: time::Date,
    pub interval_days: i64,
    pub source: String,
}

/// The re-treatment date of every toxin in a history of `(day, agent)` (agent ids or brand names; other
/// agents are ignored), by toxin id.
pub fn retreatment_dates(catalog: &Catalog, history: &[(time::Date, &str)]) -> Vec<RetreatmentDate> {
    let mut last: Vec<(String, time::Date)> = Vec::new();
    for (day, agent) in history {
        let Some(AgentRef::Toxin(toxin)) = catalog.agent(agent) else {
            continue;
        };
        match last.iter_mut().find(|(id, _)| *id == toxin.id) {
            Some((_, seen)) => *seen = (*seen).max(*day),
            None => last.push((toxin.id.clone(), *day)),
        }
    }
    last.sort();
    last.into_iter()
        .map(|(agent, last_given)| {
            let (interval_days, source) = retreatment_interval(catalog, &agent);
            RetreatmentDate {
                not_before: last_given + time::Duration::days(interval_days),
                agent,
                last_given,
                interval_days,
                source,
            }
        })
        .collect()
}

fn retreatment(plan: &Plan<'_>, catalog: &Catalog, toxin: &Toxin, findings: &mut Vec<Finding>) {
    let interval = catalog.limit(&toxin.id, LimitKind::RetreatmentDays);
    let (min_days, _) = retreatment_interval(catalog, &toxin.id);
    for past in &plan.history {
        let Some(AgentRef::Toxin(other)) = past.agent.as_deref().and_then(|a| catalog.agent(a)) else {
            continue;
        };
        let since = days_between(past.date, plan.date);
        if !(0..min_days).contains(&since) {
            continue;
        }
        if other.id == toxin.id {
            findings.push(finding(
                Severity::Error,
                FindingCode::ToxinRetreatmentInterval,
                format!(
                    "{} was given {since} days ago; re-treat no sooner than {min_days} days",
                    toxin.id
                ),
                interval.map_or("Botulinum toxin labels", |l| l.source.as_str()),
            ));
        } else {
            findings.push(rule_finding(
                catalog,
                RuleId::ToxinOtherProductInterval,
                format!("another botulinum toxin ({}) was given {since} days ago; the effect of different toxins within months of each other is unknown and weakness may worsen", other.id),
            ));
        }
    }
}

/// A per-muscle limit holds for one side and for both sides together.
fn per_muscle(plan: &Plan<'_>, catalog: &Catalog, toxin: &Toxin, findings: &mut Vec<Finding>) {
    for limit in catalog
        .limits
        .iter()
        .filter(|l| l.agent == toxin.id && l.kind == LimitKind::PerMuscleMaxUnits)
    {
        let Some(muscle) = &limit.muscle else { continue };
        let into = |side: Option<&str>| -> f64 {
            plan.items
                .iter()
                .filter(|i| {
                    i.agent == toxin.id && &i.muscle.id == muscle && (side.is_none() || i.side.as_deref() == side)
                })
                .filter_map(|i| i.amount)
                .sum()
        };
        let mut over_one_side = false;
        for side in [Some("left"), Some("right")] {
            let units = into(side);
            if units > limit.value {
                over_one_side = true;
                findings.push(finding(
                    Severity::Warning,
                    FindingCode::ToxinPerMuscleMax,
                    format!(
                        "{} U of {} into {muscle}{} exceeds the {} U the label advises",
                        round3(units),
                        toxin.id,
                        side_label(side),
                        limit.value
                    ),
                    &limit.source,
                ));
            }
        }
        let both = into(None);
        if !over_one_side && both > limit.value {
            findings.push(finding(
                Severity::Warning,
                FindingCode::ToxinPerMuscleMax,
                format!(
                    "{} U of {} into {muscle} on both sides together exceeds the {} U the label advises",
                    round3(both),
                    toxin.id,
                    limit.value
                ),
                &limit.source,
            ));
        }
    }
}

fn per_site(plan: &Plan<'_>, catalog: &Catalog, toxin: &Toxin, findings: &mut Vec<Finding>) {
    for item in plan.items.iter().filter(|i| i.agent == toxin.id) {
        let Some(units) = item.amount else { continue };
        let per_site = units / f64::from(item.points);
        if let Some(limit) = catalog.limit(&toxin.id, LimitKind::PerSiteMaxUnits)
            && per_site > limit.value
        {
            findings.push(finding(
                Severity::Error,
                FindingCode::ToxinPerSiteMax,
                format!(
                    "{}{}: {} U per site exceeds {} U per site; use more injection points",
                    item.muscle.id,
                    side_label(item.side.as_deref()),
                    round3(per_site),
                    limit.value
                ),
                &limit.source,
            ));
        }
        if let (Some(limit), Some(per)) = (
            catalog.limit(&toxin.id, LimitKind::PerSiteMaxMl),
            plan.units_per_0_1_ml(toxin),
        ) {
            let ml = per_site / per / 10.0;
            if ml > limit.value {
                findings.push(finding(
                    Severity::Error,
                    FindingCode::ToxinPerSiteMax,
                    format!(
                        "{}{}: {} mL per site at {} U/0.1 mL exceeds {} mL per site",
                        item.muscle.id,
                        side_label(item.side.as_deref()),
                        round3(ml),
                        round3(per),
                        limit.value
                    ),
                    &limit.source,
                ));
            }
        }
    }
}

/// Toxin into both sternocleidomastoids: the labels' dysphagia warning names bilateral injection.
fn bilateral_scm(plan: &Plan<'_>, catalog: &Catalog, findings: &mut Vec<Finding>) {
    let scm = |side: &str| -> f64 {
        plan.items
            .iter()
            .filter(|i| {
                i.kind == Kind::Toxin && i.muscle.id == "sternocleidomastoid" && i.side.as_deref() == Some(side)
            })
            .filter_map(|i| i.amount)
            .sum()
    };
    let (left, right) = (scm("left"), scm("right"));
    if left > 0.0 && right > 0.0 {
        findings.push(rule_finding(
            catalog,
            RuleId::ToxinBilateralScm,
            format!(
                "toxin into both sternocleidomastoids ({} U left + {} U right = {} U): bilateral injection raises the risk of dysphagia; consider one side per session and a lower total",
                round3(left),
                round3(right),
                round3(left + right)
            ),
        ));
    }
}

/// Ages under a label's pediatric statement or adult indication (toxins and bupivacaine under 18).
fn age_checks(plan: &Plan<'_>, catalog: &Catalog, findings: &mut Vec<Finding>) {
    let Some(age) = plan.age_years else { return };
    let mut seen: Vec<&str> = Vec::new();
    for item in &plan.items {
        if seen.contains(&item.agent.as_str()) {
            continue;
        }
        seen.push(item.agent.as_str());
        if let Some(limit) = catalog.limit(&item.agent, LimitKind::MinAge)
            && f64::from(age) < limit.value
        {
            findings.push(finding(
                Severity::Warning,
                FindingCode::Pediatric,
                format!(
                    "{} in a patient aged {age}: the label does not establish its use under {}",
                    item.agent, limit.value
                ),
                &limit.source,
            ));
        }
    }
}

/// Medicare LCD rules for trigger point injections, from the history: sessions in a rolling 12 months and the
/// interval before the same muscle and side again. Warnings: they are payer rules.
fn tpi_rules(plan: &Plan<'_>, catalog: &Catalog, findings: &mut Vec<Finding>) {
    let injected: Vec<&Item<'_>> = plan.items.iter().filter(|i| i.kind.injection()).collect();
    if injected.is_empty() {
        return;
    }
    let past: Vec<_> = plan
        .history
        .iter()
        .filter(|h| h.kind == ProcedureKind::Injection && h.date <= plan.date)
        .collect();
    if let Some(limit) = catalog.limit("*injection", LimitKind::TpiSessionsPerYear) {
        let days = i64::from(limit.days.unwrap_or(365));
        let mut sessions: Vec<time::Date> = past
            .iter()
            .filter(|h| h.date < plan.date && days_between(h.date, plan.date) < days)
            .map(|h| h.date)
            .collect();
        sessions.sort_unstable();
        sessions.dedup();
        if sessions.len() as f64 + 1.0 > limit.value {
            findings.push(finding(
                Severity::Warning,
                FindingCode::TpiFrequency,
                format!(
                    "{} trigger point injection sessions in the last 12 months ({}) plus this one exceed the payer limit of {}: Medicare LCD L34211/L36859 may deny it",
                    sessions.len(),
                    sessions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                    limit.value
                ),
                &limit.source,
            ));
        }
    }
    if let Some(limit) = catalog.limit("*injection", LimitKind::TpiSameSiteDays) {
        let days = limit.value as i64;
        let mut reported: Vec<(&str, Option<&str>)> = Vec::new();
        for item in &injected {
            let key = (item.muscle.id.as_str(), item.side.as_deref());
            if reported.contains(&key) {
                continue;
            }
            let last = past
                .iter()
                .filter(|h| h.muscle.as_deref() == Some(key.0) && h.side.as_deref() == key.1)
                .map(|h| days_between(h.date, plan.date))
                .filter(|since| (0..days).contains(since))
                .min();
            if let Some(since) = last {
                reported.push(key);
                findings.push(finding(
                    Severity::Warning,
                    FindingCode::TpiSameSiteInterval,
                    format!(
                        "{}{} was injected {since} days ago; the payer rule asks at least {days} days before the same site (Medicare LCD L34211/L36859)",
                        key.0,
                        side_label(key.1)
                    ),
                    &limit.source,
                ));
            }
        }
    }
}

fn anesthetic_limits(plan: &Plan<'_>, catalog: &Catalog, totals: &[Total], findings: &mut Vec<Finding>) {
    // Each anesthetic's share of its own maximum; their toxicity adds up.
    let mut shares: Vec<(String, f64)> = Vec::new();
    for total in totals {
        let Some(AgentRef::Anesthetic(anesthetic)) = catalog.agent(&total.agent) else {
            continue;
        };
        let Some(weight) = plan.weight_kg else {
            findings.push(finding(
                Severity::Error,
                FindingCode::WeightRequired,
                format!(
                    "{}'s maximum dose depends on weight ({} mg/kg): give the patient's weight",
                    anesthetic.id, anesthetic.mg_per_kg
                ),
                &anesthetic.source,
            ));
            continue;
        };
        let by_weight = anesthetic.mg_per_kg * weight;
        let limit = by_weight.min(anesthetic.max_mg);
        // The same drug given earlier the same day counts towards today's maximum.
        let today: f64 = plan
            .history
            .iter()
            .filter(|h| h.date == plan.date && h.agent.as_deref() == Some(anesthetic.id.as_str()))
            .filter_map(|h| h.amount)
            .sum();
        let day_total = round3(total.value + today);
        shares.push((anesthetic.id.clone(), day_total / limit));
        if day_total > limit {
            let earlier = if today > 0.0 {
                format!(
                    " ({} mg given earlier today + {} mg planned)",
                    round3(today),
                    total.value
                )
            } else {
                String::new()
            };
            findings.push(finding(
                Severity::Error,
                FindingCode::AnestheticMaxDose,
                format!(
                    "{day_total} mg of {}{earlier} exceeds the maximum of {} mg (the lower of {} mg/kg x {weight} kg = {} mg and the {} mg cap)",
                    anesthetic.id,
                    round3(limit),
                    anesthetic.mg_per_kg,
                    round3(by_weight),
                    anesthetic.max_mg
                ),
                &anesthetic.source,
            ));
        }
    }
    let combined: f64 = shares.iter().map(|(_, share)| share).sum();
    if shares.len() > 1 && combined > 1.0 && shares.iter().all(|(_, share)| *share <= 1.0) {
        let parts: Vec<String> = shares
            .iter()
            .map(|(id, share)| format!("{id} {:.0} %", share * 100.0))
            .collect();
        findings.push(finding(
            Severity::Error,
            FindingCode::AnestheticMaxDose,
            format!(
                "local anesthetic toxicity is additive: {} of the respective maximum doses add up to {:.0} %",
                parts.join(" + "),
                combined * 100.0
            ),
            "Additive systemic toxicity of combined local anesthetics (ASRA practice advisory on local anesthetic systemic toxicity; Medscape local anesthetic dosing): the fractions of each maximum dose are summed",
        ));
    }
}

fn steroid_checks(plan: &Plan<'_>, catalog: &Catalog, totals: &[Total], findings: &mut Vec<Finding>) {
    let Some(steroid) = plan.items.iter().find(|i| i.kind == Kind::Steroid) else {
        return;
    };
    steroid_max_dose(plan, catalog, totals, findings);
    let is_steroid = |agent: &Option<String>| {
        agent
            .as_deref()
            .is_some_and(|agent| catalog.steroids.iter().any(|s| s.id == agent))
    };
    if let Some(limit) = catalog.limit(&steroid.agent, LimitKind::FrequencyDays) {
        let days = limit.value as i64;
        if let Some(past) = plan
            .history
            .iter()
            .filter(|h| is_steroid(&h.agent))
            .find(|h| (0..days).contains(&days_between(h.date, plan.date)))
        {
            findings.push(finding(
                Severity::Warning,
                FindingCode::SteroidFrequency,
                format!(
                    "a corticosteroid ({}) was injected {} days ago; allow at least {days} days",
                    past.agent.as_deref().unwrap_or("corticosteroid"),
                    days_between(past.date, plan.date)
                ),
                &limit.source,
            ));
        }
    }
    if let Some(limit) = catalog.limit(&steroid.agent, LimitKind::FrequencyPerYear) {
        let last_year = plan
            .history
            .iter()
            .filter(|h| is_steroid(&h.agent) && (0..365).contains(&days_between(h.date, plan.date)))
            .count();
        if last_year as f64 + 1.0 > limit.value {
            findings.push(finding(
                Severity::Warning,
                FindingCode::SteroidFrequency,
                format!(
                    "{} corticosteroid injections in the last year plus this one exceed {} per year",
                    last_year, limit.value
                ),
                &limit.source,
            ));
        }
    }
    if plan.conditions.iter().any(|c| c == "diabetes") {
        findings.push(rule_finding(
            catalog,
            RuleId::SteroidGlucose,
            "a corticosteroid raises blood glucose in a patient with diabetes; monitor glucose".into(),
        ));
    }
}

/// Corticosteroid doses above the top of the label's local dose range, per site and per session: warnings.
fn steroid_max_dose(plan: &Plan<'_>, catalog: &Catalog, totals: &[Total], findings: &mut Vec<Finding>) {
    for total in totals {
        let Some(AgentRef::Steroid(steroid)) = catalog.agent(&total.agent) else {
            continue;
        };
        if let Some(limit) = catalog.limit(&steroid.id, LimitKind::SessionMaxMg)
            && total.value > limit.value
        {
            findings.push(finding(
                Severity::Warning,
                FindingCode::SteroidMaxDose,
                format!(
                    "{} mg of {} in one session exceeds the label's {} mg",
                    total.value, steroid.id, limit.value
                ),
                &limit.source,
            ));
        }
        let Some(limit) = catalog.limit(&steroid.id, LimitKind::PerSiteMaxMg) else {
            continue;
        };
        for item in plan.items.iter().filter(|i| i.agent == steroid.id) {
            let Some(mg) = item.amount else { continue };
            let per_site = mg / f64::from(item.points);
            if per_site > limit.value {
                findings.push(finding(
                    Severity::Warning,
                    FindingCode::SteroidMaxDose,
                    format!(
                        "{}{}: {} mg of {} per site exceeds the label's {} mg per site",
                        item.muscle.id,
                        side_label(item.side.as_deref()),
                        round3(per_site),
                        steroid.id,
                        limit.value
                    ),
                    &limit.source,
                ));
            }
        }
    }
}

fn patient_checks(plan: &Plan<'_>, catalog: &Catalog, findings: &mut Vec<Finding>) {
    let has = |list: &[String], id: &str| list.iter().any(|x| x == id);
    let toxin = plan.items.iter().any(|i| i.kind == Kind::Toxin);
    let needle = plan.items.iter().any(|i| i.kind.needle());
    let drug = plan.items.iter().any(|i| i.kind.injection());
    let mut allergic: Vec<&str> = plan
        .items
        .iter()
        .map(|i| i.agent.as_str())
        .filter(|a| has(&plan.allergies, a))
        .collect();
    allergic.dedup();
    for agent in allergic {
        findings.push(rule_finding(
            catalog,
            RuleId::Allergy,
            format!("the patient is allergic to {agent}"),
        ));
    }
    if needle && has(&plan.conditions, "infection-at-site") {
        findings.push(rule_finding(
            catalog,
            RuleId::InfectionAtSite,
            "infection at the proposed injection site: do not inject or needle there".into(),
        ));
    }
    if needle
        && (has(&plan.conditions, "bleeding-disorder")
            || has(&plan.conditions, "anticoagulated")
            || plan.medications.contains(&DrugClass::Anticoagulant)
            || plan.medications.contains(&DrugClass::Antiplatelet))
    {
        findings.push(rule_finding(
            catalog,
            RuleId::BleedingRisk,
            "bleeding disorder, anticoagulant or antiplatelet drug: weigh the bleeding risk; use a fine needle and hold pressure".into(),
        ));
    }
    if toxin && has(&plan.conditions, "neuromuscular-disease") {
        findings.push(rule_finding(
            catalog,
            RuleId::NeuromuscularDisease,
            "neuromuscular disease (e.g. myasthenia gravis, Lambert-Eaton, ALS) raises the risk of serious toxin effects including dysphagia and breathing difficulty".into(),
        ));
    }
    if toxin && plan.medications.contains(&DrugClass::Aminoglycoside) {
        findings.push(rule_finding(
            catalog,
            RuleId::AminoglycosideInteraction,
            "aminoglycosides interfere with neuromuscular transmission and may potentiate the toxin".into(),
        ));
    }
    if drug && has(&plan.conditions, "pregnancy") {
        findings.push(rule_finding(
            catalog,
            RuleId::Pregnancy,
            "pregnancy: no controlled human data; use only if the benefit justifies the risk".into(),
        ));
    }
    if drug && has(&plan.conditions, "breastfeeding") {
        let toxin_or_steroid = plan.items.iter().any(|i| matches!(i.kind, Kind::Toxin | Kind::Steroid));
        findings.push(if toxin_or_steroid {
            rule_finding(
                catalog,
                RuleId::Breastfeeding,
                "breastfeeding: there are no data on botulinum toxin in human milk, and systemic corticosteroids appear in human milk; weigh the benefit against the risk to the child".into(),
            )
        } else {
            rule_finding(
                catalog,
                RuleId::BreastfeedingLocalAnesthetic,
                "breastfeeding: local anesthetics pass into human milk in small amounts; use the smallest effective dose".into(),
            )
        });
    }
    if !plan.unrecognised.is_empty() {
        findings.push(finding(
            Severity::Info,
            FindingCode::UnrecognisedEntries,
            format!(
                "not interpreted by the planner, so not checked: {}; review them yourself",
                plan.unrecognised.join("; ")
            ),
            "Taut catalog: agents by generic and brand name, medication classes (anticoagulant, antiplatelet, aminoglycoside) and conditions it can check (catalog/agents.toml)",
        ));
    }
    let mut over_thorax: Vec<String> = Vec::new();
    for item in plan.items.iter().filter(|i| i.kind.needle()) {
        if item.muscle.hazard_kinds().contains(&HazardKind::Lung) {
            let name = format!(
                "{}{}",
                item.muscle.id,
                item.side.as_deref().map(|s| format!(":{s}")).unwrap_or_default()
            );
            if !over_thorax.contains(&name) {
                over_thorax.push(name);
            }
        }
    }
    if !over_thorax.is_empty() {
        findings.push(rule_finding(
            catalog,
            RuleId::PneumothoraxRisk,
            format!("the lung lies under {}: keep the needle over a rib or in a pincer grasp, never into an intercostal space", over_thorax.join(", ")),
        ));
    }
}

fn steroid_and_anesthetic_codes(
    plan: &Plan<'_>,
    catalog: &Catalog,
    totals: &[Total],
    codes: &mut Vec<Code>,
    findings: &mut Vec<Finding>,
) {
    for total in totals {
        match catalog.agent(&total.agent) {
            Some(AgentRef::Steroid(steroid)) => steroid_codes(plan, steroid, codes),
            Some(AgentRef::Anesthetic(anesthetic)) => findings.push(rule_finding(
                catalog,
                RuleId::AnestheticNotBilled,
                format!(
                    "{} for infiltration has no separate drug line (J2001 is lidocaine for IV infusion)",
                    anesthetic.id
                ),
            )),
            _ => {}
        }
    }
}

/// A corticosteroid's HCPCS lines, in billing units of the code's size rounded up (J1010: 1 mg; J3301: 10 mg).
/// What came from single-dose vials is billed like a toxin: the administered line with JZ when nothing was
/// discarded, else the discarded rest of the vials opened (least waste among the recorded vial sizes) as its
/// own JW line. What came from multi-dose vials, or from a vial not recorded, gets no modifier: the CMS
/// discarded-drug policy (JW/JZ) applies to single-dose containers only.
fn steroid_codes(plan: &Plan<'_>, steroid: &Steroid, codes: &mut Vec<Code>) {
    let per = steroid.hcpcs.mg;
    let billing_units = |mg: f64| -> u32 { (mg / per - 1e-9).ceil().max(1.0) as u32 };
    let line = |units: u32, modifier: Option<&str>| Code {
        system: "HCPCS".into(),
        code: steroid.hcpcs.code.clone(),
        units: Some(units),
        modifier: modifier.map(str::to_owned),
    };
    let (single, other): (Vec<&Item<'_>>, Vec<&Item<'_>>) = plan
        .items
        .iter()
        .filter(|i| i.agent == steroid.id)
        .partition(|i| i.vial == Some(Container::SingleDose));
    let single_mg: f64 = single.iter().filter_map(|i| i.amount).sum();
    if single_mg > 0.0 {
        let mut sizes: Vec<u32> = single.iter().filter_map(|i| i.vial_mg).collect();
        sizes.sort_unstable();
        sizes.dedup();
        let opened: u64 = choose_vials(single_mg, &sizes)
            .iter()
            .map(|(size, count)| u64::from(*size) * u64::from(*count))
            .sum();
        let administered = billing_units(single_mg);
        let opened_units = billing_units(opened as f64);
        let discarded = opened_units.saturating_sub(administered);
        codes.push(line(administered, (discarded == 0).then_some("JZ")));
        if discarded > 0 {
            codes.push(line(discarded, Some("JW")));
        }
    }
    let other_mg: f64 = other.iter().filter_map(|i| i.amount).sum();
    if other_mg > 0.0 {
        codes.push(line(billing_units(other_mg), None));
    }
}

/// CPT 20552 (one or two muscles) or 20553 (three or more), once per session, counting each muscle on each
/// side; 20560/20561 likewise for dry needling; ICD-10-CM myalgia codes by muscle group.
fn procedure_codes(plan: &Plan<'_>, codes: &mut Vec<Code>) {
    let mut injected: Vec<(&str, Option<&str>)> = Vec::new();
    for item in plan.items.iter().filter(|i| i.kind.injection()) {
        let key = (item.muscle.id.as_str(), item.side.as_deref());
        if !injected.contains(&key) {
            injected.push(key);
        }
    }
    if !injected.is_empty() {
        let code = if injected.len() >= 3 { "20553" } else { "20552" };
        codes.insert(
            0,
            Code {
                system: "CPT".into(),
                code: code.into(),
                units: Some(1),
                modifier: None,
            },
        );
    }
    // Dry needling has its own pair since 1 January 2020 (APTA, "Compliance Matters: Physician Fee Schedule
    // Coding Updates", Feb 2020): 20560 needle insertion(s) without injection(s), 1 or 2 muscles; 20561, 3 or
    // more. Counted like 20552/20553, each muscle on each side, once per session.
    let mut needled: Vec<(&str, Option<&str>)> = Vec::new();
    for item in plan.items.iter().filter(|i| i.kind == Kind::DryNeedling) {
        let key = (item.muscle.id.as_str(), item.side.as_deref());
        if !needled.contains(&key) {
            needled.push(key);
        }
    }
    if !needled.is_empty() {
        let code = if needled.len() >= 3 { "20561" } else { "20560" };
        let at = usize::from(!injected.is_empty());
        codes.insert(
            at,
            Code {
                system: "CPT".into(),
                code: code.into(),
                units: Some(1),
                modifier: None,
            },
        );
    }
    let mut diagnoses: Vec<&str> = Vec::new();
    for item in &plan.items {
        let code = match item.muscle.group {
            MuscleGroup::Mastication => "M79.11",
            MuscleGroup::HeadFace | MuscleGroup::Neck => "M79.12",
            _ => "M79.18",
        };
        if !diagnoses.contains(&code) {
            diagnoses.push(code);
        }
    }
    diagnoses.sort_unstable();
    codes.extend(diagnoses.into_iter().map(|code| Code {
        system: "ICD-10-CM".into(),
        code: code.into(),
        units: None,
        modifier: None,
    }));
}
