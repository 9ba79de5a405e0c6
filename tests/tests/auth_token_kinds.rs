//! Every kind of JWT one instance key signs, told apart: session tokens are the only ones the
//! session path accepts; M2M and OAuth access tokens in JWT form are verified networklessly when
//! accepted; JWT-template tokens never are. Tokens come from `clerk_api::testing`.

use clerk_api::auth::{
    authenticate_headers, authenticate_token, AuthenticateOptions, JwtKey, Reason, RequestState, TokenType,
    CATEGORY_IGNORE, CATEGORY_JWT_TEMPLATE, CATEGORY_M2M_TOKEN, CATEGORY_SESSION_TOKEN,
};
use clerk_api::testing::{TestKey, TokenVersion};
use http::HeaderMap;
use std::time::Duration;

fn key() -> &'static TestKey {
    TestKey::shared()
}

fn options() -> AuthenticateOptions {
    AuthenticateOptions::networkless(key().jwt_key())
}

fn machines() -> AuthenticateOptions {
    options().accepts_token([TokenType::SessionToken, TokenType::M2mToken, TokenType::OAuthToken])
}

async fn verdict(token: &str, options: &AuthenticateOptions) -> RequestState {
    authenticate_token(token, options).await.expect("a verdict")
}

fn signed_out(state: RequestState) -> (Reason, Option<TokenType>) {
    match state {
        RequestState::SignedOut(out) => (out.reason, out.token_type),
        RequestState::SignedIn(auth) => panic!("signed in: {auth:?}"),
        _ => panic!("no verdict"),
    }
}

fn cookie(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("cookie", format!("__session={token}").parse().expect("cookie"));
    headers
}

#[tokio::test]
async fn session_tokens_with_the_session_category_the_ignore_category_or_none_sign_in() {
    for cat in [Some(CATEGORY_SESSION_TOKEN), Some(CATEGORY_IGNORE), None] {
        let token = key().session_token("user_1").category(cat).sign();
        let state = verdict(&token, &options()).await;
        assert_eq!(state.auth().and_then(|a| a.user_id()), Some("user_1"), "{cat:?}");
        assert_eq!(state.auth().map(|a| a.subject()), Some("user_1"));
    }
}

#[tokio::test]
async fn jwt_template_and_unknown_categories_never_sign_in_from_the_header_or_the_cookie() {
    for cat in [CATEGORY_JWT_TEMPLATE, "cl_Z9future000ZZZ"] {
        let token = key().jwt_template_token("user_1").category(Some(cat)).sign();
        for options in [options(), machines()] {
            assert_eq!(
                signed_out(verdict(&token, &options).await),
                (Reason::TokenTypeMismatch, Some(TokenType::SessionToken)),
                "{cat}"
            );
            let state = authenticate_headers(&cookie(&token), &options).await.expect("verdict");
            assert_eq!(state.reason(), Some(Reason::TokenTypeMismatch), "{cat} in the cookie");
        }
    }
}

#[tokio::test]
async fn machine_jwts_are_refused_on_the_session_path() {
    let m2m = key().m2m_token("mch_1").sign();
    let m2m_unmarked = key().m2m_token("mch_1").category(None).sign();
    let oauth = key().oauth_token("user_1", "client_1").sign();
    let m2m_by_category = key().session_token("user_1").category(Some(CATEGORY_M2M_TOKEN)).sign();
    for (token, token_type) in [
        (&m2m, TokenType::M2mToken),
        (&m2m_unmarked, TokenType::M2mToken),
        (&oauth, TokenType::OAuthToken),
        (&m2m_by_category, TokenType::SessionToken),
    ] {
        assert_eq!(signed_out(verdict(token, &options()).await), (Reason::TokenTypeMismatch, Some(token_type)));
        let state = authenticate_headers(&cookie(token), &options()).await.expect("verdict");
        assert_eq!(state.reason(), Some(Reason::TokenTypeMismatch));
    }
}

#[tokio::test]
async fn accepted_m2m_jwts_sign_in_networklessly_with_typed_claims() {
    let token = key().m2m_token("mch_1").token_id("mt_42").scopes(&["mch_2", "mch_3"]).claim("tenant", "acme").sign();
    let state = verdict(&token, &options().accepts_token([TokenType::M2mToken])).await;
    let auth = state.auth().expect("signed in");
    assert_eq!(auth.token_type(), TokenType::M2mToken);
    assert_eq!(auth.subject(), "mch_1");
    assert_eq!(auth.user_id(), None);
    let jwt = auth.machine_jwt().expect("a machine JWT");
    assert_eq!(jwt.token_id(), Some("mt_42"));
    assert_eq!(jwt.scopes(), ["mch_2", "mch_3"]);
    #[derive(serde::Deserialize)]
    struct Custom {
        tenant: String,
    }
    assert_eq!(jwt.custom_claims::<Custom>().expect("custom claims").tenant, "acme");
    // Minted before categories: the subject alone says M2M.
    let unmarked = key().m2m_token("mch_1").category(None).sign();
    assert_eq!(verdict(&unmarked, &machines()).await.auth().map(|a| a.token_type()), Some(TokenType::M2mToken));
}

#[tokio::test]
async fn accepted_oauth_jwts_sign_in_networklessly_with_typed_claims() {
    let token = key().oauth_token("user_1", "client_1").scopes(&["email", "profile"]).sign();
    let state = verdict(&token, &options().accepts_token([TokenType::OAuthToken])).await;
    let auth = state.auth().expect("signed in");
    assert_eq!(auth.token_type(), TokenType::OAuthToken);
    assert_eq!(auth.user_id(), Some("user_1"));
    let jwt = auth.machine_jwt().expect("a machine JWT");
    assert_eq!((jwt.client_id(), jwt.token_id()), (Some("client_1"), Some("oat_test")));
    assert_eq!(jwt.scopes(), ["email", "profile"]);
    let application_typ = key().oauth_token("user_1", "client_1").header("typ", "application/at+jwt").sign();
    assert!(verdict(&application_typ, &machines()).await.is_signed_in());
}

#[tokio::test]
async fn machine_jwts_follow_the_session_rules_for_keys_and_times() {
    let accepts = machines();
    let other = TestKey::generate();
    assert_eq!(signed_out(verdict(&other.m2m_token("mch_1").sign(), &accepts).await).0, Reason::TokenInvalidSignature);
    let expired = key().m2m_token("mch_1").expired_for(Duration::from_secs(30)).sign();
    assert_eq!(signed_out(verdict(&expired, &accepts).await), (Reason::TokenExpired, Some(TokenType::M2mToken)));
    let just_expired = key().oauth_token("user_1", "c").expired_for(Duration::from_secs(2)).sign();
    assert!(verdict(&just_expired, &accepts).await.is_signed_in(), "inside the default 5 s skew");
    assert_eq!(
        signed_out(verdict(&just_expired, &accepts.clone().clock_skew(Duration::ZERO)).await).0,
        Reason::TokenExpired
    );
    let no_exp = key().m2m_token("mch_1").without_claim("exp").sign();
    assert_eq!(signed_out(verdict(&no_exp, &accepts).await).0, Reason::TokenInvalid);
    let future = key().m2m_token("mch_1").claim("nbf", clerk_api_tests::auth_support::now() + 60).sign();
    assert_eq!(signed_out(verdict(&future, &accepts).await).0, Reason::TokenNotActiveYet);
    let alg = key().sign(
        &serde_json::json!({ "alg": "RS512", "typ": "at+jwt" }),
        &serde_json::json!({ "sub": "user_1", "exp": 4_000_000_000u64 }),
    );
    assert_eq!(signed_out(verdict(&alg, &accepts).await).0, Reason::TokenInvalidAlgorithm);
}

#[tokio::test]
async fn an_m2m_subject_under_a_session_category_is_invalid() {
    // As Clerk's JS SDK: an M2M token must carry the M2M category or none.
    for cat in [CATEGORY_SESSION_TOKEN, CATEGORY_IGNORE] {
        let token = key().m2m_token("mch_1").category(Some(cat)).sign();
        assert_eq!(
            signed_out(verdict(&token, &machines()).await),
            (Reason::TokenInvalid, Some(TokenType::M2mToken)),
            "{cat}"
        );
    }
}

#[tokio::test]
async fn session_tokens_are_refused_where_only_machine_tokens_are_accepted() {
    let session = key().session_token("user_1").sign();
    let only_m2m = options().accepts_token([TokenType::M2mToken]);
    assert_eq!(
        signed_out(verdict(&session, &only_m2m).await),
        (Reason::TokenTypeMismatch, Some(TokenType::SessionToken))
    );
    let only_oauth = options().accepts_token([TokenType::OAuthToken]);
    // Neither a session nor an M2M token is accepted: refused before the signature is checked,
    // so the unverified subject names no type.
    assert_eq!(signed_out(verdict(&session, &only_oauth).await), (Reason::TokenTypeMismatch, None));
    let m2m = key().m2m_token("mch_1").sign();
    assert_eq!(signed_out(verdict(&m2m, &only_oauth).await), (Reason::TokenTypeMismatch, None));
}

#[tokio::test]
async fn version_1_and_version_2_claims_give_the_same_organization() {
    for version in [TokenVersion::V1, TokenVersion::V2] {
        let token = key()
            .session_token("user_1")
            .version(version)
            .organization("org_1", "admin")
            .organization_slug("acme")
            .organization_permissions(&["org:invoices:read", "org:invoices:manage", "org:reports:read"])
            .sign();
        let state = verdict(&token, &options()).await;
        let session = state.auth().and_then(|a| a.session()).expect("a session");
        assert_eq!(
            (session.org_id(), session.org_slug(), session.org_role()),
            (Some("org_1"), Some("acme"), Some("org:admin")),
            "{version:?}"
        );
        assert_eq!(
            session.org_permissions(),
            ["org:invoices:read", "org:invoices:manage", "org:reports:read"],
            "{version:?}"
        );
    }
}

#[tokio::test]
async fn the_dashboards_bare_key_verifies_like_the_pem() {
    let body: String = key().public_pem().lines().filter(|line| !line.starts_with("-----")).collect();
    let options = AuthenticateOptions::networkless(JwtKey::from_pem(&body).expect("bare base64 key"));
    assert!(verdict(&key().session_token("user_1").sign(), &options).await.is_signed_in());
}

#[cfg(test)]
mod webhooks {
    use clerk_api::testing::sign_webhook;
    use clerk_api::webhooks::{Webhook, WebhookEvent};

    #[test]
    fn signed_deliveries_verify_and_decode() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"type":"user.deleted","object":"event","timestamp":1,"instance_id":"ins_1","data":{"object":"user","id":"user_1","deleted":true}}"#;
        let now = clerk_api_tests::auth_support::now();
        let headers = sign_webhook(secret, "msg_1", now, body).expect("signed");
        let verified = Webhook::new(secret).expect("secret").verify_signature(&headers, body).expect("verified");
        assert_eq!((verified.id.as_str(), verified.timestamp), ("msg_1", now));
        assert!(matches!(verified.event(), Ok(WebhookEvent::UserDeleted(_))), "{:?}", verified.event());
        let other = Webhook::new("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").expect("secret");
        assert!(other.verify(&headers, body).is_err());
    }
}
