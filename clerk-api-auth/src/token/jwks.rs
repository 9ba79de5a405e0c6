//! The JWKS cache: the instance's signing keys from `GET /jwks`, shared by every verifier of
//! the process, and kept verifying tokens while Clerk is unreachable.
//!
//! Keys are cached per instance (API URL and a SHA-256 of the secret key) and per `kid`. A cache
//! keyed on the bare `kid` lets a token minted by one instance verify against another that
//! happened to reuse a `kid`; every official SDK shipped that bug until August 2026.
//!
//! Keys younger than the TTL are used as they are. Older ones, up to the maximum staleness, are
//! still used, and the request that finds them so starts a refresh in the background: no
//! request whose key is cached waits for Clerk, whether Clerk answers, fails or hangs. A request
//! that needs a fetch (a cold cache, a `kid` the keys lack, keys past the maximum staleness)
//! waits for it within its budget. One fetch per instance is in flight at a time, detached from
//! the request that started it, and every waiter shares its outcome; after a failure, the next
//! fetch waits out an exponential backoff, during which requests that need one are answered at
//! once with [`AuthError::Jwks`]. An unknown `kid` triggers at most one refetch per
//! [`JwksCache::with_unknown_kid_refetch_interval`].

use crate::budget::{self, Deadline};
use crate::error::{AuthError, Unavailable, DEFAULT_RETRY_AFTER};
use crate::key::JwtKey;
use crate::Clerk;
use clerk_api_runtime::{CallOptions, Request};
use reqwest::Method;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long fetched keys are trusted before a refresh is due.
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(5 * 60);
/// The least time between two fetches caused by unknown `kid`s.
pub const DEFAULT_UNKNOWN_KID_REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// How long keys keep verifying tokens while every refresh fails: a day.
pub const DEFAULT_JWKS_MAX_STALENESS: Duration = Duration::from_secs(24 * 60 * 60);
/// The wait after the first failed fetch; it doubles with each failure in a row.
pub const DEFAULT_JWKS_RETRY_INITIAL: Duration = Duration::from_secs(1);
/// The longest wait between two failed fetches.
pub const DEFAULT_JWKS_RETRY_MAX: Duration = Duration::from_secs(30);

/// Caches instances' signing keys. One shared cache ([`JwksCache::global`]) serves every
/// [`AuthenticateOptions`](crate::AuthenticateOptions) unless one is given its own.
///
/// ```
/// use clerk_api_auth::JwksCache;
/// use std::time::Duration;
///
/// // Refresh every 10 minutes; keep verifying with keys up to 6 hours old while Clerk is down.
/// let cache = JwksCache::new().with_ttl(Duration::from_secs(600)).with_max_staleness(Duration::from_secs(6 * 3600));
/// # let _ = cache;
/// ```
pub struct JwksCache {
    ttl: Duration,
    refetch_interval: Duration,
    max_staleness: Duration,
    backoff: Backoff,
    instances: Mutex<HashMap<InstanceId, Arc<InstanceKeys>>>,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let instances = self.instances.lock().map(|map| map.len()).unwrap_or(0);
        f.debug_struct("JwksCache")
            .field("ttl", &self.ttl)
            .field("refetch_interval", &self.refetch_interval)
            .field("max_staleness", &self.max_staleness)
            .field("backoff", &self.backoff)
            .field("instances", &instances)
            .finish()
    }
}

impl Default for JwksCache {
    fn default() -> Self {
        JwksCache::new()
    }
}

/// Which instance keys belong to: never the bare secret, only its digest.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct InstanceId {
    base_url: String,
    secret_digest: [u8; 32],
}

impl InstanceId {
    pub(crate) fn of(client: &clerk_api_runtime::Client) -> InstanceId {
        let digest = ring::digest::digest(&ring::digest::SHA256, client.credential());
        let mut secret_digest = [0; 32];
        secret_digest.copy_from_slice(digest.as_ref());
        InstanceId { base_url: client.base_url().to_owned(), secret_digest }
    }
}

/// One instance's keys, its fetch in flight and its failures. Lock order: `refresh` before
/// `keys`, never the other way round.
pub(crate) struct InstanceKeys {
    keys: RwLock<KeySet>,
    refresh: Mutex<Refresh>,
    /// Bumped whenever a fetch ends, however it ended: what waiters wait for.
    fetch_ended: watch::Sender<u64>,
    fetches: AtomicU64,
}

#[derive(Default)]
struct KeySet {
    keys: HashMap<String, Arc<JwtKey>>,
    /// When the last successful fetch ended.
    fetched_at: Option<Instant>,
}

/// The fetch state of an instance.
#[derive(Default)]
struct Refresh {
    in_flight: bool,
    /// Failed fetches since the last success.
    failures: u32,
    /// No fetch starts before this, after a failure.
    next_attempt: Option<Instant>,
    last_error: Option<Arc<crate::Error>>,
}

/// What looking up a `kid` found.
pub(crate) enum Lookup {
    Found(Arc<JwtKey>),
    /// The instance's current JWKS has no such key.
    Unknown,
}

/// What the state of an instance's keys is, for health checks and metrics
/// ([`JwksCache::status`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeysStatus {
    /// How many keys are cached.
    pub keys: usize,
    /// How long ago they were fetched (`None`: never).
    pub age: Option<Duration>,
    /// Whether they are older than the TTL (in use while a refresh is due or failing).
    pub stale: bool,
    /// Whether a fetch is in flight.
    pub refreshing: bool,
    /// Failed fetches since the last success.
    pub failures: u32,
    /// When the next fetch may start, after a failure.
    pub next_attempt_in: Option<Duration>,
}

/// Exponential backoff between failed fetches.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    initial: Duration,
    max: Duration,
}

impl Backoff {
    /// The wait after `failures` failures in a row (1 for the first): `initial` doubled each
    /// time up to `max`, jittered into its upper half so that a fleet of servers does not fetch
    /// in step.
    fn after(&self, failures: u32) -> Duration {
        let doubled = self.initial.saturating_mul(1u32 << failures.saturating_sub(1).min(20));
        let capped = doubled.min(self.max);
        capped.mul_f64(0.5 + 0.5 * random_unit())
    }
}

/// A random number in [0, 1) from the system's generator (jitter needs no more); 0.5 if the
/// generator fails.
fn random_unit() -> f64 {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    match ring::rand::SystemRandom::new().fill(&mut bytes) {
        Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.5,
    }
}

/// What a request needing a fetch gets: the fetch to wait for, or the failure to answer with.
enum Fetch {
    Wait(watch::Receiver<u64>),
    BackingOff {
        last: Option<Arc<crate::Error>>,
        due_in: Duration,
    },
    /// Not inside a Tokio runtime, where neither a fetch nor a wait can run.
    NoRuntime,
}

impl JwksCache {
    /// An empty cache with the defaults: TTL 5 minutes, unknown-`kid` refetch interval 30 s,
    /// maximum staleness a day, backoff from 1 s to 30 s.
    pub fn new() -> JwksCache {
        JwksCache {
            ttl: DEFAULT_JWKS_TTL,
            refetch_interval: DEFAULT_UNKNOWN_KID_REFETCH_INTERVAL,
            max_staleness: DEFAULT_JWKS_MAX_STALENESS,
            backoff: Backoff { initial: DEFAULT_JWKS_RETRY_INITIAL, max: DEFAULT_JWKS_RETRY_MAX },
            instances: Mutex::default(),
        }
    }

    /// The process-wide cache.
    pub fn global() -> Arc<JwksCache> {
        static GLOBAL: OnceLock<Arc<JwksCache>> = OnceLock::new();
        GLOBAL.get_or_init(|| Arc::new(JwksCache::new())).clone()
    }

    /// How long fetched keys are used before a refresh is due. Past it, keys are still used
    /// while the refresh runs in the background (or fails), up to the
    /// [maximum staleness](Self::with_max_staleness).
    pub fn with_ttl(mut self, ttl: Duration) -> JwksCache {
        self.ttl = ttl;
        self
    }

    /// The least time between two refetches caused by a `kid` the cached keys lack.
    pub fn with_unknown_kid_refetch_interval(mut self, interval: Duration) -> JwksCache {
        self.refetch_interval = interval;
        self
    }

    /// How old keys may be and still verify tokens while every refresh fails. Past it, requests
    /// get [`AuthError::Jwks`] until a fetch succeeds. Never less than the TTL. Default
    /// [`DEFAULT_JWKS_MAX_STALENESS`] (a day): a key does not stop being the instance's key
    /// because Clerk is unreachable, and a key Clerk removes is dropped by the first refresh
    /// that succeeds; the risk it bounds is a key rotated out (as after a leak) during an
    /// outage, which stays trusted until Clerk answers again or this much time has passed.
    pub fn with_max_staleness(mut self, max_staleness: Duration) -> JwksCache {
        self.max_staleness = max_staleness;
        self
    }

    /// The backoff between failed fetches: `initial` after the first failure, doubling with
    /// each one after it up to `max`, with jitter. Default 1 s to 30 s.
    pub fn with_retry_backoff(mut self, initial: Duration, max: Duration) -> JwksCache {
        self.backoff = Backoff { initial, max: max.max(initial) };
        self
    }

    /// How many fetches were started for `client`'s instance (for tests and metrics).
    pub fn fetch_count(&self, client: &impl AsRef<clerk_api_runtime::Client>) -> u64 {
        self.instance(&InstanceId::of(client.as_ref())).fetches.load(Ordering::Relaxed)
    }

    /// The state of `client`'s instance's keys: their age, whether they are stale, the
    /// failures since the last successful fetch.
    pub fn status(&self, client: &impl AsRef<clerk_api_runtime::Client>) -> KeysStatus {
        let instance = self.instance(&InstanceId::of(client.as_ref()));
        let now = Instant::now();
        // One lock at a time: a fetch's end takes `refresh`, then `keys`.
        let (count, fetched_at) = {
            let keys = instance.keys.read().unwrap_or_else(PoisonError::into_inner);
            (keys.keys.len(), keys.fetched_at)
        };
        let refresh = instance.refresh.lock().unwrap_or_else(PoisonError::into_inner);
        let age = fetched_at.map(|at| now.saturating_duration_since(at));
        KeysStatus {
            keys: count,
            age,
            stale: age.is_some_and(|age| age >= self.ttl),
            refreshing: refresh.in_flight,
            failures: refresh.failures,
            next_attempt_in: refresh.next_attempt.map(|at| at.saturating_duration_since(now)),
        }
    }

    /// Forgets every cached key and past failure (options built earlier included: they hold
    /// their instance's entry, which is emptied in place).
    pub fn clear(&self) {
        let instances = self.instances.lock().unwrap_or_else(PoisonError::into_inner);
        for instance in instances.values() {
            let mut refresh = instance.refresh.lock().unwrap_or_else(PoisonError::into_inner);
            *refresh = Refresh { in_flight: refresh.in_flight, ..Refresh::default() };
            *instance.keys.write().unwrap_or_else(PoisonError::into_inner) = KeySet::default();
        }
    }

    pub(crate) fn instance(&self, id: &InstanceId) -> Arc<InstanceKeys> {
        let mut instances = self.instances.lock().unwrap_or_else(PoisonError::into_inner);
        instances
            .entry(id.clone())
            .or_insert_with(|| {
                Arc::new(InstanceKeys {
                    keys: RwLock::default(),
                    refresh: Mutex::default(),
                    fetch_ended: watch::Sender::new(0),
                    fetches: AtomicU64::default(),
                })
            })
            .clone()
    }

    /// The key with `kid` for the instance: from the cache when it has it (starting a
    /// background refresh when the keys are stale), else from a fetch waited for until
    /// `deadline`.
    pub(crate) async fn key(
        &self,
        instance: &Arc<InstanceKeys>,
        client: &Clerk,
        kid: &str,
        deadline: Deadline,
    ) -> Result<Lookup, AuthError> {
        match self.answer_from_cache(instance, client, kid, deadline) {
            Some(answer) => Ok(answer),
            // Boxed: the state of a wait is large, and moving it with every request's future
            // cost the cached path more than the lookup itself.
            None => Box::pin(self.fetched_key(instance, client, kid, deadline)).await,
        }
    }

    /// The answer the cache gives without waiting, if it gives one: a fresh key; a stale one
    /// (starting a refresh); or `Unknown` for a `kid` fresh keys lack, fetched less than the
    /// refetch interval ago (not the instance's, and not worth another fetch).
    fn answer_from_cache(
        &self,
        instance: &Arc<InstanceKeys>,
        client: &Clerk,
        kid: &str,
        deadline: Deadline,
    ) -> Option<Lookup> {
        let (found, age) = self.cached(instance, kid);
        match (found, age?) {
            (Some(key), age) if age < self.ttl => Some(Lookup::Found(key)),
            (Some(key), age) if age < self.max_age() => {
                // Stale but usable: served now, refreshed for the next requests (started,
                // running or backing off: nothing to wait for here).
                let _ = self.fetch(instance, client, deadline.budget());
                Some(Lookup::Found(key))
            }
            (None, age) if age < self.ttl && age < self.refetch_interval => Some(Lookup::Unknown),
            _ => None,
        }
    }

    /// The key after a fetch (joined, started, or refused by the backoff), waited for until
    /// `deadline`.
    async fn fetched_key(
        &self,
        instance: &Arc<InstanceKeys>,
        client: &Clerk,
        kid: &str,
        deadline: Deadline,
    ) -> Result<Lookup, AuthError> {
        let started = Instant::now();
        let mut ended = match self.fetch(instance, client, deadline.budget()) {
            Fetch::Wait(ended) => ended,
            Fetch::BackingOff { last, due_in } => {
                let source = match last {
                    Some(last) => Unavailable::BackingOff { last, due_in },
                    None => Unavailable::Abandoned,
                };
                return Err(AuthError::Jwks { source, retry_after: due_in.max(DEFAULT_RETRY_AFTER) });
            }
            Fetch::NoRuntime => {
                return Err(AuthError::Jwks { source: Unavailable::NoRuntime, retry_after: DEFAULT_RETRY_AFTER });
            }
        };
        let waited = deadline.wait(ended.changed()).await;
        let (found, age) = self.cached(instance, kid);
        let fetched_since = age.is_some_and(|age| age <= started.elapsed());
        match (found, age) {
            (Some(key), Some(age)) if age < self.max_age() => Ok(Lookup::Found(key)),
            (None, _) if fetched_since => Ok(Lookup::Unknown),
            _ => Err(self.unavailable(instance, waited.err())),
        }
    }

    /// The cached key for `kid`, if any, and the keys' age.
    fn cached(&self, instance: &InstanceKeys, kid: &str) -> (Option<Arc<JwtKey>>, Option<Duration>) {
        let keys = instance.keys.read().unwrap_or_else(PoisonError::into_inner);
        let age = keys.fetched_at.map(|at| Instant::now().saturating_duration_since(at));
        (keys.keys.get(kid).cloned(), age)
    }

    /// Why a fetch waited for gave no key: its failure, or the budget spent.
    fn unavailable(&self, instance: &InstanceKeys, timed_out: Option<Unavailable>) -> AuthError {
        let refresh = instance.refresh.lock().unwrap_or_else(PoisonError::into_inner);
        let retry_after =
            refresh.next_attempt.map_or(DEFAULT_RETRY_AFTER, |at| at.saturating_duration_since(Instant::now()));
        let source = match (timed_out, &refresh.last_error) {
            (Some(deadline), _) => deadline,
            (None, Some(last)) => Unavailable::Failed(Arc::clone(last)),
            (None, None) => Unavailable::Abandoned,
        };
        AuthError::Jwks { source, retry_after: retry_after.max(DEFAULT_RETRY_AFTER) }
    }

    /// How old keys may be and still answer: the maximum staleness, never less than the TTL.
    fn max_age(&self) -> Duration {
        self.max_staleness.max(self.ttl)
    }

    /// Joins the instance's fetch in flight or starts one, unless the backoff after a failure
    /// forbids it. The fetch runs detached, bounded by its own timeout (the budget of the
    /// request that started it, at least the default one), so that waiters giving up do not
    /// cancel it.
    fn fetch(&self, instance: &Arc<InstanceKeys>, client: &Clerk, request_budget: Duration) -> Fetch {
        if tokio::runtime::Handle::try_current().is_err() {
            // The HTTP client needs a Tokio runtime, and so does waiting: nothing to do here.
            return Fetch::NoRuntime;
        }
        let now = Instant::now();
        let mut refresh = instance.refresh.lock().unwrap_or_else(PoisonError::into_inner);
        let ended = instance.fetch_ended.subscribe();
        if refresh.in_flight {
            return Fetch::Wait(ended);
        }
        if let Some(at) = refresh.next_attempt.filter(|at| *at > now) {
            return Fetch::BackingOff { last: refresh.last_error.clone(), due_in: at - now };
        }
        refresh.in_flight = true;
        drop(refresh);
        instance.fetches.fetch_add(1, Ordering::Relaxed);
        let end = FetchEnd {
            instance: Arc::clone(instance),
            outcome: None,
            backoff: self.backoff,
            max_staleness: self.max_age(),
        };
        // Detached and shared, the fetch is not any one request's: it gets at least the default
        // budget, so that a request with a tiny one cannot keep the cache from filling.
        let timeout = request_budget.max(budget::DEFAULT_REQUEST_BUDGET);
        let call = budget::call_options(timeout, timeout);
        // The guard moves into the task: dropped unpolled (its runtime shut down first), it
        // still ends the fetch.
        let _ = budget::detach(run_fetch(end, client.clone(), call));
        Fetch::Wait(ended)
    }
}

/// Marks the end of a fetch, however it ends (a task cancelled with its runtime included).
struct FetchEnd {
    instance: Arc<InstanceKeys>,
    outcome: Option<Result<HashMap<String, Arc<JwtKey>>, crate::Error>>,
    backoff: Backoff,
    max_staleness: Duration,
}

impl Drop for FetchEnd {
    fn drop(&mut self) {
        let now = Instant::now();
        let mut refresh = self.instance.refresh.lock().unwrap_or_else(PoisonError::into_inner);
        refresh.in_flight = false;
        match self.outcome.take() {
            Some(Ok(keys)) => {
                *self.instance.keys.write().unwrap_or_else(PoisonError::into_inner) =
                    KeySet { keys, fetched_at: Some(now) };
                if refresh.failures > 0 {
                    #[cfg(feature = "tracing")]
                    tracing::info!(failures = refresh.failures, "Clerk's JWKS fetched again: the keys are fresh");
                }
                *refresh = Refresh::default();
            }
            failed => {
                refresh.failures = refresh.failures.saturating_add(1);
                let wait = self.backoff.after(refresh.failures);
                refresh.next_attempt = now.checked_add(wait);
                let error = match failed {
                    Some(Err(error)) => error,
                    _ => crate::Error::Request("the JWKS fetch was abandoned".to_owned()),
                };
                let age = self
                    .instance
                    .keys
                    .read()
                    .map(|k| k.fetched_at.map(|at| now.saturating_duration_since(at)))
                    .unwrap_or(None);
                log_failure(&error, refresh.failures, wait, age, self.max_staleness);
                refresh.last_error = Some(Arc::new(error));
            }
        }
        // Still under the lock: a request that finds no fetch in flight and starts the next one
        // subscribes after this, so only the end of its own fetch wakes it.
        self.instance.fetch_ended.send_modify(|generation| *generation = generation.wrapping_add(1));
        drop(refresh);
    }
}

/// Says that a fetch failed, and whether cached keys still answer.
fn log_failure(error: &crate::Error, failures: u32, wait: Duration, age: Option<Duration>, max_staleness: Duration) {
    #[cfg(feature = "tracing")]
    match age {
        Some(age) if age < max_staleness => tracing::warn!(
            error = %error, failures, retry_in = ?wait, keys_age = ?age, max_staleness = ?max_staleness,
            "could not refresh Clerk's JWKS: the cached keys keep verifying tokens"
        ),
        Some(age) => tracing::error!(
            error = %error, failures, retry_in = ?wait, keys_age = ?age,
            "could not refresh Clerk's JWKS, and the cached keys are past their maximum staleness: tokens cannot be verified"
        ),
        None => tracing::error!(
            error = %error, failures, retry_in = ?wait,
            "could not fetch Clerk's JWKS: tokens cannot be verified"
        ),
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (error, failures, wait, age, max_staleness);
}

async fn run_fetch(mut end: FetchEnd, client: Clerk, call: CallOptions) {
    let request = Request::new(Method::GET, "GetJWKS", "/jwks", "/jwks".to_owned(), call);
    let fetched = client.client().execute_json::<Jwks>(request).await;
    end.outcome = Some(fetched.map(|jwks| jwks.keys.into_iter().filter_map(rsa_signing_key).collect()));
}

/// `GET /jwks` as far as verification reads it: the RSA public keys' fields. Decoded into this
/// rather than the API's full union of key types (private, EC, Ed25519, symmetric), which this
/// crate would compile for nothing.
#[derive(Deserialize)]
struct Jwks {
    #[serde(default)]
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    #[serde(default)]
    kty: String,
    #[serde(default)]
    kid: String,
    #[serde(default)]
    alg: String,
    #[serde(default, rename = "use")]
    usage: String,
    #[serde(default)]
    n: String,
    #[serde(default)]
    e: String,
}

/// An RSA signing key of the JWKS, with the algorithm it names (a token whose `alg` differs is
/// refused); other key types and uses are skipped.
fn rsa_signing_key(jwk: Jwk) -> Option<(String, Arc<JwtKey>)> {
    if jwk.kty != "RSA" || jwk.n.is_empty() || !(jwk.usage.is_empty() || jwk.usage == "sig") {
        return None;
    }
    let alg = (!jwk.alg.is_empty()).then_some(jwk.alg);
    let key = JwtKey::from_jwk(&jwk.n, &jwk.e, alg).ok()?;
    Some((jwk.kid, Arc::new(key)))
}
