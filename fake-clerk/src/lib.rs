//! A fake Clerk Backend API on 127.0.0.1 for tests and benchmarks: in-memory users,
//! organizations, memberships, invitations, sessions and clients with the spec's pagination
//! semantics, and fault injection. Pages are copied from JSON rendered once at start-up, so it
//! serves far more requests per second than any client under test can send.
//!
//! Pagination, as the spec describes it: `limit` 1 to 500 (default 10), `offset` 0 or more;
//! `order_by` a `created_at` ordering (default `-created_at`), an `updated_at` one (ties by id), or a name ordering (`first_name`
//! for users, `name` for organizations), `+`/`-` for the direction; `GET /users` also takes
//! `starting_after` (the id of the last user of the previous page), which needs a `created_at`
//! ordering and no non-zero `offset` (422 otherwise, and for an unknown id). Organizations and
//! memberships answer `{data, total_count}`; the other lists a bare array.
//!
//! With feature `frontend`, the fake also answers the Frontend API: the handshake of web apps,
//! and what a native app signs in with ([`native`]: client tokens, sign-ins, sign-ups, sessions
//! and session tokens, OAuth through the system browser).
//!
//! Beside the fake, what other client tests share: [`stub`], a scripted HTTP server that
//! records what it received, with endpoints that refuse or never answer; [`support`], the rule
//! for tests that need a tool from outside Rust (skipped outside CI, failing in CI).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod changes;
mod data;
mod faults;
#[cfg(feature = "frontend")]
mod frontend;
#[cfg(feature = "frontend")]
pub mod native;
mod routes;
pub mod stub;
pub mod support;

pub use changes::{Change, Delivery};
pub use data::{user_json, Record, Seed, Store};
pub use faults::{Fault, Faults};

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};

/// Shared state of a running fake.
#[derive(Debug)]
pub struct State {
    pub store: RwLock<Store>,
    pub faults: Faults,
    /// Requests received, by `METHOD path`.
    pub counts: Mutex<HashMap<String, u64>>,
    /// Changes to make when a request arrives (see [`FakeClerk::change_before`]).
    pub scheduled: Mutex<Vec<Scheduled>>,
    /// The handshake's nonces.
    #[cfg(feature = "frontend")]
    pub frontend: frontend::Frontend,
    /// The native Frontend API's clients, sign-ins and sessions ([`native`]).
    #[cfg(feature = "frontend")]
    pub native: native::Native,
}

impl State {
    /// A fake's state: `store`, with `faults` queued.
    pub fn new(store: Store, faults: Faults) -> State {
        State {
            store: RwLock::new(store),
            faults,
            counts: Mutex::default(),
            scheduled: Mutex::default(),
            #[cfg(feature = "frontend")]
            frontend: frontend::Frontend::default(),
            #[cfg(feature = "frontend")]
            native: native::Native::default(),
        }
    }
}

/// Changes made just before the fake answers the `request`th request (counted from the start)
/// for `METHOD path`: a Clerk that changes while a client reads it.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub request: String,
    pub nth: u64,
    pub changes: Vec<Change>,
}

/// A running fake Clerk, stopped when dropped.
#[derive(Debug)]
pub struct FakeClerk {
    pub base_url: String,
    pub state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeClerk {
    /// Starts the fake on a free port of 127.0.0.1, on the current tokio runtime.
    pub async fn start(seed: Seed, faults: Faults) -> std::io::Result<FakeClerk> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::new(Store::generate(seed), faults));
        let task = tokio::spawn(serve(listener, Arc::clone(&state)));
        Ok(FakeClerk { base_url: format!("http://{addr}"), state, task })
    }

    /// How many requests arrived for `METHOD path` (path without the query).
    pub fn requests(&self, method: &str, path: &str) -> u64 {
        self.state
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&format!("{method} {path}"))
            .copied()
            .unwrap_or(0)
    }

    /// Makes `changes` just before answering the `nth` request for `METHOD path` (counted since
    /// the fake started, as [`FakeClerk::requests`] counts).
    pub fn change_before(&self, method: &str, path: &str, nth: u64, changes: Vec<Change>) {
        self.state.scheduled.lock().unwrap_or_else(|e| e.into_inner()).push(Scheduled {
            request: format!("{method} {path}"),
            nth,
            changes,
        });
    }

    /// Makes changes now, and returns the webhook events Clerk would send for them.
    pub fn change(&self, changes: &[Change]) -> Vec<Delivery> {
        let mut store = self.state.store.write().unwrap_or_else(|e| e.into_inner());
        changes.iter().flat_map(|&change| store.apply(change)).collect()
    }

    /// Queues faults for the next requests.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        self.state.faults.push(faults);
    }

    /// The native Frontend API's state: token lifetimes, tokens minted, sessions ([`native`]).
    #[cfg(feature = "frontend")]
    pub fn native(&self) -> &native::Native {
        &self.state.native
    }

    pub fn addr(&self) -> Option<SocketAddr> {
        self.base_url.trim_start_matches("http://").parse().ok()
    }
}

impl Drop for FakeClerk {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accepts connections until the task is aborted ([`stub::serve_connections`]), which closes
/// the open ones too.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<State>) {
    stub::serve_connections(listener, move |request| {
        let state = Arc::clone(&state);
        async move { Ok::<_, std::convert::Infallible>(routes::handle(&state, request).await) }
    })
    .await;
}
