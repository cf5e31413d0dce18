//! Treatment pages: the procedure form and the procedure note, side effects against a procedure, follow-up
//! checks, pain scores and the patient's self-care sheet. Handlers parse the form, call one `App` operation and
//! render; every check (consent, lot expiry, who may inject, codes, due dates) is the app's.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use taut_app::{
    AdverseEventDetail, AdverseEventInput, AppError, ConsentInput, Permission, ProcedureInput, ProcedureRecord,
    SiteInput,
};
use taut_atlas::{Side, View};
use taut_core::plan::{Container, Dose};

use super::bodymap::{self, Overlay};
use super::pages::{Chrome, app_error_page, render, render_with};
use super::session::Viewer;
use super::{charts, pages};
use crate::State;

/// Site rows a form may carry.
const MAX_ROWS: usize = 20;

// ---- The procedure form ----

/// One site row as typed (strings, so that a refused form comes back as it was sent).
#[derive(Default, Clone)]
pub struct SiteRow {
    pub index: usize,
    pub muscle: String,
    pub side: String,
    pub site: String,
    pub agent: String,
    pub dose: String,
    pub dose_unit: String,
    pub volume_ml: String,
    pub concentration: String,
    pub points: String,
    pub needle: String,
    pub guidance: String,
    pub technique: String,
    pub lot: String,
    pub expiry: String,
    pub reconstitution_ml: String,
    pub vial_units: String,
    /// For a steroid: `single-dose`, `multi-dose` or empty (not recorded).
    pub vial: String,
    pub vial_mg: String,
    pub errors: HashMap<String, String>,
}

impl SiteRow {
    /// The message for one of the row's fields, empty when none.
    pub fn e(&self, field: &str) -> &str {
        self.errors.get(field).map_or("", String::as_str)
    }

    /// The row's free fields in form order: name, label, kind (`muscle`, `agent`, `number`, `text`), value, hint.
    pub fn fields(&self) -> Vec<(&'static str, &'static str, &'static str, &str, &'static str)> {
        vec![
            ("muscle", "Muscle", "muscle", &self.muscle, "atlas id, e.g. trapezius"),
            ("site", "Site within the muscle", "text", &self.site, ""),
            ("agent", "Agent", "agent", &self.agent, "drug, brand or method"),
            ("dose", "Dose", "number", &self.dose, ""),
            ("volume_ml", "Volume (mL)", "number", &self.volume_ml, ""),
            (
                "concentration_percent",
                "Concentration (%)",
                "number",
                &self.concentration,
                "",
            ),
            ("points", "Points injected", "number", &self.points, ""),
            ("needle", "Needle", "text", &self.needle, "e.g. 30 G 13 mm"),
            ("technique", "Technique", "text", &self.technique, ""),
            ("lot", "Lot number", "text", &self.lot, ""),
            ("expiry", "Lot expiry", "text", &self.expiry, "YYYY-MM-DD or YYYY-MM"),
            (
                "reconstitution_ml",
                "Reconstitution saline (mL)",
                "number",
                &self.reconstitution_ml,
                "toxin",
            ),
            ("vial_units", "Vial size (U)", "number", &self.vial_units, "toxin"),
            (
                "vial_mg",
                "Single-dose vial content (mg)",
                "number",
                &self.vial_mg,
                "steroid",
            ),
        ]
    }

    /// Whether a select shows `value` as chosen (`unit`, `side`, `vial` or `guidance`).
    pub fn chosen(&self, select: &str, value: &str) -> bool {
        let current = match select {
            "unit" => &self.dose_unit,
            "side" => &self.side,
            "vial" => &self.vial,
            _ => &self.guidance,
        };
        current == value
    }

    /// What follows a field in the grid: the side after the muscle, the guidance after the agent, the unit
    /// after the dose, the steroid's vial kind after the toxin's vial size.
    pub fn after(name: &str) -> &'static str {
        match name {
            "muscle" => "side",
            "agent" => "guidance",
            "dose" => "unit",
            "vial_units" => "vial",
            _ => "",
        }
    }

    /// The input's extra attribute for its kind: a suggestion list or a numeric keyboard.
    pub fn attribute(kind: &str) -> &'static str {
        match kind {
            "number" => "inputmode=decimal",
            "muscle" => "list=muscles",
            "agent" => "list=agents",
            _ => "",
        }
    }

    fn blank(&self) -> bool {
        self.muscle.trim().is_empty() && self.agent.trim().is_empty()
    }
}

#[derive(Default)]
pub struct ProcedureForm {
    plan_id: String,
    consent_obtained: bool,
    risks: String,
    consent_by: String,
    started_at: String,
    ended_at: String,
    complications: String,
    diagnoses: String,
    notes: String,
    rows: Vec<SiteRow>,
    errors: HashMap<String, String>,
}

#[derive(Template)]
#[template(path = "procedure_new.html")]
struct ProcedureFormPage {
    chrome: Chrome,
    patient_id: String,
    patient_name: String,
    mrn: String,
    encounter_id: String,
    encounter_label: String,
    plan_note: String,
    form: ProcedureForm,
    summary: Vec<String>,
    muscles: Vec<(String, String)>,
    agents: Vec<String>,
    more_rows: usize,
}

impl ProcedureFormPage {
    /// The message for a form-level field, empty when none.
    fn e(&self, field: &str) -> &str {
        self.form.errors.get(field).map_or("", String::as_str)
    }
}

#[derive(Deserialize)]
pub struct NewProcedureQuery {
    plan: Option<String>,
    sites: Option<usize>,
}

/// Agents as the catalog names them, and the two methods, for the agent field's suggestions.
fn agent_names(app: &taut_app::App) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(catalog) = app.catalog() {
        for t in &catalog.toxins {
            names.push(t.id.clone());
            names.push(t.brand.clone());
        }
        names.extend(catalog.anesthetics.iter().map(|a| a.id.clone()));
        names.extend(catalog.steroids.iter().map(|s| s.id.clone()));
    }
    names.extend(taut_core::plan::METHODS.iter().map(|m| (*m).to_owned()));
    names
}

fn minute(stamp: time::OffsetDateTime) -> String {
    let text = taut_core::records::format_utc(stamp);
    text.get(..16).unwrap_or(&text).to_owned()
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Site rows from a signed plan's checked items (and its reconstitution, on the first row of each toxin).
fn rows_from_plan(plan: &taut_app::PlanRecord) -> Vec<SiteRow> {
    let checked = &plan.input["checked"];
    let mut rows: Vec<SiteRow> = checked["items"]
        .as_array()
        .into_iter()
        .flatten()
        .take(MAX_ROWS)
        .enumerate()
        .map(|(index, item)| SiteRow {
            index,
            muscle: text_of(&item["muscle"]),
            side: text_of(&item["side"]),
            site: text_of(&item["site"]),
            agent: text_of(&item["agent"]),
            dose: text_of(&item["dose"]["value"]),
            dose_unit: text_of(&item["dose"]["unit"]),
            volume_ml: text_of(&item["volume_ml"]),
            concentration: text_of(&item["concentration_percent"]),
            points: text_of(&item["points"]),
            vial: text_of(&item["vial"]),
            vial_mg: text_of(&item["vial_mg"]),
            ..SiteRow::default()
        })
        .collect();
    for r in checked["reconstitution"].as_array().into_iter().flatten() {
        let agent = text_of(&r["agent"]);
        if let Some(row) = rows.iter_mut().find(|row| row.agent == agent) {
            row.reconstitution_ml = text_of(&r["diluent_ml"]);
            row.vial_units = text_of(&r["vial_units"]);
        }
    }
    rows
}

/// The encounter, its patient and the page around a form.
async fn form_page(
    state: &State,
    viewer: &Viewer,
    encounter_id: &str,
    form: ProcedureForm,
    summary: Vec<String>,
    plan_note: String,
) -> Result<ProcedureFormPage, Response> {
    let encounter = state
        .app
        .encounter(&viewer.actor, encounter_id)
        .await
        .map_err(app_error_page)?;
    let patient = state
        .app
        .patient(&viewer.actor, &encounter.patient_id)
        .await
        .map_err(app_error_page)?;
    let d = &patient.demographics;
    let rows = form.rows.len();
    Ok(ProcedureFormPage {
        chrome: Chrome::for_actor(&viewer.actor, "/patients"),
        patient_id: patient.id.clone(),
        patient_name: format!("{} {}", d.given_name, d.family_name),
        mrn: d.mrn.clone(),
        encounter_id: encounter.id.clone(),
        encounter_label: format!(
            "{} · {}",
            pages::day_and_time(&encounter.fields.occurred_at),
            encounter.fields.kind
        ),
        plan_note,
        form,
        summary,
        muscles: state
            .app
            .atlas()
            .muscles()
            .iter()
            .map(|m| (m.id.clone(), m.name.clone()))
            .collect(),
        agents: agent_names(&state.app),
        more_rows: (rows + 2).min(MAX_ROWS),
    })
}

pub async fn new_procedure(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(encounter_id): Path<String>,
    Query(query): Query<NewProcedureQuery>,
) -> Response {
    if !taut_app::allows(viewer.actor.role, Permission::WriteProcedure) {
        return pages::error_page(
            StatusCode::FORBIDDEN,
            &format!(
                "Not allowed: a {} may not record procedures.",
                viewer.actor.role.as_str()
            ),
        );
    }
    let now = state.app.clock().now();
    let mut form = ProcedureForm {
        consent_by: viewer.actor.name.clone(),
        started_at: minute(now - time::Duration::minutes(20)),
        ended_at: minute(now),
        ..ProcedureForm::default()
    };
    let mut plan_note = String::new();
    if let Some(plan_id) = query.plan.as_deref().filter(|p| !p.is_empty()) {
        let plan = match state.app.plan(&viewer.actor, plan_id).await {
            Ok(plan) => plan,
            Err(e) => return app_error_page(e),
        };
        if plan.status == "signed" {
            form.plan_id = plan.id.clone();
            form.rows = rows_from_plan(&plan);
            plan_note = "Sites are filled in from the signed plan: record what was actually given.".into();
        } else {
            plan_note = format!(
                "The plan is {}: a procedure follows a signed plan, so its items are not filled in.",
                plan.status
            );
        }
    }
    let wanted = query.sites.unwrap_or(2).clamp(1, MAX_ROWS);
    while form.rows.len() < wanted {
        form.rows.push(SiteRow {
            index: form.rows.len(),
            ..SiteRow::default()
        });
    }
    match form_page(&state, &viewer, &encounter_id, form, Vec::new(), plan_note).await {
        Ok(page) => render(&page),
        Err(response) => response,
    }
}

/// The typed form, from the urlencoded body's pairs (`sites[2].lot` and the like).
fn parse_form(pairs: &[(String, String)]) -> ProcedureForm {
    let mut form = ProcedureForm::default();
    for (name, value) in pairs {
        let value = value.clone();
        if let Some(rest) = name.strip_prefix("sites[") {
            let Some((index, field)) = rest.split_once("].") else {
                continue;
            };
            let Some(index) = index.parse::<usize>().ok().filter(|i| *i < MAX_ROWS) else {
                continue;
            };
            while form.rows.len() <= index {
                form.rows.push(SiteRow {
                    index: form.rows.len(),
                    ..SiteRow::default()
                });
            }
            let row = &mut form.rows[index];
            match field {
                "muscle" => row.muscle = value,
                "side" => row.side = value,
                "site" => row.site = value,
                "agent" => row.agent = value,
                "dose" => row.dose = value,
                "dose_unit" => row.dose_unit = value,
                "volume_ml" => row.volume_ml = value,
                "concentration_percent" => row.concentration = value,
                "points" => row.points = value,
                "needle" => row.needle = value,
                "guidance" => row.guidance = value,
                "technique" => row.technique = value,
                "lot" => row.lot = value,
                "expiry" => row.expiry = value,
                "reconstitution_ml" => row.reconstitution_ml = value,
                "vial_units" => row.vial_units = value,
                "vial" => row.vial = value,
                "vial_mg" => row.vial_mg = value,
                _ => {}
            }
            continue;
        }
        match name.as_str() {
            "plan_id" => form.plan_id = value,
            "consent_obtained" => form.consent_obtained = value == "yes",
            "risks" => form.risks = value,
            "consent_by" => form.consent_by = value,
            "started_at" => form.started_at = value,
            "ended_at" => form.ended_at = value,
            "complications" => form.complications = value,
            "diagnoses" => form.diagnoses = value,
            "notes" => form.notes = value,
            _ => {}
        }
    }
    if form.rows.is_empty() {
        form.rows.push(SiteRow::default());
    }
    form
}

fn some(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn lines(text: &str) -> Vec<String> {
    text.lines().filter_map(some).collect()
}

/// A browser's `datetime-local` value (`2026-12-01T09:30`), read as UTC; a full RFC 3339 text is kept.
fn utc(text: &str) -> String {
    let text = text.trim();
    match text.len() {
        16 => format!("{text}:00Z"),
        19 => format!("{text}Z"),
        _ => text.to_owned(),
    }
}

/// A number typed into a field: `Ok(None)` when blank, the field's message when it is not a number.
fn number(row: &mut SiteRow, field: &str, text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            row.errors.insert(field.to_owned(), format!("'{text}' is not a number"));
            None
        }
    }
}

/// The operation's input, and for each of its sites the form row it came from; rows with neither muscle nor
/// agent are left out. Unreadable numbers are marked on their rows.
fn to_input(form: &mut ProcedureForm) -> (ProcedureInput, Vec<usize>) {
    let mut sites = Vec::new();
    let mut owners = Vec::new();
    for row in &mut form.rows {
        if row.blank() {
            continue;
        }
        let dose = number(row, "dose", &row.dose.clone()).map(|value| Dose {
            value,
            unit: some(&row.dose_unit).unwrap_or_default(),
        });
        let volume_ml = number(row, "volume_ml", &row.volume_ml.clone());
        let concentration_percent = number(row, "concentration_percent", &row.concentration.clone());
        let points = number(row, "points", &row.points.clone()).map(|p| p.clamp(0.0, f64::from(u32::MAX)) as u32);
        let reconstitution_ml = number(row, "reconstitution_ml", &row.reconstitution_ml.clone());
        let vial_units = number(row, "vial_units", &row.vial_units.clone());
        let vial = match row.vial.trim() {
            "" => None,
            written => match written.parse::<Container>() {
                Ok(vial) => Some(vial),
                Err(_) => {
                    row.errors.insert(
                        "vial".into(),
                        format!("'{written}' is not a vial kind; choose single-dose or multi-dose"),
                    );
                    None
                }
            },
        };
        let vial_mg = number(row, "vial_mg", &row.vial_mg.clone());
        sites.push(SiteInput {
            muscle: row.muscle.trim().to_owned(),
            side: some(&row.side),
            site: some(&row.site),
            agent: row.agent.trim().to_owned(),
            dose,
            volume_ml,
            concentration_percent,
            points,
            needle: some(&row.needle),
            guidance: some(&row.guidance),
            technique: some(&row.technique),
            lot: some(&row.lot),
            expiry: some(&row.expiry),
            reconstitution_ml,
            vial_units,
            vial,
            vial_mg,
        });
        owners.push(row.index);
    }
    let input = ProcedureInput {
        plan_id: some(&form.plan_id),
        consent: ConsentInput {
            obtained: form.consent_obtained,
            risks_discussed: lines(&form.risks),
            by: some(&form.consent_by),
        },
        started_at: utc(&form.started_at),
        ended_at: utc(&form.ended_at),
        sites,
        complications: lines(&form.complications),
        diagnoses: form.diagnoses.split([',', ' ', ';', '\n']).filter_map(some).collect(),
        notes: some(&form.notes),
    };
    (input, owners)
}

/// Puts an operation's field error next to its field: `sites[k].lot` on row `owners[k]`, the rest on the form.
fn place_error(form: &mut ProcedureForm, owners: &[usize], field: &str, message: &str) {
    if let Some(rest) = field.strip_prefix("sites[")
        && let Some((k, tail)) = rest.split_once(']')
        && let Some(row) = k.parse::<usize>().ok().and_then(|k| owners.get(k)).copied()
        && let Some(row) = form.rows.get_mut(row)
    {
        let name = tail.trim_start_matches('.').split('.').next().unwrap_or("");
        let known = [
            "muscle",
            "side",
            "site",
            "agent",
            "dose",
            "volume_ml",
            "concentration_percent",
            "points",
            "needle",
            "guidance",
            "technique",
            "lot",
            "expiry",
            "reconstitution_ml",
            "vial_units",
            "vial",
            "vial_mg",
        ];
        let name = if known.contains(&name) { name } else { "row" };
        row.errors.insert(name.to_owned(), message.to_owned());
        return;
    }
    let name = match field {
        "consent.obtained" => "consent_obtained",
        "consent.by" => "consent_by",
        f if f.starts_with("consent.risks_discussed") => "risks",
        f if f.starts_with("complications") => "complications",
        f if f.starts_with("diagnoses") => "diagnoses",
        "started_at" | "ended_at" | "notes" | "plan_id" => field,
        _ => "sites",
    };
    form.errors.insert(name.to_owned(), message.to_owned());
}

pub async fn create_procedure(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(encounter_id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let mut form = parse_form(&pairs);
    let (input, owners) = to_input(&mut form);
    let unreadable = form.rows.iter().any(|r| !r.errors.is_empty());
    let (status, summary) = if unreadable {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Some numbers could not be read; they are marked below.".to_owned()],
        )
    } else {
        match state.app.record_procedure(&viewer.actor, &encounter_id, input).await {
            Ok(detail) => {
                return Redirect::to(&format!("/procedures/{}", detail.procedure.id)).into_response();
            }
            Err(AppError::Invalid(invalid)) => {
                place_error(&mut form, &owners, &invalid.field, &invalid.message);
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    vec![format!("Not recorded: {}: {}", invalid.field, invalid.message)],
                )
            }
            Err(AppError::Forbidden(message)) if taut_app::allows(viewer.actor.role, Permission::WriteProcedure) => {
                // The clinic's policy on who may inject: shown beside the agents.
                for row in form.rows.iter_mut().filter(|r| !r.blank()) {
                    row.errors.insert("agent".into(), format!("Not allowed: {message}."));
                }
                (StatusCode::FORBIDDEN, vec![format!("Not recorded: {message}.")])
            }
            Err(other) => return app_error_page(other),
        }
    };
    match form_page(&state, &viewer, &encounter_id, form, summary, String::new()).await {
        Ok(page) => render_with(status, &page),
        Err(response) => response,
    }
}

// ---- The procedure note ----

pub struct SiteView {
    pub muscle: String,
    pub side: String,
    pub kind: String,
    pub agent: String,
    pub amount: String,
    pub points: i64,
    pub details: String,
}

pub struct CodeView {
    pub system: String,
    pub code: String,
    pub detail: String,
}

pub struct EventView {
    pub id: String,
    pub effect: String,
    pub name: String,
    pub site: String,
    pub onset: String,
    pub severity: String,
    pub actions: Vec<String>,
    pub resolved_on: String,
    pub notes: String,
    pub version: i64,
    pub flags: String,
}

#[derive(Template)]
#[template(path = "procedure.html")]
struct ProcedurePage {
    chrome: Chrome,
    id: String,
    patient_id: String,
    patient_name: String,
    mrn: String,
    birth_date: String,
    started_at: String,
    ended_at: String,
    plan_id: String,
    consent: String,
    risks: String,
    sites: Vec<SiteView>,
    site_choices: Vec<String>,
    complications: String,
    diagnoses: String,
    codes: Vec<CodeView>,
    findings: Vec<(String, String, String)>,
    notes: String,
    events: Vec<EventView>,
    effects: Vec<(String, String)>,
    today: String,
    may_record: bool,
    message: String,
}

fn site_view(s: &taut_app::SiteRecord, atlas: &taut_atlas::Atlas) -> SiteView {
    let amount = match (s.amount, &s.amount_unit) {
        (Some(value), Some(unit)) => format!("{value} {unit}"),
        _ => String::new(),
    };
    let volume = s.volume_ml.map(|v| format!(" in {v} mL")).unwrap_or_default();
    let strength = s.concentration_percent.map(|c| format!(" ({c} %)")).unwrap_or_default();
    let mut details: Vec<String> = Vec::new();
    if let Some(site) = &s.site {
        details.push(format!("site: {site}"));
    }
    if let Some(guidance) = &s.guidance {
        details.push(format!("guidance: {guidance}"));
    }
    if let Some(needle) = &s.needle {
        details.push(format!("needle: {needle}"));
    }
    if let Some(technique) = &s.technique {
        details.push(format!("technique: {technique}"));
    }
    if let (Some(lot), Some(expiry)) = (&s.lot, &s.expiry) {
        details.push(format!("lot {lot}, expires {expiry}"));
    }
    if let Some(ml) = s.reconstitution_ml {
        let vial = s.vial_units.map(|u| format!(" into a {u} U vial")).unwrap_or_default();
        details.push(format!("reconstituted with {ml} mL{vial}"));
    }
    if let Some(vial) = &s.vial {
        let content = s.vial_mg.map(|mg| format!(" of {mg} mg")).unwrap_or_default();
        details.push(format!("{vial} vial{content}"));
    }
    SiteView {
        muscle: atlas
            .muscle(&s.muscle)
            .map_or_else(|_| s.muscle.clone(), |m| m.name.clone()),
        side: s.side.clone().unwrap_or_else(|| "midline".into()),
        kind: s.kind.clone(),
        agent: s.agent.clone(),
        amount: format!("{amount}{volume}{strength}"),
        points: s.points,
        details: details.join("; "),
    }
}

fn event_view(e: &AdverseEventDetail) -> EventView {
    let mut flags = Vec::new();
    if e.flags.serious {
        flags.push("serious");
    }
    if e.flags.overdue {
        flags.push("open longer than expected");
    }
    let ev = &e.event;
    EventView {
        id: ev.id.clone(),
        effect: ev.effect.clone(),
        name: pages::effect_name(&ev.effect),
        site: ev.site.clone().unwrap_or_default(),
        onset: ev.onset.clone(),
        severity: ev.severity.clone(),
        actions: ev.actions.clone(),
        resolved_on: ev.resolved_on.clone().unwrap_or_default(),
        notes: ev.notes.clone().unwrap_or_default(),
        version: ev.version,
        flags: flags.join(", "),
    }
}

fn codes(p: &ProcedureRecord) -> Vec<CodeView> {
    codes_of(&p.codes)
}

/// Billing and diagnosis codes as stored (`system`, `code`, `modifier`, `units`).
fn codes_of(codes: &Value) -> Vec<CodeView> {
    codes
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let units = c["units"].as_u64().map(|u| format!("× {u}")).unwrap_or_default();
            let modifier = c["modifier"]
                .as_str()
                .map(|m| format!("modifier {m}"))
                .unwrap_or_default();
            CodeView {
                system: c["system"].as_str().unwrap_or("").to_owned(),
                code: c["code"].as_str().unwrap_or("").to_owned(),
                detail: [modifier, units]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
        .collect()
}

async fn procedure_page(state: &State, viewer: &Viewer, id: &str, message: String) -> Result<ProcedurePage, Response> {
    let app = &state.app;
    let p = app.procedure(&viewer.actor, id).await.map_err(app_error_page)?;
    let patient = app
        .patient(&viewer.actor, &p.patient_id)
        .await
        .map_err(app_error_page)?;
    let events = app.adverse_events(&viewer.actor, id).await.map_err(app_error_page)?;
    let d = &patient.demographics;
    let atlas = app.atlas();
    let effects = app
        .followup_catalog()
        .map(|c| {
            c.effects
                .iter()
                .map(|e| (e.id.clone(), format!("{}: {}", e.name, e.plain)))
                .collect()
        })
        .unwrap_or_default();
    let list_or = |items: &[String], none: &str| {
        if items.is_empty() {
            none.to_owned()
        } else {
            items.join("; ")
        }
    };
    Ok(ProcedurePage {
        chrome: Chrome::for_actor(&viewer.actor, "/patients"),
        id: p.id.clone(),
        patient_id: patient.id.clone(),
        patient_name: format!("{}, {}", d.family_name, d.given_name),
        mrn: d.mrn.clone(),
        birth_date: d.birth_date.clone(),
        started_at: pages::day_and_time(&p.started_at),
        ended_at: pages::day_and_time(&p.ended_at),
        plan_id: p.plan_id.clone().unwrap_or_default(),
        consent: format!(
            "{} by {}",
            if p.consent.obtained { "Obtained" } else { "NOT obtained" },
            p.consent.by
        ),
        risks: list_or(&p.consent.risks_discussed, "none recorded"),
        sites: p.sites.iter().map(|s| site_view(s, atlas)).collect(),
        site_choices: p
            .sites
            .iter()
            .map(|s| match &s.side {
                Some(side) => format!("{}:{side}", s.muscle),
                None => s.muscle.clone(),
            })
            .collect(),
        complications: list_or(&p.complications, "none"),
        diagnoses: if p.diagnoses.is_empty() {
            "none recorded".into()
        } else {
            p.diagnoses.join(", ")
        },
        codes: codes(&p),
        findings: p
            .findings
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["severity"] != "info")
            .map(|f| {
                (
                    f["severity"].as_str().unwrap_or("").to_owned(),
                    f["code"].as_str().unwrap_or("").to_owned(),
                    f["message"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect(),
        notes: p.notes.clone().unwrap_or_default(),
        events: events.iter().map(event_view).collect(),
        effects,
        today: app.clock().today().to_string(),
        may_record: taut_app::allows(viewer.actor.role, Permission::WriteOutcome),
        message,
    })
}

pub async fn procedure(viewer: Viewer, Shared(state): Shared<Arc<State>>, Path(id): Path<String>) -> Response {
    match procedure_page(&state, &viewer, &id, String::new()).await {
        Ok(page) => render(&page),
        Err(response) => response,
    }
}

// ---- Side effects ----

/// A side effect as the forms send it (`actions` one per line).
#[derive(Deserialize)]
pub struct EventForm {
    effect: String,
    #[serde(default)]
    site: String,
    onset: String,
    severity: String,
    #[serde(default)]
    actions: String,
    #[serde(default)]
    resolved_on: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    version: Option<i64>,
    /// Where to go back to (the procedure the event belongs to).
    #[serde(default)]
    procedure_id: String,
}

impl EventForm {
    fn input(&self) -> AdverseEventInput {
        AdverseEventInput {
            effect: self.effect.trim().to_owned(),
            site: some(&self.site),
            onset: self.onset.trim().to_owned(),
            severity: self.severity.trim().to_owned(),
            actions: lines(&self.actions),
            resolved_on: some(&self.resolved_on),
            notes: some(&self.notes),
            version: self.version,
        }
    }
}

async fn refused(state: &State, viewer: &Viewer, procedure_id: &str, e: AppError) -> Response {
    match e {
        AppError::Invalid(invalid) => {
            let message = format!("Not recorded: {}: {}", invalid.field, invalid.message);
            match procedure_page(state, viewer, procedure_id, message).await {
                Ok(page) => render_with(StatusCode::UNPROCESSABLE_ENTITY, &page),
                Err(response) => response,
            }
        }
        other => app_error_page(other),
    }
}

pub async fn record_event(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<EventForm>,
) -> Response {
    match state.app.record_adverse_event(&viewer.actor, &id, form.input()).await {
        Ok(_) => Redirect::to(&format!("/procedures/{id}#side-effects")).into_response(),
        Err(e) => refused(&state, &viewer, &id, e).await,
    }
}

pub async fn update_event(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<EventForm>,
) -> Response {
    let back = form.procedure_id.clone();
    match state
        .app
        .update_adverse_event(&viewer.actor, &id, form.input(), None)
        .await
    {
        Ok(detail) => Redirect::to(&format!("/procedures/{}#side-effects", detail.event.procedure_id)).into_response(),
        Err(e) if !back.is_empty() => refused(&state, &viewer, &back, e).await,
        Err(e) => app_error_page(e),
    }
}

// ---- Follow-up checks and pain scores ----

#[derive(Deserialize)]
pub struct CompleteForm {
    encounter_id: String,
}

pub async fn complete_followup(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CompleteForm>,
) -> Response {
    match state
        .app
        .complete_followup(&viewer.actor, &id, form.encounter_id.trim())
        .await
    {
        Ok(done) => Redirect::to(&format!("/patients/{}#alerts", done.patient_id)).into_response(),
        Err(e) => app_error_page(e),
    }
}

#[derive(Deserialize)]
pub struct ScoreForm {
    value: String,
    #[serde(default)]
    recorded_at: String,
}

pub async fn record_score(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ScoreForm>,
) -> Response {
    let Ok(value) = form.value.trim().parse::<f64>() else {
        return pages::error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "value: the pain score is a number from 0 to 10.",
        );
    };
    let input = taut_core::records::OutcomeInput {
        measure: "pain-nrs".into(),
        value,
        unit: None,
        name: None,
        encounter_id: None,
        recorded_at: some(&form.recorded_at).map(|t| utc(&t)),
    };
    match state.app.add_outcome(&viewer.actor, &id, input).await {
        Ok(_) => Redirect::to(&format!("/patients/{id}#charts")).into_response(),
        Err(e) => app_error_page(e),
    }
}

// ---- The self-care sheet ----

#[derive(Template)]
#[template(path = "selfcare.html")]
struct SelfCarePage {
    chrome: Chrome,
    patient_id: String,
    patient_name: String,
    procedure_id: String,
    procedure_day: String,
    contact: String,
    sheet: Option<taut_core::followup::SelfCareSheet>,
    /// Each point to press: where (muscle, point, side), how to press, how to stretch.
    points: Vec<(String, String, String)>,
    maps: Vec<(&'static str, String)>,
    chart: Option<String>,
    message: String,
}

#[derive(Deserialize)]
pub struct SelfCareQuery {
    procedure: Option<String>,
    contact: Option<String>,
}

/// The X marks of the treated trigger points on the front and back views.
fn treated_maps(sheet: &taut_core::followup::SelfCareSheet, atlas: &taut_atlas::Atlas) -> Vec<(&'static str, String)> {
    let mut marks = Vec::new();
    for point in &sheet.points {
        let Some((_, tp)) = atlas.trigger_point(&point.trigger_point) else {
            continue;
        };
        marks.extend(pages::marks(tp, side_of(point.side.as_deref())));
    }
    marked_views(marks)
}

/// A stored side (`left`, `right`, `both`); none for a midline muscle.
fn side_of(side: Option<&str>) -> Option<Side> {
    side.and_then(|s| s.parse().ok())
}

/// The views that show any of `marks`, each drawn with them (not clickable).
fn marked_views(marks: Vec<(View, f64, f64)>) -> Vec<(&'static str, String)> {
    let overlay = Overlay {
        fills: HashMap::new(),
        marks,
        interactive: false,
    };
    [View::Anterior, View::Posterior, View::HeadLateral]
        .into_iter()
        .filter(|v| overlay.marks.iter().any(|m| m.0 == *v))
        .map(|v| (bodymap::title(v), bodymap::render(v, &overlay)))
        .collect()
}

pub async fn self_care(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(patient_id): Path<String>,
    Query(query): Query<SelfCareQuery>,
) -> Response {
    let app = &state.app;
    let patient = match app.patient(&viewer.actor, &patient_id).await {
        Ok(p) => p,
        Err(e) => return app_error_page(e),
    };
    let timeline = match app.timeline(&viewer.actor, &patient_id).await {
        Ok(t) => t,
        Err(e) => return app_error_page(e),
    };
    // The procedure asked for, else the patient's latest.
    let procedures: Vec<&ProcedureRecord> = timeline.encounters.iter().flat_map(|e| &e.procedures).collect();
    let chosen = match query.procedure.as_deref().filter(|p| !p.is_empty()) {
        Some(id) => procedures.iter().find(|p| p.id == id).copied(),
        None => procedures
            .iter()
            .max_by(|a, b| a.started_at.cmp(&b.started_at))
            .copied(),
    };
    let Some(procedure) = chosen else {
        return pages::error_page(
            StatusCode::NOT_FOUND,
            "No procedure of this patient to write a self-care sheet for.",
        );
    };
    let contact = query
        .contact
        .unwrap_or_default()
        .trim()
        .chars()
        .take(200)
        .collect::<String>();
    let (sheet, message) = if contact.is_empty() {
        (None, String::new())
    } else {
        match app.self_care(&viewer.actor, &procedure.id, &contact).await {
            Ok(care) => (Some(care.sheet), String::new()),
            Err(AppError::Invalid(invalid)) => (None, format!("{}: {}", invalid.field, invalid.message)),
            Err(e) => return app_error_page(e),
        }
    };
    let maps = sheet.as_ref().map(|s| treated_maps(s, app.atlas())).unwrap_or_default();
    let points = sheet
        .as_ref()
        .map(|s| {
            s.points
                .iter()
                .map(|p| {
                    let name = point_name(&p.trigger_point, app.atlas()).unwrap_or_else(|| p.muscle.clone());
                    let side = p.side.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
                    (format!("{name}{side}"), p.press.clone(), p.stretch.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    let d = &patient.demographics;
    render(&SelfCarePage {
        points,
        chrome: Chrome::for_actor(&viewer.actor, "/patients"),
        patient_id: patient.id.clone(),
        patient_name: format!("{} {}", d.given_name, d.family_name),
        procedure_id: procedure.id.clone(),
        procedure_day: procedure.started_at.chars().take(10).collect(),
        contact,
        chart: sheet.as_ref().and_then(|_| nrs_chart(&timeline, "selfcare-nrs")),
        sheet,
        maps,
        message,
    })
}

// ---- Charts from the timeline ----

/// Pain NRS over time, with the procedures marked.
pub fn nrs_chart(timeline: &taut_app::Timeline, id: &str) -> Option<String> {
    let points = timeline
        .outcomes
        .iter()
        .filter(|o| o.fields.measure == "pain-nrs")
        .filter_map(|o| {
            Some(charts::Point {
                at: charts::instant(&o.fields.recorded_at)?,
                value: o.fields.value,
            })
        })
        .collect();
    let markers = timeline
        .encounters
        .iter()
        .flat_map(|e| &e.procedures)
        .filter_map(|p| {
            let agents: Vec<String> = p
                .sites
                .iter()
                .map(|s| {
                    format!("{} {}", s.muscle, s.side.as_deref().unwrap_or(""))
                        .trim()
                        .to_owned()
                        + " ("
                        + &s.agent
                        + ")"
                })
                .collect();
            Some(charts::Marker {
                at: charts::instant(&p.started_at)?,
                label: format!(
                    "Procedure {}: {}",
                    &p.started_at[..10.min(p.started_at.len())],
                    agents.join(", ")
                ),
            })
        })
        .collect();
    charts::render(&charts::Chart {
        id,
        title: "Pain NRS over time, procedures marked",
        y_label: "Pain NRS (0-10)",
        y_max: 10.0,
        series: vec![charts::Series {
            label: "Pain NRS".into(),
            points,
        }],
        markers,
    })
}

/// Pressure pain threshold per trigger point (and side) over the visits that measured it.
pub fn threshold_chart(timeline: &taut_app::Timeline, atlas: &taut_atlas::Atlas) -> Option<String> {
    let mut series: Vec<charts::Series> = Vec::new();
    for e in &timeline.encounters {
        let Some(at) = charts::instant(&e.encounter.fields.occurred_at) else {
            continue;
        };
        for f in &e.findings {
            let Some(value) = f.fields.pressure_threshold_kg_cm2 else {
                continue;
            };
            let label = point_label(f, atlas);
            match series.iter_mut().find(|s| s.label == label) {
                Some(s) => s.points.push(charts::Point { at, value }),
                None => series.push(charts::Series {
                    label,
                    points: vec![charts::Point { at, value }],
                }),
            }
        }
    }
    charts::render(&charts::Chart {
        id: "thresholds",
        title: "Pressure pain threshold per trigger point over visits",
        y_label: "Threshold (kg/cm²)",
        y_max: 1.0,
        series,
        markers: Vec::new(),
    })
}

/// A name continued mid-sentence: only its first letter lowered, so "TrP1" and proper names keep their case.
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A trigger point's name that also names its muscle ("Upper trapezius TrP1 …"; "Masseter: superficial …"), as
/// the chart legends and the self-care sheet show it; `None` for an id the atlas does not hold.
fn point_name(id: &str, atlas: &taut_atlas::Atlas) -> Option<String> {
    let (muscle, tp) = atlas.trigger_point(id)?;
    Some(if tp.name.to_lowercase().contains(&muscle.name.to_lowercase()) {
        tp.name.clone()
    } else {
        format!("{}: {}", muscle.name, lower_first(&tp.name))
    })
}

/// A finding's trigger point as the chart names it: muscle, point and side.
fn point_label(f: &taut_app::FindingRecord, atlas: &taut_atlas::Atlas) -> String {
    let name = point_name(&f.fields.trigger_point, atlas).unwrap_or_else(|| f.fields.trigger_point.clone());
    match &f.fields.side {
        Some(side) => format!("{name}, {side}"),
        None => name,
    }
}

/// The legend of the threshold chart: each series' label with its style number.
pub fn threshold_legend(timeline: &taut_app::Timeline, atlas: &taut_atlas::Atlas) -> Vec<(usize, String)> {
    let mut labels: Vec<String> = Vec::new();
    for e in &timeline.encounters {
        for f in e
            .findings
            .iter()
            .filter(|f| f.fields.pressure_threshold_kg_cm2.is_some())
        {
            let label = point_label(f, atlas);
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }
    labels.into_iter().enumerate().map(|(i, l)| (i % 4, l)).collect()
}

// ---- The patient page's alerts ----

pub struct RetreatView {
    pub agent: String,
    pub last_given: String,
    pub not_before: String,
    pub interval_days: i64,
    pub source: String,
}

pub struct CheckView {
    pub id: String,
    pub name: String,
    pub purpose: String,
    pub status: String,
    pub due_from: String,
    pub due_by: String,
    pub procedure_id: String,
}

pub struct OpenEventView {
    pub procedure_id: String,
    pub event: EventView,
}

/// What the patient page warns about, ready to show.
pub struct AlertsView {
    pub today: String,
    pub retreatment: Vec<RetreatView>,
    pub followups: Vec<CheckView>,
    pub events: Vec<OpenEventView>,
    /// The patient's visits, newest first, to complete a check with.
    pub visits: Vec<(String, String)>,
}

impl AlertsView {
    pub fn is_empty(&self) -> bool {
        self.retreatment.is_empty() && self.followups.is_empty() && self.events.is_empty()
    }
}

pub fn alerts_view(alerts: &taut_app::PatientAlerts, timeline: &taut_app::Timeline) -> AlertsView {
    AlertsView {
        today: alerts.today.to_string(),
        retreatment: alerts
            .retreatment
            .iter()
            .map(|r| RetreatView {
                agent: r.agent.clone(),
                last_given: r.last_given.to_string(),
                not_before: r.not_before.to_string(),
                interval_days: r.interval_days,
                source: r.source.clone(),
            })
            .collect(),
        followups: alerts
            .followups
            .iter()
            .map(|w| CheckView {
                id: w.followup.id.clone(),
                name: w.followup.name.clone(),
                purpose: w.followup.purpose.clone(),
                status: match w.status {
                    taut_core::followup::DueStatus::Overdue => "overdue",
                    taut_core::followup::DueStatus::Due => "due",
                    taut_core::followup::DueStatus::Upcoming => "upcoming",
                }
                .to_owned(),
                due_from: w.followup.due_from.clone(),
                due_by: w.followup.due_by.clone(),
                procedure_id: w.followup.procedure_id.clone(),
            })
            .collect(),
        events: alerts
            .open_adverse_events
            .iter()
            .map(|e| OpenEventView {
                procedure_id: e.event.procedure_id.clone(),
                event: event_view(e),
            })
            .collect(),
        visits: timeline
            .encounters
            .iter()
            .rev()
            .map(|e| {
                (
                    e.encounter.id.clone(),
                    format!(
                        "{} · {}",
                        pages::day_and_time(&e.encounter.fields.occurred_at),
                        e.encounter.fields.kind
                    ),
                )
            })
            .collect(),
    }
}

/// A procedure in one line for the timeline: its sites and agents.
pub fn sites_summary(p: &ProcedureRecord, atlas: &taut_atlas::Atlas) -> String {
    p.sites
        .iter()
        .map(|s| {
            let v = site_view(s, atlas);
            let amount = if v.amount.is_empty() {
                String::new()
            } else {
                format!(" {}", v.amount)
            };
            format!("{} {}: {}{amount}", v.muscle, v.side, v.agent)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

// ---- The plan, printable ----

pub struct PlanItemView {
    pub muscle: String,
    pub side: String,
    pub site: String,
    pub agent: String,
    pub dose: String,
    pub volume: String,
    pub points: String,
}

#[derive(Template)]
#[template(path = "plan_print.html")]
struct PlanPrintPage {
    chrome: Chrome,
    id: String,
    patient_id: String,
    patient_name: String,
    mrn: String,
    birth_date: String,
    status: String,
    signed_at: String,
    override_reason: String,
    items: Vec<PlanItemView>,
    totals: Vec<String>,
    vials: Vec<String>,
    waste: Vec<String>,
    findings: Vec<(String, String, String, String)>,
    codes: Vec<CodeView>,
    maps: Vec<(&'static str, String)>,
    chart: Option<String>,
    procedure_link: String,
}

fn number_text(value: &Value) -> String {
    value.as_f64().map_or_else(String::new, |v| format!("{v}"))
}

fn amounts(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            format!(
                "{}: {} {}",
                text_of(&t["agent"]),
                number_text(&t["value"]),
                text_of(&t["unit"])
            )
        })
        .collect()
}

/// The trigger points of the planned (or treated) muscles on the views that show them.
fn muscle_maps(muscles: &[(String, Option<String>)], atlas: &taut_atlas::Atlas) -> Vec<(&'static str, String)> {
    let mut marks = Vec::new();
    for (muscle, side) in muscles {
        let Ok(muscle) = atlas.muscle(muscle) else {
            continue;
        };
        let side = side_of(side.as_deref());
        for tp in &muscle.trigger_points {
            marks.extend(pages::marks(tp, side));
        }
    }
    marked_views(marks)
}

pub async fn plan_print(viewer: Viewer, Shared(state): Shared<Arc<State>>, Path(id): Path<String>) -> Response {
    let app = &state.app;
    let plan = match app.plan(&viewer.actor, &id).await {
        Ok(plan) => plan,
        Err(e) => return app_error_page(e),
    };
    let patient = match app.patient(&viewer.actor, &plan.patient_id).await {
        Ok(p) => p,
        Err(e) => return app_error_page(e),
    };
    let timeline = match app.timeline(&viewer.actor, &plan.patient_id).await {
        Ok(t) => t,
        Err(e) => return app_error_page(e),
    };
    let out = &plan.output;
    let items: Vec<PlanItemView> = out["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            let strength = number_text(&i["concentration_percent"]);
            PlanItemView {
                muscle: text_of(&i["muscle_name"]),
                side: i["side"].as_str().unwrap_or("midline").to_owned(),
                site: text_of(&i["site"]),
                agent: text_of(&i["agent"]),
                dose: if i["dose"].is_object() {
                    format!("{} {}", number_text(&i["dose"]["value"]), text_of(&i["dose"]["unit"]))
                } else {
                    String::new()
                },
                volume: match (number_text(&i["volume_ml"]), strength.is_empty()) {
                    (v, _) if v.is_empty() => String::new(),
                    (v, true) => format!("{v} mL"),
                    (v, false) => format!("{v} mL ({strength} %)"),
                },
                points: number_text(&i["points"]),
            }
        })
        .collect();
    let muscles: Vec<(String, Option<String>)> = out["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| (text_of(&i["muscle"]), i["side"].as_str().map(str::to_owned)))
        .collect();
    let d = &patient.demographics;
    let signed = plan.status == "signed";
    render(&PlanPrintPage {
        chrome: Chrome::for_actor(&viewer.actor, "/patients"),
        id: plan.id.clone(),
        patient_id: patient.id.clone(),
        patient_name: format!("{}, {}", d.family_name, d.given_name),
        mrn: d.mrn.clone(),
        birth_date: d.birth_date.clone(),
        status: plan.status.clone(),
        signed_at: plan.signed_at.as_deref().map(pages::day_and_time).unwrap_or_default(),
        override_reason: plan.override_reason.clone().unwrap_or_default(),
        items,
        totals: amounts(&out["totals"]),
        vials: out["vials"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| {
                format!(
                    "{}: {} × {} U",
                    text_of(&v["agent"]),
                    number_text(&v["count"]),
                    number_text(&v["size"])
                )
            })
            .collect(),
        waste: amounts(&out["waste"]),
        findings: out["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                (
                    text_of(&f["severity"]),
                    text_of(&f["code"]),
                    text_of(&f["message"]),
                    text_of(&f["source"]),
                )
            })
            .collect(),
        codes: codes_of(&out["codes"]),
        maps: muscle_maps(&muscles, app.atlas()),
        chart: nrs_chart(&timeline, "plan-nrs"),
        procedure_link: if signed && taut_app::allows(viewer.actor.role, Permission::WriteProcedure) {
            format!("/encounters/{}/procedures/new?plan={}", plan.encounter_id, plan.id)
        } else {
            String::new()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every trigger point's chart name names its muscle once and keeps the point's own capitals ("TrP1").
    #[test]
    fn point_names_keep_their_case_and_name_the_muscle() {
        let atlas = taut_atlas::Atlas::embedded().expect("atlas");
        assert_eq!(lower_first("TrP1 (upper)"), "trP1 (upper)");
        assert_eq!(lower_first(""), "");
        for (muscle, tp) in atlas.trigger_points() {
            let name = point_name(&tp.id, atlas).expect("in the atlas");
            assert!(name.to_lowercase().contains(&muscle.name.to_lowercase()), "{name}");
            let rest: String = tp.name.chars().skip(1).collect();
            assert!(name.contains(&rest), "{name} keeps {}", tp.name);
        }
        assert_eq!(
            point_name("trapezius-upper-trp1", atlas).as_deref(),
            Some("Upper trapezius TrP1 (vertical anterior fibres)")
        );
        assert_eq!(point_name("no-such-point", atlas), None);
    }
}
