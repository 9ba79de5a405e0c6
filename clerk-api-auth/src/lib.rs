//! Request authentication: who is calling your backend.
//!
//! [`authenticate_request`] reads the token of an [`http::Request`] (axum, hyper and other
//! `http`-based servers pass theirs as is), verifies it and returns a [`RequestState`]: signed
//! in with a typed [`Auth`], or signed out with one of Clerk's [`Reason`]s.
//!
//! ```no_run
//! # async fn run(request: http::Request<()>) -> Result<(), Box<dyn std::error::Error>> {
//! use clerk_api_auth::{authenticate_request, AuthenticateOptions, JwtKey, RequestState};
//!
//! // Once, at startup: the instance's PEM public key, for networkless verification.
//! let options = AuthenticateOptions::networkless(JwtKey::from_pem(&std::env::var("CLERK_JWT_KEY")?)?)
//!     .authorized_party("https://app.example.com");
//!
//! match authenticate_request(&request, &options).await? {
//!     RequestState::SignedIn(auth) => println!("user {:?}", auth.user_id()),
//!     RequestState::SignedOut(out) => println!("signed out: {}", out.reason),
//!     _ => {}
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Rules, strictest of Clerk's SDKs: the token comes from `Authorization: Bearer` or, without
//! that header, the `__session` cookie; session tokens must be RS256 (no `none`, no HMAC) and
//! are rejected over [`MAX_TOKEN_BYTES`]; the signature is checked before any claim is read;
//! `exp` is required; `exp`, `nbf` and `iat` are checked with a millisecond clock skew (default
//! 5 s); `azp`, `aud` and `iss` are checked when configured, and a missing `azp` fails when
//! authorized parties are set. Keys come from a PEM ([`AuthenticateOptions::networkless`]) or
//! from the instance's JWKS through a `clerk_api::Clerk` client, cached per instance and `kid`
//! ([`JwksCache`]).
//!
//! Token kinds: the instance key also signs JWT-template tokens, M2M tokens (subject `mch_...`)
//! and OAuth access tokens (`typ: at+jwt`); they are told apart as Clerk's JS SDK does (the
//! header's `cat`, the subject, `typ`) and none of them is ever a session (`token-type-mismatch`).
//! M2M and OAuth tokens in JWT form are verified with the same key, networklessly, when
//! [`AuthenticateOptions::accepts_token`] allows them ([`Auth::MachineJwt`]); their opaque forms
//! (`mt_`, `oat_`) and API keys (`ak_`) are verified by the Backend API. Pending sessions are
//! signed out unless [`AuthenticateOptions::treat_pending_as_signed_out`] says otherwise.

// Library code reports bad input as errors; it never panics on it.
// docs.rs builds with `--cfg docsrs` on nightly: items behind a feature say which one.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod authorization;
/// Browser requests: the cookie path, the handshake and its return leg, organization sync.
mod browser;
/// The latency budget of an authentication.
mod budget;
mod error;
#[rustfmt::skip] // Formatted by the generator (prettyplease), checked by `cargo xtask check`.
                 // The calls' builders are generated whole; this crate uses only what its calls need of them.
#[allow(dead_code)]
mod generated;
#[cfg(feature = "machine-tokens")]
#[rustfmt::skip]
#[allow(dead_code)]
mod generated_machine;
mod options;
mod reason;
mod session;
mod state;
#[cfg(feature = "testing")]
pub mod testing;
/// Token verification: finding, splitting, checking and reading tokens, keys and machine tokens.
mod token;
/// The framework adapters and what they answer.
#[cfg(any(feature = "axum", feature = "actix"))]
mod web;

// Every concern's modules by their own names, for the paths between them (`crate::jwt`).
use browser::{handshake, handshake_payload, organization_sync, publishable_key, refresh};
use token::{category, claims, claims_view, client_key, encoding, extract, jwks, jwt, key, machine_jwt, token_type};
#[cfg(feature = "machine-tokens")]
use token::{limiter, machine, verdicts};
#[cfg(any(feature = "axum", feature = "actix"))]
use web::protect;

#[cfg(feature = "actix")]
pub use web::actix;
#[cfg(feature = "axum")]
pub use web::axum;

/// The runtime the Backend API calls go through.
pub use clerk_api_runtime as runtime;
pub use clerk_api_runtime::Error;
/// A client for the Backend API calls request authentication makes, for servers that depend on
/// this crate alone (`Clerk::from_env()` reads `CLERK_SECRET_KEY`). With `clerk-api`, pass its
/// own `clerk_api::Clerk` instead: both go through the same runtime client.
pub use generated::client::{Clerk, ClerkBuilder};

/// The runtime client this crate's [`Clerk`] sends through.
impl From<Clerk> for clerk_api_runtime::Client {
    fn from(clerk: Clerk) -> clerk_api_runtime::Client {
        clerk.client().clone()
    }
}
/// The types of the Backend API calls request authentication makes (a session's refresh and,
/// with `machine-tokens`, the machine-token verifications, such as `Auth::ApiKey`'s), generated
/// from the same pinned spec as `clerk-api`.
pub mod types {
    pub use crate::generated::types::*;
    #[cfg(feature = "machine-tokens")]
    pub use crate::generated_machine::types::{
        VerifyApiKeyBody, VerifyApiKeyResponse, VerifyApiKeyResponseObject, VerifyM2mTokenBody, VerifyM2mTokenResponse,
        VerifyM2mTokenResponseObject, VerifyOAuthAccessTokenBody, VerifyOAuthAccessTokenResponse,
        VerifyOAuthAccessTokenResponseActive, VerifyOAuthAccessTokenResponseClerkIdpOauthAccessToken,
        VerifyOAuthAccessTokenResponseClerkIdpOauthAccessTokenObject,
    };
}
pub use generated::{API_VERSION, SPEC};

pub use authorization::{Check, FactorLevel, Reverification, REVERIFICATION_ERROR_REASON};
pub use budget::DEFAULT_REQUEST_BUDGET;
pub use category::{CATEGORY_IGNORE, CATEGORY_JWT_TEMPLATE, CATEGORY_M2M_TOKEN, CATEGORY_SESSION_TOKEN};
pub use claims::{Actor, OrganizationClaim, SessionClaims};
pub use client_key::ClientKey;
pub use error::{AuthError, Unavailable};
pub use jwks::{
    JwksCache, KeysStatus, DEFAULT_JWKS_MAX_STALENESS, DEFAULT_JWKS_RETRY_INITIAL, DEFAULT_JWKS_RETRY_MAX,
    DEFAULT_JWKS_TTL, DEFAULT_UNKNOWN_KID_REFETCH_INTERVAL,
};
pub use jwt::{unverified_expiry, MAX_TOKEN_BYTES};
pub use key::{JwtKey, KeyError};
#[cfg(feature = "machine-tokens")]
pub use limiter::MachineTokenLimiter;
pub use machine_jwt::{MachineClaims, MachineJwt};
pub use options::{AuthenticateOptions, DEFAULT_CLOCK_SKEW};
pub use organization_sync::{OrganizationSync, PatternError};
#[cfg(any(feature = "axum", feature = "actix"))]
pub use protect::Protect;
pub use publishable_key::{InstanceType, PublishableKey, PublishableKeyError, PUBLISHABLE_KEY_ENV};
pub use reason::Reason;
pub use session::SessionAuth;
pub use state::{Auth, Handshake, RequestState, SignedOut};
pub use token_type::{TokenType, UnknownTokenType};
#[cfg(feature = "machine-tokens")]
pub use verdicts::{MachineTokenCache, DEFAULT_INVALID_TOKEN_TTL, DEFAULT_MACHINE_TOKEN_CACHE_ENTRIES};

use category::Category;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Authenticates a request from the `http` crate: finds its token and verifies it.
///
/// With a [publishable key](AuthenticateOptions::publishable_key), a request without an
/// `Authorization` header is decided by its cookies as Clerk's JS SDK decides it, and may get
/// a [`RequestState::Handshake`]; its URL is rebuilt from `Host` and `X-Forwarded-*`.
///
/// A [`ClientKey`] in the request's extensions names the client for the
/// machine-token limiter (`AuthenticateOptions::machine_token_limiter`, feature `machine-tokens`).
pub async fn authenticate_request<B>(
    request: &http::Request<B>,
    options: &AuthenticateOptions,
) -> Result<RequestState, AuthError> {
    let client_key = request.extensions().get::<ClientKey>();
    authenticate_parts(request.method(), request.uri(), request.headers(), client_key, options).await
}

/// [`authenticate_request`] on a request's parts (a body need not be shared across threads).
pub(crate) async fn authenticate_parts(
    method: &http::Method,
    uri: &http::Uri,
    headers: &http::HeaderMap,
    client_key: Option<&ClientKey>,
    options: &AuthenticateOptions,
) -> Result<RequestState, AuthError> {
    let scope = budget::Scope::start(options, client_key);
    if let Some(key) = &options.publishable_key {
        if !headers.contains_key(http::header::AUTHORIZATION) {
            if let Some(browser) = browser::BrowserRequest::new(method, uri, headers) {
                // Boxed, as the machine-token path: the bearer path's future stays small.
                return Box::pin(handshake::authenticate(&browser, key, options, &scope)).await;
            }
        }
    }
    authenticate_scoped(headers, options, &scope).await
}

/// Authenticates a request by its headers alone.
pub async fn authenticate_headers(
    headers: &http::HeaderMap,
    options: &AuthenticateOptions,
) -> Result<RequestState, AuthError> {
    authenticate_scoped(headers, options, &budget::Scope::start(options, None)).await
}

async fn authenticate_scoped(
    headers: &http::HeaderMap,
    options: &AuthenticateOptions,
    scope: &budget::Scope<'_>,
) -> Result<RequestState, AuthError> {
    match extract::token(headers, options.cookie_suffix.as_deref()) {
        Ok(token) => verify_checked(token, options, scope).await,
        Err(out) => Ok(RequestState::SignedOut(out)),
    }
}

/// Verifies a token found elsewhere (a WebSocket subprotocol, a query parameter), with the same
/// rules as a request's.
pub async fn authenticate_token(token: &str, options: &AuthenticateOptions) -> Result<RequestState, AuthError> {
    verify_checked(token, options, &budget::Scope::start(options, None)).await
}

async fn verify_checked(
    token: &str,
    options: &AuthenticateOptions,
    scope: &budget::Scope<'_>,
) -> Result<RequestState, AuthError> {
    let token_type = TokenType::of(token);
    let verdict = if token_type == TokenType::SessionToken {
        // Session tokens and machine tokens in JWT form: which one is decided by the token.
        verify_jwt(token, options, scope).await?
    } else if !options.accepts(token_type) {
        Err(SignedOut { token_type: Some(token_type), ..mismatch("the options do not accept this token type") })
    } else {
        let client = match (token_type, &options.machine_client, &options.client) {
            (TokenType::M2mToken, Some(machine), _) => machine,
            (_, _, Some(client)) => &client.clerk,
            _ => return Err(AuthError::ClientRequired(token_type)),
        };
        #[cfg(feature = "machine-tokens")]
        {
            // Boxed: its waits are large, and every request's future would carry them.
            Box::pin(machine::authenticate(options, client, token_type, token, scope)).await?
        }
        #[cfg(not(feature = "machine-tokens"))]
        {
            let _ = (client, scope);
            return Err(AuthError::MachineTokensDisabled(token_type));
        }
    };
    Ok(match verdict {
        Ok(auth) => RequestState::SignedIn(auth),
        Err(out) => RequestState::SignedOut(out),
    })
}

fn mismatch(message: &'static str) -> SignedOut {
    SignedOut::new(Reason::TokenTypeMismatch, message)
}

/// Verifies a JWT: a session token, an M2M token (`mch_` subject) or an OAuth access token
/// (`typ: at+jwt`), each only if the options accept its kind. A kind the header decides is
/// refused before any key is looked up; a kind the subject decides, once the signature has
/// verified, before any other claim is checked.
async fn verify_jwt(
    token: &str,
    options: &AuthenticateOptions,
    scope: &budget::Scope<'_>,
) -> Result<Result<Auth, SignedOut>, AuthError> {
    let jwt = match jwt::parse(token, &options.header_cache) {
        Ok(jwt) => jwt,
        Err(out) => return Ok(Err(as_session(out))),
    };
    match category::from_header(jwt.access_token, jwt.category) {
        Some(kind) => {
            if let Err(out) = accepted(kind, options) {
                return Ok(Err(out));
            }
        }
        // The subject decides between a session and an M2M token: neither accepted, no key needed
        // (and no type named, since the unverified subject is not read).
        None if !options.accepts(TokenType::SessionToken) && !options.accepts(TokenType::M2mToken) => {
            return Ok(Err(mismatch("the options accept neither session nor M2M tokens")));
        }
        None => {}
    }
    Ok(match signing_key(&jwt, options, scope).await? {
        Ok(key) => verify_signed(&jwt, &key, options),
        Err(out) => Err(as_session(out)),
    })
}

/// A verdict on the token of a request checked before its kind is known.
fn as_session(out: SignedOut) -> SignedOut {
    SignedOut { token_type: Some(TokenType::SessionToken), ..out }
}

/// Verifies `jwt`'s signature with `key`, then its kind and claims.
fn verify_signed(jwt: &jwt::UnverifiedJwt<'_>, key: &JwtKey, options: &AuthenticateOptions) -> Result<Auth, SignedOut> {
    let payload = jwt::verify(jwt, key).map_err(as_session)?;
    let claims = jwt::claims(&payload).map_err(as_session)?;
    let token_type = accepted(category::from_claims(jwt.access_token, jwt.category, claims.sub.as_str()), options)?;
    let typed = |out: SignedOut| SignedOut { token_type: Some(token_type), ..out };
    // An M2M token must carry the M2M category or none (minted before categories).
    if token_type == TokenType::M2mToken && !matches!(jwt.category, Category::M2m | Category::Unmarked) {
        return Err(typed(SignedOut::new(Reason::TokenInvalid, "the M2M token's category is not an M2M token's")));
    }
    let rules = jwt::ClaimRules {
        now_ms: now_ms(),
        clock_skew_ms: options.clock_skew_ms,
        // `azp` names the browser origin a session token was minted for; machine tokens have
        // none, and Clerk's JS SDK does not check it on them either.
        authorized_parties: if token_type == TokenType::SessionToken { &options.authorized_parties } else { &[] },
        audiences: &options.audiences,
        issuer: options.issuer.as_deref(),
    };
    jwt::check_claims(&claims, &rules).map_err(typed)?;
    if token_type != TokenType::SessionToken {
        let machine_claims = serde_json::from_str::<MachineClaims>(&payload).map_err(|_| {
            typed(SignedOut::new(Reason::TokenInvalid, "the token's claims are not valid machine token claims"))
        })?;
        drop(claims);
        return Ok(Auth::MachineJwt(Box::new(MachineJwt::new(token_type, machine_claims, payload.into_boxed_bytes()))));
    }
    if options.pending_signed_out && claims.sts.as_ref().map(|sts| sts.as_str()) == Some("pending") {
        return Err(typed(SignedOut::new(
            Reason::SessionPending,
            "the session is pending and the options treat pending sessions as signed out",
        )));
    }
    let fields = SessionAuth::fields(&payload, &claims);
    drop(claims);
    Ok(Auth::Session(Box::new(SessionAuth::new(payload, fields))))
}

/// The token type of `kind` if the options accept it, else a `token-type-mismatch` verdict.
fn accepted(kind: category::Kind, options: &AuthenticateOptions) -> Result<TokenType, SignedOut> {
    match kind {
        category::Kind::Token(token_type) if options.accepts(token_type) => Ok(token_type),
        category::Kind::Token(token_type) => {
            Err(SignedOut { token_type: Some(token_type), ..mismatch("the options do not accept this token type") })
        }
        category::Kind::NotAccepted => Err(SignedOut {
            token_type: Some(TokenType::SessionToken),
            ..mismatch("the token's category is not a session or machine token's (a JWT template's, say)")
        }),
    }
}

/// The key that must have signed `jwt`: the configured PEM, or the JWKS key with its `kid`.
async fn signing_key(
    jwt: &jwt::UnverifiedJwt<'_>,
    options: &AuthenticateOptions,
    scope: &budget::Scope<'_>,
) -> Result<Result<Arc<JwtKey>, SignedOut>, AuthError> {
    let key = match (&options.jwt_key, &options.client) {
        (Some(key), _) => key.clone(),
        (None, Some(client)) => {
            let Some(kid) = jwt.kid() else {
                return Ok(Err(SignedOut::new(Reason::TokenInvalid, "the token has no `kid` to find its key by")));
            };
            match client.cache.key(&client.instance, &client.clerk, &kid, scope.deadline).await? {
                jwks::Lookup::Found(key) => key,
                jwks::Lookup::Unknown => {
                    return Ok(Err(SignedOut::new(
                        Reason::JwkKidMismatch,
                        "no key of the instance's JWKS has the token's `kid`",
                    )))
                }
            }
        }
        (None, None) => return Err(AuthError::Internal("options without a key or a client")),
    };
    if !key.is_rs256() {
        return Ok(Err(SignedOut::new(
            Reason::TokenInvalidAlgorithm,
            "the key for the token's `kid` is not an RS256 key",
        )));
    }
    Ok(Ok(key))
}

fn now_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
    }
}
