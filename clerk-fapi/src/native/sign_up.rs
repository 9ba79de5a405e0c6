//! Sign-up with an email code, as the native SDKs do it: create the sign-up with the details,
//! prepare the email address's verification (the code is sent), attempt it with the code; on
//! `complete` the new user's session is in the client the server sent along, now active.

use super::{NativeClient, NativeError};
use crate::operations::sign_ups::{AttemptSignUpsVerificationResponse, CreateSignUpsResponse};
use crate::types::{self, SignUpStatus};

/// Who signs up: an email address (the code goes there) and what else the instance asks for.
#[derive(Clone, Default)]
#[must_use]
pub struct SignUpDetails {
    email_address: String,
    password: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    username: Option<String>,
}

impl std::fmt::Debug for SignUpDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignUpDetails")
            .field("email_address", &self.email_address)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

impl SignUpDetails {
    pub fn new(email_address: impl Into<String>) -> SignUpDetails {
        SignUpDetails { email_address: email_address.into(), ..SignUpDetails::default() }
    }

    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    pub fn first_name(mut self, first_name: impl Into<String>) -> Self {
        self.first_name = Some(first_name.into());
        self
    }

    pub fn last_name(mut self, last_name: impl Into<String>) -> Self {
        self.last_name = Some(last_name.into());
        self
    }

    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }
}

/// A sign-up in progress (or complete).
#[derive(Debug, Clone)]
pub struct SignUpAttempt {
    native: NativeClient,
    sign_up: types::SignUp,
}

impl NativeClient {
    /// Creates a sign-up and sends a code to its email address; finish with
    /// [`SignUpAttempt::verify_email_code`].
    pub async fn sign_up_with_email_code(&self, details: SignUpDetails) -> Result<SignUpAttempt, NativeError> {
        let mut create = self.inner.fapi.sign_ups().create().email_address(details.email_address);
        if let Some(password) = details.password {
            create = create.password(password);
        }
        if let Some(first_name) = details.first_name {
            create = create.first_name(first_name);
        }
        if let Some(last_name) = details.last_name {
            create = create.last_name(last_name);
        }
        if let Some(username) = details.username {
            create = create.username(username);
        }
        self.created_sign_up(create.await)?.send_email_code().await
    }

    /// The sign-up a create answered with, taking in the client sent along.
    pub(super) fn created_sign_up(
        &self,
        answer: Result<CreateSignUpsResponse, crate::Error>,
    ) -> Result<SignUpAttempt, NativeError> {
        match self.after(answer)? {
            CreateSignUpsResponse::Ok(wrapped) => Ok(self.sign_up(wrapped)),
            CreateSignUpsResponse::TemporaryRedirect(redirect) => {
                Err(NativeError::Redirect { location: redirect.location })
            }
        }
    }

    fn sign_up(&self, wrapped: types::ClientWrappedSignUp) -> SignUpAttempt {
        self.take_client(wrapped.client);
        SignUpAttempt { native: self.clone(), sign_up: wrapped.response }
    }
}

impl SignUpAttempt {
    /// The sign-up as the server last sent it.
    pub fn sign_up(&self) -> &types::SignUp {
        &self.sign_up
    }

    /// `MissingRequirements` until every required field is given and verified, then `Complete`.
    pub fn status(&self) -> &SignUpStatus {
        &self.sign_up.status
    }

    pub fn is_complete(&self) -> bool {
        self.sign_up.status == SignUpStatus::Complete
    }

    /// The session the sign-up created, once complete.
    pub fn session_id(&self) -> Option<&str> {
        self.sign_up.created_session_id.as_deref()
    }

    /// Sends the code to the email address (again, for a "resend").
    pub async fn send_email_code(self) -> Result<SignUpAttempt, NativeError> {
        let prepare = self.native.inner.fapi.sign_ups().prepare_verification(&self.sign_up.id).strategy("email_code");
        let answer = self.native.after(prepare.await)?;
        Ok(self.native.sign_up(answer))
    }

    /// Verifies the email address with the code.
    pub async fn verify_email_code(self, code: &str) -> Result<SignUpAttempt, NativeError> {
        let attempt = self
            .native
            .inner
            .fapi
            .sign_ups()
            .attempt_verification(&self.sign_up.id)
            .strategy(types::AttemptSignUpsVerificationBodyStrategy::EmailCode)
            .code(code);
        match self.native.after(attempt.await)? {
            AttemptSignUpsVerificationResponse::Ok(wrapped) => Ok(self.native.sign_up(wrapped)),
            AttemptSignUpsVerificationResponse::TemporaryRedirect(redirect) => {
                Err(NativeError::Redirect { location: redirect.location })
            }
        }
    }
}
