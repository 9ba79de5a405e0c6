//! Clerk's error answers, so that a client under test meets the codes, statuses and `meta`
//! it meets in production: `{"errors":[{code, message, long_message, meta:{param_name}}],
//! "meta":{}, "clerk_trace_id"}`. Every bad request gets one of these, never a panic.

use serde_json::{json, Value};

/// A refusal: the status and Clerk's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) long_message: String,
    /// The form field at fault (`meta.param_name`).
    pub(crate) param: Option<String>,
}

fn failure(status: u16, code: &'static str, message: &str, long_message: &str, param: Option<&str>) -> Failure {
    Failure {
        status,
        code,
        message: message.to_owned(),
        long_message: long_message.to_owned(),
        param: param.map(str::to_owned),
    }
}

impl Failure {
    pub(crate) fn password_incorrect() -> Failure {
        failure(
            422,
            "form_password_incorrect",
            "Password is incorrect. Try again, or use another method.",
            "Password is incorrect. Try again, or use another method.",
            Some("password"),
        )
    }

    pub(crate) fn identifier_not_found() -> Failure {
        failure(
            422,
            "form_identifier_not_found",
            "Couldn't find your account.",
            "Couldn't find your account.",
            Some("identifier"),
        )
    }

    pub(crate) fn code_incorrect() -> Failure {
        failure(422, "form_code_incorrect", "is incorrect", "Incorrect code", Some("code"))
    }

    pub(crate) fn verification_expired() -> Failure {
        failure(
            422,
            "verification_expired",
            "expired",
            "This verification has expired. You must create a new one.",
            None,
        )
    }

    /// An attempt at a code that was never sent (no prepare step first).
    pub(crate) fn verification_missing() -> Failure {
        failure(
            422,
            "verification_missing",
            "is missing",
            "This verification has not been prepared: send the code first.",
            Some("strategy"),
        )
    }

    pub(crate) fn already_verified() -> Failure {
        failure(
            400,
            "verification_already_verified",
            "already verified",
            "This verification has already been verified.",
            None,
        )
    }

    pub(crate) fn param_missing(param: &str) -> Failure {
        let long = format!("{param} must be included.");
        failure(422, "form_param_missing", "is missing", &long, Some(param))
    }

    pub(crate) fn param_invalid(param: &str, why: &str) -> Failure {
        failure(422, "form_param_value_invalid", "is invalid", why, Some(param))
    }

    pub(crate) fn param_format_invalid(param: &str, why: &str) -> Failure {
        failure(422, "form_param_format_invalid", "is invalid", why, Some(param))
    }

    pub(crate) fn strategy_invalid() -> Failure {
        failure(
            422,
            "strategy_for_user_invalid",
            "Invalid verification strategy",
            "The verification strategy is not valid for this account",
            Some("strategy"),
        )
    }

    pub(crate) fn identifier_exists(param: &str) -> Failure {
        failure(
            422,
            "form_identifier_exists",
            "is taken",
            "That email address is taken. Please try another.",
            Some(param),
        )
    }

    pub(crate) fn password_too_short() -> Failure {
        failure(
            422,
            "form_password_length_too_short",
            "is too short",
            "Passwords must be 8 characters or more.",
            Some("password"),
        )
    }

    /// A resource that is not this client's (or does not exist).
    pub(crate) fn not_found(message: &str) -> Failure {
        failure(404, "resource_not_found", "not found", message, None)
    }

    /// A session that has ended, or a request without a client.
    pub(crate) fn signed_out() -> Failure {
        failure(401, "signed_out", "Signed out", "You are signed out", None)
    }

    /// The JSON body Clerk answers with.
    pub(crate) fn body(&self) -> Value {
        let meta = match &self.param {
            Some(param) => json!({ "param_name": param }),
            None => json!({}),
        };
        json!({
            "errors": [{ "code": self.code, "message": self.message, "long_message": self.long_message, "meta": meta }],
            "meta": {},
            "clerk_trace_id": format!("fake_trace_{}_{}", self.status, self.code),
        })
    }
}
