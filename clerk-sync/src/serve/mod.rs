//! `clerk-sync serve`: keeps the tables a `run` writes current from Clerk's webhooks.
//!
//! Each delivery is verified on its raw bytes (`clerk_api::webhooks`), read as a change to one
//! table ([`event`]), applied with the others waiting in one transaction ([`committer`],
//! [`apply`]) and only then acknowledged (`server`). Idempotent by delivery id, ordered by
//! each object's `updated_at`, durable (2xx only after commit, 503 when the database cannot
//! commit), and safe beside scheduled `run`s (see [`crate::dest::sql`]).

pub mod apply;
pub mod committer;
pub mod event;
mod server;

use apply::Outcome;
use committer::{Committer, Opener, Setup};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::schema::Resource;
pub use clerk_api::webhooks::Webhook;

/// How `serve` runs.
pub struct Options {
    /// Verifies deliveries (the endpoint's signing secret).
    pub webhook: Webhook,
    /// Opens the database; called again after a failure.
    pub open: Opener,
    pub dataset: String,
    /// The tables kept current; events for other objects are acknowledged and counted.
    pub resources: Vec<&'static Resource>,
    /// At most this many deliveries per transaction.
    pub max_group: usize,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("webhook", &self.webhook)
            .field("dataset", &self.dataset)
            .field("max_group", &self.max_group)
            .finish_non_exhaustive()
    }
}

/// Counters, shared by the endpoint and the committer.
#[derive(Debug, Default)]
pub struct Stats {
    pub received: AtomicU64,
    pub applied: AtomicU64,
    pub duplicate: AtomicU64,
    pub stale: AtomicU64,
    pub not_synced: AtomicU64,
    /// Refused with 400: bad signature, timestamp or body.
    pub rejected: AtomicU64,
    /// Answered 503: their group did not commit.
    pub failed: AtomicU64,
    pub commits: AtomicU64,
    /// Whether the last commit succeeded (true until one fails).
    pub database_up: AtomicBool,
}

impl Stats {
    fn new() -> Stats {
        Stats { database_up: AtomicBool::new(true), ..Stats::default() }
    }

    fn count(&self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Applied => &self.applied,
            Outcome::Duplicate => &self.duplicate,
            Outcome::Stale => &self.stale,
            Outcome::NotSynced => &self.not_synced,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Counts {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Counts {
            received: get(&self.received),
            applied: get(&self.applied),
            duplicate: get(&self.duplicate),
            stale: get(&self.stale),
            not_synced: get(&self.not_synced),
            rejected: get(&self.rejected),
            failed: get(&self.failed),
            commits: get(&self.commits),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        let c = self.snapshot();
        serde_json::json!({
            "database": if self.database_up.load(Ordering::Relaxed) { "up" } else { "down" },
            "received": c.received, "applied": c.applied, "duplicate": c.duplicate, "stale": c.stale,
            "not_synced": c.not_synced, "rejected": c.rejected, "failed": c.failed, "commits": c.commits,
        })
    }
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub received: u64,
    pub applied: u64,
    pub duplicate: u64,
    pub stale: u64,
    pub not_synced: u64,
    pub rejected: u64,
    pub failed: u64,
    pub commits: u64,
}

/// What a `serve` did, for the summary on shutdown.
#[derive(Debug, Clone)]
pub struct Report {
    pub counts: Counts,
    pub elapsed: Duration,
}

/// Serves `listener` until `shutdown` completes, then stops accepting, lets every request in
/// flight finish (each waits for its commit) and returns the counts.
pub async fn listen(listener: tokio::net::TcpListener, options: Options, shutdown: impl Future<Output = ()>) -> Report {
    let started = Instant::now();
    let stats = Arc::new(Stats::new());
    let committer = Committer::start(Setup {
        open: options.open,
        dataset: options.dataset,
        resources: options.resources.clone(),
        max_group: options.max_group.max(1),
        stats: Arc::clone(&stats),
    });
    let endpoint = Arc::new(server::Endpoint {
        webhook: options.webhook,
        resources: options.resources,
        committer,
        stats: Arc::clone(&stats),
    });
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let endpoint = Arc::clone(&endpoint);
        let service = hyper::service::service_fn(move |request| {
            let endpoint = Arc::clone(&endpoint);
            async move { Ok::<_, std::convert::Infallible>(server::handle(&endpoint, request).await) }
        });
        let connection =
            hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
        });
    }
    drop(listener);
    // Requests in flight finish (each waits for its commit), then connections close.
    graceful.shutdown().await;
    tokio::task::spawn_blocking(move || endpoint.committer.finish()).await.ok();
    Report { counts: stats.snapshot(), elapsed: started.elapsed() }
}

/// The summary printed when `serve` stops.
pub fn summary(report: &Report) -> String {
    let c = &report.counts;
    let seconds = report.elapsed.as_secs_f64();
    format!(
        "serve stopped after {seconds:.1} s: {} deliveries received, {} applied, {} duplicates, {} stale, {} not synced, {} refused (400), {} not committed (503), in {} commits\n",
        c.received, c.applied, c.duplicate, c.stale, c.not_synced, c.rejected, c.failed, c.commits
    )
}
