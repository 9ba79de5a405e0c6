//! What can go wrong in a native session, typed: Clerk's own refusals by their code (what a
//! sign-in screen branches on), the request's failure otherwise, and the session's own cases.
//! No variant holds the client token, a session token, a password or a code.

use super::store::StoreError;

/// A native session's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NativeError {
    /// The Frontend API refused: its first error, by code (Clerk's SDKs show `long_message`, else
    /// `message`, to people).
    #[error("Clerk refused (HTTP {status}, {code}): {message}")]
    Clerk {
        status: u16,
        code: ErrorCode,
        message: String,
        long_message: Option<String>,
        /// The form field at fault (`meta.param_name`), such as `password` or `code`.
        param: Option<String>,
        clerk_trace_id: Option<String>,
    },
    /// The request failed otherwise: transport, timeout, a body that did not decode.
    #[error(transparent)]
    Request(crate::Error),
    /// The Frontend API answered with a redirect where a native client expects data (a
    /// browser-only path).
    #[error("the Frontend API answered with a redirect to {location:?}, which a native client does not follow")]
    Redirect { location: Option<String> },
    /// The publishable key is not one.
    #[error(transparent)]
    PublishableKey(#[from] clerk_api_auth::PublishableKeyError),
    /// Storing the client token failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No session is active: sign in first.
    #[error("no session is active: sign in first")]
    SignedOut,
    /// The step asked for does not fit the sign-in or sign-up (no email address to send a code
    /// to, an OAuth callback for another attempt, ...).
    #[error("{0}")]
    Flow(String),
}

impl From<crate::Error> for NativeError {
    fn from(error: crate::Error) -> NativeError {
        match error {
            crate::Error::Api(api) if !api.errors.is_empty() => {
                let first = &api.errors[0];
                let param = first
                    .meta
                    .as_ref()
                    .and_then(|meta| meta.get("param_name"))
                    .and_then(|name| name.as_str())
                    .map(str::to_owned);
                NativeError::Clerk {
                    status: api.status,
                    code: ErrorCode::from(first.code.as_str()),
                    message: first.message.clone(),
                    long_message: first.long_message.clone(),
                    param,
                    clerk_trace_id: api.clerk_trace_id.clone(),
                }
            }
            other => NativeError::Request(other),
        }
    }
}

impl NativeError {
    /// Clerk's error code, when Clerk refused.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            NativeError::Clerk { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// The codes of Clerk's refusals a sign-in flow branches on; any other is [`ErrorCode::Other`]
/// with its text (the list grows without breaking callers).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `form_password_incorrect`
    PasswordIncorrect,
    /// `form_identifier_not_found`
    IdentifierNotFound,
    /// `form_code_incorrect`
    CodeIncorrect,
    /// `form_param_missing`
    ParamMissing,
    /// `form_param_format_invalid`, `form_param_value_invalid`
    ParamInvalid,
    /// `form_identifier_exists`: a sign-up for an identifier already taken.
    IdentifierExists,
    /// `form_password_pwned`, `form_password_length_too_short` and the other password rules.
    PasswordRejected,
    /// `verification_expired`
    VerificationExpired,
    /// `verification_failed`: too many wrong attempts.
    VerificationFailed,
    /// `session_exists`: already signed in (single-session instances).
    SessionExists,
    /// `session_not_found` and the other codes of a session that ended, was revoked or removed.
    SessionGone,
    /// `authentication_invalid`: the client token is not valid (any more).
    AuthenticationInvalid,
    /// `native_api_disabled`: the instance does not allow native apps (Dashboard, Native apps).
    NativeApiDisabled,
    /// `too_many_requests`
    TooManyRequests,
    /// `external_account_not_found`: an OAuth sign-in for an account that does not exist yet
    /// ([`complete_oauth`](super::NativeClient::complete_oauth) signs such a user up).
    ExternalAccountNotFound,
    /// Any other code.
    Other(String),
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> ErrorCode {
        match code {
            "form_password_incorrect" => ErrorCode::PasswordIncorrect,
            "form_identifier_not_found" => ErrorCode::IdentifierNotFound,
            "form_code_incorrect" => ErrorCode::CodeIncorrect,
            "form_param_missing" => ErrorCode::ParamMissing,
            "form_param_format_invalid" | "form_param_value_invalid" => ErrorCode::ParamInvalid,
            "form_identifier_exists" => ErrorCode::IdentifierExists,
            code if code.starts_with("form_password_") => ErrorCode::PasswordRejected,
            "verification_expired" => ErrorCode::VerificationExpired,
            "verification_failed" => ErrorCode::VerificationFailed,
            "session_exists" => ErrorCode::SessionExists,
            "session_not_found" | "session_revoked" | "session_expired" | "session_ended" | "session_removed"
            | "session_replaced" | "session_invalid" => ErrorCode::SessionGone,
            "authentication_invalid" => ErrorCode::AuthenticationInvalid,
            "native_api_disabled" => ErrorCode::NativeApiDisabled,
            "too_many_requests" => ErrorCode::TooManyRequests,
            "external_account_not_found" => ErrorCode::ExternalAccountNotFound,
            other => ErrorCode::Other(other.to_owned()),
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            ErrorCode::PasswordIncorrect => "form_password_incorrect",
            ErrorCode::IdentifierNotFound => "form_identifier_not_found",
            ErrorCode::CodeIncorrect => "form_code_incorrect",
            ErrorCode::ParamMissing => "form_param_missing",
            ErrorCode::ParamInvalid => "form_param_value_invalid",
            ErrorCode::IdentifierExists => "form_identifier_exists",
            ErrorCode::PasswordRejected => "form_password_rejected",
            ErrorCode::VerificationExpired => "verification_expired",
            ErrorCode::VerificationFailed => "verification_failed",
            ErrorCode::SessionExists => "session_exists",
            ErrorCode::SessionGone => "session_not_found",
            ErrorCode::AuthenticationInvalid => "authentication_invalid",
            ErrorCode::NativeApiDisabled => "native_api_disabled",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::ExternalAccountNotFound => "external_account_not_found",
            ErrorCode::Other(code) => code,
        };
        f.write_str(text)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_both_ways_and_unknown_ones_are_kept() {
        for code in
            ["form_password_incorrect", "form_identifier_not_found", "form_code_incorrect", "verification_expired"]
        {
            assert_eq!(ErrorCode::from(code).to_string(), code);
        }
        assert_eq!(ErrorCode::from("session_revoked"), ErrorCode::SessionGone);
        assert_eq!(ErrorCode::from("form_password_pwned"), ErrorCode::PasswordRejected);
        assert_eq!(ErrorCode::from("brand_new_code"), ErrorCode::Other("brand_new_code".into()));
    }
}
