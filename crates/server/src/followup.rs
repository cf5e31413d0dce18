//! Follow-up routes: adverse events against a procedure (edited with versions), the follow-up worklist and
//! completing a check, a patient's outcome summary and the clinic's outcome report. Handlers parse and call one
//! `App` operation each.

use std::sync::Arc;

use axum::Json;
use axum::extract::State as Shared;
use axum::http::header::{ETAG, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use taut_app::{AdverseEventDetail, AdverseEventInput, parse_day};

use crate::State;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Authed, Id, if_match};

type Result<T> = std::result::Result<T, ApiError>;

fn event(status: StatusCode, detail: &AdverseEventDetail) -> Response {
    let mut response = (status, Json(detail)).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", detail.event.version)) {
        response.headers_mut().insert(ETAG, value);
    }
    if status == StatusCode::CREATED
        && let Ok(value) = HeaderValue::from_str(&format!("/api/v1/adverse-events/{}", detail.event.id))
    {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

#[utoipa::path(
    post,
    path = "/procedures/{id}/adverse-events",
    context_path = "/api/v1",
    tag = "follow-up",
    description = "Records a side effect of a procedure; the answer flags it overdue (open past its catalog window) or serious.",
    params(("id" = String, Path, description = "Procedure id")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "AdverseEventInput: effect (catalog code), site, onset, severity, actions, resolved_on, notes"),
    responses((status = 201, description = "The adverse event with its flags", body = crate::schemas::AdverseEvent), (status = 404, description = "No procedure with that id", body = crate::openapi::ErrorBody))
)]
pub async fn record_adverse_event(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    ApiJson(input): ApiJson<AdverseEventInput>,
) -> Result<Response> {
    Ok(event(
        StatusCode::CREATED,
        &state.app.record_adverse_event(&actor, &id, input).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/procedures/{id}/adverse-events",
    context_path = "/api/v1",
    tag = "follow-up",
    description = "The side effects recorded for a procedure, with their flags (audited).",
    params(("id" = String, Path, description = "Procedure id")),
    responses((status = 200, description = "items: the adverse events with their flags", body = crate::schemas::AdverseEvents), (status = 404, description = "No procedure with that id", body = crate::openapi::ErrorBody))
)]
pub async fn list_adverse_events(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
) -> Result<Response> {
    Ok(Json(json!({"items": state.app.adverse_events(&actor, &id).await?})).into_response())
}

#[utoipa::path(
    patch,
    path = "/adverse-events/{id}",
    context_path = "/api/v1",
    tag = "follow-up",
    description = "Edits an adverse event at the version read (resolution, actions, severity).",
    params(("id" = String, Path, description = "Adverse event id"), ("If-Match" = Option<String>, Header, description = "The version the edit is based on, as its ETag")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "AdverseEventInput"),
    responses((status = 200, description = "The adverse event at its new version", body = crate::schemas::AdverseEvent), (status = 404, description = "No adverse event with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version", body = crate::openapi::ErrorBody), (status = 428, description = "No version given: send If-Match", body = crate::openapi::ErrorBody))
)]
pub async fn update_adverse_event(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(input): ApiJson<AdverseEventInput>,
) -> Result<Response> {
    let version = if_match(&headers)?;
    Ok(event(
        StatusCode::OK,
        &state.app.update_adverse_event(&actor, &id, input, version).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorklistQuery {
    /// `YYYY-MM-DD`; today when absent.
    due: Option<String>,
    /// `true` for every clinician's checks, not only the caller's.
    #[serde(default)]
    all: bool,
}

#[utoipa::path(
    get,
    path = "/followups",
    context_path = "/api/v1",
    tag = "follow-up",
    description = "The follow-up worklist: overdue, then due checks, and open adverse events that are overdue or serious.",
    params(("due" = Option<String>, Query, description = "YYYY-MM-DD; today when absent"), ("all" = Option<bool>, Query, description = "Every clinician's checks, not only the caller's")),
    responses((status = 200, description = "The worklist", body = serde_json::Value))
)]
pub async fn worklist(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    ApiQuery(query): ApiQuery<WorklistQuery>,
) -> Result<Response> {
    let due = query.due.as_deref().map(|d| parse_day("due", d)).transpose()?;
    Ok(Json(state.app.followups(&actor, due, query.all).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteBody {
    encounter_id: String,
}

#[utoipa::path(
    post,
    path = "/followups/{id}/complete",
    context_path = "/api/v1",
    tag = "follow-up",
    description = "Marks a follow-up check done by an encounter of the same patient.",
    params(("id" = String, Path, description = "Follow-up id")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "{\"encounter_id\"}"),
    responses((status = 200, description = "The completed check", body = serde_json::Value), (status = 404, description = "No follow-up with that id", body = crate::openapi::ErrorBody), (status = 409, description = "Completed already", body = crate::openapi::ErrorBody))
)]
pub async fn complete_followup(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    ApiJson(body): ApiJson<CompleteBody>,
) -> Result<Response> {
    Ok(Json(state.app.complete_followup(&actor, &id, &body.encounter_id).await?).into_response())
}

#[utoipa::path(
    get,
    path = "/patients/{id}/outcomes/summary",
    context_path = "/api/v1",
    tag = "follow-up",
    description = "Baseline and latest pain NRS, change, IMMPACT responders, pressure thresholds, sessions (audited).",
    params(("id" = String, Path, description = "Patient id")),
    responses((status = 200, description = "The summary", body = serde_json::Value), (status = 404, description = "No patient with that id", body = crate::openapi::ErrorBody))
)]
pub async fn outcome_summary(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    Ok(Json(state.app.outcome_summary(&actor, &id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    from: String,
    to: String,
}

#[utoipa::path(
    get,
    path = "/reports/outcomes",
    context_path = "/api/v1",
    tag = "follow-up",
    description = "Responder rates by protocol, agent and muscle over a date range.",
    params(("from" = String, Query, description = "YYYY-MM-DD"), ("to" = String, Query, description = "YYYY-MM-DD")),
    responses((status = 200, description = "The report", body = serde_json::Value))
)]
pub async fn outcome_report(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response> {
    let (from, to) = (parse_day("from", &query.from)?, parse_day("to", &query.to)?);
    Ok(Json(state.app.outcome_report(&actor, from, to).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/patients/{id}/adherence",
    context_path = "/api/v1",
    tag = "follow-up",
    description = "Records how much of the self-care programme the patient followed (a share of the days since the last report); shown beside the outcome summary.",
    params(("id" = String, Path, description = "Patient id")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "AdherenceInput: percent_of_days (0-100), recorded_on, procedure_id, notes"),
    responses((status = 201, description = "The adherence report", body = serde_json::Value), (status = 404, description = "No patient with that id", body = crate::openapi::ErrorBody))
)]
pub async fn record_adherence(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    ApiJson(input): ApiJson<taut_app::AdherenceInput>,
) -> Result<Response> {
    let record = state.app.record_adherence(&actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(record)).into_response())
}
