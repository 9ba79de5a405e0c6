//! A Backend API that fails on demand, for the outage tests of request authentication: it
//! serves `GET /jwks` and the machine-token verify endpoints, and can switch to answering 500,
//! refusing connections (its listener closed, the port held by a socket that does not listen
//! until recovery, `fake_clerk::stub::Refused`), accepting and never answering, or answering
//! late. It counts what reaches it.

use super::http::reply;
use bytes::Bytes;
use fake_clerk::stub::{serve_connections, Refused};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// How the fake answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As Clerk does.
    Serve,
    /// `500 Internal Server Error` to everything.
    Fail500,
    /// No listener (the port held, not listening): connections are refused.
    Refuse,
    /// Connections are accepted and requests read, but never answered.
    Hang,
    /// Answers as Clerk does, this much later (on Tokio's clock, so a paused test clock
    /// advances through it).
    Slow(Duration),
}

#[derive(Debug)]
struct Shared {
    mode: Mutex<Mode>,
    keys: Mutex<Vec<Value>>,
    /// Verify answers by token: status and body; others get 404.
    machine: Mutex<HashMap<String, (u16, Value)>>,
    jwks_requests: AtomicU64,
    verify_requests: AtomicU64,
}

/// The failing fake; stopped when dropped.
#[derive(Debug)]
pub struct FlakyClerk {
    pub base_url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    accepting: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// While refusing: the port, held so that nothing else takes it.
    held: Mutex<Option<Refused>>,
}

impl FlakyClerk {
    /// Starts serving `keys` on a free port of 127.0.0.1.
    pub async fn start(keys: Vec<Value>) -> FlakyClerk {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Serve),
            keys: Mutex::new(keys),
            machine: Mutex::default(),
            jwks_requests: AtomicU64::new(0),
            verify_requests: AtomicU64::new(0),
        });
        let accepting = spawn_serving(listener, Arc::clone(&shared));
        FlakyClerk {
            base_url: format!("http://{addr}"),
            addr,
            shared,
            accepting: Mutex::new(Some(accepting)),
            held: Mutex::new(None),
        }
    }

    /// Switches how the fake answers. Refusing closes the listener and every open connection
    /// and holds the port with a socket that does not listen; leaving it listens on that socket.
    pub async fn set_mode(&self, mode: Mode) {
        let before = std::mem::replace(&mut *self.shared.mode.lock().expect("lock"), mode);
        if mode == Mode::Refuse && before != Mode::Refuse {
            let accepting = self.accepting.lock().expect("lock").take();
            if let Some(task) = accepting {
                task.abort();
                let _ = task.await;
            }
            // The listener set SO_REUSEADDR (Tokio does on Unix), and so does `Refused`, so the
            // port can be bound again at once.
            *self.held.lock().expect("lock") = Some(Refused::at(self.addr).expect("hold the port"));
        }
        if mode != Mode::Refuse && before == Mode::Refuse {
            let held = self.held.lock().expect("lock").take().expect("the port held while refusing");
            let listener = held.listen().expect("listen on the held port");
            *self.accepting.lock().expect("lock") = Some(spawn_serving(listener, Arc::clone(&self.shared)));
        }
    }

    /// Replaces the JWKS's keys (a rotation).
    pub fn set_keys(&self, keys: Vec<Value>) {
        *self.shared.keys.lock().expect("lock") = keys;
    }

    /// What `POST .../verify` answers for `token`.
    pub fn machine_token(&self, token: &str, status: u16, body: Value) {
        self.shared.machine.lock().expect("lock").insert(token.to_owned(), (status, body));
    }

    /// `GET /jwks` requests that reached the fake (answered or not).
    pub fn jwks_requests(&self) -> u64 {
        self.shared.jwks_requests.load(Ordering::SeqCst)
    }

    /// Machine-token verify requests that reached the fake (answered or not).
    pub fn verify_requests(&self) -> u64 {
        self.shared.verify_requests.load(Ordering::SeqCst)
    }
}

impl Drop for FlakyClerk {
    fn drop(&mut self) {
        if let Some(task) = self.accepting.lock().expect("lock").take() {
            task.abort();
        }
    }
}

/// Serves `listener` until the task is aborted.
fn spawn_serving(listener: TcpListener, shared: Arc<Shared>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(serve_connections(listener, move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, std::convert::Infallible>(handle(shared, request).await) }
    }))
}

async fn handle(shared: Arc<Shared>, request: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let verify = path.ends_with("/verify");
    if path == "/jwks" {
        shared.jwks_requests.fetch_add(1, Ordering::SeqCst);
    } else if verify {
        shared.verify_requests.fetch_add(1, Ordering::SeqCst);
    }
    let mode = *shared.mode.lock().expect("lock");
    match mode {
        Mode::Fail500 => return reply(500, &json!({ "errors": [{ "code": "internal_error", "message": "down" }] })),
        Mode::Hang => std::future::pending::<()>().await,
        Mode::Slow(delay) => tokio::time::sleep(delay).await,
        Mode::Serve | Mode::Refuse => {}
    }
    if path == "/jwks" {
        let keys = shared.keys.lock().expect("lock").clone();
        return reply(200, &json!({ "keys": keys }));
    }
    if verify {
        let sent: Value = serde_json::from_slice(&body).unwrap_or_default();
        let token = ["secret", "token", "access_token"]
            .iter()
            .find_map(|k| sent.get(*k).and_then(Value::as_str))
            .unwrap_or("")
            .to_owned();
        return match shared.machine.lock().expect("lock").get(&token) {
            Some((status, body)) => reply(*status, body),
            None => reply(404, &json!({ "errors": [{ "code": "resource_not_found", "message": "not found" }] })),
        };
    }
    reply(404, &json!({ "errors": [{ "code": "resource_not_found", "message": "no route" }] }))
}
