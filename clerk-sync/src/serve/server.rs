//! The HTTP endpoint: `POST /webhooks` and `GET /healthz`, HTTP/1.1 over hyper.
//!
//! A delivery is answered only after the transaction holding it committed: 200 with what
//! became of it; 400 (nothing changed) for a bad signature, a stale timestamp or a body that
//! is not an event; 503 with `Retry-After` when the database did not commit, so Clerk (Svix)
//! delivers it again.

use super::committer::Committer;
use super::{event, Stats};
use crate::schema::Resource;
use bytes::Bytes;
use clerk_api::webhooks::Webhook;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, Request, Response, StatusCode};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Clerk's largest payloads (a user with many identities and metadata) are tens of KB.
const MAX_BODY: usize = 4 * 1024 * 1024;

pub(super) struct Endpoint {
    pub webhook: Webhook,
    pub resources: Vec<&'static Resource>,
    pub committer: Committer,
    pub stats: Arc<Stats>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").field("webhook", &self.webhook).finish_non_exhaustive()
    }
}

fn reply(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    response
}

fn refuse(endpoint: &Endpoint, code: &str, message: &str) -> Response<Full<Bytes>> {
    endpoint.stats.rejected.fetch_add(1, Ordering::Relaxed);
    reply(StatusCode::BAD_REQUEST, serde_json::json!({"error": code, "message": message}).to_string())
}

pub(super) async fn handle(endpoint: &Endpoint, request: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    match (request.method(), request.uri().path()) {
        (&Method::POST, "/webhooks") => webhook(endpoint, request).await,
        (&Method::GET, "/healthz") => {
            let status = if endpoint.stats.database_up.load(Ordering::Relaxed) {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            reply(status, endpoint.stats.to_json().to_string())
        }
        (_, "/webhooks" | "/healthz") => {
            reply(StatusCode::METHOD_NOT_ALLOWED, r#"{"error":"method-not-allowed"}"#.into())
        }
        _ => reply(StatusCode::NOT_FOUND, r#"{"error":"not-found"}"#.into()),
    }
}

async fn webhook(endpoint: &Endpoint, request: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    endpoint.stats.received.fetch_add(1, Ordering::Relaxed);
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return refuse(endpoint, "body", "the body could not be read or is larger than 4 MiB"),
    };
    // The raw bytes as received: a parsed and re-encoded body would not match its signature.
    let verified = match endpoint.webhook.verify_signature(&parts.headers, &body) {
        Ok(verified) => verified,
        Err(error) => return refuse(endpoint, error.code(), &error.to_string()),
    };
    let delivery = match event::read(verified.id, verified.timestamp, verified.body, &endpoint.resources) {
        Ok(delivery) => delivery,
        Err(message) => return refuse(endpoint, "invalid-payload", &message),
    };
    match endpoint.committer.submit(delivery).await {
        Ok(outcome) => reply(StatusCode::OK, format!(r#"{{"status":"{}"}}"#, outcome.as_str())),
        Err(message) => {
            let mut response = reply(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({"error": "not-committed", "message": message}).to_string(),
            );
            response.headers_mut().insert(hyper::header::RETRY_AFTER, hyper::header::HeaderValue::from_static("5"));
            response
        }
    }
}
