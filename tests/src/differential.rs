//! The corpus of the request-authentication differential test: requests and options that go
//! through both `clerk_api::auth` and Clerk's JS SDK (`tests/js-sdk/authenticate.mjs`).

use clerk_api::auth::{AuthenticateOptions, TokenType};
use serde_json::{json, Value};

/// Options as both SDKs take them.
#[derive(Debug, Clone, Default)]
pub struct CaseOptions {
    pub authorized_parties: Vec<&'static str>,
    pub audience: Vec<&'static str>,
    pub clock_skew_ms: Option<u64>,
    /// `None`: each SDK's default (session tokens only).
    pub accepts: Option<Vec<TokenType>>,
}

impl CaseOptions {
    pub fn ours(&self, base: AuthenticateOptions) -> AuthenticateOptions {
        let mut options = base;
        for party in &self.authorized_parties {
            options = options.authorized_party(*party);
        }
        for audience in &self.audience {
            options = options.audience(*audience);
        }
        if let Some(ms) = self.clock_skew_ms {
            options = options.clock_skew(std::time::Duration::from_millis(ms));
        }
        if let Some(accepts) = &self.accepts {
            options = options.accepts_token(accepts.clone());
        }
        options
    }

    pub fn js(&self) -> Value {
        let mut options = json!({});
        if !self.authorized_parties.is_empty() {
            options["authorizedParties"] = json!(self.authorized_parties);
        }
        if !self.audience.is_empty() {
            options["audience"] = json!(self.audience);
        }
        if let Some(ms) = self.clock_skew_ms {
            options["clockSkewInMs"] = json!(ms);
        }
        if let Some(accepts) = &self.accepts {
            options["acceptsToken"] = json!(accepts.iter().map(|t| t.as_str()).collect::<Vec<_>>());
        }
        options
    }
}

/// One request of the corpus.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub headers: Vec<(String, String)>,
    pub options: CaseOptions,
    /// The documented difference this case is expected to show, by name; `None`: both agree.
    pub difference: Option<&'static str>,
}

/// A verdict reduced to what both SDKs report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub signed_in: bool,
    pub reason: Option<String>,
    pub token_type: Option<String>,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub org_id: Option<String>,
    pub subject: Option<String>,
    pub token_id: Option<String>,
    pub client_id: Option<String>,
    pub scopes: Option<Vec<String>>,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.signed_in {
            write!(f, "signed in as {:?} ({:?}, user {:?}, session {:?}, org {:?})", self.subject, self.token_type, self.user_id, self.session_id, self.org_id)
        } else {
            write!(f, "signed out: {:?} ({:?})", self.reason, self.token_type)
        }
    }
}

/// The JS SDK's reason for a session token's times, on requests that cannot be sent to the
/// handshake, names the same failure as the token-level reason we report: `session-token-nbf`
/// is `token-not-active-yet`, and `session-token-expired-refresh-<why no refresh>` is
/// `token-expired`. Naming only: the verdict is the same.
pub fn normalized_js_reason(reason: &str) -> String {
    if reason.starts_with("session-token-expired-refresh-") {
        return "token-expired".into();
    }
    match reason {
        "session-token-nbf" => "token-not-active-yet".into(),
        "session-token-iat-in-the-future" => "token-iat-in-the-future".into(),
        other => other.into(),
    }
}

/// Reads the JS script's verdict.
pub fn js_verdict(value: &Value) -> Verdict {
    let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
    let signed_in = value.get("signed_in").and_then(Value::as_bool).unwrap_or(false);
    Verdict {
        signed_in,
        reason: text("reason").map(|r| normalized_js_reason(&r)),
        token_type: text("token_type"),
        user_id: text("user_id"),
        session_id: text("session_id"),
        org_id: text("org_id"),
        subject: text("subject"),
        token_id: text("token_id"),
        client_id: text("client_id"),
        scopes: value.get("scopes").and_then(Value::as_array).map(|list| list.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
    }
}
