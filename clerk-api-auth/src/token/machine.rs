//! Opaque machine tokens (API keys, M2M tokens, OAuth access tokens), verified by the Backend
//! API: each distinct token once per cache lifetime, each call within the request's budget.

use crate::budget::Scope;
use crate::error::{AuthError, Unavailable};
use crate::generated_machine::{client::Clerk as MachineApi, types};
use crate::options::AuthenticateOptions;
use crate::reason::Reason;
use crate::state::{Auth, SignedOut};
use crate::token::verdicts::{Begin, Digest, Lead};
use crate::token_type::TokenType;
use crate::Clerk;
use clerk_api_runtime::ApiClient;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Verifies an opaque machine token: from the verdicts remembered, by joining a call in
/// flight for the same token, or by a call of its own (if the limiter allows the client one),
/// waited for until the request's deadline.
pub(crate) async fn authenticate(
    options: &AuthenticateOptions,
    clerk: &Clerk,
    token_type: TokenType,
    token: &str,
    scope: &Scope<'_>,
) -> Result<Result<Auth, SignedOut>, AuthError> {
    let digest = digest(clerk, token);
    let limiter = options.machine_token_limiter.as_deref();
    let allow = || match limiter.map(|limiter| limiter.take(scope.client_key)) {
        Some(Err(retry_after)) => Err(AuthError::RateLimited { token_type, retry_after }),
        _ => Ok(()),
    };
    let failed = |source| AuthError::MachineVerification { token_type, source };
    let mut receiver = match options.machine_token_cache.begin(digest, allow)? {
        Begin::Remembered(verdict) => return Ok(verdict),
        Begin::Join(receiver) => receiver,
        Begin::Lead(lead, receiver) => {
            // The call is shared with every request that joins it: it gets the whole budget,
            // each waiter its own deadline.
            let budget = scope.deadline.budget().max(Duration::from_millis(1));
            let call = call(lead, clerk.clone(), token_type, token.to_owned(), budget);
            if crate::budget::detach(call).is_some() {
                // No Tokio runtime, which the HTTP client needs too: the call (dropped here)
                // is withdrawn.
                return Err(failed(Unavailable::NoRuntime));
            }
            receiver
        }
    };
    let outcome = match scope.deadline.wait(receiver.wait_for(Option::is_some)).await {
        Err(deadline) => return Err(failed(deadline)),
        Ok(Err(_closed)) => None,
        Ok(Ok(seen)) => seen.clone(),
    };
    match outcome {
        Some(Ok(verdict)) => Ok(verdict),
        Some(Err(source)) => Err(failed(source)),
        // The call ended without an outcome: its task was dropped.
        None => Err(failed(Unavailable::Abandoned)),
    }
}

/// What verdicts are remembered by: the token as the client that verifies it sees it. One
/// token can be valid for one instance (or machine secret key) and not for another, and
/// options that share a cache may verify with different clients (`client`,
/// `machine_secret_key`). Lengths are hashed too, so no two (URL, key, token) triples collide
/// by where one ends.
fn digest(clerk: &Clerk, token: &str) -> Digest {
    let client = clerk.client();
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [client.base_url().as_bytes(), client.credential(), token.as_bytes()] {
        context.update(&(part.len() as u64).to_le_bytes());
        context.update(part);
    }
    let mut digest = [0; 32];
    digest.copy_from_slice(context.finish().as_ref());
    digest
}

/// The call for one token, detached from the request that started it; hands its outcome to
/// every request waiting for it.
async fn call(lead: Lead, clerk: Clerk, token_type: TokenType, token: String, budget: Duration) {
    let outcome = verify(&clerk, token_type, &token, budget).await;
    let valid_until = outcome.as_ref().ok().and_then(|verdict| verdict.as_ref().ok()).and_then(expires_in);
    lead.finish(outcome.map_err(|error| Unavailable::Failed(Arc::new(error))), valid_until);
}

/// How long a verified token has left, if it expires.
fn expires_in(auth: &Auth) -> Option<Duration> {
    let expiration_ms = match auth {
        Auth::ApiKey(key) => key.expiration,
        Auth::M2mToken(token) => token.expiration,
        Auth::OAuthToken(token) => token.expiration,
        _ => None,
    }?;
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_millis() as f64);
    Some(Duration::from_millis(((expiration_ms - now_ms).max(0.0)) as u64))
}

/// Asks Clerk about `token`, within `budget` and the request path's retry policy. Clerk's 400
/// and 404 mean the token is not valid; any other failure says nothing about the token and is
/// handed back.
async fn verify(
    clerk: &Clerk,
    token_type: TokenType,
    token: &str,
    budget: Duration,
) -> Result<Result<Auth, SignedOut>, crate::Error> {
    // The verify calls are generated in a module of their own (feature `machine-tokens`), on its
    // own client type over the same runtime client.
    let clerk = MachineApi::from_client(clerk.client().clone());
    let (timeout, retry) = (budget, crate::budget::request_retry_policy(budget));
    let verdict = match token_type {
        TokenType::ApiKey => clerk
            .api_keys()
            .verify_secret(token)
            .timeout(timeout)
            .retry_policy(retry)
            .await
            .map(|key| status(key.revoked, key.expired).map(|()| Auth::ApiKey(Box::new(key)))),
        TokenType::M2mToken => clerk
            .m2m()
            .verify_token(token)
            .timeout(timeout)
            .retry_policy(retry)
            .await
            .map(|m2m| status(m2m.revoked, m2m.expired).map(|()| Auth::M2mToken(Box::new(m2m)))),
        TokenType::OAuthToken => {
            clerk.oauth_access_tokens().verify().access_token(token).timeout(timeout).retry_policy(retry).await.map(
                |answer| match answer {
                    types::VerifyOAuthAccessTokenResponse::ClerkIdpOauthAccessToken(oauth) => {
                        status(oauth.revoked, oauth.expired).map(|()| Auth::OAuthToken(Box::new(oauth)))
                    }
                    types::VerifyOAuthAccessTokenResponse::Active(_) => {
                        Err(SignedOut::new(Reason::TokenExpired, "Clerk reports the OAuth access token inactive"))
                    }
                    // A shape this version does not know (a newer server's): never signed in on it.
                    _ => Err(SignedOut::new(
                        Reason::TokenInvalid,
                        "Clerk answered in a shape this version of the crate does not know",
                    )),
                },
            )
        }
        TokenType::SessionToken => {
            return Ok(Err(SignedOut::new(Reason::TokenTypeMismatch, "session tokens are not machine tokens")))
        }
    };
    match verdict {
        Ok(verdict) => Ok(verdict.map_err(|out| SignedOut { token_type: Some(token_type), ..out })),
        Err(error) if matches!(error.status(), Some(400 | 404)) => Ok(Err(SignedOut {
            token_type: Some(token_type),
            ..SignedOut::new(Reason::TokenInvalid, "Clerk does not recognise the token")
        })),
        Err(error) => Err(error),
    }
}

fn status(revoked: bool, expired: bool) -> Result<(), SignedOut> {
    if revoked {
        Err(SignedOut::new(Reason::TokenInvalid, "the token has been revoked"))
    } else if expired {
        Err(SignedOut::new(Reason::TokenExpired, "the token has expired"))
    } else {
        Ok(())
    }
}
