//! Treatment-session routes: stored plans (create, read, edit with versions, sign, withdraw) and procedures.

use std::sync::Arc;

use axum::Json;
use axum::extract::State as Shared;
use axum::http::header::{ETAG, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use taut_app::{PlanRecord, PlanRequest, ProcedureInput, SignRequest};

use crate::State;
use crate::error::ApiError;
use crate::extract::{ApiJson, Authed, Id, if_match};

type Result<T> = std::result::Result<T, ApiError>;

/// A versioned record with its version as ETag, for the next `If-Match`.
fn versioned<T: Serialize>(status: StatusCode, record: &T, version: i64, location: Option<String>) -> Response {
    let mut response = (status, Json(record)).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(ETAG, value);
    }
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

fn plan(status: StatusCode, plan: &PlanRecord) -> Response {
    let location = (status == StatusCode::CREATED).then(|| format!("/api/v1/plans/{}", plan.id));
    versioned(status, plan, plan.version, location)
}

pub async fn create_plan(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    ApiJson(request): ApiJson<PlanRequest>,
) -> Result<Response> {
    Ok(plan(
        StatusCode::CREATED,
        &state.app.create_plan(&actor, &id, request).await?,
    ))
}

pub async fn read_plan(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    Ok(plan(StatusCode::OK, &state.app.plan(&actor, &id).await?))
}

pub async fn update_plan(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PlanRequest>,
) -> Result<Response> {
    let version = if_match(&headers)?;
    Ok(plan(
        StatusCode::OK,
        &state.app.update_plan(&actor, &id, request, version).await?,
    ))
}

pub async fn plan_history(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    Ok(Json(json!({"items": state.app.plan_history(&actor, &id).await?})).into_response())
}

pub async fn sign_plan(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SignRequest>,
) -> Result<Response> {
    let version = if_match(&headers)?;
    Ok(plan(
        StatusCode::OK,
        &state.app.sign_plan(&actor, &id, request, version).await?,
    ))
}

pub async fn withdraw_plan(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    headers: HeaderMap,
) -> Result<Response> {
    let version = if_match(&headers)?;
    Ok(plan(
        StatusCode::OK,
        &state.app.withdraw_plan(&actor, &id, version).await?,
    ))
}

pub async fn record_procedure(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    ApiJson(input): ApiJson<ProcedureInput>,
) -> Result<Response> {
    let detail = state.app.record_procedure(&actor, &id, input).await?;
    let location = format!("/api/v1/procedures/{}", detail.procedure.id);
    Ok(versioned(
        StatusCode::CREATED,
        &detail,
        detail.procedure.version,
        Some(location),
    ))
}

pub async fn read_procedure(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    let procedure = state.app.procedure(&actor, &id).await?;
    Ok(versioned(StatusCode::OK, &procedure, procedure.version, None))
}
