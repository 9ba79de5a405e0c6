//! Opaque machine tokens cannot flood Clerk: every verification is a Backend API call counted
//! against the instance's rate limit, so invalid tokens are remembered, concurrent checks of
//! one token share a call, an optional limiter caps each client's calls, and memory stays
//! bounded under distinct junk tokens. Against a local Backend API that counts the calls.

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use clerk_api::auth::axum::ClerkAuthLayer;
use clerk_api::auth::{
    authenticate_request, authenticate_token, AuthError, AuthenticateOptions, ClientKey, MachineTokenCache,
    MachineTokenLimiter, Reason, RequestState, TokenType, Unavailable,
};
use clerk_api::Clerk;
use clerk_api_tests::auth_support::{all_at_once, FlakyClerk, Mode};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tower::ServiceExt;

const SECRET: &str = "sk_test_flood";

fn client(server: &FlakyClerk) -> Clerk {
    Clerk::builder(SECRET).base_url(&server.base_url).build().expect("client")
}

fn options(server: &FlakyClerk) -> AuthenticateOptions {
    AuthenticateOptions::with_client(client(server)).accepts_token(TokenType::ALL)
}

fn api_key(revoked: bool) -> serde_json::Value {
    json!({
        "object": "api_key", "id": "ak_3beecc9c60adb5f9b850e91a8ee1e992", "type": "api_key",
        "subject": "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk", "name": "CI", "description": null, "claims": null,
        "scopes": [], "revoked": revoked, "revocation_reason": null, "expired": false, "expiration": null,
        "created_by": null, "last_used_at": null, "created_at": 1716883200000u64, "updated_at": 1716883200000u64,
    })
}

fn request(token: &str, client_key: Option<&str>) -> http::Request<()> {
    let mut request = http::Request::builder()
        .uri("/api")
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .expect("request");
    if let Some(key) = client_key {
        request.extensions_mut().insert(ClientKey::new(key));
    }
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_invalid_tokens_one_of_them_a_hundred_times_cost_101_calls() {
    let server = FlakyClerk::start(Vec::new()).await;
    let options = Arc::new(options(&server));
    // 100 distinct junk tokens and one repeated 100 times, of every opaque kind, interleaved,
    // 50 requests in flight at a time.
    let tokens: Vec<String> = (0..100)
        .flat_map(|i| [format!("{}_junk_{i}", ["oat", "ak", "mt"][i % 3]), "oat_the_same_junk".to_owned()])
        .collect();
    for batch in tokens.chunks(50) {
        let verdicts = all_at_once(batch.iter().map(|token| {
            let (token, options) = (token.clone(), Arc::clone(&options));
            async move { authenticate_token(&token, &options).await }
        }))
        .await;
        for verdict in verdicts {
            assert_eq!(verdict.expect("a verdict").reason(), Some(Reason::TokenInvalid));
        }
    }
    assert_eq!(server.verify_requests(), 101, "one call per distinct token");
}

#[tokio::test]
async fn an_invalid_token_is_asked_about_again_after_its_ttl() {
    let server = FlakyClerk::start(Vec::new()).await;
    let options =
        options(&server).machine_token_cache(MachineTokenCache::new().invalid_for(Duration::from_millis(200)));
    for _ in 0..5 {
        assert_eq!(
            authenticate_token("ak_junk", &options).await.expect("verdict").reason(),
            Some(Reason::TokenInvalid)
        );
    }
    assert_eq!(server.verify_requests(), 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    authenticate_token("ak_junk", &options).await.expect("verdict");
    assert_eq!(server.verify_requests(), 2);
}

#[tokio::test]
async fn the_limiter_keeps_each_client_within_its_rate() {
    let server = FlakyClerk::start(Vec::new()).await;
    let options = options(&server).machine_token_limiter(MachineTokenLimiter::new(10.0, 5));
    let started = Instant::now();
    let (mut limited, mut answered) = (0, 0);
    for i in 0..50 {
        match authenticate_request(&request(&format!("oat_junk_{i}"), Some("203.0.113.7")), &options).await {
            Ok(state) => {
                assert_eq!(state.reason(), Some(Reason::TokenInvalid));
                answered += 1;
            }
            Err(AuthError::RateLimited { token_type: TokenType::OAuthToken, retry_after }) => {
                assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_millis(100), "{retry_after:?}");
                limited += 1;
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    // The burst, plus what the elapsed time refilled.
    let allowed = 5 + (elapsed * 10.0).floor() as u64;
    assert!(server.verify_requests() <= allowed, "{} calls in {elapsed} s", server.verify_requests());
    assert_eq!(answered, server.verify_requests());
    assert!(limited > 0 && limited + answered == 50);
    // Another client has its own bucket; a refused token was not remembered as invalid.
    let before = server.verify_requests();
    let state = authenticate_request(&request("oat_junk_49", Some("198.51.100.1")), &options).await.expect("verdict");
    assert_eq!(state.reason(), Some(Reason::TokenInvalid));
    assert_eq!(server.verify_requests(), before + 1);
    // Tokens Clerk already judged cost the limited client nothing.
    assert!(authenticate_request(&request("oat_junk_0", Some("203.0.113.7")), &options).await.is_ok());
}

#[tokio::test]
async fn the_axum_layer_answers_a_limited_client_429_with_retry_after() {
    let server = FlakyClerk::start(Vec::new()).await;
    let options = options(&server).machine_token_limiter(MachineTokenLimiter::new(0.5, 1));
    let app: Router = Router::new().route("/api", get(|| async { "hello" })).route_layer(ClerkAuthLayer::new(options));
    let call = |token: &str| {
        let mut request = http::Request::builder()
            .uri("/api")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        request.extensions_mut().insert(ClientKey::from("192.0.2.9".parse::<std::net::IpAddr>().expect("ip")));
        app.clone().oneshot(request)
    };
    assert_eq!(call("oat_junk_1").await.expect("response").status(), http::StatusCode::UNAUTHORIZED);
    let response = call("oat_junk_2").await.expect("response");
    assert_eq!(response.status(), http::StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("2"));
    assert_eq!(server.verify_requests(), 1);
}

#[tokio::test]
async fn memory_stays_bounded_under_a_flood_of_distinct_tokens() {
    let server = FlakyClerk::start(Vec::new()).await;
    let cache = Arc::new(MachineTokenCache::new().max_entries(50));
    let options = options(&server).machine_token_cache(Arc::clone(&cache));
    for i in 0..500 {
        authenticate_token(&format!("ak_junk_{i}"), &options).await.expect("verdict");
        assert!(cache.len() <= 50);
    }
    assert_eq!(cache.len(), 50);
    assert_eq!(server.verify_requests(), 500);
}

#[tokio::test]
async fn valid_tokens_are_remembered_only_when_asked_and_revocation_shows_after_the_bound() {
    let server = FlakyClerk::start(Vec::new()).await;
    server.machine_token("ak_valid", 200, api_key(false));
    let plain = options(&server);
    for _ in 0..3 {
        assert!(authenticate_token("ak_valid", &plain).await.expect("verdict").is_signed_in());
    }
    assert_eq!(server.verify_requests(), 3, "by default every request asks Clerk");
    let cached = options(&server).machine_token_cache(MachineTokenCache::new().valid_for(Duration::from_millis(300)));
    for _ in 0..3 {
        assert!(authenticate_token("ak_valid", &cached).await.expect("verdict").is_signed_in());
    }
    assert_eq!(server.verify_requests(), 4);
    server.machine_token("ak_valid", 200, api_key(true));
    assert!(authenticate_token("ak_valid", &cached).await.expect("verdict").is_signed_in(), "within the bound");
    tokio::time::sleep(Duration::from_millis(350)).await;
    let state = authenticate_token("ak_valid", &cached).await.expect("verdict");
    assert_eq!(state.reason(), Some(Reason::TokenInvalid), "revoked, once the bound has passed");
}

/// Clerk failing `mode`: 20 requests with one token share one call and get a typed error within
/// the budget; the failure is not remembered.
async fn machine_tokens_during(mode: Mode) {
    let server = FlakyClerk::start(Vec::new()).await;
    server.machine_token("ak_valid", 200, api_key(false));
    server.set_mode(mode).await;
    let options = Arc::new(options(&server));
    tokio::time::pause();
    let outcomes = all_at_once((0..20).map(|_| {
        let options = Arc::clone(&options);
        async move {
            let started = Instant::now();
            (authenticate_token("ak_valid", &options).await, started.elapsed())
        }
    }))
    .await;
    let budget = clerk_api::auth::DEFAULT_REQUEST_BUDGET + Duration::from_millis(1);
    for (result, took) in outcomes {
        let error = result.expect_err("no verdict while Clerk is down");
        assert!(
            matches!(
                &error,
                AuthError::MachineVerification {
                    token_type: TokenType::ApiKey,
                    source: Unavailable::Deadline(_) | Unavailable::Failed(_)
                }
            ),
            "{mode:?}: {error:?}"
        );
        assert!(took <= budget, "{mode:?}: {took:?}");
        assert!(error.retry_after().is_some());
    }
    assert!(server.verify_requests() <= 2, "{mode:?}: one call (and at most its one retry) for 20 requests");
    tokio::time::resume();
    server.set_mode(Mode::Serve).await;
    assert!(
        authenticate_token("ak_valid", &options).await.expect("verdict").is_signed_in(),
        "{mode:?}: not remembered"
    );
}

#[tokio::test]
async fn machine_tokens_while_the_api_answers_500() {
    machine_tokens_during(Mode::Fail500).await;
}

#[tokio::test]
async fn machine_tokens_while_the_api_never_answers() {
    machine_tokens_during(Mode::Hang).await;
}

#[tokio::test]
async fn machine_tokens_while_the_api_refuses_connections() {
    machine_tokens_during(Mode::Refuse).await;
}

#[tokio::test]
async fn a_limited_verdict_is_an_error_not_a_signed_out_state() {
    let server = FlakyClerk::start(Vec::new()).await;
    let options = options(&server).machine_token_limiter(MachineTokenLimiter::new(1.0, 1));
    assert!(matches!(authenticate_token("mt_junk_1", &options).await, Ok(RequestState::SignedOut(_))));
    // Without a client key, requests share one bucket.
    let error = authenticate_token("mt_junk_2", &options).await.expect_err("limited");
    assert!(matches!(error, AuthError::RateLimited { token_type: TokenType::M2mToken, .. }), "{error:?}");
    assert!(error.retry_after().is_some_and(|after| after <= Duration::from_secs(1)));
}

#[tokio::test]
async fn a_verdict_for_one_instance_is_never_another_instances() {
    let a = FlakyClerk::start(Vec::new()).await;
    let b = FlakyClerk::start(Vec::new()).await;
    a.machine_token("ak_for_a", 200, api_key(false));
    // Options of instance A, remembering valid verdicts, and a clone pointed at instance B:
    // clones share their cache.
    let for_a = options(&a).machine_token_cache(MachineTokenCache::new().valid_for(Duration::from_secs(60)));
    let for_b = for_a.clone().client(client(&b));
    // At once and one after the other, in both orders.
    let (on_a, on_b) = tokio::join!(authenticate_token("ak_for_a", &for_a), authenticate_token("ak_for_a", &for_b));
    assert!(on_a.expect("verdict").is_signed_in());
    assert_eq!(on_b.expect("verdict").reason(), Some(Reason::TokenInvalid));
    assert_eq!(authenticate_token("ak_for_a", &for_b).await.expect("verdict").reason(), Some(Reason::TokenInvalid));
    assert!(authenticate_token("ak_for_a", &for_a).await.expect("verdict").is_signed_in());
    assert_eq!((a.verify_requests(), b.verify_requests()), (1, 1));
}
