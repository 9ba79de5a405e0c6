//! Clerk's verdicts on opaque machine tokens, remembered for a while, and the calls in flight
//! for them: a token repeated in a loop costs one call, however many requests carry it.

use crate::error::Unavailable;
use crate::state::{Auth, SignedOut};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long Clerk's "not valid" answer on a machine token is remembered unless configured.
pub const DEFAULT_INVALID_TOKEN_TTL: Duration = Duration::from_secs(60);
/// How many verdicts are remembered at most unless configured.
pub const DEFAULT_MACHINE_TOKEN_CACHE_ENTRIES: usize = 10_000;

/// A SHA-256 of the token and the client verifying it: the cache never holds a token itself.
pub(crate) type Digest = [u8; 32];

/// What asking Clerk about a token gave: a verdict, or why there is none.
pub(crate) type Outcome = Result<Result<Auth, SignedOut>, Unavailable>;

/// Remembers Clerk's verdicts on opaque machine tokens (`ak_`, `mt_`, `oat_`) and shares the
/// call in flight for a token between the requests that carry it.
///
/// - **Invalid tokens** (unknown to Clerk, revoked, expired) are answered from memory for
///   [`invalid_for`](Self::invalid_for) (default a minute): none of these becomes valid again.
/// - **Valid tokens** are not remembered unless [`valid_for`](Self::valid_for) says so: a
///   token revoked in Clerk's dashboard then stays accepted for up to that long (and never
///   past its own expiration). Off by default, so that revocation takes effect at once.
/// - Failures (Clerk unreachable, 5xx) are never remembered.
///
/// Entries are keyed by a SHA-256 of the token together with the verifying client's URL and
/// key (a token valid for one instance says nothing about another), never the token itself, and
/// are bounded in number (default 10,000, the oldest dropped first), so a flood of distinct
/// tokens bounds memory.
///
/// One cache is made for each [`AuthenticateOptions`](crate::AuthenticateOptions) and shared
/// by its clones: build the options once.
pub struct MachineTokenCache {
    invalid_for: Duration,
    valid_for: Duration,
    max_entries: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    verdicts: HashMap<Digest, Entry>,
    /// Insertion order, for eviction: `(digest, seq)`; a record whose entry was replaced or
    /// removed since is skipped.
    order: VecDeque<(Digest, u64)>,
    seq: u64,
    in_flight: HashMap<Digest, watch::Receiver<Option<Outcome>>>,
}

struct Entry {
    verdict: Result<Auth, SignedOut>,
    expires: Instant,
    seq: u64,
}

impl fmt::Debug for MachineTokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineTokenCache")
            .field("invalid_for", &self.invalid_for)
            .field("valid_for", &self.valid_for)
            .field("max_entries", &self.max_entries)
            .field("entries", &self.len())
            .finish()
    }
}

impl Default for MachineTokenCache {
    fn default() -> Self {
        MachineTokenCache::new()
    }
}

/// What the cache answers for a token.
pub(crate) enum Begin {
    /// A verdict still remembered.
    Remembered(Result<Auth, SignedOut>),
    /// Another request's call for the same token: wait for its outcome.
    Join(watch::Receiver<Option<Outcome>>),
    /// No call yet: this request makes it, and must [`finish`](Lead::finish) it.
    Lead(Lead, watch::Receiver<Option<Outcome>>),
}

/// The duty of the request that calls Clerk for a token: hand the outcome to the cache and to
/// the waiters. Dropped unfinished (its task cancelled), it withdraws the call, and waiters see
/// it abandoned.
pub(crate) struct Lead {
    cache: Arc<MachineTokenCache>,
    digest: Digest,
    sender: Option<watch::Sender<Option<Outcome>>>,
}

impl MachineTokenCache {
    /// A cache with the defaults: invalid tokens remembered a minute, valid ones not at all,
    /// 10,000 entries at most.
    pub fn new() -> MachineTokenCache {
        MachineTokenCache {
            invalid_for: DEFAULT_INVALID_TOKEN_TTL,
            valid_for: Duration::ZERO,
            max_entries: DEFAULT_MACHINE_TOKEN_CACHE_ENTRIES,
            inner: Mutex::default(),
        }
    }

    /// How long an invalid token's verdict is remembered; `Duration::ZERO` remembers none.
    pub fn invalid_for(mut self, ttl: Duration) -> MachineTokenCache {
        self.invalid_for = ttl;
        self
    }

    /// How long a valid token's verdict is remembered (never past the token's expiration); a
    /// token revoked meanwhile stays accepted that long. Default `Duration::ZERO`: none.
    pub fn valid_for(mut self, ttl: Duration) -> MachineTokenCache {
        self.valid_for = ttl;
        self
    }

    /// How many verdicts are remembered at most (the oldest are dropped first).
    pub fn max_entries(mut self, max_entries: usize) -> MachineTokenCache {
        self.max_entries = max_entries;
        self
    }

    /// How many verdicts are remembered now (expired ones included until they are dropped).
    pub fn len(&self) -> usize {
        self.lock().verdicts.len()
    }

    /// Whether no verdict is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every verdict.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.verdicts.clear();
        inner.order.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The remembered verdict on `digest`, the call in flight for it, or the duty to call.
    /// `allow` runs only before a new call, under the cache's lock (the limiter's say).
    pub(crate) fn begin<E>(
        self: &Arc<Self>,
        digest: Digest,
        allow: impl FnOnce() -> Result<(), E>,
    ) -> Result<Begin, E> {
        let now = Instant::now();
        let mut inner = self.lock();
        match inner.verdicts.get(&digest) {
            Some(entry) if entry.expires > now => return Ok(Begin::Remembered(entry.verdict.clone())),
            Some(_) => {
                inner.verdicts.remove(&digest);
            }
            None => {}
        }
        if let Some(receiver) = inner.in_flight.get(&digest) {
            return Ok(Begin::Join(receiver.clone()));
        }
        allow()?;
        let (sender, receiver) = watch::channel(None);
        inner.in_flight.insert(digest, receiver.clone());
        Ok(Begin::Lead(Lead { cache: Arc::clone(self), digest, sender: Some(sender) }, receiver))
    }

    /// Remembers `verdict` for `ttl`, dropping the oldest entries beyond the bound.
    fn remember(&self, inner: &mut Inner, digest: Digest, verdict: Result<Auth, SignedOut>, ttl: Duration) {
        if ttl.is_zero() || self.max_entries == 0 {
            return;
        }
        let Some(expires) = Instant::now().checked_add(ttl) else { return };
        inner.seq += 1;
        let seq = inner.seq;
        inner.verdicts.insert(digest, Entry { verdict, expires, seq });
        inner.order.push_back((digest, seq));
        while inner.order.len() > self.max_entries {
            let Some((oldest, seq)) = inner.order.pop_front() else { break };
            if inner.verdicts.get(&oldest).is_some_and(|entry| entry.seq == seq) {
                inner.verdicts.remove(&oldest);
            }
        }
    }
}

impl Lead {
    /// Hands `outcome` to the waiters, remembering a verdict as the cache's settings say
    /// (`valid_until`: how long a valid token stays valid, if it expires).
    pub(crate) fn finish(mut self, outcome: Outcome, valid_until: Option<Duration>) {
        let cache = Arc::clone(&self.cache);
        let mut inner = cache.lock();
        inner.in_flight.remove(&self.digest);
        match &outcome {
            Ok(Ok(auth)) => {
                let ttl = valid_until.map_or(cache.valid_for, |left| left.min(cache.valid_for));
                cache.remember(&mut inner, self.digest, Ok(auth.clone()), ttl);
            }
            Ok(Err(out)) => cache.remember(&mut inner, self.digest, Err(out.clone()), cache.invalid_for),
            Err(_) => {}
        }
        drop(inner);
        if let Some(sender) = self.sender.take() {
            // Waiters may all have given up (their budgets spent): nothing to tell.
            let _ = sender.send(Some(outcome));
        }
    }
}

impl Drop for Lead {
    fn drop(&mut self) {
        if self.sender.is_some() {
            self.cache.lock().in_flight.remove(&self.digest);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::reason::Reason;

    fn invalid() -> Outcome {
        Ok(Err(SignedOut::new(Reason::TokenInvalid, "unknown")))
    }

    fn lead(cache: &Arc<MachineTokenCache>, digest: Digest) -> Lead {
        match cache.begin(digest, || Ok::<_, ()>(())).unwrap() {
            Begin::Lead(lead, _) => lead,
            _ => panic!("expected to lead"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_invalid_verdict_is_remembered_for_its_ttl() {
        let cache = Arc::new(MachineTokenCache::new().invalid_for(Duration::from_secs(60)));
        lead(&cache, [1; 32]).finish(invalid(), None);
        tokio::time::advance(Duration::from_secs(59)).await;
        assert!(matches!(cache.begin([1; 32], || Ok::<_, ()>(())), Ok(Begin::Remembered(Err(_)))));
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(matches!(cache.begin([1; 32], || Ok::<_, ()>(())), Ok(Begin::Lead(..))));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_join_the_call_in_flight_and_share_its_outcome() {
        let cache = Arc::new(MachineTokenCache::new());
        let lead = lead(&cache, [2; 32]);
        let Ok(Begin::Join(mut joined)) = cache.begin([2; 32], || Err("no new call")) else { panic!("not joined") };
        lead.finish(invalid(), None);
        joined.changed().await.unwrap();
        assert!(matches!(&*joined.borrow(), Some(Ok(Err(_)))));
    }

    #[tokio::test(start_paused = true)]
    async fn failures_are_not_remembered_and_an_abandoned_call_is_withdrawn() {
        let cache = Arc::new(MachineTokenCache::new());
        lead(&cache, [3; 32]).finish(Err(Unavailable::Abandoned), None);
        assert!(cache.is_empty());
        let Ok(Begin::Lead(lead, mut receiver)) = cache.begin([3; 32], || Ok::<_, ()>(())) else { panic!() };
        drop(lead);
        assert!(receiver.changed().await.is_err(), "waiters see the call abandoned");
        assert!(matches!(cache.begin([3; 32], || Ok::<_, ()>(())), Ok(Begin::Lead(..))));
    }

    #[tokio::test(start_paused = true)]
    async fn the_limiter_is_asked_only_before_a_new_call() {
        let cache = Arc::new(MachineTokenCache::new());
        assert!(matches!(cache.begin([4; 32], || Err("limited")), Err("limited")));
        lead(&cache, [4; 32]).finish(invalid(), None);
        assert!(matches!(cache.begin([4; 32], || Err("limited")), Ok(Begin::Remembered(_))));
    }

    #[tokio::test(start_paused = true)]
    async fn memory_is_bounded_under_a_flood_of_distinct_tokens() {
        let cache = Arc::new(MachineTokenCache::new().max_entries(100));
        for i in 0..10_000u32 {
            let mut digest = [0; 32];
            digest[..4].copy_from_slice(&i.to_le_bytes());
            lead(&cache, digest).finish(invalid(), None);
        }
        assert_eq!(cache.len(), 100);
        assert!(cache.lock().order.len() <= 100);
        assert!(cache.lock().in_flight.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn valid_verdicts_are_kept_only_when_asked_and_never_past_expiry() {
        let auth = || {
            Ok(Ok(Auth::Session(Box::new(crate::session::SessionAuth::new(
                "{\"sub\":\"user_1\"}".into(),
                crate::session::SessionAuth::fields(
                    "{\"sub\":\"user_1\"}",
                    &serde_json::from_str("{\"sub\":\"user_1\",\"exp\":1}").unwrap(),
                ),
            )))))
        };
        let off = Arc::new(MachineTokenCache::new());
        lead(&off, [5; 32]).finish(auth(), None);
        assert!(off.is_empty());
        let on = Arc::new(MachineTokenCache::new().valid_for(Duration::from_secs(10)));
        lead(&on, [5; 32]).finish(auth(), Some(Duration::from_secs(3)));
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(matches!(on.begin([5; 32], || Ok::<_, ()>(())), Ok(Begin::Remembered(Ok(_)))));
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(matches!(on.begin([5; 32], || Ok::<_, ()>(())), Ok(Begin::Lead(..))));
    }
}
