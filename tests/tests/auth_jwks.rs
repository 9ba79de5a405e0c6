//! Keys from the instance's JWKS: cache per instance and kid, TTL, unknown-kid refetch limit,
//! single-flight fetches, and the cross-instance case.

use clerk_api::auth::{authenticate_token, AuthError, AuthenticateOptions, JwksCache, Reason, RequestState};
use clerk_api::Clerk;
use clerk_api_tests::auth_support::{now, AuthServer, Instance, TestKey};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

fn claims() -> Value {
    json!({ "sub": "user_1", "sid": "sess_1", "exp": now() + 60, "iat": now() - 1, "v": 2 })
}

fn client(server: &AuthServer, secret: &str) -> Clerk {
    Clerk::builder(secret)
        .base_url(&server.base_url)
        .retry_policy(clerk_api::RetryPolicy::none())
        .build()
        .expect("client")
}

fn options(server: &AuthServer, secret: &str, cache: &Arc<JwksCache>) -> AuthenticateOptions {
    AuthenticateOptions::with_client(client(server, secret)).jwks_cache(Arc::clone(cache))
}

async fn reason(token: &str, options: &AuthenticateOptions) -> Option<Reason> {
    authenticate_token(token, options).await.expect("a verdict").reason()
}

#[tokio::test]
async fn keys_are_fetched_once_and_reused() {
    let [a, b, _] = TestKey::three();
    let server = AuthServer::start().await;
    server.instance("sk_test_a", Instance { keys: vec![a.jwk("kid_a"), b.jwk("kid_b")] });
    let cache = Arc::new(JwksCache::new());
    let options = options(&server, "sk_test_a", &cache);
    for _ in 0..5 {
        assert_eq!(reason(&a.token("kid_a", &claims()), &options).await, None);
        assert_eq!(reason(&b.token("kid_b", &claims()), &options).await, None);
    }
    assert_eq!(server.jwks_fetches(), 1);
    // A token claiming kid_a but signed by b's key.
    assert_eq!(reason(&b.token("kid_a", &claims()), &options).await, Some(Reason::TokenInvalidSignature));
    let no_kid = a.sign(&json!({ "alg": "RS256" }), &claims());
    assert_eq!(reason(&no_kid, &options).await, Some(Reason::TokenInvalid));
}

#[tokio::test]
async fn a_token_of_instance_b_is_refused_by_instance_a_even_with_the_same_kid() {
    let [a, b, _] = TestKey::three();
    let server = AuthServer::start().await;
    // Both instances publish their key under the same kid, on the same API URL.
    server.instance("sk_test_a", Instance { keys: vec![a.jwk("ins_shared")] });
    server.instance("sk_test_b", Instance { keys: vec![b.jwk("ins_shared")] });
    let cache = Arc::new(JwksCache::new());
    let verifier_a = options(&server, "sk_test_a", &cache);
    let verifier_b = options(&server, "sk_test_b", &cache);
    let token_b = b.token("ins_shared", &claims());
    // B verifies its own token first, so B's key is cached under kid `ins_shared`.
    assert_eq!(reason(&token_b, &verifier_b).await, None);
    assert_eq!(reason(&token_b, &verifier_a).await, Some(Reason::TokenInvalidSignature));
    assert_eq!(reason(&a.token("ins_shared", &claims()), &verifier_a).await, None);
    assert_eq!(reason(&a.token("ins_shared", &claims()), &verifier_b).await, Some(Reason::TokenInvalidSignature));
    assert_eq!(server.jwks_fetches(), 2, "one fetch per instance");
    // Also with the process-wide cache.
    let global_a = AuthenticateOptions::with_client(client(&server, "sk_test_a"));
    let global_b = AuthenticateOptions::with_client(client(&server, "sk_test_b"));
    assert_eq!(reason(&token_b, &global_b).await, None);
    assert_eq!(reason(&token_b, &global_a).await, Some(Reason::TokenInvalidSignature));
}

#[tokio::test]
async fn an_unknown_kid_refetches_at_most_once_per_interval() {
    let [a, _, c] = TestKey::three();
    let server = AuthServer::start().await;
    server.instance("sk_test_a", Instance { keys: vec![a.jwk("kid_a")] });
    let cache = Arc::new(JwksCache::new().with_unknown_kid_refetch_interval(Duration::from_millis(300)));
    let options = options(&server, "sk_test_a", &cache);
    assert_eq!(reason(&a.token("kid_a", &claims()), &options).await, None);
    assert_eq!(server.jwks_fetches(), 1);
    // Unknown kid right after a fetch: no refetch, kid mismatch.
    for _ in 0..10 {
        assert_eq!(reason(&c.token("kid_rotated", &claims()), &options).await, Some(Reason::JwkKidMismatch));
    }
    assert_eq!(server.jwks_fetches(), 1);
    // The instance rotates keys; after the interval one refetch finds the new key.
    server.instance("sk_test_a", Instance { keys: vec![a.jwk("kid_a"), c.jwk("kid_rotated")] });
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(reason(&c.token("kid_rotated", &claims()), &options).await, None);
    assert_eq!(reason(&c.token("kid_rotated", &claims()), &options).await, None);
    assert_eq!(server.jwks_fetches(), 2);
}

#[tokio::test]
async fn keys_older_than_the_ttl_are_refreshed_in_the_background() {
    let [a, b, _] = TestKey::three();
    let server = AuthServer::start().await;
    server.instance("sk_test_a", Instance { keys: vec![a.jwk("kid_a")] });
    let cache = Arc::new(JwksCache::new().with_ttl(Duration::from_millis(200)));
    let options = options(&server, "sk_test_a", &cache);
    assert_eq!(reason(&a.token("kid_a", &claims()), &options).await, None);
    assert_eq!(reason(&a.token("kid_a", &claims()), &options).await, None);
    assert_eq!(server.jwks_fetches(), 1);
    // Past the TTL the instance rotates a key in: the stale keys still answer (no wait), and
    // the refresh they start brings the new key.
    server.instance("sk_test_a", Instance { keys: vec![a.jwk("kid_a"), b.jwk("kid_b")] });
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(reason(&a.token("kid_a", &claims()), &options).await, None);
    for _ in 0..200 {
        if !cache.status(&client(&server, "sk_test_a")).stale {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(server.jwks_fetches(), 2);
    assert_eq!(cache.fetch_count(&client(&server, "sk_test_a")), 2);
    assert_eq!(reason(&b.token("kid_b", &claims()), &options).await, None);
    assert_eq!(server.jwks_fetches(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_on_a_cold_cache_send_one_fetch() {
    let [a, ..] = TestKey::three();
    let server = AuthServer::start().await;
    server.instance("sk_test_a", Instance { keys: vec![a.jwk("kid_a")] });
    server.delay_jwks(Duration::from_millis(200));
    let cache = Arc::new(JwksCache::new());
    let options = Arc::new(options(&server, "sk_test_a", &cache));
    let token = Arc::new(a.token("kid_a", &claims()));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (options, token) = (Arc::clone(&options), Arc::clone(&token));
            tokio::spawn(async move { authenticate_token(&token, &options).await.map(|s| s.is_signed_in()) })
        })
        .collect();
    for task in tasks {
        assert!(task.await.expect("task").expect("verdict"));
    }
    assert_eq!(server.jwks_fetches(), 1);
}

#[tokio::test]
async fn an_unreachable_jwks_is_an_error_not_a_signed_out_verdict() {
    let [a, ..] = TestKey::three();
    let server = AuthServer::start().await;
    // The server does not know this secret key: 401 on /jwks.
    let cache = Arc::new(JwksCache::new());
    let options = options(&server, "sk_test_unknown", &cache);
    let result = authenticate_token(&a.token("kid_a", &claims()), &options).await;
    let error = result.expect_err("no verdict without keys");
    assert!(matches!(error, AuthError::Jwks { .. }), "{error:?}");
    assert!(!error.to_string().contains("sk_test_unknown"), "{error}");
}

#[tokio::test]
async fn a_pem_key_takes_precedence_over_the_jwks() {
    let [a, b, _] = TestKey::three();
    let server = AuthServer::start().await;
    server.instance("sk_test_a", Instance { keys: vec![b.jwk("kid_a")] });
    let cache = Arc::new(JwksCache::new());
    let options =
        options(&server, "sk_test_a", &cache).jwt_key(clerk_api::auth::JwtKey::from_pem(&a.public_pem).expect("pem"));
    let state = authenticate_token(&a.token("kid_a", &claims()), &options).await.expect("verdict");
    assert!(matches!(state, RequestState::SignedIn(_)));
    assert_eq!(server.jwks_fetches(), 0);
}

#[tokio::test]
async fn a_key_published_for_another_algorithm_refuses_rs256_tokens() {
    let [a, ..] = TestKey::three();
    let server = AuthServer::start().await;
    let mut jwk = a.jwk("kid_a");
    jwk["alg"] = json!("RS512");
    server.instance("sk_test_a", Instance { keys: vec![jwk] });
    let cache = Arc::new(JwksCache::new());
    let options = options(&server, "sk_test_a", &cache);
    assert_eq!(reason(&a.token("kid_a", &claims()), &options).await, Some(Reason::TokenInvalidAlgorithm));
}

#[tokio::test]
async fn machine_jwts_use_the_same_jwks_keys_and_cache() {
    let [a, b, _] = TestKey::three();
    let server = AuthServer::start().await;
    server.instance("sk_test_m", Instance { keys: vec![a.jwk("kid_m")] });
    let cache = Arc::new(JwksCache::new());
    let all = [
        clerk_api::auth::TokenType::SessionToken,
        clerk_api::auth::TokenType::M2mToken,
        clerk_api::auth::TokenType::OAuthToken,
    ];
    let options = options(&server, "sk_test_m", &cache).accepts_token(all);
    let m2m = a.inner.m2m_token("mch_1").kid("kid_m").sign();
    let oauth = a.inner.oauth_token("user_1", "client_1").kid("kid_m").sign();
    let session = a.inner.session_token("user_1").kid("kid_m").sign();
    for token in [&m2m, &oauth, &session, &m2m] {
        assert!(authenticate_token(token, &options).await.expect("a verdict").is_signed_in());
    }
    assert_eq!(server.jwks_fetches(), 1, "one fetch serves every kind");
    let forged = b.inner.m2m_token("mch_1").kid("kid_m").sign();
    assert_eq!(reason(&forged, &options).await, Some(Reason::TokenInvalidSignature));
    let unknown_kid = a.inner.oauth_token("user_1", "c").kid("kid_other").sign();
    assert_eq!(reason(&unknown_kid, &options).await, Some(Reason::JwkKidMismatch));
}
