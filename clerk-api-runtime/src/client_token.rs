//! A credential that the server rotates: Clerk's Frontend API identifies a native app's client by
//! a token the app sends as `Authorization: Bearer <token>` and that the Frontend API replaces
//! by answering with an `Authorization` header of its own (the first sign-in creates the client
//! and its token; an OAuth callback's nonce swaps it). Clerk's iOS and Android SDKs keep it the
//! same way: a response's `Authorization` header sets it, an empty one (or a bare `Bearer`)
//! clears it, no header leaves it, and a response to a request sent with another token than the
//! one now held is ignored, so a slow answer never undoes a newer token.

use std::fmt;
use std::sync::{Arc, Mutex};

/// The client token a [`Client`](crate::Client) sends and keeps current from its responses
/// ([`ClientBuilder::client_token`](crate::ClientBuilder::client_token)). Cheap to clone:
/// clones share one value, so the app keeps a clone to persist the token (read it with
/// [`get`](Self::get), or wait for changes with [`changed`](Self::changed)).
///
/// Never printed: `Debug` shows whether there is a token, not the token.
#[derive(Clone, Default)]
pub struct ClientToken {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changes: tokio::sync::Notify,
}

#[derive(Default)]
struct State {
    token: Option<String>,
    /// Bumped at every change, so waiters know they missed none.
    generation: u64,
}

impl ClientToken {
    /// A token holder starting with `token` (one restored from storage), or empty.
    pub fn new(token: Option<String>) -> ClientToken {
        let holder = ClientToken::default();
        holder.set(token);
        holder
    }

    /// The token now held.
    pub fn get(&self) -> Option<String> {
        self.state().token.clone()
    }

    /// Replaces the token (an empty text clears it), as a sign-out that forgets the client does.
    pub fn set(&self, token: Option<String>) {
        let token = token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        self.replace(self.state(), token);
    }

    /// How many times the token changed: a value to pass to [`changed`](Self::changed).
    pub fn generation(&self) -> u64 {
        self.state().generation
    }

    /// Waits until the token changes after `generation` (at once if it already has), and
    /// returns the new generation.
    pub async fn changed(&self, generation: u64) -> u64 {
        loop {
            let notified = self.shared.changes.notified();
            let now = self.generation();
            if now != generation {
                return now;
            }
            notified.await;
        }
    }

    /// Takes in a response's `Authorization` header (`None`: the response had none), for a
    /// request that was sent with `sent`.
    pub(crate) fn answered(&self, sent: Option<&str>, header: Option<&[u8]>) {
        let Some(header) = header else { return };
        let Ok(text) = std::str::from_utf8(header) else { return };
        let text = text.trim();
        let token = text.strip_prefix("Bearer").map_or(text, str::trim_start).trim();
        let state = self.state();
        // An answer to a request sent with another token than the one now held is stale.
        if state.token.as_deref() != sent {
            return;
        }
        let token = (!token.is_empty()).then(|| token.to_owned());
        self.replace(state, token);
    }

    /// Puts `token` in `state` (locked by the caller) if it differs, and wakes the waiters.
    fn replace(&self, mut state: std::sync::MutexGuard<'_, State>, token: Option<String>) {
        if state.token != token {
            state.token = token;
            state.generation += 1;
            drop(state);
            self.shared.changes.notify_waiters();
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for ClientToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("ClientToken")
            .field("token", &state.token.as_ref().map(|_| "[redacted]"))
            .field("generation", &state.generation)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::ClientToken;

    #[test]
    fn a_header_sets_replaces_or_clears_and_no_header_leaves_it() {
        let token = ClientToken::new(None);
        token.answered(None, None);
        assert_eq!(token.get(), None);
        token.answered(None, Some(b"first"));
        assert_eq!(token.get().as_deref(), Some("first"));
        token.answered(Some("first"), Some(b"Bearer second"));
        assert_eq!(token.get().as_deref(), Some("second"));
        token.answered(Some("second"), None);
        assert_eq!(token.get().as_deref(), Some("second"));
        token.answered(Some("second"), Some(b"Bearer"));
        assert_eq!(token.get(), None);
        assert_eq!(token.generation(), 3);
    }

    #[test]
    fn an_answer_to_a_request_sent_with_an_older_token_is_ignored() {
        let token = ClientToken::new(Some("new".into()));
        token.answered(Some("old"), Some(b"stale"));
        token.answered(None, Some(b""));
        assert_eq!(token.get().as_deref(), Some("new"));
    }

    #[test]
    fn debug_never_shows_the_token() {
        let token = ClientToken::new(Some("secret-client-token".into()));
        assert!(!format!("{token:?}").contains("secret-client-token"));
    }

    #[tokio::test]
    async fn changed_wakes_on_a_change_and_returns_at_once_for_a_missed_one() {
        let token = ClientToken::new(None);
        let start = token.generation();
        token.set(Some("a".into()));
        assert_eq!(token.changed(start).await, start + 1);
        let waiter = {
            let token = token.clone();
            tokio::spawn(async move { token.changed(start + 1).await })
        };
        tokio::task::yield_now().await;
        token.set(Some("b".into()));
        assert_eq!(waiter.await.unwrap(), start + 2);
    }
}
