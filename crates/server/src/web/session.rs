//! The signed-in user behind a page request: the session cookie, looked up through the app.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method};
use axum::response::{IntoResponse, Redirect, Response};
use taut_app::{Actor, AppError};

use super::pages::{app_error_page, url_encode};
use crate::State;

pub const COOKIE_NAME: &str = "taut_session";

/// The session's user.
pub struct Viewer {
    pub actor: Actor,
}

/// The session token in a request's cookies, if any.
pub fn cookie_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 200 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// Where a sign-in attempt came from, for throttling: the peer's IP address.
pub fn client_key(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string())
}

impl FromRequestParts<Arc<State>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<State>) -> Result<Viewer, Response> {
        let to_sign_in = |parts: &Parts| {
            // Only a page read comes back after sign-in; a form sent with an ended session starts over.
            let next = if parts.method == Method::GET {
                parts.uri.path_and_query().map_or("/", |pq| pq.as_str()).to_owned()
            } else {
                "/".to_owned()
            };
            Redirect::to(&format!("/signin?next={}", url_encode(&next))).into_response()
        };
        let Some(token) = cookie_token(parts) else {
            return Err(to_sign_in(parts));
        };
        match state.app.session(&token).await {
            Ok(actor) => Ok(Viewer { actor }),
            Err(AppError::Unauthenticated(_)) => {
                let mut response = to_sign_in(parts);
                response.headers_mut().append(SET_COOKIE, clear_cookie(state));
                Err(response)
            }
            Err(other) => Err(app_error_page(other)),
        }
    }
}

fn secure(state: &State) -> &'static str {
    if state.web.secure_cookies { "; Secure" } else { "" }
}

/// The cookie that carries a new session, for as long as the session may live.
pub fn session_cookie(state: &State, token: &str, max_age_secs: u64) -> HeaderValue {
    let text = format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        secure(state)
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A cookie that removes the session cookie from the browser.
pub fn clear_cookie(state: &State) -> HeaderValue {
    let text = format!(
        "{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        secure(state)
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}
