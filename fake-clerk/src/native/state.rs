//! The records the native Frontend API keeps: a client, a session, a sign-in, a sign-up, and a
//! sign-up's account (its own password). Plain data with the few questions they answer of
//! themselves; below the [`World`](super::world::World) that holds them, and below every
//! handler, so that everything above can read and change them without importing a handler.

use super::clock::now_ms;
use super::verification::Verification;

/// A client: named by a rotating token, holding sessions and the sign-in or sign-up under way.
#[derive(Debug, Clone)]
pub(crate) struct ClientState {
    pub(crate) id: String,
    pub(crate) token: String,
    /// The client's sessions, oldest first (ended ones included; the JSON shows active ones).
    pub(crate) sessions: Vec<String>,
    pub(crate) sign_in: Option<String>,
    pub(crate) sign_up: Option<String>,
    pub(crate) last_active_session_id: Option<String>,
    pub(crate) last_authentication_strategy: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// A session of a user on a client.
#[derive(Debug, Clone)]
pub(crate) struct SessionState {
    pub(crate) id: String,
    pub(crate) client_id: String,
    pub(crate) user_id: String,
    /// `active`, `ended` or `removed`.
    pub(crate) status: &'static str,
    pub(crate) active_organization: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) last_active_at: i64,
    pub(crate) first_factor_at: i64,
    pub(crate) second_factor_at: Option<i64>,
    /// The `last_active_token` the session shows.
    pub(crate) last_token: Option<String>,
}

impl SessionState {
    pub(crate) fn is_active(&self) -> bool {
        self.status == "active"
    }

    /// Minutes since a factor was verified, `-1` for none (`fva`, `factor_verification_age`).
    pub(crate) fn factor_ages(&self) -> [i64; 2] {
        let now = now_ms();
        let minutes = |at: i64| (now - at).max(0) / 60_000;
        [minutes(self.first_factor_at), self.second_factor_at.map_or(-1, minutes)]
    }
}

/// A sign-in under way (or complete) on a client.
#[derive(Debug, Clone)]
pub(crate) struct SignInState {
    pub(crate) id: String,
    pub(crate) client_id: String,
    /// `needs_identifier`, `needs_first_factor`, `needs_second_factor` or `complete`.
    pub(crate) status: &'static str,
    pub(crate) identifier: Option<String>,
    pub(crate) user_id: Option<String>,
    pub(crate) first: Option<Verification>,
    pub(crate) second: Option<Verification>,
    pub(crate) created_session_id: Option<String>,
    /// The app's callback (OAuth).
    pub(crate) redirect_url: Option<String>,
    /// The user the OAuth page signed in, until the nonce is redeemed.
    pub(crate) oauth_user: Option<String>,
    /// The email address of a provider account no user has: a sign-up may take it over.
    pub(crate) oauth_new_account: Option<String>,
    pub(crate) created_at: i64,
}

/// A sign-up under way (or complete) on a client.
#[derive(Debug, Clone, Default)]
pub(crate) struct SignUpState {
    pub(crate) id: String,
    pub(crate) client_id: String,
    pub(crate) email_address: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) verification: Option<Verification>,
    /// The OAuth verification a transferred sign-in brought (its email address is verified).
    pub(crate) external_account: Option<Verification>,
    pub(crate) created_user_id: Option<String>,
    pub(crate) created_session_id: Option<String>,
    pub(crate) created_at: i64,
}

impl SignUpState {
    /// The required fields not given yet.
    pub(crate) fn missing_fields(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.email_address.is_none() {
            missing.push("email_address");
        }
        // A user signing up through a provider needs no password.
        if self.password.is_none() && self.external_account.is_none() {
            missing.push("password");
        }
        missing
    }

    pub(crate) fn email_verified(&self) -> bool {
        self.verification.iter().chain(&self.external_account).any(Verification::is_verified)
    }
}

/// A user's sign-in secrets when they are not the fixture rule's (users made by a sign-up).
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub(crate) password: Option<String>,
    pub(crate) two_factor: bool,
    /// The verified phone number an SMS code goes to: its id and the number.
    pub(crate) phone: Option<(String, String)>,
}
