//! Session token rules, networkless: every rule of request authentication with real RS256
//! tokens signed by keys generated in this process.

use clerk_api::auth::{
    authenticate_headers, authenticate_token, AuthenticateOptions, JwtKey, Reason, RequestState, TokenType,
    MAX_TOKEN_BYTES,
};
use clerk_api_tests::auth_support::{b64url, now, TestKey};
use http::HeaderMap;
use serde_json::{json, Value};
use std::time::Duration;

fn key() -> &'static TestKey {
    &TestKey::three()[0]
}

fn other_key() -> &'static TestKey {
    &TestKey::three()[1]
}

fn options() -> AuthenticateOptions {
    AuthenticateOptions::networkless(JwtKey::from_pem(&key().public_pem).expect("test key PEM"))
}

fn claims() -> Value {
    let now = now();
    json!({ "sub": "user_1", "sid": "sess_1", "azp": "https://app.example", "iss": "https://clerk.example",
            "iat": now - 10, "nbf": now - 10, "exp": now + 60, "v": 2 })
}

fn with(mut base: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().expect("object") {
        if v.is_null() {
            base.as_object_mut().expect("object").remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

async fn verdict(token: &str, options: &AuthenticateOptions) -> RequestState {
    authenticate_token(token, options).await.expect("a verdict")
}

async fn reason(token: &str, options: &AuthenticateOptions) -> Option<Reason> {
    verdict(token, options).await.reason()
}

fn bearer(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("authorization", format!("Bearer {token}").parse().expect("header"));
    headers
}

#[tokio::test]
async fn a_valid_token_signs_in_with_its_user_and_session() {
    let token = key().token("kid_1", &claims());
    let state = verdict(&token, &options()).await;
    let auth = state.auth().expect("signed in");
    assert_eq!(auth.token_type(), TokenType::SessionToken);
    assert_eq!(auth.user_id(), Some("user_1"));
    assert_eq!(auth.session_id(), Some("sess_1"));
    assert_eq!(auth.session().expect("session").claims().v, Some(2));
    let from_request = clerk_api::auth::authenticate_request(
        &http::Request::builder().header("Authorization", format!("Bearer {token}")).body(()).expect("request"),
        &options(),
    )
    .await
    .expect("a verdict");
    assert!(from_request.is_signed_in());
}

#[tokio::test]
async fn only_rs256_signatures_by_the_key_are_accepted() {
    let body = b64url(claims().to_string().as_bytes());
    // alg none, no signature.
    let none = format!("{}.{body}.", b64url(br#"{"alg":"none","typ":"JWT"}"#));
    assert_eq!(reason(&none, &options()).await, Some(Reason::TokenInvalidAlgorithm));
    // HS256 "signed" with the public key as the HMAC secret: the classic key-confusion attack.
    let header = b64url(br#"{"alg":"HS256","typ":"JWT","kid":"kid_1"}"#);
    let input = format!("{header}.{body}");
    let mac =
        ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key().public_pem.as_bytes()), input.as_bytes());
    let hs256 = format!("{input}.{}", b64url(mac.as_ref()));
    assert_eq!(reason(&hs256, &options()).await, Some(Reason::TokenInvalidAlgorithm));
    // RS512 header over an RS256 signature.
    let rs512 = key().sign(&json!({ "alg": "RS512", "kid": "kid_1" }), &claims());
    assert_eq!(reason(&rs512, &options()).await, Some(Reason::TokenInvalidAlgorithm));
    // Signed by another key.
    assert_eq!(reason(&other_key().token("kid_1", &claims()), &options()).await, Some(Reason::TokenInvalidSignature));
    // A payload swapped after signing.
    let token = key().token("kid_1", &claims());
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged = b64url(with(claims(), json!({ "sub": "user_admin" })).to_string().as_bytes());
    parts[1] = &forged;
    assert_eq!(reason(&parts.join("."), &options()).await, Some(Reason::TokenInvalidSignature));
}

#[tokio::test]
async fn signature_is_checked_before_any_claim() {
    // Expired, wrong azp, no sub: a bad signature is still what is reported.
    let bad = other_key().token("kid_1", &json!({ "exp": 1 }));
    let strict = options().authorized_party("https://app.example");
    assert_eq!(reason(&bad, &strict).await, Some(Reason::TokenInvalidSignature));
}

#[tokio::test]
async fn expiry_is_required_and_checked_with_the_clock_skew() {
    let now = now();
    let missing = key().token("k", &with(claims(), json!({ "exp": null })));
    assert_eq!(reason(&missing, &options()).await, Some(Reason::TokenInvalid));
    // Expired 2 s ago: inside the default 5 s skew, outside a zero skew.
    let just_expired = key().token("k", &with(claims(), json!({ "exp": now - 2 })));
    assert_eq!(reason(&just_expired, &options()).await, None);
    assert_eq!(reason(&just_expired, &options().clock_skew(Duration::ZERO)).await, Some(Reason::TokenExpired));
    // Expired 30 s ago: outside the default skew, inside a 60 s one.
    let expired = key().token("k", &with(claims(), json!({ "exp": now - 30 })));
    assert_eq!(reason(&expired, &options()).await, Some(Reason::TokenExpired));
    assert_eq!(reason(&expired, &options().clock_skew(Duration::from_secs(60))).await, None);
    // The clock skew is in milliseconds, not rounded to seconds.
    let skew_ms = options().clock_skew(Duration::from_millis(1500));
    let two_ago = key().token("k", &with(claims(), json!({ "exp": now - 3 })));
    assert_eq!(reason(&two_ago, &skew_ms).await, Some(Reason::TokenExpired));
}

#[tokio::test]
async fn nbf_and_iat_in_the_future_are_refused_beyond_the_skew() {
    let now = now();
    let nbf = key().token("k", &with(claims(), json!({ "nbf": now + 30 })));
    assert_eq!(reason(&nbf, &options()).await, Some(Reason::TokenNotActiveYet));
    let nbf_near = key().token("k", &with(claims(), json!({ "nbf": now + 2 })));
    assert_eq!(reason(&nbf_near, &options()).await, None);
    assert_eq!(reason(&nbf_near, &options().clock_skew(Duration::ZERO)).await, Some(Reason::TokenNotActiveYet));
    let iat = key().token("k", &with(claims(), json!({ "iat": now + 30, "nbf": null })));
    assert_eq!(reason(&iat, &options()).await, Some(Reason::TokenIatInTheFuture));
    let neither = key().token("k", &with(claims(), json!({ "iat": null, "nbf": null })));
    assert_eq!(reason(&neither, &options()).await, None);
}

#[tokio::test]
async fn sub_is_required() {
    let token = key().token("k", &with(claims(), json!({ "sub": null })));
    let state = verdict(&token, &options()).await;
    let RequestState::SignedOut(out) = state else { panic!("signed in without sub") };
    assert_eq!(out.reason, Reason::TokenInvalid);
    assert!(out.message.contains("sub"), "{}", out.message);
}

#[tokio::test]
async fn authorized_parties_are_enforced_and_a_missing_azp_fails() {
    let strict = options().authorized_party("https://app.example").authorized_party("https://admin.example");
    assert_eq!(reason(&key().token("k", &claims()), &strict).await, None);
    let wrong = key().token("k", &with(claims(), json!({ "azp": "https://evil.example" })));
    assert_eq!(reason(&wrong, &strict).await, Some(Reason::TokenInvalidAuthorizedParties));
    let missing = key().token("k", &with(claims(), json!({ "azp": null })));
    assert_eq!(reason(&missing, &strict).await, Some(Reason::TokenInvalidAuthorizedParties));
    // Without authorized parties configured, azp is not checked.
    assert_eq!(reason(&missing, &options()).await, None);
}

#[tokio::test]
async fn audience_and_issuer_are_checked_when_configured() {
    let with_aud = options().audience("api://backend");
    assert_eq!(reason(&key().token("k", &claims()), &with_aud).await, Some(Reason::TokenInvalidAudience));
    let one = key().token("k", &with(claims(), json!({ "aud": "api://backend" })));
    let many = key().token("k", &with(claims(), json!({ "aud": ["x", "api://backend"] })));
    let other = key().token("k", &with(claims(), json!({ "aud": ["x", "y"] })));
    assert_eq!(reason(&one, &with_aud).await, None);
    assert_eq!(reason(&many, &with_aud).await, None);
    assert_eq!(reason(&other, &with_aud).await, Some(Reason::TokenInvalidAudience));
    let issuer = options().issuer("https://clerk.example");
    assert_eq!(reason(&key().token("k", &claims()), &issuer).await, None);
    assert_eq!(
        reason(&key().token("k", &claims()), &options().issuer("https://clerk.other")).await,
        Some(Reason::TokenInvalidIssuer)
    );
}

#[tokio::test]
async fn pending_sessions_are_signed_out_unless_the_options_opt_in() {
    let pending = key().token("k", &with(claims(), json!({ "sts": "pending" })));
    let RequestState::SignedOut(out) = verdict(&pending, &options()).await else {
        panic!("a pending session signed in by default")
    };
    assert_eq!(out.reason, Reason::SessionPending);
    assert_eq!(out.reason.as_str(), "session-pending");
    let state = verdict(&pending, &options().treat_pending_as_signed_out(false)).await;
    assert_eq!(state.auth().and_then(|a| a.session()).and_then(|s| s.session_status()), Some("pending"));
    let active = key().token("k", &with(claims(), json!({ "sts": "active" })));
    assert_eq!(reason(&active, &options()).await, None);
}

#[tokio::test]
async fn version_2_claims_decode_the_organization_and_its_permissions() {
    let token = key().token(
        "k",
        &with(
            claims(),
            json!({
                "o": { "id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3,1" },
                "fea": "o:invoices,u:export,o:reports", "pla": "o:pro",
                "act": { "sub": "user_support", "iss": "https://dashboard.clerk.com" },
                "fva": [3, -1], "sts": "active", "email": "a@example.com",
            }),
        ),
    );
    let state = verdict(&token, &options()).await;
    let auth = state.auth().expect("signed in");
    let session = auth.session().expect("session");
    assert_eq!(auth.org_id(), Some("org_1"));
    assert_eq!(session.org_slug(), Some("acme"));
    assert_eq!(session.org_role(), Some("org:admin"));
    assert_eq!(session.org_permissions(), ["org:invoices:read", "org:invoices:manage", "org:reports:read"]);
    assert!(session.has_permission("org:reports:read") && !session.has_permission("org:reports:manage"));
    assert!(session.has_role("admin") && session.has_role("org:admin") && !session.has_role("member"));
    assert!(
        session.has_feature("invoices") && session.has_feature("org:reports") && session.has_feature("user:export")
    );
    assert!(!session.has_feature("org:export"));
    assert!(session.has_plan("pro") && !session.has_plan("user:pro"));
    assert_eq!(session.actor().map(|a| a.sub.as_str()), Some("user_support"));
    assert_eq!(session.factor_verification_age(), Some([3, -1]));
    #[derive(serde::Deserialize)]
    struct Custom {
        email: String,
    }
    assert_eq!(session.custom_claims::<Custom>().expect("custom claims").email, "a@example.com");
}

#[tokio::test]
async fn version_1_claims_give_the_organization_as_written() {
    let token = key().token(
        "k",
        &with(claims(), json!({ "v": null, "org_id": "org_9", "org_slug": "old", "org_role": "org:member", "org_permissions": ["org:sys_memberships:read"] })),
    );
    let state = verdict(&token, &options()).await;
    let session = state.auth().and_then(|a| a.session()).expect("session");
    assert_eq!(session.claims().v, None);
    assert_eq!(session.org_id(), Some("org_9"));
    assert_eq!(session.org_role(), Some("org:member"));
    assert_eq!(session.org_permissions(), ["org:sys_memberships:read"]);
}

#[tokio::test]
async fn the_authorization_header_wins_over_the_cookie() {
    let good = key().token("k", &claims());
    let bad = other_key().token("k", &claims());
    let mut headers = bearer(&bad);
    headers.insert("cookie", format!("__session={good}").parse().expect("cookie"));
    let state = authenticate_headers(&headers, &options()).await.expect("verdict");
    assert_eq!(state.reason(), Some(Reason::TokenInvalidSignature), "the header's token was the one verified");

    let mut cookie_only = HeaderMap::new();
    cookie_only.insert("cookie", format!("theme=dark; __session_x1Y2z3={good}").parse().expect("cookie"));
    assert!(authenticate_headers(&cookie_only, &options()).await.expect("verdict").is_signed_in());
    let state = authenticate_headers(&HeaderMap::new(), &options()).await.expect("verdict");
    assert_eq!(state.reason(), Some(Reason::SessionTokenMissing));
}

#[tokio::test]
async fn oversized_and_malformed_tokens_are_refused_without_panicking() {
    let huge = format!("{}.{}.{}", "a".repeat(MAX_TOKEN_BYTES), "b", "c");
    assert_eq!(reason(&huge, &options()).await, Some(Reason::TokenInvalid));
    let valid = key().token("k", &claims());
    let cases = [
        String::new(),
        "...".into(),
        "a.b".into(),
        "a.b.c.d".into(),
        valid.replace('.', ""),
        format!("{valid}."),
        format!("{valid}=="),
        valid[..valid.len() - 10].to_string(),
        format!("{}.e30.{}", b64url(b"{\"alg\":\"RS256\"}"), "A".repeat(342)),
        format!("{}.{}.{}", b64url(b"{\"alg\":\"RS256\"}"), b64url(b"not json"), b64url(&[0; 256])),
    ];
    for token in cases {
        let state = verdict(&token, &options()).await;
        assert!(!state.is_signed_in(), "{token:?} signed in");
    }
}

#[tokio::test]
async fn a_valid_signature_over_a_payload_that_is_not_claims_is_invalid() {
    let not_object = key().sign(&json!({ "alg": "RS256", "kid": "k" }), &json!([1, 2, 3]));
    assert_eq!(reason(&not_object, &options()).await, Some(Reason::TokenInvalid));
    let wrong_types = key().token("k", &with(claims(), json!({ "exp": "tomorrow" })));
    assert_eq!(reason(&wrong_types, &options()).await, Some(Reason::TokenInvalid));
}

#[tokio::test]
async fn networkless_verification_ignores_the_kid_and_trusts_only_the_signature() {
    // The PEM carries no kid: any kid verifies if the signature does, none does if it does not.
    assert_eq!(reason(&key().token("kid_never_seen", &claims()), &options()).await, None);
    assert_eq!(
        reason(&other_key().token("kid_never_seen", &claims()), &options()).await,
        Some(Reason::TokenInvalidSignature)
    );
}

#[tokio::test]
async fn machine_tokens_are_refused_by_default_and_need_a_client_when_accepted() {
    for token in ["ak_123", "mt_123", "oat_123"] {
        let state = verdict(token, &options()).await;
        let RequestState::SignedOut(out) = state else { panic!("{token} signed in") };
        assert_eq!(out.reason, Reason::TokenTypeMismatch);
        assert_eq!(out.token_type, Some(TokenType::of(token)));
    }
    let only_api_keys = options().accepts_token([TokenType::ApiKey]);
    assert!(matches!(
        authenticate_token("ak_1", &only_api_keys).await,
        Err(clerk_api::auth::AuthError::ClientRequired(TokenType::ApiKey))
    ));
    let machines_only =
        options().accepts_token([TokenType::M2mToken]).client(clerk_api::Clerk::new("sk_test_x").expect("client"));
    assert_eq!(reason(&key().token("k", &claims()), &machines_only).await, Some(Reason::TokenTypeMismatch));
}

#[tokio::test]
async fn verdicts_never_contain_the_token() {
    let token = other_key().token("k", &claims());
    let state = verdict(&token, &options()).await;
    let printed = format!("{state:?} {}", state.clone().into_result().expect_err("signed out"));
    let signature = token.rsplit('.').next().expect("signature");
    assert!(!printed.contains(signature) && !printed.contains("user_1"), "{printed}");
}
