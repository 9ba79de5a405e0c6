//! Fuzzes request authentication end to end, networkless, and webhook verification, on paths
//! chosen by the first byte: a raw token; headers (Authorization and Cookie) built from the
//! input; claims signed with a real key so that claim decoding and checks are reached; PEM key
//! parsing; webhook headers and body; and any body correctly signed for a webhook, so that
//! event decoding is reached.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run authenticate -- -max_len=70000 -malloc_limit_mb=8`

#![no_main]

use base64::Engine;
use clerk_api::auth::{authenticate_headers, authenticate_token, AuthenticateOptions, JwtKey};
use clerk_api::webhooks::Webhook;
use futures_util::FutureExt;
use libfuzzer_sys::fuzz_target;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use std::sync::OnceLock;

struct Setup {
    /// Signs with `ring`: far faster than the `rsa` crate, which only generates the key.
    signing: ring::signature::RsaKeyPair,
    options: AuthenticateOptions,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key");
        let pem = private.to_public_key().to_public_key_pem(LineEnding::LF).expect("pem");
        let options = AuthenticateOptions::networkless(JwtKey::from_pem(&pem).expect("key"))
            .authorized_party("https://app.example")
            .audience("api");
        let pkcs8 = private.to_pkcs8_der().expect("pkcs8");
        let signing = ring::signature::RsaKeyPair::from_pkcs8(pkcs8.as_bytes()).expect("ring key");
        Setup { signing, options }
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
    match mode % 6 {
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
