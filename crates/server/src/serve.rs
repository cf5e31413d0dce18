//! The accept loop: HTTP/1.1 connections with a header read timeout, a cap on connections served at once, and
//! a graceful drain on shutdown. `axum::serve` has no header timeout and no connection cap, so a client
//! holding half a request could keep a connection (and a file descriptor) for as long as it liked.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::Limits;

/// How long shutdown waits for the requests in flight before it gives up on them.
const DRAIN: Duration = Duration::from_secs(30);

/// How long a refused connection is given to take its 503 before it is dropped.
const REFUSAL_GRACE: Duration = Duration::from_secs(1);

pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let refusal: Arc<[u8]> = refusal_response().into();
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => (stream, peer),
                Err(e) => {
                    // Out of file descriptors or a connection reset before accept: wait a little and go on,
                    // rather than spin or stop serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream, refusal.clone()));
            continue;
        };
        let _ = stream.set_nodelay(true);
        // The peer address travels with each request, for sign-in throttling per client.
        let service = tower::ServiceExt::map_request(router.clone(), move |mut request: axum::extract::Request<_>| {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            request
        });
        let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are the client's (reset, timed out, malformed); hyper has answered what it could.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(DRAIN) => tracing::warn!("shutdown: requests still in flight were dropped"),
    }
    Ok(())
}

/// 503 in the API's JSON error shape, written by hand: the connection is refused before any request is read.
fn refusal_response() -> Vec<u8> {
    let body = serde_json::json!({"error": {
        "code": "overloaded",
        "message": "the server is serving as many connections as it may; try again shortly",
        "field": null,
    }})
    .to_string();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Answers 503 and closes. The client's request is read (and ignored) for a moment after the answer, so the
/// close does not reset the connection before the client has read it.
async fn refuse(mut stream: TcpStream, response: Arc<[u8]>) {
    let _ = tokio::time::timeout(REFUSAL_GRACE, async {
        if stream.write_all(&response).await.is_ok() {
            let _ = stream.shutdown().await;
            let mut sink = [0u8; 4096];
            while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
        }
    })
    .await;
}
