//! Differential test against Clerk's official JS SDK: the same requests, options and keys go
//! through our `authenticate_request` and through `@clerk/backend`'s `authenticateRequest`
//! (pinned in `tests/js-sdk/package-lock.json`, run by `tests/js-sdk/authenticate.mjs`,
//! networkless with the same PEM and publishable key). Every verdict must agree (status, a
//! redirect's host, path, return URL and reason, signed in or not, reason, token type when
//! signed in, user, session, organization, subject, machine token id, client id, scopes) unless the
//! case is one of the documented differences below, and then both sides must be exactly what
//! the difference says. Prints `auth differential: A/N cases agree (D documented differences)`.
//!
//! Needs Node.js and `npm ci` in `tests/js-sdk` (`cargo xtask test` does both); without the
//! package it fails on CI and is skipped elsewhere.

use clerk_api::auth::{
    authenticate_request, AuthenticateOptions, PublishableKey, RequestState, TokenType, CATEGORY_IGNORE,
    CATEGORY_JWT_TEMPLATE, CATEGORY_M2M_TOKEN,
};
use clerk_api::testing::{TestKey, TokenVersion};
use clerk_api_tests::auth_support::{b64url, now};
use clerk_api_tests::differential::{
    bearer_reason, js_verdict, Case, CaseOptions, Location, Verdict, DEFAULT_URL, LIVE_KEY, TEST_KEY,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A deliberate difference: what each side answers, and why ours is what it is.
struct Difference {
    name: &'static str,
    why: &'static str,
    /// Ours and theirs: signed in, and the reason when signed out.
    ours: (bool, Option<&'static str>),
    js: (bool, Option<&'static str>),
}

const DIFFERENCES: &[Difference] = &[
    Difference {
        name: "audience-reason",
        why: "naming: the JS SDK reports an `aud` outside the expected audiences as token-verification-failed; we name the claim",
        ours: (false, Some("token-invalid-audience")),
        js: (false, Some("token-verification-failed")),
    },
    Difference {
        name: "audience-missing",
        why: "stricter: with audiences configured, the JS SDK accepts a token without `aud`; we refuse it",
        ours: (false, Some("token-invalid-audience")),
        js: (true, None),
    },
    Difference {
        name: "claims-missing",
        why: "naming: a missing or ill-typed `sub`/`exp` is token-verification-failed in the JS SDK, token-invalid here",
        ours: (false, Some("token-invalid")),
        js: (false, Some("token-verification-failed")),
    },
    Difference {
        name: "ill-typed-time",
        why: "naming: an ill-typed `nbf` or `iat` is token-verification-failed in the JS SDK, token-invalid here",
        ours: (false, Some("token-invalid")),
        js: (false, Some("token-verification-failed")),
    },
    Difference {
        name: "empty-sub",
        why: "stricter: the JS SDK accepts an empty `sub` (it checks the type only); no user has an empty id",
        ours: (false, Some("token-invalid")),
        js: (true, None),
    },
    Difference {
        name: "oversized",
        why: "stricter: we refuse tokens over 16 KiB (MAX_TOKEN_BYTES) before decoding; the JS SDK has no limit",
        ours: (false, Some("token-invalid")),
        js: (true, None),
    },
    Difference {
        name: "crit-header",
        why: "stricter: RFC 7515 says a `crit` the verifier does not understand must be refused; the JS SDK ignores it",
        ours: (false, Some("token-invalid")),
        js: (true, None),
    },
    Difference {
        name: "typ-case",
        why: "lenient: `typ` is compared case-insensitively (RFC 7515, 4.1.9); the JS SDK wants `JWT` exactly",
        ours: (true, None),
        js: (false, Some("token-invalid")),
    },
    Difference {
        name: "bearer-case",
        why: "lenient: the auth scheme is case-insensitive (RFC 9110, 11.1); the JS SDK reads `Bearer` only, and a lower-case one as no token",
        ours: (true, None),
        js: (false, Some("session-token-and-uat-missing")),
    },
    Difference {
        name: "pending-reason",
        why: "naming: the JS SDK signs a pending session out in toAuth() with no reason; we name it session-pending",
        ours: (false, Some("session-pending")),
        js: (false, None),
    },
    Difference {
        name: "machine-jwt-reason",
        why: "naming: the JS SDK reports a machine JWT failing its signature or claim checks as token-verification-failed; we give the specific reason",
        ours: (false, Some("token-expired")),
        js: (false, Some("token-verification-failed")),
    },
    Difference {
        name: "machine-jwt-signature",
        why: "naming: as machine-jwt-reason, for a machine JWT signed by another key",
        ours: (false, Some("token-invalid-signature")),
        js: (false, Some("token-verification-failed")),
    },
    Difference {
        name: "rs384-rs512",
        why: "stricter: RS256 only, as Clerk signs; the JS SDK also tries RS384 and RS512 (and fails on an RS256 key: token-verification-failed)",
        ours: (false, Some("token-invalid-algorithm")),
        js: (false, Some("token-verification-failed")),
    },
    Difference {
        name: "no-token-reason",
        why: "naming: an Authorization header of another scheme (Basic) is no token to us; the JS SDK goes on to the cookies and reports them missing",
        ours: (false, Some("session-token-missing")),
        js: (false, Some("session-token-and-uat-missing")),
    },
    Difference {
        name: "forged-machine-marks",
        why: "we never act on unverified claims: a token whose signature fails is reported as such, though its unverified `sub` says M2M (the JS SDK reads it first)",
        ours: (false, Some("token-invalid-signature")),
        js: (false, Some("token-type-mismatch")),
    },
    Difference {
        name: "dev-handshake-resolved",
        why: "equivalent: a development handshake payload is applied with a redirect to the clean URL; the JS SDK reports signed-in with that same Location, which its middleware turns into the redirect",
        ours: (false, Some("handshake-resolved")),
        js: (true, None),
    },
    Difference {
        name: "opaque-not-accepted",
        why: "naming: an opaque machine token where only sessions are accepted is token-type-mismatch here; the JS SDK tries it as a JWT (token-invalid)",
        ours: (false, Some("token-type-mismatch")),
        js: (false, Some("token-invalid")),
    },
];

fn key() -> &'static TestKey {
    TestKey::shared()
}

fn other_key() -> &'static TestKey {
    static OTHER: std::sync::OnceLock<TestKey> = std::sync::OnceLock::new();
    OTHER.get_or_init(TestKey::generate)
}

struct Corpus(Vec<Case>);

impl Corpus {
    fn bearer(&mut self, name: impl Into<String>, token: &str, options: CaseOptions, difference: Option<&'static str>) {
        let headers = vec![("authorization".to_owned(), format!("Bearer {token}"))];
        self.0.push(Case {
            name: name.into(),
            method: "GET",
            url: DEFAULT_URL.to_owned(),
            headers,
            options,
            difference,
        });
    }

    fn raw(&mut self, name: &str, headers: &[(&str, &str)], options: CaseOptions, difference: Option<&'static str>) {
        self.browser(name, "GET", DEFAULT_URL, headers, options, difference);
    }

    fn browser(
        &mut self,
        name: &str,
        method: &'static str,
        url: &str,
        headers: &[(&str, &str)],
        options: CaseOptions,
        difference: Option<&'static str>,
    ) {
        let headers = headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        self.0.push(Case { name: name.to_owned(), method, url: url.to_owned(), headers, options, difference });
    }
}

fn accepts(types: &[TokenType]) -> CaseOptions {
    CaseOptions { accepts: Some(types.to_vec()), ..CaseOptions::default() }
}

fn session_claims() -> Value {
    let now = now();
    json!({ "sub": "user_1", "sid": "sess_1", "azp": "https://app.example.com", "iss": "https://clerk.test", "iat": now - 5, "nbf": now - 10, "exp": now + 120, "v": 2 })
}

fn with(mut base: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().into_iter().flatten() {
        if v.is_null() {
            base.as_object_mut().map(|o| o.remove(k));
        } else {
            base[k] = v.clone();
        }
    }
    base
}

fn header(extra: Value) -> Value {
    with(json!({ "alg": "RS256", "typ": "JWT", "kid": "ins_1", "cat": "cl_B7d4PD111AAA" }), extra)
}

fn corpus() -> Corpus {
    let mut c = Corpus(Vec::new());
    let all = [TokenType::SessionToken, TokenType::M2mToken, TokenType::OAuthToken];
    let accept_sets: Vec<(&str, CaseOptions)> = vec![
        ("default", CaseOptions::default()),
        ("session", accepts(&[TokenType::SessionToken])),
        ("m2m", accepts(&[TokenType::M2mToken])),
        ("oauth", accepts(&[TokenType::OAuthToken])),
        ("machines", accepts(&[TokenType::M2mToken, TokenType::OAuthToken])),
        ("all", accepts(&all)),
    ];
    // Every kind of JWT the instance key signs, under every accepted set.
    let kinds: Vec<(&str, String)> = vec![
        ("session", key().session_token("user_1").sign()),
        ("session-ignore-cat", key().session_token("user_1").category(Some(CATEGORY_IGNORE)).sign()),
        ("session-unmarked", key().session_token("user_1").category(None).sign()),
        ("jwt-template", key().jwt_template_token("user_1").sign()),
        ("unknown-cat", key().session_token("user_1").category(Some("cl_Z9future000ZZZ")).sign()),
        ("m2m", key().m2m_token("mch_1").token_id("mt_1").scopes(&["mch_2", "mch_3"]).sign()),
        ("m2m-unmarked", key().m2m_token("mch_1").category(None).sign()),
        ("m2m-aud", key().m2m_token("mch_1").claim("aud", json!(["mch_7"])).sign()),
        ("m2m-cat-user-sub", key().session_token("user_1").category(Some(CATEGORY_M2M_TOKEN)).sign()),
        ("oauth", key().oauth_token("user_1", "client_1").token_id("oat_1").scopes(&["email", "profile"]).sign()),
        ("oauth-application-typ", key().oauth_token("user_1", "client_1").header("typ", "application/at+jwt").sign()),
        ("oauth-scp", key().oauth_token("user_1", "client_1").claim("scp", json!(["a", "b"])).sign()),
        ("oauth-template-cat", key().oauth_token("user_1", "client_1").category(Some(CATEGORY_JWT_TEMPLATE)).sign()),
    ];
    for (kind, token) in &kinds {
        for (set, options) in &accept_sets {
            c.bearer(format!("kind {kind} / accepts {set}"), token, options.clone(), None);
        }
    }
    // An M2M subject under a session category: invalid where M2M tokens are accepted.
    let m2m_session_cat = key().m2m_token("mch_1").category(Some("cl_B7d4PD111AAA")).sign();
    for (set, options) in &accept_sets {
        c.bearer(format!("m2m with the session cat / accepts {set}"), &m2m_session_cat, options.clone(), None);
    }

    // Times, with and without clock skew.
    let now = now();
    // Times sit 10 or 30 s from now and skews at 0, 1.5, 5 (the default), 15 and 60 s: every
    // comparison is 5 s or more from its boundary, so the seconds between our run and the JS
    // SDK's cannot flip one.
    let times: Vec<(&str, Value)> = vec![
        ("expired 30 s ago", json!({ "exp": now - 30 })),
        ("expired 10 s ago", json!({ "exp": now - 10 })),
        ("expires in 10 s", json!({ "exp": now + 10 })),
        ("nbf in 30 s", json!({ "nbf": now + 30 })),
        ("nbf in 10 s", json!({ "nbf": now + 10 })),
        ("iat in 30 s", json!({ "iat": now + 30, "nbf": null })),
        ("iat in 10 s", json!({ "iat": now + 10, "nbf": null })),
        ("no iat nor nbf", json!({ "iat": null, "nbf": null })),
    ];
    for (name, change) in &times {
        let token = key().sign(&header(json!({})), &with(session_claims(), change.clone()));
        for skew in [None, Some(0), Some(1_500), Some(15_000), Some(60_000)] {
            let options = CaseOptions { clock_skew_ms: skew, ..CaseOptions::default() };
            c.bearer(format!("{name} / skew {skew:?}"), &token, options, None);
        }
    }
    // Authorized parties and audiences.
    let parties = || CaseOptions {
        authorized_parties: vec!["https://app.example.com", "https://admin.example.com"],
        ..CaseOptions::default()
    };
    let session = key().sign(&header(json!({})), &session_claims());
    c.bearer("azp allowed", &session, parties(), None);
    c.bearer(
        "azp not allowed",
        &key().sign(&header(json!({})), &with(session_claims(), json!({ "azp": "https://evil.example.com" }))),
        parties(),
        None,
    );
    let no_azp = key().sign(&header(json!({})), &with(session_claims(), json!({ "azp": null })));
    c.bearer("azp missing with parties", &no_azp, parties(), None);
    c.bearer("azp missing without parties", &no_azp, CaseOptions::default(), None);
    let audience = || CaseOptions { audience: vec!["api.example.com"], ..CaseOptions::default() };
    c.bearer(
        "aud string matches",
        &key().sign(&header(json!({})), &with(session_claims(), json!({ "aud": "api.example.com" }))),
        audience(),
        None,
    );
    c.bearer(
        "aud array matches",
        &key().sign(&header(json!({})), &with(session_claims(), json!({ "aud": ["x", "api.example.com"] }))),
        audience(),
        None,
    );
    c.bearer(
        "aud matches none",
        &key().sign(&header(json!({})), &with(session_claims(), json!({ "aud": "other" }))),
        audience(),
        Some("audience-reason"),
    );
    c.bearer("aud missing", &session, audience(), Some("audience-missing"));
    c.bearer(
        "aud present, none expected",
        &key().sign(&header(json!({})), &with(session_claims(), json!({ "aud": "other" }))),
        CaseOptions::default(),
        None,
    );
    // Machine JWTs failing the rules.
    let machines = || accepts(&all);
    c.bearer(
        "m2m expired",
        &key().m2m_token("mch_1").expired_for(std::time::Duration::from_secs(30)).sign(),
        machines(),
        Some("machine-jwt-reason"),
    );
    c.bearer(
        "oauth expired",
        &key().oauth_token("user_1", "c").expired_for(std::time::Duration::from_secs(30)).sign(),
        machines(),
        Some("machine-jwt-reason"),
    );
    c.bearer("m2m by another key", &other_key().m2m_token("mch_1").sign(), machines(), Some("machine-jwt-signature"));
    c.bearer(
        "oauth by another key",
        &other_key().oauth_token("user_1", "c").sign(),
        machines(),
        Some("machine-jwt-signature"),
    );
    let machines_with_parties = CaseOptions { authorized_parties: vec!["https://app.example.com"], ..machines() };
    c.bearer("m2m without azp, parties set", &key().m2m_token("mch_1").sign(), machines_with_parties, None);
    c.bearer(
        "m2m unmarked by another key, sessions only",
        &other_key().m2m_token("mch_1").category(None).sign(),
        CaseOptions::default(),
        Some("forged-machine-marks"),
    );
    // Signatures and algorithms.
    c.bearer(
        "signed by another key",
        &other_key().sign(&header(json!({})), &session_claims()),
        CaseOptions::default(),
        None,
    );
    let mut parts: Vec<String> = session.split('.').map(str::to_owned).collect();
    parts[1] = b64url(with(session_claims(), json!({ "sub": "user_admin" })).to_string().as_bytes());
    c.bearer("payload swapped", &parts.join("."), CaseOptions::default(), None);
    let body = b64url(session_claims().to_string().as_bytes());
    c.bearer(
        "alg none",
        &format!("{}.{body}.", b64url(br#"{"alg":"none","typ":"JWT"}"#)),
        CaseOptions::default(),
        None,
    );
    let hs_input = format!("{}.{body}", b64url(br#"{"alg":"HS256","typ":"JWT"}"#));
    let mac = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key().public_pem().as_bytes()),
        hs_input.as_bytes(),
    );
    c.bearer(
        "HS256 keyed with the public PEM",
        &format!("{hs_input}.{}", b64url(mac.as_ref())),
        CaseOptions::default(),
        None,
    );
    c.bearer(
        "RS512 header",
        &key().sign(&header(json!({ "alg": "RS512" })), &session_claims()),
        CaseOptions::default(),
        Some("rs384-rs512"),
    );
    c.bearer(
        "RS384 header",
        &key().sign(&header(json!({ "alg": "RS384" })), &session_claims()),
        CaseOptions::default(),
        Some("rs384-rs512"),
    );
    c.bearer(
        "ES256 header",
        &key().sign(&header(json!({ "alg": "ES256" })), &session_claims()),
        CaseOptions::default(),
        None,
    );
    c.bearer(
        "typ JOSE",
        &key().sign(&header(json!({ "typ": "JOSE" })), &session_claims()),
        CaseOptions::default(),
        None,
    );
    c.bearer(
        "typ lower-case jwt",
        &key().sign(&header(json!({ "typ": "jwt" })), &session_claims()),
        CaseOptions::default(),
        Some("typ-case"),
    );
    c.bearer(
        "crit header",
        &key().sign(&header(json!({ "crit": ["exp"] })), &session_claims()),
        CaseOptions::default(),
        Some("crit-header"),
    );
    // Claims.
    c.bearer(
        "no exp",
        &key().sign(&header(json!({})), &with(session_claims(), json!({ "exp": null }))),
        CaseOptions::default(),
        Some("claims-missing"),
    );
    c.bearer(
        "exp a string",
        &key().sign(&header(json!({})), &with(session_claims(), json!({ "exp": "tomorrow" }))),
        CaseOptions::default(),
        Some("claims-missing"),
    );
    c.bearer(
        "no sub",
        &key().sign(&header(json!({})), &with(session_claims(), json!({ "sub": null }))),
        CaseOptions::default(),
        Some("claims-missing"),
    );
    c.bearer(
        "sub a number",
        &key().sign(&header(json!({})), &with(session_claims(), json!({ "sub": 42 }))),
        CaseOptions::default(),
        Some("claims-missing"),
    );
    c.bearer(
        "nbf a string",
        &key().sign(&header(json!({})), &with(session_claims(), json!({ "nbf": "soon" }))),
        CaseOptions::default(),
        Some("ill-typed-time"),
    );
    c.bearer(
        "sub empty",
        &key().sign(&header(json!({})), &with(session_claims(), json!({ "sub": "" }))),
        CaseOptions::default(),
        Some("empty-sub"),
    );
    c.bearer(
        "pending session",
        &key().session_token("user_1").status("pending").sign(),
        CaseOptions::default(),
        Some("pending-reason"),
    );
    c.bearer(
        "v1 organization",
        &key()
            .session_token("user_1")
            .session_id("sess_9")
            .version(TokenVersion::V1)
            .organization("org_1", "admin")
            .sign(),
        CaseOptions::default(),
        None,
    );
    c.bearer(
        "v2 organization",
        &key().session_token("user_1").organization("org_2", "member").organization_permissions(&["org:a:read"]).sign(),
        CaseOptions::default(),
        None,
    );
    let big = key().session_token("user_1").claim("padding", "x".repeat(20_000)).sign();
    c.bearer("oversized 20 KB token", &big, CaseOptions::default(), Some("oversized"));
    // Malformed and missing tokens.
    for (name, token) in [
        ("not a JWT", "abc"),
        ("two parts", "e30.e30"),
        ("four parts", "e30.e30.e30.e30"),
        ("header not base64", "!!!.e30.sig"),
        ("header an array", "WzFd.e30.sig"),
    ] {
        c.bearer(name, token, CaseOptions::default(), None);
    }
    for token in ["mt_123", "oat_123", "ak_123"] {
        c.bearer(format!("opaque {token}, sessions only"), token, CaseOptions::default(), Some("opaque-not-accepted"));
    }
    c.raw("no token", &[], CaseOptions::default(), None);
    c.raw("Basic scheme", &[("authorization", "Basic dXNlcjpwYXNz")], CaseOptions::default(), Some("no-token-reason"));
    c.raw(
        "lower-case bearer",
        &[("authorization", &format!("bearer {session}"))],
        CaseOptions::default(),
        Some("bearer-case"),
    );
    // The cookie, with and without `__client_uat`.
    let uat = format!("__client_uat={}", now - 60);
    c.raw(
        "cookie with client_uat",
        &[("cookie", &format!("{uat}; __session={session}"))],
        CaseOptions::default(),
        None,
    );
    c.raw(
        "cookie template with client_uat",
        &[("cookie", &format!("{uat}; __session={}", kinds[3].1))],
        CaseOptions::default(),
        None,
    );
    c.raw(
        "cookie m2m with client_uat",
        &[("cookie", &format!("{uat}; __session={}", kinds[5].1))],
        CaseOptions::default(),
        None,
    );
    c.raw(
        "cookie oauth with client_uat",
        &[("cookie", &format!("{uat}; __session={}", kinds[9].1))],
        CaseOptions::default(),
        None,
    );
    c.raw("cookie without client_uat", &[("cookie", &format!("__session={session}"))], CaseOptions::default(), None);
    let later_uat = format!("__client_uat={}", now + 60);
    c.raw(
        "cookie issued before client_uat",
        &[("cookie", &format!("{later_uat}; __session={session}"))],
        CaseOptions::default(),
        None,
    );
    browser_cases(&mut c, &session);
    organization_sync_cases(&mut c);
    // The issuer is checked only when configured (the JS SDK has no such option).
    let foreign_iss =
        key().sign(&header(json!({})), &with(session_claims(), json!({ "iss": "https://clerk.other.example" })));
    c.bearer("iss of another instance, none expected", &foreign_iss, CaseOptions::default(), None);
    c
}

/// Browser requests through the cookie and handshake table (`tokens/request.ts`), row by row.
fn browser_cases(c: &mut Corpus, session: &str) {
    let now = now();
    let doc = ("sec-fetch-dest", "document");
    let live = CaseOptions::default();
    let uat = format!("__client_uat={}", now - 60);
    let token = |changes: Value| key().sign(&header(json!({})), &with(session_claims(), changes));
    let cookie = |text: String| ("cookie", text);
    // Which requests may be redirected.
    c.raw("page: no cookies", &[doc], live.clone(), None);
    c.raw("page: client_uat 0", &[doc, ("cookie", "__client_uat=0")], live.clone(), None);
    let uat_only = cookie(uat.clone());
    c.raw("page: client_uat without session", &[doc, (uat_only.0, &uat_only.1)], live.clone(), None);
    c.raw(
        "fetch: client_uat without session",
        &[("sec-fetch-dest", "empty"), (uat_only.0, &uat_only.1)],
        live.clone(),
        None,
    );
    c.raw(
        "iframe: client_uat without session",
        &[("sec-fetch-dest", "iframe"), (uat_only.0, &uat_only.1)],
        live.clone(),
        None,
    );
    c.raw(
        "html accept: client_uat without session",
        &[("accept", "text/html,application/xhtml+xml"), (uat_only.0, &uat_only.1)],
        live.clone(),
        None,
    );
    c.raw(
        "json accept: client_uat without session",
        &[("accept", "application/json"), (uat_only.0, &uat_only.1)],
        live.clone(),
        None,
    );
    c.browser(
        "POST page: client_uat without session",
        "POST",
        DEFAULT_URL,
        &[doc, (uat_only.0, &uat_only.1)],
        live.clone(),
        None,
    );
    c.browser(
        "page with a query: client_uat without session",
        "GET",
        "https://app.example.com/a/b?x=1&y=two%20words",
        &[doc, (uat_only.0, &uat_only.1)],
        live.clone(),
        None,
    );
    // The session cookie against __client_uat, and its times.
    let session_only = format!("__session={session}");
    c.raw("page: session without client_uat", &[doc, ("cookie", &session_only)], live.clone(), None);
    let stale = format!("__client_uat={}; __session={session}", now + 60);
    c.raw("page: session issued before client_uat", &[doc, ("cookie", &stale)], live.clone(), None);
    let expired = format!("{uat}; __session={}", token(json!({ "exp": now - 30 })));
    c.raw("page: expired session", &[doc, ("cookie", &expired)], live.clone(), None);
    c.raw("fetch: expired session", &[("cookie", &expired)], live.clone(), None);
    c.browser("POST page: expired session", "POST", DEFAULT_URL, &[doc, ("cookie", &expired)], live.clone(), None);
    let nbf = format!("{uat}; __session={}", token(json!({ "nbf": now + 30 })));
    c.raw("page: session not valid yet", &[doc, ("cookie", &nbf)], live.clone(), None);
    let future = format!("{uat}; __session={}", token(json!({ "iat": now + 30, "nbf": null })));
    c.raw("page: session issued in the future", &[doc, ("cookie", &future)], live.clone(), None);
    let valid = format!("{uat}; __session={session}");
    c.raw("page: valid session", &[doc, ("cookie", &valid)], live.clone(), None);
    // Cross-site navigations to the primary domain.
    for (name, referrer) in [
        ("another site", "https://satellite.example.org/x"),
        ("the account portal", "https://accounts.test/sign-in"),
        ("the Frontend API", "https://clerk.test/v1/client"),
        ("the same origin", "https://app.example.com/other"),
        ("a development account portal", "https://foo-bar-13.accounts.dev/sign-in"),
    ] {
        c.raw(
            &format!("page: valid session, referred by {name}"),
            &[doc, ("cookie", &valid), ("referer", referrer)],
            live.clone(),
            None,
        );
    }
    // The redirect-loop counter.
    for count in ["1", "2", "3", "4"] {
        let counted = format!("{uat}; __clerk_redirect_count={count}");
        c.raw(&format!("page: redirect count {count}"), &[doc, ("cookie", &counted)], live.clone(), None);
    }
    // Suffixed cookies.
    let suffix = PublishableKey::parse(LIVE_KEY).expect("key").cookie_suffix().to_owned();
    let suffixed = format!("__client_uat_{suffix}={}; __session_{suffix}={session}", now - 60);
    c.raw("page: suffixed cookies", &[doc, ("cookie", &suffixed)], live.clone(), None);
    let foreign = token(json!({ "iss": "https://clerk.other.example" }));
    let mixed = format!("{suffixed}; __client_uat={}; __session={foreign}", now - 60);
    c.raw("page: suffixed cookies beside another instance's", &[doc, ("cookie", &mixed)], live.clone(), None);
    let signed_out_suffixed = format!("__client_uat_{suffix}=0; {uat}; __session={session}");
    c.raw("page: suffixed client_uat 0, plain signed in", &[doc, ("cookie", &signed_out_suffixed)], live.clone(), None);
    // Cookies that are not a session of this instance.
    c.raw("page: malformed session cookie", &[doc, ("cookie", &format!("{uat}; __session=abc"))], live.clone(), None);
    c.raw(
        "page: session cookie signed by another key",
        &[doc, ("cookie", &format!("{uat}; __session={}", other_key().sign(&header(json!({})), &session_claims())))],
        live.clone(),
        None,
    );
    c.raw(
        "page: template token in the session cookie",
        &[doc, ("cookie", &format!("{uat}; __session={}", key().jwt_template_token("user_1").sign()))],
        live.clone(),
        None,
    );
    // Development instances and their dev-browser token.
    let dev = CaseOptions { publishable_key: Some(TEST_KEY), ..CaseOptions::default() };
    let dev_session = token(json!({ "iss": "https://foo-bar-13.clerk.accounts.dev" }));
    c.raw("dev page: no dev browser", &[doc, (uat_only.0, &uat_only.1)], dev.clone(), None);
    c.raw("dev fetch: no dev browser", &[(uat_only.0, &uat_only.1)], dev.clone(), None);
    let dev_valid = format!("__clerk_db_jwt=dvb_1; {uat}; __session={dev_session}");
    c.raw("dev page: dev browser and a valid session", &[doc, ("cookie", &dev_valid)], dev.clone(), None);
    c.browser(
        "dev page: dev browser in the URL",
        "GET",
        "https://app.example.com/dashboard?__clerk_db_jwt=dvb_2&x=1",
        &[doc, ("cookie", &dev_valid)],
        dev.clone(),
        None,
    );
    let dev_expired = format!(
        "__clerk_db_jwt=dvb_1; {uat}; __session={}",
        token(json!({ "iss": "https://foo-bar-13.clerk.accounts.dev", "exp": now - 30 }))
    );
    c.raw("dev page: expired session", &[doc, ("cookie", &dev_expired)], dev.clone(), None);
    c.browser(
        "dev page: primary sends back to a satellite",
        "GET",
        "https://app.example.com/?__clerk_redirect_url=https%3A%2F%2Fsat.example.org%2Fhome",
        &[doc, ("cookie", &dev_valid)],
        dev.clone(),
        None,
    );
    // Satellites and proxies.
    let satellite = CaseOptions { satellite: true, domain: Some("satellite.test"), ..CaseOptions::default() };
    c.raw("satellite page: no cookies", &[doc], satellite.clone(), None);
    c.browser(
        "satellite page: needs sync",
        "GET",
        "https://app.example.com/dashboard?__clerk_synced=false",
        &[doc],
        satellite.clone(),
        None,
    );
    c.browser(
        "satellite page: synced",
        "GET",
        "https://app.example.com/dashboard?__clerk_synced=true",
        &[doc],
        satellite.clone(),
        None,
    );
    c.raw("satellite page: client_uat without session", &[doc, (uat_only.0, &uat_only.1)], satellite.clone(), None);
    c.raw("satellite page: valid session", &[doc, ("cookie", &valid)], satellite.clone(), None);
    for proxy in ["https://app.example.com/__clerk", "/__clerk"] {
        let proxied = CaseOptions { proxy_url: Some(proxy), ..CaseOptions::default() };
        c.raw(&format!("proxy {proxy}: client_uat without session"), &[doc, (uat_only.0, &uat_only.1)], proxied, None);
    }
    // The handshake's return leg: a payload signed by the instance key.
    let directives = |session: &str| json!({ "handshake": [format!("__session={session}; Path=/; Secure; SameSite=Lax"), format!("__client_uat={}; Path=/; Secure; SameSite=Lax", now - 60)] });
    let payload = key().sign(&header(json!({})), &directives(session));
    c.raw(
        "handshake payload in a cookie",
        &[doc, ("cookie", &format!("__clerk_handshake={payload}"))],
        live.clone(),
        None,
    );
    let forged = other_key().sign(&header(json!({})), &directives(session));
    c.raw(
        "handshake payload signed by another key",
        &[doc, ("cookie", &format!("__clerk_handshake={forged}"))],
        live.clone(),
        None,
    );
    let template = key().sign(&header(json!({ "cat": CATEGORY_JWT_TEMPLATE })), &directives(session));
    c.raw(
        "handshake payload with a template's category",
        &[doc, ("cookie", &format!("__clerk_handshake={template}"))],
        live.clone(),
        None,
    );
    let no_session = key().sign(&header(json!({})), &json!({ "handshake": ["__client_uat=0; Path=/"] }));
    c.raw(
        "handshake payload signing out",
        &[doc, ("cookie", &format!("__clerk_handshake={no_session}"))],
        live.clone(),
        None,
    );
    let dev_payload = key().sign(&header(json!({})), &directives(&dev_session));
    c.browser(
        "dev handshake payload in the URL",
        "GET",
        &format!("https://app.example.com/dashboard?__clerk_handshake={dev_payload}&x=1"),
        &[doc, ("cookie", "__clerk_db_jwt=dvb_1")],
        dev,
        Some("dev-handshake-resolved"),
    );
}

/// Organization sync: pages whose path names an organization (by slug or id) or the personal
/// account, against sessions with and without an active organization, page loads and fetches,
/// the handshake loop counter, and a handshake for another reason on such a page.
fn organization_sync_cases(c: &mut Corpus) {
    let now = now();
    let doc = ("sec-fetch-dest", "document");
    let sync = CaseOptions {
        organization_sync: Some((
            vec!["/orgs/:slug", "/orgs/:slug/(.*)", "/teams/id/:id/(.*)"],
            vec!["/me", "/me/(.*)"],
        )),
        ..CaseOptions::default()
    };
    let uat = format!("__client_uat={}", now - 60);
    let in_org = |id: &str, slug: &str| {
        let claims = with(session_claims(), json!({ "o": { "id": id, "slg": slug, "rol": "admin" } }));
        format!("{uat}; __session={}", key().sign(&header(json!({})), &claims))
    };
    let acme = in_org("org_acme", "acme");
    let personal = format!("{uat}; __session={}", key().sign(&header(json!({})), &session_claims()));
    let pages: [(&str, &str, &String); 12] = [
        ("org sync: the active organization's page", "https://app.example.com/orgs/acme/settings", &acme),
        ("org sync: another organization's page", "https://app.example.com/orgs/globex/settings", &acme),
        ("org sync: an organization's page, case apart", "https://app.example.com/ORGS/Acme", &acme),
        ("org sync: an organization's page, trailing slash", "https://app.example.com/orgs/globex/", &acme),
        ("org sync: an organization's page from the personal account", "https://app.example.com/orgs/acme", &personal),
        ("org sync: an organization by id", "https://app.example.com/teams/id/org_globex/members", &acme),
        ("org sync: the active organization by id", "https://app.example.com/teams/id/org_acme/members", &acme),
        ("org sync: the personal account's page in an organization", "https://app.example.com/me/profile", &acme),
        ("org sync: the personal account's page", "https://app.example.com/me", &personal),
        ("org sync: a page no pattern names", "https://app.example.com/dashboard", &acme),
        ("org sync: a pattern's prefix only", "https://app.example.com/mexico", &acme),
        ("org sync: the bare list", "https://app.example.com/orgs", &acme),
    ];
    for (name, url, cookies) in pages {
        c.browser(name, "GET", url, &[doc, ("cookie", cookies)], sync.clone(), None);
    }
    let globex = "https://app.example.com/orgs/globex";
    c.browser("org sync: a fetch to another organization", "GET", globex, &[("cookie", &acme)], sync.clone(), None);
    c.browser(
        "org sync: a POST page to another organization",
        "POST",
        globex,
        &[doc, ("cookie", &acme)],
        sync.clone(),
        None,
    );
    let looping = format!("{acme}; __clerk_redirect_count=3");
    c.browser("org sync: after three handshakes", "GET", globex, &[doc, ("cookie", &looping)], sync.clone(), None);
    let twice = format!("{acme}; __clerk_redirect_count=2");
    c.browser("org sync: after two handshakes", "GET", globex, &[doc, ("cookie", &twice)], sync.clone(), None);
    let expired_claims = with(session_claims(), json!({ "exp": now - 30, "o": { "id": "org_acme", "slg": "acme" } }));
    let expired = format!("{uat}; __session={}", key().sign(&header(json!({})), &expired_claims));
    c.browser(
        "org sync: expired session on an organization's page",
        "GET",
        globex,
        &[doc, ("cookie", &expired)],
        sync.clone(),
        None,
    );
    c.browser("org sync: no session on an organization's page", "GET", globex, &[doc], sync, None);
}

async fn ours(case: &Case) -> Verdict {
    let url = url::Url::parse(&case.url).expect("case URL");
    let mut request = http::Request::builder()
        .method(case.method)
        .uri(&url[url::Position::BeforePath..])
        .header("host", url.host_str().expect("host"));
    for (name, value) in &case.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request.body(()).expect("request");
    let options = case.options.ours(AuthenticateOptions::networkless(key().jwt_key()));
    let state = authenticate_request(&request, &options).await.expect("a verdict");
    let location = state.handshake().and_then(|h| h.location()).map(Location::parse);
    let status = state.status().to_owned();
    match state {
        RequestState::SignedIn(auth) => {
            let jwt = auth.machine_jwt();
            Verdict {
                status,
                location,
                signed_in: true,
                reason: None,
                token_type: Some(auth.token_type().as_str().to_owned()),
                user_id: auth.user_id().map(str::to_owned),
                session_id: auth.session_id().map(str::to_owned),
                org_id: auth.org_id().map(str::to_owned),
                subject: Some(auth.subject().to_owned()),
                token_id: jwt.and_then(|j| j.token_id()).map(str::to_owned),
                client_id: jwt.and_then(|j| j.client_id()).map(str::to_owned),
                scopes: jwt.map(|j| j.scopes().into_iter().map(str::to_owned).collect()),
            }
        }
        other => Verdict {
            status,
            location,
            signed_in: false,
            reason: other.reason().map(|r| r.as_str().to_owned()),
            token_type: match &other {
                RequestState::SignedOut(out) => out.token_type.map(|t| t.as_str().to_owned()),
                _ => None,
            },
            user_id: None,
            session_id: None,
            org_id: None,
            subject: None,
            token_id: None,
            client_id: None,
            scopes: None,
        },
    }
}

fn run_js(corpus: &Corpus) -> Option<Vec<Value>> {
    let cases: Vec<Value> = corpus.0.iter().map(|c| json!({ "id": c.name, "method": c.method, "url": c.url, "headers": c.headers, "options": c.options.js() })).collect();
    let output = clerk_api_tests::differential::run_js_sdk(
        "authenticate.mjs",
        &json!({ "pem": key().public_pem(), "cases": cases }),
    )?;
    Some(serde_json::from_value(output).expect("an array of verdicts"))
}

/// A signed-out `token_type` means different things: ours is the kind of token found, the JS
/// SDK's the kind it was checking for (session on its session path, none when an accepted list
/// excludes the token). It is compared on signed-in verdicts only.
fn comparable(verdict: &Verdict) -> Verdict {
    let mut verdict = verdict.clone();
    if !verdict.signed_in {
        verdict.token_type = None;
    }
    verdict
}

fn summary(verdict: &Verdict) -> (bool, Option<&str>) {
    (verdict.signed_in, verdict.reason.as_deref())
}

#[tokio::test]
async fn verdicts_agree_with_clerks_js_sdk() {
    let corpus = corpus();
    let mut our_verdicts = Vec::new();
    for case in &corpus.0 {
        our_verdicts.push(ours(case).await);
    }
    let Some(js) = run_js(&corpus) else { return };
    assert_eq!(js.len(), corpus.0.len());
    let mut failures = Vec::new();
    let mut agree = 0;
    let mut documented: BTreeMap<&str, usize> = BTreeMap::new();
    let mut handshakes = 0;
    for ((case, ours), theirs) in corpus.0.iter().zip(&our_verdicts).zip(&js) {
        let mut theirs = js_verdict(theirs);
        if case.headers.iter().any(|(name, value)| name == "authorization" && value.starts_with("Bearer ")) {
            theirs.reason = theirs.reason.map(|r| bearer_reason(&r));
        }
        if case.difference.is_none()
            && theirs.status == "handshake"
            && theirs.location.is_some()
            && comparable(ours) == comparable(&theirs)
        {
            handshakes += 1;
        }
        match case.difference {
            None if comparable(ours) == comparable(&theirs) => agree += 1,
            None => failures.push(format!("{}: ours {ours}; JS {theirs}", case.name)),
            Some(name) => {
                let difference = DIFFERENCES.iter().find(|d| d.name == name).expect("a listed difference");
                if summary(ours) == difference.ours && summary(&theirs) == difference.js {
                    *documented.entry(name).or_default() += 1;
                } else {
                    failures.push(format!("{} (documented as {name}): ours {ours}; JS {theirs}", case.name));
                }
            }
        }
    }
    for difference in DIFFERENCES {
        if !documented.contains_key(difference.name) {
            failures.push(format!("documented difference {} shows in no case", difference.name));
        }
    }
    let total = corpus.0.len();
    let differing: usize = documented.values().sum();
    println!("auth differential: {agree}/{total} cases agree ({differing} documented differences); {handshakes} of the agreeing cases are handshakes with the same Location");
    for difference in DIFFERENCES {
        println!(
            "  {:<30} {:>2} cases  {}",
            difference.name,
            documented.get(difference.name).copied().unwrap_or(0),
            difference.why
        );
    }
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(agree + differing, total);
    // The cookie table is exercised: redirects that agree on host, path, return URL and reason.
    assert!(handshakes >= 20, "only {handshakes} handshake cases agree");
}
