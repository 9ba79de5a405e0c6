//! Retries and timeouts against the fake Clerk with injected faults: retries are bounded,
//! waits follow the server's headers, non-idempotent requests are not repeated after an
//! ambiguous failure, and nothing hangs.

use clerk_api::{Clerk, Error, RetryPolicy};
use clerk_api_tests::fake_clerk::stub::Refused;
use clerk_api_tests::fake_clerk::{FakeClerk, Fault, Faults, Seed};
use std::time::{Duration, Instant};

const USER: &str = "/users/user_000000000000000000000000001";
const USER_ID: &str = "user_000000000000000000000000001";

/// Fast retries so the tests take milliseconds: 20 ms, x2, at most 100 ms, 4 attempts.
fn quick() -> RetryPolicy {
    RetryPolicy::default().with_max_attempts(4).with_intervals(
        Duration::from_millis(20),
        2.0,
        Duration::from_millis(100),
    )
}

async fn setup(policy: RetryPolicy) -> (FakeClerk, Clerk) {
    let fake = FakeClerk::start(Seed { users: 10, ..Seed::default() }, Faults::default()).await.unwrap();
    let clerk = Clerk::builder("sk_test_fake")
        .base_url(&fake.base_url)
        .retry_policy(policy)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    (fake, clerk)
}

/// Fails the test instead of hanging it.
async fn bounded<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), future).await.expect("the call finished within 20 s")
}

fn create_user(clerk: &Clerk) -> clerk_api::operations::users::CreateUser {
    clerk.users().create().email_address(["new@example.com"])
}

#[tokio::test]
async fn a_429_storm_is_retried_until_it_passes() {
    let (fake, clerk) = setup(quick()).await;
    fake.inject([
        Fault::status_retry_after(429, "0"),
        Fault::status_retry_after(429, "0"),
        Fault::status_retry_after(429, "0"),
    ]);
    let user = bounded(clerk.users().get(USER_ID).send()).await.unwrap();
    assert_eq!(user.id, USER_ID);
    assert_eq!(fake.requests("GET", USER), 4);
}

#[tokio::test]
async fn retries_stop_at_the_attempt_limit_and_the_error_counts_them() {
    let (fake, clerk) = setup(quick()).await;
    fake.inject(std::iter::repeat_n(Fault::status(429), 10));
    let error = bounded(clerk.users().get(USER_ID).send()).await.unwrap_err();
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.attempts(), Some(4));
    assert!(error.to_string().contains("after 4 attempts"), "{error}");
    assert_eq!(fake.requests("GET", USER), 4);
}

#[tokio::test]
async fn a_503_retry_after_is_waited_for() {
    let (fake, clerk) = setup(quick()).await;
    fake.inject([Fault::Status { status: 503, retry_after: None, retry_after_ms: Some(400) }]);
    let started = Instant::now();
    bounded(clerk.users().get(USER_ID).send()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "waited {:?}, less than retry-after-ms",
        started.elapsed()
    );
    fake.inject([Fault::status_retry_after(503, "1")]);
    let started = Instant::now();
    bounded(clerk.users().get(USER_ID).send()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "waited {:?}, less than Retry-After", started.elapsed());
    assert_eq!(fake.requests("GET", USER), 4);
}

#[tokio::test]
async fn a_wait_past_the_time_budget_is_not_taken() {
    let (fake, clerk) = setup(quick().with_max_elapsed(Duration::from_secs(2))).await;
    fake.inject([Fault::status_retry_after(503, "3600")]);
    let started = Instant::now();
    let error = bounded(clerk.users().get(USER_ID).send()).await.unwrap_err();
    assert_eq!((error.status(), error.attempts()), (Some(503), Some(1)));
    assert!(started.elapsed() < Duration::from_secs(2), "gave up at once instead of waiting an hour");
}

#[tokio::test]
async fn a_connection_reset_mid_response_is_retried_for_a_get() {
    let (fake, clerk) = setup(quick()).await;
    fake.inject([Fault::ResetMidResponse]);
    let user = bounded(clerk.users().get(USER_ID).send()).await.unwrap();
    assert_eq!(user.id, USER_ID);
    assert_eq!(fake.requests("GET", USER), 2);
}

#[tokio::test]
async fn a_post_is_not_repeated_after_an_ambiguous_failure() {
    let (fake, clerk) = setup(quick()).await;
    fake.inject([Fault::ResetMidResponse]);
    let error = bounded(create_user(&clerk).send()).await.unwrap_err();
    assert!(matches!(error, Error::Transport { attempts: 1, .. }), "{error:?}");
    fake.inject([Fault::status(503)]);
    let error = bounded(create_user(&clerk).send()).await.unwrap_err();
    assert_eq!((error.status(), error.attempts()), (Some(503), Some(1)));
    assert_eq!(fake.requests("POST", "/users"), 2, "each POST was sent exactly once");
}

#[tokio::test]
async fn a_post_is_retried_after_a_429_which_means_it_was_not_applied() {
    let (fake, clerk) = setup(quick()).await;
    fake.inject([Fault::status(429)]);
    bounded(create_user(&clerk).send()).await.unwrap();
    assert_eq!(fake.requests("POST", "/users"), 2);
}

#[tokio::test]
async fn a_post_is_retried_after_a_5xx_when_the_caller_opts_in() {
    let (fake, clerk) = setup(quick()).await;
    fake.inject([Fault::status(503)]);
    bounded(create_user(&clerk).retry_policy(quick().with_retry_non_idempotent(true)).send()).await.unwrap();
    assert_eq!(fake.requests("POST", "/users"), 2);
}

#[tokio::test]
async fn a_slow_server_times_out_each_attempt_and_the_retries_are_bounded() {
    let (fake, clerk) = setup(quick().with_max_attempts(2)).await;
    fake.inject([Fault::Delay(Duration::from_secs(3)), Fault::Delay(Duration::from_secs(3))]);
    let started = Instant::now();
    let error = bounded(clerk.users().get(USER_ID).timeout(Duration::from_millis(250)).send()).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { attempts: 2, .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "each attempt was cut at the timeout");
    assert_eq!(fake.requests("GET", USER), 2);
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_a_post_since_nothing_was_sent() {
    let refused = Refused::new().unwrap();
    let clerk = Clerk::builder("sk_test_fake").base_url(refused.base_url()).retry_policy(quick()).build().unwrap();
    let error = bounded(create_user(&clerk).send()).await.unwrap_err();
    assert!(matches!(error, Error::Transport { attempts: 4, .. }), "{error:?}");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let (fake, clerk) = setup(quick()).await;
    let error = bounded(clerk.users().get("user_missing").send()).await.unwrap_err();
    assert_eq!((error.status(), error.attempts()), (Some(404), Some(1)));
    assert_eq!(fake.requests("GET", "/users/user_missing"), 1);
}

#[tokio::test]
async fn random_faults_on_a_third_of_requests_are_all_absorbed() {
    let kinds = vec![
        Fault::status_retry_after(429, "0"),
        Fault::Status { status: 503, retry_after: None, retry_after_ms: Some(5) },
        Fault::status(500),
        Fault::ResetMidResponse,
    ];
    let fake = FakeClerk::start(Seed { users: 10, ..Seed::default() }, Faults::random(0.33, kinds, 42)).await.unwrap();
    let clerk = Clerk::builder("sk_test_fake")
        .base_url(&fake.base_url)
        .retry_policy(quick().with_max_attempts(10))
        .build()
        .unwrap();
    for _ in 0..200 {
        bounded(clerk.users().get(USER_ID).send()).await.unwrap();
    }
    let sent = fake.requests("GET", USER);
    assert!(sent > 250, "about a third of {sent} requests met a fault and were retried");
}
