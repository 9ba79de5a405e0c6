//! One verification of a sign-in or sign-up factor (password, email code, TOTP, backup code,
//! OAuth) and its JSON, shaped as the generated unions tagged by `strategy` expect
//! (`verification_password`, `verification_otp`, `verification_oauth`, ...). Codes are checked
//! here: [`TEST_CODE`] verifies, anything else counts an attempt and is
//! refused with `form_code_incorrect`, and a code past its `expire_at` with
//! `verification_expired`.

use super::clock::{millis, now_ms};
use super::errors::Failure;
use super::fixtures::TEST_CODE;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone)]
pub(crate) struct Verification {
    pub(crate) strategy: String,
    /// `unverified`, `verified` or `expired`.
    pub(crate) status: &'static str,
    pub(crate) attempts: i64,
    pub(crate) expire_at: Option<i64>,
    /// Where the browser goes (OAuth), while unverified.
    pub(crate) redirect_url: Option<String>,
    pub(crate) verified_at: Option<i64>,
    /// The error code an OAuth verification ended with (`external_account_not_found`).
    pub(crate) error: Option<&'static str>,
}

impl Verification {
    /// A factor verified now (a password, a TOTP or backup code).
    pub(crate) fn verified(strategy: &str) -> Verification {
        Verification {
            strategy: strategy.to_owned(),
            status: "verified",
            attempts: 1,
            expire_at: None,
            redirect_url: None,
            verified_at: Some(now_ms()),
            error: None,
        }
    }

    /// A code sent now, valid for `lifetime`.
    pub(crate) fn code_sent(strategy: &str, lifetime: Duration) -> Verification {
        Verification {
            strategy: strategy.to_owned(),
            status: "unverified",
            attempts: 0,
            expire_at: Some(now_ms().saturating_add(millis(lifetime))),
            redirect_url: None,
            verified_at: None,
            error: None,
        }
    }

    /// An OAuth verification waiting for the browser at `url`.
    pub(crate) fn oauth(strategy: &str, url: String, lifetime: Duration) -> Verification {
        Verification { redirect_url: Some(url), ..Verification::code_sent(strategy, lifetime) }
    }

    pub(crate) fn is_verified(&self) -> bool {
        self.status == "verified"
    }

    pub(crate) fn is_oauth(&self) -> bool {
        self.strategy.starts_with("oauth_")
    }

    /// Marks it verified now.
    pub(crate) fn verify(&mut self) {
        self.status = "verified";
        self.verified_at = Some(now_ms());
        self.redirect_url = None;
    }

    /// An OAuth verification whose provider account has no user yet: `transferable`, so a
    /// sign-up with `transfer=true` can create the user from it.
    pub(crate) fn make_transferable(&mut self) {
        self.status = "transferable";
        self.redirect_url = None;
        self.error = Some("external_account_not_found");
    }

    pub(crate) fn is_transferable(&self) -> bool {
        self.status == "transferable"
    }

    /// An attempt at the code.
    pub(crate) fn attempt(&mut self, code: &str) -> Result<(), Failure> {
        if self.is_verified() {
            return Err(Failure::already_verified());
        }
        if self.status == "expired" || self.expire_at.is_some_and(|at| at < now_ms()) {
            self.status = "expired";
            return Err(Failure::verification_expired());
        }
        self.attempts += 1;
        if code.trim() != TEST_CODE {
            return Err(Failure::code_incorrect());
        }
        self.verify();
        Ok(())
    }

    /// Its JSON, in the variant its strategy tags.
    pub(crate) fn json(&self) -> Value {
        let object = match self.strategy.as_str() {
            "password" => "verification_password",
            "totp" => "verification_totp",
            "backup_code" => "verification_backup_code",
            _ if self.is_oauth() => "verification_oauth",
            _ => "verification_otp",
        };
        let mut value = json!({
            "object": object, "status": self.status, "strategy": self.strategy,
            "attempts": self.attempts, "expire_at": self.expire_at,
        });
        if self.is_oauth() {
            value["external_verification_redirect_url"] = self.redirect_url.clone().map_or(Value::Null, Value::from);
            value["error"] = self.error.map_or(Value::Null, |code| {
                let message = "The External Account was not found.";
                json!({ "code": code, "message": message, "long_message": message, "meta": {} })
            });
        }
        value
    }
}
