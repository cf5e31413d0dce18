//! Treatment-session routes: stored plans (create, read, edit with versions, sign, withdraw) and procedures.

use std::sync::Arc;

use axum::Json;
use axum::extract::State as Shared;
use axum::http::header::{ETAG, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use taut_app::{AmendmentRequest, PlanRecord, PlanRequest, ProcedureInput, SignRequest};

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

#[utoipa::path(
    post,
    path = "/encounters/{id}/plans",
    context_path = "/api/v1",
    tag = "plans",
    description = "Stores a treatment plan for a visit as a draft; it is checked on the way in.",
    params(("id" = String, Path, description = "Encounter id")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "PlanRequest: the plan and any override reasons"),
    responses((status = 201, description = "The plan with its version as ETag", body = serde_json::Value), (status = 404, description = "No encounter with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody))
)]
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

#[utoipa::path(
    get,
    path = "/plans/{id}",
    context_path = "/api/v1",
    tag = "plans",
    description = "Reads a plan (audited).",
    params(("id" = String, Path, description = "Plan id")),
    responses((status = 200, description = "The plan", body = serde_json::Value), (status = 404, description = "No plan with that id", body = crate::openapi::ErrorBody))
)]
pub async fn read_plan(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    Ok(plan(StatusCode::OK, &state.app.plan(&actor, &id).await?))
}

#[utoipa::path(
    patch,
    path = "/plans/{id}",
    context_path = "/api/v1",
    tag = "plans",
    description = "Edits a draft plan at the version read.",
    params(("id" = String, Path, description = "Plan id"), ("If-Match" = Option<String>, Header, description = "The version the edit is based on, as its ETag")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "PlanRequest"),
    responses((status = 200, description = "The plan at its new version", body = serde_json::Value), (status = 404, description = "No plan with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody), (status = 428, description = "No version given: send If-Match (the ETag) or the body's version", body = crate::openapi::ErrorBody))
)]
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

#[utoipa::path(
    get,
    path = "/plans/{id}/history",
    context_path = "/api/v1",
    tag = "plans",
    description = "Every version of a plan (audited).",
    params(("id" = String, Path, description = "Plan id")),
    responses((status = 200, description = "items: the versions", body = crate::openapi::Items), (status = 404, description = "No plan with that id", body = crate::openapi::ErrorBody))
)]
pub async fn plan_history(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    Ok(Json(json!({"items": state.app.plan_history(&actor, &id).await?})).into_response())
}

#[utoipa::path(
    post,
    path = "/plans/{id}/sign",
    context_path = "/api/v1",
    tag = "plans",
    description = "Signs a draft plan at the version read.",
    params(("id" = String, Path, description = "Plan id"), ("If-Match" = Option<String>, Header, description = "The version the edit is based on, as its ETag")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "SignRequest"),
    responses((status = 200, description = "The signed plan", body = serde_json::Value), (status = 404, description = "No plan with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody), (status = 428, description = "No version given: send If-Match (the ETag) or the body's version", body = crate::openapi::ErrorBody))
)]
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

#[utoipa::path(
    post,
    path = "/plans/{id}/withdraw",
    context_path = "/api/v1",
    tag = "plans",
    description = "Withdraws a plan at the version read.",
    params(("id" = String, Path, description = "Plan id"), ("If-Match" = Option<String>, Header, description = "The version the edit is based on, as its ETag")),
    responses((status = 200, description = "The withdrawn plan", body = serde_json::Value), (status = 404, description = "No plan with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody), (status = 428, description = "No version given: send If-Match (the ETag) or the body's version", body = crate::openapi::ErrorBody))
)]
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

#[utoipa::path(
    post,
    path = "/encounters/{id}/procedures",
    context_path = "/api/v1",
    tag = "plans",
    description = "Records a procedure done at a visit, under a signed plan.",
    params(("id" = String, Path, description = "Encounter id")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "ProcedureInput"),
    responses((status = 201, description = "The procedure with its details", body = serde_json::Value), (status = 404, description = "No encounter with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody))
)]
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

#[utoipa::path(
    get,
    path = "/procedures/{id}",
    context_path = "/api/v1",
    tag = "plans",
    description = "Reads a procedure (audited).",
    params(("id" = String, Path, description = "Procedure id")),
    responses((status = 200, description = "The procedure", body = serde_json::Value), (status = 404, description = "No procedure with that id", body = crate::openapi::ErrorBody))
)]
pub async fn read_procedure(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    let procedure = state.app.procedure(&actor, &id).await?;
    Ok(versioned(StatusCode::OK, &procedure, procedure.version, None))
}

#[utoipa::path(
    post,
    path = "/procedures/{id}/amendments",
    context_path = "/api/v1",
    tag = "plans",
    description = "Corrects a recorded procedure by appending an amendment with its reason (audited); the recorded procedure is never edited. Raises its version.",
    params(("id" = String, Path, description = "Procedure id"), ("If-Match" = Option<String>, Header, description = "The version amended, as its ETag (the current one when absent)")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "AmendmentRequest: reason and correction (both required), optional version"),
    responses((status = 201, description = "The procedure with its amendments, its new version as ETag", body = serde_json::Value), (status = 404, description = "No procedure with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The record changed since that version, or conflicts with another record", body = crate::openapi::ErrorBody))
)]
pub async fn amend_procedure(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(request): ApiJson<AmendmentRequest>,
) -> Result<Response> {
    let version = if_match(&headers)?;
    let procedure = state.app.amend_procedure(&actor, &id, request, version).await?;
    Ok(versioned(StatusCode::CREATED, &procedure, procedure.version, None))
}
