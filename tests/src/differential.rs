//! The corpus of the request-authentication differential test: requests and options that go
//! through both `clerk_api::auth` and Clerk's JS SDK (`tests/js-sdk/authenticate.mjs`).

use clerk_api::auth::{AuthenticateOptions, OrganizationSync, PublishableKey, TokenType};
use serde_json::{json, Value};

/// Options as both SDKs take them.
#[derive(Debug, Clone, Default)]
pub struct CaseOptions {
    pub authorized_parties: Vec<&'static str>,
    pub audience: Vec<&'static str>,
    pub clock_skew_ms: Option<u64>,
    /// `None`: each SDK's default (session tokens only).
    pub accepts: Option<Vec<TokenType>>,
    /// `None`: the production key of `clerk.test` both sides share ([`LIVE_KEY`]).
    pub publishable_key: Option<&'static str>,
    pub satellite: bool,
    pub domain: Option<&'static str>,
    pub proxy_url: Option<&'static str>,
    pub sign_in_url: Option<&'static str>,
    /// Organization and personal-account patterns (`organizationSyncOptions`).
    pub organization_sync: Option<(Vec<&'static str>, Vec<&'static str>)>,
}

/// The production publishable key of the instance `clerk.test` (base64 of `clerk.test$`).
pub const LIVE_KEY: &str = "pk_live_Y2xlcmsudGVzdCQ=";
/// A development key (`foo-bar-13.clerk.accounts.dev`).
pub const TEST_KEY: &str = "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk";

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
        options = options
            .publishable_key(PublishableKey::parse(self.publishable_key.unwrap_or(LIVE_KEY)).expect("publishable key"));
        options = options.is_satellite(self.satellite);
        if let Some(domain) = self.domain {
            options = options.domain(domain);
        }
        if let Some(url) = self.proxy_url {
            options = options.proxy_url(url);
        }
        if let Some(url) = self.sign_in_url {
            options = options.sign_in_url(url);
        }
        if let Some((organizations, personal)) = &self.organization_sync {
            let sync = OrganizationSync::new()
                .organization_patterns(organizations)
                .and_then(|sync| sync.personal_account_patterns(personal))
                .expect("supported patterns");
            options = options.organization_sync(sync);
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
        options["publishableKey"] = json!(self.publishable_key.unwrap_or(LIVE_KEY));
        if self.satellite {
            options["isSatellite"] = json!(true);
        }
        if let Some(domain) = self.domain {
            options["domain"] = json!(domain);
        }
        if let Some(url) = self.proxy_url {
            options["proxyUrl"] = json!(url);
        }
        if let Some(url) = self.sign_in_url {
            options["signInUrl"] = json!(url);
        }
        if let Some((organizations, personal)) = &self.organization_sync {
            options["organizationSyncOptions"] =
                json!({ "organizationPatterns": organizations, "personalAccountPatterns": personal });
        }
        options
    }
}

/// One request of the corpus.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub method: &'static str,
    /// The URL the browser asked for.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub options: CaseOptions,
    /// The documented difference this case is expected to show, by name; `None`: both agree.
    pub difference: Option<&'static str>,
}

/// The request URL of cases that do not name one.
pub const DEFAULT_URL: &str = "https://app.example.com/dashboard";

/// A redirect reduced to what must agree: host, path, and the parameters that say where the
/// browser comes back to and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub host: String,
    pub path: String,
    pub redirect_url: Option<String>,
    pub reason: Option<String>,
    pub suffixed_cookies: Option<String>,
    /// The organization (id or slug, empty for the personal account) Clerk is asked to activate.
    pub organization_id: Option<String>,
}

impl Location {
    pub fn parse(location: &str) -> Location {
        let url = url::Url::parse(location).expect("an absolute Location");
        let param = |name: &str| url.query_pairs().find(|(n, _)| n == name).map(|(_, v)| v.into_owned());
        Location {
            host: url.host_str().unwrap_or("").to_owned(),
            path: url.path().to_owned(),
            redirect_url: param("redirect_url").or_else(|| param("__clerk_redirect_url")),
            reason: param("__clerk_hs_reason"),
            suffixed_cookies: param("suffixed_cookies"),
            organization_id: param("organization_id"),
        }
    }
}

/// A verdict reduced to what both SDKs report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `signed-in`, `signed-out` or `handshake`.
    pub status: String,
    pub location: Option<Location>,
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
        if let Some(location) = &self.location {
            write!(f, "[{} to {}{} back to {:?}] ", self.status, location.host, location.path, location.redirect_url)?;
        } else if self.status == "handshake" {
            write!(f, "[handshake without a Location] ")?;
        }
        if self.signed_in {
            write!(
                f,
                "signed in as {:?} ({:?}, user {:?}, session {:?}, org {:?})",
                self.subject, self.token_type, self.user_id, self.session_id, self.org_id
            )
        } else {
            write!(f, "signed out: {:?} ({:?})", self.reason, self.token_type)
        }
    }
}

/// On a request with a bearer token, the JS SDK names a session token's time failures as it
/// does for cookies (`session-token-nbf`, `session-token-expired-refresh-<why no refresh>`); we
/// name them as the token's (`token-not-active-yet`, `token-expired`). Naming only: the verdict
/// is the same, and cookie requests compare the JS names exactly.
pub fn bearer_reason(reason: &str) -> String {
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
        status: text("status").unwrap_or_default(),
        location: text("location").map(|l| Location::parse(&l)),
        signed_in,
        reason: text("reason"),
        token_type: text("token_type"),
        user_id: text("user_id"),
        session_id: text("session_id"),
        org_id: text("org_id"),
        subject: text("subject"),
        token_id: text("token_id"),
        client_id: text("client_id"),
        scopes: value
            .get("scopes")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
    }
}

/// Runs `script` of `tests/js-sdk` (Clerk's JS SDK, pinned) on `input` and returns the JSON it
/// prints; `None` (skipped) when the packages are not installed, which fails on CI.
pub fn run_js_sdk(script: &str, input: &Value) -> Option<Value> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = crate::workspace_root().join("tests/js-sdk");
    if !dir.join("node_modules/@clerk/backend").exists() {
        return fake_clerk::support::skip_outside_ci(
            "tests/js-sdk has no node_modules",
            "run `npm ci` there for the JS SDK differentials (cargo xtask test does)",
        );
    }
    let mut child = Command::new("node")
        .arg(script)
        .current_dir(&dir)
        .env("CLERK_TELEMETRY_DISABLED", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run node (install Node.js)");
    child.stdin.take().expect("stdin").write_all(input.to_string().as_bytes()).expect("write the corpus");
    let output = child.wait_with_output().expect("node output");
    assert!(output.status.success(), "{script} failed: {}", output.status);
    Some(serde_json::from_slice(&output.stdout).expect("JSON output"))
}
