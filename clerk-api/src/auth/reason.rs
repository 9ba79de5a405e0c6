//! Why a request is signed out, in Clerk's own machine-readable names.

use std::fmt;

/// Why a request is signed out. [`as_str`](Self::as_str) gives Clerk's documented reason name
/// (`token-expired`, ...), the same string the official SDKs report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// No token in the `Authorization` header or the `__session` cookie.
    SessionTokenMissing,
    /// The token is of a type the options do not accept: a machine token where only session
    /// tokens are, a JWT-template token anywhere, a session token where only machine tokens are.
    TokenTypeMismatch,
    /// `exp` is in the past, clock skew included.
    TokenExpired,
    /// `nbf` is in the future, clock skew included.
    TokenNotActiveYet,
    /// `iat` is in the future, clock skew included.
    TokenIatInTheFuture,
    /// Malformed, oversized, missing a required claim (`exp`, `sub`), or rejected by Clerk.
    TokenInvalid,
    /// The header's `alg` is not RS256, or not the key's algorithm.
    TokenInvalidAlgorithm,
    /// The signature does not verify with the key.
    TokenInvalidSignature,
    /// `azp` is missing or not one of the authorized parties.
    TokenInvalidAuthorizedParties,
    /// `aud` is missing or matches none of the expected audiences.
    TokenInvalidAudience,
    /// `iss` is not the expected issuer.
    TokenInvalidIssuer,
    /// No key in the instance's JWKS has the token's `kid`, even after a refetch.
    JwkKidMismatch,
    /// The session is pending (`sts = pending`: tasks such as choosing an organization remain)
    /// and the options treat pending sessions as signed out (the default).
    SessionPending,
}

impl Reason {
    /// Clerk's name for the reason, as sent in the `x-clerk-auth-reason` header.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::SessionTokenMissing => "session-token-missing",
            Reason::TokenTypeMismatch => "token-type-mismatch",
            Reason::TokenExpired => "token-expired",
            Reason::TokenNotActiveYet => "token-not-active-yet",
            Reason::TokenIatInTheFuture => "token-iat-in-the-future",
            Reason::TokenInvalid => "token-invalid",
            Reason::TokenInvalidAlgorithm => "token-invalid-algorithm",
            Reason::TokenInvalidSignature => "token-invalid-signature",
            Reason::TokenInvalidAuthorizedParties => "token-invalid-authorized-parties",
            Reason::TokenInvalidAudience => "token-invalid-audience",
            Reason::TokenInvalidIssuer => "token-invalid-issuer",
            Reason::JwkKidMismatch => "jwk-kid-mismatch",
            Reason::SessionPending => "session-pending",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
