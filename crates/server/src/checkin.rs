//! Check-in link routes: a clinician creates a patient's link (the token is in this answer only), revokes an
//! unused one, lists the patient-reported check-ins waiting for review and marks one reviewed. The patient's
//! side is a web page (`/checkin/{token}`, in `crate::web`). Handlers parse and call one `App` operation each.

use std::sync::Arc;

use axum::Json;
use axum::extract::State as Shared;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::State;
use crate::error::ApiError;
use crate::extract::{ApiJson, Authed, Id};

type Result<T> = std::result::Result<T, ApiError>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// How many days the link stays valid: 1 to 30, 7 when absent.
    #[serde(default)]
    days: Option<u32>,
}

#[utoipa::path(
    post,
    path = "/patients/{id}/checkin-links",
    context_path = "/api/v1",
    tag = "check-in",
    description = "Creates a private check-in link for the patient, valid for `days` (default 7, at most 30) and for one report. The token appears in this answer only; the patient opens `path` on this server.",
    params(("id" = String, Path, description = "Patient id")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "{\"days\": 1-30} (optional; {} for the default)"),
    responses((status = 201, description = "The link: id, patient_id, token, path, expires_at", body = serde_json::Value), (status = 404, description = "No patient with that id", body = crate::openapi::ErrorBody))
)]
pub async fn create_link(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
    ApiJson(input): ApiJson<NewLink>,
) -> Result<Response> {
    let link = state.app.create_checkin_link(&actor, &id, input.days).await?;
    Ok((StatusCode::CREATED, Json(link)).into_response())
}

#[utoipa::path(
    post,
    path = "/checkin-links/{id}/revoke",
    context_path = "/api/v1",
    tag = "check-in",
    description = "Revokes an unused check-in link: it opens nothing from then on.",
    params(("id" = String, Path, description = "Check-in link id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No check-in link with that id", body = crate::openapi::ErrorBody), (status = 409, description = "The link is used or revoked already", body = crate::openapi::ErrorBody))
)]
pub async fn revoke_link(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    state.app.revoke_checkin_link(&actor, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    get,
    path = "/checkin-reports",
    context_path = "/api/v1",
    tag = "check-in",
    description = "The patient-reported check-ins waiting for review, oldest first (at most 200; audited with the patients returned).",
    responses((status = 200, description = "{items}", body = crate::openapi::Items))
)]
pub async fn reviews(Shared(state): Shared<Arc<State>>, Authed(actor): Authed) -> Result<Response> {
    Ok(Json(json!({"items": state.app.checkin_reviews(&actor).await?})).into_response())
}

#[utoipa::path(
    post,
    path = "/checkin-reports/{id}/review",
    context_path = "/api/v1",
    tag = "check-in",
    description = "Marks a patient-reported check-in reviewed (it stays patient-reported).",
    params(("id" = String, Path, description = "Check-in report id")),
    responses((status = 200, description = "The report, reviewed", body = serde_json::Value), (status = 404, description = "No check-in report with that id", body = crate::openapi::ErrorBody), (status = 409, description = "Reviewed already", body = crate::openapi::ErrorBody))
)]
pub async fn review(Shared(state): Shared<Arc<State>>, Authed(actor): Authed, Id(id): Id) -> Result<Response> {
    Ok(Json(state.app.review_checkin(&actor, &id).await?).into_response())
}
