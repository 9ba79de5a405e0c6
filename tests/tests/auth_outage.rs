//! Request authentication while Clerk's Backend API is down: a local Backend API that answers
//! 500, refuses connections, accepts and never answers, or answers late, with Tokio's clock
//! paused once the keys are cached so that time is the test's to move. Requests whose key is
//! cached are signed in without waiting (0 ms on the paused clock) however the API fails; one
//! refresh is in flight at a time and failures back off; a request whose key cannot be fetched
//! is answered within the request budget; after recovery the rotated keys are used.

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use clerk_api::auth::axum::ClerkAuthLayer;
use clerk_api::auth::{authenticate_token, AuthError, AuthenticateOptions, JwksCache, Reason, RequestState};
use clerk_api::Clerk;
use clerk_api_tests::auth_support::{all_at_once, now, FlakyClerk, Mode, TestKey};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tower::ServiceExt;

const SECRET: &str = "sk_test_outage";
const TTL: Duration = Duration::from_secs(60);
/// `AuthenticateOptions`' default request budget, and the millisecond Tokio's timers round a
/// deadline up to.
const BUDGET: Duration = clerk_api::auth::DEFAULT_REQUEST_BUDGET.saturating_add(Duration::from_millis(1));

fn claims() -> Value {
    json!({ "sub": "user_1", "sid": "sess_1", "exp": now() + 3600, "iat": now() - 1, "v": 2 })
}

/// The client as a batch job builds it, with the default retry policy (5 attempts over up to
/// 60 s): the request path must not wait on it.
fn client(server: &FlakyClerk) -> Clerk {
    Clerk::builder(SECRET).base_url(&server.base_url).build().expect("client")
}

fn options(server: &FlakyClerk, cache: &Arc<JwksCache>) -> Arc<AuthenticateOptions> {
    Arc::new(AuthenticateOptions::with_client(client(server)).jwks_cache(Arc::clone(cache)))
}

/// A verdict, and how long it took on Tokio's clock.
async fn timed(token: &str, options: &AuthenticateOptions) -> (Result<RequestState, AuthError>, Duration) {
    let started = Instant::now();
    let result = authenticate_token(token, options).await;
    (result, started.elapsed())
}

fn signed_in(result: &Result<RequestState, AuthError>) -> bool {
    matches!(result, Ok(RequestState::SignedIn(_)))
}

/// Fetches the keys with the clock running, then pauses it past the TTL: the keys are stale.
async fn cache_then_go_stale(token: &str, options: &AuthenticateOptions) {
    assert!(signed_in(&timed(token, options).await.0));
    tokio::time::pause();
    tokio::time::advance(TTL + Duration::from_secs(1)).await;
}

/// `n` requests with `token` at once, each with how long it took.
async fn at_once(n: usize, token: &Arc<String>, options: &Arc<AuthenticateOptions>) -> Vec<(bool, Duration)> {
    all_at_once((0..n).map(|_| {
        let (token, options) = (Arc::clone(token), Arc::clone(options));
        async move {
            let (result, took) = timed(&token, &options).await;
            (signed_in(&result), took)
        }
    }))
    .await
}

/// Signed in through ten minutes of `mode`, never waiting; the refreshes back off.
async fn signed_in_through(mode: Mode) {
    let [a, ..] = TestKey::three();
    let server = FlakyClerk::start(vec![a.jwk("kid_a")]).await;
    let cache = Arc::new(JwksCache::new().with_ttl(TTL));
    let options = options(&server, &cache);
    let token = Arc::new(a.token("kid_a", &claims()));
    cache_then_go_stale(&token, &options).await;
    server.set_mode(mode).await;

    for (ok, took) in at_once(20, &token, &options).await {
        assert!(ok, "{mode:?}: a valid token with a cached key is signed in");
        assert_eq!(took, Duration::ZERO, "{mode:?}: no request waits for the refresh");
    }
    assert_eq!(cache.fetch_count(&client(&server)), 2, "{mode:?}: one refresh for the 20 requests");

    // Ten minutes, a request a second.
    for second in 0..600 {
        tokio::time::advance(Duration::from_secs(1)).await;
        let (result, took) = timed(&token, &options).await;
        assert!(signed_in(&result) && took == Duration::ZERO, "{mode:?} at {second} s: {result:?} in {took:?}");
    }
    let refreshes = cache.fetch_count(&client(&server)) - 2;
    // Backoff from 1 s doubling to 30 s (jittered to 50-100 %), not one per request.
    assert!((8..=45).contains(&refreshes), "{mode:?}: {refreshes} refreshes in ten minutes");
    let status = cache.status(&client(&server));
    assert!(status.stale && status.failures >= 8 && status.keys == 1, "{mode:?}: {status:?}");
    tokio::time::resume();
}

#[tokio::test]
async fn signed_in_while_the_api_answers_500() {
    signed_in_through(Mode::Fail500).await;
}

#[tokio::test]
async fn signed_in_while_the_api_refuses_connections() {
    signed_in_through(Mode::Refuse).await;
}

#[tokio::test]
async fn signed_in_while_the_api_never_answers() {
    signed_in_through(Mode::Hang).await;
}

#[tokio::test]
async fn signed_in_while_the_api_answers_too_late() {
    signed_in_through(Mode::Slow(Duration::from_secs(30))).await;
}

/// Waits (on the running clock) until the instance's keys are fresh again.
async fn until_fresh(cache: &JwksCache, client: &Clerk) {
    for _ in 0..500 {
        let status = cache.status(client);
        if status.keys > 0 && !status.stale && status.failures == 0 && !status.refreshing {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the keys were not refreshed: {:?}", cache.status(client));
}

/// An outage of two minutes of 500s while the keys are stale, then the API back with `keys`,
/// the backoff waited out, and the clock running again.
async fn outage_then_recovery(
    server: &FlakyClerk,
    cache: &JwksCache,
    token: &str,
    options: &AuthenticateOptions,
    keys: Vec<Value>,
) {
    cache_then_go_stale(token, options).await;
    server.set_mode(Mode::Fail500).await;
    for _ in 0..120 {
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(signed_in(&timed(token, options).await.0));
    }
    // The last refresh ends (on the running clock, so that jumping ahead does not time it out
    // while its answer is on its way) before the API comes back.
    tokio::time::resume();
    while cache.status(&client(server)).refreshing {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.set_keys(keys);
    server.set_mode(Mode::Serve).await;
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(31)).await;
    tokio::time::resume();
}

#[tokio::test]
async fn after_recovery_the_rotated_keys_are_used() {
    let [a, b, _] = TestKey::three();
    let server = FlakyClerk::start(vec![a.jwk("kid_a")]).await;
    let cache = Arc::new(JwksCache::new().with_ttl(TTL));
    let options = options(&server, &cache);
    let old = a.token("kid_a", &claims());
    // Clerk comes back having rotated kid_a out for kid_b.
    outage_then_recovery(&server, &cache, &old, &options, vec![b.jwk("kid_b")]).await;
    let before = cache.fetch_count(&client(&server));
    // The stale key still answers this one, which starts the refresh.
    assert!(signed_in(&timed(&old, &options).await.0));
    until_fresh(&cache, &client(&server)).await;
    assert_eq!(cache.fetch_count(&client(&server)), before + 1);
    assert!(signed_in(&timed(&b.token("kid_b", &claims()), &options).await.0), "the new key verifies");
    let (result, _) = timed(&old, &options).await;
    assert_eq!(result.expect("a verdict").reason(), Some(Reason::JwkKidMismatch), "the rotated-out key no longer does");
    assert_eq!(cache.fetch_count(&client(&server)), before + 1, "the old kid right after a fetch: no refetch");
}

#[tokio::test]
async fn an_unknown_kid_after_the_outage_is_fetched_once() {
    let [a, _, c] = TestKey::three();
    let server = FlakyClerk::start(vec![a.jwk("kid_a")]).await;
    let cache = Arc::new(JwksCache::new().with_ttl(TTL));
    let options = options(&server, &cache);
    let old = a.token("kid_a", &claims());
    outage_then_recovery(&server, &cache, &old, &options, vec![a.jwk("kid_a"), c.jwk("kid_c")]).await;
    let (fetches, requests) = (cache.fetch_count(&client(&server)), server.jwks_requests());
    let new = Arc::new(c.token("kid_c", &claims()));
    for (ok, _) in at_once(20, &new, &options).await {
        assert!(ok, "the new kid is fetched and verifies");
    }
    assert_eq!(cache.fetch_count(&client(&server)), fetches + 1, "20 requests, one fetch");
    assert_eq!(server.jwks_requests(), requests + 1);
    assert!(signed_in(&timed(&old, &options).await.0), "the old key stays");
}

/// A cold cache while the API fails `mode`: 20 requests answered within the budget by one
/// fetch, the next one at once (backing off), and the axum layer answers 503 with Retry-After.
async fn cold_cache_within_budget(mode: Mode) {
    let [a, ..] = TestKey::three();
    let server = FlakyClerk::start(vec![a.jwk("kid_a")]).await;
    server.set_mode(mode).await;
    let cache = Arc::new(JwksCache::new());
    let options = options(&server, &cache);
    tokio::time::pause();
    let token = Arc::new(a.token("kid_a", &claims()));
    for (ok, took) in at_once(20, &token, &options).await {
        assert!(!ok);
        assert!(took <= BUDGET, "{mode:?}: answered in {took:?}, over the budget");
    }
    assert_eq!(cache.fetch_count(&client(&server)), 1, "{mode:?}: one fetch for 20 requests");
    let (result, took) = timed(&token, &options).await;
    let error = result.expect_err("no key, no verdict");
    assert!(matches!(error, AuthError::Jwks { .. }), "{mode:?}: {error:?}");
    assert_eq!(took, Duration::ZERO, "{mode:?}: backing off, the next request is answered at once");
    assert!(error.retry_after().is_some_and(|after| after >= Duration::from_secs(1)), "{error:?}");
    assert!(!error.to_string().contains(SECRET), "{error}");
    assert_eq!(cache.fetch_count(&client(&server)), 1, "{mode:?}: no fetch while backing off");

    let app: Router = Router::new()
        .route("/me", get(|| async { "hello" }))
        .route_layer(ClerkAuthLayer::new(AuthenticateOptions::clone(&options)));
    let request = http::Request::builder()
        .uri("/me")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let response = app.oneshot(request).await.expect("response");
    assert_eq!(response.status(), http::StatusCode::SERVICE_UNAVAILABLE, "{mode:?}: 503, not 401");
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    assert!(retry_after.is_some_and(|s| (1..=30).contains(&s)), "{mode:?}: Retry-After {retry_after:?}");
    tokio::time::resume();
}

#[tokio::test]
async fn a_cold_cache_during_500s_is_answered_within_the_budget() {
    cold_cache_within_budget(Mode::Fail500).await;
}

#[tokio::test]
async fn a_cold_cache_during_refused_connections_is_answered_within_the_budget() {
    cold_cache_within_budget(Mode::Refuse).await;
}

#[tokio::test]
async fn a_cold_cache_during_a_hang_is_answered_within_the_budget() {
    cold_cache_within_budget(Mode::Hang).await;
}

#[tokio::test]
async fn a_cold_cache_during_slow_answers_is_answered_within_the_budget() {
    cold_cache_within_budget(Mode::Slow(Duration::from_secs(10))).await;
}

#[tokio::test]
async fn a_slow_answer_within_the_budget_still_signs_in() {
    let [a, ..] = TestKey::three();
    let server = FlakyClerk::start(vec![a.jwk("kid_a")]).await;
    let cache = Arc::new(JwksCache::new());
    let options = Arc::new(
        AuthenticateOptions::with_client(client(&server))
            .jwks_cache(Arc::clone(&cache))
            .request_budget(Duration::from_secs(10)),
    );
    server.set_mode(Mode::Slow(Duration::from_secs(1))).await;
    let (result, took) = timed(&a.token("kid_a", &claims()), &options).await;
    assert!(signed_in(&result), "{result:?}");
    assert!(took >= Duration::from_secs(1), "{took:?}");
}

#[tokio::test]
async fn an_unknown_kid_during_the_outage_is_answered_within_the_budget() {
    let [a, _, c] = TestKey::three();
    let server = FlakyClerk::start(vec![a.jwk("kid_a")]).await;
    let cache = Arc::new(JwksCache::new().with_ttl(TTL));
    let options = options(&server, &cache);
    let known = Arc::new(a.token("kid_a", &claims()));
    cache_then_go_stale(&known, &options).await;
    server.set_mode(Mode::Hang).await;
    let unknown = c.token("kid_c", &claims());
    let (result, took) = timed(&unknown, &options).await;
    assert!(matches!(result, Err(AuthError::Jwks { .. })), "{result:?}");
    assert!(took <= BUDGET, "{took:?}");
    // While that fetch fails and backs off, the known key keeps signing in, and more unknown
    // kids cost no fetch of their own.
    let fetches = cache.fetch_count(&client(&server));
    for _ in 0..50 {
        let (result, took) = timed(&unknown, &options).await;
        assert!(matches!(result, Err(AuthError::Jwks { .. })) && took <= BUDGET, "{result:?} {took:?}");
        assert!(signed_in(&timed(&known, &options).await.0));
    }
    assert!(cache.fetch_count(&client(&server)) <= fetches + 1);
    tokio::time::resume();
}

#[tokio::test]
async fn keys_past_their_maximum_staleness_are_not_used() {
    let [a, ..] = TestKey::three();
    let server = FlakyClerk::start(vec![a.jwk("kid_a")]).await;
    let cache = Arc::new(JwksCache::new().with_ttl(TTL).with_max_staleness(Duration::from_secs(600)));
    let options = options(&server, &cache);
    let token = a.token("kid_a", &claims());
    cache_then_go_stale(&token, &options).await;
    server.set_mode(Mode::Fail500).await;
    tokio::time::advance(Duration::from_secs(600 - 62)).await;
    assert!(signed_in(&timed(&token, &options).await.0), "just under the maximum staleness");
    tokio::time::advance(Duration::from_secs(2)).await;
    let (result, took) = timed(&token, &options).await;
    assert!(matches!(result, Err(AuthError::Jwks { .. })), "past it: {result:?}");
    assert!(took <= BUDGET, "{took:?}");
    tokio::time::resume();
}

#[tokio::test]
async fn a_tiny_budget_fails_its_requests_but_not_the_cache() {
    let [a, ..] = TestKey::three();
    let server = FlakyClerk::start(vec![a.jwk("kid_a")]).await;
    server.set_mode(Mode::Slow(Duration::from_millis(100))).await;
    let cache = Arc::new(JwksCache::new());
    let options = Arc::new(
        AuthenticateOptions::with_client(client(&server)).jwks_cache(Arc::clone(&cache)).request_budget(Duration::ZERO),
    );
    let token = a.token("kid_a", &claims());
    let (result, _) = timed(&token, &options).await;
    assert!(matches!(result, Err(AuthError::Jwks { .. })), "{result:?}");
    // The detached fetch gets at least the default budget, and fills the cache for the next ones.
    until_fresh(&cache, &client(&server)).await;
    assert!(signed_in(&timed(&token, &options).await.0));
}

#[tokio::test]
async fn clear_empties_the_keys_of_options_built_before() {
    let [a, ..] = TestKey::three();
    let server = FlakyClerk::start(vec![a.jwk("kid_a")]).await;
    let cache = Arc::new(JwksCache::new());
    let options = options(&server, &cache);
    let token = a.token("kid_a", &claims());
    assert!(signed_in(&timed(&token, &options).await.0));
    cache.clear();
    assert_eq!(cache.status(&client(&server)).keys, 0);
    assert!(signed_in(&timed(&token, &options).await.0));
    assert_eq!(cache.fetch_count(&client(&server)), 2, "the options fetched again");
}

#[test]
fn outside_a_tokio_runtime_a_fetch_is_an_error_not_a_panic() {
    use futures_util::FutureExt;
    let [a, ..] = TestKey::three();
    let clerk = Clerk::builder(SECRET).base_url("http://127.0.0.1:9").build().expect("client");
    let options = AuthenticateOptions::with_client(clerk).jwks_cache(Arc::new(JwksCache::new()));
    let result = authenticate_token(&a.token("kid_a", &claims()), &options).now_or_never().expect("no waiting");
    assert!(
        matches!(result, Err(AuthError::Jwks { source: clerk_api::auth::Unavailable::NoRuntime, .. })),
        "{result:?}"
    );
}
