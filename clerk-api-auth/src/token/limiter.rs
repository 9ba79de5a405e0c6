//! A token bucket per client over the calls that verify opaque machine tokens: every call
//! counts against the instance's Backend API rate limit, so a client sending junk tokens in a
//! loop must not spend the whole instance's budget.

use crate::client_key::ClientKey;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// Caps the machine-token verification calls each client can cause: a token bucket per
/// [`ClientKey`] holding `burst` calls, refilled at `per_second`. Tokens answered from the
/// cache of invalid tokens, or by a call already in flight for the same token, spend nothing.
/// A client past its rate gets [`AuthError::RateLimited`](crate::AuthError::RateLimited), which
/// the framework layers answer with `429` and `Retry-After`.
///
/// Memory is bounded: at most `max_clients` buckets (default 10,000); when full, buckets that
/// have refilled (as good as new) are dropped, and new clients beyond that share one overflow
/// bucket, so a flood of addresses caps calls rather than memory.
///
/// ```
/// use clerk_api_auth::MachineTokenLimiter;
/// // 10 calls a second per client, bursts of 20 (the figures of Clerk's JS SDK's limiter).
/// let limiter = MachineTokenLimiter::new(10.0, 20);
/// # let _ = limiter;
/// ```
pub struct MachineTokenLimiter {
    per_second: f64,
    burst: f64,
    max_clients: usize,
    buckets: Mutex<Buckets>,
}

struct Buckets {
    by_client: HashMap<ClientKey, Bucket>,
    /// Requests without a client key.
    anonymous: Option<Bucket>,
    /// New clients once `by_client` is full of active ones.
    overflow: Option<Bucket>,
    last_purge: Option<Instant>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The least refill rate: a bucket that never refilled would lock its client out for good.
const MIN_RATE: f64 = 0.001;

impl fmt::Debug for MachineTokenLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineTokenLimiter")
            .field("per_second", &self.per_second)
            .field("burst", &self.burst)
            .field("max_clients", &self.max_clients)
            .field("clients", &self.clients())
            .finish()
    }
}

impl Default for MachineTokenLimiter {
    /// 10 calls a second per client, bursts of 20.
    fn default() -> Self {
        MachineTokenLimiter::new(10.0, 20)
    }
}

impl MachineTokenLimiter {
    /// `per_second` calls a second per client (at least 0.001), in bursts of up to `burst`
    /// (at least 1).
    pub fn new(per_second: f64, burst: u32) -> MachineTokenLimiter {
        let per_second = if per_second.is_finite() { per_second.max(MIN_RATE) } else { MIN_RATE };
        MachineTokenLimiter {
            per_second,
            burst: f64::from(burst.max(1)),
            max_clients: 10_000,
            buckets: Mutex::new(Buckets {
                by_client: HashMap::new(),
                anonymous: None,
                overflow: None,
                last_purge: None,
            }),
        }
    }

    /// How many clients get a bucket of their own (at least 1).
    pub fn max_clients(mut self, max_clients: usize) -> MachineTokenLimiter {
        self.max_clients = max_clients.max(1);
        self
    }

    /// How many clients hold a bucket now.
    pub fn clients(&self) -> usize {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner).by_client.len()
    }

    /// Spends one call of `client`'s bucket, or says how long until it holds one.
    pub(crate) fn take(&self, client: Option<&ClientKey>) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let full = Bucket { tokens: self.burst, at: now };
        let buckets = &mut *buckets;
        let bucket = match client {
            None => buckets.anonymous.get_or_insert(full),
            Some(client) => {
                if !buckets.by_client.contains_key(client) && buckets.by_client.len() >= self.max_clients {
                    self.purge(buckets, now);
                }
                if buckets.by_client.contains_key(client) || buckets.by_client.len() < self.max_clients {
                    buckets.by_client.entry(client.clone()).or_insert(full)
                } else {
                    buckets.overflow.get_or_insert(full)
                }
            }
        };
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second))
        }
    }

    /// Drops the buckets that have refilled (a new one would be the same), at most once a
    /// second so that a flood of new clients does not scan the map on every request.
    fn purge(&self, buckets: &mut Buckets, now: Instant) {
        if buckets.last_purge.is_some_and(|at| now.saturating_duration_since(at) < Duration::from_secs(1)) {
            return;
        }
        buckets.last_purge = Some(now);
        let (rate, burst) = (self.per_second, self.burst);
        buckets.by_client.retain(|_, b| b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < burst);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_client_gets_its_burst_then_its_rate() {
        let limiter = MachineTokenLimiter::new(10.0, 20);
        let a = ClientKey::new("a");
        for _ in 0..20 {
            assert!(limiter.take(Some(&a)).is_ok());
        }
        let wait = limiter.take(Some(&a)).unwrap_err();
        assert_eq!(wait, Duration::from_millis(100));
        // Another client is unaffected; requests without a key share their own bucket.
        assert!(limiter.take(Some(&ClientKey::new("b"))).is_ok());
        assert!(limiter.take(None).is_ok());
        tokio::time::advance(Duration::from_millis(250)).await;
        assert!(limiter.take(Some(&a)).is_ok());
        assert!(limiter.take(Some(&a)).is_ok());
        assert!(limiter.take(Some(&a)).is_err());
        // Over ten virtual seconds at most 10 a second get through.
        let mut allowed = 0;
        for _ in 0..1000 {
            tokio::time::advance(Duration::from_millis(10)).await;
            allowed += usize::from(limiter.take(Some(&a)).is_ok());
        }
        assert!((99..=101).contains(&allowed), "{allowed}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_flood_of_clients_is_bounded_in_memory_and_in_calls() {
        let limiter = MachineTokenLimiter::new(1.0, 2).max_clients(100);
        let mut allowed = 0;
        for i in 0..10_000 {
            allowed +=
                usize::from(limiter.take(Some(&ClientKey::new(format!("10.0.{}.{}", i / 256, i % 256)))).is_ok());
        }
        assert_eq!(limiter.clients(), 100);
        // One call each for the 100 clients with a bucket; the 9,900 others share the overflow
        // bucket's burst of 2.
        assert_eq!(allowed, 102);
        // Once the buckets have refilled they are dropped to make room for new clients.
        tokio::time::advance(Duration::from_secs(5)).await;
        assert!(limiter.take(Some(&ClientKey::new("new"))).is_ok());
        assert_eq!(limiter.clients(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn nonsense_rates_are_clamped() {
        let limiter = MachineTokenLimiter::new(f64::NAN, 0);
        assert!(limiter.take(None).is_ok());
        let wait = limiter.take(None).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1000));
    }
}
