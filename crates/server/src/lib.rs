//! Taut's HTTP interface: a JSON API under `/api/v1` and `/healthz`. Handlers parse the request, call one
//! operation of `taut-app` and render its answer; they hold no business rules.

mod checkin;
mod error;
mod extract;
mod fhir;
mod followup;
mod limits;
mod openapi;
mod routes;
mod schemas;
mod serve;
mod sessions;
mod web;

use std::sync::Arc;

use axum::Router;
use taut_app::App;

pub use error::ApiError;
pub use limits::Limits;
pub use web::WebConfig;
pub use web::bodymap;

/// Shared by every request.
pub struct State {
    pub app: App,
    pub web: WebConfig,
}

/// The whole HTTP application, with the default [`Limits`].
pub fn router(app: App) -> Router {
    router_with(app, &Limits::default())
}

/// The whole HTTP application with the given request limits (body size, URI and header size, timeouts).
pub fn router_with(app: App, limits: &Limits) -> Router {
    router_full(app, limits, WebConfig::default())
}

/// The whole HTTP application (API and web pages) with the given limits and web settings.
pub fn router_full(app: App, limits: &Limits, web: WebConfig) -> Router {
    routes::routes(Arc::new(State { app, web }), limits)
}

/// Serves with the default [`Limits`] until Ctrl-C or SIGTERM, finishing the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, app: App) -> std::io::Result<()> {
    serve_with(listener, app, Limits::default()).await
}

/// Serves with the given [`Limits`] until Ctrl-C or SIGTERM, finishing the requests in flight.
pub async fn serve_with(listener: tokio::net::TcpListener, app: App, limits: Limits) -> std::io::Result<()> {
    let router = router_with(app, &limits);
    serve::run(listener, router, limits, shutdown()).await
}

/// Serves the API and the web pages with the given limits and web settings until Ctrl-C or SIGTERM.
pub async fn serve_full(
    listener: tokio::net::TcpListener,
    app: App,
    limits: Limits,
    web: WebConfig,
) -> std::io::Result<()> {
    let router = router_full(app, &limits, web);
    serve::run(listener, router, limits, shutdown()).await
}

/// Serves any router (a test's or a benchmark's) behind the same connection handling as the API.
pub async fn serve_router(listener: tokio::net::TcpListener, router: Router, limits: Limits) -> std::io::Result<()> {
    serve::run(listener, router, limits, shutdown()).await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
