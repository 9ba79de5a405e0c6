//! Failures to reach a verdict, and why Clerk could not be asked in time.

use crate::token_type::TokenType;
use std::sync::Arc;
use std::time::Duration;

/// A failure to reach a verdict: the request is neither signed in nor signed out. Answer it
/// with a 5xx (or a `429` for [`AuthError::RateLimited`]), not a 401: the token may well be
/// valid, and a 401 makes clients sign their users out. [`retry_after`](Self::retry_after)
/// says when asking again makes sense; the framework layers send it as `Retry-After`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A machine token of an accepted type arrived, but the options have no client to verify
    /// it with.
    #[error("accepting {0} tokens needs a Clerk client: they are verified by the Backend API")]
    ClientRequired(TokenType),
    /// A machine token of an accepted type arrived, but this build verifies no opaque machine
    /// tokens (feature `machine-tokens` of `clerk-api-auth`, on by default and in `clerk-api`).
    #[error("accepting {0} tokens needs the `machine-tokens` feature")]
    MachineTokensDisabled(TokenType),
    /// No key can verify the token: none cached for its `kid` (or the cached ones are older
    /// than the [maximum staleness](crate::JwksCache::with_max_staleness)), and the instance's
    /// JWKS could not be fetched within the [request budget](crate::AuthenticateOptions::request_budget).
    #[error("the instance's signing keys are unavailable: {source}")]
    Jwks {
        /// Why the keys could not be fetched.
        #[source]
        source: Unavailable,
        /// When the next fetch is due.
        retry_after: Duration,
    },
    /// Clerk could not be asked about a machine token in time (unreachable, 5xx, no answer
    /// within the request budget, a rejected secret key).
    #[error("Clerk could not verify the {token_type} token: {source}")]
    MachineVerification {
        /// The token's type.
        token_type: TokenType,
        /// What went wrong with the call.
        #[source]
        source: Unavailable,
    },
    /// The machine-token limiter (`MachineTokenLimiter`) refused to spend another verification call
    /// on this client: answer `429 Too Many Requests`.
    #[error("too many {token_type} tokens to verify from this client; retry in {retry_after:?}")]
    RateLimited {
        /// The token's type.
        token_type: TokenType,
        /// When the client's next call is allowed.
        retry_after: Duration,
    },
    /// A bug in this crate.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl AuthError {
    /// When asking again may reach a verdict: for an unreachable Clerk, the time until the
    /// next fetch is due (at least a second); for the limiter, until the client's next call is
    /// allowed. `None` for configuration errors, which waiting does not mend.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            AuthError::Jwks { retry_after, .. } | AuthError::RateLimited { retry_after, .. } => Some(*retry_after),
            AuthError::MachineVerification { .. } => Some(DEFAULT_RETRY_AFTER),
            AuthError::ClientRequired(_) | AuthError::MachineTokensDisabled(_) | AuthError::Internal(_) => None,
        }
    }
}

/// The `Retry-After` of a failure whose next attempt is not scheduled: a second.
pub(crate) const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Why Clerk could not be asked, or not in time. Cheap to clone: concurrent requests waiting
/// on one call share its failure.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Unavailable {
    /// The call failed: Clerk answered with an error (a 5xx, a 401 for a wrong secret key) or
    /// could not be reached.
    #[error(transparent)]
    Failed(Arc<crate::Error>),
    /// No answer within the request's budget.
    #[error("no answer within the request budget of {0:?}")]
    Deadline(Duration),
    /// A recent fetch failed and the next one is not due yet; nothing was sent.
    #[error("the last fetch failed ({last}); the next one is due in {due_in:?}")]
    BackingOff {
        /// The last fetch's failure.
        last: Arc<crate::Error>,
        /// When the next fetch is due.
        due_in: Duration,
    },
    /// The call was abandoned before it answered (the runtime it ran on shut down).
    #[error("the call was abandoned before Clerk answered")]
    Abandoned,
    /// Not inside a Tokio runtime, which calling Clerk (its HTTP client) and waiting need.
    #[error("calling Clerk needs a Tokio runtime, and this was not called inside one")]
    NoRuntime,
}
