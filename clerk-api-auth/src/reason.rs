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
    /// A browser request with neither a session cookie nor a `__client_uat` cookie: signed out.
    SessionTokenAndUatMissing,
    /// A session cookie without `__client_uat`: the browser's client is unknown.
    SessionTokenWithoutClientUat,
    /// `__client_uat` says a client is signed in, but there is no session cookie.
    ClientUatWithoutSessionToken,
    /// The session cookie was issued before the client last changed (`__client_uat`): stale.
    SessionTokenIatBeforeClientUat,
    /// The session cookie has expired; no refresh token cookie (`__refresh`) came with it.
    SessionTokenExpiredNoRefreshCookie,
    /// The session cookie has expired on a request that is not a GET.
    SessionTokenExpiredNonGet,
    /// The session cookie has expired; a refresh token came, but no client to refresh with.
    SessionTokenExpiredNoApiClient,
    /// The session cookie has expired and has no `sid` to refresh its session by.
    SessionTokenExpiredNoSid,
    /// The session cookie has expired; the refreshed one did not verify.
    SessionTokenExpiredRefreshInvalid,
    /// The session cookie has expired; the Backend API could not be reached to refresh it.
    SessionTokenExpiredRefreshFetchError,
    /// The session cookie has expired; the Backend API refused to refresh it (this crate's
    /// name; Clerk's JS SDK puts the API's error code in the reason).
    SessionTokenExpiredRefreshRefused,
    /// The session cookie is not valid yet (`nbf`).
    SessionTokenNbf,
    /// The session cookie was issued in the future (`iat`).
    SessionTokenIatInTheFuture,
    /// A development instance's request without its dev-browser token.
    DevBrowserMissing,
    /// A development instance's request carrying a new dev-browser token in its URL.
    DevBrowserSync,
    /// A satellite domain's page load that must sync its session from the primary domain.
    SatelliteNeedsSyncing,
    /// The primary domain (development) sending the browser back to the satellite it came from.
    PrimaryRespondsToSyncing,
    /// A signed-in page load on the primary domain that came from another site.
    PrimaryDomainCrossOriginSync,
    /// The page's URL names another organization (or the personal account) than the session's
    /// active one ([`OrganizationSync`](crate::OrganizationSync)): a handshake switches it.
    ActiveOrganizationMismatch,
    /// A development handshake payload was applied: the redirect to the clean URL sets its
    /// cookies (this crate's name; Clerk's JS SDK reports that request signed in).
    HandshakeResolved,
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
            Reason::SessionTokenAndUatMissing => "session-token-and-uat-missing",
            Reason::SessionTokenWithoutClientUat => "session-token-but-no-client-uat",
            Reason::ClientUatWithoutSessionToken => "client-uat-but-no-session-token",
            Reason::SessionTokenIatBeforeClientUat => "session-token-iat-before-client-uat",
            Reason::SessionTokenExpiredNoRefreshCookie => {
                "session-token-expired-refresh-non-eligible-no-refresh-cookie"
            }
            Reason::SessionTokenExpiredNonGet => "session-token-expired-refresh-non-eligible-non-get",
            Reason::SessionTokenExpiredNoApiClient => "session-token-expired-refresh-missing-api-client",
            Reason::SessionTokenExpiredNoSid => "session-token-expired-refresh-expired-session-token-missing-sid-claim",
            Reason::SessionTokenExpiredRefreshInvalid => "session-token-expired-refresh-invalid-session-token",
            Reason::SessionTokenExpiredRefreshFetchError => "session-token-expired-refresh-fetch-error",
            Reason::SessionTokenExpiredRefreshRefused => "session-token-expired-refresh-unexpected-bapi-error",
            Reason::SessionTokenNbf => "session-token-nbf",
            Reason::SessionTokenIatInTheFuture => "session-token-iat-in-the-future",
            Reason::DevBrowserMissing => "dev-browser-missing",
            Reason::DevBrowserSync => "dev-browser-sync",
            Reason::SatelliteNeedsSyncing => "satellite-needs-syncing",
            Reason::PrimaryRespondsToSyncing => "primary-responds-to-syncing",
            Reason::PrimaryDomainCrossOriginSync => "primary-domain-cross-origin-sync",
            Reason::ActiveOrganizationMismatch => "active-organization-mismatch",
            Reason::HandshakeResolved => "handshake-resolved",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
