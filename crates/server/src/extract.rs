//! Request extractors: the authenticated actor, JSON bodies, path ids and query strings with JSON errors, and
//! `If-Match` versions. Control characters are refused here for every body, id and query, so no NUL reaches a
//! database (PostgreSQL refuses it in text and would fail the request) and both engines answer alike: 422.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, IF_MATCH};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use taut_app::Actor;

use crate::State;
use crate::error::ApiError;

/// The user behind the request's bearer token.
pub struct Authed(pub Actor);

impl FromRequestParts<Arc<State>> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<State>) -> Result<Authed, ApiError> {
        let missing = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "send Authorization: Bearer TOKEN",
            )
        };
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(missing)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(missing)?;
        Ok(Authed(state.app.authenticate(token).await?))
    }
}

/// A JSON body whose rejection is a JSON error naming the problem and, where it can, the field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<ApiJson<T>, ApiError> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        if has_control_character(&bytes) {
            return Err(control_character_error(&bytes));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(&mut deserializer) {
            Ok(value) => Ok(ApiJson(value)),
            Err(e) => {
                let path = e.path().to_string();
                // serde_path_to_error writes "." for the root and "?" when the position is unknown.
                let field = (path != "." && path != "?").then_some(path);
                Err(ApiError::invalid(
                    field.as_deref(),
                    format!("invalid JSON body: {}", e.inner()),
                ))
            }
        }
    }
}

/// Why a body could not be read: too large (413), not sent in time (408), or cut off (400).
fn body_error(rejection: axum::extract::rejection::BytesRejection) -> ApiError {
    let mut source: Option<&dyn std::error::Error> = Some(&rejection);
    while let Some(error) = source {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                "the request body was not sent in time",
            );
        }
        source = error.source();
    }
    let status = rejection.status();
    let (code, _) = crate::error::describe(status);
    ApiError::new(status, code, rejection.body_text())
}

/// Whether a JSON text holds a control character other than tab, line feed and carriage return in a string,
/// escaped (`\u0000`, `\b`, `\f`) or raw (DEL, C1). Raw C0 characters are already invalid JSON.
pub fn has_control_character(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        match json[i] {
            b'\\' => {
                match json.get(i + 1) {
                    Some(b'b' | b'f') => return true,
                    Some(b'u') => {
                        let code = json
                            .get(i + 2..i + 6)
                            .and_then(|hex| std::str::from_utf8(hex).ok())
                            .and_then(|hex| u32::from_str_radix(hex, 16).ok());
                        if code.and_then(char::from_u32).is_some_and(forbidden) {
                            return true;
                        }
                    }
                    _ => {}
                }
                i += 2;
            }
            0x7f => return true,
            0xc2 if json.get(i + 1).is_some_and(|b| (0x80..=0x9f).contains(b)) => return true,
            _ => i += 1,
        }
    }
    false
}

/// A control character other than the three whitespace ones free text may hold.
pub fn forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Names the first string (or key) holding a control character; only called once one was found.
fn control_character_error(json: &[u8]) -> ApiError {
    fn find(value: &serde_json::Value, path: &str) -> Option<String> {
        match value {
            serde_json::Value::String(s) => s.chars().any(forbidden).then(|| path.to_owned()),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| find(v, &format!("{path}[{i}]"))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k.chars().any(forbidden) {
                    Some(here)
                } else {
                    find(v, &here)
                }
            }),
            _ => None,
        }
    }
    let field = serde_json::from_slice::<serde_json::Value>(json)
        .ok()
        .and_then(|value| find(&value, ""))
        .filter(|path| !path.is_empty());
    ApiError::invalid(
        field.as_deref(),
        "contains a control character (NUL, backspace, escape…); only tab and line breaks are allowed in text",
    )
}

/// A record id from the path (`/patients/{id}`): refused with 422 when it holds control characters or is
/// longer than any id Taut issues, before it reaches a database.
pub struct Id(pub String);

/// Longer than every id Taut issues (UUIDs are 36 characters).
const MAX_ID_CHARS: usize = 64;

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Id, ApiError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad-request", e.body_text()))?;
        if id.chars().any(char::is_control) {
            return Err(ApiError::invalid(Some("id"), "an id holds no control characters"));
        }
        if id.chars().count() > MAX_ID_CHARS {
            return Err(ApiError::invalid(
                Some("id"),
                format!("an id is at most {MAX_ID_CHARS} characters"),
            ));
        }
        Ok(Id(id))
    }
}

/// The version in an `If-Match` header (`"3"`, `W/"3"` or `3`), if any.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    let bare = text.trim_start_matches("W/").trim_matches('"');
    bare.parse::<i64>().map(Some).map_err(|_| {
        ApiError::invalid(
            Some("If-Match"),
            format!("'{text}' is not a record version such as \"3\""),
        )
    })
}

/// Longest query value: a search term (a name or an MRN) is far shorter.
const MAX_QUERY_VALUE_CHARS: usize = 200;

/// Query parameters whose rejection is a 422 JSON error.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<ApiQuery<T>, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|e| ApiError::invalid(None, format!("invalid query string: {e}")))?;
        for (name, value) in &pairs {
            if name.chars().chain(value.chars()).any(char::is_control) {
                return Err(ApiError::invalid(Some(name), "holds a control character"));
            }
            if value.chars().count() > MAX_QUERY_VALUE_CHARS {
                return Err(ApiError::invalid(
                    Some(name),
                    format!("longer than {MAX_QUERY_VALUE_CHARS} characters"),
                ));
            }
        }
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|e| ApiError::invalid(None, format!("invalid query string: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_escaped_or_raw() {
        let cases: &[(&str, bool)] = &[
            (r#"{"a": "plain text"}"#, false),
            (r#"{"a": "line\nbreak\ttab\r"}"#, false),
            (r#"{"a": "caf\u00e9 \u2603"}"#, false),
            (r#"{"a": "nul\u0000"}"#, true),
            (r#"{"a": "esc\u001B"}"#, true),
            (r#"{"a": "bell\u0007"}"#, true),
            (r#"{"a": "back\bspace"}"#, true),
            (r#"{"a": "form\ffeed"}"#, true),
            (r#"{"a": "del\u007f"}"#, true),
            (r#"{"a": "c1\u0085"}"#, true),
            // An escaped backslash followed by the text "u0000" is no control character.
            (r#"{"a": "path\\u0000"}"#, false),
            ("{\"a\": \"raw del \u{7f}\"}", true),
            ("{\"a\": \"raw c1 \u{85}\"}", true),
            ("{\"a\": \"raw \u{e9}\"}", false),
        ];
        for (json, expected) in cases {
            assert_eq!(has_control_character(json.as_bytes()), *expected, "{json}");
        }
    }

    #[tokio::test]
    async fn the_error_names_the_field_that_holds_it() {
        let cases: &[(&[u8], serde_json::Value)] = &[
            (
                br#"{"ok": "x", "marks": [{"quality": "a\u0000"}]}"#,
                "marks[0].quality".into(),
            ),
            (br#"{"a\u0000": 1}"#, "a\u{0}".into()),
            (br#"["x", "\u0007"]"#, "[1]".into()),
            (br#""\u0007""#, serde_json::Value::Null),
        ];
        for (json, field) in cases {
            let response = axum::response::IntoResponse::into_response(control_character_error(json));
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
            let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
            assert_eq!(&body["error"]["field"], field);
        }
    }
}
