//! What the framework integrations (axum, actix-web) answer, framework-neutral: the `401`, the
//! redirects and the `503`, so that both answer alike.

use super::browser::BrowserRequest;
use super::handshake::eligible;
use super::state::Auth;
use super::{AuthError, AuthenticateOptions, Reason};
use http::header::{CACHE_CONTROL, LOCATION, WWW_AUTHENTICATE};
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

    /// `503`: no verdict could be reached (the JWKS or a machine-token check unreachable).
    pub(crate) fn unavailable(error: &AuthError) -> Answer {
        // The error names what failed (never a secret); the caller only learns that it did.
        #[cfg(feature = "tracing")]
        tracing::warn!(error = %error, "request authentication unavailable");
        #[cfg(not(feature = "tracing"))]
        let _ = error;
        Answer {
            status: StatusCode::SERVICE_UNAVAILABLE,
            headers: HeaderMap::new(),
            body: "authentication is unavailable\n".to_owned(),
        }
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
