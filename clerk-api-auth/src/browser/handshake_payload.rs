//! The return leg of a handshake: the browser comes back from the Frontend API with a payload
//! (a `__clerk_handshake` JWT signed by the instance key, or a `__clerk_handshake_nonce` whose
//! payload the Backend API hands out) listing the `Set-Cookie` directives to apply. As Clerk's
//! JS SDK (`handshake.ts`, `resolveHandshake`).

use crate::browser::{self, BrowserRequest};
use crate::budget::Scope;
use crate::category::Category;
use crate::error::Unavailable;
use crate::options::AuthenticateOptions;
use crate::publishable_key::InstanceType;
use crate::reason::Reason;
use crate::state::{Handshake, RequestState, SignedOut};
use crate::{jwt, signing_key, verify_checked, AuthError};
use clerk_api_runtime::Request;
use http::header::{CACHE_CONTROL, LOCATION};
use http::{HeaderMap, HeaderValue};
use reqwest::Method;
use serde::Deserialize;
use std::sync::Arc;

/// What resolving a payload gave: a verdict, or nothing usable (the decision goes on as if no
/// payload had come, as the JS SDK does in production).
pub(crate) async fn resolve(
    request: &BrowserRequest<'_>,
    instance: InstanceType,
    options: &AuthenticateOptions,
    scope: &Scope<'_>,
) -> Result<Option<RequestState>, AuthError> {
    let nonce =
        request.query(browser::HANDSHAKE_NONCE).or_else(|| request.cookie(browser::HANDSHAKE_NONCE).map(str::to_owned));
    let token = request.query(browser::HANDSHAKE).or_else(|| request.cookie(browser::HANDSHAKE).map(str::to_owned));
    let directives = match (nonce, token) {
        (Some(nonce), _) => from_nonce(&nonce, options, scope).await,
        (None, Some(token)) => match from_token(&token, options, scope).await? {
            Some(directives) => directives,
            None => return Ok(None),
        },
        (None, None) => return Ok(None),
    };
    let (mut headers, session) = browser::set_cookies(&directives);
    if instance == InstanceType::Development {
        // Development payloads arrive in the URL: back to it without them.
        let mut clean = request.url.clone();
        browser::remove_query(
            &mut clean,
            &[browser::HANDSHAKE, "__clerk_help", browser::DEV_BROWSER, browser::HANDSHAKE_NONCE],
        );
        if let Ok(value) = HeaderValue::from_str(clean.as_str()) {
            headers.insert(LOCATION, value);
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
    let Some(session) = session else {
        return Ok(Some(with_cookies(
            RequestState::SignedOut(SignedOut::new(Reason::SessionTokenMissing, "the handshake set no session cookie")),
            headers,
        )));
    };
    Ok(match verify_checked(&session, options, scope).await? {
        state @ RequestState::SignedIn(_) => Some(with_cookies(state, headers)),
        // A session cookie that does not verify: as if no payload had come.
        _ => None,
    })
}

/// A verdict that must also set the payload's cookies. In development (a `Location` back to the
/// clean URL) the browser is redirected with them; in production the handler runs and the
/// cookies go out with its response.
fn with_cookies(state: RequestState, headers: HeaderMap) -> RequestState {
    if headers.contains_key(LOCATION) {
        let reason = state.reason().unwrap_or(Reason::HandshakeResolved);
        return RequestState::Handshake(Handshake::new(reason, "", headers));
    }
    state.with_cookies(headers)
}

#[derive(Deserialize)]
struct NoncePayload {
    #[serde(default)]
    directives: Vec<String>,
}

/// The directives behind a nonce, through the Backend API; none without a client or when the
/// call fails or runs out of the request's budget (the JS SDK logs the failure and goes on).
async fn from_nonce(nonce: &str, options: &AuthenticateOptions, scope: &Scope<'_>) -> Vec<String> {
    let Some(client) = &options.client else { return Vec::new() };
    let mut request = Request::new(
        Method::GET,
        "GetHandshakePayload",
        "/clients/handshake_payload",
        "/clients/handshake_payload".to_owned(),
        scope.deadline.call_options(),
    );
    request.query("nonce", Some(nonce));
    let fetched = scope.deadline.wait(client.clerk.client().execute_json::<NoncePayload>(request)).await;
    match fetched.and_then(|answer| answer.map_err(|error| Unavailable::Failed(Arc::new(error)))) {
        Ok(payload) => payload.directives,
        Err(_error) => {
            #[cfg(feature = "tracing")]
            tracing::warn!(error = %_error, "could not fetch the handshake payload");
            Vec::new()
        }
    }
}

#[derive(Deserialize)]
struct TokenPayload {
    #[serde(default)]
    handshake: Option<Vec<String>>,
}

/// The directives of a handshake JWT: RS256 from the instance key, a session token's category
/// (or none), signature checked; `None` when it fails any of these.
async fn from_token(
    token: &str,
    options: &AuthenticateOptions,
    scope: &Scope<'_>,
) -> Result<Option<Vec<String>>, AuthError> {
    let Ok(parsed) = jwt::parse(token, &options.header_cache) else { return Ok(None) };
    if !matches!(parsed.category, Category::Session | Category::Unmarked | Category::Ignore) {
        return Ok(None);
    }
    let Ok(key) = signing_key(&parsed, options, scope).await? else { return Ok(None) };
    let Ok(payload) = jwt::verify(&parsed, &key) else { return Ok(None) };
    Ok(serde_json::from_str::<TokenPayload>(&payload).ok().map(|p| p.handshake.unwrap_or_default()))
}
