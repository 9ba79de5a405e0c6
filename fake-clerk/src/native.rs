//! The Frontend API a native app signs in with (feature `frontend`), so that a native client
//! (Clerk's iOS and Android SDKs, `clerk_fapi::native`) is tested end to end against the fake
//! without Clerk: client tokens, sign-ins (password, email code, TOTP, backup codes, OAuth
//! through the system browser), sign-ups by email code, sessions and their tokens.
//!
//! Requests are the native SDKs': form bodies (JSON bodies are read too), `_is_native=true`
//! (accepted, ignored), the client token in `Authorization` (`Bearer <token>` or the bare
//! token). The first request that creates a client (`POST /v1/client/sign_ins` or `/sign_ups`
//! without a token, `PUT`/`POST /v1/client`) answers with the token in its `Authorization`
//! header; redeeming an OAuth nonce replaces it. Every answer decodes as the generated
//! `clerk_fapi::types` of its operation (`{"response": ..., "client": ...}` envelopes; a bare
//! `{"object":"token","jwt":...}` for tokens; the `Environment` unwrapped); every refusal is
//! Clerk's error JSON with Clerk's code and status.
//!
//! Who signs in: the store's users, by the rule in [`fixture_user`] (password
//! `password-user{n}`, a second factor for users 1, 4, 7, ...), codes [`TEST_CODE`] and
//! [`BACKUP_CODES`]. Session tokens are signed by the key the fake's `GET /jwks` serves. Tests
//! steer the rest through [`Native`] (`FakeClerk::native()`): token lifetimes, code lifetimes,
//! the tokens minted per session, ending a session behind the client's back.
//!
//! Routes (under the fake's base URL): `GET|PATCH /v1/environment`; `GET|PUT|POST|DELETE
//! /v1/client`; `POST /v1/client/sign_ins`, `GET .../sign_ins/{id}`, `POST
//! .../{prepare,attempt}_{first,second}_factor`; `POST /v1/client/sign_ups`, `GET|PATCH
//! .../sign_ups/{id}`, `POST .../{prepare,attempt}_verification`; `DELETE
//! /v1/client/sessions`, `GET .../sessions/{id}`, `POST .../{touch,end,remove,tokens}`,
//! `POST .../tokens/{template}`; `GET /__fake/oauth/authorize` (the OAuth provider's page).

// In layers, lowest first; a module imports only from the layers below its own, so no two
// import each other (the tidy test `no_module_circles` keeps it so):
// 1. leaves: `answer`, `clock`, `environment`, `errors`, `fixtures`, `request`, `verification`;
// 2. what the fake remembers: `state` (the records), `world` (holding them), then `accounts`,
//    `client_tokens` and `users`;
// 3. the JSON of it: `views`;
// 4. sessions: `session_tokens`, then `session_lifecycle`;
// 5. what completes a sign-in: `sign_in_progress`, then `oauth` (the provider page, the redeem);
// 6. the endpoints: `clients`, `sessions`, `sign_ins`, `sign_ups`, then `routes` to them.
mod accounts;
mod answer;
mod client_tokens;
mod clients;
mod clock;
mod environment;
mod errors;
mod fixtures;
mod oauth;
mod request;
mod routes;
mod session_lifecycle;
mod session_tokens;
mod sessions;
mod sign_in_progress;
mod sign_ins;
mod sign_ups;
mod state;
mod users;
mod verification;
mod views;
mod world;

pub use fixtures::{
    fixture_user, has_two_factor, oauth_user, password_of, user_with_two_factor, user_without_two_factor, FixtureUser,
    BACKUP_CODES, OAUTH_USER, TEST_CODE,
};
pub use world::{DEFAULT_CODE_LIFETIME, DEFAULT_TOKEN_LIFETIME};

use crate::frontend::Reply;
use crate::State;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The native Frontend API's state, and what tests set and read of it.
#[derive(Debug, Default)]
pub struct Native {
    world: Mutex<world::World>,
}

/// A session as the fake knows it ([`Native::session`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionInfo {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    /// `active`, `ended` (`POST .../end`, [`Native::end_session`]) or `removed` (`POST
    /// .../remove`, `DELETE /v1/client/sessions`).
    pub status: String,
    pub active_organization_id: Option<String>,
}

impl Native {
    fn lock(&self) -> MutexGuard<'_, world::World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long the session tokens minted from now on last (whole seconds; 60 s by default):
    /// short ones let a test see a client refresh its token.
    pub fn set_session_token_lifetime(&self, lifetime: Duration) {
        self.lock().token_lifetime = lifetime;
    }

    /// How long session tokens last.
    pub fn session_token_lifetime(&self) -> Duration {
        self.lock().token_lifetime
    }

    /// How long email codes sent from now on stay valid (10 minutes by default); an attempt
    /// after that is refused with `verification_expired`.
    pub fn set_code_lifetime(&self, lifetime: Duration) {
        self.lock().code_lifetime = lifetime;
    }

    /// How many tokens `POST /v1/client/sessions/{id}/tokens[/{template}]` minted for the
    /// session (the `last_active_token` a sign-in or `touch` comes with is not counted).
    pub fn tokens_minted(&self, session_id: &str) -> u64 {
        self.lock().minted.get(session_id).copied().unwrap_or(0)
    }

    /// The client a client token names now (`None` for an unknown or rotated token).
    pub fn client_of_token(&self, token: &str) -> Option<String> {
        self.lock().client_of(Some(token))
    }

    /// A session, by id.
    pub fn session(&self, session_id: &str) -> Option<SessionInfo> {
        self.lock().sessions.get(session_id).map(|s| SessionInfo {
            id: s.id.clone(),
            user_id: s.user_id.clone(),
            client_id: s.client_id.clone(),
            status: s.status.to_owned(),
            active_organization_id: s.active_organization.clone(),
        })
    }

    /// The sessions of a user, oldest first.
    pub fn sessions_of_user(&self, user_id: &str) -> Vec<SessionInfo> {
        let mut found: Vec<(i64, String)> = {
            let world = self.lock();
            world.sessions.values().filter(|s| s.user_id == user_id).map(|s| (s.created_at, s.id.clone())).collect()
        };
        found.sort();
        found.iter().filter_map(|(_, id)| self.session(id)).collect()
    }

    /// Ends a session as if from elsewhere (another device, the Dashboard): its next token
    /// request is refused with 401 `signed_out`. Returns whether it was active.
    pub fn end_session(&self, session_id: &str) -> bool {
        let mut world = self.lock();
        match world.sessions.get_mut(session_id) {
            Some(session) if session.is_active() => {
                session.status = "ended";
                true
            }
            _ => false,
        }
    }
}

/// Whether the native fake answers `path`.
pub(crate) fn serves(path: &str) -> bool {
    routes::serves(path)
}

/// Answers a native request: Clerk's JSON, or Clerk's error.
pub(crate) fn handle(
    state: &State,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &hyper::HeaderMap,
    body: &[u8],
) -> Reply {
    let call = request::Call::new(method, path, query, headers, body);
    match routes::route(state, &call) {
        Ok(answer) => answer.reply(),
        Err(failure) => Reply { status: failure.status, headers: Vec::new(), body: failure.body().to_string() },
    }
}
