//! The native session: what Clerk's iOS and Android SDKs do by hand on top of the Frontend API,
//! for Rust apps (Tauri, Dioxus, egui, command-line tools).
//!
//! A [`NativeClient`] is built from the instance's publishable key (its Frontend API host) and a
//! [`TokenStore`]. It sends every request as those SDKs do: `_is_native=true`, `x-mobile: 1`,
//! the API version of the pinned spec, and the client token as a bearer token, which it takes
//! from any answer that issues, rotates or clears it and saves to the store. After every answer
//! it takes in the client the Frontend API sends along (`{response, client}`), so
//! [`state`](NativeClient::state) and [`changes`](NativeClient::changes) always show the
//! sessions the server knows. Sign-in and sign-up are small state machines
//! ([`SignInAttempt`], [`SignUpAttempt`]); [`token`](NativeClient::token) returns the active
//! session's JWT, fetched again shortly before it expires, one fetch at a time.
//!
//! Where this follows the native SDKs (and where not) is written beside each step; the order of
//! calls is theirs: load with `GET /v1/client`; sign in by creating the sign-in with the
//! identifier and the strategy (a password, or `email_code` / `phone_code`, which sends the
//! code), then the attempts; a second factor (`totp`, `backup_code`) attempted without a prepare; OAuth through
//! the system browser completed by reloading the sign-in with the callback's
//! `rotating_token_nonce`; sign out with `DELETE /v1/client/sessions`.

mod error;
mod oauth;
mod sign_in;
mod sign_up;
mod state;
mod store;
mod tokens;

pub use error::{ErrorCode, NativeError};
pub use oauth::{OAuthCompletion, OAuthStart};
pub use sign_in::SignInAttempt;
pub use sign_up::{SignUpAttempt, SignUpDetails};
pub use state::SessionState;
pub use store::{FileStore, MemoryStore, StoreError, TokenStore};

use crate::types;
use crate::{ClientToken, FrontendApi};
use std::sync::Arc;
use std::time::Duration;

/// How long before its expiry a cached session token is fetched again, unless configured:
/// Clerk's iOS and Android SDKs use 10 s (session tokens live 60 s).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(10);

/// A native app's Clerk client: sign-in and sign-up flows, the session's state, its tokens and
/// sign-out. Cheap to clone: clones share everything.
///
/// ```no_run
/// # async fn run() -> Result<(), clerk_fapi::native::NativeError> {
/// use clerk_fapi::native::{FileStore, NativeClient};
///
/// let clerk = NativeClient::builder("pk_test_...").store(FileStore::new("clerk-token")).build()?;
/// clerk.load().await?;
/// if !clerk.state().is_signed_in() {
///     let attempt = clerk.sign_in_with_email_code("ada@example.com").await?;
///     let attempt = attempt.verify_email_code("424242").await?;
///     assert!(attempt.is_complete());
/// }
/// let jwt = clerk.token().await?; // send it to your backend as `Authorization: Bearer <jwt>`
/// # let _ = jwt;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct NativeClient {
    inner: Arc<Inner>,
}

struct Inner {
    fapi: FrontendApi,
    token: ClientToken,
    store: Arc<dyn TokenStore>,
    /// The token generation last saved to the store.
    saved: std::sync::Mutex<u64>,
    state: tokio::sync::watch::Sender<SessionState>,
    tokens: tokens::TokenCache,
}

impl std::fmt::Debug for NativeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeClient")
            .field("frontend_api", &self.inner.fapi.base_url())
            .field("token", &self.inner.token)
            .field("signed_in", &self.state().is_signed_in())
            .finish_non_exhaustive()
    }
}

/// Configures a [`NativeClient`]; get one from [`NativeClient::builder`].
#[must_use]
pub struct NativeClientBuilder {
    publishable_key: String,
    base_url: Option<String>,
    store: Arc<dyn TokenStore>,
    refresh_margin: Duration,
    timeout: Option<Duration>,
    user_agent: Option<String>,
}

impl std::fmt::Debug for NativeClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeClientBuilder")
            .field("base_url", &self.base_url)
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}

impl NativeClientBuilder {
    /// Keeps the client token in `store` (default: in memory only, so every run signs in).
    pub fn store(mut self, store: impl TokenStore) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// Sends requests here instead of the publishable key's Frontend API host (a proxy, or a
    /// fake Clerk in tests).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Fetches a cached session token again when less than this is left of it (default
    /// [`DEFAULT_REFRESH_MARGIN`]).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The time one attempt of a request may take (default: the runtime's 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Prepends your app's product token to `User-Agent`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Checks the key, restores the token from the store and builds the client. Nothing is sent
    /// yet: call [`NativeClient::load`].
    pub fn build(self) -> Result<NativeClient, NativeError> {
        let key = clerk_api_auth::PublishableKey::parse(&self.publishable_key)?;
        let base_url = self.base_url.unwrap_or_else(|| format!("https://{}", key.frontend_api()));
        let token = ClientToken::new(self.store.load()?);
        let mut builder = FrontendApi::builder()
            .base_url(base_url)
            .credential(FrontendApi::production_native_flag_credential("true"))
            .header("x-mobile", "1")
            .client_token(token.clone());
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(agent) = self.user_agent {
            builder = builder.user_agent(agent);
        }
        let fapi = builder.build().map_err(NativeError::Request)?;
        let saved = token.generation();
        Ok(NativeClient {
            inner: Arc::new(Inner {
                fapi,
                token,
                store: self.store,
                saved: std::sync::Mutex::new(saved),
                state: tokio::sync::watch::Sender::new(SessionState::default()),
                tokens: tokens::TokenCache::new(self.refresh_margin),
            }),
        })
    }
}

impl NativeClient {
    /// A builder for the instance of `publishable_key` (`pk_test_...`, `pk_live_...`).
    pub fn builder(publishable_key: impl Into<String>) -> NativeClientBuilder {
        NativeClientBuilder {
            publishable_key: publishable_key.into(),
            base_url: None,
            store: Arc::new(MemoryStore::new()),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            timeout: None,
            user_agent: None,
        }
    }

    /// Fetches the client (`GET /v1/client`): its sessions, restored from the stored token, or
    /// none. Call it at start and when the app comes back to the foreground, as the native
    /// SDKs do.
    pub async fn load(&self) -> Result<SessionState, NativeError> {
        let answer = self.inner.fapi.client().get().await;
        let answer = self.after(answer)?;
        self.replace_client(answer.response);
        Ok(self.state())
    }

    /// What is known of the client now: its sessions and the active one.
    pub fn state(&self) -> SessionState {
        self.inner.state.borrow().clone()
    }

    /// The states to come, each time the client changes (a sign-in completes, a session ends, a
    /// token rotates the client...): a stream that starts with the state now.
    pub fn changes(&self) -> impl futures_util::Stream<Item = SessionState> + Send + 'static {
        let receiver = self.inner.state.subscribe();
        futures_util::stream::unfold((receiver, true), |(mut receiver, first)| async move {
            if !first && receiver.changed().await.is_err() {
                return None;
            }
            let state = receiver.borrow_and_update().clone();
            Some((state, (receiver, false)))
        })
    }

    /// Makes `session_id` the active session and `organization_id` its active organization
    /// (`None`: the personal account), as `POST /v1/client/sessions/{id}/touch` does; the
    /// session's cached tokens are dropped, as their organization claims changed.
    pub async fn set_active(&self, session_id: &str, organization_id: Option<&str>) -> Result<(), NativeError> {
        let touch = self.inner.fapi.sessions().touch(session_id).active_organization_id(organization_id.unwrap_or(""));
        let answer = self.after(touch.await)?;
        self.inner.tokens.forget_session(session_id);
        self.take_client(answer.client);
        Ok(())
    }

    /// Signs out of every session on this device (`DELETE /v1/client/sessions`, as the native
    /// SDKs' sign-out); the client and its token stay, signed out.
    pub async fn sign_out(&self) -> Result<(), NativeError> {
        let answer = self.inner.fapi.sessions().remove_all().await;
        let answer = self.after(answer);
        // Whatever the answer, no token of an ended session is handed out again.
        self.inner.tokens.forget_all();
        let answer = answer?;
        self.replace_client(answer.response);
        Ok(())
    }

    /// Ends one session (`POST /v1/client/sessions/{id}/end`).
    pub async fn end_session(&self, session_id: &str) -> Result<(), NativeError> {
        let answer = self.inner.fapi.sessions().end(session_id).await;
        self.inner.tokens.forget_session(session_id);
        let answer = self.after(answer)?;
        self.take_client(answer.client);
        Ok(())
    }

    /// The generated client underneath, for the Frontend API calls this session does not wrap
    /// (the user's profile, organizations, passkeys...). Its requests carry the same token; call
    /// [`load`](Self::load) after one that changes the client.
    pub fn frontend_api(&self) -> &FrontendApi {
        &self.inner.fapi
    }

    /// After every call: saves the token if an answer changed it, and turns the result's
    /// error into a [`NativeError`].
    fn after<T>(&self, result: Result<T, crate::Error>) -> Result<T, NativeError> {
        self.save_token()?;
        result.map_err(NativeError::from)
    }

    fn save_token(&self) -> Result<(), NativeError> {
        let mut saved = self.inner.saved.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let generation = self.inner.token.generation();
        if *saved != generation {
            self.inner.store.save(self.inner.token.get().as_deref())?;
            *saved = generation;
        }
        Ok(())
    }

    /// Takes in the client an answer carried along (`None`: the answer said nothing of it).
    fn take_client(&self, client: Option<types::Client>) {
        if let Some(client) = client {
            self.replace_client(Some(client));
        }
    }

    /// Replaces the client (`None`: there is none, signed out), unless the one held is newer:
    /// answers to concurrent calls may arrive out of order.
    fn replace_client(&self, client: Option<types::Client>) {
        self.inner.state.send_if_modified(|state| state.replace(client));
        let active: Vec<String> = self.state().sessions().iter().map(|session| session.id.clone()).collect();
        self.inner.tokens.keep_sessions(&active);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_key_that_is_not_one_is_a_typed_error_and_the_host_comes_from_a_good_one() {
        let refused = NativeClient::builder("sk_test_oops").build();
        assert!(matches!(refused, Err(NativeError::PublishableKey(_))), "{refused:?}");
        let clerk = NativeClient::builder("pk_live_Y2xlcmsudGVzdCQ").build().unwrap();
        assert_eq!(clerk.frontend_api().base_url(), "https://clerk.test");
    }
}
