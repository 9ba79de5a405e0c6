//! Fuzzes request authentication end to end, networkless, and webhook verification, on paths
//! chosen by the first byte: a raw token; headers (Authorization and Cookie) built from the
//! input; claims signed with a real key so that claim decoding and checks are reached; PEM key
//! parsing; webhook headers and body; any body correctly signed for a webhook, so that event
//! decoding is reached; a browser's request (cookies, URL, referrer, fetch metadata) through
//! the handshake table of a production and a development instance; and publishable keys and
//! the test helpers' unverified claims reader on any text.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run authenticate -- -max_len=70000 -malloc_limit_mb=8`

#![no_main]

use base64::Engine;
use clerk_api::auth::{authenticate_headers, authenticate_request, authenticate_token, AuthenticateOptions, JwtKey, PublishableKey};
use clerk_api::webhooks::Webhook;
use futures_util::FutureExt;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

struct Setup {
    /// Signs any bytes as a payload, which `TestKey::sign` (JSON only) does not.
    signing: ring::signature::RsaKeyPair,
    options: AuthenticateOptions,
    /// With publishable keys: browser requests go through the handshake table.
    browser: [AuthenticateOptions; 2],
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        // One of the project's committed test keys.
        let private_pem = include_str!("../../../tests/keys/rsa-2048-1.pem");
        let key = clerk_api::testing::TestKey::from_pkcs8_pem(private_pem).expect("test key");
        let options = AuthenticateOptions::networkless(JwtKey::from_pem(key.public_pem()).expect("key"))
            .authorized_party("https://app.example")
            .audience("api");
        let body: String = private_pem.lines().filter(|line| !line.starts_with("-----")).collect();
        let pkcs8 = base64::engine::general_purpose::STANDARD.decode(body).expect("PEM body");
        let signing = ring::signature::RsaKeyPair::from_pkcs8(&pkcs8).expect("ring key");
        let production = PublishableKey::parse("pk_live_Y2xlcmsudGVzdCQ").expect("key");
        let development = PublishableKey::parse("pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk").expect("key");
        let browser = [
            options.clone().publishable_key(production).proxy_url("/__clerk").sign_in_url("https://accounts.test/sign-in"),
            options.clone().publishable_key(development).is_satellite(true).domain("satellite.test").sign_in_url("https://app.test/sign-in"),
        ];
        Setup { signing, options, browser }
    })
}

/// The Standard Webhooks specification's example secret.
const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let setup = setup();
    let text = String::from_utf8_lossy(rest);
    match mode % 8 {
        0 => {
            let verdict = authenticate_token(&text, &setup.options).now_or_never().expect("networkless is synchronous");
            assert!(verdict.is_ok());
        }
        1 => {
            let (authorization, cookie) = rest.split_at(rest.len() / 2);
            let mut headers = http::HeaderMap::new();
            if let Ok(value) = http::HeaderValue::from_bytes(authorization) {
                headers.insert(http::header::AUTHORIZATION, value);
            }
            if let Ok(value) = http::HeaderValue::from_bytes(cookie) {
                headers.insert(http::header::COOKIE, value);
            }
            let verdict = authenticate_headers(&headers, &setup.options).now_or_never().expect("networkless is synchronous");
            assert!(verdict.is_ok());
        }
        2 => {
            // Any bytes as the payload of a correctly signed RS256 token.
            let input = format!("{}.{}", b64(br#"{"alg":"RS256","typ":"JWT","kid":"k"}"#), b64(rest));
            let mut signature = vec![0; setup.signing.public().modulus_len()];
            let rng = ring::rand::SystemRandom::new();
            setup.signing.sign(&ring::signature::RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut signature).expect("sign");
            let token = format!("{input}.{}", b64(&signature));
            let verdict = authenticate_token(&token, &setup.options).now_or_never().expect("networkless is synchronous");
            assert!(verdict.is_ok());
        }
        3 => {
            let _ = JwtKey::from_pem(&text);
        }
        4 => {
            // Header values and body split from the input; the secret is fixed.
            let webhook = Webhook::new(WEBHOOK_SECRET).expect("secret");
            let mut parts = rest.splitn(4, |&b| b == b'\n');
            let mut headers = http::HeaderMap::new();
            for name in ["svix-id", "svix-timestamp", "svix-signature"] {
                if let Some(value) = parts.next().and_then(|v| http::HeaderValue::from_bytes(v).ok()) {
                    headers.insert(name, value);
                }
            }
            let body = parts.next().unwrap_or_default();
            let _ = webhook.verify_signature_at(&headers, body, 1_700_000_000).and_then(|v| v.event());
        }
        6 => {
            // A browser's request: the input split into a path, cookies, a referrer and the
            // fetch metadata; a GET or a POST, to either instance.
            let mut parts = rest.splitn(4, |&b| b == b'\n');
            let path = String::from_utf8_lossy(parts.next().unwrap_or_default()).replace(' ', "%20");
            let mut request = http::Request::builder().method(if mode & 0x10 == 0 { "GET" } else { "POST" }).header("host", "app.example.com");
            if let Ok(uri) = format!("/{}", path.trim_start_matches('/')).parse::<http::Uri>() {
                request = request.uri(uri);
            }
            for name in ["cookie", "referer", "sec-fetch-dest"] {
                if let Some(value) = parts.next().and_then(|v| http::HeaderValue::from_bytes(v).ok()) {
                    request = request.header(name, value);
                }
            }
            if let Ok(request) = request.body(()) {
                let options = &setup.browser[usize::from(mode & 0x20 != 0)];
                let verdict = authenticate_request(&request, options).now_or_never().expect("networkless is synchronous");
                let state = verdict.expect("a verdict without a network");
                let _ = state.response_headers();
            }
        }
        7 => {
            let _ = PublishableKey::parse(&text);
            let _ = clerk_api::testing::unverified_claims(&text);
        }
        _ => {
            // Any body, correctly signed: event decoding is reached.
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &base64::engine::general_purpose::STANDARD.decode(&WEBHOOK_SECRET[6..]).expect("secret"));
            let mut signed = b"msg_1.1700000000.".to_vec();
            signed.extend_from_slice(rest);
            let signature = base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&key, &signed));
            let mut headers = http::HeaderMap::new();
            headers.insert("svix-id", http::HeaderValue::from_static("msg_1"));
            headers.insert("svix-timestamp", http::HeaderValue::from_static("1700000000"));
            headers.insert("svix-signature", http::HeaderValue::from_str(&format!("v1,{signature}")).expect("header"));
            let webhook = Webhook::new(WEBHOOK_SECRET).expect("secret");
            let verified = webhook.verify_signature_at(&headers, rest, 1_700_000_000).expect("correctly signed");
            let _ = verified.event();
        }
    }
});
