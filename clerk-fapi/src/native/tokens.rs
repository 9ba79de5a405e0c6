//! Session tokens, cached per session, organization and template, and fetched again when less
//! than the margin is left of them, as Clerk's native SDKs do (they reuse a token while more than
//! 10 s remain, and let one fetch per key run at a time). A token's expiry is read from its
//! `exp` without verifying it (`clerk_api_auth::unverified_expiry`): it only schedules the next
//! fetch; the backend that receives the token verifies it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Which token: a session's, for its organization, plain or from a JWT template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct TokenKey {
    pub(crate) session: String,
    pub(crate) organization: Option<String>,
    pub(crate) template: Option<String>,
}

/// One key's token; its lock is held while the token is fetched, so callers wait for that
/// fetch instead of starting their own.
type Slot = Arc<tokio::sync::Mutex<Option<String>>>;

pub(crate) struct TokenCache {
    margin: Duration,
    slots: Mutex<HashMap<TokenKey, Slot>>,
}

impl TokenCache {
    pub(crate) fn new(margin: Duration) -> TokenCache {
        TokenCache { margin, slots: Mutex::new(HashMap::new()) }
    }

    /// The token of `key`: the cached one, else `seed` (the session's last token, which the
    /// client carries), while fresh; else one `fetch`ed (one fetch per key at a time).
    pub(crate) async fn get<F, Fut, E>(&self, key: TokenKey, seed: Option<String>, fetch: F) -> Result<String, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<String, E>>,
    {
        let slot = self.slot(&key);
        let mut cached = slot.lock().await;
        for candidate in [cached.clone(), seed].into_iter().flatten() {
            if self.fresh(&candidate) {
                *cached = Some(candidate.clone());
                return Ok(candidate);
            }
        }
        let token = fetch().await?;
        *cached = Some(token.clone());
        Ok(token)
    }

    /// Whether more than the margin is left of `token`.
    fn fresh(&self, token: &str) -> bool {
        clerk_api_auth::unverified_expiry(token)
            .and_then(|expiry| expiry.duration_since(SystemTime::now()).ok())
            .is_some_and(|left| left > self.margin)
    }

    fn slot(&self, key: &TokenKey) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(slots.entry(key.clone()).or_default())
    }

    /// Drops the tokens of a session (it ended, or its organization changed).
    pub(crate) fn forget_session(&self, session: &str) {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).retain(|key, _| key.session != session);
    }

    /// Drops the tokens of every session but `active`.
    pub(crate) fn keep_sessions(&self, active: &[String]) {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|key, _| active.contains(&key.session));
    }

    /// Drops every token (signed out).
    pub(crate) fn forget_all(&self) {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
}

impl super::NativeClient {
    /// The active session's token (a JWT to send your backend as `Authorization: Bearer`), or
    /// `None` when signed out. Reused while more than the refresh margin is left of it, else
    /// fetched again (`POST /v1/client/sessions/{id}/tokens`), one fetch at a time.
    pub async fn token(&self) -> Result<Option<String>, super::NativeError> {
        self.session_token(None).await
    }

    /// A token of the JWT template `template` for the active session, cached like
    /// [`token`](Self::token).
    pub async fn token_with_template(&self, template: &str) -> Result<Option<String>, super::NativeError> {
        self.session_token(Some(template)).await
    }

    async fn session_token(&self, template: Option<&str>) -> Result<Option<String>, super::NativeError> {
        let state = self.state();
        let Some(session) = state.active_session() else { return Ok(None) };
        let key = TokenKey {
            session: session.id.clone(),
            organization: session.last_active_organization_id.clone(),
            template: template.map(str::to_owned),
        };
        // The client carries the session's last plain token: a start needs no fetch.
        let seed = template.is_none().then(|| session.last_active_token.as_ref().map(|t| t.jwt.clone())).flatten();
        let fetch = || async {
            let sessions = self.inner.fapi.sessions();
            let jwt = match (&key.template, &key.organization) {
                (Some(template), _) => {
                    let answer = sessions.create_token_with_template(&key.session, template).await;
                    self.after(answer)?.jwt
                }
                (None, organization) => {
                    let mut request = sessions.create_token(&key.session);
                    if let Some(organization) = organization {
                        request = request.organization_id(organization);
                    }
                    self.after(request.await)?.jwt
                }
            };
            jwt.ok_or_else(|| super::NativeError::Flow("the Frontend API answered without a token".to_owned()))
        };
        self.inner.tokens.get(key.clone(), seed, fetch).await.map(Some)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use base64::Engine;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn jwt_expiring_in(seconds: i64) -> String {
        let exp = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64 + seconds;
        let part = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
        format!("{}.{}.sig", part(r#"{"alg":"RS256"}"#), part(&format!(r#"{{"exp":{exp}}}"#)))
    }

    fn key() -> TokenKey {
        TokenKey { session: "sess_1".into(), organization: None, template: None }
    }

    #[tokio::test]
    async fn a_fresh_token_is_reused_and_one_near_expiry_is_fetched_again_once_for_all_callers() {
        let cache = Arc::new(TokenCache::new(Duration::from_secs(10)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let fetch = |seconds: i64| {
            let fetches = Arc::clone(&fetches);
            move || async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok::<_, ()>(jwt_expiring_in(seconds))
            }
        };
        // The seed (the client's last token) is fresh: no fetch.
        let seed = jwt_expiring_in(60);
        assert_eq!(cache.get(key(), Some(seed.clone()), fetch(60)).await.unwrap(), seed);
        assert_eq!(fetches.load(Ordering::SeqCst), 0);
        // A seed 5 s from expiry is inside the margin: one fetch, shared by four callers.
        cache.forget_all();
        let stale = jwt_expiring_in(5);
        let callers: Vec<_> = (0..4)
            .map(|_| {
                let (cache, stale, fetch) = (Arc::clone(&cache), stale.clone(), fetch(60));
                tokio::spawn(async move { cache.get(key(), Some(stale), fetch).await.unwrap() })
            })
            .collect();
        let mut tokens = Vec::new();
        for caller in callers {
            tokens.push(caller.await.unwrap());
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert!(tokens.iter().all(|token| *token == tokens[0] && *token != stale));
        // Forgetting the session makes the next call fetch again.
        cache.forget_session("sess_1");
        cache.get(key(), None, fetch(60)).await.unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }
}
