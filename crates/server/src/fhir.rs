//! The FHIR R4 endpoints under `/fhir/r4`: `GET /Patient/{id}/$everything` and `POST /` (a transaction Bundle).
//! Same bearer tokens as `/api/v1`; every answer, errors included, is a FHIR resource (`application/fhir+json`):
//! an error is an OperationOutcome whose issue names the problem and, for a refused bundle, its FHIRPath.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State as Shared};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use taut_fhir::OperationOutcome;

use crate::State;
use crate::error::ApiError;
use crate::extract::{Authed, Id};

pub const FHIR_JSON: &str = "application/fhir+json";

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/", post(transaction))
        .route("/Patient/{id}/$everything", get(everything))
}

fn fhir(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    response
}

async fn everything(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    Id(id): Id,
) -> Result<Response, ApiError> {
    let bundle = state.app.fhir_everything(&actor, &id).await?;
    Ok(fhir(StatusCode::OK, &bundle))
}

/// A transaction Bundle of patients and their records, imported all or nothing. The answer is a
/// `transaction-response` Bundle with one entry per patient created (`201 Created`, `Patient/{id}`).
async fn transaction(
    Shared(state): Shared<Arc<State>>,
    Authed(actor): Authed,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ids = state.app.import_fhir(&actor, &body, &["transaction"]).await?;
    let entry: Vec<Value> = ids
        .iter()
        .map(|id| json!({"response": {"status": "201 Created", "location": format!("Patient/{id}")}}))
        .collect();
    let mut answer = json!({"resourceType": "Bundle", "type": "transaction-response"});
    if !entry.is_empty() {
        answer["entry"] = Value::Array(entry);
    }
    Ok(fhir(StatusCode::OK, &answer))
}

/// The R4 `issue-type` code for an error status.
fn issue_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 422 => "invalid",
        401 => "login",
        403 => "forbidden",
        404 => "not-found",
        405 | 415 => "not-supported",
        408 => "timeout",
        409 | 428 => "conflict",
        413 | 414 | 431 => "too-costly",
        429 | 503 => "transient",
        _ => "exception",
    }
}

/// Rewrites every error answered under `/fhir/` (by a handler, an extractor or a layer) from the API's
/// `{"error": …}` shape into an OperationOutcome, keeping its status and headers.
pub async fn operation_outcomes(request: Request, next: Next) -> Response {
    let is_fhir = request.uri().path().starts_with("/fhir/");
    let response = next.run(request).await;
    let status = response.status();
    if !is_fhir || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let error: Value = axum::body::to_bytes(body, 64 * 1024)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let message = error
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or_else(|| crate::error::describe(status).1);
    let field = error.pointer("/error/field").and_then(Value::as_str).map(str::to_owned);
    let outcome = OperationOutcome::error(issue_code(status), message, field).to_json();
    let bytes = serde_json::to_vec(&outcome).unwrap_or_default();
    parts.headers.insert(CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
