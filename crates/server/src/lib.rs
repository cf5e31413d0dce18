//! Taut's HTTP interface: a JSON API under `/api/v1` and `/healthz`. Handlers parse the request, call one
//! operation of `taut-app` and render its answer; they hold no business rules.

mod error;
mod extract;
mod routes;

use std::sync::Arc;

use axum::Router;
use taut_app::App;
use taut_core::differential::Ranker;

pub use error::ApiError;

/// Shared by every request.
pub struct State {
    pub app: App,
    pub ranker: Ranker<'static>,
}

/// The whole HTTP application.
pub fn router(app: App) -> Router {
    let ranker = Ranker::new(app.atlas());
    routes::routes(Arc::new(State { app, ranker }))
}

/// Serves until Ctrl-C or SIGTERM, finishing the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, app: App) -> std::io::Result<()> {
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown())
        .await
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
