//! OAuth and SSO through the system browser, as Clerk's native SDKs do it: the sign-in is
//! created with the provider's strategy (`oauth_google`, ...) and the app's callback URL; the
//! app opens the provider's page the Frontend API returns in the system browser (never a web
//! view); the provider sends the browser back to the callback URL with a `rotating_token_nonce`;
//! the sign-in is read again with that nonce, which completes it and rotates the client token.
//! A callback without a nonce means the account does not exist yet or the user gave up: the
//! callback's `__clerk_error_code`/`error` say which.

use super::{NativeClient, NativeError, SignInAttempt};
use crate::operations::sign_ins::CreateSignInResponse;
use crate::types;

/// An OAuth sign-in waiting for the browser: open [`url`](Self::url), then hand the callback
/// URL the app receives to [`NativeClient::complete_oauth`].
#[derive(Debug, Clone)]
pub struct OAuthStart {
    sign_in_id: String,
    url: String,
    redirect_url: String,
}

impl OAuthStart {
    /// The provider's page, to open in the system browser.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The sign-in waiting for the callback.
    pub fn sign_in_id(&self) -> &str {
        &self.sign_in_id
    }
}

impl NativeClient {
    /// Starts an OAuth or SSO sign-in (`strategy`: `oauth_google`, `oauth_github`, ...) that the
    /// provider ends by sending the browser to `redirect_url` (the app's own scheme, such as
    /// `com.example.app://callback`, or a loopback URL a CLI listens on).
    pub async fn start_oauth(&self, strategy: &str, redirect_url: &str) -> Result<OAuthStart, NativeError> {
        let create = self.inner.fapi.sign_ins().create().strategy(strategy).redirect_url(redirect_url);
        let sign_in = match self.after(create.await)? {
            CreateSignInResponse::Ok(wrapped) => self.sign_in(wrapped),
            CreateSignInResponse::TemporaryRedirect(redirect) => {
                return Err(NativeError::Redirect { location: redirect.location })
            }
        };
        let url = external_url(sign_in.sign_in()).ok_or_else(|| {
            NativeError::Flow(format!("the Frontend API sent no provider page for the {strategy} sign-in"))
        })?;
        Ok(OAuthStart { sign_in_id: sign_in.sign_in().id.clone(), url, redirect_url: redirect_url.to_owned() })
    }

    /// Completes the sign-in `start` began, from the URL the browser was sent back to.
    pub async fn complete_oauth(&self, start: &OAuthStart, callback_url: &str) -> Result<SignInAttempt, NativeError> {
        if !callback_url.starts_with(&start.redirect_url) {
            return Err(NativeError::Flow("the callback URL is not the one this sign-in was started with".to_owned()));
        }
        let query = callback_url.split_once('?').map_or("", |(_, query)| query);
        let param = |name: &str| {
            form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
        };
        let Some(nonce) = param("rotating_token_nonce") else {
            let why = param("__clerk_error_code").or_else(|| param("error")).unwrap_or_else(|| "no nonce".to_owned());
            return Err(NativeError::Flow(format!("the OAuth sign-in did not complete: {why}")));
        };
        if !start.sign_in_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(NativeError::Flow("the sign-in id is not one".to_owned()));
        }
        // The spec does not list `rotating_token_nonce` on `GET /v1/client/sign_ins/{id}`, so the
        // request is written here, through the runtime.
        let mut request = clerk_api_runtime::Request::new(
            clerk_api_runtime::Method::GET,
            "sign_ins.get",
            "/v1/client/sign_ins/{sign_in_id}",
            format!("/v1/client/sign_ins/{}", start.sign_in_id),
            clerk_api_runtime::CallOptions::default(),
        );
        request.query("rotating_token_nonce", Some(nonce.as_str()));
        let answer = self.inner.fapi.runtime().execute_json::<types::ClientWrappedSignIn>(request).await;
        let attempt = self.sign_in(self.after(answer)?);
        if let Some(error) = oauth_error(attempt.sign_in()) {
            return Err(error);
        }
        Ok(attempt)
    }
}

/// The provider's page of an OAuth sign-in's first factor.
fn external_url(sign_in: &types::SignIn) -> Option<String> {
    match sign_in.first_factor_verification.as_ref()? {
        types::SignInFirstFactorVerification::StubsVerificationOauth(oauth) => {
            oauth.external_verification_redirect_url.clone()
        }
        _ => None,
    }
}

/// The error an OAuth verification ended with, as Clerk's error.
fn oauth_error(sign_in: &types::SignIn) -> Option<NativeError> {
    let types::SignInFirstFactorVerification::StubsVerificationOauth(oauth) =
        sign_in.first_factor_verification.as_ref()?
    else {
        return None;
    };
    let error = oauth.error.as_ref()?;
    Some(NativeError::Clerk {
        status: 200,
        code: super::ErrorCode::from(error.code.as_str()),
        message: error.message.clone(),
        long_message: error.long_message.clone(),
        param: None,
        clerk_trace_id: None,
    })
}
