//! Machine tokens: API keys, M2M tokens and OAuth access tokens, verified by the Backend API.

use clerk_api::auth::{
    authenticate_headers, authenticate_token, Auth, AuthError, AuthenticateOptions, Reason, RequestState, TokenType,
};
use clerk_api::Clerk;
use clerk_api_tests::auth_support::{AuthServer, Instance, MachineToken};
use serde_json::json;

const SECRET: &str = "sk_test_machine";

async fn server() -> AuthServer {
    let server = AuthServer::start().await;
    server.instance(SECRET, Instance::default());
    let api_key = json!({
        "object": "api_key", "id": "ak_3beecc9c60adb5f9b850e91a8ee1e992", "type": "api_key",
        "subject": "org_2xhFjEI5X2qWRvtV13BzSj8H6Dk", "name": "CI", "description": null, "claims": { "team": "ops" },
        "scopes": ["read"], "revoked": false, "revocation_reason": null, "expired": false, "expiration": null,
        "created_by": null, "last_used_at": null, "created_at": 1716883200000u64, "updated_at": 1716883200000u64,
    });
    server.machine_token("ak_valid", MachineToken { status: 200, body: api_key.clone() });
    let mut revoked = api_key.clone();
    revoked["revoked"] = json!(true);
    server.machine_token("ak_revoked", MachineToken { status: 200, body: revoked });
    let mut expired = api_key;
    expired["expired"] = json!(true);
    server.machine_token("ak_expired", MachineToken { status: 200, body: expired });
    server.machine_token(
        "mt_valid",
        MachineToken {
            status: 200,
            body: json!({
                "object": "machine_to_machine_token", "id": "mt_f7f0ba8c3b4843ce7d85fcdd5e71853e",
                "subject": "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk", "claims": null, "scopes": [], "revoked": false,
                "revocation_reason": null, "expired": false, "expiration": null, "last_used_at": null,
                "created_at": 1716883200000u64, "updated_at": 1716883200000u64,
            }),
        },
    );
    server.machine_token(
        "oat_valid",
        MachineToken {
            status: 200,
            body: json!({
                "object": "clerk_idp_oauth_access_token", "id": "oat_0ef5a7a33d87ed87ee7954c845d80450",
                "client_id": "client_1", "subject": "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk", "scopes": ["profile"],
                "revoked": false, "revocation_reason": null, "expired": false, "expiration": null,
                "created_at": 1716883200, "updated_at": 1716883200,
            }),
        },
    );
    server.machine_token("oat_inactive", MachineToken { status: 200, body: json!({ "active": false }) });
    server.machine_token("mt_broken", MachineToken { status: 500, body: json!({ "errors": [] }) });
    server
}

fn options(server: &AuthServer) -> AuthenticateOptions {
    let clerk = Clerk::builder(SECRET)
        .base_url(&server.base_url)
        .retry_policy(clerk_api::RetryPolicy::none())
        .build()
        .expect("client");
    AuthenticateOptions::with_client(clerk).accepts_token(TokenType::ALL)
}

async fn verdict(token: &str, options: &AuthenticateOptions) -> RequestState {
    authenticate_token(token, options).await.expect("a verdict")
}

#[tokio::test]
async fn each_machine_token_type_is_verified_by_its_endpoint_and_typed() {
    let server = server().await;
    let options = options(&server);
    let state = verdict("ak_valid", &options).await;
    let Some(Auth::ApiKey(key)) = state.auth() else { panic!("not an API key: {state:?}") };
    assert_eq!(key.name, "CI");
    assert_eq!(state.auth().and_then(Auth::org_id), Some("org_2xhFjEI5X2qWRvtV13BzSj8H6Dk"));
    assert_eq!(state.auth().and_then(Auth::user_id), None);

    let state = verdict("mt_valid", &options).await;
    assert!(matches!(state.auth(), Some(Auth::M2mToken(m2m)) if m2m.subject.starts_with("mch_")));

    let state = verdict("oat_valid", &options).await;
    let auth = state.auth().expect("signed in");
    assert_eq!(auth.token_type(), TokenType::OAuthToken);
    assert_eq!(auth.user_id(), Some("user_2xhFjEI5X2qWRvtV13BzSj8H6Dk"));
    assert_eq!(server.verify_calls(), 3);
}

#[tokio::test]
async fn revoked_expired_inactive_and_unknown_tokens_are_signed_out() {
    let server = server().await;
    let options = options(&server);
    for (token, expected) in [
        ("ak_revoked", Reason::TokenInvalid),
        ("ak_expired", Reason::TokenExpired),
        ("oat_inactive", Reason::TokenExpired),
        ("ak_unknown", Reason::TokenInvalid),
        ("mt_unknown", Reason::TokenInvalid),
        ("oat_unknown", Reason::TokenInvalid),
    ] {
        let RequestState::SignedOut(out) = verdict(token, &options).await else { panic!("{token} signed in") };
        assert_eq!(out.reason, expected, "{token}");
        assert_eq!(out.token_type, Some(TokenType::of(token)), "{token}");
    }
}

#[tokio::test]
async fn a_failing_backend_is_an_error_not_a_verdict() {
    let server = server().await;
    let error = authenticate_token("mt_broken", &options(&server)).await.expect_err("no verdict");
    assert!(matches!(error, AuthError::MachineVerification { token_type: TokenType::M2mToken, .. }), "{error:?}");
}

#[tokio::test]
async fn only_accepted_types_reach_clerk() {
    let server = server().await;
    let options = options(&server).accepts_token([TokenType::ApiKey]);
    assert_eq!(verdict("mt_valid", &options).await.reason(), Some(Reason::TokenTypeMismatch));
    assert_eq!(verdict("oat_valid", &options).await.reason(), Some(Reason::TokenTypeMismatch));
    assert_eq!(server.verify_calls(), 0);
    let mut headers = http::HeaderMap::new();
    headers.insert("authorization", "Bearer ak_valid".parse().expect("header"));
    assert!(authenticate_headers(&headers, &options).await.expect("verdict").is_signed_in());
    assert_eq!(server.verify_calls(), 1);
}

#[tokio::test]
async fn a_machine_secret_key_verifies_m2m_tokens_in_place_of_the_instance_key() {
    let server = server().await;
    let options = options(&server).machine_secret_key("msk_test_machine").expect("machine secret key");
    // The fake knows no such key yet: Clerk refuses the call, which is no verdict on the token.
    assert!(matches!(authenticate_token("mt_valid", &options).await, Err(AuthError::MachineVerification { .. })));
    server.instance("msk_test_machine", Instance::default());
    server.machine_token("mt_valid", MachineToken { status: 404, body: json!({ "errors": [] }) });
    assert_eq!(verdict("mt_valid", &options).await.reason(), Some(Reason::TokenInvalid));
    // API keys still go with the instance's secret key.
    assert!(verdict("ak_valid", &options).await.is_signed_in());
    assert!(format!("{options:?}").contains("machine_client") && !format!("{options:?}").contains("msk_test_machine"));
}
