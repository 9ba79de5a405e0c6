//! The development-instance "dev browser": Clerk's development instances identify a Frontend
//! API client that is not in native mode (a web view, a desktop app that keeps Clerk's cookies,
//! a CLI acting as a browser) by a token the instance hands out. As clerk-js does it: the token
//! is created with `POST /v1/dev_browser` before the first request, sent as the
//! `__clerk_db_jwt` query parameter with every request, replaced when an answer carries a
//! `Clerk-Db-Jwt` header, and created anew when the instance answers 401
//! `dev_browser_unauthenticated` (the refused request is then sent once more: refused, it did
//! nothing). Native apps do not need it: with `_is_native`, the client token alone identifies
//! the client on development instances too, as Clerk's iOS and Android SDKs rely on.

use crate::client_token::ClientToken;
use std::fmt;
use std::sync::Arc;

/// The query parameter that carries the token.
pub(crate) const PARAMETER: &str = "__clerk_db_jwt";
/// The response header that replaces it.
pub(crate) const HEADER: &str = "clerk-db-jwt";
/// The error code of a token the instance does not know (expired, or another instance's).
const UNAUTHENTICATED: &str = "dev_browser_unauthenticated";

/// The dev browser token a [`Client`](crate::Client) sends to a development instance and keeps
/// current ([`ClientBuilder::dev_browser`](crate::ClientBuilder::dev_browser)): created by the
/// client when it has none, so `DevBrowser::new(None)` is all a caller writes. Cheap to clone:
/// clones share one value, so the app can persist it (read it with [`get`](Self::get), or wait
/// for changes with [`changed`](Self::changed)) and restore it with [`new`](Self::new).
///
/// Never printed: `Debug` shows whether there is a token, not the token.
#[derive(Clone, Default)]
pub struct DevBrowser {
    token: ClientToken,
    /// Held while a token is created, so concurrent first requests create one, not several.
    creating: Arc<tokio::sync::Mutex<()>>,
}

impl DevBrowser {
    /// A dev browser starting with `token` (one restored from storage), or none: the client
    /// then creates one before its first request.
    pub fn new(token: Option<String>) -> DevBrowser {
        DevBrowser { token: ClientToken::new(token), creating: Arc::default() }
    }

    /// The token now held.
    pub fn get(&self) -> Option<String> {
        self.token.get()
    }

    /// Replaces the token (`None` or an empty text: the client creates a new one when next used).
    pub fn set(&self, token: Option<String>) {
        self.token.set(token);
    }

    /// How many times the token changed: a value to pass to [`changed`](Self::changed).
    pub fn generation(&self) -> u64 {
        self.token.generation()
    }

    /// Waits until the token changes after `generation` (at once if it already has), and
    /// returns the new generation.
    pub async fn changed(&self, generation: u64) -> u64 {
        self.token.changed(generation).await
    }

    /// The token to send: the one held, or one `create` makes (once, however many requests
    /// wait for it).
    pub(crate) async fn current<F, Fut, E>(&self, create: F) -> Result<String, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<String, E>>,
    {
        if let Some(token) = self.get() {
            return Ok(token);
        }
        let _creating = self.creating.lock().await;
        if let Some(token) = self.get() {
            return Ok(token);
        }
        let token = create().await?;
        self.set(Some(token.clone()));
        Ok(token)
    }

    /// Takes in an answer's `Clerk-Db-Jwt` header for a request sent with `sent`.
    pub(crate) fn answered(&self, sent: &str, header: Option<&[u8]>) {
        self.token.answered(Some(sent), header);
    }

    /// Whether an answer says the instance refused the token `sent`; if so, the token is
    /// dropped (unless another answer replaced it already), so the next request creates one.
    pub(crate) fn refused(&self, sent: &str, status: u16, body: &[u8]) -> bool {
        if status != 401 || !has_error_code(body, UNAUTHENTICATED) {
            return false;
        }
        if self.get().as_deref() == Some(sent) {
            self.set(None);
        }
        true
    }
}

/// Whether a Clerk error body lists an error with this code (read as every error is).
fn has_error_code(body: &[u8], code: &str) -> bool {
    let parsed = crate::error::ApiError::from_response(401, http::HeaderMap::new(), body, 0);
    parsed.errors.iter().any(|error| error.code == code)
}

/// What `POST /v1/dev_browser` answers (other fields are ignored).
#[derive(serde::Deserialize)]
pub(crate) struct Created {
    pub(crate) token: String,
}

impl fmt::Debug for DevBrowser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevBrowser")
            .field("token", &self.get().map(|_| "[redacted]"))
            .field("generation", &self.generation())
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::DevBrowser;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn concurrent_first_requests_create_one_token() {
        let browser = DevBrowser::new(None);
        let created = Arc::new(AtomicUsize::new(0));
        let mut waiting = Vec::new();
        for _ in 0..8 {
            let (browser, created) = (browser.clone(), created.clone());
            waiting.push(tokio::spawn(async move {
                browser
                    .current(|| async move {
                        tokio::task::yield_now().await;
                        let n = created.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, ()>(format!("dvb_{n}"))
                    })
                    .await
            }));
        }
        for waiter in waiting {
            assert_eq!(waiter.await.unwrap().unwrap(), "dvb_0");
        }
        assert_eq!(created.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn only_a_401_naming_the_code_drops_the_token_it_was_sent_with() {
        let browser = DevBrowser::new(Some("dvb_1".into()));
        let refusal = br#"{"errors":[{"code":"dev_browser_unauthenticated","message":"m"}]}"#;
        assert!(!browser.refused("dvb_1", 422, refusal));
        assert!(!browser.refused("dvb_1", 401, br#"{"errors":[{"code":"authentication_invalid"}]}"#));
        assert!(!browser.refused("dvb_1", 401, b"not json"));
        assert_eq!(browser.get().as_deref(), Some("dvb_1"));
        // A refusal of an older token leaves the newer one.
        browser.answered("dvb_1", Some(b"dvb_2"));
        assert!(browser.refused("dvb_1", 401, refusal));
        assert_eq!(browser.get().as_deref(), Some("dvb_2"));
        assert!(browser.refused("dvb_2", 401, refusal));
        assert_eq!(browser.get(), None);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let browser = DevBrowser::new(Some("dvb_secret_value".into()));
        assert!(!format!("{browser:?}").contains("dvb_secret_value"));
    }
}
