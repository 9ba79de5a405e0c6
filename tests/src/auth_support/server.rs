//! A fake Clerk for authentication tests: `GET /jwks` answers the JWKS of the instance whose
//! secret key authorizes the request, and the verify endpoints answer for known machine tokens.

use super::http::reply;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One instance as the fake knows it.
#[derive(Debug, Clone, Default)]
pub struct Instance {
    /// The instance's JWKS keys.
    pub keys: Vec<Value>,
}

/// A machine token the fake recognises, and what `POST .../verify` answers for it.
#[derive(Debug, Clone)]
pub struct MachineToken {
    pub status: u16,
    pub body: Value,
}

#[derive(Debug, Default)]
struct Shared {
    /// By secret key.
    instances: Mutex<HashMap<String, Instance>>,
    /// By token.
    machine: Mutex<HashMap<String, MachineToken>>,
    jwks_fetches: AtomicU64,
    verify_calls: AtomicU64,
    jwks_delay: Mutex<Duration>,
    /// Canned answers by method and path, and the requests they got (path and query, body).
    routes: Mutex<HashMap<(String, String), MachineToken>>,
    received: Mutex<Vec<(String, Value)>>,
}

/// A running fake, stopped when dropped.
#[derive(Debug)]
pub struct AuthServer {
    pub base_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl AuthServer {
    pub async fn start() -> AuthServer {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind 127.0.0.1");
        let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let shared = Arc::new(Shared::default());
        let handler = Arc::clone(&shared);
        let task = tokio::spawn(fake_clerk::stub::serve_connections(listener, move |request| {
            let shared = Arc::clone(&handler);
            async move { Ok::<_, std::convert::Infallible>(handle(shared, request).await) }
        }));
        AuthServer { base_url, shared, task }
    }

    /// Serves `instance` to requests authorized by `secret_key`.
    pub fn instance(&self, secret_key: &str, instance: Instance) {
        self.shared.instances.lock().expect("lock").insert(format!("Bearer {secret_key}"), instance);
    }

    pub fn machine_token(&self, token: &str, answer: MachineToken) {
        self.shared.machine.lock().expect("lock").insert(token.to_owned(), answer);
    }

    /// Answers `method path` (any query) with `answer`.
    pub fn route(&self, method: &str, path: &str, answer: MachineToken) {
        self.shared.routes.lock().expect("lock").insert((method.to_owned(), path.to_owned()), answer);
    }

    /// The requests the canned routes got: path with query, and the JSON body.
    pub fn received(&self) -> Vec<(String, Value)> {
        self.shared.received.lock().expect("lock").clone()
    }

    /// Delays every JWKS answer (to pile concurrent requests up on a cold cache).
    pub fn delay_jwks(&self, delay: Duration) {
        *self.shared.jwks_delay.lock().expect("lock") = delay;
    }

    pub fn jwks_fetches(&self) -> u64 {
        self.shared.jwks_fetches.load(Ordering::SeqCst)
    }

    pub fn verify_calls(&self) -> u64 {
        self.shared.verify_calls.load(Ordering::SeqCst)
    }
}

impl Drop for AuthServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(shared: Arc<Shared>, request: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let secret = request.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let path = request.uri().path().to_owned();
    let path_and_query = request.uri().path_and_query().map_or(path.clone(), |p| p.as_str().to_owned());
    let method = request.method().clone();
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let instance = shared.instances.lock().expect("lock").get(&secret).cloned();
    let Some(instance) = instance else {
        return reply(
            401,
            &json!({ "errors": [{ "code": "authentication_invalid", "message": "unknown secret key" }] }),
        );
    };
    match (method.as_str(), path.as_str()) {
        ("GET", "/jwks") => {
            shared.jwks_fetches.fetch_add(1, Ordering::SeqCst);
            let delay = *shared.jwks_delay.lock().expect("lock");
            tokio::time::sleep(delay).await;
            reply(200, &json!({ "keys": instance.keys }))
        }
        ("POST", "/api_keys/verify" | "/m2m_tokens/verify" | "/oauth_applications/access_tokens/verify") => {
            shared.verify_calls.fetch_add(1, Ordering::SeqCst);
            let sent: Value = serde_json::from_slice(&body).unwrap_or_default();
            let token = ["secret", "token", "access_token"]
                .iter()
                .find_map(|k| sent.get(*k).and_then(Value::as_str))
                .unwrap_or("");
            match shared.machine.lock().expect("lock").get(token) {
                Some(answer) => reply(answer.status, &answer.body),
                None => reply(404, &json!({ "errors": [{ "code": "resource_not_found", "message": "not found" }] })),
            }
        }
        (method, path) => {
            let answer = shared.routes.lock().expect("lock").get(&(method.to_owned(), path.to_owned())).cloned();
            match answer {
                Some(answer) => {
                    shared
                        .received
                        .lock()
                        .expect("lock")
                        .push((path_and_query, serde_json::from_slice(&body).unwrap_or_default()));
                    reply(answer.status, &answer.body)
                }
                None => reply(404, &json!({ "errors": [{ "code": "resource_not_found", "message": "no route" }] })),
            }
        }
    }
}
