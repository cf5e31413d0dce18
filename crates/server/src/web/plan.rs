//! Treatment plans in the browser: built from a template or item by item, checked live as they are edited
//! (`App::preview_plan`: totals, volumes, vials, waste, findings and codes rendered here from the report), saved
//! as a draft and signed, with a written override reason when the check found an error. `/plans/{id}` is the
//! plan's stable address.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;
use taut_app::{AppError, Permission, PlanRecord, PlanRequest, SignRequest};
use taut_atlas::Atlas;
use taut_core::plan::{Catalog, Dose, ItemInput, METHODS, PlanInput};

use super::pages::{Chrome, app_error_page, day_and_time, list_or_none, render, render_with};
use super::session::Viewer;
use super::visit::{Entered, fragment_status, own_visit, visit_page, visit_url};
use crate::State;

/// The most item rows one plan form is read with (a session rarely treats more than a few dozen sites).
const MAX_ROWS: usize = 200;

/// One item row as entered (strings, so that a refused form comes back as typed).
#[derive(Debug, Clone, Default)]
pub struct RowView {
    pub muscle: String,
    pub side: String,
    pub site: String,
    pub agent: String,
    pub dose: String,
    pub unit: String,
    pub volume_ml: String,
    pub concentration_percent: String,
    pub points: String,
}

fn number(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| format!("{v}"))
}

impl RowView {
    fn from_item(item: &ItemInput) -> RowView {
        RowView {
            muscle: item.muscle.clone(),
            side: item.side.clone().unwrap_or_default(),
            site: item.site.clone().unwrap_or_default(),
            agent: item.agent.clone(),
            dose: number(item.dose.as_ref().map(|d| d.value)),
            unit: item.dose.as_ref().map(|d| d.unit.clone()).unwrap_or_default(),
            volume_ml: number(item.volume_ml),
            concentration_percent: number(item.concentration_percent),
            points: item.points.map_or_else(String::new, |p| p.to_string()),
        }
    }

    fn is_blank(&self) -> bool {
        self.muscle.trim().is_empty() && self.agent.trim().is_empty()
    }

    fn item(&self, i: usize) -> Result<ItemInput, AppError> {
        let field = |name: &str| format!("items[{i}].{name}");
        let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let float = |name: &str, s: &str| -> Result<Option<f64>, AppError> {
            match s.trim() {
                "" => Ok(None),
                t => t
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(Some)
                    .ok_or_else(|| AppError::invalid(&field(name), format!("'{t}' is not a number"))),
            }
        };
        let dose = match float("dose", &self.dose)? {
            Some(value) => Some(Dose {
                value,
                unit: text(&self.unit)
                    .ok_or_else(|| AppError::invalid(&field("unit"), "give the dose's unit (U or mg)"))?,
            }),
            None => None,
        };
        let points = match self.points.trim() {
            "" => None,
            t => Some(
                t.parse::<u32>()
                    .map_err(|_| AppError::invalid(&field("points"), format!("'{t}' is not a whole number")))?,
            ),
        };
        Ok(ItemInput {
            muscle: self.muscle.trim().to_owned(),
            side: text(&self.side),
            site: text(&self.site),
            agent: self.agent.trim().to_owned(),
            dose,
            volume_ml: float("volume_ml", &self.volume_ml)?,
            concentration_percent: float("concentration_percent", &self.concentration_percent)?,
            points,
            vial: None,
            vial_mg: None,
        })
    }
}

/// The item rows of a plan form: the fields repeat in order, each row starting with its `muscle`.
pub fn rows_from_form(form: &[(String, String)]) -> Vec<RowView> {
    let mut rows: Vec<RowView> = Vec::new();
    for (name, value) in form {
        if name == "muscle" {
            if rows.len() >= MAX_ROWS {
                break;
            }
            rows.push(RowView {
                muscle: value.clone(),
                ..RowView::default()
            });
            continue;
        }
        let Some(row) = rows.last_mut() else { continue };
        let slot = match name.as_str() {
            "side" => &mut row.side,
            "site" => &mut row.site,
            "agent" => &mut row.agent,
            "dose" => &mut row.dose,
            "unit" => &mut row.unit,
            "volume_ml" => &mut row.volume_ml,
            "concentration_percent" => &mut row.concentration_percent,
            "points" => &mut row.points,
            _ => continue,
        };
        value.clone_into(slot);
    }
    rows.retain(|r| !r.is_blank());
    rows
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim())
}

/// The plan a form asks for: a template (with the muscles a size-scaled one takes) or the item rows.
pub fn request_from_form(form: &[(String, String)]) -> Result<PlanRequest, AppError> {
    let template = field(form, "template");
    if !template.is_empty() {
        let muscles = field(form, "muscles")
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect();
        return Ok(PlanRequest {
            template: Some(template.to_owned()),
            muscles,
            ..PlanRequest::default()
        });
    }
    let rows = rows_from_form(form);
    if rows.is_empty() {
        return Err(AppError::invalid(
            "items",
            "add at least one item (muscle and agent), or choose a template",
        ));
    }
    let items = rows
        .iter()
        .enumerate()
        .map(|(i, r)| r.item(i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PlanRequest {
        items: Some(items),
        ..PlanRequest::default()
    })
}

// ---- The editor ----

/// The choices of the item editor: atlas muscles, agents and methods from the catalog.
#[derive(Clone, Default)]
pub struct Choices {
    pub muscles: Vec<(String, String)>,
    pub agents: Vec<(String, String)>,
}

pub fn editor_choices(atlas: &Atlas, catalog: &Catalog) -> Choices {
    let mut agents: Vec<(String, String)> = catalog
        .toxins
        .iter()
        .map(|t| (t.id.clone(), format!("{} · {}", t.brand, t.id)))
        .collect();
    agents.extend(catalog.anesthetics.iter().map(|a| (a.id.clone(), a.id.clone())));
    agents.extend(catalog.steroids.iter().map(|s| (s.id.clone(), s.id.clone())));
    agents.extend(METHODS.iter().map(|m| ((*m).to_owned(), m.replace('-', " "))));
    Choices {
        muscles: atlas.muscles().iter().map(|m| (m.id.clone(), m.name.clone())).collect(),
        agents,
    }
}

/// The item editor: its rows (with blank ones to fill), where it saves and where it is checked live.
pub struct EditorView {
    pub action: String,
    pub check_url: String,
    pub version: Option<i64>,
    pub rows: Vec<(usize, RowView)>,
    pub choices: Choices,
    pub message: Option<String>,
    pub submit: &'static str,
}

impl EditorView {
    pub fn new(
        action: String,
        check_url: String,
        version: Option<i64>,
        rows: Vec<RowView>,
        choices: Choices,
        message: Option<String>,
        submit: &'static str,
    ) -> EditorView {
        let mut rows = rows;
        // Two empty rows to fill without the script (which adds more on demand).
        rows.extend([RowView::default(), RowView::default()]);
        EditorView {
            action,
            check_url,
            version,
            rows: rows.into_iter().enumerate().map(|(i, r)| (i + 1, r)).collect(),
            choices,
            message,
            submit,
        }
    }
}

// ---- The checked plan ----

pub struct ItemView {
    pub muscle: String,
    pub side: String,
    pub site: String,
    pub agent: String,
    pub dose: String,
    pub volume: String,
    pub strength: String,
    pub points: String,
}

pub struct FindingView {
    pub severity: String,
    pub code: String,
    pub message: String,
    pub source: String,
}

/// A checked plan as shown: from the stored plan's output or the live check's report (the same JSON shape).
#[derive(Default)]
pub struct ReportView {
    pub items: Vec<ItemView>,
    pub totals: Vec<String>,
    pub vials: Vec<String>,
    pub waste: Vec<String>,
    pub findings: Vec<FindingView>,
    pub codes: Vec<(String, String, String, String)>,
    pub errors: usize,
    pub warnings: usize,
    /// Why there is no report (the input was refused).
    pub message: Option<String>,
}

fn text_of(value: &Value, key: &str) -> String {
    match &value[key] {
        Value::String(s) => s.clone(),
        // 55.0 is shown as 55, as a clinician writes it.
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), |f| format!("{f}")),
        _ => String::new(),
    }
}

fn amount(value: &Value) -> String {
    format!(
        "{}: {} {}",
        text_of(value, "agent"),
        text_of(value, "value"),
        text_of(value, "unit")
    )
}

fn list(value: &Value, key: &str) -> Vec<Value> {
    value[key].as_array().cloned().unwrap_or_default()
}

impl ReportView {
    pub fn from_value(report: &Value) -> ReportView {
        let items = list(report, "items")
            .iter()
            .map(|i| {
                let dose = &i["dose"];
                let strength = match (i["units_per_0_1_ml"].as_f64(), i["concentration_percent"].as_f64()) {
                    (Some(u), _) => format!("{u} U/0.1 mL"),
                    (None, Some(c)) => format!("{c} %"),
                    _ => String::new(),
                };
                ItemView {
                    muscle: text_of(i, "muscle_name"),
                    side: text_of(i, "side"),
                    site: text_of(i, "site"),
                    agent: text_of(i, "agent"),
                    dose: if dose.is_object() {
                        format!("{} {}", text_of(dose, "value"), text_of(dose, "unit"))
                    } else {
                        String::new()
                    },
                    volume: i["volume_ml"].as_f64().map_or_else(String::new, |v| format!("{v} mL")),
                    strength,
                    points: text_of(i, "points"),
                }
            })
            .collect();
        let mut findings: Vec<FindingView> = list(report, "findings")
            .iter()
            .map(|f| FindingView {
                severity: text_of(f, "severity"),
                code: text_of(f, "code"),
                message: text_of(f, "message"),
                source: text_of(f, "source"),
            })
            .collect();
        let rank = |s: &str| match s {
            "error" => 0,
            "warning" => 1,
            _ => 2,
        };
        // Errors first, then warnings: what blocks signing is read first.
        findings.sort_by_key(|f| rank(&f.severity));
        ReportView {
            items,
            totals: list(report, "totals").iter().map(amount).collect(),
            vials: list(report, "vials")
                .iter()
                .map(|v| {
                    format!(
                        "{}: {} × {} U vial",
                        text_of(v, "agent"),
                        text_of(v, "count"),
                        text_of(v, "size")
                    )
                })
                .collect(),
            waste: list(report, "waste").iter().map(amount).collect(),
            codes: list(report, "codes")
                .iter()
                .map(|c| {
                    (
                        text_of(c, "system"),
                        text_of(c, "code"),
                        text_of(c, "units"),
                        text_of(c, "modifier"),
                    )
                })
                .collect(),
            errors: findings.iter().filter(|f| f.severity == "error").count(),
            warnings: findings.iter().filter(|f| f.severity == "warning").count(),
            findings,
            message: None,
        }
    }

    fn refused(message: String) -> ReportView {
        ReportView {
            message: Some(message),
            ..ReportView::default()
        }
    }

    /// One line for a plan list: its totals and how many errors and warnings it carries.
    pub fn summary(&self) -> String {
        let mut parts = self.totals.clone();
        parts.push(format!("{} error(s), {} warning(s)", self.errors, self.warnings));
        parts.join(" · ")
    }
}

#[derive(Template)]
#[template(path = "_plan_report.html")]
struct ReportFragment {
    report: ReportView,
}

/// `POST /patients/{patient}/visits/{visit}/plan-check`: the plan as it stands in the editor, checked against
/// the record and rendered as a fragment. Nothing is stored.
pub async fn check_fragment(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path((_patient, visit)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let checked = match request_from_form(&form) {
        Ok(request) => state.app.preview_plan(&viewer.actor, &visit, &request).await,
        Err(e) => Err(e),
    };
    match checked
        .and_then(|report| serde_json::to_value(&report).map_err(|e| AppError::Reference(format!("plan report: {e}"))))
    {
        Ok(value) => render(&ReportFragment {
            report: ReportView::from_value(&value),
        }),
        Err(e) => render_with(
            fragment_status(&e),
            &ReportFragment {
                report: ReportView::refused(refusal(&e)),
            },
        ),
    }
}

fn refusal(e: &AppError) -> String {
    match e {
        AppError::Invalid(i) => format!("{}: {}", i.field, i.message),
        AppError::Forbidden(m) => format!("Not allowed: {m}."),
        other => other.to_string(),
    }
}

/// `POST /patients/{patient}/visits/{visit}/plans`: a new draft plan, from a template or the item rows.
pub async fn create(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path((patient, visit)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(refused) = own_visit(&state, &viewer, &patient, &visit).await {
        return refused;
    }
    let created = match request_from_form(&form) {
        Ok(request) => state.app.create_plan(&viewer.actor, &visit, request).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(plan) => Redirect::to(&format!("/plans/{}", plan.id)).into_response(),
        Err(AppError::Invalid(i)) => {
            let entered = Entered {
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                rows: Some(rows_from_form(&form)),
                template: field(&form, "template").to_owned(),
                plan_message: Some(format!("The plan was not saved. {}: {}", i.field, i.message)),
                ..Entered::default()
            };
            visit_page(&state, &viewer, &patient, &visit, entered).await
        }
        Err(other) => app_error_page(other),
    }
}

// ---- The plan page ----

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    chrome: Chrome,
    id: String,
    patient_id: String,
    visit_url: String,
    name: String,
    mrn: String,
    facts: Vec<(&'static str, String)>,
    status: String,
    version: i64,
    created: String,
    signed: Option<String>,
    override_reason: Option<String>,
    draft: bool,
    may_plan: bool,
    editor: EditorView,
    report: ReportView,
    reason: String,
    sign_message: Option<String>,
    message: Option<String>,
}

/// What a re-render of the plan page keeps from a refused request.
#[derive(Default)]
struct Refused {
    status: Option<StatusCode>,
    rows: Option<Vec<RowView>>,
    message: Option<String>,
    sign_message: Option<String>,
    reason: String,
}

async fn plan_page(state: &State, viewer: &Viewer, id: &str, refused: Refused) -> Response {
    let actor = &viewer.actor;
    let plan: PlanRecord = match state.app.plan(actor, id).await {
        Ok(p) => p,
        Err(e) => return app_error_page(e),
    };
    let record = match state.app.patient(actor, &plan.patient_id).await {
        Ok(r) => r,
        Err(e) => return app_error_page(e),
    };
    let catalog = match state.app.catalog() {
        Ok(c) => c,
        Err(e) => return app_error_page(e),
    };
    let url = visit_url(&plan.patient_id, &plan.encounter_id);
    let rows = refused.rows.unwrap_or_else(|| {
        serde_json::from_value::<PlanInput>(plan.input["checked"].clone())
            .map(|input| input.items.iter().map(RowView::from_item).collect())
            .unwrap_or_default()
    });
    let draft = plan.status == "draft";
    let editor = EditorView::new(
        format!("/plans/{}", plan.id),
        format!("{url}/plan-check"),
        Some(plan.version),
        rows,
        editor_choices(state.app.atlas(), catalog),
        refused.message.clone(),
        "Save draft",
    );
    let d = &record.demographics;
    let page = PlanPage {
        chrome: Chrome::for_actor(actor, "/patients"),
        id: plan.id.clone(),
        patient_id: plan.patient_id.clone(),
        visit_url: url,
        name: format!("{} {}", d.given_name, d.family_name),
        mrn: d.mrn.clone(),
        facts: vec![
            ("Born", d.birth_date.clone()),
            (
                "Weight",
                d.weight_kg.map_or_else(|| "not recorded".into(), |w| format!("{w} kg")),
            ),
            ("Allergies", list_or_none(&d.allergies)),
            ("Conditions", list_or_none(&d.conditions)),
            ("Medications", list_or_none(&d.medications)),
        ],
        status: plan.status.clone(),
        version: plan.version,
        created: day_and_time(&plan.created_at),
        signed: plan.signed_at.as_deref().map(day_and_time),
        override_reason: plan.override_reason.clone(),
        draft,
        may_plan: taut_app::allows(actor.role, Permission::WritePlan),
        editor,
        report: ReportView::from_value(&plan.output),
        reason: refused.reason,
        sign_message: refused.sign_message,
        message: if draft { None } else { refused.message },
    };
    render_with(refused.status.unwrap_or(StatusCode::OK), &page)
}

/// `GET /plans/{id}`.
pub async fn show(viewer: Viewer, Shared(state): Shared<Arc<State>>, Path(id): Path<String>) -> Response {
    plan_page(&state, &viewer, &id, Refused::default()).await
}

fn version_of(form: &[(String, String)]) -> Option<i64> {
    field(form, "version").parse().ok()
}

/// `POST /plans/{id}`: saves the draft's items on the version the editor read.
pub async fn update(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let saved = match request_from_form(&form) {
        Ok(request) => {
            let request = PlanRequest {
                version: version_of(&form),
                ..request
            };
            state.app.update_plan(&viewer.actor, &id, request, None).await
        }
        Err(e) => Err(e),
    };
    let again = |status: StatusCode, message: String| Refused {
        status: Some(status),
        rows: Some(rows_from_form(&form)),
        message: Some(message),
        ..Refused::default()
    };
    match saved {
        Ok(plan) => Redirect::to(&format!("/plans/{}", plan.id)).into_response(),
        Err(AppError::Invalid(i)) => {
            let refused = again(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("The draft was not saved. {}: {}", i.field, i.message),
            );
            plan_page(&state, &viewer, &id, refused).await
        }
        Err(AppError::Conflict(m) | AppError::VersionRequired(m)) => {
            let refused = again(
                StatusCode::CONFLICT,
                format!("The draft was not saved: {m}. Reload the plan to see the current version."),
            );
            plan_page(&state, &viewer, &id, refused).await
        }
        Err(other) => app_error_page(other),
    }
}

/// `POST /plans/{id}/sign`: signs the draft; a plan with an error finding needs a written override reason.
pub async fn sign(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let reason = field(&form, "override_reason").to_owned();
    let request = SignRequest {
        override_reason: (!reason.is_empty()).then(|| reason.clone()),
        version: version_of(&form),
    };
    let again = |status: StatusCode, message: String| Refused {
        status: Some(status),
        sign_message: Some(message),
        reason: reason.clone(),
        ..Refused::default()
    };
    match state.app.sign_plan(&viewer.actor, &id, request, None).await {
        Ok(plan) => Redirect::to(&format!("/plans/{}", plan.id)).into_response(),
        Err(AppError::OverrideRequired(m)) => {
            let refused = again(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Not signed: {m}. Write why the plan is right for this patient despite the errors."),
            );
            plan_page(&state, &viewer, &id, refused).await
        }
        Err(AppError::Invalid(i)) => {
            let refused = again(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Not signed. {}: {}", i.field, i.message),
            );
            plan_page(&state, &viewer, &id, refused).await
        }
        Err(AppError::Conflict(m)) => {
            plan_page(
                &state,
                &viewer,
                &id,
                again(StatusCode::CONFLICT, format!("Not signed: {m}.")),
            )
            .await
        }
        Err(AppError::Forbidden(m)) => {
            plan_page(
                &state,
                &viewer,
                &id,
                again(StatusCode::FORBIDDEN, format!("Not signed: {m}.")),
            )
            .await
        }
        Err(other) => app_error_page(other),
    }
}
