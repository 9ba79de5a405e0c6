//! Refreshing an expired session cookie through the Backend API with the `__refresh` token,
//! where Clerk's JS SDK does: a GET whose session cookie expired, with a refresh token cookie,
//! and a client to call Clerk with (`tokens/request.ts`, `refreshToken`).

use crate::browser::{self, BrowserRequest, Unverified};
use crate::budget::Scope;
use crate::options::AuthenticateOptions;
use crate::reason::Reason;
use crate::state::RequestState;
use crate::types::{RefreshSessionBodyFormat, SessionRefresh};
use crate::{verify_checked, AuthError};

/// A refreshed, verified session with the cookies to set; or why there is none, as the reason
/// the handshake (or the signed-out verdict) then carries.
pub(crate) async fn refresh(
    request: &BrowserRequest<'_>,
    expired: &str,
    refresh_token: &str,
    options: &AuthenticateOptions,
    scope: &Scope<'_>,
) -> Result<Result<RequestState, Reason>, AuthError> {
    let Some(client) = &options.client else { return Ok(Err(Reason::SessionTokenExpiredNoApiClient)) };
    let Some(session_id) =
        Unverified::decode(expired).and_then(|claims| claims.sid).and_then(|sid| sid.as_str().map(str::to_owned))
    else {
        return Ok(Err(Reason::SessionTokenExpiredNoSid));
    };
    // Clerk checks the browser's request: its origin and headers go along, each as a list.
    let mut headers = serde_json::Map::new();
    for (name, value) in request.headers {
        if let Ok(value) = value.to_str() {
            headers.insert(name.as_str().to_owned(), serde_json::json!([value]));
        }
    }
    // (The JS SDK also sends `suffixed_cookies`, which the spec's body does not have.)
    let refresh = client
        .clerk
        .sessions()
        .refresh(session_id, expired, refresh_token, request.origin())
        .request_headers(serde_json::Value::Object(headers))
        .format(RefreshSessionBodyFormat::Cookie)
        .timeout(scope.deadline.timeout())
        .retry_policy(crate::budget::request_retry_policy(scope.deadline.budget()));
    // Out of budget, the refresh failed as a fetch fails: the browser goes through the handshake.
    let Ok(refreshed) = scope.deadline.wait(refresh.send()).await else {
        return Ok(Err(Reason::SessionTokenExpiredRefreshFetchError));
    };
    let cookies = match refreshed {
        Ok(SessionRefresh::Cookies(cookies)) => cookies.cookies,
        Ok(_) => return Ok(Err(Reason::SessionTokenExpiredRefreshInvalid)),
        Err(crate::Error::Api(error)) if error.errors.first().is_some_and(|e| e.code == "unexpected_error") => {
            return Ok(Err(Reason::SessionTokenExpiredRefreshFetchError));
        }
        Err(crate::Error::Api(_)) => return Ok(Err(Reason::SessionTokenExpiredRefreshRefused)),
        Err(_) => return Ok(Err(Reason::SessionTokenExpiredRefreshFetchError)),
    };
    let (set_cookies, session) = browser::set_cookies(&cookies);
    let Some(session) = session else { return Ok(Err(Reason::SessionTokenExpiredRefreshInvalid)) };
    Ok(match verify_checked(&session, options, scope).await? {
        state @ RequestState::SignedIn(_) => Ok(state.with_cookies(set_cookies)),
        _ => Err(Reason::SessionTokenExpiredRefreshInvalid),
    })
}
