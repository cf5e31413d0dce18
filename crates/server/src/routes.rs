//! The routes of `/api/v1` and `/healthz`.

use std::sync::Arc;

use axum::extract::{Request, State as Shared};
use axum::http::header::{ETAG, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn, map_response};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use taut_app::PatientRecord;
use taut_core::differential::DrawingInput;
use taut_core::plan::PlanInput;
use taut_core::records::{Demographics, DemographicsPatch, EncounterInput, FindingInput, OutcomeInput, PainMarkInput};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::{RequestBodyDeadlineLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

use crate::error::{ApiError, json_errors};
use crate::extract::{ApiJson, ApiQuery, Authed, Id, if_match};
use crate::{Limits, State};

type Result<T> = std::result::Result<T, ApiError>;

pub fn routes(state: Arc<State>, limits: &Limits) -> Router {
    let api = Router::new()
        .route("/patients", post(create_patient).get(search_patients))
        .route(
            "/patients/{id}",
            get(read_patient).patch(update_patient).delete(delete_patient),
        )
        .route("/patients/{id}/history", get(patient_history))
        .route("/patients/{id}/encounters", post(create_encounter).get(list_encounters))
        .route("/patients/{id}/outcomes", post(add_outcome))
        .route("/patients/{id}/timeline", get(timeline))
        .route("/encounters/{id}/pain-drawing", post(add_pain_drawing))
        .route("/encounters/{id}/findings", post(add_finding))
        .route("/encounters/{id}/differential", post(encounter_differential))
        .route("/differential", post(differential))
        .route("/plans/check", post(check_plan))
        .route("/encounters/{id}/plans", post(crate::sessions::create_plan))
        .route(
            "/plans/{id}",
            get(crate::sessions::read_plan).patch(crate::sessions::update_plan),
        )
        .route("/plans/{id}/history", get(crate::sessions::plan_history))
        .route("/plans/{id}/sign", post(crate::sessions::sign_plan))
        .route("/plans/{id}/withdraw", post(crate::sessions::withdraw_plan))
        .route("/encounters/{id}/procedures", post(crate::sessions::record_procedure))
        .route("/procedures/{id}", get(crate::sessions::read_procedure))
        .route("/procedures/{id}/amendments", post(crate::sessions::amend_procedure))
        .route(
            "/procedures/{id}/adverse-events",
            post(crate::followup::record_adverse_event).get(crate::followup::list_adverse_events),
        )
        .route("/adverse-events/{id}", patch(crate::followup::update_adverse_event))
        .route("/followups", get(crate::followup::worklist))
        .route("/followups/{id}/complete", post(crate::followup::complete_followup))
        .route("/patients/{id}/outcomes/summary", get(crate::followup::outcome_summary))
        .route("/patients/{id}/adherence", post(crate::followup::record_adherence))
        .route("/reports/outcomes", get(crate::followup::outcome_report))
        .route("/patients/{id}/checkin-links", post(crate::checkin::create_link))
        .route("/checkin-links/{id}/revoke", post(crate::checkin::revoke_link))
        .route("/checkin-reports", get(crate::checkin::reviews))
        .route("/checkin-reports/{id}/review", post(crate::checkin::review))
        .route("/audit", get(audit_log))
        .route("/openapi.json", get(crate::openapi::openapi_json))
        .route("/docs", get(crate::openapi::docs_page));
    let (max_uri, max_headers) = (limits.max_uri_bytes, limits.max_header_bytes);
    // Layers run outside in: the last added sees the request first. Every error any of them answers is turned
    // into the JSON error shape by `json_errors`, which only the panic catcher lies outside of (and it answers
    // JSON itself).
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api)
        .merge(crate::web::routes())
        .nest("/fhir/r4", crate::fhir::routes())
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "this route does not take that method")
        })
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        // A body trickled in a byte at a time must not hold a connection: a hard deadline for the whole body.
        .layer(RequestBodyDeadlineLayer::new(limits.body_read_timeout))
        // No request may hold a worker for long: a stuck client or an expensive request gets 408.
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request_timeout))
        .layer(from_fn(move |request: Request, next: Next| {
            request_size_guard(request, next, max_uri, max_headers)
        }))
        // Spans name the method and path only: query strings (`?q=` searches by patient name) never reach logs.
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
        .layer(map_response(json_errors))
        // Under /fhir/ an error is an OperationOutcome, whichever layer answered it.
        .layer(from_fn(crate::fhir::operation_outcomes))
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send + 'static>| {
            tracing::error!("a request handler panicked");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error").into_response()
        }))
        .with_state(state)
}

/// 414 for a request target longer than `max_uri` bytes, 431 for headers above `max_headers` bytes in all:
/// answered here, in JSON, well below the sizes at which hyper itself would refuse the request without a body.
async fn request_size_guard(request: Request, next: Next, max_uri: usize, max_headers: usize) -> Response {
    let uri_len = request.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_len > max_uri {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri-too-long",
            format!("the request URI is {uri_len} bytes; at most {max_uri} are accepted"),
        )
        .into_response();
    }
    let header_len: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if header_len > max_headers {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers-too-large",
            format!("the request headers are {header_len} bytes; at most {max_headers} are accepted"),
        )
        .into_response();
    }
    next.run(request).await
}

/// `200` with the store reachable, `503` otherwise: for load balancers.
async fn healthz(Shared(state): Shared<Arc<State>>) -> Response {
    if state.app.healthy().await {
        Json(json!({"status": "ok"})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "error": {
                "code": "unavailable", "message": "the records database does not answer", "field": null}})),
        )
            .into_response()
    }
}

/// A patient with its version as ETag, for the next `If-Match`.
fn with_etag(status: StatusCode, patient: &PatientRecord) -> Response {
    let mut response = (status, Json(patient)).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", patient.version)) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}

#[utoipa::path(
    post,
    path = "/patients",
    context_path = "/api/v1",
    tag = "patients",
    description = "Registers a patient. Answers the record with its version as ETag and its Location.",
    request_body(content = Demographics, content_type = "application/json", description = "Demographics: mrn, family and given names, birth_date (YYYY-MM-DD), sex"),
    responses((status = 201, description = "The patient", body = crate::schemas::Patient), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody))
)]
async fn create_patient(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    ApiJson(input): ApiJson<Demographics>,
) -> Result<Response> {
    let patient = state.app.create_patient(&actor, input).await?;
    let mut response = with_etag(StatusCode::CREATED, &patient);
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/patients/{}", patient.id)) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    limit: Option<i64>,
    /// The previous page's `next`.
    after: Option<String>,
}

#[utoipa::path(
    get,
    path = "/patients",
    context_path = "/api/v1",
    tag = "patients",
    description = "Searches patients by name or MRN, a page at a time (audited).",
    params(("q" = Option<String>, Query, description = "Name or MRN text"), ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "Page size (default 50)"), ("after" = Option<String>, Query, description = "The previous page's next")),
    responses((status = 200, description = "A page: items, limit, next", body = crate::openapi::SearchPage))
)]
async fn search_patients(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Response> {
    let limit = query.limit.unwrap_or(50);
    let page = state
        .app
        .search_patients(&actor, &query.q, limit, query.after.as_deref())
        .await?;
    Ok(Json(json!({"items": page.items, "limit": limit, "next": page.next})).into_response())
}

#[utoipa::path(
    get,
    path = "/patients/{id}",
    context_path = "/api/v1",
    tag = "patients",
    description = "Reads a patient (audited); the ETag is its version.",
    params(("id" = String, Path, description = "Patient id")),
    responses((status = 200, description = "The patient", body = crate::schemas::Patient), (status = 404, description = "No patient with that id", body = crate::openapi::ErrorBody))
)]
async fn read_patient(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    Ok(with_etag(StatusCode::OK, &state.app.patient(&actor, &id).await?))
}

#[utoipa::path(
    patch,
    path = "/patients/{id}",
    context_path = "/api/v1",
    tag = "patients",
    description = "Edits demographics at the version read (If-Match or the body's version).",
    params(("id" = String, Path, description = "Patient id"), ("If-Match" = Option<String>, Header, description = "The version the edit is based on, as its ETag")),
    request_body(content = DemographicsPatch, content_type = "application/json", description = "A partial edit of the demographics, with version"),
    responses((status = 200, description = "The patient at its new version", body = crate::schemas::Patient), (status = 404, description = "No patient with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody), (status = 428, description = "No version given: send If-Match (the ETag) or the body's version", body = crate::openapi::ErrorBody))
)]
async fn update_patient(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<DemographicsPatch>,
) -> Result<Response> {
    let version = if_match(&headers)?;
    Ok(with_etag(
        StatusCode::OK,
        &state.app.update_patient(&actor, &id, patch, version).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DeleteBody {
    reason: String,
    version: Option<i64>,
}

#[utoipa::path(
    delete,
    path = "/patients/{id}",
    context_path = "/api/v1",
    tag = "patients",
    description = "Deletes a patient with a reason at the version read; the history keeps it.",
    params(("id" = String, Path, description = "Patient id"), ("If-Match" = Option<String>, Header, description = "The version the edit is based on, as its ETag")),
    request_body(content = DeleteBody, content_type = "application/json", description = "reason, and version unless If-Match is sent"),
    responses((status = 200, description = "The deleted patient", body = crate::schemas::Patient), (status = 404, description = "No patient with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody), (status = 428, description = "No version given: send If-Match (the ETag) or the body's version", body = crate::openapi::ErrorBody))
)]
async fn delete_patient(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DeleteBody>,
) -> Result<Response> {
    let deleted = state
        .app
        .delete_patient(&actor, &id, &body.reason, if_match(&headers)?, body.version)
        .await?;
    Ok(with_etag(StatusCode::OK, &deleted))
}

#[utoipa::path(
    get,
    path = "/patients/{id}/history",
    context_path = "/api/v1",
    tag = "patients",
    description = "Every version of a patient's demographics (audited).",
    params(("id" = String, Path, description = "Patient id")),
    responses((status = 200, description = "items: the versions", body = crate::openapi::Items), (status = 404, description = "No patient with that id", body = crate::openapi::ErrorBody))
)]
async fn patient_history(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    Ok(Json(json!({"items": state.app.patient_history(&actor, &id).await?})).into_response())
}

#[utoipa::path(
    post,
    path = "/patients/{id}/encounters",
    context_path = "/api/v1",
    tag = "encounters",
    description = "Opens a visit for a patient.",
    params(("id" = String, Path, description = "Patient id")),
    request_body(content = EncounterInput, content_type = "application/json", description = "EncounterInput: kind, date, clinician notes"),
    responses((status = 201, description = "The encounter", body = crate::schemas::Encounter), (status = 404, description = "No patient with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody))
)]
async fn create_encounter(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    ApiJson(input): ApiJson<EncounterInput>,
) -> Result<Response> {
    let encounter = state.app.create_encounter(&actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(encounter)).into_response())
}

#[utoipa::path(
    get,
    path = "/patients/{id}/encounters",
    context_path = "/api/v1",
    tag = "encounters",
    description = "A patient's visits (audited).",
    params(("id" = String, Path, description = "Patient id")),
    responses((status = 200, description = "items: the encounters", body = crate::openapi::Items), (status = 404, description = "No patient with that id", body = crate::openapi::ErrorBody))
)]
async fn list_encounters(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    Ok(Json(json!({"items": state.app.encounters(&actor, &id).await?})).into_response())
}

/// The documented form of a pain drawing body (the bare list, or `regions` for `marks`, are accepted too).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documents the body `marks` reads
struct PainDrawingBody {
    marks: Vec<PainMarkInput>,
}

/// The marks of a pain drawing body: `{"marks": [...]}` (or `"regions"`), or the list itself.
fn marks(body: serde_json::Value) -> Result<Vec<PainMarkInput>> {
    let (list, prefix) = match body {
        serde_json::Value::Object(mut object) => {
            if object.len() > 1 {
                let keys: Vec<&String> = object.keys().collect();
                return Err(ApiError::invalid(
                    None,
                    format!("a pain drawing body has one field, \"marks\"; got {keys:?}"),
                ));
            }
            let key = if object.contains_key("marks") {
                "marks"
            } else {
                "regions"
            };
            let list = object.remove(key).ok_or_else(|| {
                ApiError::invalid(
                    Some("marks"),
                    "send {\"marks\": [{\"region\": \"temple:right\", \"intensity\": 7}]}",
                )
            })?;
            (list, key)
        }
        list => (list, "marks"),
    };
    serde_path_to_error::deserialize(list).map_err(|e| {
        let path = e.path().to_string();
        ApiError::invalid(
            Some(&format!("{prefix}{}", if path == "." { String::new() } else { path })),
            e.inner().to_string(),
        )
    })
}

#[utoipa::path(
    post,
    path = "/encounters/{id}/pain-drawing",
    context_path = "/api/v1",
    tag = "encounters",
    description = "Adds a pain drawing to a visit: marks of region and intensity 0-10.",
    params(("id" = String, Path, description = "Encounter id")),
    request_body(content = PainDrawingBody, content_type = "application/json", description = "{marks: [{region, intensity}]} or the list itself"),
    responses((status = 201, description = "marks: the stored marks", body = crate::openapi::Marks), (status = 404, description = "No encounter with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody))
)]
async fn add_pain_drawing(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response> {
    let marks = state.app.add_pain_drawing(&actor, &id, marks(body)?).await?;
    Ok((StatusCode::CREATED, Json(json!({"marks": marks}))).into_response())
}

#[utoipa::path(
    post,
    path = "/encounters/{id}/findings",
    context_path = "/api/v1",
    tag = "encounters",
    description = "Records a trigger point finding at a visit (muscle, side, signs).",
    params(("id" = String, Path, description = "Encounter id")),
    request_body(content = FindingInput, content_type = "application/json", description = "FindingInput: muscle, trigger point, side, signs"),
    responses((status = 201, description = "The finding", body = serde_json::Value), (status = 404, description = "No encounter with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody))
)]
async fn add_finding(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    ApiJson(input): ApiJson<FindingInput>,
) -> Result<Response> {
    let finding = state.app.add_finding(&actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(finding)).into_response())
}

#[utoipa::path(
    post,
    path = "/patients/{id}/outcomes",
    context_path = "/api/v1",
    tag = "encounters",
    description = "Records an outcome measure for a patient.",
    params(("id" = String, Path, description = "Patient id")),
    request_body(content = OutcomeInput, content_type = "application/json", description = "OutcomeInput: measure, value, date"),
    responses((status = 201, description = "The outcome", body = crate::schemas::Outcome), (status = 404, description = "No patient with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody))
)]
async fn add_outcome(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    ApiJson(input): ApiJson<OutcomeInput>,
) -> Result<Response> {
    let outcome = state.app.add_outcome(&actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(outcome)).into_response())
}

#[utoipa::path(
    get,
    path = "/patients/{id}/timeline",
    context_path = "/api/v1",
    tag = "encounters",
    description = "A patient's visits with their drawings, findings and outcomes, in order (audited).",
    params(("id" = String, Path, description = "Patient id")),
    responses((status = 200, description = "The timeline", body = serde_json::Value), (status = 404, description = "No patient with that id", body = crate::openapi::ErrorBody))
)]
async fn timeline(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    Ok(Json(state.app.timeline(&actor, &id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    patient: Option<String>,
    after: Option<i64>,
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/audit",
    context_path = "/api/v1",
    tag = "audit",
    description = "Reads the audit trail, optionally of one patient, after a sequence number (auditors and admins).",
    params(("patient" = Option<String>, Query, description = "Patient id"), ("after" = Option<i64>, Query, minimum = 0, description = "Sequence number to start after"), ("limit" = Option<i64>, Query, minimum = 1, maximum = 10000, description = "Page size (default 500)")),
    responses((status = 200, description = "items: the audit entries", body = crate::openapi::Items), (status = 404, description = "No patient with that id", body = crate::openapi::ErrorBody))
)]
async fn audit_log(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Response> {
    let items = state
        .app
        .audit_log(
            &actor,
            query.patient.as_deref(),
            query.after.unwrap_or(0),
            query.limit.unwrap_or(500),
        )
        .await?;
    Ok(Json(json!({"items": items})).into_response())
}

/// The differential on a drawing in the body (`DrawingInput`: regions, symptoms, findings, age, sex, top).
#[utoipa::path(
    post,
    path = "/differential",
    context_path = "/api/v1",
    tag = "decision support",
    description = "The ranked differential from a pain drawing in the body (no record is read or written).",
    request_body(content = DrawingInput, content_type = "application/json", description = "DrawingInput: regions, symptoms, findings, age, sex, top"),
    responses((status = 200, description = "The ranked differential with red flags", body = serde_json::Value))
)]
async fn differential(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    ApiJson(input): ApiJson<DrawingInput>,
) -> Result<Response> {
    Ok(Json(state.app.differential(&actor, &input).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EncounterDifferentialQuery {
    top: Option<i64>,
    /// Symptom qualifiers the patient reports, comma-separated (`new-headache,jaw-claudication`).
    symptoms: Option<String>,
}

/// The differential from a stored visit's pain drawing and findings, with the patient's age and sex (audited).
#[utoipa::path(
    post,
    path = "/encounters/{id}/differential",
    context_path = "/api/v1",
    tag = "decision support",
    description = "The ranked differential from a stored visit's drawing and findings (audited).",
    params(("id" = String, Path, description = "Encounter id"), ("top" = Option<i64>, Query, minimum = 1, description = "How many candidates"), ("symptoms" = Option<String>, Query, description = "Symptom qualifiers, comma-separated")),
    responses((status = 200, description = "The ranked differential with red flags", body = serde_json::Value), (status = 404, description = "No encounter with that id", body = crate::openapi::ErrorBody))
)]
async fn encounter_differential(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    ApiQuery(query): ApiQuery<EncounterDifferentialQuery>,
) -> Result<Response> {
    let ask = taut_app::VisitQuestion {
        symptoms: query
            .symptoms
            .iter()
            .flat_map(|list| list.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        top: query.top,
    };
    Ok(Json(state.app.encounter_differential(&actor, &id, ask).await?).into_response())
}

/// Checks a treatment plan (the `taut plan check` contract).
#[utoipa::path(
    post,
    path = "/plans/check",
    context_path = "/api/v1",
    tag = "decision support",
    description = "Checks a treatment plan against the dose limits and contraindications in the catalog.",
    request_body(content = PlanInput, content_type = "application/json", description = "PlanInput: items with agent, dose, site"),
    responses((status = 200, description = "The check: each item's verdict and reasons", body = serde_json::Value))
)]
async fn check_plan(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    ApiJson(input): ApiJson<PlanInput>,
) -> Result<Response> {
    Ok(Json(state.app.check_plan(&actor, &input).await?).into_response())
}
