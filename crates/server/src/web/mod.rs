//! The web application: server-rendered pages on the same port as the API, for clinicians in a browser.
//!
//! Pages call the same `taut-app` operations as the API (which check roles and audit); handlers only parse
//! and render. Sessions live in an HttpOnly, SameSite=Lax cookie backed by the database; every state-changing
//! request passes the CSRF layer (Fetch metadata and Origin, `tower_http::csrf`); every page carries a
//! Content-Security-Policy that allows only the project's own script and style files.

pub mod bodymap;
mod charts;
mod checkin;
mod geometry;
mod pages;
mod plan;
mod session;
mod treatment;
mod visit;

use std::sync::Arc;

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::csrf::CsrfLayer;

use crate::State;

/// Web settings a deployment chooses.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark the session cookie `Secure` (send it over HTTPS only): set it whenever users reach the server
    /// through TLS, directly or behind a proxy.
    pub secure_cookies: bool,
}

/// No inline script or style anywhere: scripts and styles come from `/assets/` only.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/", get(pages::home))
        .route("/signin", get(pages::signin_form).post(pages::signin))
        .route("/signout", post(pages::signout))
        .route("/setup", get(pages::setup_form).post(pages::setup))
        .route("/atlas", get(pages::atlas_search))
        .route("/atlas/{muscle}", get(pages::muscle))
        .route("/map", get(pages::map))
        .route("/patients", get(pages::patients))
        .route("/patients/{id}", get(pages::patient))
        .route("/patients/{id}/scores", post(treatment::record_score))
        .route("/patients/{id}/selfcare", get(treatment::self_care))
        .route("/encounters/{id}/procedures/new", get(treatment::new_procedure))
        .route("/encounters/{id}/procedures", post(treatment::create_procedure))
        .route("/procedures/{id}", get(treatment::procedure))
        .route("/plans/{id}/print", get(treatment::plan_print))
        .route("/procedures/{id}/side-effects", post(treatment::record_event))
        .route("/side-effects/{id}", post(treatment::update_event))
        .route("/followups/{id}/complete", post(treatment::complete_followup))
        .route("/patients/{id}/visits", post(visit::new_visit))
        .route("/patients/{id}/visits/{visit}", get(visit::visit))
        .route("/patients/{id}/visits/{visit}/drawing", post(visit::save_drawing))
        .route(
            "/patients/{id}/visits/{visit}/differential",
            post(visit::differential_fragment),
        )
        .route("/patients/{id}/visits/{visit}/classify", post(visit::classify_fragment))
        .route("/patients/{id}/visits/{visit}/findings", post(visit::save_finding))
        .route("/patients/{id}/visits/{visit}/plans", post(plan::create))
        .route("/patients/{id}/visits/{visit}/plan-check", post(plan::check_fragment))
        .route("/plans/{id}", get(plan::show).post(plan::update))
        .route("/plans/{id}/sign", post(plan::sign))
        .route("/patients/{id}/checkin-links", post(checkin::create))
        .route("/checkin-links/{id}/revoke", post(checkin::revoke))
        .route("/checkin-reports/{id}/review", post(checkin::review))
        .route("/checkins", get(checkin::reviews))
        .route("/checkin/{token}", get(checkin::open).post(checkin::submit))
        .route("/assets/{file}", get(asset))
        .layer(CsrfLayer::new())
        .layer(map_response(security_headers))
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    // The set-up link carries its token in the query: never send a page's address elsewhere.
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // Pages hold patient data: not to be kept by the browser or any proxy.
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The project's own static files, compiled in.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/app.css"),
    ),
    (
        "clinical.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/clinical.css"),
    ),
    (
        "print.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/print.js"),
    ),
    (
        "bodymap.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/bodymap.js"),
    ),
    (
        "visit.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/visit.js"),
    ),
    (
        "visit.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/visit.css"),
    ),
    (
        "checkin.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/checkin.js"),
    ),
];

async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => (
            [
                (CONTENT_TYPE, HeaderValue::from_static(mime)),
                (CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
            ],
            *body,
        )
            .into_response(),
        None => pages::error_page(StatusCode::NOT_FOUND, "No such file."),
    }
}
