//! Sign-in as a small state machine over the Frontend API's sign-in object: each step sends one
//! request and hands back the sign-in as the server now has it; `status()` says what it needs
//! next. The steps are the native SDKs': a password, an email code or an SMS code on create (the
//! code is sent then), a first factor attempted, a second factor (`totp`, `backup_code`) attempted without a
//! prepare; on `complete`, the client the server sent along holds the new session, now active.

use super::{NativeClient, NativeError};
use crate::operations::sign_ins::{
    AttemptSignInFactorOneResponse, AttemptSignInFactorTwoResponse, CreateSignInResponse,
};
use crate::types::{self, SignInStatus};

/// A sign-in in progress (or complete).
#[derive(Debug, Clone)]
pub struct SignInAttempt {
    native: NativeClient,
    sign_in: types::SignIn,
}

impl NativeClient {
    /// Signs in with an identifier (email address, username, phone number) and a password:
    /// complete, or needing a second factor.
    pub async fn sign_in_with_password(&self, identifier: &str, password: &str) -> Result<SignInAttempt, NativeError> {
        let create = self.inner.fapi.sign_ins().create().strategy("password").identifier(identifier).password(password);
        self.created(create.await)
    }

    /// Starts a sign-in by a code sent to `email_address`: the code is sent now; finish with
    /// [`SignInAttempt::verify_email_code`].
    pub async fn sign_in_with_email_code(&self, email_address: &str) -> Result<SignInAttempt, NativeError> {
        let create = self.inner.fapi.sign_ins().create().strategy("email_code").identifier(email_address);
        self.created(create.await)
    }

    /// Starts a sign-in by a code sent by SMS to `phone_number` (E.164, such as `+15550100`):
    /// the code is sent now; finish with [`SignInAttempt::verify_phone_code`].
    pub async fn sign_in_with_phone_code(&self, phone_number: &str) -> Result<SignInAttempt, NativeError> {
        let create = self.inner.fapi.sign_ins().create().strategy("phone_code").identifier(phone_number);
        self.created(create.await)
    }

    fn created(&self, answer: Result<CreateSignInResponse, crate::Error>) -> Result<SignInAttempt, NativeError> {
        match self.after(answer)? {
            CreateSignInResponse::Ok(wrapped) => Ok(self.sign_in(wrapped)),
            CreateSignInResponse::TemporaryRedirect(redirect) => {
                Err(NativeError::Redirect { location: redirect.location })
            }
        }
    }

    /// A sign-in from an answer, taking in the client sent along.
    pub(crate) fn sign_in(&self, wrapped: types::ClientWrappedSignIn) -> SignInAttempt {
        self.take_client(wrapped.client);
        SignInAttempt { native: self.clone(), sign_in: wrapped.response }
    }
}

impl SignInAttempt {
    /// The sign-in as the server last sent it.
    pub fn sign_in(&self) -> &types::SignIn {
        &self.sign_in
    }

    /// What it needs next: `NeedsFirstFactor`, `NeedsSecondFactor`, ..., `Complete`.
    pub fn status(&self) -> &SignInStatus {
        &self.sign_in.status
    }

    pub fn is_complete(&self) -> bool {
        self.sign_in.status == SignInStatus::Complete
    }

    /// The session the sign-in created, once complete.
    pub fn session_id(&self) -> Option<&str> {
        self.sign_in.created_session_id.as_deref()
    }

    /// Sends a code to the email address the sign-in identified (again, for a "resend"), as
    /// `prepare_first_factor` with the address's id from the supported first factors.
    pub async fn send_email_code(self) -> Result<SignInAttempt, NativeError> {
        let id = self.first_factor_of(types::StubsSignInFactorStrategy::EmailCode, |f| &f.email_address_id)?;
        let prepare = self.native.inner.fapi.sign_ins().prepare_first_factor(&self.sign_in.id, "email_code");
        let answer = self.native.after(prepare.email_address_id(id).await)?;
        Ok(self.native.sign_in(answer))
    }

    /// Sends a code by SMS to the phone number the sign-in identified (again, for a "resend"),
    /// as `prepare_first_factor` with the number's id from the supported first factors.
    pub async fn send_phone_code(self) -> Result<SignInAttempt, NativeError> {
        let id = self.first_factor_of(types::StubsSignInFactorStrategy::PhoneCode, |f| &f.phone_number_id)?;
        let prepare = self.native.inner.fapi.sign_ins().prepare_first_factor(&self.sign_in.id, "phone_code");
        let answer = self.native.after(prepare.phone_number_id(id).await)?;
        Ok(self.native.sign_in(answer))
    }

    /// The id (`id_of`) of the supported first factor with this strategy.
    fn first_factor_of(
        &self,
        strategy: types::StubsSignInFactorStrategy,
        id_of: impl Fn(&types::StubsSignInFactor) -> &Option<String>,
    ) -> Result<String, NativeError> {
        let factors = self.sign_in.supported_first_factors.iter().flatten();
        let factor = factors.filter(|factor| factor.strategy == strategy).find_map(|factor| id_of(factor).clone());
        factor.ok_or_else(|| NativeError::Flow(format!("this sign-in offers no {}", strategy.as_str())))
    }

    /// Attempts the first factor with the emailed code.
    pub async fn verify_email_code(self, code: &str) -> Result<SignInAttempt, NativeError> {
        let attempt = self.native.inner.fapi.sign_ins().attempt_first_factor(&self.sign_in.id, "email_code").code(code);
        self.first_factor(attempt.await)
    }

    /// Attempts the first factor with the code sent by SMS.
    pub async fn verify_phone_code(self, code: &str) -> Result<SignInAttempt, NativeError> {
        let attempt = self.native.inner.fapi.sign_ins().attempt_first_factor(&self.sign_in.id, "phone_code").code(code);
        self.first_factor(attempt.await)
    }

    /// Attempts the first factor with a password (a sign-in created with the identifier alone).
    pub async fn verify_password(self, password: &str) -> Result<SignInAttempt, NativeError> {
        let attempt =
            self.native.inner.fapi.sign_ins().attempt_first_factor(&self.sign_in.id, "password").password(password);
        self.first_factor(attempt.await)
    }

    /// Attempts the second factor with a code from the user's authenticator app.
    pub async fn verify_totp(self, code: &str) -> Result<SignInAttempt, NativeError> {
        self.second_factor(types::AttemptSignInFactorTwoBodyStrategy::Totp, code).await
    }

    /// Attempts the second factor with one of the user's backup codes (each works once).
    pub async fn verify_backup_code(self, code: &str) -> Result<SignInAttempt, NativeError> {
        self.second_factor(types::AttemptSignInFactorTwoBodyStrategy::BackupCode, code).await
    }

    fn first_factor(
        self,
        answer: Result<AttemptSignInFactorOneResponse, crate::Error>,
    ) -> Result<SignInAttempt, NativeError> {
        match self.native.after(answer)? {
            AttemptSignInFactorOneResponse::Ok(wrapped) => Ok(self.native.sign_in(wrapped)),
            AttemptSignInFactorOneResponse::TemporaryRedirect(redirect) => {
                Err(NativeError::Redirect { location: redirect.location })
            }
        }
    }

    async fn second_factor(
        self,
        strategy: types::AttemptSignInFactorTwoBodyStrategy,
        code: &str,
    ) -> Result<SignInAttempt, NativeError> {
        let attempt =
            self.native.inner.fapi.sign_ins().attempt_second_factor(&self.sign_in.id).strategy(strategy).code(code);
        match self.native.after(attempt.await)? {
            AttemptSignInFactorTwoResponse::Ok(wrapped) => Ok(self.native.sign_in(wrapped)),
            AttemptSignInFactorTwoResponse::TemporaryRedirect(redirect) => {
                Err(NativeError::Redirect { location: redirect.location })
            }
        }
    }
}
