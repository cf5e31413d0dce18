//! The limits that keep slow, hostile or runaway clients from holding the server: how long a client may take
//! to send its headers and its body, how large a request may be, and how many connections are served at once.

use std::time::Duration;

/// Request and connection limits. The defaults suit an API used by clinic workstations and scripts on a
/// local network; every limit answers with the JSON error shape (see [`crate::ApiError`]).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time a client has to send the request line and every header (also the idle time allowed between
    /// requests on a kept-alive connection); past it the connection is closed. Stops "slowloris" clients.
    pub header_read_timeout: Duration,
    /// Time a client has to send the whole body, counted from the start of the request: 408 after it, however
    /// steadily the bytes trickle in.
    pub body_read_timeout: Duration,
    /// Time a request may take in all, body and handler included: 408 after it.
    pub request_timeout: Duration,
    /// Connections served at once. One more is answered 503 at once and closed, so a flood of idle
    /// connections cannot exhaust file descriptors or memory.
    pub max_connections: usize,
    /// Largest request body (413 above it).
    pub max_body_bytes: usize,
    /// Longest request target, path and query (414 above it).
    pub max_uri_bytes: usize,
    /// Largest sum of header names and values (431 above it).
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(30),
            max_connections: 4096,
            max_body_bytes: 1024 * 1024,
            max_uri_bytes: 8 * 1024,
            max_header_bytes: 16 * 1024,
        }
    }
}
