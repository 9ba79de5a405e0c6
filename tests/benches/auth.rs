//! Networkless verification throughput: `authenticate_request` on a request with a valid
//! session token, and reading its user, session and organization, against the raw call
//! underneath it (`ring`'s RS256 verify of the same token),
//! single thread; and the same call with the instance's keys from a warm JWKS cache (the
//! `with_client` options, after one fetch from a local fake). Run:
//! `cargo bench -p clerk-api-tests --bench auth`.

use base64::Engine;
use clerk_api::auth::{authenticate_request, AuthenticateOptions, JwksCache, JwtKey};
use clerk_api_tests::auth_support::{now, AuthServer, Instance, TestKey};
use futures_util::FutureExt;
use serde_json::json;
use std::hint::black_box;
use std::time::{Duration, Instant};

// Many short rounds, the raw call and ours side by side in each, in alternating order: the
// shared machine's speed drifts by more than the difference measured, and a ratio taken within
// one round cancels most of the drift.
const ROUND: Duration = Duration::from_millis(250);
const ROUNDS: usize = 40;

/// Calls `f` for about `ROUND` and returns calls per second.
fn rate(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < ROUND {
        for _ in 0..100 {
            f();
        }
        calls += 100;
    }
    calls as f64 / start.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// `authenticate_request` on `request`, then what a handler reads of the verdict: user,
/// session, organization. The options must answer without awaiting (a PEM key, or a warm
/// JWKS cache).
fn verify_and_read(request: &http::Request<()>, options: &AuthenticateOptions) {
    let state = authenticate_request(black_box(request), options)
        .now_or_never()
        .expect("answered at once, without awaiting")
        .expect("verdict");
    let auth = state.auth().expect("signed in");
    black_box((auth.user_id(), auth.session_id(), auth.org_id()));
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --all-targets` runs benches once without --bench: skip.
    }
    let key = &TestKey::three()[0];
    let claims = json!({
        "azp": "https://app.example.com", "exp": now() + 3600, "fva": [12, -1], "iat": now(), "iss": "https://clerk.example.com",
        "nbf": now() - 10, "sid": "sess_2xhFjEI5X2qWRvtV13BzSj8H6Dk", "sts": "active", "sub": "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk", "v": 2,
        "o": { "id": "org_2xhFjEI5X2qWRvtV13BzSj8H6Dk", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3" },
        "fea": "o:dashboard", "pla": "o:pro",
    });
    let token = key.token("ins_2xhFjEI5X2qWRvtV13BzSj8H6Dk", &claims);
    let options = AuthenticateOptions::networkless(JwtKey::from_pem(&key.public_pem).expect("pem"))
        .authorized_party("https://app.example.com");
    let request = http::Request::builder()
        .uri("/api")
        .header("authorization", format!("Bearer {token}"))
        .header("cookie", "theme=dark")
        .body(())
        .expect("request");

    // The raw call underneath: ring's RS256 verify of the same signing input and signature.
    let (input, signature) = token.rsplit_once('.').expect("three parts");
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature).expect("signature");
    let decode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).expect("jwk part");
    let (n, e) = (decode(&key.n), decode(&key.e));
    let raw = || {
        let components = ring::signature::RsaPublicKeyComponents { n: n.as_slice(), e: e.as_slice() };
        components
            .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, black_box(input.as_bytes()), black_box(&signature))
            .expect("valid");
    };
    // The verdict and what a handler reads of it: user, session, organization.
    let full = || verify_and_read(&request, &options);
    // The same with the keys of a warm JWKS cache: one fetch from a local fake, then every call
    // is answered from the cache, without awaiting anything.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let server = runtime.block_on(AuthServer::start());
    server.instance("sk_test_bench", Instance { keys: vec![key.jwk("ins_2xhFjEI5X2qWRvtV13BzSj8H6Dk")] });
    let clerk = clerk_api::Clerk::builder("sk_test_bench").base_url(&server.base_url).build().expect("client");
    let jwks_options = AuthenticateOptions::with_client(clerk)
        .jwks_cache(std::sync::Arc::new(JwksCache::new()))
        .authorized_party("https://app.example.com");
    assert!(runtime.block_on(authenticate_request(&request, &jwks_options)).expect("verdict").is_signed_in());
    let full_jwks = || verify_and_read(&request, &jwks_options);
    // For scale: the usual Rust JWT crate (jsonwebtoken 9, on the same ring), decode + validate.
    let jwt_key = jsonwebtoken::DecodingKey::from_rsa_components(&key.n, &key.e).expect("jwk");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.leeway = 5;
    let jsonwebtoken = || {
        let data = jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &jwt_key, &validation).expect("valid");
        black_box(data);
    };
    full();
    full_jwks();
    raw();
    jsonwebtoken();
    // `--profile N` (`--profile-jwks N`): only the full path (with JWKS keys), N times, for
    // `valgrind --tool=callgrind`.
    let count = |flag: &str| std::env::args().skip_while(|a| a != flag).nth(1).and_then(|n| n.parse::<usize>().ok());
    if let Some(n) = count("--profile") {
        for _ in 0..n {
            full();
        }
        return;
    }
    if let Some(n) = count("--profile-jwks") {
        for _ in 0..n {
            full_jwks();
        }
        return;
    }

    let (mut full_rates, mut raw_rates, mut library_rates, mut jwks_rates, mut ratios) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (raw_rate, full_rate) = if round % 2 == 0 {
            let raw_rate = rate(raw);
            (raw_rate, rate(full))
        } else {
            let full_rate = rate(full);
            (rate(raw), full_rate)
        };
        ratios.push(full_rate / raw_rate);
        full_rates.push(full_rate);
        raw_rates.push(raw_rate);
        if round % 4 == 0 {
            library_rates.push(rate(jsonwebtoken));
            jwks_rates.push(rate(full_jwks));
        }
    }
    let (full_rate, raw_rate, library_rate) = (median(full_rates), median(raw_rates), median(library_rates));
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    let (q1, q3) = (sorted[ROUNDS / 4], sorted[ROUNDS * 3 / 4]);
    println!(
        "token: {} bytes, RSA-2048, {ROUNDS} rounds of {} ms (raw call and ours in each, alternating order), medians:",
        token.len(),
        ROUND.as_millis()
    );
    println!("  ring RS256 verify (raw call)          {raw_rate:>9.0} verifications/s");
    println!("  authenticate_request (networkless)    {full_rate:>9.0} verifications/s");
    println!("  authenticate_request (JWKS, cached)   {:>9.0} verifications/s", median(jwks_rates));
    println!("  jsonwebtoken 9 decode (for scale)     {library_rate:>9.0} verifications/s");
    println!(
        "  authenticate_request / raw call       {:>9.1} % (median of the rounds' ratios; quartiles {:.1}-{:.1} %)",
        median(ratios) * 100.0,
        q1 * 100.0,
        q3 * 100.0
    );
}
