//! The JWKS cache: the instance's signing keys from `GET /jwks`, shared by every verifier of
//! the process.
//!
//! Keys are cached per instance (API URL and a SHA-256 of the secret key) and per `kid`. A cache
//! keyed on the bare `kid` lets a token minted by one instance verify against another that
//! happened to reuse a `kid`; every official SDK shipped that bug until August 2026.
//!
//! Fetches are single-flight: requests that find the cache cold or the `kid` unknown queue on
//! the instance's fetch lock, and the first one through fetches for all. An unknown `kid`
//! triggers at most one refetch per [`JwksCache::with_unknown_kid_refetch_interval`].

use crate::key::JwtKey;
use crate::Clerk;
use clerk_api_runtime::{CallOptions, Request};
use reqwest::Method;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// How long fetched keys are trusted before the next fetch.
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(5 * 60);
/// The least time between two fetches caused by unknown `kid`s.
pub const DEFAULT_UNKNOWN_KID_REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// Caches instances' signing keys. One shared cache ([`JwksCache::global`]) serves every
/// [`AuthenticateOptions`](crate::AuthenticateOptions) unless one is given its own.
pub struct JwksCache {
    ttl: Duration,
    refetch_interval: Duration,
    instances: Mutex<HashMap<InstanceId, Arc<InstanceKeys>>>,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let instances = self.instances.lock().map(|map| map.len()).unwrap_or(0);
        f.debug_struct("JwksCache")
            .field("ttl", &self.ttl)
            .field("refetch_interval", &self.refetch_interval)
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

/// One instance's keys and the lock its fetches queue on.
pub(crate) struct InstanceKeys {
    state: RwLock<KeySet>,
    fetch: tokio::sync::Mutex<()>,
    fetches: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct KeySet {
    keys: HashMap<String, Arc<JwtKey>>,
    fetched_at: Option<Instant>,
}

/// What looking up a `kid` found.
pub(crate) enum Lookup {
    Found(Arc<JwtKey>),
    /// The instance's current JWKS has no such key.
    Unknown,
}

impl JwksCache {
    /// An empty cache with the default TTL (5 minutes) and unknown-`kid` refetch interval (30 s).
    pub fn new() -> JwksCache {
        JwksCache {
            ttl: DEFAULT_JWKS_TTL,
            refetch_interval: DEFAULT_UNKNOWN_KID_REFETCH_INTERVAL,
            instances: Mutex::default(),
        }
    }

    /// The process-wide cache.
    pub fn global() -> Arc<JwksCache> {
        static GLOBAL: OnceLock<Arc<JwksCache>> = OnceLock::new();
        GLOBAL.get_or_init(|| Arc::new(JwksCache::new())).clone()
    }

    /// How long fetched keys are used before they are fetched again.
    pub fn with_ttl(mut self, ttl: Duration) -> JwksCache {
        self.ttl = ttl;
        self
    }

    /// The least time between two refetches caused by a `kid` the cached keys lack.
    pub fn with_unknown_kid_refetch_interval(mut self, interval: Duration) -> JwksCache {
        self.refetch_interval = interval;
        self
    }

    /// How many times keys were fetched for `client`'s instance (for tests and metrics).
    pub fn fetch_count(&self, client: &impl AsRef<clerk_api_runtime::Client>) -> u64 {
        self.instance(&InstanceId::of(client.as_ref())).fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets every cached key.
    pub fn clear(&self) {
        self.instances.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    pub(crate) fn instance(&self, id: &InstanceId) -> Arc<InstanceKeys> {
        let mut instances = self.instances.lock().unwrap_or_else(PoisonError::into_inner);
        instances
            .entry(id.clone())
            .or_insert_with(|| {
                Arc::new(InstanceKeys {
                    state: RwLock::default(),
                    fetch: tokio::sync::Mutex::new(()),
                    fetches: Default::default(),
                })
            })
            .clone()
    }

    /// The key with `kid` for the instance, fetching the JWKS when the cache is cold, stale,
    /// or lacks the `kid` and the last fetch is older than the refetch interval.
    pub(crate) async fn key(&self, instance: &InstanceKeys, client: &Clerk, kid: &str) -> Result<Lookup, crate::Error> {
        if let Some(found) = self.cached(instance, kid) {
            return Ok(found);
        }
        let _fetching = instance.fetch.lock().await;
        // Whoever held the lock may have fetched what this request needs.
        if let Some(found) = self.cached(instance, kid) {
            return Ok(found);
        }
        instance.fetches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let request = Request::new(Method::GET, "GetJWKS", "/jwks", "/jwks".to_owned(), CallOptions::default());
        let fetched = client.client().execute_json::<Jwks>(request).await?;
        let keys: HashMap<String, Arc<JwtKey>> = fetched.keys.into_iter().filter_map(rsa_signing_key).collect();
        let found = keys.get(kid).cloned();
        *instance.state.write().unwrap_or_else(PoisonError::into_inner) =
            KeySet { keys, fetched_at: Some(Instant::now()) };
        Ok(found.map_or(Lookup::Unknown, Lookup::Found))
    }

    /// The cached answer for `kid`: the key if the keys are younger than the TTL; `Unknown` if
    /// they lack it and were fetched less than the refetch interval ago; `None` if a fetch is due.
    fn cached(&self, instance: &InstanceKeys, kid: &str) -> Option<Lookup> {
        let state = instance.state.read().unwrap_or_else(PoisonError::into_inner);
        let age = state.fetched_at?.elapsed();
        if age >= self.ttl {
            return None;
        }
        match state.keys.get(kid) {
            Some(key) => Some(Lookup::Found(key.clone())),
            None if age < self.refetch_interval => Some(Lookup::Unknown),
            None => None,
        }
    }
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
