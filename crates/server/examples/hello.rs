//! The baseline of `bench/run.sh`: axum's hello world served by plain `axum::serve`, so the API's figures can
//! be read as a share of what the same machine does with no application at all.
//!
//! `cargo run --release -p taut-server --example hello -- 127.0.0.1:18081 [hardened]`: with `hardened`, the same
//! hello world is served through Taut's own connection handling (`taut_server::serve_router`: header timeout,
//! connection cap), to show what that costs apart from the application.
//!
//! With `HELLO_ANSWER=FILE`, `POST /answer` reads the request body and answers the bytes of FILE as JSON: given
//! the differential's own answer, it is the fastest any implementation of the differential could be on this
//! machine (the same request and answer sizes, no authentication and no work), the ceiling its ratio is read
//! against.

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::routing::{get, post};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18081".to_owned());
    let mut app = axum::Router::new().route("/", get(|| async { "Hello, World!" }));
    if let Some(path) = std::env::var_os("HELLO_ANSWER") {
        let answer = Bytes::from(std::fs::read(path)?);
        app = app.route(
            "/answer",
            post(move |_request: Bytes| async move { ([(CONTENT_TYPE, "application/json")], answer) }),
        );
    }
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("hello serving on http://{}", listener.local_addr()?);
    if std::env::args().nth(2).as_deref() == Some("hardened") {
        return taut_server::serve_router(listener, app, taut_server::Limits::default()).await;
    }
    axum::serve(listener, app).await
}
