//! Page handlers: each parses its request, calls `taut-app` (which checks the role and audits) or reads the
//! atlas, and renders a template. No clinical rule lives here.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State as Shared};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use taut_app::{Actor, AppError, Permission};
use taut_atlas::{Laterality, Muscle, RegionId, RegionRef, Side, TriggerPoint, View, Weight};

use super::bodymap::{self, Fill, Overlay};
use super::checkin::{self, CheckinSection, NewLinkView};
use super::session::{Viewer, clear_cookie, client_key, cookie_token, session_cookie};
use crate::State;

/// The header every page shows: who is signed in and where they may go.
pub struct Chrome {
    pub user: Option<String>,
    pub role: &'static str,
    pub nav: Vec<(&'static str, &'static str, bool)>,
}

impl Chrome {
    pub(super) fn anonymous() -> Chrome {
        Chrome {
            user: None,
            role: "",
            nav: Vec::new(),
        }
    }

    /// Links to the sections the actor's role may open; the server still checks each page.
    pub(super) fn for_actor(actor: &Actor, current: &str) -> Chrome {
        let mut nav = Vec::new();
        if taut_app::allows(actor.role, Permission::ReadClinical) {
            nav.push(("/patients", "Patients", current == "/patients"));
            nav.push(("/checkins", "Check-ins", current == "/checkins"));
        }
        nav.push(("/map", "Body map", current == "/map"));
        nav.push(("/atlas", "Atlas", current == "/atlas"));
        Chrome {
            user: Some(actor.name.clone()),
            role: actor.role.as_str(),
            nav,
        }
    }
}

pub(super) fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub(super) fn render_with(status: StatusCode, template: &impl Template) -> Response {
    let mut response = render(template);
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    title: &'a str,
    message: &'a str,
}

/// A plain error page with a status.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    render_with(
        status,
        &ErrorPage {
            chrome: Chrome::anonymous(),
            title,
            message,
        },
    )
}

/// The page for an operation's error: the same statuses as the API, in words for a person.
pub fn app_error_page(e: AppError) -> Response {
    match &e {
        AppError::Unauthenticated(_) => Redirect::to("/signin").into_response(),
        AppError::Forbidden(m) => error_page(StatusCode::FORBIDDEN, &format!("Not allowed: {m}.")),
        AppError::NotFound(what) => error_page(StatusCode::NOT_FOUND, &format!("No such {what}.")),
        AppError::Invalid(invalid) => error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("{}: {}", invalid.field, invalid.message),
        ),
        AppError::Conflict(m) | AppError::VersionRequired(m) => error_page(StatusCode::CONFLICT, m),
        AppError::OverrideRequired(m) => error_page(StatusCode::UNPROCESSABLE_ENTITY, m),
        AppError::Throttled(m) => error_page(StatusCode::TOO_MANY_REQUESTS, m),
        AppError::Store(cause) if cause.is_transient() => error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "The records database is unreachable or busy; try again shortly.",
        ),
        AppError::Store(_) | AppError::Reference(_) => {
            let error_id = uuid::Uuid::now_v7();
            tracing::error!(%error_id, error = %e, "internal failure");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("Internal error {error_id}; the clinic's administrator can find it in the server log."),
            )
        }
    }
}

/// Percent-encodes a query value.
pub fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Only a local path may be a redirect target after sign-in (never another site).
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

pub(super) fn kebab<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

// ---- Home, sign-in, sign-out, set-up ----

pub async fn home(viewer: Viewer) -> Response {
    if taut_app::allows(viewer.actor.role, Permission::ReadClinical) {
        Redirect::to("/patients").into_response()
    } else {
        Redirect::to("/atlas").into_response()
    }
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    chrome: Chrome,
    next: String,
    username: String,
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn signin_form(Query(query): Query<NextQuery>) -> Response {
    render(&SignInPage {
        chrome: Chrome::anonymous(),
        next: local_path(query.next.as_deref()),
        username: String::new(),
        message: None,
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn signin(Shared(state): Shared<Arc<State>>, parts: Parts, Form(form): Form<SignInForm>) -> Response {
    let next = local_path(form.next.as_deref());
    let client = client_key(&parts);
    let again = |status: StatusCode, message: String| {
        render_with(
            status,
            &SignInPage {
                chrome: Chrome::anonymous(),
                next: next.clone(),
                username: form.username.clone(),
                message: Some(message),
            },
        )
    };
    match state.app.sign_in(form.username.trim(), &form.password, &client).await {
        Ok(session) => {
            let lifetime = state.app.session_policy().absolute.as_secs();
            let mut response = Redirect::to(&next).into_response();
            response
                .headers_mut()
                .append(SET_COOKIE, session_cookie(&state, &session.token, lifetime));
            response
        }
        Err(AppError::Unauthenticated(_)) => again(StatusCode::UNAUTHORIZED, "Wrong username or password.".to_owned()),
        Err(AppError::Throttled(message)) => again(StatusCode::TOO_MANY_REQUESTS, message),
        Err(other) => app_error_page(other),
    }
}

pub async fn signout(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Response {
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.headers = headers;
    if let Some(token) = cookie_token(&parts)
        && let Err(e) = state.app.sign_out(&token).await
    {
        return app_error_page(e);
    }
    let mut response = Redirect::to("/signin").into_response();
    response.headers_mut().append(SET_COOKIE, clear_cookie(&state));
    response
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    chrome: Chrome,
    token: String,
    username: String,
    professions: Vec<&'static str>,
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct SetupQuery {
    token: Option<String>,
}

pub async fn setup_form(Shared(state): Shared<Arc<State>>, Query(query): Query<SetupQuery>) -> Response {
    let token = query.token.unwrap_or_default();
    match state.app.setup_link_valid(&token).await {
        Ok(true) => render(&SetupPage {
            chrome: Chrome::anonymous(),
            token,
            username: "admin".into(),
            professions: <taut_app::Profession as taut_core::vocab::Vocabulary>::ids(),
            message: None,
        }),
        Ok(false) => error_page(
            StatusCode::FORBIDDEN,
            "This set-up link is unknown, used or expired. An admin exists already, or restart the server on the \
             empty database for a new link.",
        ),
        Err(e) => app_error_page(e),
    }
}

#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    username: String,
    profession: String,
    password: String,
    password_again: String,
}

pub async fn setup(Shared(state): Shared<Arc<State>>, Form(form): Form<SetupForm>) -> Response {
    let again = |message: String| {
        render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage {
                chrome: Chrome::anonymous(),
                token: form.token.clone(),
                username: form.username.clone(),
                professions: <taut_app::Profession as taut_core::vocab::Vocabulary>::ids(),
                message: Some(message),
            },
        )
    };
    if form.password != form.password_again {
        return again("The two passwords differ.".into());
    }
    match state
        .app
        .complete_setup(&form.token, &form.username, &form.profession, &form.password)
        .await
    {
        Ok(_) => Redirect::to("/signin?next=/").into_response(),
        Err(AppError::Invalid(invalid)) => again(format!("{}: {}", invalid.field, invalid.message)),
        Err(other) => app_error_page(other),
    }
}

// ---- Atlas ----

struct HitView {
    id: String,
    name: String,
    group: String,
    reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "atlas.html")]
struct AtlasPage {
    chrome: Chrome,
    q: String,
    hits: Vec<HitView>,
    groups: Vec<(String, Vec<(String, String)>)>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub async fn atlas_search(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Query(query): Query<SearchQuery>,
) -> Response {
    let atlas = state.app.atlas();
    let q = query.q.unwrap_or_default().trim().chars().take(200).collect::<String>();
    let hits = atlas
        .search(&q)
        .into_iter()
        .take(50)
        .map(|hit| HitView {
            id: hit.muscle.id.clone(),
            name: hit.name.to_owned(),
            group: kebab(&hit.muscle.group),
            reasons: hit
                .matches
                .iter()
                .take(3)
                .map(|m| format!("{}: {}", m.field, m.detail))
                .collect(),
        })
        .collect();
    let mut groups: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for muscle in atlas.muscles() {
        let group = kebab(&muscle.group);
        match groups.last_mut() {
            Some((g, list)) if *g == group => list.push((muscle.id.clone(), muscle.name.clone())),
            _ => groups.push((group, vec![(muscle.id.clone(), muscle.name.clone())])),
        }
    }
    render(&AtlasPage {
        chrome: Chrome::for_actor(&viewer.actor, "/atlas"),
        q,
        hits,
        groups,
    })
}

struct ZoneView {
    label: String,
    weight: &'static str,
}

struct PointView {
    id: String,
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "muscle.html")]
struct MusclePage<'a> {
    chrome: Chrome,
    muscle: &'a Muscle,
    group: String,
    size: String,
    points: Vec<PointView>,
    tp: &'a TriggerPoint,
    side: &'static str,
    sides: Vec<&'static str>,
    maps: Vec<(&'static str, String)>,
    zones: Vec<ZoneView>,
    palpation: String,
    hazards: Vec<(String, String)>,
    symptoms: Vec<String>,
    sources: Vec<String>,
}

#[derive(Deserialize)]
pub struct MuscleQuery {
    tp: Option<String>,
    side: Option<String>,
}

/// The regions (as map keys) a trigger point on `side` refers to, with the zone's weight; a midline region
/// has no side, and a midline muscle's sided zones lie on both sides.
pub fn zone_fills(tp: &TriggerPoint, side: Option<Side>) -> HashMap<String, Fill> {
    let mut fills = HashMap::new();
    for referral in &tp.referral {
        let region = referral.region;
        let fill = match referral.weight {
            Weight::Essential => Fill::Essential,
            Weight::Spillover => Fill::Spillover,
        };
        let keys: Vec<String> = if !region.sided() {
            vec![region.as_str().to_owned()]
        } else {
            let sides = match (side, referral.laterality.unwrap_or_default()) {
                (None, _) | (Some(_), Laterality::Bilateral) => vec![Side::Right, Side::Left],
                (Some(s), Laterality::Ipsilateral) => vec![s],
                (Some(s), Laterality::Contralateral) => vec![s.opposite()],
            };
            sides
                .into_iter()
                .map(|s| format!("{}:{}", region.as_str(), s.as_str()))
                .collect()
        };
        for key in keys {
            // An essential zone wins where a region is both.
            let entry = fills.entry(key).or_insert(fill);
            if fill == Fill::Essential {
                *entry = fill;
            }
        }
    }
    fills
}

/// Where the X of a trigger point goes on each view: its atlas position (given for the right side), mirrored
/// for the left; the lateral head view shows the right side only.
pub(super) fn marks(tp: &TriggerPoint, side: Option<Side>) -> Vec<(View, f64, f64)> {
    let p = &tp.position;
    match (p.view, side) {
        (View::HeadLateral, Some(Side::Left)) => Vec::new(),
        (View::HeadLateral, _) | (_, None | Some(Side::Right)) => vec![(p.view, p.x, p.y)],
        (_, Some(Side::Left)) => vec![(p.view, 1.0 - p.x, p.y)],
        (_, Some(Side::Both)) => vec![(p.view, p.x, p.y), (p.view, 1.0 - p.x, p.y)],
    }
}

pub async fn muscle(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    Query(query): Query<MuscleQuery>,
) -> Response {
    let atlas = state.app.atlas();
    let muscle = match atlas.muscle(&id) {
        Ok(m) => m,
        Err(e) => return error_page(StatusCode::NOT_FOUND, &e.to_string()),
    };
    let Some(first) = muscle.trigger_points.first() else {
        return error_page(StatusCode::NOT_FOUND, "This muscle has no trigger point in the atlas.");
    };
    let tp = match query.tp.as_deref() {
        Some(wanted) => match muscle.trigger_points.iter().find(|tp| tp.id == wanted) {
            Some(tp) => tp,
            None => {
                let valid: Vec<&str> = muscle.trigger_points.iter().map(|tp| tp.id.as_str()).collect();
                return error_page(
                    StatusCode::NOT_FOUND,
                    &format!(
                        "No trigger point '{wanted}' in {}; valid: {}.",
                        muscle.name,
                        valid.join(", ")
                    ),
                );
            }
        },
        None => first,
    };
    let side = if muscle.paired {
        match query.side.as_deref() {
            None | Some("right") => Some(Side::Right),
            Some("left") => Some(Side::Left),
            Some(other) => {
                return error_page(
                    StatusCode::NOT_FOUND,
                    &format!("Unknown side '{other}'; valid: right, left."),
                );
            }
        }
    } else {
        None
    };
    let fills = zone_fills(tp, side);
    let mut zones: Vec<ZoneView> = fills
        .iter()
        .map(|(key, fill)| {
            let (region, side) = key.split_once(':').map_or((key.as_str(), None), |(r, s)| (r, Some(s)));
            let label = RegionId::lookup(region).map_or(region, |r| r.region().label);
            ZoneView {
                label: side.map_or_else(|| label.to_owned(), |s| format!("{label} ({s})")),
                weight: if *fill == Fill::Essential {
                    "essential"
                } else {
                    "spillover"
                },
            }
        })
        .collect();
    zones.sort_by(|a, b| a.weight.cmp(b.weight).then(a.label.cmp(&b.label)));
    let overlay = Overlay {
        fills,
        marks: marks(tp, side),
        interactive: false,
    };
    // The views that show the point or any of its zones.
    let maps = View::ALL
        .iter()
        .filter(|view| {
            overlay.marks.iter().any(|m| m.0 == **view)
                || tp.referral.iter().any(|r| r.region.region().views.contains(view))
        })
        .map(|view| (bodymap::title(*view), bodymap::render(*view, &overlay)))
        .collect();
    let atlas_sources = atlas.bibliography();
    let sources = muscle
        .sources
        .iter()
        .map(|s| {
            let text = s.describe();
            match &s.key {
                Some(key) if text.is_empty() => atlas_sources.get(key).cloned().unwrap_or_default(),
                _ => text,
            }
        })
        .collect();
    render(&MusclePage {
        chrome: Chrome::for_actor(&viewer.actor, "/atlas"),
        group: kebab(&muscle.group),
        size: kebab(&muscle.size_class),
        points: muscle
            .trigger_points
            .iter()
            .map(|p| PointView {
                id: p.id.clone(),
                name: p.name.clone(),
                selected: p.id == tp.id,
            })
            .collect(),
        tp,
        side: side.map_or("midline", Side::as_str),
        sides: if muscle.paired {
            vec!["right", "left"]
        } else {
            Vec::new()
        },
        maps,
        zones,
        palpation: kebab(&tp.exam.palpation),
        hazards: tp
            .injection
            .hazards
            .iter()
            .map(|h| (kebab(&h.kind), h.note.clone()))
            .collect(),
        symptoms: tp.symptoms.iter().map(|s| s.as_str().replace('-', " ")).collect(),
        sources,
        muscle,
    })
}

// ---- The body map (pain drawing) ----

struct CandidateView {
    rank: usize,
    muscle: String,
    muscle_name: String,
    tp: String,
    tp_name: String,
    side: String,
    fit: String,
    coverage: String,
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    chrome: Chrome,
    maps: Vec<(&'static str, String)>,
    marks: Vec<(String, String, u8)>,
    intensities: Vec<u8>,
    may_rank: bool,
    red_flags: Vec<(String, String)>,
    candidates: Vec<CandidateView>,
    message: Option<String>,
}

/// `/map?pain=temple:right:7&pain=sternum:4`: the marks of a drawing, region (with side) and intensity.
pub(super) fn parse_marks(query: &[(String, String)]) -> Result<Vec<(RegionRef, u8)>, String> {
    let mut marks = Vec::new();
    for (name, value) in query {
        if name != "pain" {
            continue;
        }
        let (region, intensity) = value
            .rsplit_once(':')
            .ok_or_else(|| format!("'{value}': write REGION:SIDE:INTENSITY, e.g. temple:right:7"))?;
        let intensity: u8 = intensity
            .parse()
            .ok()
            .filter(|i| *i <= 10)
            .ok_or_else(|| format!("'{value}': the intensity must be a whole number from 0 to 10"))?;
        let region: RegionRef = region.parse().map_err(|e: taut_atlas::RegionError| e.to_string())?;
        if marks.len() >= 86 * 2 {
            return Err("too many marks".into());
        }
        marks.push((region, intensity));
    }
    Ok(marks)
}

pub(super) fn region_key(region: &RegionRef) -> String {
    match region.side {
        Some(side) => format!("{}:{}", region.region.as_str(), side.as_str()),
        None => region.region.as_str().to_owned(),
    }
}

pub async fn map(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let may_rank = taut_app::allows(viewer.actor.role, Permission::UseDifferential);
    let (marks, message) = match parse_marks(&query) {
        Ok(marks) => (marks, None),
        Err(message) => (Vec::new(), Some(message)),
    };
    let mut fills = HashMap::new();
    for (region, intensity) in &marks {
        let keys: Vec<String> = match region.side {
            Some(Side::Both) => [Side::Right, Side::Left]
                .iter()
                .map(|s| format!("{}:{}", region.region.as_str(), s.as_str()))
                .collect(),
            _ => vec![region_key(region)],
        };
        for key in keys {
            fills.insert(key, Fill::Pain(*intensity));
        }
    }
    let overlay = Overlay {
        fills,
        marks: Vec::new(),
        interactive: true,
    };
    let maps = View::ALL
        .iter()
        .map(|view| (bodymap::title(*view), bodymap::render(*view, &overlay)))
        .collect();
    let (mut red_flags, mut candidates) = (Vec::new(), Vec::new());
    if !marks.is_empty() && may_rank {
        let input = taut_core::differential::DrawingInput {
            regions: marks
                .iter()
                .map(|(region, intensity)| taut_core::differential::RegionInput::Detailed {
                    region: region_key(region),
                    side: None,
                    intensity: Some(i64::from(*intensity)),
                })
                .collect(),
            symptoms: Vec::new(),
            confirmed: Vec::new(),
            ruled_out: Vec::new(),
            age: None,
            sex: None,
            top: Some(10),
        };
        if let Ok(result) = state.app.differential(&viewer.actor, &input).await {
            red_flags = result
                .red_flags
                .iter()
                .map(|f| (f.message.clone(), f.action.clone()))
                .collect();
            candidates = result
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
                .collect();
        }
    }
    render(&MapPage {
        chrome: Chrome::for_actor(&viewer.actor, "/map"),
        maps,
        marks: marks
            .iter()
            .map(|(region, intensity)| {
                let key = region_key(region);
                let label = region.region.region().label;
                let label = match region.side {
                    Some(side) => format!("{label}, {}", side.as_str()),
                    None => label.to_owned(),
                };
                (key, label, *intensity)
            })
            .collect(),
        intensities: (0..=10).collect(),
        may_rank,
        red_flags,
        candidates,
        message,
    })
}

// ---- Patients ----

struct PatientRow {
    id: String,
    name: String,
    mrn: String,
    birth_date: String,
    sex: String,
}

#[derive(Template)]
#[template(path = "patients.html")]
struct PatientsPage {
    chrome: Chrome,
    q: String,
    rows: Vec<PatientRow>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct PatientsQuery {
    q: Option<String>,
    after: Option<String>,
}

pub async fn patients(
    viewer: Viewer,
    Shared(state): Shared<Arc<State>>,
    Query(query): Query<PatientsQuery>,
) -> Response {
    let q = query.q.unwrap_or_default();
    let page = match state
        .app
        .search_patients(&viewer.actor, &q, 50, query.after.as_deref().filter(|a| !a.is_empty()))
        .await
    {
        Ok(page) => page,
        Err(e) => return app_error_page(e),
    };
    render(&PatientsPage {
        chrome: Chrome::for_actor(&viewer.actor, "/patients"),
        q,
        rows: page
            .items
            .into_iter()
            .map(|p| PatientRow {
                id: p.id,
                name: format!("{}, {}", p.demographics.family_name, p.demographics.given_name),
                mrn: p.demographics.mrn,
                birth_date: p.demographics.birth_date,
                sex: p.demographics.sex,
            })
            .collect(),
        next: page.next,
    })
}

struct MarkView {
    label: String,
    intensity: i64,
    quality: String,
}

struct FindingView {
    trigger_point: String,
    side: String,
    classification: String,
    threshold: String,
}

struct ProcedureLine {
    id: String,
    at: String,
    summary: String,
}

struct EncounterView {
    id: String,
    procedures: Vec<ProcedureLine>,
    kind: String,
    occurred_at: String,
    notes: String,
    marks: Vec<MarkView>,
    findings: Vec<FindingView>,
    map: Option<String>,
}

struct OutcomeView {
    measure: String,
    value: String,
    recorded_at: String,
}

#[derive(Template)]
#[template(path = "patient.html")]
struct PatientPage {
    chrome: Chrome,
    id: String,
    may_visit: bool,
    name: String,
    mrn: String,
    birth_date: String,
    sex: String,
    weight: String,
    allergies: String,
    conditions: String,
    medications: String,
    notes: String,
    encounters: Vec<EncounterView>,
    outcomes: Vec<OutcomeView>,
    alerts: super::treatment::AlertsView,
    nrs_chart: Option<String>,
    threshold_chart: Option<String>,
    threshold_legend: Vec<(usize, String)>,
    may_record_procedure: bool,
    may_record_score: bool,
    may_complete: bool,
    now: String,
    checkins: CheckinSection,
}

pub(super) fn day_and_time(stamp: &str) -> String {
    stamp
        .get(..16)
        .map_or_else(|| stamp.to_owned(), |s| s.replace('T', " "))
}

pub(super) fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none recorded".into()
    } else {
        items.join(", ")
    }
}

pub async fn patient(viewer: Viewer, Shared(state): Shared<Arc<State>>, Path(id): Path<String>) -> Response {
    patient_page(&viewer, &state, &id, None).await
}

/// The patient page; `new_link` is a check-in link just created, shown this once.
pub(super) async fn patient_page(viewer: &Viewer, state: &State, id: &str, new_link: Option<NewLinkView>) -> Response {
    let id = id.to_owned();
    let record = match state.app.patient(&viewer.actor, &id).await {
        Ok(record) => record,
        Err(e) => return app_error_page(e),
    };
    let timeline = match state.app.timeline(&viewer.actor, &id).await {
        Ok(timeline) => timeline,
        Err(e) => return app_error_page(e),
    };
    let checkins = match checkin::section(state, &viewer.actor, &record.id, new_link).await {
        Ok(section) => section,
        Err(e) => return app_error_page(e),
    };
    let atlas = state.app.atlas();
    let mut encounters: Vec<EncounterView> = timeline
        .encounters
        .iter()
        .map(|detail| {
            let marks: Vec<MarkView> = detail
                .pain_drawing
                .iter()
                .map(|m| {
                    let label = RegionId::lookup(&m.mark.region).map_or(m.mark.region.as_str(), |r| r.region().label);
                    MarkView {
                        label: m
                            .mark
                            .side
                            .as_ref()
                            .map_or_else(|| label.to_owned(), |s| format!("{label}, {s}")),
                        intensity: m.mark.intensity,
                        quality: m.mark.quality.clone().unwrap_or_default(),
                    }
                })
                .collect();
            let map = (!detail.pain_drawing.is_empty()).then(|| {
                let mut fills = HashMap::new();
                for m in &detail.pain_drawing {
                    let intensity = u8::try_from(m.mark.intensity.clamp(0, 10)).unwrap_or(0);
                    let sides: Vec<&str> = match m.mark.side.as_deref() {
                        Some("both") => vec!["right", "left"],
                        Some(s) => vec![s],
                        None => Vec::new(),
                    };
                    if sides.is_empty() {
                        fills.insert(m.mark.region.clone(), Fill::Pain(intensity));
                    }
                    for s in sides {
                        fills.insert(format!("{}:{s}", m.mark.region), Fill::Pain(intensity));
                    }
                }
                let overlay = Overlay {
                    fills,
                    ..Overlay::default()
                };
                let anterior = bodymap::render(View::Anterior, &overlay);
                let posterior = bodymap::render(View::Posterior, &overlay);
                format!("{anterior}{posterior}")
            });
            EncounterView {
                id: detail.encounter.id.clone(),
                procedures: detail
                    .procedures
                    .iter()
                    .map(|p| ProcedureLine {
                        id: p.id.clone(),
                        at: day_and_time(&p.started_at),
                        summary: super::treatment::sites_summary(p, atlas),
                    })
                    .collect(),
                kind: detail.encounter.fields.kind.clone(),
                occurred_at: day_and_time(&detail.encounter.fields.occurred_at),
                notes: detail.encounter.fields.notes.clone().unwrap_or_default(),
                marks,
                findings: detail
                    .findings
                    .iter()
                    .map(|f| FindingView {
                        trigger_point: atlas
                            .trigger_point(&f.fields.trigger_point)
                            .map_or_else(|| f.fields.trigger_point.clone(), |(_, tp)| tp.name.clone()),
                        side: f.fields.side.clone().unwrap_or_default(),
                        classification: f.classification.as_str().replace('-', " "),
                        threshold: f
                            .fields
                            .pressure_threshold_kg_cm2
                            .map_or_else(String::new, |v| format!("{v} kg/cm²")),
                    })
                    .collect(),
                map,
            }
        })
        .collect();
    // Newest visit first.
    encounters.reverse();
    let alerts = match state.app.patient_alerts(&viewer.actor, &id).await {
        Ok(alerts) => super::treatment::alerts_view(&alerts, &timeline),
        Err(e) => return app_error_page(e),
    };
    let d = &record.demographics;
    let role = viewer.actor.role;
    render(&PatientPage {
        id: record.id.clone(),
        alerts,
        nrs_chart: super::treatment::nrs_chart(&timeline, "nrs"),
        threshold_chart: super::treatment::threshold_chart(&timeline, atlas),
        threshold_legend: super::treatment::threshold_legend(&timeline, atlas),
        may_record_procedure: taut_app::allows(role, Permission::WriteProcedure),
        may_record_score: taut_app::allows(role, Permission::WriteOutcome),
        may_complete: taut_app::allows(role, Permission::WriteEncounter),
        now: taut_core::records::format_utc(state.app.clock().now())
            .chars()
            .take(16)
            .collect(),
        chrome: Chrome::for_actor(&viewer.actor, "/patients"),
        may_visit: taut_app::allows(viewer.actor.role, Permission::WriteEncounter),
        name: format!("{} {}", d.given_name, d.family_name),
        mrn: d.mrn.clone(),
        birth_date: d.birth_date.clone(),
        sex: d.sex.clone(),
        weight: d.weight_kg.map_or_else(|| "not recorded".into(), |w| format!("{w} kg")),
        allergies: list_or_none(&d.allergies),
        conditions: list_or_none(&d.conditions),
        medications: list_or_none(&d.medications),
        notes: d.notes.clone().unwrap_or_default(),
        encounters,
        outcomes: timeline
            .outcomes
            .iter()
            .rev()
            .map(|o| OutcomeView {
                measure: o.fields.name.clone().unwrap_or_else(|| o.fields.measure.clone()),
                value: format!("{} {}", o.fields.value, o.fields.unit),
                recorded_at: day_and_time(&o.fields.recorded_at),
            })
            .collect(),
        checkins,
    })
}

/// The catalog's name of a side effect, or its id if the catalog no longer holds it.
pub(super) fn effect_name(id: &str) -> String {
    taut_app::effect_name(id).unwrap_or_else(|| id.to_owned())
}
