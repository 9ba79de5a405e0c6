//! Everything the native Frontend API remembers, kept behind one lock so that a request sees
//! and changes it as a whole: clients and their tokens, sign-ins, sign-ups, sessions, OAuth
//! nonces, the accounts made by sign-ups, spent backup codes and the tokens minted. Ids and
//! tokens are random, so two fakes (or two runs) never share one by accident. Only storage:
//! the records are [`state`](super::state)'s, what is done with them the modules above.

use super::state::{Account, ClientState, SessionState, SignInState, SignUpState};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Session tokens last this long unless a test says otherwise, as Clerk's do.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(60);
/// Email codes expire this long after they are sent, as Clerk's do.
pub const DEFAULT_CODE_LIFETIME: Duration = Duration::from_secs(600);

#[derive(Debug)]
pub(crate) struct World {
    /// Client token -> client id. A rotated token leaves this map.
    pub(crate) tokens: HashMap<String, String>,
    pub(crate) clients: HashMap<String, ClientState>,
    pub(crate) sign_ins: HashMap<String, SignInState>,
    pub(crate) sign_ups: HashMap<String, SignUpState>,
    pub(crate) sessions: HashMap<String, SessionState>,
    /// OAuth `rotating_token_nonce` -> the sign-in it completes (used once).
    pub(crate) nonces: HashMap<String, String>,
    /// User id -> secrets, for users the fixture rule does not describe.
    pub(crate) accounts: HashMap<String, Account>,
    /// User id -> backup codes already used.
    pub(crate) used_backup_codes: HashMap<String, HashSet<String>>,
    /// Session id -> tokens minted by `POST .../tokens[/{template}]`.
    pub(crate) minted: HashMap<String, u64>,
    pub(crate) token_lifetime: Duration,
    pub(crate) code_lifetime: Duration,
    rng: fastrand::Rng,
}

impl Default for World {
    fn default() -> Self {
        World {
            tokens: HashMap::new(),
            clients: HashMap::new(),
            sign_ins: HashMap::new(),
            sign_ups: HashMap::new(),
            sessions: HashMap::new(),
            nonces: HashMap::new(),
            accounts: HashMap::new(),
            used_backup_codes: HashMap::new(),
            minted: HashMap::new(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            code_lifetime: DEFAULT_CODE_LIFETIME,
            rng: fastrand::Rng::new(),
        }
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl World {
    /// `len` random base62 characters.
    pub(crate) fn random(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(BASE62[self.rng.usize(..BASE62.len())])).collect()
    }

    /// A new id as Clerk spells them: the prefix and 27 base62 characters.
    pub(crate) fn id(&mut self, prefix: &str) -> String {
        format!("{prefix}_{}", self.random(27))
    }

    /// The client `token` names, if it names one.
    pub(crate) fn client_of(&self, token: Option<&str>) -> Option<String> {
        token.and_then(|token| self.tokens.get(token)).cloned()
    }
}
