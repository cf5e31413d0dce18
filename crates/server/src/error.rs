//! API errors: a status code and `{"error": {"code", "message", "field"}}`, for every error the server sends.

use axum::Json;
use axum::http::StatusCode;
use axum::http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use taut_app::AppError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
    field: Option<&'a str>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn invalid(field: Option<&str>, message: impl Into<String>) -> ApiError {
        ApiError {
            field: field.map(str::to_owned),
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
        }
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", format!("{what} not found"))
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        match e {
            AppError::Unauthenticated(m) => ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", m),
            AppError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            AppError::NotFound(what) => ApiError::not_found(&what),
            AppError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            AppError::VersionRequired(m) => ApiError::new(StatusCode::PRECONDITION_REQUIRED, "version-required", m),
            AppError::Invalid(invalid) => ApiError::invalid(Some(&invalid.field), invalid.message),
            AppError::OverrideRequired(m) => ApiError {
                field: Some("override_reason".into()),
                ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "override-required", m)
            },
            AppError::Throttled(m) => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", m),
            AppError::Store(cause) if cause.is_transient() => {
                tracing::warn!(error = %cause, "records database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the records database is unreachable or busy; try again shortly",
                )
            }
            AppError::Reference(cause) => {
                tracing::error!(error = %cause, "compiled-in reference data does not load");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error: reference data",
                )
            }
            AppError::Store(cause) => {
                // A bug, not a condition to retry: the log keeps the cause under an id the client can quote (the
                // cause names no patient data); the client gets no internals.
                let error_id = uuid::Uuid::now_v7();
                tracing::error!(%error_id, error = %cause, "store failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    format!("internal error {error_id}; the clinic's administrator can find it in the server log"),
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Detail {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// The error code and a default message for a status, used when a layer below the handlers (body limit,
/// timeout, router fallback, extractor) answered in plain text or with no body at all.
pub fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("bad-request", "the request is malformed"),
        401 => ("unauthenticated", "send Authorization: Bearer TOKEN"),
        403 => ("forbidden", "this user may not do that"),
        404 => ("not-found", "route not found"),
        405 => ("method-not-allowed", "this route does not take that method"),
        408 => ("timeout", "the request took too long; send it again"),
        409 => ("conflict", "the record changed meanwhile; read it again"),
        413 => ("too-large", "the request body is too large"),
        414 => ("uri-too-long", "the request URI is too long"),
        415 => (
            "unsupported-media-type",
            "send the body as JSON with Content-Type: application/json",
        ),
        422 => ("invalid", "the request is not valid"),
        428 => ("version-required", "send the version the edit is based on (If-Match)"),
        429 => ("too-many-requests", "too many requests; try again shortly"),
        431 => ("headers-too-large", "the request headers are too large"),
        500 => ("internal", "internal error"),
        503 => ("unavailable", "the service is unavailable; try again"),
        _ if status.is_server_error() => ("internal", "internal error"),
        _ => ("error", "the request failed"),
    }
}

/// Rewrites an error answer that is neither JSON nor a web page (axum's and tower-http's plain-text rejections, an empty 408 or
/// 413) into the API's error shape, keeping its status and the headers a client acts on.
pub async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let (code, default) = describe(status);
    // Rejection texts are short ("Failed to parse the request body…"); anything longer is not a message.
    let text = axum::body::to_bytes(body, 2048)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() { default.to_owned() } else { text };
    let mut fresh = ApiError::new(status, code, message).into_response();
    for name in [ALLOW, RETRY_AFTER, WWW_AUTHENTICATE] {
        if let Some(value) = parts.headers.get(&name) {
            fresh.headers_mut().insert(name, value.clone());
        }
    }
    fresh
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
        serde_json::from_slice(&bytes).expect("JSON")
    }

    /// Every status the API may answer, bare as a layer would send it, comes out in the error shape.
    #[tokio::test]
    async fn bare_errors_become_the_json_shape() {
        let cases = [
            (400, "bad-request"),
            (401, "unauthenticated"),
            (403, "forbidden"),
            (404, "not-found"),
            (405, "method-not-allowed"),
            (408, "timeout"),
            (409, "conflict"),
            (413, "too-large"),
            (414, "uri-too-long"),
            (415, "unsupported-media-type"),
            (422, "invalid"),
            (428, "version-required"),
            (429, "too-many-requests"),
            (431, "headers-too-large"),
            (500, "internal"),
            (503, "unavailable"),
        ];
        for (code, name) in cases {
            let status = StatusCode::from_u16(code).expect("status");
            let mut bare = Response::new(axum::body::Body::empty());
            *bare.status_mut() = status;
            bare.headers_mut().insert(RETRY_AFTER, "1".parse().expect("header"));
            let fixed = json_errors(bare).await;
            assert_eq!(fixed.status(), status);
            assert_eq!(fixed.headers().get(RETRY_AFTER).map(|v| v.as_bytes()), Some(&b"1"[..]));
            let body = body_of(fixed).await;
            assert_eq!(body["error"]["code"], name, "{code}");
            assert!(
                body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{code}"
            );
            assert!(body["error"]["field"].is_null(), "{code}");
        }
    }

    #[tokio::test]
    async fn plain_text_rejections_keep_their_message_and_json_passes_through() {
        let text = (StatusCode::BAD_REQUEST, "Invalid URL: bad percent-encoding").into_response();
        let body = body_of(json_errors(text).await).await;
        assert_eq!(body["error"]["message"], "Invalid URL: bad percent-encoding");
        let json = ApiError::invalid(Some("mrn"), "must not be empty").into_response();
        let body = body_of(json_errors(json).await).await;
        assert_eq!(body["error"]["field"], "mrn");
        let ok = (StatusCode::OK, "fine").into_response();
        assert_eq!(json_errors(ok).await.status(), StatusCode::OK);
    }
}
