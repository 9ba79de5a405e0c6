//! Request authentication during a Clerk outage, on the real clock, as a server sees it: a
//! local Backend API serves the JWKS, then answers 500, refuses connections or never answers.
//! For each: 20 requests at once with a valid token whose key was cached more than the TTL
//! (1 s) ago, 5 requests whose `kid` is unknown, 20 on a cold cache; then 200 invalid opaque
//! machine tokens, 100 of them one repeated token. The client is built as a batch job builds
//! it (default retry policy). Prints each case's signed-in count and latencies.
//! Run: `cargo bench -p clerk-api-tests --bench outage` (about a minute before issue 36's
//! changes, where requests wait out the client's retries; capped at 20 s a request).

use clerk_api::auth::{authenticate_token, AuthenticateOptions, JwksCache, TokenType};
use clerk_api::Clerk;
use clerk_api_tests::auth_support::{all_at_once, now, FlakyClerk, Mode, TestKey};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CAP: Duration = Duration::from_secs(20);

/// `n` requests with `token` at once: how many were signed in, and the latencies, sorted (a
/// request still waiting at the cap counts as the cap).
async fn at_once(n: usize, token: &str, options: &Arc<AuthenticateOptions>) -> (usize, Vec<Duration>) {
    let outcomes = all_at_once((0..n).map(|_| {
        let (token, options) = (token.to_owned(), Arc::clone(options));
        async move {
            let started = Instant::now();
            let verdict = tokio::time::timeout(CAP, authenticate_token(&token, &options)).await;
            (matches!(verdict, Ok(Ok(ref state)) if state.is_signed_in()), started.elapsed().min(CAP))
        }
    }))
    .await;
    let (mut signed_in, mut latencies) = (0, Vec::new());
    for (ok, took) in outcomes {
        signed_in += usize::from(ok);
        latencies.push(took);
    }
    latencies.sort();
    (signed_in, latencies)
}

fn line(case: &str, mode: Mode, (signed_in, latencies): (usize, Vec<Duration>)) {
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    let waiting = latencies.iter().filter(|d| **d >= CAP).count();
    println!(
        "{case:<28} {:<8} signed in {signed_in:>2}/{:<2}  median {:>8.1} ms  max {:>8.1} ms  at the {} s cap: {waiting}",
        format!("{mode:?}"),
        latencies.len(),
        ms(&latencies[latencies.len() / 2]),
        ms(latencies.last().expect("a latency")),
        CAP.as_secs()
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --all-targets` runs benches once without --bench: skip.
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        let [a, _, c] = TestKey::three();
        let claims = json!({ "sub": "user_1", "sid": "sess_1", "exp": now() + 3600, "iat": now() - 1 });
        let (known, unknown) = (a.token("kid_a", &claims), c.token("kid_c", &claims));
        for mode in [Mode::Fail500, Mode::Refuse, Mode::Hang] {
            let server = FlakyClerk::start(vec![a.jwk("kid_a")]).await;
            let clerk = Clerk::builder("sk_test_bench").base_url(&server.base_url).build().expect("client");
            let cache = Arc::new(JwksCache::new().with_ttl(Duration::from_secs(1)));
            let options = Arc::new(AuthenticateOptions::with_client(clerk.clone()).jwks_cache(Arc::clone(&cache)));
            assert_eq!(at_once(1, &known, &options).await.0, 1, "keys cached");
            tokio::time::sleep(Duration::from_millis(1100)).await;
            server.set_mode(mode).await;
            line("known key, stale cache", mode, at_once(20, &known, &options).await);
            line("unknown kid", mode, at_once(5, &unknown, &options).await);
            let cold = Arc::new(AuthenticateOptions::with_client(clerk).jwks_cache(Arc::new(JwksCache::new())));
            line("cold cache", mode, at_once(20, &known, &cold).await);
        }
        let server = FlakyClerk::start(Vec::new()).await;
        let clerk = Clerk::builder("sk_test_bench").base_url(&server.base_url).build().expect("client");
        let options = Arc::new(AuthenticateOptions::with_client(clerk).accepts_token(TokenType::ALL));
        for i in 0..100 {
            at_once(1, &format!("oat_junk_{i}"), &options).await;
            at_once(1, "oat_the_same_junk", &options).await;
        }
        println!(
            "200 invalid machine tokens (100 distinct, 1 repeated 100 times): {} verification calls",
            server.verify_requests()
        );
    });
}
