//! What the authentication tests' fake Backend APIs share: JSON answers. (Their accept loop is
//! `fake_clerk::stub::serve_connections`.)

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use serde_json::Value;

/// A JSON answer.
pub(crate) fn reply(status: u16, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_default()
}
