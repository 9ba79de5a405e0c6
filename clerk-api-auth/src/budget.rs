//! The latency budget of one authentication: every call to Clerk made while authenticating a
//! request (the JWKS, a machine-token verification, a session refresh, a handshake payload)
//! ends by one deadline, with a retry policy sized for a request rather than for a batch job.

use crate::client_key::ClientKey;
use crate::error::Unavailable;
use clerk_api_runtime::{CallOptions, RetryPolicy};
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// The budget unless configured: two seconds for everything the request waits on.
pub const DEFAULT_REQUEST_BUDGET: Duration = Duration::from_secs(2);

/// When an authentication must be decided by.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
    budget: Duration,
}

impl Deadline {
    /// The deadline `budget` from now (the clock is Tokio's, so tests can pause it).
    pub(crate) fn start(budget: Duration) -> Deadline {
        let now = Instant::now();
        // A budget too large to add is as good as none.
        let at = now.checked_add(budget).or_else(|| now.checked_add(Duration::from_secs(86_400 * 365))).unwrap_or(now);
        Deadline { at, budget }
    }

    /// `future`'s output, or `Unavailable::Deadline` once the budget is spent
    /// (`Unavailable::NoRuntime` outside a Tokio runtime, whose timer this needs).
    pub(crate) async fn wait<F: Future>(&self, future: F) -> Result<F::Output, Unavailable> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Unavailable::NoRuntime);
        }
        tokio::time::timeout_at(self.at, future).await.map_err(|_| Unavailable::Deadline(self.budget))
    }

    /// The whole budget.
    pub(crate) fn budget(&self) -> Duration {
        self.budget
    }

    /// The budget left.
    fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The budget left, as the timeout of a call made for this request alone: at least a
    /// millisecond (the HTTP client fails a zero timeout at once, and the error stays a
    /// timeout).
    pub(crate) fn timeout(&self) -> Duration {
        self.remaining().max(Duration::from_millis(1))
    }

    /// What a call made for this request alone sends with: [`timeout`](Self::timeout) and
    /// [`request_retry_policy`].
    pub(crate) fn call_options(&self) -> CallOptions {
        call_options(self.timeout(), self.budget)
    }
}

/// Call options for a request path's call: a timeout and a retry policy within `budget`.
pub(crate) fn call_options(timeout: Duration, budget: Duration) -> CallOptions {
    let mut options = CallOptions::default();
    options.timeout = Some(timeout);
    options.retry = Some(request_retry_policy(budget));
    options
}

/// Two attempts at most, the second after 100-200 ms, none starting after the budget: a
/// request cannot wait out the batch client's 5 attempts over 60 s. The calls made are reads
/// (verifications, the JWKS), so a POST is retried too.
pub(crate) fn request_retry_policy(budget: Duration) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(2)
        .with_intervals(Duration::from_millis(200), 2.0, Duration::from_millis(400))
        .with_max_elapsed(budget)
        .with_retry_non_idempotent(true)
}

/// Runs `task` on the current Tokio runtime, detached, so that a request giving up on it (its
/// budget spent) does not cancel it for the others waiting on it. Without a runtime it is
/// handed back, to be awaited in place.
pub(crate) fn detach<F>(task: F) -> Option<F>
where
    F: Future<Output = ()> + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            drop(handle.spawn(task));
            None
        }
        Err(_) => Some(task),
    }
}

/// What one authentication carries besides its options: when it must be decided by, and who
/// sent it (for the limiter).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub(crate) deadline: Deadline,
    #[cfg_attr(not(feature = "machine-tokens"), allow(dead_code))]
    pub(crate) client_key: Option<&'a ClientKey>,
}

impl<'a> Scope<'a> {
    /// An authentication starting now under `options`' budget.
    pub(crate) fn start(options: &crate::AuthenticateOptions, client_key: Option<&'a ClientKey>) -> Scope<'a> {
        Scope { deadline: Deadline::start(options.request_budget), client_key }
    }
}
