//! OAuth and SSO through the system browser, as Clerk's native SDKs do it: the sign-in is
//! created with the provider's strategy (`oauth_google`, ...) and the app's callback URL; the
//! app opens the provider's page the Frontend API returns in the system browser (never a web
//! view); the provider sends the browser back to the callback URL with a `rotating_token_nonce`;
//! the sign-in is read again with that nonce, which completes it and rotates the client token.
//! A callback without a nonce means the provider's account has no user yet, or the user gave up
//! (the callback's `__clerk_error_code`/`error` say so): as Clerk's iOS SDK does, the sign-in is
//! read again and, if its verification is `transferable`, a sign-up with `transfer=true` creates
//! the user from the provider's account.

use super::{NativeClient, NativeError, SignInAttempt, SignUpAttempt};
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

/// How an OAuth sign-in ended: an existing user signed in, or a new one signed up from the
/// provider's account (Clerk's "transfer").
#[derive(Debug, Clone)]
#[non_exhaustive]
// Made once per OAuth sign-in and matched at once: boxing a variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum OAuthCompletion {
    SignedIn(SignInAttempt),
    SignedUp(SignUpAttempt),
}

impl OAuthCompletion {
    /// Whether a session was created (a sign-in may still need a second factor; a sign-up
    /// may still miss a field the instance requires, such as a username).
    pub fn is_complete(&self) -> bool {
        match self {
            OAuthCompletion::SignedIn(attempt) => attempt.is_complete(),
            OAuthCompletion::SignedUp(attempt) => attempt.is_complete(),
        }
    }

    /// The session created, once complete.
    pub fn session_id(&self) -> Option<&str> {
        match self {
            OAuthCompletion::SignedIn(attempt) => attempt.session_id(),
            OAuthCompletion::SignedUp(attempt) => attempt.session_id(),
        }
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

    /// Completes the sign-in `start` began, from the URL the browser was sent back to: the
    /// user signed in, or, for a provider account no user has, signed up.
    pub async fn complete_oauth(&self, start: &OAuthStart, callback_url: &str) -> Result<OAuthCompletion, NativeError> {
        if !callback_url.starts_with(&start.redirect_url) {
            return Err(NativeError::Flow("the callback URL is not the one this sign-in was started with".to_owned()));
        }
        let query = callback_url.split_once('?').map_or("", |(_, query)| query);
        let param = |name: &str| {
            form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
        };
        if let Some(why) = param("__clerk_error_code").or_else(|| param("error")) {
            return Err(NativeError::Flow(format!("the OAuth sign-in did not complete: {why}")));
        }
        let Some(nonce) = param("rotating_token_nonce") else {
            return self.transfer(start).await.map(OAuthCompletion::SignedUp);
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
        Ok(OAuthCompletion::SignedIn(attempt))
    }

    /// A callback without a nonce: the sign-in read again; if the provider's account has no
    /// user (`transferable`), a sign-up that takes it over, else the sign-in's error.
    async fn transfer(&self, start: &OAuthStart) -> Result<SignUpAttempt, NativeError> {
        let attempt = self.sign_in(self.after(self.inner.fapi.sign_ins().get(&start.sign_in_id).await)?);
        if !is_transferable(attempt.sign_in()) {
            let error = oauth_error(attempt.sign_in());
            return Err(error.unwrap_or_else(|| NativeError::Flow("the OAuth callback carried no nonce".to_owned())));
        }
        let sign_up = self.created_sign_up(self.inner.fapi.sign_ups().create().transfer(true).await)?;
        if let Some(types::ClientSignUpVerificationsExternalAccount::StubsVerificationOauth(oauth)) =
            &sign_up.sign_up().verifications.external_account
        {
            if let Some(error) = &oauth.error {
                return Err(clerk_error(error));
            }
        }
        Ok(sign_up)
    }
}

/// Whether the sign-in's OAuth account has no user yet, so a sign-up can take it over.
fn is_transferable(sign_in: &types::SignIn) -> bool {
    matches!(
        sign_in.first_factor_verification.as_ref(),
        Some(types::SignInFirstFactorVerification::StubsVerificationOauth(oauth))
            if oauth.status == types::StubsVerificationOauthStatus::Transferable
    )
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
    oauth.error.as_ref().map(clerk_error)
}

/// An error a verification carries, as Clerk's error (the answer itself was a success).
fn clerk_error(error: &crate::ClerkError) -> NativeError {
    NativeError::Clerk {
        status: 200,
        code: super::ErrorCode::from(error.code.as_str()),
        message: error.message.clone(),
        long_message: error.long_message.clone(),
        param: None,
        clerk_trace_id: None,
    }
}
