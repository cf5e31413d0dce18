//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' `#[utoipa::path]` annotations, and a
//! small browsable page of it. The document is a contract: `crates/server/tests/openapi.json` holds the
//! committed copy and a test fails when the generated one differs, so every change shows in review.
//!
//! Statuses every route can answer (authentication, permission, throttling, malformed requests, limits) are
//! added here once by [`CommonErrors`]; the annotations list what only some routes answer (404, 409, 428).

use std::fmt::Write as _;

use axum::Json;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

/// The error shape of every 4xx and 5xx answer (see `crate::error`).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)] // documents the shape `ApiError` writes; never built itself
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable code, a message for people, and the field at fault when there is one.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `invalid`, `not-found`, `conflict`, `unauthenticated`, …
    pub code: String,
    /// What to change, for a person.
    pub message: String,
    /// The request field (JSON path, query parameter or header) at fault, if one is.
    pub field: Option<String>,
}

/// A list answer: `{"items": [...]}` (histories, a patient's visits, the audit trail).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)] // documents the shape the handlers write with `json!`
pub struct Items {
    pub items: Vec<serde_json::Value>,
}

/// A page of a patient search: the items, the page size, and the `after` of the next page (`null` on the last).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct SearchPage {
    pub items: Vec<serde_json::Value>,
    pub limit: i64,
    pub next: Option<String>,
}

/// The stored marks of a pain drawing.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Marks {
    pub marks: Vec<serde_json::Value>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Taut API",
        description = "Trigger point therapy records and decision support. Every route needs \
            `Authorization: Bearer TOKEN` (`taut token create`). Errors are `{\"error\": {\"code\", \"message\", \
            \"field\"}}`. A path that exists answers 405 (with `Allow`) to a method it does not take; an unknown \
            path answers 404.",
        license(name = "Proprietary")
    ),
    paths(
        crate::routes::create_patient,
        crate::routes::search_patients,
        crate::routes::read_patient,
        crate::routes::update_patient,
        crate::routes::delete_patient,
        crate::routes::patient_history,
        crate::routes::create_encounter,
        crate::routes::list_encounters,
        crate::routes::add_outcome,
        crate::routes::timeline,
        crate::routes::add_pain_drawing,
        crate::routes::add_finding,
        crate::routes::encounter_differential,
        crate::routes::differential,
        crate::routes::check_plan,
        crate::sessions::create_plan,
        crate::sessions::read_plan,
        crate::sessions::update_plan,
        crate::sessions::plan_history,
        crate::sessions::sign_plan,
        crate::sessions::withdraw_plan,
        crate::sessions::record_procedure,
        crate::sessions::read_procedure,
        crate::sessions::amend_procedure,
        crate::followup::record_adverse_event,
        crate::followup::list_adverse_events,
        crate::followup::update_adverse_event,
        crate::followup::worklist,
        crate::followup::complete_followup,
        crate::followup::outcome_summary,
        crate::followup::record_adherence,
        crate::followup::outcome_report,
        crate::checkin::create_link,
        crate::checkin::revoke_link,
        crate::checkin::reviews,
        crate::checkin::review,
        crate::routes::audit_log,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth, &CommonErrors),
    security(("bearer" = [])),
    tags(
        (name = "patients", description = "Demographics, search, history"),
        (name = "encounters", description = "Visits, pain drawings, findings, outcomes, the timeline"),
        (name = "decision support", description = "The differential and the plan check"),
        (name = "plans", description = "Stored treatment plans and procedures"),
        (name = "follow-up", description = "Side effects, follow-up checks, outcomes"),
        (name = "check-in", description = "Patient check-in links and the patient-reported answers to review"),
        (name = "audit", description = "The sealed audit trail"),
    )
)]
pub struct ApiDoc;

/// The bearer token scheme: API tokens from `taut token create`, sent as `Authorization: Bearer TOKEN`.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `taut token create`; stored only as a hash"))
                    .build(),
            ),
        );
    }
}

/// Adds the error answers any `/api/v1` operation can give, each with the error shape.
struct CommonErrors;

/// Answered by every operation: the token, the role, the throttle, the request's form and size, the database.
const EVERY_OPERATION: &[(u16, &str)] = &[
    (
        400,
        "Malformed request: a path or query that cannot be decoded, or a body cut off",
    ),
    (
        401,
        "No bearer token, or one that is unknown, revoked or of a disabled user",
    ),
    (
        403,
        "The user's role does not grant this operation (the refusal is audited)",
    ),
    (408, "The request or its body took too long"),
    (414, "The request URI is too long"),
    (
        422,
        "Invalid input; `field` names the parameter or body field and the message the valid choices",
    ),
    (429, "Too many requests; try again later"),
    (431, "The request headers are too large"),
    (503, "The records database is unreachable or busy; try again shortly"),
];

/// Answered by operations that read a JSON body.
const WITH_BODY: &[(u16, &str)] = &[
    (413, "The request body is too large"),
    (415, "The body is not sent as `Content-Type: application/json`"),
];

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations: [&mut Option<Operation>; 4] =
                [&mut item.get, &mut item.post, &mut item.patch, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                let with_body = operation.request_body.is_some();
                let extra = EVERY_OPERATION.iter().chain(if with_body { WITH_BODY } else { &[] });
                for (status, description) in extra {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

/// An error answer with the error shape.
pub fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

/// The document, as served at `/api/v1/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// `GET /api/v1/openapi.json`: public, like the routes it describes (their answers need a token).
pub async fn openapi_json() -> Response {
    Json(document()).into_response()
}

/// `GET /api/v1/docs`: every operation with its parameters, body and answers, as one plain HTML page served by
/// Taut itself (no script, nothing fetched from elsewhere, so the content security policy holds).
pub async fn docs_page() -> Response {
    let html = render(&document());
    ([(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn render(doc: &utoipa::openapi::OpenApi) -> String {
    let doc = serde_json::to_value(doc).unwrap_or_default();
    let text = |value: &serde_json::Value| escape(value.as_str().unwrap_or(""));
    let mut out = String::new();
    let title = text(&doc["info"]["title"]);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
         <h1>{title} {}</h1><p>{}</p><p>The machine-readable document: \
         <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> (OpenAPI {}).</p>",
        text(&doc["info"]["version"]),
        text(&doc["info"]["description"]),
        text(&doc["openapi"]),
    );
    let Some(paths) = doc["paths"].as_object() else {
        return out;
    };
    for (path, item) in paths {
        let Some(operations) = item.as_object() else { continue };
        for (method, operation) in operations {
            let _ = write!(
                out,
                "<section><h2><code>{} {}</code></h2><p>{}</p>",
                escape(&method.to_uppercase()),
                escape(path),
                text(&operation["description"])
            );
            if let Some(parameters) = operation["parameters"].as_array() {
                out.push_str("<h3>Parameters</h3><ul>");
                for parameter in parameters {
                    let _ = write!(
                        out,
                        "<li><code>{}</code> (in {}{}) {}</li>",
                        text(&parameter["name"]),
                        text(&parameter["in"]),
                        if parameter["required"] == true {
                            ", required"
                        } else {
                            ""
                        },
                        text(&parameter["description"])
                    );
                }
                out.push_str("</ul>");
            }
            if operation.get("requestBody").is_some() {
                let _ = write!(
                    out,
                    "<h3>Body (application/json)</h3><p>{}</p>",
                    text(&operation["requestBody"]["description"])
                );
            }
            out.push_str("<h3>Answers</h3><ul>");
            for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                let _ = write!(
                    out,
                    "<li><code>{}</code> {}</li>",
                    escape(status),
                    text(&response["description"])
                );
            }
            out.push_str("</ul></section>");
        }
    }
    out.push_str("</body></html>");
    out
}
