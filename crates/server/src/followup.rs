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

pub async fn list_adverse_events(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
) -> Result<Response> {
    Ok(Json(json!({"items": state.app.adverse_events(&actor, &id).await?})).into_response())
}

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

pub async fn complete_followup(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    ApiJson(body): ApiJson<CompleteBody>,
) -> Result<Response> {
    Ok(Json(state.app.complete_followup(&actor, &id, &body.encounter_id).await?).into_response())
}

pub async fn outcome_summary(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    Ok(Json(state.app.outcome_summary(&actor, &id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    from: String,
    to: String,
}

pub async fn outcome_report(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response> {
    let (from, to) = (parse_day("from", &query.from)?, parse_day("to", &query.to)?);
    Ok(Json(state.app.outcome_report(&actor, from, to).await?).into_response())
}
