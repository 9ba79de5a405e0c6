//! When and how long to wait before trying a request again.

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
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = text("retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
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
}
