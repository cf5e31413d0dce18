//! Treatment sessions: plans checked against the patient's record (never retyped), signed with an override
//! reason when they carry an error finding, and the procedures done, coded from what was done.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use taut_core::plan::{
    AgentRef, Catalog, Code, Container, Dose, Finding, FindingCode, ItemInput, Kind, PastProcedure, PatientContext,
    PlanInput, PlanInputError, ProcedureKind, Reconstitution, Report, RuleId, Severity, check, from_template,
    rule_finding,
};
use taut_core::records::{format_utc, timestamp};
use taut_store::{
    AmendmentRecord, Consent, EncounterRecord, PatientRecord, PlanRecord, PlanVersion, ProcedureRecord, SiteRecord,
    StoreError, Tx,
};
use time::{Date, Month};

use crate::access::{Actor, Permission};
use crate::records::{edited_version, live_encounter, live_patient};
use crate::{App, AppError, Clock, audit, audit_with, new_id};

/// Limits of the free-text fields of a procedure, in characters.
mod limits {
    /// A lot number, a needle ("30 G 13 mm"), a technique, a risk or a consent-giver's name.
    pub const SHORT: usize = 200;
    /// A complication or an override reason.
    pub const LONG: usize = 2_000;
    /// Sites of one procedure; list entries (risks, complications, diagnoses).
    pub const ENTRIES: usize = 200;
}

/// A plan as asked for: its items, or a template and (for size-scaled templates) muscles; the clinic's
/// reconstitution. The patient context comes from the record.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ItemInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub muscles: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reconstitution: Vec<Reconstitution>,
    /// The version an edit is based on (or `If-Match`).
    #[serde(default, skip_serializing)]
    pub version: Option<i64>,
}

/// Signing a plan: the override reason is required when the plan has an error finding.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    #[serde(default)]
    pub override_reason: Option<String>,
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    pub obtained: bool,
    #[serde(default)]
    pub risks_discussed: Vec<String>,
    /// Who obtained consent; the recording user when absent.
    #[serde(default)]
    pub by: Option<String>,
}

/// One treated site as the clinician records it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    pub muscle: String,
    pub side: Option<String>,
    #[serde(default)]
    pub site: Option<String>,
    /// An agent (id or brand name), `dry-needling` or `manual-pressure`.
    pub agent: String,
    pub dose: Option<Dose>,
    pub volume_ml: Option<f64>,
    pub concentration_percent: Option<f64>,
    pub points: Option<u32>,
    pub needle: Option<String>,
    /// `landmark` (default for a needle), `ultrasound` or `emg`.
    pub guidance: Option<String>,
    /// The manual or needling technique (free text).
    pub technique: Option<String>,
    pub lot: Option<String>,
    /// `YYYY-MM-DD`, or `YYYY-MM` for a label that gives the month (the last day of that month).
    pub expiry: Option<String>,
    /// Saline added to the vial, for a toxin.
    pub reconstitution_ml: Option<f64>,
    /// The vial's size in units, with `reconstitution_ml`.
    pub vial_units: Option<f64>,
    /// For a corticosteroid: the container it was drawn from, `single-dose` or `multi-dose` (JW/JZ are derived
    /// for single-dose vials only).
    #[serde(default)]
    pub vial: Option<Container>,
    /// With a single-dose vial: its labeled content in whole mg.
    #[serde(default)]
    pub vial_mg: Option<f64>,
}

/// What was done in a session (`POST /encounters/{id}/procedures`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureInput {
    #[serde(default)]
    pub plan_id: Option<String>,
    pub consent: ConsentInput,
    pub started_at: String,
    pub ended_at: String,
    pub sites: Vec<SiteInput>,
    #[serde(default)]
    pub complications: Vec<String>,
    /// ICD-10-CM codes the clinician chooses for the encounter (the answer suggests some).
    #[serde(default)]
    pub diagnoses: Vec<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A correction of a recorded procedure (`POST /procedures/{id}/amendments`): the procedure is never edited;
/// the amendment is appended with its reason and shows in the note.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendmentRequest {
    /// Why the record is corrected (required: a missing one is refused naming the field).
    #[serde(default)]
    pub reason: String,
    /// What the correct record is, in the clinician's words (required).
    #[serde(default)]
    pub correction: String,
    /// The version amended (or `If-Match`); the current one when neither is given.
    #[serde(default)]
    pub version: Option<i64>,
}

/// A recorded procedure with the diagnoses Taut suggests from the treated muscles (the clinician chooses).
#[derive(Debug, Clone, Serialize)]
pub struct ProcedureDetail {
    #[serde(flatten)]
    pub procedure: ProcedureRecord,
    pub suggested_diagnoses: Vec<String>,
}

pub(crate) fn catalog() -> Result<&'static Catalog, AppError> {
    Catalog::embedded().map_err(|e| AppError::Store(StoreError::Corrupt(format!("drug catalog: {e}"))))
}

fn plan_error(e: PlanInputError) -> AppError {
    AppError::invalid(&e.field, e.message)
}

/// The day of a stored instant (UTC).
fn day_of(stamp: &str) -> String {
    stamp.chars().take(10).collect()
}

/// The planner's history: one entry per treated site of every stored procedure.
fn history(procedures: &[ProcedureRecord]) -> Vec<PastProcedure> {
    procedures
        .iter()
        .flat_map(|p| {
            p.sites.iter().map(|s| PastProcedure {
                performed_at: day_of(&p.started_at),
                kind: s.kind.parse::<ProcedureKind>().ok(),
                agent: Some(s.agent.clone()),
                dose: s
                    .amount
                    .zip(s.amount_unit.clone())
                    .map(|(value, unit)| Dose { value, unit }),
                muscle: Some(s.muscle.clone()),
                side: s.side.clone(),
            })
        })
        .collect()
}

/// The patient as the planner needs them, from the record: weight, birth date, allergies, conditions,
/// medications and every stored procedure.
fn context(patient: &PatientRecord, procedures: &[ProcedureRecord]) -> PatientContext {
    let d = &patient.demographics;
    PatientContext {
        weight_kg: d.weight_kg,
        birth_date: Some(d.birth_date.clone()),
        allergies: d.allergies.clone(),
        conditions: d.conditions.clone(),
        medications: d.medications.clone(),
        history: history(procedures),
    }
}

/// The plan input a request describes, for a patient on a date.
fn plan_input(
    request: &PlanRequest,
    patient: PatientContext,
    date: String,
    atlas: &taut_atlas::Atlas,
) -> Result<PlanInput, AppError> {
    let catalog = catalog()?;
    let mut input = match (&request.items, &request.template) {
        (Some(_), Some(_)) => {
            return Err(AppError::invalid(
                "template",
                "give either \"items\" or \"template\", not both",
            ));
        }
        (Some(items), None) => PlanInput {
            date,
            patient,
            reconstitution: Vec::new(),
            items: items.clone(),
        },
        (None, Some(name)) => {
            from_template(catalog, atlas, name, &request.muscles, patient, date).map_err(plan_error)?
        }
        (None, None) => {
            return Err(AppError::invalid(
                "items",
                "give the plan's \"items\" or a \"template\" name",
            ));
        }
    };
    if request.items.is_some() && !request.muscles.is_empty() {
        return Err(AppError::invalid("muscles", "\"muscles\" goes with a \"template\""));
    }
    input.reconstitution = request.reconstitution.clone();
    Ok(input)
}

/// Checks a request against the patient's record as it is now: the checked input and the report.
async fn check_from_record(
    tx: &mut Tx,
    request: &PlanRequest,
    patient: &PatientRecord,
    date: String,
    atlas: &'static taut_atlas::Atlas,
) -> Result<(PlanInput, Report), AppError> {
    let procedures = tx.patient_procedures(&patient.id).await?;
    let input = plan_input(request, context(patient, &procedures), date, atlas)?;
    let catalog = catalog()?;
    let plan = input.resolve(atlas, catalog).map_err(plan_error)?;
    let report = check(&plan, catalog);
    Ok((input, report))
}

fn stored_input(request: &PlanRequest, checked: &PlanInput) -> Value {
    json!({"request": request, "checked": checked})
}

/// A value for a JSON column (serialising plain data does not fail; a failure is a bug, reported as such).
fn to_json<T: Serialize>(value: &T) -> Result<Value, AppError> {
    serde_json::to_value(value).map_err(|e| AppError::Store(StoreError::Corrupt(format!("JSON column: {e}"))))
}

fn output(report: &Report) -> Result<Value, AppError> {
    to_json(report)
}

fn error_codes(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.code.to_string())
        .collect()
}

fn injects(report: &Report) -> bool {
    report.items.iter().any(|i| i.kind.injection())
}

async fn plan_of(tx: &mut Tx, id: &str) -> Result<PlanRecord, AppError> {
    let plan = tx.plan(id).await.map_err(AppError::store("plan"))?;
    match live_patient(tx, &plan.patient_id).await {
        Ok(_) => Ok(plan),
        Err(AppError::NotFound(_)) => Err(AppError::NotFound(format!("plan {id}"))),
        Err(other) => Err(other),
    }
}

fn text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(AppError::invalid(field, format!("longer than {max} characters")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(AppError::invalid(field, "contains control characters"));
    }
    Ok(value.to_owned())
}

fn opt_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, AppError> {
    value.map(|v| text(field, v, max)).transpose()
}

fn list(field: &str, values: &[String], max: usize) -> Result<Vec<String>, AppError> {
    if values.len() > limits::ENTRIES {
        return Err(AppError::invalid(field, format!("at most {} entries", limits::ENTRIES)));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, v)| text(&format!("{field}[{i}]"), v, max))
        .collect()
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// An expiry as labels print it: a day, or a month (usable to its last day).
fn expiry(field: &str, value: &str) -> Result<Date, AppError> {
    let value = value.trim();
    if let Ok(day) = Date::parse(value, DATE) {
        return Ok(day);
    }
    let month = value.split_once('-').and_then(|(y, m)| {
        let year: i32 = y.parse().ok().filter(|_| y.len() == 4)?;
        let month = Month::try_from(m.parse::<u8>().ok().filter(|_| m.len() == 2)?).ok()?;
        Date::from_calendar_date(year, month, time::util::days_in_month(month, year)).ok()
    });
    month.ok_or_else(|| AppError::invalid(field, "is not a date YYYY-MM-DD (or YYYY-MM)"))
}

/// An ICD-10-CM code as written on claims: a letter, a digit, a letter or digit, then optionally a dot and one
/// to four letters or digits (`M79.11`, `G24.3`, `M62.838`). Upper-cased.
fn icd10cm(field: &str, value: &str) -> Result<String, AppError> {
    let code = value.trim().to_uppercase();
    let (head, tail) = code.split_once('.').unwrap_or((code.as_str(), ""));
    let b = head.as_bytes();
    let shaped = b.len() == 3
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_digit()
        && b[2].is_ascii_alphanumeric()
        && (!code.contains('.') || (1..=4).contains(&tail.len()))
        && tail.bytes().all(|c| c.is_ascii_alphanumeric());
    if shaped {
        Ok(code)
    } else {
        Err(AppError::invalid(
            field,
            format!("'{}' is not an ICD-10-CM code such as M79.11", value.trim()),
        ))
    }
}

/// A recorded code checked against the catalog's cited ICD-10-CM list: a category that is not billable
/// (`M79.1`) is refused naming the codes under it; a listed or unlisted code is kept (see [`unverified_diagnoses`]).
fn known_diagnosis(field: &str, code: String) -> Result<String, AppError> {
    match catalog()?.diagnosis(&code) {
        Some(d) if !d.billable => Err(AppError::invalid(
            field,
            format!(
                "{} ({}) is not billable: record one of {}",
                d.code,
                d.title,
                d.use_instead.join(", ")
            ),
        )),
        _ => Ok(code),
    }
}

/// An info finding for each recorded code that is not in the catalog's cited list: kept, never refused, but
/// the clinician is told Taut could not verify it.
fn unverified_diagnoses(catalog: &Catalog, diagnoses: &[String]) -> Vec<Finding> {
    diagnoses
        .iter()
        .filter(|code| catalog.diagnosis(code).is_none())
        .map(|code| Finding {
            severity: Severity::Info,
            code: FindingCode::DiagnosisUnverified,
            message: format!(
                "{code} is not among the ICD-10-CM codes Taut knows; it is kept as recorded: check it against the current ICD-10-CM release"
            ),
            source: "catalog/agents.toml [[diagnosis]]: the cited codes Taut suggests or knows (not the full ICD-10-CM code set)".into(),
        })
        .collect()
}

fn not_future(clock: &Clock, field: &str, stamp: String) -> Result<String, AppError> {
    if stamp > format_utc(clock.now() + time::Duration::days(1)) {
        return Err(AppError::invalid(field, "lies in the future"));
    }
    Ok(stamp)
}

/// Validated procedure fields, before the record's context is read.
struct Procedure {
    started_at: String,
    ended_at: String,
    consent: ConsentInput,
    risks: Vec<String>,
    complications: Vec<String>,
    diagnoses: Vec<String>,
    notes: Option<String>,
}

fn validate_procedure(clock: &Clock, input: &ProcedureInput) -> Result<Procedure, AppError> {
    if !input.consent.obtained {
        return Err(AppError::invalid(
            "consent.obtained",
            "a procedure is recorded only after consent was obtained",
        ));
    }
    let started_at = not_future(clock, "started_at", timestamp("started_at", &input.started_at)?)?;
    let ended_at = not_future(clock, "ended_at", timestamp("ended_at", &input.ended_at)?)?;
    if ended_at < started_at {
        return Err(AppError::invalid("ended_at", "lies before started_at"));
    }
    if input.sites.is_empty() {
        return Err(AppError::invalid("sites", "a procedure has at least one site"));
    }
    if input.sites.len() > limits::ENTRIES {
        return Err(AppError::invalid("sites", format!("at most {} sites", limits::ENTRIES)));
    }
    let mut diagnoses: Vec<String> = Vec::new();
    for (i, d) in input.diagnoses.iter().enumerate() {
        let code = known_diagnosis(&format!("diagnoses[{i}]"), icd10cm(&format!("diagnoses[{i}]"), d)?)?;
        if !diagnoses.contains(&code) {
            diagnoses.push(code);
        }
    }
    if diagnoses.len() > limits::ENTRIES {
        return Err(AppError::invalid(
            "diagnoses",
            format!("at most {} entries", limits::ENTRIES),
        ));
    }
    Ok(Procedure {
        started_at,
        ended_at,
        consent: input.consent.clone(),
        risks: list("consent.risks_discussed", &input.consent.risks_discussed, limits::SHORT)?,
        complications: list("complications", &input.complications, limits::LONG)?,
        diagnoses,
        notes: opt_text("notes", input.notes.as_deref(), taut_core::records::limits::NOTES)?,
    })
}

/// The plan a procedure's sites describe, for coding and checking what was done.
fn sites_as_plan(sites: &[SiteInput], patient: PatientContext, date: String) -> (PlanInput, Vec<usize>) {
    let mut reconstitution = Vec::new();
    let mut owners = Vec::new();
    for (i, s) in sites.iter().enumerate() {
        if let (Some(diluent_ml), Some(vial_units)) = (s.reconstitution_ml, s.vial_units) {
            reconstitution.push(Reconstitution {
                agent: s.agent.clone(),
                vial_units,
                diluent_ml,
            });
            owners.push(i);
        }
    }
    let items = sites
        .iter()
        .map(|s| ItemInput {
            muscle: s.muscle.clone(),
            side: s.side.clone(),
            site: s.site.clone(),
            agent: s.agent.clone(),
            dose: s.dose.clone(),
            volume_ml: s.volume_ml,
            concentration_percent: s.concentration_percent,
            points: s.points,
            vial: s.vial,
            vial_mg: s.vial_mg,
        })
        .collect();
    (
        PlanInput {
            date,
            patient,
            reconstitution,
            items,
        },
        owners,
    )
}

/// The core's field names (`items[2].dose`, `reconstitution[0].agent`) in the procedure's terms (`sites[…]`).
fn site_field(e: PlanInputError, owners: &[usize]) -> AppError {
    let field = if let Some(rest) = e.field.strip_prefix("items") {
        format!("sites{rest}")
    } else if let Some(rest) = e.field.strip_prefix("reconstitution[") {
        let (index, tail) = rest.split_once(']').unwrap_or((rest, ""));
        let site = index.parse::<usize>().ok().and_then(|k| owners.get(k).copied());
        let tail = if tail.ends_with(".agent") {
            ".agent"
        } else {
            ".reconstitution_ml"
        };
        site.map_or_else(|| "sites".to_owned(), |i| format!("sites[{i}]{tail}"))
    } else {
        e.field
    };
    AppError::invalid(&field, e.message)
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Toxin | Kind::Anesthetic | Kind::Steroid => "injection",
        Kind::DryNeedling => "dry-needling",
        Kind::ManualPressure => "manual",
    }
}

const GUIDANCE: &[&str] = &["landmark", "ultrasound", "emg"];

/// One site's record: the resolved item (canonical muscle, agent and amount) and what only a procedure has
/// (needle, guidance, lot and expiry, reconstitution).
fn site_record(i: usize, s: &SiteInput, item: &taut_core::plan::ItemOut, date: Date) -> Result<SiteRecord, AppError> {
    let field = |name: &str| format!("sites[{i}].{name}");
    let needle_kind = item.kind.needle();
    let drug = item.kind.injection();
    if !needle_kind {
        for (name, given) in [
            ("needle", s.needle.is_some()),
            ("guidance", s.guidance.is_some()),
            ("lot", s.lot.is_some()),
            ("expiry", s.expiry.is_some()),
        ] {
            if given {
                return Err(AppError::invalid(
                    &field(name),
                    "manual therapy takes no needle, guidance or product",
                ));
            }
        }
    }
    if !drug && (s.lot.is_some() || s.expiry.is_some()) {
        return Err(AppError::invalid(
            &field("lot"),
            "a lot and expiry belong to an injected product",
        ));
    }
    let guidance = match s.guidance.as_deref().map(str::trim) {
        Some(g) => Some(
            GUIDANCE
                .iter()
                .find(|c| c.eq_ignore_ascii_case(g))
                .map(|c| (*c).to_owned())
                .ok_or_else(|| {
                    AppError::invalid(
                        &field("guidance"),
                        format!("unknown guidance '{g}'; valid: {}", GUIDANCE.join(", ")),
                    )
                })?,
        ),
        None if needle_kind => Some("landmark".to_owned()),
        None => None,
    };
    let (lot, expiry_day) = if drug {
        let lot = text(
            &field("lot"),
            s.lot
                .as_deref()
                .ok_or_else(|| AppError::invalid(&field("lot"), "record the product's lot number"))?,
            limits::SHORT,
        )?;
        let written = s
            .expiry
            .as_deref()
            .ok_or_else(|| AppError::invalid(&field("expiry"), "record the lot's expiry date"))?;
        let day = expiry(&field("expiry"), written)?;
        if day < date {
            return Err(AppError::invalid(
                &field("expiry"),
                format!("lot {lot} expired on {day}, before the procedure on {date}: an expired product is not given"),
            ));
        }
        (Some(lot), Some(day.to_string()))
    } else {
        (None, None)
    };
    let toxin = item.kind == Kind::Toxin;
    if !toxin && (s.reconstitution_ml.is_some() || s.vial_units.is_some()) {
        return Err(AppError::invalid(
            &field("reconstitution_ml"),
            "a reconstitution volume belongs to a toxin",
        ));
    }
    for (name, value) in [("reconstitution_ml", s.reconstitution_ml), ("vial_units", s.vial_units)] {
        if let Some(v) = value
            && !(v.is_finite() && v > 0.0 && v <= 100_000.0)
        {
            return Err(AppError::invalid(&field(name), "must be a number above 0"));
        }
    }
    Ok(SiteRecord {
        muscle: item.muscle.clone(),
        side: item.side.clone(),
        site: item.site.clone(),
        kind: kind_name(item.kind).to_owned(),
        agent: item.agent.clone(),
        amount: item.dose.as_ref().map(|d| d.value),
        amount_unit: item.dose.as_ref().map(|d| d.unit.clone()),
        volume_ml: item.volume_ml,
        concentration_percent: item.concentration_percent,
        points: i64::from(item.points),
        needle: opt_text(&field("needle"), s.needle.as_deref(), limits::SHORT)?,
        guidance,
        technique: opt_text(&field("technique"), s.technique.as_deref(), limits::SHORT)?,
        lot,
        expiry: expiry_day,
        reconstitution_ml: s.reconstitution_ml,
        vial_units: s.vial_units,
        vial: item.vial.map(|v| v.to_string()),
        vial_mg: item.vial_mg.map(f64::from),
    })
}

/// An info finding per corticosteroid whose sites do not all record their vial: their line carries no JW/JZ
/// modifier, which CMS expects on single-dose containers (the catalog's `steroid-container-unrecorded` rule).
fn unrecorded_containers(catalog: &Catalog, report: &Report) -> Vec<Finding> {
    let mut agents: Vec<&str> = Vec::new();
    for item in report
        .items
        .iter()
        .filter(|i| i.kind == Kind::Steroid && i.vial.is_none())
    {
        if !agents.contains(&item.agent.as_str()) {
            agents.push(&item.agent);
        }
    }
    agents
        .into_iter()
        .map(|agent| {
            let sites: Vec<String> = report
                .items
                .iter()
                .enumerate()
                .filter(|(_, i)| i.agent == agent && i.vial.is_none())
                .map(|(n, _)| format!("sites[{n}]"))
                .collect();
            let code = match catalog.agent(agent) {
                Some(AgentRef::Steroid(s)) => s.hcpcs.code.clone(),
                _ => "its HCPCS line".to_owned(),
            };
            rule_finding(
                catalog,
                RuleId::SteroidContainerUnrecorded,
                format!(
                    "{agent} ({}): the vial was not recorded, so {code} carries no JW/JZ modifier; if it came from a single-dose vial, record \"vial\": \"single-dose\" with \"vial_mg\" (JW for the discarded rest, JZ for none), or \"multi-dose\"",
                    sites.join(", ")
                ),
            )
        })
        .collect()
}

/// Billing lines from what was done (CPT, HCPCS with JW/JZ), then the clinician's diagnoses; the core's
/// diagnosis codes are returned apart, as suggestions.
fn procedure_codes(report: &Report, diagnoses: &[String]) -> (Vec<Code>, Vec<String>) {
    let (suggested, mut codes): (Vec<Code>, Vec<Code>) =
        report.codes.iter().cloned().partition(|c| c.system == "ICD-10-CM");
    codes.extend(diagnoses.iter().map(|d| Code {
        system: "ICD-10-CM".into(),
        code: d.clone(),
        units: None,
        modifier: None,
    }));
    (codes, suggested.into_iter().map(|c| c.code).collect())
}

impl App {
    /// Stores a draft plan for an encounter, checked against the patient's record as it is now.
    pub async fn create_plan(
        &self,
        actor: &Actor,
        encounter_id: &str,
        request: PlanRequest,
    ) -> Result<PlanRecord, AppError> {
        self.require(actor, Permission::WritePlan).await?;
        let atlas = self.atlas;
        let mut tx = self.store.begin().await?;
        let encounter = live_encounter(&mut tx, encounter_id).await?;
        let patient = live_patient(&mut tx, &encounter.patient_id).await?;
        let date = day_of(&encounter.fields.occurred_at);
        let (checked, report) = check_from_record(&mut tx, &request, &patient, date, atlas).await?;
        let at = self.clock.text();
        let author = actor.author()?.to_owned();
        let plan = PlanRecord {
            id: new_id(),
            patient_id: patient.id.clone(),
            encounter_id: encounter.id.clone(),
            status: "draft".into(),
            version: 1,
            output: output(&report)?,
            has_error: report.has_error(),
            input: stored_input(&request, &checked),
            created_by: author.clone(),
            created_at: at.clone(),
            updated_by: author,
            updated_at: at,
            signed_by: None,
            signed_at: None,
            override_reason: None,
        };
        tx.insert_plan(&plan).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "plan.create",
            Some(&patient.id),
            "treatment-plan",
            Some(&plan.id),
        )
        .await?;
        tx.commit().await?;
        Ok(plan)
    }

    pub async fn plan(&self, actor: &Actor, id: &str) -> Result<PlanRecord, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let plan = plan_of(&mut tx, id).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "plan.read",
            Some(&plan.patient_id),
            "treatment-plan",
            Some(id),
        )
        .await?;
        tx.commit().await?;
        Ok(plan)
    }

    /// Every version of a plan, oldest first.
    pub async fn plan_history(&self, actor: &Actor, id: &str) -> Result<Vec<PlanVersion>, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let plan = plan_of(&mut tx, id).await?;
        let versions = tx.plan_versions(id).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "plan.history",
            Some(&plan.patient_id),
            "treatment-plan",
            Some(id),
        )
        .await?;
        tx.commit().await?;
        Ok(versions)
    }

    /// Replaces a draft's items (or template) on the version the editor read; re-checked against the record.
    pub async fn update_plan(
        &self,
        actor: &Actor,
        id: &str,
        request: PlanRequest,
        if_match: Option<i64>,
    ) -> Result<PlanRecord, AppError> {
        self.require(actor, Permission::WritePlan).await?;
        let version = edited_version(if_match, request.version, "edited")?;
        let atlas = self.atlas;
        let mut tx = self.store.begin().await?;
        let current = plan_of(&mut tx, id).await?;
        if current.status != "draft" {
            return Err(AppError::Conflict(format!(
                "the plan is {}: only a draft is edited; create a new plan",
                current.status
            )));
        }
        let patient = live_patient(&mut tx, &current.patient_id).await?;
        let date = day_of(&tx.encounter(&current.encounter_id).await?.fields.occurred_at);
        let (checked, report) = check_from_record(&mut tx, &request, &patient, date, atlas).await?;
        let next = PlanRecord {
            version: version + 1,
            output: output(&report)?,
            has_error: report.has_error(),
            input: stored_input(&request, &checked),
            updated_by: actor.author()?.to_owned(),
            updated_at: self.clock.text(),
            ..current
        };
        tx.update_plan(&next).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "plan.update",
            Some(&next.patient_id),
            "treatment-plan",
            Some(id),
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// Signs a draft, re-checked against the record as it is now. A plan with an error finding is signed only
    /// with a written override reason, kept with the plan and in the audit event. A plan that injects is
    /// signed only by a profession the clinic's policy allows.
    pub async fn sign_plan(
        &self,
        actor: &Actor,
        id: &str,
        request: SignRequest,
        if_match: Option<i64>,
    ) -> Result<PlanRecord, AppError> {
        self.require(actor, Permission::WritePlan).await?;
        let reason =
            opt_text("override_reason", request.override_reason.as_deref(), limits::LONG).or_else(|e| match request
                .override_reason
                .as_deref()
                .map(str::trim)
            {
                Some("") => Ok(None),
                _ => Err(e),
            })?;
        let atlas = self.atlas;
        let mut tx = self.store.begin().await?;
        let current = plan_of(&mut tx, id).await?;
        let version = match (if_match, request.version) {
            (None, None) => current.version,
            (header, body) => edited_version(header, body, "are signing")?,
        };
        if current.status != "draft" {
            return Err(AppError::Conflict(format!("the plan is {} already", current.status)));
        }
        let patient = live_patient(&mut tx, &current.patient_id).await?;
        let date = day_of(&tx.encounter(&current.encounter_id).await?.fields.occurred_at);
        let asked: PlanRequest = serde_json::from_value(current.input["request"].clone())
            .map_err(|e| AppError::Store(StoreError::Corrupt(format!("stored plan request: {e}"))))?;
        let (checked, report) = check_from_record(&mut tx, &asked, &patient, date, atlas).await?;
        drop(tx);
        if injects(&report) && !self.policy.may_sign_injection(actor) {
            let refused = format!(
                "a {} may not sign an injection plan under this clinic's policy (allowed: {})",
                actor.profession,
                self.policy.injection_professions.join(", ")
            );
            self.record_refusal(Some(actor), "access.refused", &refused).await?;
            return Err(AppError::Forbidden(refused));
        }
        let errors = error_codes(&report);
        if !errors.is_empty() && reason.is_none() {
            return Err(AppError::OverrideRequired(format!(
                "the plan has error findings ({}): sign it only with a written \"override_reason\"",
                errors.join(", ")
            )));
        }
        let mut tx = self.store.begin().await?;
        let at = self.clock.text();
        let author = actor.author()?.to_owned();
        let next = PlanRecord {
            status: "signed".into(),
            version: version + 1,
            output: output(&report)?,
            has_error: report.has_error(),
            input: stored_input(&asked, &checked),
            updated_by: author.clone(),
            updated_at: at.clone(),
            signed_by: Some(author),
            signed_at: Some(at),
            override_reason: reason.clone(),
            ..current
        };
        tx.update_plan(&next).await?;
        let details = json!({"override_reason": reason, "errors": errors});
        audit_with(
            &self.clock,
            &mut tx,
            Some(actor),
            "plan.sign",
            Some(&next.patient_id),
            "treatment-plan",
            Some(id),
            Some(details),
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// Withdraws a draft or a signed plan (it stays in the record with its history).
    pub async fn withdraw_plan(&self, actor: &Actor, id: &str, if_match: Option<i64>) -> Result<PlanRecord, AppError> {
        self.require(actor, Permission::WritePlan).await?;
        let mut tx = self.store.begin().await?;
        let current = plan_of(&mut tx, id).await?;
        if current.status == "withdrawn" {
            return Err(AppError::Conflict("the plan is withdrawn already".into()));
        }
        let version = if_match.unwrap_or(current.version);
        let next = PlanRecord {
            status: "withdrawn".into(),
            version: version + 1,
            updated_by: actor.author()?.to_owned(),
            updated_at: self.clock.text(),
            ..current
        };
        tx.update_plan(&next).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "plan.withdraw",
            Some(&next.patient_id),
            "treatment-plan",
            Some(id),
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// Checks a plan as it is being edited for a visit, against the patient's record as it is now, without
    /// storing it: the web editor's live check (the same check `create_plan` stores). The read is audited.
    pub async fn preview_plan(
        &self,
        actor: &Actor,
        encounter_id: &str,
        request: &PlanRequest,
    ) -> Result<Report, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        self.require(actor, Permission::CheckPlan).await?;
        let mut tx = self.store.begin().await?;
        let encounter = live_encounter(&mut tx, encounter_id).await?;
        let patient = live_patient(&mut tx, &encounter.patient_id).await?;
        let date = day_of(&encounter.fields.occurred_at);
        let (_, report) = check_from_record(&mut tx, request, &patient, date, self.atlas).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "plan.check",
            Some(&patient.id),
            "encounter",
            Some(encounter_id),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Checks a plan file against a patient's record found by MRN (`taut plan check --patient`): the file's
    /// `patient` is replaced by the record's context; nothing is stored, the read is audited.
    pub async fn check_plan_for_patient(
        &self,
        actor: &Actor,
        mrn: &str,
        mut input: PlanInput,
    ) -> Result<Report, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let patient = tx
            .patient_by_mrn(mrn)
            .await
            .map_err(AppError::store(&format!("patient with MRN '{mrn}'")))?;
        let procedures = tx.patient_procedures(&patient.id).await?;
        input.patient = context(&patient, &procedures);
        let catalog = catalog()?;
        let plan = input.resolve(self.atlas, catalog).map_err(plan_error)?;
        let report = check(&plan, catalog);
        audit(
            &self.clock,
            &mut tx,
            actor,
            "plan.check",
            Some(&patient.id),
            "patient",
            Some(&patient.id),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Records what was done in a session. Injections only by a profession the clinic allows; dry needling
    /// and manual therapy by any clinician. Codes come from the sites, never from the plan.
    pub async fn record_procedure(
        &self,
        actor: &Actor,
        encounter_id: &str,
        input: ProcedureInput,
    ) -> Result<ProcedureDetail, AppError> {
        self.require(actor, Permission::WriteProcedure).await?;
        let catalog = catalog()?;
        let mut tx = self.store.begin().await?;
        let encounter = live_encounter(&mut tx, encounter_id).await?;
        let patient = live_patient(&mut tx, &encounter.patient_id).await?;
        let (procedure, suggested_diagnoses) =
            match self.build_procedure(&mut tx, actor, &encounter, &patient, &input).await {
                Err(AppError::Forbidden(refused)) => {
                    drop(tx);
                    self.record_refusal(Some(actor), "access.refused", &refused).await?;
                    return Err(AppError::Forbidden(refused));
                }
                other => other?,
            };
        tx.insert_procedure(&procedure).await?;
        crate::followup::schedule_checks(&self.clock, &mut tx, catalog, &procedure).await?;
        audit_with(
            &self.clock,
            &mut tx,
            Some(actor),
            "procedure.create",
            Some(&patient.id),
            "procedure",
            Some(&procedure.id),
            Some(json!({"plan_id": procedure.plan_id})),
        )
        .await?;
        tx.commit().await?;
        Ok(ProcedureDetail {
            procedure,
            suggested_diagnoses,
        })
    }

    /// A procedure's record from what the clinician recorded, checked inside the caller's transaction against
    /// the patient's record (plan, history, catalog) and coded from its sites; with the suggested diagnoses.
    /// An injection by a profession the clinic does not allow is `Forbidden` (the caller audits the refusal
    /// after its transaction ends).
    pub(crate) async fn build_procedure(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        encounter: &EncounterRecord,
        patient: &PatientRecord,
        input: &ProcedureInput,
    ) -> Result<(ProcedureRecord, Vec<String>), AppError> {
        let fields = validate_procedure(&self.clock, input)?;
        let consent_by = match input.consent.by.as_deref() {
            Some(by) => text("consent.by", by, limits::SHORT)?,
            None => actor.name.clone(),
        };
        let date_text = day_of(&fields.started_at);
        let date = Date::parse(&date_text, DATE).map_err(|_| AppError::invalid("started_at", "no date"))?;
        let catalog = catalog()?;
        if let Some(plan_id) = &input.plan_id {
            let plan = match tx.plan(plan_id).await {
                Ok(plan) => plan,
                Err(StoreError::NotFound) => return Err(AppError::invalid("plan_id", format!("no plan {plan_id}"))),
                Err(e) => return Err(e.into()),
            };
            if plan.patient_id != patient.id {
                return Err(AppError::invalid("plan_id", "the plan belongs to another patient"));
            }
            if plan.status != "signed" {
                return Err(AppError::invalid(
                    "plan_id",
                    format!("the plan is {}: a procedure follows a signed plan", plan.status),
                ));
            }
        }
        let procedures = tx.patient_procedures(&patient.id).await?;
        let (plan_input, owners) = sites_as_plan(&input.sites, context(patient, &procedures), date_text);
        let plan = plan_input
            .resolve(self.atlas, catalog)
            .map_err(|e| site_field(e, &owners))?;
        let report = check(&plan, catalog);
        if injects(&report) && !self.policy.may_sign_injection(actor) {
            return Err(AppError::Forbidden(format!(
                "a {} may not record an injection under this clinic's policy (allowed: {}); dry needling and manual therapy may be recorded by any clinician",
                actor.profession,
                self.policy.injection_professions.join(", ")
            )));
        }
        let sites = input
            .sites
            .iter()
            .zip(&report.items)
            .enumerate()
            .map(|(i, (site, item))| site_record(i, site, item, date))
            .collect::<Result<Vec<_>, _>>()?;
        let (codes, suggested_diagnoses) = procedure_codes(&report, &fields.diagnoses);
        let mut findings = report.findings.clone();
        findings.extend(unrecorded_containers(catalog, &report));
        findings.extend(unverified_diagnoses(catalog, &fields.diagnoses));
        let procedure = ProcedureRecord {
            id: new_id(),
            patient_id: patient.id.clone(),
            encounter_id: encounter.id.clone(),
            plan_id: input.plan_id.clone(),
            started_at: fields.started_at,
            ended_at: fields.ended_at,
            performed_by: actor.author()?.to_owned(),
            consent: Consent {
                obtained: fields.consent.obtained,
                risks_discussed: fields.risks,
                by: consent_by,
            },
            sites,
            complications: fields.complications,
            diagnoses: fields.diagnoses,
            codes: to_json(&codes)?,
            findings: to_json(&findings)?,
            notes: fields.notes,
            version: 1,
            created_at: self.clock.text(),
            amendments: Vec::new(),
        };
        Ok((procedure, suggested_diagnoses))
    }

    pub async fn procedure(&self, actor: &Actor, id: &str) -> Result<ProcedureRecord, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let procedure = tx.procedure(id).await.map_err(AppError::store("procedure"))?;
        if let Err(AppError::NotFound(_)) = live_patient(&mut tx, &procedure.patient_id).await {
            return Err(AppError::NotFound(format!("procedure {id}")));
        }
        audit(
            &self.clock,
            &mut tx,
            actor,
            "procedure.read",
            Some(&procedure.patient_id),
            "procedure",
            Some(id),
        )
        .await?;
        tx.commit().await?;
        Ok(procedure)
    }
    /// Corrects a recorded procedure by appending an amendment (reason and correction required); the recorded
    /// sites, codes and findings are never edited. Raises the procedure's version; audited with the reason.
    pub async fn amend_procedure(
        &self,
        actor: &Actor,
        id: &str,
        request: AmendmentRequest,
        if_match: Option<i64>,
    ) -> Result<ProcedureRecord, AppError> {
        self.require(actor, Permission::WriteProcedure).await?;
        let reason = text("reason", &request.reason, limits::LONG)?;
        let correction = text("correction", &request.correction, limits::LONG)?;
        let mut tx = self.store.begin().await?;
        let current = tx.procedure(id).await.map_err(AppError::store("procedure"))?;
        if let Err(AppError::NotFound(_)) = live_patient(&mut tx, &current.patient_id).await {
            return Err(AppError::NotFound(format!("procedure {id}")));
        }
        let version = match (if_match, request.version) {
            (None, None) => current.version,
            (header, body) => edited_version(header, body, "are amending")?,
        };
        let amendment = AmendmentRecord {
            id: new_id(),
            procedure_id: current.id.clone(),
            number: version,
            reason: reason.clone(),
            correction,
            amended_by: actor.author()?.to_owned(),
            amended_at: self.clock.text(),
        };
        tx.amend_procedure(&amendment).await?;
        audit_with(
            &self.clock,
            &mut tx,
            Some(actor),
            "procedure.amend",
            Some(&current.patient_id),
            "procedure",
            Some(id),
            Some(json!({"amendment": amendment.number, "reason": reason})),
        )
        .await?;
        let amended = tx.procedure(id).await?;
        tx.commit().await?;
        Ok(amended)
    }
}
