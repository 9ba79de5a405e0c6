//! What the framework integrations (axum, actix-web) answer, framework-neutral: the `401`, the
//! redirects and the `503`, so that both answer alike.

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;
pub(crate) mod protect;

use crate::browser::BrowserRequest;
use crate::handshake::eligible;
use crate::state::Auth;
use crate::{AuthError, AuthenticateOptions, Reason, Reverification};
use http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, StatusCode};
use std::ops::Deref;
use std::sync::Arc;

/// The verified auth object of a request, put there by the framework's layer or middleware and
/// taken by handlers as an extractor (one type for axum and actix-web).
#[derive(Debug, Clone)]
pub struct ClerkAuth(pub Arc<Auth>);

impl Deref for ClerkAuth {
    type Target = Auth;
    fn deref(&self) -> &Auth {
        &self.0
    }
}

/// A response in `http` types, turned into the framework's own.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Answer {
    /// `401` with the verdict's headers (`x-clerk-auth-*`) and `WWW-Authenticate: Bearer`.
    pub(crate) fn signed_out(reason: Reason, headers: HeaderMap) -> Answer {
        let mut answer = Answer { status: StatusCode::UNAUTHORIZED, headers, body: format!("signed out: {reason}\n") };
        answer.headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        answer
    }

    /// A `307` carrying `headers` (a handshake's `Location`, `Cache-Control` and cookies).
    pub(crate) fn redirect(headers: HeaderMap) -> Answer {
        Answer { status: StatusCode::TEMPORARY_REDIRECT, headers, body: String::new() }
    }

    /// A `307` to `location`.
    pub(crate) fn redirect_to(location: &str, headers: HeaderMap) -> Answer {
        let mut answer = Answer::redirect(headers);
        if let Ok(value) = HeaderValue::from_str(location) {
            answer.headers.insert(LOCATION, value);
            answer.headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        answer
    }

    /// `403` with Clerk's reverification error: the session is allowed all else, but must verify
    /// `required` again (Clerk's frontend SDKs prompt for it and retry).
    pub(crate) fn reverification(required: Reverification) -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Answer { status: StatusCode::FORBIDDEN, headers, body: required.error_body() }
    }

    /// `404`: signed in but not allowed, as Clerk's `auth.protect()` answers (the route's
    /// existence is not revealed).
    pub(crate) fn not_found() -> Answer {
        Answer { status: StatusCode::NOT_FOUND, headers: HeaderMap::new(), body: "not found\n".to_owned() }
    }

    /// `401` for a machine token on a route that requires a session.
    pub(crate) fn machine_token_refused() -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        Answer { status: StatusCode::UNAUTHORIZED, headers, body: "this route requires a session\n".to_owned() }
    }

    /// `500`: a guard on a route that no authenticating layer or middleware wraps.
    pub(crate) fn missing_layer() -> Answer {
        Answer {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            headers: HeaderMap::new(),
            body: "Protect is used on a route without Clerk's authentication layer or middleware\n".to_owned(),
        }
    }

    /// No verdict could be reached: `503` (the JWKS or a machine-token check unreachable in
    /// the request's budget), or `429` when the limiter refused the client another
    /// verification; with `Retry-After` when waiting can help. Never `401`: the token may be
    /// valid, and clients sign their users out on a `401`.
    pub(crate) fn unavailable(error: &AuthError) -> Answer {
        // The error names what failed (never a secret); the caller only learns that it did.
        #[cfg(feature = "tracing")]
        tracing::warn!(error = %error, "request authentication unavailable");
        let (status, body) = match error {
            AuthError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "too many tokens to verify\n"),
            _ => (StatusCode::SERVICE_UNAVAILABLE, "authentication is unavailable\n"),
        };
        let mut headers = HeaderMap::new();
        if let Some(after) = error.retry_after() {
            // Whole seconds, rounded up: `Retry-After: 0` would invite an immediate retry.
            let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        Answer { status, headers, body: body.to_owned() }
    }
}

/// A signed-out page load on a guarded route goes to the sign-in page when one is configured,
/// with `redirect_url` back to where it was going (as Clerk's `redirectToSignIn`); fetches get
/// `401`.
pub(crate) fn sign_in_redirect(
    options: &AuthenticateOptions,
    method: &http::Method,
    uri: &http::Uri,
    headers: &HeaderMap,
) -> Option<String> {
    let sign_in = options.sign_in_url.as_deref()?;
    let request = BrowserRequest::new(method, uri, headers).filter(eligible)?;
    let mut url = reqwest::Url::parse(sign_in).ok()?;
    url.query_pairs_mut().append_pair("redirect_url", request.url.as_str());
    Some(url.into())
}
