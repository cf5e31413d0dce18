//! Check-in links on the web: the clinician's side (create a link on the patient page and see it once, revoke
//! it, the patient-reported check-ins marked as such with a review action, the review list) and the patient's
//! side (`/checkin/{token}`: a phone-first form without an account).
//!
//! The patient's form is protected like every other form by the CSRF layer (Fetch metadata and Origin) and,
//! since it has no session to bind a token to, by a key bound to the link: the app hands it out with the form
//! and refuses a submission without it. A refused link, whatever the reason, gets one page that says nothing
//! about the patient.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State as Shared};
use axum::http::header::HOST;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use taut_app::{Actor, AppError, CheckinAnswers, CheckinForm, CheckinReportRecord, Permission};
use taut_atlas::{RegionId, View};

use super::bodymap::{self, Fill, Overlay};
use super::pages::{self, Chrome, app_error_page, render, render_with};
use super::session::Viewer;
use crate::State;

// ---- The clinician's side ----

/// A new link as the clinician sees it once, right after creating it.
pub struct NewLinkView {
    pub url: String,
    pub expires_at: String,
}

pub struct LinkView {
    pub id: String,
    pub created_at: String,
    pub expires_at: String,
    pub state: &'static str,
    pub open: bool,
}

pub struct ReportView {
    pub id: String,
    pub submitted_at: String,
    pub nrs: i64,
    pub effects: Vec<String>,
    pub adherence: String,
    pub marks: Vec<(String, i64)>,
    pub map: Option<String>,
    pub note: String,
    pub needs_review: bool,
    pub reviewed_at: String,
}

/// The check-in section of the patient page.
pub struct CheckinSection {
    pub patient_id: String,
    pub may_send: bool,
    pub new_link: Option<NewLinkView>,
    pub links: Vec<LinkView>,
    pub reports: Vec<ReportView>,
    pub default_days: u32,
    /// The lifetimes offered, up to the bound.
    pub day_choices: Vec<u32>,
}

fn stamp(text: &str) -> String {
    text.get(..16).map_or_else(|| text.to_owned(), |s| s.replace('T', " "))
}

fn region_label(region: &str, side: Option<&str>) -> String {
    let label = RegionId::lookup(region).map_or(region, |r| r.region().label);
    side.map_or_else(|| label.to_owned(), |s| format!("{label}, {s}"))
}

fn adherence_text(percent: Option<i64>) -> String {
    match percent {
        None => "not answered".into(),
        Some(p) => format!("{p} % of days"),
    }
}

pub fn report_view(r: &CheckinReportRecord) -> ReportView {
    let map = (!r.pain_drawing.is_empty()).then(|| {
        let mut fills = HashMap::new();
        for m in &r.pain_drawing {
            let intensity = u8::try_from(m.intensity.clamp(0, 10)).unwrap_or(0);
            match m.side.as_deref() {
                Some("both") => {
                    for s in ["right", "left"] {
                        fills.insert(format!("{}:{s}", m.region), Fill::Pain(intensity));
                    }
                }
                Some(s) => {
                    fills.insert(format!("{}:{s}", m.region), Fill::Pain(intensity));
                }
                None => {
                    fills.insert(m.region.clone(), Fill::Pain(intensity));
                }
            }
        }
        let overlay = Overlay {
            fills,
            ..Overlay::default()
        };
        format!(
            "{}{}",
            bodymap::render(View::Anterior, &overlay),
            bodymap::render(View::Posterior, &overlay)
        )
    });
    ReportView {
        id: r.id.clone(),
        submitted_at: stamp(&r.submitted_at),
        nrs: r.pain_nrs,
        effects: r.side_effects.iter().map(|e| pages::effect_name(e)).collect(),
        adherence: adherence_text(r.adherence_percent),
        marks: r
            .pain_drawing
            .iter()
            .map(|m| (region_label(&m.region, m.side.as_deref()), m.intensity))
            .collect(),
        map,
        note: r.note.clone().unwrap_or_default(),
        needs_review: r.needs_review,
        reviewed_at: r.reviewed_at.as_deref().map(stamp).unwrap_or_default(),
    }
}

/// The patient page's check-in section: links and reports, newest first.
pub async fn section(
    state: &State,
    actor: &Actor,
    patient_id: &str,
    new_link: Option<NewLinkView>,
) -> Result<CheckinSection, AppError> {
    let checkins = state.app.patient_checkins(actor, patient_id).await?;
    let now = state.app.clock().text();
    Ok(CheckinSection {
        patient_id: patient_id.to_owned(),
        may_send: taut_app::allows(actor.role, Permission::ManageCheckins),
        new_link,
        links: checkins
            .links
            .iter()
            .map(|l| {
                let state = if l.revoked_at.is_some() {
                    "revoked"
                } else if l.used_at.is_some() {
                    "answered"
                } else if l.expires_at <= now {
                    "expired"
                } else {
                    "open"
                };
                LinkView {
                    id: l.id.clone(),
                    created_at: stamp(&l.created_at),
                    expires_at: stamp(&l.expires_at),
                    state,
                    open: state == "open",
                }
            })
            .collect(),
        reports: checkins.reports.iter().map(report_view).collect(),
        default_days: taut_app::CHECKIN_DEFAULT_DAYS,
        day_choices: [1, 3, 7, 14, 30]
            .into_iter()
            .filter(|d| *d <= taut_app::CHECKIN_MAX_DAYS)
            .collect(),
    })
}

/// The address the patient opens: this server as the browser reached it, when its `Host` looks like a host.
fn link_url(state: &State, headers: &HeaderMap, path: &str) -> String {
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).filter(|h| {
        !h.is_empty() && h.len() <= 255 && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
    });
    match host {
        Some(host) => {
            let scheme = if state.web.secure_cookies { "https" } else { "http" };
            format!("{scheme}://{host}{path}")
        }
        None => path.to_owned(),
    }
}

#[derive(serde::Deserialize)]
pub struct CreateForm {
    days: Option<String>,
}

/// `POST /patients/{id}/checkin-links`: creates a link and shows the patient page with it, once.
pub async fn create(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CreateForm>,
) -> Response {
    let days = match form.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(text) => match text.parse::<u32>() {
            Ok(days) => Some(days),
            Err(_) => {
                return app_error_page(AppError::invalid(
                    "days",
                    format!("a whole number from 1 to {}", taut_app::CHECKIN_MAX_DAYS),
                ));
            }
        },
    };
    match state.app.create_checkin_link(&viewer.actor, &id, days).await {
        Ok(link) => {
            let shown = NewLinkView {
                url: link_url(&state, &headers, &link.path),
                expires_at: stamp(&link.expires_at),
            };
            super::pages::patient_page(&viewer, &state, &id, Some(shown)).await
        }
        Err(e) => app_error_page(e),
    }
}

/// A record id from a form, as a path segment: anything but a UUID is refused.
fn uuid_text(text: &str) -> Option<String> {
    uuid::Uuid::try_parse(text.trim()).ok().map(|u| u.to_string())
}

#[derive(serde::Deserialize)]
pub struct BackForm {
    patient: Option<String>,
}

/// `POST /checkin-links/{id}/revoke`, back to the patient page.
pub async fn revoke(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    Form(form): Form<BackForm>,
) -> Response {
    match state.app.revoke_checkin_link(&viewer.actor, &id).await {
        Ok(()) => match form.patient.as_deref().and_then(uuid_text) {
            Some(patient) => Redirect::to(&format!("/patients/{patient}#checkins")).into_response(),
            None => Redirect::to("/checkins").into_response(),
        },
        Err(e) => app_error_page(e),
    }
}

/// `POST /checkin-reports/{id}/review`, back to the patient page or the review list.
pub async fn review(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    Form(form): Form<BackForm>,
) -> Response {
    match state.app.review_checkin(&viewer.actor, &id).await {
        Ok(report) => match form.patient.as_deref() {
            Some(_) => Redirect::to(&format!("/patients/{}#checkins", report.patient_id)).into_response(),
            None => Redirect::to("/checkins").into_response(),
        },
        Err(e) => app_error_page(e),
    }
}

struct ReviewRow {
    patient_id: String,
    patient: String,
    mrn: String,
    report: ReportView,
}

#[derive(Template)]
#[template(path = "checkins.html")]
struct ReviewPage {
    chrome: Chrome,
    rows: Vec<ReviewRow>,
    may_review: bool,
}

/// `GET /checkins`: the patient-reported check-ins waiting for review.
pub async fn reviews(viewer: Viewer, Shared(state): Shared<Arc<State>>) -> Response {
    let items = match state.app.checkin_reviews(&viewer.actor).await {
        Ok(items) => items,
        Err(e) => return app_error_page(e),
    };
    render(&ReviewPage {
        chrome: Chrome::for_actor(&viewer.actor, "/checkins"),
        may_review: taut_app::allows(viewer.actor.role, Permission::ManageCheckins),
        rows: items
            .iter()
            .map(|i| ReviewRow {
                patient_id: i.report.patient_id.clone(),
                patient: i.patient_name.clone(),
                mrn: i.mrn.clone(),
                report: report_view(&i.report),
            })
            .collect(),
    })
}

// ---- The patient's side ----

#[derive(Template)]
#[template(path = "checkin.html")]
struct CheckinPage {
    token: String,
    form_key: String,
    expires_at: String,
    effects: Vec<(String, String, bool)>,
    nrs_choices: Vec<(i64, bool)>,
    adherence_choices: Vec<(i64, &'static str, bool)>,
    /// "I was not given home exercises": checked when the form came back without an adherence answer.
    no_programme: bool,
    note: String,
    maps: Vec<(&'static str, String)>,
    marks: Vec<(String, String, i64)>,
    intensities: Vec<u8>,
    message: Option<String>,
}

#[derive(Template)]
#[template(path = "checkin_message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
    alert: bool,
    /// After a submission: the catalog's warning signs for the side effects reported.
    signs: taut_app::WarningSigns,
}

/// The one page every refused link gets: nothing about the patient, nothing about why.
fn closed_page() -> Response {
    let mut response = render_with(
        StatusCode::NOT_FOUND,
        &MessagePage {
            title: "This link cannot be used",
            message: "This check-in link has expired, has been used already, or is not complete. Please contact \
                      your clinic and ask for a new link.",
            alert: true,
            signs: taut_app::WarningSigns::default(),
        },
    );
    no_index(&mut response);
    response
}

fn no_index(response: &mut Response) {
    response
        .headers_mut()
        .insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
}

/// Plain-language answers to "how much of your home exercises did you do": the share of days, as stored.
const ADHERENCE: [(i64, &str); 5] = [
    (100, "Every day"),
    (75, "Most days"),
    (50, "About half of the days"),
    (25, "A few days"),
    (0, "Not at all"),
];

fn form_page(token: &str, form: CheckinForm, answers: &CheckinAnswers, message: Option<String>) -> Response {
    let resubmitted = message.is_some();
    let mut fills = HashMap::new();
    let mut marks = Vec::new();
    for text in &answers.pain_drawing {
        if let Some((key, intensity)) = text.rsplit_once(':')
            && let Ok(intensity) = intensity.parse::<u8>()
            && intensity <= 10
            && let Ok(region) = key.parse::<taut_atlas::RegionRef>()
        {
            fills.insert(key.to_owned(), Fill::Pain(intensity));
            let side = region.side.map(|s| s.as_str());
            marks.push((
                key.to_owned(),
                region_label(region.region.as_str(), side),
                i64::from(intensity),
            ));
        }
    }
    let overlay = Overlay {
        fills,
        marks: Vec::new(),
        interactive: true,
    };
    let maps = [View::Anterior, View::Posterior]
        .iter()
        .map(|v| (bodymap::title(*v), bodymap::render(*v, &overlay)))
        .collect();
    let status = if message.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut response = render_with(
        status,
        &CheckinPage {
            token: token.to_owned(),
            form_key: form.form_key,
            expires_at: stamp(&form.expires_at),
            effects: form
                .side_effects
                .into_iter()
                .map(|(id, plain)| {
                    let checked = answers.side_effects.contains(&id);
                    (id, plain, checked)
                })
                .collect(),
            nrs_choices: (0..=10).map(|i| (i, answers.pain_nrs == Some(i))).collect(),
            adherence_choices: ADHERENCE
                .iter()
                .map(|(value, text)| (*value, *text, answers.adherence_percent == Some(*value)))
                .collect(),
            no_programme: resubmitted && answers.adherence_percent.is_none(),
            note: answers.note.clone().unwrap_or_default(),
            maps,
            marks,
            intensities: (0..=10).collect(),
            message,
        },
    );
    no_index(&mut response);
    response
}

/// `GET /checkin/{token}`: the form, or the one refusal page.
pub async fn open(Shared(state): Shared<Arc<State>>, Path(token): Path<String>) -> Response {
    match state.app.open_checkin(&token).await {
        Ok(form) => form_page(&token, form, &CheckinAnswers::default(), None),
        Err(AppError::NotFound(_)) => closed_page(),
        Err(e) => app_error_page(e),
    }
}

/// Reads the form: repeated fields (`side_effect`, `pain`) are lists; a blank choice is no answer.
fn answers_from(fields: &[(String, String)]) -> Result<(String, CheckinAnswers), AppError> {
    let mut key = String::new();
    let mut answers = CheckinAnswers::default();
    let number = |field: &str, value: &str| -> Result<Option<i64>, AppError> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        value
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(field, "a whole number"))
    };
    for (name, value) in fields {
        match name.as_str() {
            "form_key" => value.clone_into(&mut key),
            "pain_nrs" => answers.pain_nrs = number("pain_nrs", value)?,
            "adherence_percent" => answers.adherence_percent = number("adherence_percent", value)?,
            "side_effect" => answers.side_effects.push(value.clone()),
            "pain" => answers.pain_drawing.push(value.clone()),
            "note" => answers.note = Some(value.clone()),
            // The body map's intensity picker only chooses how new marks are painted.
            _ => {}
        }
    }
    Ok((key, answers))
}

/// What a person sees for a refused answer: a question, not a field name.
fn in_words(field: &str, message: &str) -> String {
    let question = match field {
        "pain_nrs" => "How strong is your pain now",
        "side_effects" => "Side effects",
        "adherence_percent" => "Home exercises",
        "pain_drawing" => "Where it hurts",
        "note" => "Anything else",
        _ => field,
    };
    format!("{question}: {message}.")
}

/// `POST /checkin/{token}`: stores the answers once, or shows the form again with what to change.
pub async fn submit(
    Shared(state): Shared<Arc<State>>,
    Path(token): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let (key, answers) = match answers_from(&fields) {
        Ok(parsed) => parsed,
        Err(AppError::Invalid(invalid)) => {
            return again(
                &state,
                &token,
                &CheckinAnswers::default(),
                in_words(&invalid.field, &invalid.message),
            )
            .await;
        }
        Err(e) => return app_error_page(e),
    };
    match state.app.submit_checkin(&token, &key, &answers).await {
        Ok(report) => {
            let signs = match taut_app::warning_signs(&report.side_effects) {
                Ok(signs) => signs,
                Err(e) => return app_error_page(e),
            };
            let mut response = render(&MessagePage {
                title: "Thank you",
                message: "Your answers have been sent to your clinic, who will look at them. This form is not \
                          watched around the clock: if you are worried about how you feel, call your clinic, \
                          and in an emergency call your local emergency number.",
                alert: false,
                signs,
            });
            no_index(&mut response);
            response
        }
        Err(AppError::Invalid(invalid)) => {
            again(&state, &token, &answers, in_words(&invalid.field, &invalid.message)).await
        }
        Err(AppError::NotFound(_)) => closed_page(),
        Err(e) => app_error_page(e),
    }
}

/// The form again, with the patient's answers kept and a message.
async fn again(state: &State, token: &str, answers: &CheckinAnswers, message: String) -> Response {
    match state.app.open_checkin(token).await {
        Ok(form) => form_page(token, form, answers, Some(message)),
        Err(AppError::NotFound(_)) => closed_page(),
        Err(e) => app_error_page(e),
    }
}
