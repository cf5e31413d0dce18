//! The visit page, `/patients/{patient}/visits/{visit}`: the assessment (pain drawing and NRS, the
//! differential as the drawing changes, exam findings with their consensus classification) and the plans made
//! in the visit. Handlers parse and call `taut-app` (which checks the role and audits); the live parts are
//! server-rendered fragments that `assets/visit.js` swaps in, and every form also works without the script.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use taut_app::{AppError, Permission, VisitQuestion};
use taut_atlas::{RegionId, RegionRef, Side, View};
use taut_core::differential::Differential;
use taut_core::exam::{Classification, Sign, Signs};
use taut_core::records::{EncounterInput, FindingInput, OutcomeInput, PainMarkInput};

use super::bodymap::{self, Fill, Overlay};
use super::pages::{
    Chrome, app_error_page, day_and_time, error_page, kebab, list_or_none, parse_marks, region_key, render, render_with,
};
use super::plan::{EditorView, ReportView, RowView, editor_choices};
use super::session::Viewer;
use crate::State;

/// The outcome measure the overall pain intensity is stored as.
const NRS: &str = "pain-nrs";

/// The signs of the finding form, in the order the examiner checks them: (field, label, hint).
pub const SIGNS: &[(&str, &str, &str)] = &[
    ("taut_band", "Taut band", "essential"),
    ("spot_tenderness", "Spot tenderness (hypersensitive spot)", "essential"),
    ("referred_pain", "Referred pain", "essential"),
    ("pain_recognised", "Pain recognised as familiar", "active vs latent"),
    ("local_twitch", "Local twitch response", "confirmatory"),
    ("jump_sign", "Jump sign", "confirmatory"),
];

// ---- New visit ----

#[derive(Deserialize)]
pub struct NewVisitForm {
    kind: Option<String>,
    notes: Option<String>,
}

pub async fn new_visit(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(patient): Path<String>,
    Form(form): Form<NewVisitForm>,
) -> Response {
    let input = EncounterInput {
        kind: form
            .kind
            .filter(|k| !k.trim().is_empty())
            .unwrap_or_else(|| "assessment".into()),
        occurred_at: None,
        notes: form.notes.filter(|n| !n.trim().is_empty()),
    };
    match state.app.create_encounter(&viewer.actor, &patient, input).await {
        Ok(encounter) => {
            Redirect::to(&format!("/patients/{}/visits/{}", encounter.patient_id, encounter.id)).into_response()
        }
        Err(e) => app_error_page(e),
    }
}

// ---- The differential, as a fragment ----

pub struct CandidateView {
    rank: usize,
    muscle: String,
    muscle_name: String,
    tp: String,
    tp_name: String,
    side: String,
    fit: String,
    coverage: String,
}

/// The differential as the visit page and its fragment show it.
#[derive(Default)]
pub struct DiffView {
    red_flags: Vec<(String, String)>,
    candidates: Vec<CandidateView>,
    /// Why there is no ranking (nothing drawn yet, or the input was refused).
    message: Option<String>,
    /// The visit page's address, for the "examine" links that fill the finding form.
    visit_url: String,
    /// Ranked from the stored drawing (else from the drawing on screen).
    stored: bool,
}

impl DiffView {
    fn from(differential: &Differential<'_>, visit_url: &str, stored: bool) -> DiffView {
        DiffView {
            red_flags: differential
                .red_flags
                .iter()
                .map(|f| (f.message.clone(), f.action.clone()))
                .collect(),
            candidates: differential
                .candidates
                .iter()
                .enumerate()
                .map(|(i, c)| CandidateView {
                    rank: i + 1,
                    muscle: c.muscle.id.clone(),
                    muscle_name: c.muscle.name.clone(),
                    tp: c.point.id.clone(),
                    tp_name: c.point.name.clone(),
                    side: c.side.map_or_else(String::new, |s| kebab(&s)),
                    fit: format!("{:.2}", c.score),
                    coverage: format!("{:.0} %", c.coverage * 100.0),
                })
                .collect(),
            message: None,
            visit_url: visit_url.to_owned(),
            stored,
        }
    }

    fn note(message: impl Into<String>, visit_url: &str) -> DiffView {
        DiffView {
            message: Some(message.into()),
            visit_url: visit_url.to_owned(),
            ..DiffView::default()
        }
    }
}

#[derive(Template)]
#[template(path = "_differential.html")]
struct DiffFragment {
    diff: DiffView,
}

fn mark_inputs(marks: &[(RegionRef, u8)]) -> Vec<PainMarkInput> {
    marks
        .iter()
        .map(|(region, intensity)| PainMarkInput {
            region: region_key(region),
            side: None,
            intensity: i64::from(*intensity),
            quality: None,
        })
        .collect()
}

/// The differential on the drawing as it stands on screen, with the visit's findings, age and sex.
async fn draft_diff(state: &State, viewer: &Viewer, visit: &str, url: &str, marks: &[(RegionRef, u8)]) -> DiffView {
    if marks.is_empty() {
        return DiffView::note("Mark the painful regions: the candidates appear here as you draw.", url);
    }
    match state
        .app
        .draft_differential(&viewer.actor, visit, mark_inputs(marks), VisitQuestion::default())
        .await
    {
        Ok(d) => DiffView::from(&d, url, false),
        Err(e) => DiffView::note(error_text(&e), url),
    }
}

fn error_text(e: &AppError) -> String {
    match e {
        AppError::Invalid(invalid) => format!("{}: {}", invalid.field, invalid.message),
        AppError::Forbidden(m) => format!("Not allowed: {m}."),
        other => other.to_string(),
    }
}

/// `POST …/differential`: the ranking for the drawing sent (the form's `pain` fields), as an HTML fragment.
pub async fn differential_fragment(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path((patient, visit)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let url = visit_url(&patient, &visit);
    let marks = match parse_marks(&form) {
        Ok(marks) => marks,
        Err(message) => {
            let diff = DiffView::note(message, &url);
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &DiffFragment { diff });
        }
    };
    if marks.is_empty() {
        let diff = DiffView::note(
            "Mark the painful regions: the candidates appear here as you draw.",
            &url,
        );
        return render(&DiffFragment { diff });
    }
    match state
        .app
        .draft_differential(&viewer.actor, &visit, mark_inputs(&marks), VisitQuestion::default())
        .await
    {
        Ok(d) => render(&DiffFragment {
            diff: DiffView::from(&d, &url, false),
        }),
        Err(e) => render_with(
            fragment_status(&e),
            &DiffFragment {
                diff: DiffView::note(error_text(&e), &url),
            },
        ),
    }
}

/// The status of a fragment that reports a refusal in words (the page's script shows it in place).
pub fn fragment_status(e: &AppError) -> StatusCode {
    match e {
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

// ---- The classification of a finding being entered, as a fragment ----

pub struct ClassView {
    id: &'static str,
    label: &'static str,
    detail: String,
}

impl ClassView {
    fn of(classification: Classification, signs: &Signs) -> ClassView {
        let essential = [signs.taut_band, signs.spot_tenderness, signs.referred_pain];
        let present = essential.iter().filter(|s| **s == Sign::Yes).count();
        let unknown = essential.iter().filter(|s| **s == Sign::NotAssessed).count();
        let label = match classification {
            Classification::Active => "Active trigger point",
            Classification::Latent => "Latent trigger point",
            Classification::NotATriggerPoint => "Not a trigger point",
            Classification::Insufficient => "Insufficient: assess more signs",
        };
        ClassView {
            id: classification.as_str(),
            label,
            detail: format!(
                "{present} of 3 essential signs present, {unknown} not assessed; pain recognised: {}.",
                signs.pain_recognised.as_str().replace('-', " ")
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "_classification.html")]
struct ClassFragment {
    class: Option<ClassView>,
    class_message: Option<String>,
}

/// The finding form as entered (kept for a re-render after a refusal, or filled from an "examine" link).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct FindingForm {
    #[serde(default)]
    trigger_point: String,
    #[serde(default)]
    side: String,
    #[serde(default)]
    taut_band: String,
    #[serde(default)]
    spot_tenderness: String,
    #[serde(default)]
    referred_pain: String,
    #[serde(default)]
    pain_recognised: String,
    #[serde(default)]
    local_twitch: String,
    #[serde(default)]
    jump_sign: String,
    #[serde(default)]
    pressure_threshold: String,
    #[serde(default)]
    notes: String,
}

fn sign(field: &str, value: &str) -> Result<Sign, AppError> {
    if value.trim().is_empty() {
        return Ok(Sign::NotAssessed);
    }
    Sign::parse(value).ok_or_else(|| AppError::invalid(field, format!("choose {}", Sign::CHOICES)))
}

impl FindingForm {
    fn signs(&self) -> Result<Signs, AppError> {
        Ok(Signs {
            taut_band: sign("taut_band", &self.taut_band)?,
            spot_tenderness: sign("spot_tenderness", &self.spot_tenderness)?,
            referred_pain: sign("referred_pain", &self.referred_pain)?,
            pain_recognised: sign("pain_recognised", &self.pain_recognised)?,
            local_twitch: sign("local_twitch", &self.local_twitch)?,
            jump_sign: sign("jump_sign", &self.jump_sign)?,
        })
    }

    fn input(&self) -> Result<FindingInput, AppError> {
        let signs = self.signs()?;
        let threshold =
            match self.pressure_threshold.trim() {
                "" => None,
                text => Some(text.parse::<f64>().map_err(|_| {
                    AppError::invalid("pressure_threshold_kg_cm2", "write a number of kg/cm², e.g. 2.5")
                })?),
            };
        let blank = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        Ok(FindingInput {
            trigger_point: self.trigger_point.trim().to_owned(),
            side: blank(&self.side),
            taut_band: signs.taut_band,
            spot_tenderness: signs.spot_tenderness,
            referred_pain: signs.referred_pain,
            pain_recognised: signs.pain_recognised,
            local_twitch: signs.local_twitch,
            jump_sign: signs.jump_sign,
            pressure_threshold_kg_cm2: threshold,
            notes: blank(&self.notes),
        })
    }

    /// The value entered for one sign, for the form's selects.
    fn sign_value(&self, field: &str) -> String {
        let value = match field {
            "taut_band" => &self.taut_band,
            "spot_tenderness" => &self.spot_tenderness,
            "referred_pain" => &self.referred_pain,
            "pain_recognised" => &self.pain_recognised,
            "local_twitch" => &self.local_twitch,
            _ => &self.jump_sign,
        };
        Sign::parse(value).map_or("not-assessed", Sign::as_str).to_owned()
    }
}

/// `POST …/classify`: the consensus classification of the signs entered so far, as an HTML fragment.
pub async fn classify_fragment(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Form(form): Form<FindingForm>,
) -> Response {
    let classified = match form.signs() {
        Ok(signs) => state
            .app
            .classify_signs(&viewer.actor, &signs)
            .await
            .map(|c| ClassView::of(c, &signs)),
        Err(e) => Err(e),
    };
    match classified {
        Ok(class) => render(&ClassFragment {
            class: Some(class),
            class_message: None,
        }),
        Err(e) => render_with(
            fragment_status(&e),
            &ClassFragment {
                class: None,
                class_message: Some(error_text(&e)),
            },
        ),
    }
}

// ---- The visit page ----

struct MarkView {
    label: String,
    intensity: i64,
}

struct SignView {
    field: &'static str,
    label: &'static str,
    hint: &'static str,
    value: String,
}

struct FindingView {
    trigger_point: String,
    side: String,
    signs: String,
    classification: String,
    class_id: String,
    threshold: String,
}

struct PlanRow {
    id: String,
    status: String,
    version: i64,
    has_error: bool,
    override_reason: bool,
    updated_at: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "visit.html")]
struct VisitPage {
    chrome: Chrome,
    patient_id: String,
    visit_url: String,
    name: String,
    mrn: String,
    facts: Vec<(&'static str, String)>,
    heading: String,
    notes: String,
    message: Option<String>,
    // Assessment
    may_draw: bool,
    stored: bool,
    maps: Vec<(&'static str, String)>,
    marks: Vec<(String, String, u8)>,
    stored_marks: Vec<MarkView>,
    intensities: Vec<u8>,
    nrs: String,
    nrs_stored: Option<String>,
    diff: DiffView,
    // Findings
    may_find: bool,
    findings: Vec<FindingView>,
    points: Vec<(String, Vec<(String, String)>)>,
    finding: FindingForm,
    signs: Vec<SignView>,
    class: Option<ClassView>,
    class_message: Option<String>,
    // Plans
    may_plan: bool,
    plans: Vec<PlanRow>,
    templates: Vec<(String, String, String)>,
    template: String,
    editor: EditorView,
    report: Option<ReportView>,
}

/// What a re-render of the visit page keeps from the request that failed.
#[derive(Default)]
pub struct Entered {
    pub status: Option<StatusCode>,
    pub message: Option<String>,
    pub draft: Vec<(RegionRef, u8)>,
    pub nrs: String,
    pub finding: Option<FindingForm>,
    pub rows: Option<Vec<RowView>>,
    pub template: String,
    pub plan_message: Option<String>,
}

pub fn visit_url(patient: &str, visit: &str) -> String {
    format!("/patients/{patient}/visits/{visit}")
}

fn fills_of(marks: impl Iterator<Item = (String, Option<String>, u8)>) -> HashMap<String, Fill> {
    let mut fills = HashMap::new();
    for (region, side, intensity) in marks {
        let sides: Vec<String> = match side.as_deref() {
            Some("both") => vec!["right".into(), "left".into()],
            Some(s) => vec![s.to_owned()],
            None => Vec::new(),
        };
        if sides.is_empty() {
            fills.insert(region.clone(), Fill::Pain(intensity));
        }
        for s in sides {
            fills.insert(format!("{region}:{s}"), Fill::Pain(intensity));
        }
    }
    fills
}

fn mark_label(region: &str, side: Option<&str>) -> String {
    let label = RegionId::lookup(region).map_or(region, |r| r.region().label);
    side.map_or_else(|| label.to_owned(), |s| format!("{label}, {s}"))
}

#[derive(Deserialize)]
pub struct VisitQuery {
    tp: Option<String>,
    side: Option<String>,
}

/// `GET /patients/{patient}/visits/{visit}`; `?pain=…` previews a drawing (the form's no-script path) and
/// `?tp=…&side=…` fills the finding form from a candidate's "examine" link.
pub async fn visit(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path((patient, visit)): Path<(String, String)>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let mut entered = Entered::default();
    match parse_marks(&query) {
        Ok(marks) => entered.draft = marks,
        Err(message) => {
            entered.message = Some(message);
            entered.status = Some(StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
    let pick = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let wanted = VisitQuery {
        tp: pick("tp"),
        side: pick("side"),
    };
    if wanted.tp.is_some() {
        entered.finding = Some(FindingForm {
            trigger_point: wanted.tp.unwrap_or_default(),
            side: wanted.side.unwrap_or_default(),
            ..FindingForm::default()
        });
    }
    entered.nrs = pick("nrs").unwrap_or_default();
    visit_page(&state, &viewer, &patient, &visit, entered).await
}

pub async fn visit_page(state: &State, viewer: &Viewer, patient_id: &str, visit: &str, entered: Entered) -> Response {
    let actor = &viewer.actor;
    let record = match state.app.patient(actor, patient_id).await {
        Ok(r) => r,
        Err(e) => return app_error_page(e),
    };
    let timeline = match state.app.timeline(actor, patient_id).await {
        Ok(t) => t,
        Err(e) => return app_error_page(e),
    };
    let Some(detail) = timeline.encounters.iter().find(|e| e.encounter.id == visit) else {
        return error_page(StatusCode::NOT_FOUND, "No such visit of this patient.");
    };
    let url = visit_url(&record.id, visit);
    let atlas = state.app.atlas();
    let may = |p| taut_app::allows(actor.role, p);
    let stored = !detail.pain_drawing.is_empty();

    // Assessment: the stored drawing (read-only), or the drawing being made.
    let (maps, stored_marks) = if stored {
        let fills = fills_of(detail.pain_drawing.iter().map(|m| {
            let intensity = u8::try_from(m.mark.intensity.clamp(0, 10)).unwrap_or(0);
            (m.mark.region.clone(), m.mark.side.clone(), intensity)
        }));
        let overlay = Overlay {
            fills,
            ..Overlay::default()
        };
        let maps = [View::Anterior, View::Posterior, View::HeadLateral]
            .iter()
            .map(|v| (bodymap::title(*v), bodymap::render(*v, &overlay)))
            .collect();
        let marks = detail
            .pain_drawing
            .iter()
            .map(|m| MarkView {
                label: mark_label(&m.mark.region, m.mark.side.as_deref()),
                intensity: m.mark.intensity,
            })
            .collect();
        (maps, marks)
    } else {
        let fills = fills_of(
            entered
                .draft
                .iter()
                .map(|(r, i)| (r.region.as_str().to_owned(), r.side.map(|s| s.as_str().to_owned()), *i)),
        );
        let overlay = Overlay {
            fills,
            marks: Vec::new(),
            interactive: true,
        };
        let maps = View::ALL
            .iter()
            .map(|v| (bodymap::title(*v), bodymap::render(*v, &overlay)))
            .collect();
        (maps, Vec::new())
    };
    let may_rank = may(Permission::UseDifferential);
    let diff = if !may_rank {
        DiffView::note("Your role does not run the differential.", &url)
    } else if stored {
        match state
            .app
            .encounter_differential(actor, visit, VisitQuestion::default())
            .await
        {
            Ok(d) => DiffView::from(&d, &url, true),
            Err(e) => DiffView::note(error_text(&e), &url),
        }
    } else {
        draft_diff(state, viewer, visit, &url, &entered.draft).await
    };
    let nrs_stored = timeline
        .outcomes
        .iter()
        .rfind(|o| o.fields.measure == NRS && o.fields.encounter_id.as_deref() == Some(visit))
        .map(|o| format!("{}/10", o.fields.value));

    // Findings.
    let findings = detail
        .findings
        .iter()
        .map(|f| {
            let s = &f.fields.signs;
            let signs = SIGNS
                .iter()
                .zip([
                    s.taut_band,
                    s.spot_tenderness,
                    s.referred_pain,
                    s.pain_recognised,
                    s.local_twitch,
                    s.jump_sign,
                ])
                .filter(|(_, v)| *v != Sign::NotAssessed)
                .map(|((_, label, _), v)| format!("{} {}", label.split(" (").next().unwrap_or(label), v.as_str()))
                .collect::<Vec<_>>()
                .join("; ");
            FindingView {
                trigger_point: atlas.trigger_point(&f.fields.trigger_point).map_or_else(
                    || f.fields.trigger_point.clone(),
                    |(m, tp)| format!("{}: {}", m.name, tp.name),
                ),
                side: f.fields.side.clone().unwrap_or_else(|| "midline".into()),
                signs,
                classification: f.classification.as_str().replace('-', " "),
                class_id: f.classification.as_str().to_owned(),
                threshold: f
                    .fields
                    .pressure_threshold_kg_cm2
                    .map_or_else(String::new, |v| format!("{v} kg/cm²")),
            }
        })
        .collect();
    let mut points: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for muscle in atlas.muscles() {
        points.push((
            muscle.name.clone(),
            muscle
                .trigger_points
                .iter()
                .map(|tp| (tp.id.clone(), tp.name.clone()))
                .collect(),
        ));
    }
    let finding = entered.finding.unwrap_or_default();
    let signs = SIGNS
        .iter()
        .map(|(field, label, hint)| SignView {
            field,
            label,
            hint,
            value: finding.sign_value(field),
        })
        .collect();
    let may_find = may(Permission::WriteFinding);
    let class = match finding.signs() {
        Ok(signs) if may_find => state
            .app
            .classify_signs(actor, &signs)
            .await
            .ok()
            .map(|c| ClassView::of(c, &signs)),
        _ => None,
    };

    // Plans.
    let plans = detail
        .plans
        .iter()
        .map(|p| PlanRow {
            id: p.id.clone(),
            status: p.status.clone(),
            version: p.version,
            has_error: p.has_error,
            override_reason: p.override_reason.is_some(),
            updated_at: day_and_time(&p.updated_at),
            summary: ReportView::from_value(&p.output).summary(),
        })
        .collect();
    let (templates, choices) = match state.app.catalog() {
        Ok(catalog) => (
            catalog
                .protocols
                .iter()
                .map(|p| (p.id.clone(), p.name.clone(), p.description.clone()))
                .collect(),
            editor_choices(atlas, catalog),
        ),
        Err(e) => return app_error_page(e),
    };
    let rows = entered.rows.unwrap_or_default();
    let editor = EditorView::new(
        format!("{url}/plans"),
        format!("{url}/plan-check"),
        None,
        rows,
        choices,
        entered.plan_message,
        "Save draft plan",
    );

    let d = &record.demographics;
    let e = &detail.encounter.fields;
    let page = VisitPage {
        chrome: Chrome::for_actor(actor, "/patients"),
        patient_id: record.id.clone(),
        visit_url: url,
        name: format!("{} {}", d.given_name, d.family_name),
        mrn: d.mrn.clone(),
        facts: vec![
            ("Born", d.birth_date.clone()),
            ("Sex", d.sex.clone()),
            (
                "Weight",
                d.weight_kg.map_or_else(|| "not recorded".into(), |w| format!("{w} kg")),
            ),
            ("Allergies", list_or_none(&d.allergies)),
            ("Conditions", list_or_none(&d.conditions)),
            ("Medications", list_or_none(&d.medications)),
        ],
        heading: format!("{} · {}", day_and_time(&e.occurred_at), e.kind.replace('-', " ")),
        notes: e.notes.clone().unwrap_or_default(),
        message: entered.message,
        may_draw: may(Permission::WritePainDrawing),
        stored,
        maps,
        marks: entered
            .draft
            .iter()
            .map(|(region, intensity)| {
                let side = region.side.map(Side::as_str);
                (region_key(region), mark_label(region.region.as_str(), side), *intensity)
            })
            .collect(),
        stored_marks,
        intensities: (0..=10).collect(),
        nrs: entered.nrs,
        nrs_stored,
        diff,
        may_find,
        findings,
        points,
        finding,
        signs,
        class,
        class_message: None,
        may_plan: may(Permission::WritePlan),
        plans,
        templates,
        template: entered.template,
        editor,
        report: None,
    };
    render_with(entered.status.unwrap_or(StatusCode::OK), &page)
}

// ---- Saving the assessment ----

/// The visit in the address must be the patient's, so that a write never lands on another patient's visit.
pub async fn own_visit(state: &State, viewer: &Viewer, patient: &str, visit: &str) -> Result<(), Response> {
    match state.app.encounters(&viewer.actor, patient).await {
        Ok(visits) if visits.iter().any(|e| e.id == visit) => Ok(()),
        Ok(_) => Err(error_page(StatusCode::NOT_FOUND, "No such visit of this patient.")),
        Err(e) => Err(app_error_page(e)),
    }
}

/// `POST …/drawing`: the marks (`pain` fields) and the overall NRS, recorded for the visit.
pub async fn save_drawing(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path((patient, visit)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(refused) = own_visit(&state, &viewer, &patient, &visit).await {
        return refused;
    }
    let nrs = form
        .iter()
        .find(|(k, _)| k == "nrs")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let again = |draft: Vec<(RegionRef, u8)>, message: String| Entered {
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        message: Some(message),
        draft,
        nrs: nrs.clone(),
        ..Entered::default()
    };
    let marks = match parse_marks(&form) {
        Ok(marks) if marks.is_empty() => {
            let entered = again(
                Vec::new(),
                "Mark at least one painful region before saving the drawing.".into(),
            );
            return visit_page(&state, &viewer, &patient, &visit, entered).await;
        }
        Ok(marks) => marks,
        Err(message) => return visit_page(&state, &viewer, &patient, &visit, again(Vec::new(), message)).await,
    };
    // Both parts are checked before either is written, so that a refused NRS leaves no drawing behind.
    let nrs_value = match nrs.as_str() {
        "" => None,
        text => match text.parse::<u8>() {
            Ok(v) if v <= 10 => Some(f64::from(v)),
            _ => {
                let entered = again(marks, "Overall pain (NRS) must be a whole number from 0 to 10.".into());
                return visit_page(&state, &viewer, &patient, &visit, entered).await;
            }
        },
    };
    if let Err(e) = state
        .app
        .add_pain_drawing(&viewer.actor, &visit, mark_inputs(&marks))
        .await
    {
        return match e {
            AppError::Invalid(i) => {
                let entered = again(marks, format!("{}: {}", i.field, i.message));
                visit_page(&state, &viewer, &patient, &visit, entered).await
            }
            other => app_error_page(other),
        };
    }
    if let Some(value) = nrs_value {
        let outcome = OutcomeInput {
            measure: NRS.into(),
            value,
            unit: None,
            name: None,
            encounter_id: Some(visit.clone()),
            recorded_at: None,
        };
        if let Err(e) = state.app.add_outcome(&viewer.actor, &patient, outcome).await {
            return app_error_page(e);
        }
    }
    Redirect::to(&format!("{}#assessment", visit_url(&patient, &visit))).into_response()
}

/// `POST …/findings`: one examined trigger point.
pub async fn save_finding(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path((patient, visit)): Path<(String, String)>,
    Form(form): Form<FindingForm>,
) -> Response {
    if let Err(refused) = own_visit(&state, &viewer, &patient, &visit).await {
        return refused;
    }
    let saved = match form.input() {
        Ok(input) => state.app.add_finding(&viewer.actor, &visit, input).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Redirect::to(&format!("{}#findings", visit_url(&patient, &visit))).into_response(),
        Err(AppError::Invalid(i)) => {
            let entered = Entered {
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                message: Some(format!("The finding was not saved. {}: {}", i.field, i.message)),
                finding: Some(form),
                ..Entered::default()
            };
            visit_page(&state, &viewer, &patient, &visit, entered).await
        }
        Err(other) => app_error_page(other),
    }
}
