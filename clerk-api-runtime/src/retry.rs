//! When and how long to wait before trying a request again.

use http::Method;
use std::time::{Duration, SystemTime};

/// How failed requests are retried.
///
/// The defaults follow the `x-speakeasy-retries` extension of Clerk's spec (first wait 500 ms,
/// each wait 1.5 times the last, at most 60 s), with jitter, and bound the whole call to 5
/// attempts and 60 s. A `429 Too Many Requests` is always retried: the request was refused,
/// not applied. A 5xx, a timeout or a connection that broke after the request went out is
/// retried for idempotent methods only (GET, PUT, DELETE), because Clerk may have applied a
/// POST or PATCH already; [`RetryPolicy::retry_non_idempotent`] opts in for those too.
/// A connection that could not be made at all is always retried. `Retry-After` (seconds or an
/// HTTP date) and `retry-after-ms` replace the computed wait.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// The wait before the first retry.
    pub initial_interval: Duration,
    /// Each wait is the previous one times this.
    pub multiplier: f64,
    /// No computed wait is longer than this.
    pub max_interval: Duration,
    /// No retry starts later than this after the first attempt did; a wait that would end
    /// later is not taken.
    pub max_elapsed: Duration,
    /// Also retry POST and PATCH after a 5xx, a timeout or a broken connection.
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_interval: Duration::from_millis(500),
            multiplier: 1.5,
            max_interval: Duration::from_secs(60),
            max_elapsed: Duration::from_secs(60),
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// The default policy with another attempt count.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The default policy with other intervals.
    pub fn with_intervals(mut self, initial: Duration, multiplier: f64, max: Duration) -> Self {
        self.initial_interval = initial;
        self.multiplier = if multiplier.is_finite() && multiplier >= 1.0 { multiplier } else { 1.0 };
        self.max_interval = max;
        self
    }

    /// The default policy with another bound on the total time.
    pub fn with_max_elapsed(mut self, max: Duration) -> Self {
        self.max_elapsed = max;
        self
    }

    /// Retries POST and PATCH too (see the type's documentation for the risk).
    pub fn with_retry_non_idempotent(mut self, yes: bool) -> Self {
        self.retry_non_idempotent = yes;
        self
    }

    /// The computed wait before retry number `retry` (1 for the first), with jitter: a random
    /// point in the upper half of the exponential interval.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let base = self.initial_interval.as_secs_f64() * self.multiplier.powi(exponent);
        let capped = base.min(self.max_interval.as_secs_f64());
        let jittered = capped * (0.5 + 0.5 * random_unit());
        Duration::try_from_secs_f64(jittered).unwrap_or(self.max_interval)
    }
}

/// A uniformly distributed number in [0, 1), from the standard library's per-process random
/// hash keys: jitter needs no cryptographic quality and no extra dependency.
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// The wait a response asks for: `retry-after-ms`, else `Retry-After` in seconds or as an
/// HTTP date.
pub(crate) fn server_wait(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite() && *v >= 0.0)
    {
        // A wait too long to represent is longer than any time budget, not a panic.
        return Some(Duration::try_from_secs_f64(ms / 1000.0).unwrap_or(Duration::MAX));
    }
    let value = text("retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// How one attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome<'a> {
    /// Clerk answered: the status, and the headers that may say how long to wait.
    Answered { status: u16, headers: &'a reqwest::header::HeaderMap },
    /// No connection could be made (DNS, refused, TLS handshake): the request was never sent.
    ConnectFailed,
    /// The attempt ran out of time, possibly after the request went out.
    TimedOut,
    /// The connection broke, possibly after the request went out.
    Broken,
}

impl<'a> Outcome<'a> {
    /// The kind of a transport failure. A connection that could not be made counts as such
    /// even when it was a connect timeout: nothing was sent either way.
    pub(crate) fn of_transport(error: &reqwest::Error) -> Outcome<'a> {
        if error.is_connect() {
            Outcome::ConnectFailed
        } else if error.is_timeout() {
            Outcome::TimedOut
        } else {
            Outcome::Broken
        }
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Decision {
    /// Try again after this wait; `reason` is for the request's span.
    RetryAfter { wait: Duration, reason: &'static str },
    /// Hand the outcome to the caller.
    Stop,
}

/// Decides, for one request, whether an attempt's outcome is worth another attempt and how
/// long to wait first (in the spirit of smithy-rs's retry classifiers, with the policy's
/// limits applied in the same place). Built once per request: the method's idempotency and
/// the policy do not change between attempts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryClassifier<'p> {
    policy: &'p RetryPolicy,
    /// Whether sending the request twice is harmless (or the policy accepts the risk).
    may_repeat: bool,
}

impl<'p> RetryClassifier<'p> {
    pub(crate) fn new(method: &Method, policy: &'p RetryPolicy) -> Self {
        // The methods HTTP defines as idempotent (RFC 9110, 9.2.2): repeating one that Clerk
        // may have applied already changes nothing.
        let idempotent = matches!(*method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS);
        RetryClassifier { policy, may_repeat: idempotent || policy.retry_non_idempotent }
    }

    /// The decision after attempt number `attempt` (1 for the first), `elapsed` after the
    /// first attempt started.
    pub(crate) fn decide(&self, attempt: u32, elapsed: Duration, outcome: Outcome<'_>) -> Decision {
        let Some((reason, server_wait)) = self.retryable(outcome) else { return Decision::Stop };
        if attempt >= self.policy.max_attempts {
            return Decision::Stop;
        }
        // The server's wait replaces the computed one, uncapped by `max_interval`; only the
        // time budget bounds it, so a wait that would end past it is not taken at all.
        let wait = server_wait.unwrap_or_else(|| self.policy.backoff(attempt));
        // Saturating: a server may ask for a wait no `Duration` sum can hold.
        if elapsed.saturating_add(wait) > self.policy.max_elapsed {
            return Decision::Stop;
        }
        Decision::RetryAfter { wait, reason }
    }

    /// Whether the outcome is worth retrying at all (why, and the wait the server asked for),
    /// before the policy's limits.
    fn retryable(&self, outcome: Outcome<'_>) -> Option<(&'static str, Option<Duration>)> {
        match outcome {
            // Refused, not applied: safe to repeat whatever the method.
            Outcome::Answered { status: 429, headers } => Some(("429 Too Many Requests", server_wait(headers))),
            // Clerk may have applied the request before failing.
            Outcome::Answered { status, headers } if status >= 500 => {
                self.may_repeat.then(|| ("server error", server_wait(headers)))
            }
            // Success, a redirect or a client error: the same request would get the same answer.
            Outcome::Answered { .. } => None,
            // Nothing was sent.
            Outcome::ConnectFailed => Some(("connection failed", None)),
            Outcome::TimedOut | Outcome::Broken => self.may_repeat.then_some(("connection broke or timed out", None)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn backoff_grows_by_the_multiplier_with_jitter_and_stops_at_the_cap() {
        let policy = RetryPolicy::default();
        for _ in 0..100 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(250) && first <= Duration::from_millis(500), "{first:?}");
            let third = policy.backoff(3);
            assert!(third >= Duration::from_millis(562) && third <= Duration::from_millis(1125), "{third:?}");
            assert!(policy.backoff(40) <= Duration::from_secs(60));
            assert!(policy.backoff(40) >= Duration::from_secs(30));
        }
    }

    #[test]
    fn retry_after_is_read_in_each_of_its_forms() {
        let mut headers = HeaderMap::new();
        assert_eq!(server_wait(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(server_wait(&headers), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        headers.insert("retry-after", HeaderValue::from_str(&later).unwrap());
        let wait = server_wait(&headers).unwrap();
        assert!(wait > Duration::from_secs(27) && wait <= Duration::from_secs(30), "{wait:?}");
        headers.insert("retry-after", HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(server_wait(&headers), Some(Duration::ZERO), "a date in the past means now");
        headers.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(server_wait(&headers), Some(Duration::from_millis(1500)), "retry-after-ms wins");
    }

    /// Fixed waits (initial = max interval, multiplier 1), so the computed wait is known up to
    /// its jitter: between 50 and 100 ms.
    fn policy() -> RetryPolicy {
        RetryPolicy::default().with_intervals(Duration::from_millis(100), 1.0, Duration::from_millis(100))
    }

    fn answered(status: u16, headers: &HeaderMap) -> Outcome<'_> {
        Outcome::Answered { status, headers }
    }

    fn computed_wait(decision: Decision) -> Duration {
        let Decision::RetryAfter { wait, .. } = decision else { panic!("not retried: {decision:?}") };
        assert!(wait >= Duration::from_millis(50) && wait <= Duration::from_millis(100), "{wait:?}");
        wait
    }

    fn reason(decision: Decision) -> &'static str {
        let Decision::RetryAfter { reason, .. } = decision else { panic!("not retried: {decision:?}") };
        reason
    }

    #[test]
    fn answers_that_would_not_change_are_not_retried() {
        let policy = policy();
        let none = HeaderMap::new();
        for method in [Method::GET, Method::POST] {
            let classifier = RetryClassifier::new(&method, &policy);
            for status in [200, 201, 204, 302, 400, 401, 404, 409, 422] {
                assert_eq!(classifier.decide(1, Duration::ZERO, answered(status, &none)), Decision::Stop, "{status}");
            }
        }
    }

    #[test]
    fn a_429_is_retried_whatever_the_method() {
        let policy = policy();
        let none = HeaderMap::new();
        for method in [Method::GET, Method::POST, Method::PATCH] {
            let decision = RetryClassifier::new(&method, &policy).decide(1, Duration::ZERO, answered(429, &none));
            computed_wait(decision);
            assert_eq!(reason(decision), "429 Too Many Requests");
        }
    }

    #[test]
    fn a_5xx_is_retried_for_idempotent_methods_only_unless_the_policy_opts_in() {
        let policy = policy();
        let none = HeaderMap::new();
        for method in [Method::GET, Method::HEAD, Method::PUT, Method::DELETE, Method::OPTIONS] {
            for status in [500, 502, 503, 504] {
                let decision =
                    RetryClassifier::new(&method, &policy).decide(1, Duration::ZERO, answered(status, &none));
                computed_wait(decision);
                assert_eq!(reason(decision), "server error");
            }
        }
        for method in [Method::POST, Method::PATCH] {
            let classifier = RetryClassifier::new(&method, &policy);
            assert_eq!(classifier.decide(1, Duration::ZERO, answered(503, &none)), Decision::Stop, "{method}");
        }
        let opted_in = policy.clone().with_retry_non_idempotent(true);
        computed_wait(RetryClassifier::new(&Method::POST, &opted_in).decide(1, Duration::ZERO, answered(503, &none)));
    }

    #[test]
    fn timeouts_and_broken_connections_are_retried_for_idempotent_methods_only() {
        let policy = policy();
        for outcome in [Outcome::TimedOut, Outcome::Broken] {
            let decision = RetryClassifier::new(&Method::GET, &policy).decide(1, Duration::ZERO, outcome);
            computed_wait(decision);
            assert_eq!(reason(decision), "connection broke or timed out");
            let post = RetryClassifier::new(&Method::POST, &policy);
            assert_eq!(post.decide(1, Duration::ZERO, outcome), Decision::Stop, "{outcome:?}");
            let opted_in = policy.clone().with_retry_non_idempotent(true);
            computed_wait(RetryClassifier::new(&Method::POST, &opted_in).decide(1, Duration::ZERO, outcome));
        }
    }

    #[test]
    fn a_connection_never_made_is_retried_even_for_a_post() {
        let policy = policy();
        let decision = RetryClassifier::new(&Method::POST, &policy).decide(1, Duration::ZERO, Outcome::ConnectFailed);
        computed_wait(decision);
        assert_eq!(reason(decision), "connection failed");
    }

    #[test]
    fn the_servers_wait_replaces_the_computed_one_even_past_the_interval_cap() {
        let policy = policy();
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("7"));
        for (status, method) in [(429, Method::POST), (503, Method::GET)] {
            let decision = RetryClassifier::new(&method, &policy).decide(1, Duration::ZERO, answered(status, &headers));
            let Decision::RetryAfter { wait, .. } = decision else { panic!("not retried: {decision:?}") };
            assert_eq!(wait, Duration::from_secs(7), "{status}");
        }
        headers.insert("retry-after-ms", HeaderValue::from_static("0"));
        let decision = RetryClassifier::new(&Method::GET, &policy).decide(1, Duration::ZERO, answered(429, &headers));
        assert_eq!(decision, Decision::RetryAfter { wait: Duration::ZERO, reason: "429 Too Many Requests" });
    }

    #[test]
    fn a_wait_that_would_end_past_the_time_budget_is_not_taken() {
        let policy = policy().with_max_elapsed(Duration::from_secs(10));
        let classifier = RetryClassifier::new(&Method::GET, &policy);
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("3600"));
        assert_eq!(classifier.decide(1, Duration::ZERO, answered(503, &headers)), Decision::Stop);
        headers.insert("retry-after", HeaderValue::from_static("4"));
        let decision = classifier.decide(1, Duration::from_secs(6), answered(503, &headers));
        assert_eq!(
            decision,
            Decision::RetryAfter { wait: Duration::from_secs(4), reason: "server error" },
            "ends at the budget"
        );
        assert_eq!(classifier.decide(1, Duration::from_millis(6001), answered(503, &headers)), Decision::Stop);
        // Waits beyond any `Duration` are refused, not a panic.
        headers.insert("retry-after", HeaderValue::from_static("18446744073709551615"));
        assert_eq!(classifier.decide(1, Duration::from_secs(1), answered(503, &headers)), Decision::Stop);
        headers.insert("retry-after-ms", HeaderValue::from_static("1e300"));
        assert_eq!(classifier.decide(1, Duration::from_secs(1), answered(503, &headers)), Decision::Stop);
        // The computed wait is bounded the same way.
        assert_eq!(classifier.decide(1, Duration::from_secs(10), Outcome::ConnectFailed), Decision::Stop);
    }

    #[test]
    fn the_last_attempt_is_not_retried() {
        let policy = policy().with_max_attempts(3);
        let classifier = RetryClassifier::new(&Method::GET, &policy);
        let none = HeaderMap::new();
        computed_wait(classifier.decide(2, Duration::ZERO, answered(503, &none)));
        assert_eq!(classifier.decide(3, Duration::ZERO, answered(503, &none)), Decision::Stop);
        assert_eq!(classifier.decide(3, Duration::ZERO, Outcome::ConnectFailed), Decision::Stop);
        let never = RetryPolicy::none();
        assert_eq!(
            RetryClassifier::new(&Method::GET, &never).decide(1, Duration::ZERO, answered(429, &none)),
            Decision::Stop
        );
    }
}
